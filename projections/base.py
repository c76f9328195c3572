"""Transport-free projection machinery.

A projection is a class with one handler per event type. The runner applies a batch
of (position, event) pairs in one Postgres transaction that also moves each
projection's tracking mark, so an event at or below the mark is never applied twice
whichever feed delivers it (the event store in-process, Kafka, or a replay).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from psycopg import Cursor, sql
from psycopg.rows import DictRow

from projections.batch import Appended, BatchWrites, Folded
from projections.store import SqlStore

log = logging.getLogger(__name__)

OWNED_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS tracking (
    projection text NOT NULL,
    partition integer NOT NULL DEFAULT 0,
    position bigint NOT NULL DEFAULT 0,
    kafka_offset bigint,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, partition)
);
ALTER TABLE tracking ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;
CREATE TABLE IF NOT EXISTS dead_letters (
    projection text NOT NULL,
    position bigint NOT NULL,
    event_type text NOT NULL,
    error text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, position)
);
"""


def event_class(aggregate: type, name: str) -> type[Any]:
    """The event class the `@event(name)` decorator made on `aggregate`; fails at
    import time when misspelt."""
    cls: type[Any] = getattr(aggregate, name)
    return cls


def event_type_name(event: object) -> str:
    return type(event).__qualname__


Handler = Callable[[object, "Tx"], None]


@dataclass(frozen=True)
class Notified:
    """One event with its position (notification id) in the ledger's total order."""

    position: int
    event: Any


#: Advisory lock key: projector batches share it, a read-model switch excludes them.
SWITCH_LOCK = 715_220_001
#: The pseudo-partition of a feed that delivers every event in order (the event
#: store): its mark P means every event up to P is applied, whatever its partition.
ALL_PARTITIONS = -1


@dataclass(frozen=True)
class Mark:
    """Where a batch sits in its feed. From Kafka: its first offset, the offset after
    it, and the partition's start (where a schema with no offsets yet expects to
    begin)."""

    partition: int
    first_offset: int | None = None
    next_offset: int | None = None
    start_offset: int = 0


class OffsetMismatch(RuntimeError):
    """The batch does not continue where this schema's tracking left off (a switch
    to a rebuilt schema, or another consumer on the partition): re-seek."""

    def __init__(self, partition: int, expected: int | None) -> None:
        super().__init__(f"partition {partition} should resume at {expected}")
        self.partition = partition
        self.expected = expected


@dataclass(frozen=True)
class Tx:
    """What a handler writes through, for one event of a batch."""

    cursor: Cursor[DictRow]
    position: int
    writes: BatchWrites

    def execute(self, query: str, params: Sequence[Any] = ()) -> None:
        """A plain statement, after what the batch holds so far: a batch's plain
        statements go down one pipeline, and an error surfaces when it syncs
        (then the batch is applied event by event)."""
        self.writes.execute(query.encode(), list(params))

    def append(self, spec: Appended, row: Sequence[Any]) -> None:
        """A new row, written with the batch's others of its table."""
        self.writes.append(spec, row)

    def fold(
        self, spec: Folded, key: Any, sums: Sequence[Any] = (), sets: Sequence[Any] = ()
    ) -> None:
        """A change to the row at `key`, folded into the batch's net change."""
        self.writes.fold(spec, key, self.position, sums, sets)


class Projection:
    """Subclasses define their own `@singledispatchmethod apply(event, tx)` with a
    handler registered per event type, and the DDL of the tables they own."""

    name: ClassVar[str]
    ddl: ClassVar[str]
    #: Raised when the tables change shape: a schema holding an older version
    #: drops this projection's tables and replays the log into new ones.
    version: ClassVar[int] = 1

    @classmethod
    def tables(cls) -> list[str]:
        return OWNED_TABLE.findall(cls.ddl)

    def apply(self, event: object, tx: Tx) -> None:
        raise NotImplementedError

    def handler_for(self, event_type: type) -> Callable[[object, Tx], None] | None:
        """The handler `apply` dispatches `event_type` to, or None when it passes
        that type over; found once per type, not per event (singledispatchmethod
        builds a wrapper on every call)."""
        handlers: dict[type, Callable[[object, Tx], None] | None]
        handlers = self.__dict__.setdefault("_handlers", {})
        if event_type not in handlers:
            method = inspect.getattr_static(self, "apply")
            dispatcher = getattr(method, "dispatcher", None)
            if dispatcher is None:
                handlers[event_type] = self.apply
            else:
                found = dispatcher.dispatch(event_type)
                passed_over = found is dispatcher.dispatch(object)
                handlers[event_type] = None if passed_over else partial(found, self)
        return handlers[event_type]


class ProjectionRunner:
    def __init__(
        self, db: SqlStore, projections: Sequence[Projection], schema: str
    ) -> None:
        self.db = db
        self.projections = list(projections)
        self.schema = schema
        self._dispatch: dict[type, tuple[tuple[int, Handler], ...]] = {}

    def create_tables(self) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtext('vledger-readmodel-ddl'))"
            )
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(self._schema))
            self._use_schema(cur)
            cur.execute(TRACKING_DDL.encode())
            for projection in self.projections:
                self._drop_if_outdated(cur, projection)
                cur.execute(projection.ddl.encode())
                cur.execute(
                    "INSERT INTO tracking (projection, partition, version) "
                    "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (projection.name, ALL_PARTITIONS, projection.version),
                )

    @staticmethod
    def _drop_if_outdated(cur: Cursor[DictRow], projection: Projection) -> None:
        """An upgrade that changed a projection's tables starts it again from
        position 0, so the feed replays the whole log into the new shape (with
        Kafka, `vledger project --rebuild` does the same for every projection)."""
        cur.execute(
            "SELECT max(version) AS v FROM tracking WHERE projection = %s",
            (projection.name,),
        )
        row = cur.fetchone()
        stored = row["v"] if row else None
        if stored is None or stored == projection.version:
            return
        log.warning(
            "read model %s changed shape (version %s to %s): replaying the log into it",
            projection.name,
            stored,
            projection.version,
        )
        for table in projection.tables():
            cur.execute(
                sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table))
            )
        for table in ("tracking", "dead_letters"):
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE projection = %s").format(
                    sql.Identifier(table)
                ),
                (projection.name,),
            )

    def drop_tables(self) -> None:
        self.db.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(self._schema)
        )

    @property
    def _schema(self) -> sql.Identifier:
        return sql.Identifier(self.schema)

    def _use_schema(self, cur: Cursor[DictRow]) -> None:
        cur.execute(sql.SQL("SET LOCAL search_path TO {}").format(self._schema))

    def position(self) -> int:
        """The position every projection has reached through the in-order feed."""
        row = self.db.fetch_one(
            sql.SQL(
                "SELECT coalesce(min(position), 0) AS p FROM {}.tracking "
                "WHERE partition = %s"
            ).format(self._schema),
            (ALL_PARTITIONS,),
        )
        return int(row["p"]) if row else 0

    def apply_batch(
        self, batch: Sequence[Notified], mark: Mark = Mark(ALL_PARTITIONS)
    ) -> None:
        """Applies `batch` (events of one feed partition, in notification order) in
        one transaction that also moves each projection's mark for that partition and,
        from Kafka, the offset to resume from. Raises OffsetMismatch, writing
        nothing, when the batch does not continue the stored offset."""
        if not batch and mark.next_offset is None:
            return
        try:
            with self.db.transaction() as cur:
                self._apply(cur, batch, mark, isolate=False)
        except OffsetMismatch:
            raise
        except Exception:
            log.warning("batch at %s failed; isolating its events", mark)
            with self.db.transaction() as cur:
                self._apply(cur, batch, mark, isolate=True)

    def _apply(
        self,
        cur: Cursor[DictRow],
        batch: Sequence[Notified],
        mark: Mark,
        isolate: bool,
    ) -> None:
        # Shared with other batches; a schema switch takes it exclusively.
        cur.execute("SELECT pg_advisory_xact_lock_shared(%s)", (SWITCH_LOCK,))
        self._use_schema(cur)
        if mark.first_offset is not None:
            self._check_continuity(cur, mark)
        last = batch[-1].position if batch else 0
        writes = BatchWrites(cur)
        try:
            self._apply_each(cur, batch, mark, isolate, writes)
            writes.settle()
        except BaseException as error:
            writes.abandon(error)
            raise
        cur.execute(
            "UPDATE tracking SET position = greatest(position, %s), "
            "kafka_offset = coalesce(%s, kafka_offset), updated_at = now() "
            "WHERE projection = ANY(%s) AND partition = %s",
            (last, mark.next_offset, self._names, mark.partition),
        )

    def _apply_each(
        self,
        cur: Cursor[DictRow],
        batch: Sequence[Notified],
        mark: Mark,
        isolate: bool,
        writes: BatchWrites,
    ) -> None:
        marks = self._marks_of(cur, mark.partition)
        applied = [marks.get(p.name, 0) for p in self.projections]
        if isolate:
            for index, projection in enumerate(self.projections):
                for notified in batch:
                    if notified.position > applied[index]:
                        self._apply_or_park(cur, projection, notified)
            return
        work: list[list[tuple[Notified, Handler]]] = [[] for _ in self.projections]
        for notified in batch:
            for index, handler in self._handlers(type(notified.event)):
                if notified.position > applied[index]:
                    work[index].append((notified, handler))
        for handled in work:
            for notified, handler in handled:
                handler(notified.event, Tx(cur, notified.position, writes))
            # A projection's rows are written before the next one's handlers run
            # (one may read another's tables).
            writes.flush()

    def _handlers(self, event_type: type) -> tuple[tuple[int, Handler], ...]:
        """The projections (by index) that handle `event_type`, and their handlers."""
        found = self._dispatch.get(event_type)
        if found is None:
            found = tuple(
                (index, handler)
                for index, projection in enumerate(self.projections)
                if (handler := projection.handler_for(event_type)) is not None
            )
            self._dispatch[event_type] = found
        return found

    @staticmethod
    def _check_continuity(cur: Cursor[DictRow], mark: Mark) -> None:
        cur.execute(
            "SELECT min(kafka_offset) AS stored FROM tracking WHERE partition = %s",
            (mark.partition,),
        )
        row = cur.fetchone()
        stored = row["stored"] if row else None
        expected = mark.start_offset if stored is None else int(stored)
        if mark.first_offset != expected:
            raise OffsetMismatch(mark.partition, stored)

    def stored_offsets(self) -> dict[int, int]:
        """Per Kafka partition, the offset to resume from: the slowest
        projection's (the consumer group's current offset)."""
        rows = self.db.fetch_all(
            sql.SQL(
                "SELECT partition, min(kafka_offset) AS next FROM {}.tracking "
                "WHERE partition >= 0 AND kafka_offset IS NOT NULL GROUP BY partition"
            ).format(self._schema)
        )
        return {r["partition"]: int(r["next"]) for r in rows}

    def forget_offsets(self, partition: int) -> None:
        """The broker lost the partition's messages (wiped or new): re-read it from
        its start; the notification-id marks skip what was applied."""
        self.db.execute(
            sql.SQL(
                "UPDATE {}.tracking SET kafka_offset = NULL WHERE partition = %s"
            ).format(self._schema),
            (partition,),
        )

    @property
    def _names(self) -> list[str]:
        return [projection.name for projection in self.projections]

    def _marks_of(self, cur: Cursor[DictRow], partition: int) -> dict[str, int]:
        """Each projection's mark on `partition`, locked for the batch. A partition
        seen for the first time starts from what the in-order feed already applied,
        so a switch to Kafka (or a rebuild) applies nothing twice."""
        cur.execute(
            "INSERT INTO tracking (projection, partition, position, version) "
            "SELECT p.name, %s, coalesce(all_.position, 0), coalesce(all_.version, 1) "
            "FROM unnest(%s::text[]) AS p(name) LEFT JOIN tracking all_ "
            "ON all_.projection = p.name AND all_.partition = %s "
            "ON CONFLICT DO NOTHING",
            (partition, self._names, ALL_PARTITIONS),
        )
        cur.execute(
            "SELECT projection, position FROM tracking "
            "WHERE projection = ANY(%s) AND partition = %s FOR UPDATE",
            (self._names, partition),
        )
        return {row["projection"]: int(row["position"]) for row in cur.fetchall()}

    @staticmethod
    def _apply_or_park(
        cur: Cursor[DictRow], projection: Projection, notified: Notified
    ) -> None:
        """A poison event is parked in dead_letters with its error, so the
        projection goes on; the other projections still apply it."""
        try:
            with cur.connection.transaction():
                writes = BatchWrites(cur, pipelined=False)
                projection.apply(notified.event, Tx(cur, notified.position, writes))
                writes.flush()
        except Exception as error:
            log.exception(
                "%s could not project event %s", projection.name, notified.position
            )
            cur.execute(
                "INSERT INTO dead_letters (projection, position, event_type, error) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (
                    projection.name,
                    notified.position,
                    event_type_name(notified.event),
                    f"{type(error).__name__}: {error}",
                ),
            )

    def park_undecodable(self, partition: int, offset: int, error: Exception) -> None:
        """A message that is not a readable event is parked and passed."""
        log.error("undecodable message at partition %s offset %s", partition, offset)
        with self.db.transaction() as cur:
            self._use_schema(cur)
            # It has no notification id: a negative key made of partition and offset.
            key = -(partition * 10**12 + offset)
            for projection in self.projections:
                cur.execute(
                    "INSERT INTO dead_letters (projection, position, event_type, "
                    "error) VALUES (%s, %s, 'undecodable', %s) ON CONFLICT DO NOTHING",
                    (
                        projection.name,
                        key,
                        f"partition {partition} offset {offset}: "
                        f"{type(error).__name__}: {error}",
                    ),
                )
