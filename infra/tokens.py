"""Bearer tokens: random secrets stored only as SHA-256 hashes, with role and scope."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from domain.access import Actor, Role
from domain.errors import InvalidInput
from domain.kiosk import Kiosk
from infra.db import Database
from infra.recorder import EVENTS_TABLE, SideWrite

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    role text NOT NULL,
    unit_id uuid,
    volunteer_id uuid,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
"""
TOKEN_PREFIX = "vlt_"  # noqa: S105 - a public prefix, not a secret


@dataclass(frozen=True)
class IssuedToken:
    token: str
    actor: Actor


#: The event that registers a kiosk device; its aggregate id is the token's id.
KIOSK_REGISTERED = f"{get_topic(Kiosk)}.Registered"
UNREGISTERED_KIOSK_TOKENS = (
    "UPDATE api_tokens SET revoked_at = now() "
    "WHERE role = 'kiosk' AND revoked_at IS NULL AND NOT EXISTS ("
    "SELECT 1 FROM {events} e WHERE e.originator_id = api_tokens.id "
    "AND e.originator_version = 1 AND e.topic = %s)"
)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


#: How long a machine token's actor is trusted without asking the database: a
#: revocation by another process holds within this (by this one, at once).
CACHE_SECONDS = 1.0
CACHE_SIZE = 10_000


class TokenStore:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        #: Machine tokens (API clients, kiosks) by digest: actor and when read.
        #: People's session tokens change in many ways (sign-out, refresh, a
        #: password change) and are always read.
        self._cache: dict[bytes, tuple[Actor, float]] = {}

    def issue(
        self,
        role: Role,
        name: str,
        unit_id: UUID | None = None,
        volunteer_id: UUID | None = None,
        token_id: UUID | None = None,
    ) -> IssuedToken:
        """`token_id` is also a resident's identity: orders belong to it. A kiosk's
        token comes only with its registration as a device (KioskCommands)."""
        if role is Role.KIOSK:
            raise InvalidInput(
                "role",
                "kiosk_is_registered_device",
                "kiosks are devices registered at a station (POST /v1/kiosks); "
                "the registration answers with the device's token",
            )
        actor = Actor(
            role=role,
            token_id=token_id or uuid4(),
            name=name,
            unit_id=unit_id,
            volunteer_id=volunteer_id,
        )
        token, write = self.new_token(actor)
        self.db.execute(write.query, write.params)
        return IssuedToken(token, actor)

    @staticmethod
    def new_token(actor: Actor) -> tuple[str, SideWrite]:
        """A fresh token and the write that stores its hash, for callers that
        commit it with events (a registered kiosk)."""
        actor.check_scope_is_complete()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return token, SideWrite(
            "INSERT INTO api_tokens "
            "(id, token_hash, role, unit_id, volunteer_id, name) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (
                actor.token_id,
                token_hash(token),
                actor.role.value,
                actor.unit_id,
                actor.volunteer_id,
                actor.name,
            ),
        )

    def revoke_write(self, token_id: UUID) -> SideWrite:
        self.forget(token_id)
        return SideWrite(
            "UPDATE api_tokens SET revoked_at = now() "
            "WHERE id = %s AND revoked_at IS NULL",
            (token_id,),
        )

    def revoke_unregistered_kiosk_tokens(self) -> int:
        """Kiosk tokens made before kiosks had to be registered devices are not in
        the device registry, so nobody could retire them over the API: revoked."""
        with self.db.transaction() as cur:
            cur.execute(
                UNREGISTERED_KIOSK_TOKENS.format(events=EVENTS_TABLE),
                (KIOSK_REGISTERED,),
            )
            return cur.rowcount

    def cached_actor(self, token: str) -> Actor | None:
        """The actor of a machine token as read less than CACHE_SECONDS ago;
        None: ask `authenticate`. Saves a query on most requests of a busy
        client, while a revocation holds in every process within CACHE_SECONDS."""
        cached = self._cache.get(token_hash(token))
        if cached is None or time.monotonic() - cached[1] > CACHE_SECONDS:
            return None
        return cached[0]

    def forget(self, token_id: UUID) -> None:
        """Drops a token's cached actor (it is being revoked here)."""
        for digest, (actor, _) in list(self._cache.items()):
            if actor.token_id == token_id:
                self._cache.pop(digest, None)

    def authenticate(self, token: str) -> Actor | None:
        """The actor of a live token: not revoked, and a signed-in person's not
        expired and of a session that has not ended (whatever raced its end).
        A person's actor is named by its principal (the login, or the resident
        record its orders belong to), not by the token."""
        digest = token_hash(token)
        row = self.db.fetch_one(
            "SELECT t.id, role, unit_id, volunteer_id, name, principal_id, "
            "t.login_id, session_id, t.expires_at, restricted FROM api_tokens t "
            "LEFT JOIN sign_in_sessions s ON s.id = t.session_id "
            "WHERE token_hash = %s AND revoked_at IS NULL "
            "AND (t.session_id IS NULL OR s.ended_at IS NULL)",
            (digest,),
        )
        if row is None:
            self._cache.pop(digest, None)
            return None
        if row["expires_at"] is not None and row["expires_at"] <= self.clock():
            return None
        actor = Actor(
            role=Role(row["role"]),
            token_id=row["principal_id"] or row["id"],
            name=row["name"],
            unit_id=row["unit_id"],
            volunteer_id=row["volunteer_id"],
            login_id=row["login_id"],
            session_id=row["session_id"],
            must_change_password=row["restricted"],
        )
        if row["session_id"] is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[digest] = (actor, time.monotonic())
        return actor

    def revoke(self, token_id: UUID) -> bool:
        self.forget(token_id)
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE api_tokens SET revoked_at = now() "
                "WHERE id = %s AND revoked_at IS NULL",
                (token_id,),
            )
            return cur.rowcount == 1
