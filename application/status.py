"""Operational status: how far each projection has got, and how far behind it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from application.services import Container
from infra.kafka_projector import BrokerOffsets
from projections.base import ALL_PARTITIONS


def projection_status(container: Container) -> dict[str, Any]:
    head = container.store.max_position()
    schema = sql.Identifier(container.runner.schema)
    rows = container.db.fetch_all(
        sql.SQL("SELECT projection, partition, position FROM {}.tracking").format(
            schema
        )
    )
    dead = {
        r["projection"]: int(r["n"])
        for r in container.db.fetch_all(
            sql.SQL(
                "SELECT projection, count(*) AS n FROM {}.dead_letters GROUP BY 1"
            ).format(schema)
        )
    }
    published = _published(container)
    projections = []
    for projection in container.runner.projections:
        marks = {
            r["partition"]: r["position"]
            for r in rows
            if r["projection"] == projection.name
        }
        position = _applied_through(marks, published, head)
        projections.append(
            {
                "projection": projection.name,
                "position": position,
                "lag_events": head - position,
                "lag_seconds": _age_of_next(container, position)
                if position < head
                else 0.0,
                "dead_letters": dead.get(projection.name, 0),
                "partitions": {str(p): m for p, m in sorted(marks.items())},
            }
        )
    return {
        "head": head,
        "feed": "in-process" if container.settings.kafka_bootstrap is None else "kafka",
        "relayed": published["position"] if published else None,
        "projections": projections,
        "dead_letters": sum(dead.values()),
    }


def ledger_state(container: Container) -> dict[str, Any]:
    """What the metrics report of the ledger from its database: the
    projections' status, the relay's lag, the chain's last checkpoint and
    verification."""
    state = projection_status(container)
    head, relayed = state["head"], state["relayed"]
    if relayed is not None:
        state["relay_lag_seconds"] = (
            _age_of_next(container, relayed) if relayed < head else 0.0
        )
    state["chain"] = container.audit.standing()
    return state


def group_lag(container: Container, broker: BrokerOffsets) -> list[dict[str, Any]]:
    """Per partition, as consumer-group tools report it: the log-end offset, the
    group's current offset (the next record its slowest projection reads; the
    projectors keep it in `tracking`, not on the broker) and the lag between."""
    current = container.runner.stored_offsets()
    rows = []
    for partition, (start, end) in broker.bounds().items():
        offset = max(current.get(partition, start), start)
        rows.append(
            {
                "partition": partition,
                "end_offset": end,
                "current_offset": offset,
                "lag": max(0, end - offset),
            }
        )
    return rows


def _published(container: Container) -> dict[str, Any] | None:
    """What the relay published: its position and the last id per partition."""
    if container.settings.kafka_bootstrap is None:
        return None
    topic = container.settings.kafka_topic
    position = container.db.fetch_one(
        "SELECT notification_id FROM relay_position WHERE topic = %s", (topic,)
    )
    partitions = container.db.fetch_all(
        "SELECT partition, notification_id FROM relay_partitions WHERE topic = %s",
        (topic,),
    )
    return {
        "position": int(position["notification_id"]) if position else 0,
        "partitions": {r["partition"]: int(r["notification_id"]) for r in partitions},
    }


def _applied_through(
    marks: dict[int, int], published: dict[str, Any] | None, head: int
) -> int:
    """The highest position up to which every event is applied."""
    if published is None:
        return int(marks.get(ALL_PARTITIONS, 0))
    through = int(published["position"])
    for partition, last in published["partitions"].items():
        mark = marks.get(partition, marks.get(ALL_PARTITIONS, 0))
        if mark < last:
            through = min(through, mark)
    return min(through, head)


def _age_of_next(container: Container, position: int) -> float:
    """Seconds since the oldest event not applied yet was recorded."""
    notifications = container.store.notifications(position, 1)
    if not notifications:
        return 0.0
    event = container.store.mapper.to_domain_event(notifications[0])
    recorded: datetime = getattr(event, "timestamp")  # noqa: B009 - not on the protocol
    return max(0.0, (datetime.now(UTC) - recorded).total_seconds())
