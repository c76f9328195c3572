"""What auditors read: the event log with its hash chain, one aggregate's history,
and the chain's verification. Read-only throughout."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from infra import chain
from infra.application import Ledger
from infra.db import Database
from infra.recorder import EVENTS_TABLE

# The table name is a constant, not input.
_EVENT_COLUMNS = (
    "e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "  # noqa: S608
    "c.link, (SELECT p.link FROM audit_chain p WHERE p.notification_id < "
    "e.notification_id ORDER BY p.notification_id DESC LIMIT 1) AS prev_link "
    f"FROM {EVENTS_TABLE} e LEFT JOIN audit_chain c "
    "ON c.notification_id = e.notification_id "
)
#: Envelope attributes every event has; the rest is the event's own data.
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp"})


def plain(value: Any) -> Any:
    """An event attribute as plain JSON: ids, times and amounts as strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return plain(asdict(value))
    return value


class Audit:
    def __init__(self, db: Database, ledger: Ledger) -> None:
        self.db = db
        self.ledger = ledger

    def chain(self) -> chain.ChainReport:
        with self.db.pool.connection() as conn:
            return chain.verify(conn, EVENTS_TABLE)

    def checkpoint(self, only_if_due: bool = False) -> dict[str, Any] | None:
        with self.db.pool.connection() as conn:
            if only_if_due and not chain.checkpoint_due(conn):
                return None
            return chain.checkpoint(conn)

    def events(self, after: int, limit: int) -> list[dict[str, Any]]:
        """The global log in notification order, each event with its link."""
        rows = self.db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} WHERE e.notification_id > %s "
            "ORDER BY e.notification_id LIMIT %s",
            (after, limit),
        )
        return [self._event(r) for r in rows]

    def stream(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        """Every event of one aggregate, oldest first."""
        rows = self.db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} WHERE e.originator_id = %s "
            "ORDER BY e.originator_version",
            (aggregate_id,),
        )
        return [self._event(r) for r in rows]

    def _event(self, row: dict[str, Any]) -> dict[str, Any]:
        event = self.ledger.mapper.to_domain_event(
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
        )
        data = {k: plain(v) for k, v in vars(event).items() if k not in _ENVELOPE}
        return {
            "notification_id": row["notification_id"],
            "aggregate_id": row["originator_id"],
            "version": row["originator_version"],
            "type": row["topic"].rpartition(":")[2],
            "timestamp": getattr(event, "timestamp", None),
            "actor": data.get("actor"),
            "data": data,
            "hash": bytes(row["link"]).hex() if row["link"] else None,
            "prev_hash": bytes(row["prev_link"] or chain.GENESIS).hex(),
        }


def as_json(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, indent=2)
