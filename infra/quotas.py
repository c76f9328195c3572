"""How often an address (or a phone) may use a public endpoint: a count per fixed
window, kept as keyed digests. Self-service registration and phone codes use it, so
that nobody fills the ledger or a stranger's phone from one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import TooManyAttempts
from infra.db import Database
from infra.vault import Vault

SCHEMA = """
CREATE TABLE IF NOT EXISTS request_quotas (
    kind text NOT NULL,
    key bytea NOT NULL,
    window_start timestamptz NOT NULL,
    used integer NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


class Quotas:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def take(
        self,
        kind: str,
        subject: str,
        limit: int,
        window: timedelta,
        now: datetime,
        field: str,
    ) -> None:
        """Counts one use of `kind` by `subject`; past `limit` in the window, a
        429 naming `field` with the seconds until the window ends."""
        key = self.vault.blind_index(f"quota:{kind}", subject)
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO request_quotas (kind, key, window_start, used) "
                "VALUES (%s, %s, %s, 1) ON CONFLICT (kind, key) DO UPDATE SET "
                "used = CASE WHEN request_quotas.window_start <= %s THEN 1 "
                "ELSE request_quotas.used + 1 END, "
                "window_start = CASE WHEN request_quotas.window_start <= %s "
                "THEN EXCLUDED.window_start ELSE request_quotas.window_start END "
                "RETURNING used, window_start",
                (kind, key, now, now - window, now - window),
            )
            row = cur.fetchone()
        if row is None or row["used"] <= limit:
            return
        seconds = max(1, int((row["window_start"] + window - now).total_seconds()))
        raise TooManyAttempts(
            f"too many requests from here; try again in {seconds} s",
            field=field,
            retry_after_seconds=seconds,
        )

    def forget_expired(self, now: datetime, longest: timedelta) -> None:
        self.db.execute(
            "DELETE FROM request_quotas WHERE window_start < %s", (now - longest,)
        )
