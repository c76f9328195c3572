"""Webhook endpoints beside the ledger (their URL, kinds and sealed secret, written
with the events that register and retire them), and the signed POST that delivers
one message.

Each delivery carries `X-Vledger-Delivery` (the de-duplication key: the same for
every retry of one message), `X-Vledger-Timestamp` (Unix seconds) and
`X-Vledger-Signature: sha256=<hex>`, the HMAC-SHA256 under the endpoint's secret of
`<timestamp>.<body>`. A receiver recomputes it, refuses old timestamps, and keeps the
delivery keys it has seen."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from uuid import UUID

import httpx

from infra.db import Database
from infra.destinations import Destinations, Pinned
from infra.recorder import SideWrite
from infra.vault import Vault, VaultReader

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    url text NOT NULL,
    kinds text[] NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix, not a secret
TIMEOUT_SECONDS = 5.0


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def signed_post(
    url: str,
    secret: str,
    body: str,
    dedup_key: str,
    now: datetime,
    pinned: Pinned | None = None,
) -> None:
    """POSTs `body` (to the `pinned` address when given); anything but a 2xx
    answer (or no answer) raises. Redirects are not followed."""
    timestamp = str(int(now.timestamp()))
    # A pinned request goes to its checked address, never through a proxy.
    with httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=pinned is None) as client:
        response = client.post(
            url if pinned is None else pinned.url,
            content=body.encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Vledger-Delivery": dedup_key,
                "X-Vledger-Timestamp": timestamp,
                "X-Vledger-Signature": signature(secret, timestamp, body),
                **({} if pinned is None else pinned.headers),
            },
            extensions=None if pinned is None else pinned.extensions,
        )
    response.raise_for_status()


class WebhookEndpoints:
    def __init__(
        self,
        db: Database,
        vault: Vault,
        reader: VaultReader,
        destinations: Destinations,
    ) -> None:
        self.db = db
        self.vault = vault
        self.reader = reader
        self.destinations = destinations

    def check_url(self, url: str) -> None:
        """Refuses an endpoint at an address webhooks may not reach."""
        self.destinations.check_url(url)

    def register_writes(
        self, webhook_id: UUID, name: str, url: str, kinds: list[str], secret: str
    ) -> list[SideWrite]:
        return [
            SideWrite(
                "INSERT INTO webhook_endpoints (id, name, url, kinds) "
                "VALUES (%s, %s, %s, %s)",
                (webhook_id, name, url, kinds),
            ),
            self.vault.store_text(webhook_id, secret),
        ]

    @staticmethod
    def retire_write(webhook_id: UUID) -> SideWrite:
        return SideWrite(
            "UPDATE webhook_endpoints SET active = false WHERE id = %s", (webhook_id,)
        )

    def active(self) -> list[dict[str, object]]:
        return [
            dict(r)
            for r in self.db.fetch_all(
                "SELECT id, kinds FROM webhook_endpoints WHERE active"
            )
        ]

    def listed(self) -> list[dict[str, object]]:
        return [
            dict(r)
            for r in self.db.fetch_all(
                "SELECT id, name, url, kinds, active, created_at "
                "FROM webhook_endpoints ORDER BY created_at, id"
            )
        ]

    def deliver(
        self, webhook_id: str, body: str, dedup_key: str, now: datetime
    ) -> None:
        row = self.db.fetch_one(
            "SELECT url, active FROM webhook_endpoints WHERE id = %s", (webhook_id,)
        )
        if row is None or not row["active"]:
            raise RuntimeError(f"webhook {webhook_id} is retired or unknown")
        secret = self.reader.contact(UUID(webhook_id))
        if secret is None:
            raise RuntimeError(f"webhook {webhook_id} has no secret")
        url = str(row["url"])
        pinned = self.destinations.pinned(url)
        signed_post(url, secret, body, dedup_key, now, pinned)
