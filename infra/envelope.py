"""The JSON envelope of an event on Kafka, and back.

`data` is the event's attributes in the ledger's own JSON encoding (UUIDs, times,
dates and decimals appear as {"_type_": ..., "_data_": ...}), so a consumer rebuilds
exactly the domain event that was stored."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification, StoredEvent

from projections.base import Notified


def to_envelope(notification: Notification) -> dict[str, Any]:
    data = json.loads(notification.state)
    return {
        "notification_id": notification.id,
        "originator_id": str(notification.originator_id),
        "originator_version": notification.originator_version,
        "type": notification.topic,
        "timestamp": data.get("timestamp", {}).get("_data_"),
        "data": data,
    }


def encode(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def decode(value: bytes, mapper: Mapper[UUID]) -> Notified:
    envelope = json.loads(value)
    stored = StoredEvent(
        originator_id=UUID(envelope["originator_id"]),
        originator_version=envelope["originator_version"],
        topic=envelope["type"],
        state=json.dumps(envelope["data"], ensure_ascii=False).encode(),
    )
    return Notified(envelope["notification_id"], mapper.to_domain_event(stored))
