"""The event-store recorder: the library's Postgres recorder (table lock kept) plus
side writes and the audit hash chain, committed in the same transaction as the events
they belong to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from eventsourcing.persistence import StoredEvent, Transcoding
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor, sql
from psycopg.rows import DictRow

from infra import chain

EVENTS_TABLE = "vledger_events"
#: The columns a bulk import writes: notification id, originator id and version,
#: topic, state.
EVENT_COLUMN_TYPES = ["int8", "uuid", "int8", "text", "bytea"]


@dataclass(frozen=True)
class SideWrite:
    """One SQL statement that must commit atomically with the events being saved:
    a PII vault row, a uniqueness claim, an idempotency record."""

    query: str
    params: Sequence[Any] = ()


class LedgerRecorder(PostgresApplicationRecorder):
    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        side_writes: Sequence[SideWrite] = (),
        **kwargs: Any,
    ) -> None:
        """The table lock and the events insert (as the library's, see
        `_insert_columns`), then the side writes and the chain, inside the library's
        pipelined transaction and its error capture, so any violated constraint
        (a side write's, or the events' own) surfaces as its IntegrityError and
        rolls everything back. The nested pipeline block syncs on exit, so an error
        never leaves the pipeline aborted for the COMMIT to trip over ('pipeline
        aborted'). A separate cursor keeps the events insert's RETURNING rows for
        the library to read."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self._insert_columns,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
        )
        with curs.connection.pipeline(), curs.connection.cursor() as side:
            for write in side_writes:
                side.execute(write.query.encode(), list(write.params))
            side.execute(self._extend_chain)

    def copy_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        side_writes: Sequence[SideWrite] = (),
    ) -> list[int]:
        """A bulk import's insert: the same transaction as `_insert_stored_events`
        (table lock, events, side writes, chain), with the events and their links
        written by binary COPY, which psycopg formats in C where the array insert
        dumps each value in Python. Under the lock the events' notification ids
        are drawn from the table's sequence and linked here (`chain.links`) after
        the chain's head. Returns the notification ids. A violated constraint
        raises the library's IntegrityError (through `datastore.transaction`), so
        the executor decides again as after any save."""
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.execute(self._extend_chain)  # nothing to do unless upgrading
            curs.execute(self._head_and_ids, (len(stored_events),))
            start = curs.fetchone()
            assert start is not None  # noqa: S101 - one row by construction
            ids = list(range(start["first"], start["first"] + len(stored_events)))
            rows = (
                (n, e.originator_id, e.originator_version, e.topic, e.state)
                for n, e in zip(ids, stored_events, strict=True)
            )
            _copy(curs, self._copy_columns, EVENT_COLUMN_TYPES, rows)
            for write in side_writes:
                curs.execute(write.query.encode(), list(write.params))
            head = bytes(start["head"]) if start["head"] else chain.GENESIS
            links = chain.links(head, ids, stored_events)
            _copy(curs, self._copy_links, ["int8", "bytea"], links)
            return ids

    @cached_property
    def _head_and_ids(self) -> sql.Composed:
        """The chain's head, and a block of notification ids: the next value of
        the table's sequence and the ones after it, taken in one step (only
        writers holding the table's lock draw from it)."""
        table = f"{self.datastore.schema}.{self.events_table_name}".lstrip(".")
        return sql.SQL(
            "WITH s AS (SELECT pg_get_serial_sequence({table}, 'notification_id') "
            "AS name), f AS (SELECT name, nextval(name) AS first FROM s) "
            "SELECT first, setval(name, first + %s - 1) AS last, "
            "(SELECT link FROM audit_chain ORDER BY notification_id DESC LIMIT 1) "
            "AS head FROM f"
        ).format(table=sql.Literal(table))

    @cached_property
    def _copy_links(self) -> bytes:
        return b"COPY audit_chain (notification_id, link) FROM STDIN (FORMAT binary)"

    @cached_property
    def _copy_columns(self) -> sql.Composed:
        return sql.SQL(
            "COPY {schema}.{table} "
            "(notification_id, originator_id, originator_version, topic, state) "
            "FROM STDIN (FORMAT binary)"
        ).format(
            schema=sql.Identifier(self.datastore.schema),
            table=sql.Identifier(self.events_table_name),
        )

    @cached_property
    def _insert_columns(self) -> sql.Composed:
        """The library's insert, with one array per column instead of an array of
        its composite type: psycopg dumps composites in Python, field by field,
        which was a fifth of a bulk import's time. Rows keep the arrays' order,
        and so do the notification ids returned."""
        return sql.SQL(
            "INSERT INTO {schema}.{table} "
            "(originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=sql.Identifier(self.datastore.schema),
            table=sql.Identifier(self.events_table_name),
        )

    @cached_property
    def _extend_chain(self) -> bytes:
        return chain.extend_statement(self.events_table_name).encode()

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('vledger-chain-ddl'))")
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            triggers = {row["tgname"] for row in cur.fetchall()}
            for statement in chain.schema_statements(self.events_table_name, triggers):
                cur.execute(statement.encode())

    def seal_unchained(self) -> None:
        """Chains events recorded before the chain existed (an upgrade). Every
        later event is chained as it is inserted, so the table lock is taken only
        when the log's head is not the chain's."""
        with self.datastore.transaction(commit=True) as cur:
            if not chain.behind(cur, self.events_table_name):
                return
            self._lock_table(cur)
            cur.execute(self._extend_chain)


def _copy(
    curs: Cursor[DictRow],
    statement: sql.Composed | bytes,
    types: list[str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """Rows written by binary COPY (`statement` names the table and columns)."""
    with curs.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)
