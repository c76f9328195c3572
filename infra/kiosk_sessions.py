"""Kiosk sessions: opened when a volunteer identifies at a kiosk with the right PIN,
presented (header `X-Kiosk-Session`) when the kiosk redeems for that volunteer."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.access import Actor
from domain.kiosk import KioskSessionInvalid
from infra.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosk_sessions (
    token_hash bytea PRIMARY KEY,
    kiosk_id uuid NOT NULL,
    volunteer_id uuid NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS kiosk_sessions_expiry ON kiosk_sessions (expires_at);
"""
SESSION_PREFIX = "vks_"
#: Long enough to pick goods, short enough that the next person cannot reuse it.
SESSION_TTL = timedelta(minutes=10)


def _session_hash(session: str) -> bytes:
    return hashlib.sha256(session.encode()).digest()


class KioskSessions:
    """Sessions opened by a right PIN; the ledger checks them when redeeming."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def open(
        self, cur: Cursor[DictRow], kiosk: Actor, volunteer_id: UUID
    ) -> tuple[str, datetime]:
        session = SESSION_PREFIX + secrets.token_urlsafe(24)
        expires_at = self.clock() + SESSION_TTL
        cur.execute(
            "INSERT INTO kiosk_sessions (token_hash, kiosk_id, volunteer_id, "
            "expires_at) VALUES (%s, %s, %s, %s)",
            (_session_hash(session), kiosk.token_id, volunteer_id, expires_at),
        )
        return session, expires_at

    def check(self, kiosk: Actor, session: str | None, volunteer_id: UUID) -> None:
        """The volunteer identified at this very kiosk, and not too long ago."""
        if not session:
            raise KioskSessionInvalid(
                "identify the volunteer at this kiosk first (POST /v1/kiosk/identify)",
                field="X-Kiosk-Session",
            )
        row = self.db.fetch_one(
            "SELECT kiosk_id, volunteer_id, expires_at FROM kiosk_sessions "
            "WHERE token_hash = %s",
            (_session_hash(session),),
        )
        if (
            row is None
            or row["kiosk_id"] != kiosk.token_id
            or row["volunteer_id"] != volunteer_id
            or row["expires_at"] <= self.clock()
        ):
            raise KioskSessionInvalid(
                "the session is unknown, expired, or for another volunteer or kiosk",
                field="X-Kiosk-Session",
            )

    def close(self, kiosk: Actor, session: str) -> None:
        self.db.execute(
            "DELETE FROM kiosk_sessions WHERE token_hash = %s AND kiosk_id = %s",
            (_session_hash(session), kiosk.token_id),
        )

    def forget_expired(self) -> None:
        self.db.execute(
            "DELETE FROM kiosk_sessions WHERE expires_at < %s", (self.clock(),)
        )
