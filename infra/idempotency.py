"""Idempotent commands: a retried request returns the first response, never applies
twice. The key row commits atomically with the command's events."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

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
"""
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
