"""Text messages to phones. The district configures its gateway; development and
tests use the log adapter, which keeps each message in `sms_log` (phone masked)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from domain.identity import mask_phone
from infra.db import Database
from infra.vault import Vault
from infra.webhooks import signed_post

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sms_log (
    id bigserial PRIMARY KEY,
    phone_masked text NOT NULL,
    phone_index bytea NOT NULL,
    text text NOT NULL,
    dedup_key text NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sms_log_phone ON sms_log (phone_index, id);
"""


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, dedup_key: str) -> None:
        """Raises on failure: the outbox tries again later."""


class HttpSms:
    """A district's gateway reached over HTTP: the message is POSTed as JSON
    `{"phone", "text", "dedup_key"}`, signed as webhooks are (infra/webhooks.py),
    to VLEDGER_SMS_GATEWAY_URL; the district's side hands it to its SMS provider."""

    def __init__(self, url: str, secret: str, clock: Callable[[], datetime]) -> None:
        self.url = url
        self.secret = secret
        self.clock = clock

    def send(self, phone: str, text: str, dedup_key: str) -> None:
        body = json.dumps(
            {"phone": phone, "text": text, "dedup_key": dedup_key}, ensure_ascii=False
        )
        signed_post(self.url, self.secret, body, dedup_key, self.clock())


class LogSms:
    """Development's gateway: the message goes to the log and to `sms_log`."""

    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def send(self, phone: str, text: str, dedup_key: str) -> None:
        self.db.execute(
            "INSERT INTO sms_log (phone_masked, phone_index, text, dedup_key) "
            "VALUES (%s, %s, %s, %s)",
            (mask_phone(phone), self.vault.blind_index("sms", phone), text, dedup_key),
        )
        log.info("SMS to %s: %s", mask_phone(phone), text)

    def last_to(self, phone: str) -> str | None:
        """The last text logged for `phone` (development and tests)."""
        row = self.db.fetch_one(
            "SELECT text FROM sms_log WHERE phone_index = %s ORDER BY id DESC LIMIT 1",
            (self.vault.blind_index("sms", phone),),
        )
        return None if row is None else str(row["text"])
