"""The outbox's delivery: claim a due message, release the connection, call out,
record what came of it. No connection is held while a gateway or a receiver is
called, so one that never answers holds up nothing but its own messages.

A claim is a lease (`claimed_until`) taken in a short transaction; several threads
and processes may deliver at once, each skipping rows another holds. One message
per destination (a webhook endpoint, the SMS gateway) is in flight at a time, and a
failure postpones the destination's other pending messages with the failed one's
pause, so a dead receiver is tried once per pause, not once per message."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from infra import metrics
from infra.db import Database
from infra.outbox import SMS, WEBHOOK, backoff
from infra.sms import SmsGateway
from infra.webhooks import WebhookEndpoints

log = logging.getLogger(__name__)
#: Attempts before a message is parked as a dead letter (about 2 h of retries).
MAX_ATTEMPTS = 8
#: What a secret message (a phone code) reads as once delivered.
BLANKED = "(delivered)"
#: How long a claim keeps others off a message: well past a call's timeouts, so a
#: message is sent again only when its deliverer died.
LEASE = timedelta(minutes=2)
#: Where a message goes: the SMS gateway takes every SMS, an endpoint its own.
DESTINATION = "CASE WHEN {t}.channel = 'sms' THEN 'sms' ELSE {t}.recipient END"
PENDING = "{t}.delivered_at IS NULL AND {t}.dead_at IS NULL"
CLAIM = f"""
UPDATE outbox SET claimed_until = %(lease)s WHERE id = (
    SELECT o.id FROM outbox o
    WHERE {PENDING.format(t="o")} AND o.next_attempt_at <= %(now)s
    AND (o.claimed_until IS NULL OR o.claimed_until <= %(now)s)
    AND NOT EXISTS (
        SELECT 1 FROM outbox f
        WHERE f.claimed_until > %(now)s AND {PENDING.format(t="f")}
        AND {DESTINATION.format(t="f")} = {DESTINATION.format(t="o")})
    ORDER BY o.id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id, channel, dedup_key, recipient, body, secret, attempts,
    {DESTINATION.format(t="outbox")} AS destination
"""  # noqa: S608 - constant fragments only
POSTPONE = f"""
UPDATE outbox o SET next_attempt_at = greatest(o.next_attempt_at, %(until)s)
WHERE {PENDING.format(t="o")} AND o.id <> %(id)s
AND {DESTINATION.format(t="o")} = %(destination)s
"""  # noqa: S608 - constant fragments only


@dataclass(frozen=True)
class Claimed:
    """A message taken for delivery."""

    id: int
    channel: str
    dedup_key: str
    recipient: str
    body: str
    attempts: int
    destination: str


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
        """Sends up to `limit` due messages one after another; the number
        delivered."""
        delivered = 0
        for _ in range(limit):
            sent = self.deliver_one()
            if sent is None:
                break
            delivered += sent
        return delivered

    def deliver_one(self) -> int | None:
        """Claims a due message and sends it: 1 delivered, 0 failed (retried
        later or parked), None when nothing is due."""
        claimed = self._claim(self.clock())
        if claimed is None:
            return None
        try:
            self._send(claimed)
        except Exception as error:  # any failure is retried, then parked
            self._failed(claimed, error)
            metrics.DELIVERIES.labels(claimed.channel, "failed").inc()
            return 0
        self._delivered(claimed)
        metrics.DELIVERIES.labels(claimed.channel, "delivered").inc()
        return 1

    def _claim(self, now: datetime) -> Claimed | None:
        with self.db.transaction() as cur:
            cur.execute(CLAIM, {"now": now, "lease": now + LEASE})
            row = cur.fetchone()
        if row is None:
            return None
        return Claimed(
            row["id"],
            row["channel"],
            row["dedup_key"],
            row["recipient"],
            row["body"],
            row["attempts"],
            row["destination"],
        )

    def _send(self, claimed: Claimed) -> None:
        if claimed.channel == SMS:
            self.sms.send(claimed.recipient, claimed.body, claimed.dedup_key)
        elif claimed.channel == WEBHOOK:
            self.webhooks.deliver(
                claimed.recipient, claimed.body, claimed.dedup_key, self.clock()
            )
        else:
            raise ValueError(f"no adapter for channel {claimed.channel!r}")

    def _delivered(self, claimed: Claimed) -> None:
        self.db.execute(
            "UPDATE outbox SET delivered_at = %s, attempts = attempts + 1, "
            "claimed_until = NULL, recipient = NULL, "
            "body = CASE WHEN secret THEN %s ELSE body END WHERE id = %s",
            (self.clock(), BLANKED, claimed.id),
        )

    def _failed(self, claimed: Claimed, error: Exception) -> None:
        now = self.clock()
        attempts = claimed.attempts + 1
        dead = attempts >= self.max_attempts
        retry_at = now + backoff(attempts)
        log.warning(
            "delivery %s (%s) failed, attempt %d%s: %s",
            claimed.id,
            claimed.channel,
            attempts,
            " - parked as a dead letter" if dead else "",
            error,
        )
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE outbox SET attempts = %s, last_error = %s, "
                "next_attempt_at = %s, dead_at = %s, claimed_until = NULL "
                "WHERE id = %s",
                (
                    attempts,
                    str(error)[:500],
                    retry_at,
                    now if dead else None,
                    claimed.id,
                ),
            )
            cur.execute(
                POSTPONE,
                {
                    "until": retry_at,
                    "id": claimed.id,
                    "destination": claimed.destination,
                },
            )

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


class DeliveryWorker:
    """Threads of their own that send the outbox's messages: woken at once by a
    request that queued one (`nudge`), and every `poll_seconds` for messages
    queued elsewhere and retries that came due. Requests never deliver."""

    def __init__(
        self, deliveries: Deliveries, threads: int, poll_seconds: float = 1.0
    ) -> None:
        self.deliveries = deliveries
        self.threads = threads
        self.poll_seconds = poll_seconds
        self._due = threading.Condition()
        self._nudged = False
        self._stopped = False
        self._running: list[threading.Thread] = []

    def nudge(self) -> None:
        """Something was queued: a waiting thread looks now."""
        with self._due:
            self._nudged = True
            self._due.notify_all()

    def start(self) -> None:
        self._stopped = False
        self._running = [
            threading.Thread(target=self._run, name=f"delivery-{n}", daemon=True)
            for n in range(self.threads)
        ]
        for thread in self._running:
            thread.start()

    def stop(self) -> None:
        with self._due:
            self._stopped = True
            self._due.notify_all()
        for thread in self._running:
            thread.join(timeout=10)
        self._running = []

    def _run(self) -> None:
        while not self._stopped:
            try:
                while not self._stopped and self.deliveries.deliver_one() is not None:
                    pass
            except Exception:
                log.exception("delivering failed; trying again shortly")
            with self._due:
                if not self._nudged and not self._stopped:
                    self._due.wait(self.poll_seconds)
                self._nudged = False
