"""Password hashes (Argon2id, argon2-cffi) kept beside the ledger, never in an event.

The hasher's parameters are argon2-cffi's defaults, RFC 9106's second recommended
option (t=3, 64 MiB, p=4): about 0.1 s a hash on this project's 2-core machine. A
hash made with older parameters is replaced at the next right sign-in."""

from __future__ import annotations

import secrets
from functools import cached_property
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from infra.db import Database
from infra.recorder import SideWrite

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_secrets (
    login_id uuid PRIMARY KEY,
    password_hash text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""
#: One-time passwords are read aloud or copied from a screen: no 0/O, 1/l/I.
READABLE = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 12


def one_time_password() -> str:
    return "".join(secrets.choice(READABLE) for _ in range(ONE_TIME_LENGTH))


class Passwords:
    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.hasher = hasher or PasswordHasher()

    @cached_property
    def _decoy(self) -> str:
        """Verified when a login name has no account, so that a wrong name costs
        as long as a wrong password (no timing tells which names exist). Made at
        the first use, not at every start of a process that may never sign in."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def store(self, login_id: UUID, password: str) -> SideWrite:
        """The write that keeps `password`'s hash, committed with its event."""
        return SideWrite(
            "INSERT INTO login_secrets (login_id, password_hash) VALUES (%s, %s) "
            "ON CONFLICT (login_id) DO UPDATE SET "
            "password_hash = EXCLUDED.password_hash, updated_at = now()",
            (login_id, self.hasher.hash(password)),
        )

    def verify(self, login_id: UUID, password: str) -> bool:
        return self.matches(self.stored(login_id), password)

    def matches(self, stored: str | None, password: str) -> bool:
        """Whether `password` is the one of the `stored` hash; no hash (a name of
        no login) costs a verification all the same, and never matches."""
        try:
            self.hasher.verify(stored or self._decoy, password)
        except (VerificationError, InvalidHashError):
            return False
        return stored is not None

    def upgrade(self, login_id: UUID, stored: str, password: str) -> None:
        """A right password whose hash has older parameters gets a new hash."""
        if self.hasher.check_needs_rehash(stored):
            self.db.execute(
                "UPDATE login_secrets SET password_hash = %s, updated_at = now() "
                "WHERE login_id = %s AND password_hash = %s",
                (self.hasher.hash(password), login_id, stored),
            )

    def stored(self, login_id: UUID) -> str | None:
        row = self.db.fetch_one(
            "SELECT password_hash FROM login_secrets WHERE login_id = %s", (login_id,)
        )
        return None if row is None else str(row["password_hash"])
