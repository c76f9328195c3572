"""Counting wrong passwords per login name and per client address (domain/sign_in.py).

Names and addresses are kept as keyed digests (blind indexes), never in clear. One
attempt on a login name runs at a time (an advisory lock held while its password is
verified), so parallel guesses cannot slip past the count; the counting commits
even when the answer is a refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.errors import DomainError, TooManyAttempts, Unauthenticated
from domain.login import MAX_LOGIN, MIN_LOGIN, ContainsLogin, LoginLocked
from domain.sign_in import SignInRules, ThrottleRules
from infra.db import Database
from infra.recorder import SideWrite
from infra.vault import Vault

SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in_failures (
    kind text NOT NULL,
    key bytea NOT NULL,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    wait_until timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS sign_in_failures_last ON sign_in_failures (last_failure_at);
"""
LOGIN, ADDRESS = "login", "address"
#: The blind-index kind of login names: the claim a login holds on its name.
LOGIN_NAME_INDEX = "login"


class SignInFailed(Unauthenticated):
    """A wrong login name or password: the answer is the same for both."""

    rule = "credentials_match"


@dataclass(frozen=True)
class Attempt:
    """What one attempt came to: right or not, and the refusal to answer."""

    right: bool
    failures: int
    refusal: DomainError | None

    @property
    def reached_lockout(self) -> bool:
        return isinstance(self.refusal, LoginLocked)


def wrong_credentials() -> SignInFailed:
    return SignInFailed("the login name or the password is wrong", field="password")


def locked_refusal() -> LoginLocked:
    return LoginLocked(
        "the account is locked after too many wrong passwords; "
        "ask station staff to unlock it",
        field="login",
    )


class SignInGuard:
    def __init__(self, db: Database, vault: Vault, rules: SignInRules) -> None:
        self.db = db
        self.vault = vault
        self.rules = rules

    def login_key(self, login: str) -> bytes:
        return self.vault.blind_index(LOGIN_NAME_INDEX, login)

    def attempt(
        self,
        login_key: bytes,
        address: str,
        now: datetime,
        verify: Callable[[], bool],
    ) -> Attempt:
        """Runs `verify` unless the name (by its `login_key`) or the address must
        wait or the name is locked, and counts a wrong answer against both."""
        address_key = self.vault.blind_index("sign_in_address", address)
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                (login_key.hex(),),
            )
            rows = self._rows(cur, login_key, address_key)
            failures = self._current(rows.get(LOGIN), self.rules.per_login, now)
            if self.rules.locks(failures):
                return Attempt(False, failures, locked_refusal())
            if (wait := self._wait(rows, now)) is not None:
                return Attempt(False, failures, wait)
            if verify():
                cur.execute(
                    "DELETE FROM sign_in_failures WHERE kind = %s AND key = %s",
                    (LOGIN, login_key),
                )
                return Attempt(True, 0, None)
            failures = self._count(cur, LOGIN, login_key, self.rules.per_login, now)
            self._count(cur, ADDRESS, address_key, self.rules.per_address, now)
        if self.rules.locks(failures):
            return Attempt(False, failures, locked_refusal())
        return Attempt(False, failures, wrong_credentials())

    @staticmethod
    def _rows(
        cur: Cursor[DictRow], login_key: bytes, address_key: bytes
    ) -> dict[str, DictRow]:
        cur.execute(
            "SELECT kind, failures, last_failure_at, wait_until FROM sign_in_failures "
            "WHERE (kind, key) IN ((%s, %s), (%s, %s))",
            (LOGIN, login_key, ADDRESS, address_key),
        )
        return {row["kind"]: row for row in cur.fetchall()}

    def _current(self, row: DictRow | None, rules: ThrottleRules, now: datetime) -> int:
        """Failures still counting: a lockout's never lapse, others after the
        window."""
        if row is None:
            return 0
        failures = int(row["failures"])
        lapsed = row["last_failure_at"] <= now - rules.window
        return 0 if lapsed and not self.rules.locks(failures) else failures

    @staticmethod
    def _wait(rows: dict[str, DictRow], now: datetime) -> TooManyAttempts | None:
        until = max((row["wait_until"] for row in rows.values()), default=None)
        if until is None or until <= now:
            return None
        seconds = max(1, int((until - now).total_seconds() + 0.999))
        return TooManyAttempts(
            f"too many wrong passwords; try again in {seconds} s",
            field="password",
            retry_after_seconds=seconds,
        )

    def _count(
        self,
        cur: Cursor[DictRow],
        kind: str,
        key: bytes,
        rules: ThrottleRules,
        now: datetime,
    ) -> int:
        cur.execute(
            "SELECT failures, last_failure_at FROM sign_in_failures "
            "WHERE kind = %s AND key = %s",
            (kind, key),
        )
        failures = self._current(cur.fetchone(), rules, now) + 1
        wait_until = now + rules.delay_after(failures)
        cur.execute(
            "INSERT INTO sign_in_failures "
            "(kind, key, failures, last_failure_at, wait_until) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (kind, key) DO UPDATE SET "
            "failures = EXCLUDED.failures, last_failure_at = EXCLUDED.last_failure_at, "
            "wait_until = EXCLUDED.wait_until",
            (kind, key, failures, now, wait_until),
        )
        return failures

    def forget_expired(self, now: datetime) -> int:
        """Drops counts past their window, except lockouts (the sweeper's job)."""
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM sign_in_failures WHERE (kind = %s AND "
                "last_failure_at < %s) OR (kind = %s AND last_failure_at < %s "
                "AND failures < %s)",
                (
                    ADDRESS,
                    now - self.rules.per_address.window,
                    LOGIN,
                    now - self.rules.per_login.window,
                    self.rules.lock_after,
                ),
            )
            return cur.rowcount


def contains_login(vault: Vault, login_key: bytes) -> ContainsLogin:
    """Whether a password holds the login name of this keyed digest (the name is
    kept only so): every stretch of it as long as a name can be is digested and
    compared."""

    def test(lowered: str) -> bool:
        compact = "".join(lowered.split())
        return any(
            vault.blind_index(LOGIN_NAME_INDEX, compact[start : start + length])
            == login_key
            for length in range(MIN_LOGIN, MAX_LOGIN + 1)
            for start in range(len(compact) - length + 1)
        )

    return test


def forgive_login(login_id: UUID) -> SideWrite:
    """Clears the count of the login's name (an unlock, a reset by staff)."""
    return SideWrite(
        "DELETE FROM sign_in_failures WHERE kind = %s AND key IN ("
        "SELECT value FROM unique_claims WHERE namespace = %s AND owner_id = %s)",
        (LOGIN, LOGIN_NAME_INDEX, login_id),
    )
