"""The JSON envelope of an event on Kafka, and back.

`data` is the event's attributes in the ledger's own JSON encoding (UUIDs, times,
dates and decimals appear as {"_type_": ..., "_data_": ...}), so a consumer rebuilds
exactly the domain event that was stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, Notification, StoredEvent

from infra.decoding import EventDecoder
from projections.base import Notified


def to_envelope(notification: Notification) -> dict[str, Any]:
    data = orjson.loads(notification.state)
    return {
        "notification_id": notification.id,
        "originator_id": str(notification.originator_id),
        "originator_version": notification.originator_version,
        "type": notification.topic,
        "timestamp": data.get("timestamp", {}).get("_data_"),
        "data": data,
    }


def encode(envelope: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (orjson: the relay and projectors handle every event)."""
    return orjson.dumps(envelope)


def decode(value: bytes, mapper: Mapper[UUID]) -> Notified:
    """The library's own way (kept as the reference the fast decoder is held to)."""
    envelope = orjson.loads(value)
    stored = StoredEvent(
        originator_id=UUID(envelope["originator_id"]),
        originator_version=envelope["originator_version"],
        topic=envelope["type"],
        state=orjson.dumps(envelope["data"]),
    )
    return Notified(envelope["notification_id"], mapper.to_domain_event(stored))


def fast_decode(value: bytes, decoder: EventDecoder) -> Notified:
    """The same event as `decode`, through the project's fast decoder."""
    envelope = orjson.loads(value)
    event = decoder.event(
        envelope["type"],
        envelope["originator_id"],
        envelope["originator_version"],
        envelope["data"],
    )
    return Notified(envelope["notification_id"], event)
