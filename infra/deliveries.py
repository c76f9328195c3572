"""The outbox's worker: sends due messages through their channel's adapter, one row
at a time under a row lock (several processes may deliver: each skips the rows
another holds)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from infra.db import Database
from infra.outbox import SMS, WEBHOOK, backoff
from infra.sms import SmsGateway
from infra.webhooks import WebhookEndpoints

log = logging.getLogger(__name__)
#: Attempts before a message is parked as a dead letter (about 2 h of retries).
MAX_ATTEMPTS = 8
#: What a secret message (a phone code) reads as once delivered.
BLANKED = "(delivered)"


class Deliveries:
    def __init__(
        self,
        db: Database,
        sms: SmsGateway,
        webhooks: WebhookEndpoints,
        clock: Callable[[], datetime],
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.db = db
        self.sms = sms
        self.webhooks = webhooks
        self.clock = clock
        self.max_attempts = max_attempts

    def deliver_due(self, limit: int = 200) -> int:
        """Sends up to `limit` due messages; the number delivered."""
        delivered = 0
        for _ in range(limit):
            sent = self._deliver_one()
            if sent is None:
                break
            delivered += sent
        return delivered

    def _deliver_one(self) -> int | None:
        now = self.clock()
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT id, channel, dedup_key, recipient, body, secret, attempts "
                "FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL "
                "AND next_attempt_at <= %s ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                (now,),
            )
            row = cur.fetchone()
            if row is None:
                return None
            try:
                self._send(row)
            except Exception as error:  # any failure is retried, then parked
                attempts = row["attempts"] + 1
                dead = attempts >= self.max_attempts
                log.warning(
                    "delivery %s (%s) failed, attempt %d%s: %s",
                    row["id"],
                    row["channel"],
                    attempts,
                    " - parked as a dead letter" if dead else "",
                    error,
                )
                cur.execute(
                    "UPDATE outbox SET attempts = %s, last_error = %s, "
                    "next_attempt_at = %s, dead_at = %s WHERE id = %s",
                    (
                        attempts,
                        str(error)[:500],
                        now + backoff(attempts),
                        now if dead else None,
                        row["id"],
                    ),
                )
                return 0
            cur.execute(
                "UPDATE outbox SET delivered_at = %s, attempts = attempts + 1, "
                "recipient = NULL, body = CASE WHEN secret THEN %s ELSE body END "
                "WHERE id = %s",
                (now, BLANKED, row["id"]),
            )
            return 1

    def listed(self, state: str, limit: int, offset: int) -> list[dict[str, Any]]:
        """Messages by state: pending, delivered or dead (dead letters)."""
        condition = {
            "pending": "delivered_at IS NULL AND dead_at IS NULL",
            "delivered": "delivered_at IS NOT NULL",
            "dead": "dead_at IS NOT NULL",
        }[state]
        return [
            dict(r)
            for r in self.db.fetch_all(
                "SELECT id, channel, dedup_key, created_at, attempts, "  # noqa: S608
                "next_attempt_at, delivered_at, dead_at, last_error FROM outbox "
                f"WHERE {condition} ORDER BY id DESC LIMIT %s OFFSET %s",
                (limit, offset),
            )
        ]

    def retry(self, delivery_id: int | None = None) -> int:
        """Sends dead letters again (one, or all): their attempts start over."""
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = %s "
                "WHERE dead_at IS NOT NULL AND (%s::bigint IS NULL OR id = %s)",
                (self.clock(), delivery_id, delivery_id),
            )
            return cur.rowcount

    def _send(self, row: dict[str, Any]) -> None:
        if row["channel"] == SMS:
            self.sms.send(row["recipient"], row["body"], row["dedup_key"])
            return
        if row["channel"] == WEBHOOK:
            self.webhooks.deliver(
                row["recipient"], row["body"], row["dedup_key"], self.clock()
            )
            return
        raise ValueError(f"no adapter for channel {row['channel']!r}")
