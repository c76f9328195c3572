"""Helpers for pipeline tests: running relay and projector, comparing read models."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import sql

from application.services import Container
from infra.db import Database
from infra.feed import EventStoreFeed
from projections import all_projections
from projections.base import ProjectionRunner

READ_MODEL_TABLES = (
    "units",
    "teams",
    "volunteers",
    "hour_entries",
    "correction_requests",
    "accounts",
    "account_entries",
    "policy_versions",
    "orders",
    "ratings",
    "activities",
    "activity_attendance",
    "catalog_items",
    "redemptions",
)


@contextmanager
def running_pipeline(container: Container) -> Iterator[None]:
    """Relay and projector in background threads, as `vledger relay` and `vledger
    project` run them."""
    relay = container.relay()
    projector = container.kafka_projector()
    stop = threading.Event()
    threads = [
        threading.Thread(target=relay.run, args=(stop,), daemon=True),
        threading.Thread(target=projector.run, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        relay.close()
        projector.close()


def fresh_replay(container: Container, schema: str = "verify") -> str:
    """The read models built from an empty state straight from the event store."""
    runner = ProjectionRunner(container.db, all_projections(), schema)
    runner.drop_tables()
    runner.create_tables()
    feed, position = EventStoreFeed(container.store), 0
    while batch := feed.read(position):
        runner.apply_batch(batch)
        position = batch[-1].position
    return schema


def read_model_rows(db: Database, schema: str) -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for table in READ_MODEL_TABLES:
        query = sql.SQL("SELECT * FROM {}.{} ORDER BY 1, 2").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        rows[table] = [dict(r) for r in db.fetch_all(query)]
    return rows
