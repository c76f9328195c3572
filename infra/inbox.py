"""Which notifications each reader has read: a person's own state, not a fact of the
ledger, kept beside it and keyed by the notifications' stable ids (so a rebuilt read
model keeps its read marks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from infra.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS notification_reads (
    notification_id text NOT NULL,
    reader_id uuid NOT NULL,
    read_at timestamptz NOT NULL,
    PRIMARY KEY (reader_id, notification_id)
);
-- Notifications whose messages are in the outbox (application/notifier.py).
CREATE TABLE IF NOT EXISTS notification_dispatches (
    notification_id text PRIMARY KEY,
    dispatched_at timestamptz NOT NULL
);
"""


class ReadMarks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def mark(self, reader_id: UUID, ids: Sequence[str], now: datetime) -> int:
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO notification_reads (notification_id, reader_id, read_at) "
                "SELECT unnest(%s::text[]), %s, %s ON CONFLICT DO NOTHING",
                (list(ids), reader_id, now),
            )
            return cur.rowcount
