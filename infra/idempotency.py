"""Idempotent commands, as the IETF Idempotency-Key draft describes them: a retried
request returns the first response and never applies twice (the key row commits
atomically with the command's events); the same key with another body is refused;
a key whose first request is still running answers 409 until it finishes. Stored
responses are kept for a retention period (at least 24 h), then forgotten."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from psycopg.types.json import Jsonb

from domain.errors import IdempotencyKeyInProgress, IdempotencyKeyReused
from infra.db import Database
from infra.recorder import EVENTS_TABLE, SideWrite

SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    response jsonb NOT NULL,
    originator_id uuid,
    originator_version bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);
CREATE TABLE IF NOT EXISTS idempotency_in_flight (
    scope text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    owner uuid NOT NULL,
    lease_until timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
"""
#: How long a request may hold its key before another copy may take over: a
#: crashed process's key is free again after this, never stuck.
IN_FLIGHT_LEASE = timedelta(seconds=30)
CONSTRAINT = "idempotency_keys_pkey"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class IdempotencyKey:
    scope: str
    key: str
    fingerprint: str
    field: str = "Idempotency-Key"


def fingerprint(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    response: dict[str, Any]
    position: int | None


class IdempotencyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lookup(self, key: IdempotencyKey) -> StoredResponse | None:
        row = self.db.fetch_one(
            f"SELECT k.fingerprint, k.response, e.notification_id "  # noqa: S608
            f"FROM idempotency_keys k LEFT JOIN {EVENTS_TABLE} e "
            "ON e.originator_id = k.originator_id "
            "AND e.originator_version = k.originator_version "
            "WHERE k.scope = %s AND k.key = %s",
            (key.scope, key.key),
        )
        if row is None:
            return None
        return StoredResponse(
            row["fingerprint"], row["response"], row["notification_id"]
        )

    @contextmanager
    def in_flight(self, key: IdempotencyKey) -> Iterator[None]:
        """Holds the key while its request runs. A second copy arriving meanwhile
        is refused with 409 (422 if its body differs) instead of waiting."""
        owner = uuid4()
        taken = self.db.fetch_one(
            "INSERT INTO idempotency_in_flight "
            "(scope, key, fingerprint, owner, lease_until) "
            "VALUES (%s, %s, %s, %s, now() + %s) "
            "ON CONFLICT (scope, key) DO UPDATE SET "
            "fingerprint = EXCLUDED.fingerprint, owner = EXCLUDED.owner, "
            "lease_until = EXCLUDED.lease_until "
            "WHERE idempotency_in_flight.lease_until < now() RETURNING owner",
            (key.scope, key.key, key.fingerprint, owner, IN_FLIGHT_LEASE),
        )
        if taken is None:
            self._refuse_in_flight(key)
        try:
            yield
        finally:
            self.db.execute(
                "DELETE FROM idempotency_in_flight "
                "WHERE scope = %s AND key = %s AND owner = %s",
                (key.scope, key.key, owner),
            )

    def _refuse_in_flight(self, key: IdempotencyKey) -> None:
        running = self.db.fetch_one(
            "SELECT fingerprint FROM idempotency_in_flight "
            "WHERE scope = %s AND key = %s",
            (key.scope, key.key),
        )
        if running is not None and running["fingerprint"] != key.fingerprint:
            raise IdempotencyKeyReused(
                f"key {key.key!r} is in use by a different request", field=key.field
            )
        raise IdempotencyKeyInProgress(
            f"a request with key {key.key!r} is still being processed; retry shortly",
            field=key.field,
        )

    def forget_older_than(self, retention: timedelta) -> int:
        """Drops stored responses past their retention, and leases of crashed
        requests; returns how many responses were dropped."""
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM idempotency_keys WHERE created_at < now() - %s",
                (retention,),
            )
            forgotten = cur.rowcount
            cur.execute("DELETE FROM idempotency_in_flight WHERE lease_until < now()")
        return forgotten

    @staticmethod
    def remember(
        key: IdempotencyKey,
        response: dict[str, Any],
        originator_id: UUID | None,
        originator_version: int | None,
    ) -> SideWrite:
        return SideWrite(
            "INSERT INTO idempotency_keys "
            "(scope, key, fingerprint, response, originator_id, originator_version) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (
                key.scope,
                key.key,
                key.fingerprint,
                Jsonb(response, dumps=_dumps),
                originator_id,
                originator_version,
            ),
        )


def _dumps(obj: Any) -> str:
    return json.dumps(obj, default=str, ensure_ascii=False)


def redact_stored_responses(
    originator_ids: list[UUID], values: tuple[str, ...], replacement: str
) -> SideWrite:
    """Replaces `values` (an erased person's masked name, ID number and phone) in
    the responses kept for retries of commands on `originator_ids` (a command's
    response is kept under the last aggregate it changed)."""
    sql = "response::text"
    for _ in values:
        sql = f"replace({sql}, %s, %s)"
    params: list[Any] = []
    for value in values:
        params += [value, replacement]
    return SideWrite(
        f"UPDATE idempotency_keys SET response = {sql}::jsonb "  # noqa: S608 - fixed SQL
        "WHERE originator_id = ANY(%s)",
        (*params, originator_ids),
    )
