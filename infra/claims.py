"""Uniqueness claims across aggregates (one ID number per person, one centre).

A claim row is inserted in the same transaction as the events that need it, so the
unique key decides races: the loser's whole transaction rolls back."""

from __future__ import annotations

from uuid import UUID

from infra.db import Database
from infra.recorder import SideWrite

SCHEMA = """
CREATE TABLE IF NOT EXISTS unique_claims (
    namespace text NOT NULL,
    value bytea NOT NULL,
    owner_id uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT unique_claims_pkey PRIMARY KEY (namespace, value)
);
"""
CONSTRAINT = "unique_claims_pkey"


def claim(namespace: str, value: bytes, owner_id: UUID) -> SideWrite:
    return SideWrite(
        "INSERT INTO unique_claims (namespace, value, owner_id) VALUES (%s, %s, %s)",
        (namespace, value, owner_id),
    )


class ClaimReader:
    def __init__(self, db: Database) -> None:
        self.db = db

    def owner(self, namespace: str, value: bytes) -> UUID | None:
        """Who holds the claim on `value`, if anyone."""
        row = self.db.fetch_one(
            "SELECT owner_id FROM unique_claims WHERE namespace = %s AND value = %s",
            (namespace, value),
        )
        return None if row is None else UUID(str(row["owner_id"]))

    def value_of(self, namespace: str, owner_id: UUID) -> bytes | None:
        """The value an owner claims in a namespace (a login's keyed name)."""
        row = self.db.fetch_one(
            "SELECT value FROM unique_claims WHERE namespace = %s AND owner_id = %s",
            (namespace, owner_id),
        )
        return None if row is None else bytes(row["value"])


def release(namespace: str, owner_id: UUID) -> SideWrite:
    """Drops the owner's claim (an erased person's ID number is not kept, even as
    a keyed digest)."""
    return SideWrite(
        "DELETE FROM unique_claims WHERE namespace = %s AND owner_id = %s",
        (namespace, owner_id),
    )
