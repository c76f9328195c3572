"""Six-digit codes sent by SMS that prove a person holds a phone (a resident's
registration). Kept as keyed digests, for 10 minutes, 5 tries; one a minute and 5
a day per phone, 10 an hour per client address."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from domain.errors import InvalidInput, TooManyAttempts
from infra import outbox
from infra.db import Database
from infra.quotas import Quotas
from infra.recorder import SideWrite
from infra.vault import Vault

SCHEMA = """
CREATE TABLE IF NOT EXISTS phone_codes (
    phone_key bytea PRIMARY KEY,
    code_digest bytea NOT NULL,
    sent_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    tries integer NOT NULL DEFAULT 0
);
"""
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = timedelta(minutes=1)
CODE_TEXT = "【志愿服务】您的验证码是 {code}，10分钟内有效。如非本人操作，请忽略。"


class PhoneCodes:
    def __init__(
        self,
        db: Database,
        vault: Vault,
        quotas: Quotas,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.vault = vault
        self.quotas = quotas
        self.clock = clock

    def send(self, phone: str, address: str) -> datetime:
        """A new code to `phone` (through the outbox); when it expires."""
        now = self.clock()
        self.quotas.take(
            "phone_code_address", address, 10, timedelta(hours=1), now, "phone"
        )
        self.quotas.take("phone_code_phone", phone, 5, timedelta(days=1), now, "phone")
        key = self._key(phone)
        code = f"{secrets.randbelow(10**6):06d}"
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT sent_at FROM phone_codes WHERE phone_key = %s FOR UPDATE",
                (key,),
            )
            row = cur.fetchone()
            if row is not None and row["sent_at"] > now - RESEND_AFTER:
                wait = row["sent_at"] + RESEND_AFTER - now
                raise TooManyAttempts(
                    "a code was sent less than a minute ago",
                    field="phone",
                    retry_after_seconds=max(1, int(wait.total_seconds() + 0.999)),
                )
            cur.execute(
                "INSERT INTO phone_codes (phone_key, code_digest, sent_at, expires_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (phone_key) DO UPDATE SET "
                "code_digest = EXCLUDED.code_digest, sent_at = EXCLUDED.sent_at, "
                "expires_at = EXCLUDED.expires_at, tries = 0",
                (key, self._digest(phone, code), now, now + CODE_TTL),
            )
            text = CODE_TEXT.format(code=code)
            write = outbox.enqueue(
                outbox.SMS,
                f"phone-code:{key.hex()}:{now.isoformat()}",
                phone,
                text,
                now,
                secret=True,
            )
            cur.execute(write.query, write.params)
        return now + CODE_TTL

    def check(self, phone: str, code: str) -> SideWrite:
        """Refuses a wrong, expired or overused code (a try is counted even then);
        the write that uses the code up, to commit with what it proved."""
        key = self._key(phone)
        now = self.clock()
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE phone_codes SET tries = tries + 1 WHERE phone_key = %s "
                "RETURNING code_digest, expires_at, tries",
                (key,),
            )
            row = cur.fetchone()
        if row is None or row["expires_at"] <= now:
            raise InvalidInput(
                "phone_code", "phone_code_current", "no current code; ask for one"
            )
        if row["tries"] > MAX_TRIES:
            raise InvalidInput(
                "phone_code", "phone_code_tries", "too many tries; ask for a new code"
            )
        digest = self._digest(phone, code)
        if not hmac.compare_digest(bytes(row["code_digest"]), digest):
            raise InvalidInput("phone_code", "phone_code_matches", "the code is wrong")
        return SideWrite("DELETE FROM phone_codes WHERE phone_key = %s", (key,))

    def _key(self, phone: str) -> bytes:
        return self.vault.blind_index("phone_code_phone", phone)

    def _digest(self, phone: str, code: str) -> bytes:
        return self.vault.blind_index("phone_code", f"{phone}:{code}")
