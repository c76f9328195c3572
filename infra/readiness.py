"""When have the read models reached a position? (read-your-writes)"""

from __future__ import annotations

import time
from typing import Protocol

from psycopg import sql

from infra.db import Database
from projections.base import ProjectionRunner


class Readiness(Protocol):
    def reached(self, position: int) -> bool: ...


class InOrderReadiness:
    """Fed in order from the event store: one mark per projection says it all."""

    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner

    def reached(self, position: int) -> bool:
        return self.runner.position() >= position


class KafkaReadiness:
    """Fed from Kafka partitions, each in order but not in step with the others.
    Position X is reached once the relay has published X and every partition's
    mark (in every projection) has reached X or the last id published to it."""

    def __init__(self, db: Database, runner: ProjectionRunner, topic: str) -> None:
        self.db = db
        self.topic = topic
        self.projections = [p.name for p in runner.projections]
        self.query = sql.SQL(
            "SELECT coalesce((SELECT notification_id FROM relay_position "
            "WHERE topic = %(topic)s), 0) >= %(x)s AND NOT EXISTS ("
            "SELECT 1 FROM relay_partitions rp "
            "CROSS JOIN unnest(%(projections)s::text[]) AS pr(name) "
            "LEFT JOIN {}.tracking t ON t.projection = pr.name "
            "AND t.partition = rp.partition "
            "WHERE rp.topic = %(topic)s "
            "AND coalesce(t.position, 0) < least(%(x)s, rp.notification_id)) AS reached"
        ).format(sql.Identifier(runner.schema))

    def reached(self, position: int) -> bool:
        row = self.db.fetch_one(
            self.query,
            {"topic": self.topic, "x": position, "projections": self.projections},
        )
        return bool(row and row["reached"])


def wait_until(readiness: Readiness, position: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not readiness.reached(position):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True
