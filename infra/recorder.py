"""The event-store recorder: the library's Postgres recorder (table lock kept) plus
side writes committed in the same transaction as the events they belong to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.persistence import StoredEvent, Transcoding
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow

EVENTS_TABLE = "vledger_events"


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
        """Runs after the table lock and the events insert, inside the library's
        pipelined transaction and its error capture, so a violated constraint in a
        side write surfaces as that IntegrityError (not as 'pipeline aborted') and
        rolls the events back. A separate cursor keeps the events insert's
        RETURNING rows for the library to read."""
        super()._insert_stored_events(curs, stored_events, **kwargs)
        with curs.connection.cursor() as side:
            for write in side_writes:
                side.execute(write.query.encode(), list(write.params))


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)
