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
    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        side_writes: Sequence[SideWrite] = (),
        **kwargs: Any,
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        for write in side_writes:
            curs.execute(write.query, list(write.params))


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)
