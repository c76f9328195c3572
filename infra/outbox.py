"""Messages to send outside (SMS, webhooks), written in the transaction of what
caused them and delivered afterwards by threads of their own (infra/deliveries.py): a
write never waits for a gateway.
Delivery is at least once, each message with a de-duplication key the receiver can
use; failures are retried with a growing pause, and after the last attempt the
message is parked as a dead letter an operator can send again."""

from __future__ import annotations

from datetime import datetime, timedelta

from infra.recorder import SideWrite

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id bigserial PRIMARY KEY,
    channel text NOT NULL,
    dedup_key text NOT NULL UNIQUE,
    recipient text,
    body text NOT NULL,
    secret boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at timestamptz,
    dead_at timestamptz,
    last_error text
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND dead_at IS NULL;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS claimed_until timestamptz;
CREATE INDEX IF NOT EXISTS outbox_claimed ON outbox (claimed_until)
    WHERE claimed_until IS NOT NULL;
"""
SMS = "sms"
WEBHOOK = "webhook"


def enqueue(
    channel: str,
    dedup_key: str,
    recipient: str,
    body: str,
    now: datetime,
    secret: bool = False,
) -> SideWrite:
    """A message to deliver; the same key again is the same message (not sent
    twice). A `secret` body (a phone code) is blanked once delivered."""
    return SideWrite(
        "INSERT INTO outbox (channel, dedup_key, recipient, body, secret, "
        "created_at, next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (dedup_key) DO NOTHING",
        (channel, dedup_key, recipient, body, secret, now, now),
    )


def backoff(attempts: int) -> timedelta:
    """The pause after `attempts` failures: 30 s, 1 min, 2 min, ... at most 1 h."""
    return min(timedelta(seconds=30) * (1 << min(attempts - 1, 20)), timedelta(hours=1))
