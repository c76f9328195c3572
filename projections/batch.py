"""Set-based writes of a projection batch.

Handlers describe a row to add (`Appended`) or a change to an existing row
(`Folded`) instead of issuing a statement per event. The batch keeps them in memory:
appended rows per table, and per row its net change (summed columns add up, set
columns keep the value of the latest event, the row's position the highest). At the
end of the batch, or before any plain statement a handler issues, each table is
written with one statement over `unnest` of column arrays, in the transaction that
also moves the tracking marks.

Order within a batch: appended rows are written before folded changes (so a row
added in the batch can be folded into), plain appends before appends that read
another table (so an entry can take a column of a row opened in the same batch), and
everything pending before a plain statement. An appended row must therefore never
read a column that a `Folded` changes; such a handler issues a plain statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from psycopg import Cursor, Pipeline
from psycopg.rows import DictRow

Column = tuple[str, str]  # name, Postgres type


#: Rows per statement: a statement of several hundred kilobytes can hang in
#: psycopg's pipeline mode (psycopg issue 685; see docs/performance.md).
CHUNK = 200


def _chunks(rows: list[Any]) -> list[list[Any]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def _array(pg_type: str, values: Sequence[Any]) -> list[Any]:
    """A column's values as psycopg dumps one array: of one Python type."""
    if pg_type == "numeric":
        return [v if v is None or type(v) is Decimal else Decimal(v) for v in values]
    return list(values)


def _unnest(columns: Sequence[Column]) -> str:
    arrays = ", ".join(f"%s::{pg_type}[]" for _, pg_type in columns)
    names = ", ".join(name for name, _ in columns)
    return f"unnest({arrays}) AS u({names})"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a batch's key
class Appended:
    """New rows of `table`. `select` (over the inputs, bound as `u`) may compute
    the stored columns, join another table, or convert a value; by default the
    inputs are the stored columns."""

    table: str
    columns: tuple[Column, ...]
    select: str | None = None
    stored: tuple[str, ...] | None = None

    @property
    def derived(self) -> bool:
        """Computed by a select, which may read another table: written after the
        batch's plain appends."""
        return self.select is not None

    @property
    def _inputs(self) -> str:
        return ", ".join(name for name, _ in self.columns)

    @property
    def _staging(self) -> str:
        return f"stage_{self.table}"

    @cached_property
    def copy_statement(self) -> bytes:
        """Plain rows go straight into their table, derived ones to be staged."""
        table = self._staging if self.derived else self.table
        return f"COPY {table} ({self._inputs}) FROM STDIN (FORMAT BINARY)".encode()

    @cached_property
    def staging_ddl(self) -> bytes:
        """The session's staging table of a derived append (kept between batches;
        its rows never outlive the statement that takes them)."""
        columns = ", ".join(f"{name} {pg_type}" for name, pg_type in self.columns)
        return (
            f"CREATE TEMP TABLE IF NOT EXISTS {self._staging} ({columns}) "
            "ON COMMIT DELETE ROWS"
        ).encode()

    @cached_property
    def statement(self) -> bytes:
        """Moves the staged rows into the table through `select`."""
        target = ", ".join(self.stored or [name for name, _ in self.columns])
        statement = f"WITH u AS (DELETE FROM {self._staging} RETURNING *) "  # noqa: S608 - declared names
        statement += f"INSERT INTO {self.table} ({target}) {self.select}"
        return statement.encode()


@dataclass(frozen=True, eq=False)
class Folded:
    """Changes to existing rows of `table` found by `key`: `sums` add to the
    stored value, `sets` replace it (None keeps it), `position` (when named) takes
    the latest event's. `then`, when given, runs once after with the changed keys
    as its one parameter (for values derived from the new sums)."""

    table: str
    key: Column
    sums: tuple[Column, ...] = ()
    sets: tuple[Column, ...] = ()
    position: str | None = "updated_position"
    then: str | None = None

    @cached_property
    def statement(self) -> bytes:
        inputs = [self.key, *self.sums, *self.sets, ("position_", "bigint")]
        assignments = [f"{name} = t.{name} + u.{name}" for name, _ in self.sums]
        assignments += [
            f"{name} = coalesce(u.{name}, t.{name})" for name, _ in self.sets
        ]
        if self.position:
            assignments.append(f"{self.position} = u.position_")
        key = self.key[0]
        return (
            f"UPDATE {self.table} t SET {', '.join(assignments)} "  # noqa: S608 - declared names
            f"FROM {_unnest(inputs)} WHERE t.{key} = u.{key}"
        ).encode()


class BatchWrites:
    """What a batch's handlers asked for and is not written yet. Plain statements
    go down one pipeline (errors surface when it syncs); set writes need it
    settled first, because COPY does not run in pipeline mode."""

    def __init__(self, cursor: Cursor[DictRow], pipelined: bool = True) -> None:
        self.cursor = cursor
        self.pipelined = pipelined
        self.appended: dict[Appended, list[Sequence[Any]]] = {}
        self.folded: dict[Folded, dict[Any, list[Any]]] = {}
        self._pipeline: AbstractContextManager[Pipeline] | None = None

    def execute(self, query: bytes, params: Sequence[Any]) -> None:
        """A plain statement, after everything asked for before it."""
        self.flush()
        if self.pipelined and self._pipeline is None:
            pipeline = self.cursor.connection.pipeline()
            pipeline.__enter__()
            self._pipeline = pipeline
        self.cursor.execute(query, params)

    def append(self, spec: Appended, row: Sequence[Any]) -> None:
        self.appended.setdefault(spec, []).append(row)

    def fold(
        self,
        spec: Folded,
        key: Any,
        position: int,
        sums: Sequence[Any] = (),
        sets: Sequence[Any] = (),
    ) -> None:
        rows = self.folded.setdefault(spec, {})
        change = rows.get(key)
        if change is None:
            rows[key] = [*sums, *sets, position]
            return
        for i, amount in enumerate(sums):
            change[i] += amount
        offset = len(sums)
        for i, value in enumerate(sets):
            if value is not None:
                change[offset + i] = value
        change[-1] = max(change[-1], position)

    def flush(self) -> None:
        """Writes the pending set writes: plain appends by binary COPY into their
        table, derived ones through a staging table, folds as one UPDATE per
        chunk of rows."""
        if not self.appended and not self.folded:
            return
        self.settle()
        appends = sorted(self.appended.items(), key=lambda a: a[0].derived)
        for spec, rows in appends:
            self._copy(spec, rows)
        for folded, changes in self.folded.items():
            self._update(folded, changes)
        self.appended.clear()
        self.folded.clear()

    def settle(self) -> None:
        """Ends the pipeline: the statements in it run, and their errors raise."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    def abandon(self, error: BaseException) -> None:
        """Leaves the pipeline after `error` (the transaction rolls back)."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(type(error), error, error.__traceback__)

    def _copy(self, spec: Appended, rows: list[Sequence[Any]]) -> None:
        cursor = self.cursor
        if spec.derived:
            cursor.execute(spec.staging_ddl)
        with cursor.copy(spec.copy_statement) as copy:
            copy.set_types([pg_type for _, pg_type in spec.columns])
            for row in rows:
                copy.write_row(row)
        if spec.derived:
            cursor.execute(spec.statement)

    def _update(self, folded: Folded, changes: dict[Any, list[Any]]) -> None:
        types = [t for _, t in (*folded.sums, *folded.sets)] + ["bigint"]
        for keys in _chunks(list(changes)):
            rows = [changes[key] for key in keys]
            typed = zip(types, zip(*rows, strict=True), strict=True)
            self.cursor.execute(
                folded.statement, [keys, *(_array(t, values) for t, values in typed)]
            )
            if folded.then:
                self.cursor.execute(folded.then.encode(), [keys])
