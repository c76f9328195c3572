"""Stable identifiers derived from other identifiers."""

from __future__ import annotations

from uuid import UUID, uuid5

#: Namespace for every name-derived UUID in volunteer-ledger. Never change it.
NAMESPACE = UUID("5f0c3a8e-6a4b-4c1e-9a77-3d2b8c1e0f42")


def account_id_for(volunteer_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"credit-account/{volunteer_id}")
