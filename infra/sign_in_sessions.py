"""Sessions of signed-in people: a short-lived access token and a refresh token.

An access token is a bearer token like a machine's (`api_tokens`), with an expiry
and its session. A refresh token is used once: it answers with a new pair, and a
used one presented again ends the whole session (it was copied: OAuth 2.0 Security
BCP §4.14). Signing out, a password change or reset, a lock and a disable end
sessions. Only SHA-256 hashes of tokens are stored."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.access import Actor
from domain.errors import Unauthenticated
from infra.db import Database
from infra.recorder import SideWrite
from infra.tokens import TOKEN_PREFIX, token_hash

SCHEMA = """
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS principal_id uuid;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS login_id uuid;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS session_id uuid;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS restricted boolean
    NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS api_tokens_session ON api_tokens (session_id)
    WHERE session_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS sign_in_sessions (
    id uuid PRIMARY KEY,
    login_id uuid NOT NULL,
    client_address text NOT NULL,
    opened_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    refreshed_at timestamptz,
    ended_at timestamptz,
    end_reason text
);
CREATE INDEX IF NOT EXISTS sign_in_sessions_login ON sign_in_sessions (login_id)
    WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL,
    issued_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX IF NOT EXISTS refresh_tokens_session ON refresh_tokens (session_id);
"""
REFRESH_PREFIX = "vlr_"
#: How long ended sessions stay on record (who signed in, when, from where).
SESSION_LOG_DAYS = timedelta(days=90)


class RefreshRefused(Unauthenticated):
    """The refresh token is unknown, used, expired, or its session ended."""

    rule = "refresh_token_valid"


@dataclass(frozen=True)
class SessionTokens:
    session_id: UUID
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    session_expires_at: datetime


def refresh_refused() -> RefreshRefused:
    return RefreshRefused(
        "the refresh token is unknown, used, expired or of an ended session; "
        "sign in again",
        field="refresh_token",
    )


def _live(session: dict[str, Any], now: datetime) -> bool:
    return session["ended_at"] is None and session["expires_at"] > now


def end_sessions_of(login_id: UUID, reason: str, now: datetime) -> SideWrite:
    """Ends every open session of a login (its access tokens stop at once),
    committed with the event that calls for it."""
    return SideWrite(
        "WITH ended AS (UPDATE sign_in_sessions SET ended_at = %s, end_reason = %s "
        "WHERE login_id = %s AND ended_at IS NULL RETURNING id) "
        "UPDATE api_tokens SET revoked_at = %s "
        "WHERE session_id IN (SELECT id FROM ended) AND revoked_at IS NULL",
        (now, reason, login_id, now),
    )


class SessionStore:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        access_ttl: timedelta,
        session_ttl: timedelta,
    ) -> None:
        self.db = db
        self.clock = clock
        self.access_ttl = access_ttl
        self.session_ttl = session_ttl

    def open(self, login_id: UUID, actor: Actor, address: str) -> SessionTokens:
        """A new session of the login, acting as `actor`, signed in just now."""
        now = self.clock()
        session_id = uuid4()
        expires_at = now + self.session_ttl
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO sign_in_sessions "
                "(id, login_id, client_address, opened_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (session_id, login_id, address, now, expires_at),
            )
            return self._issue(cur, actor, session_id, expires_at, now)

    def login_of(self, refresh_token: str) -> UUID | None:
        """Whose session a refresh token continues (read before deciding: the
        login is loaded without holding a connection here)."""
        row = self.db.fetch_one(
            "SELECT s.login_id FROM refresh_tokens r "
            "JOIN sign_in_sessions s ON s.id = r.session_id WHERE r.token_hash = %s",
            (token_hash(refresh_token),),
        )
        return None if row is None else UUID(str(row["login_id"]))

    def rotate(self, refresh_token: str, actor: Actor) -> SessionTokens:
        """Uses up a refresh token and issues the session's next pair as one
        decision, under the session's row lock (the lock order everywhere: the
        session, then its refresh and access tokens). A used token ends its
        session (it was copied): then nothing of the session works any more."""
        now = self.clock()
        digest = token_hash(refresh_token)
        with self.db.transaction() as cur:
            session = self._locked_session_of(cur, digest)
            if session is not None and session["used"]:
                self._end(cur, session["id"], "refresh_token_reused", now)
            elif session is not None and _live(session, now):
                cur.execute(
                    "UPDATE refresh_tokens SET used_at = %s WHERE token_hash = %s",
                    (now, digest),
                )
                self._end_access(cur, session["id"], now)
                cur.execute(
                    "UPDATE sign_in_sessions SET refreshed_at = %s WHERE id = %s",
                    (now, session["id"]),
                )
                return self._issue(
                    cur, actor, session["id"], session["expires_at"], now
                )
        raise refresh_refused()

    def refuse(self, refresh_token: str, reason: str) -> RefreshRefused:
        """Ends the session of a refresh token that may not continue it (its
        login is no longer active); the refusal to raise."""
        with self.db.transaction() as cur:
            session = self._locked_session_of(cur, token_hash(refresh_token))
            if session is not None:
                self._end(cur, session["id"], reason, self.clock())
        return refresh_refused()

    @staticmethod
    def _locked_session_of(
        cur: Cursor[DictRow], digest: bytes
    ) -> dict[str, Any] | None:
        """The token's session, locked, with whether the token was used (read
        under the lock: every use of it takes the lock first)."""
        cur.execute(
            "SELECT id, expires_at, ended_at FROM sign_in_sessions WHERE id = ("
            "SELECT session_id FROM refresh_tokens WHERE token_hash = %s) FOR UPDATE",
            (digest,),
        )
        session = cur.fetchone()
        if session is None:
            return None
        cur.execute(
            "SELECT used_at FROM refresh_tokens WHERE token_hash = %s", (digest,)
        )
        used = cur.fetchone()
        return {**session, "used": used is None or used["used_at"] is not None}

    def end(self, session_id: UUID, reason: str) -> bool:
        with self.db.transaction() as cur:
            return self._end(cur, session_id, reason, self.clock())

    def forget_finished(self) -> int:
        """Tokens of sessions that ended or expired go; the sessions themselves
        stay 90 days, as the log of who signed in from where."""
        now = self.clock()
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM "
                "sign_in_sessions WHERE coalesce(ended_at, expires_at) < %s)",
                (now,),
            )
            cur.execute(
                "DELETE FROM api_tokens WHERE session_id IS NOT NULL "
                "AND (revoked_at < %s OR expires_at < %s)",
                (now - timedelta(days=1), now - timedelta(days=1)),
            )
            cur.execute(
                "DELETE FROM sign_in_sessions "
                "WHERE coalesce(ended_at, expires_at) < %s",
                (now - SESSION_LOG_DAYS,),
            )
            return cur.rowcount

    @staticmethod
    def _end(
        cur: Cursor[DictRow], session_id: UUID, reason: str, now: datetime
    ) -> bool:
        cur.execute(
            "UPDATE sign_in_sessions SET ended_at = %s, end_reason = %s "
            "WHERE id = %s AND ended_at IS NULL",
            (now, reason, session_id),
        )
        ended = cur.rowcount == 1
        SessionStore._end_access(cur, session_id, now)
        return ended

    @staticmethod
    def _end_access(cur: Cursor[DictRow], session_id: UUID, now: datetime) -> None:
        cur.execute(
            "UPDATE api_tokens SET revoked_at = %s "
            "WHERE session_id = %s AND revoked_at IS NULL",
            (now, session_id),
        )

    def _issue(
        self,
        cur: Cursor[DictRow],
        actor: Actor,
        session_id: UUID,
        session_expires_at: datetime,
        now: datetime,
    ) -> SessionTokens:
        access = TOKEN_PREFIX + secrets.token_urlsafe(32)
        refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
        access_expires_at = min(now + self.access_ttl, session_expires_at)
        cur.execute(
            "INSERT INTO api_tokens (id, token_hash, role, unit_id, volunteer_id, "
            "name, principal_id, login_id, session_id, expires_at, restricted) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                uuid4(),
                token_hash(access),
                actor.role.value,
                actor.unit_id,
                actor.volunteer_id,
                actor.name,
                actor.token_id,
                actor.login_id,
                session_id,
                access_expires_at,
                actor.must_change_password,
            ),
        )
        cur.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) "
            "VALUES (%s, %s, %s)",
            (token_hash(refresh), session_id, now),
        )
        return SessionTokens(
            session_id, access, access_expires_at, refresh, session_expires_at
        )
