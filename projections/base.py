"""Transport-free projection machinery.

A projection is a class with one handler per event type. The runner applies a batch
of (position, event) pairs in one Postgres transaction that also moves each
projection's tracking mark, so an event at or below the mark is never applied twice
whichever feed delivers it (the event store in-process, Kafka, or a replay).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from psycopg import Cursor, sql
from psycopg.rows import DictRow

from infra.db import Database

log = logging.getLogger(__name__)

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS tracking (
    projection text NOT NULL,
    partition integer NOT NULL DEFAULT 0,
    position bigint NOT NULL DEFAULT 0,
    kafka_offset bigint,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, partition)
);
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


@dataclass(frozen=True)
class Notified:
    """One event with its position (notification id) in the ledger's total order."""

    position: int
    event: Any


@dataclass(frozen=True)
class Tx:
    cursor: Cursor[DictRow]
    position: int

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[DictRow]:
        self.cursor.execute(query.encode(), list(params))
        return self.cursor.fetchall() if self.cursor.description else []


class Projection:
    """Subclasses define their own `@singledispatchmethod apply(event, tx)` with a
    handler registered per event type, and the DDL of the tables they own."""

    name: ClassVar[str]
    ddl: ClassVar[str]

    def apply(self, event: object, tx: Tx) -> None:
        raise NotImplementedError


class ProjectionRunner:
    def __init__(
        self, db: Database, projections: Sequence[Projection], schema: str
    ) -> None:
        self.db = db
        self.projections = list(projections)
        self.schema = schema

    def create_tables(self) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtext('vledger-readmodel-ddl'))"
            )
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(self._schema))
            self._use_schema(cur)
            cur.execute(TRACKING_DDL.encode())
            for projection in self.projections:
                cur.execute(projection.ddl.encode())
                cur.execute(
                    "INSERT INTO tracking (projection) VALUES (%s) "
                    "ON CONFLICT DO NOTHING",
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
        """The position every projection has reached."""
        row = self.db.fetch_one(
            sql.SQL("SELECT coalesce(min(position), 0) AS p FROM {}.tracking").format(
                self._schema
            )
        )
        return int(row["p"]) if row else 0

    def apply_batch(self, batch: Sequence[Notified]) -> None:
        if not batch:
            return
        try:
            with self.db.transaction() as cur:
                self._apply(cur, batch, isolate=False)
        except Exception:
            log.warning(
                "batch up to %s failed; isolating its events", batch[-1].position
            )
            with self.db.transaction() as cur:
                self._apply(cur, batch, isolate=True)

    def _apply(
        self, cur: Cursor[DictRow], batch: Sequence[Notified], isolate: bool
    ) -> None:
        self._use_schema(cur)
        for projection in self.projections:
            cur.execute(
                "SELECT position FROM tracking WHERE projection = %s AND partition = 0 "
                "FOR UPDATE",
                (projection.name,),
            )
            row = cur.fetchone()
            mark = int(row["position"]) if row else 0
            fresh = [n for n in batch if n.position > mark]
            for notified in fresh:
                if isolate:
                    self._apply_or_park(cur, projection, notified)
                else:
                    projection.apply(notified.event, Tx(cur, notified.position))
            if fresh:
                cur.execute(
                    "UPDATE tracking SET position = %s, updated_at = now() "
                    "WHERE projection = %s AND partition = 0",
                    (fresh[-1].position, projection.name),
                )

    @staticmethod
    def _apply_or_park(
        cur: Cursor[DictRow], projection: Projection, notified: Notified
    ) -> None:
        """A poison event is parked in dead_letters with its error, so the
        projection goes on; the other projections still apply it."""
        try:
            with cur.connection.transaction():
                projection.apply(notified.event, Tx(cur, notified.position))
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

    def wait_for(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self.position() >= position:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
