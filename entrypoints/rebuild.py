"""Blue/green rebuilds: replay the whole log into a fresh schema, then switch.

The API keeps reading the live schema until the switch, which renames both schemas in
one transaction under the lock that projector batches share, so no batch is half
applied across it and no reader ever sees an empty or half-built read model."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from psycopg import sql

from infra.db import Database
from infra.feed import EventStoreFeed, catch_up
from projections import all_projections
from projections.base import SWITCH_LOCK, ProjectionRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rebuilt:
    schema: str
    position: int
    retired: str


def rebuild(db: Database, feed: EventStoreFeed, live_schema: str) -> Rebuilt:
    building = f"{live_schema}_build"
    runner = ProjectionRunner(db, all_projections(), building)
    runner.drop_tables()
    runner.create_tables()
    position = catch_up(feed, runner)
    log.info("rebuilt %s up to %s; switching", building, position)
    retired = switch(db, live_schema, building)
    return Rebuilt(live_schema, position, retired)


def switch(db: Database, live_schema: str, building: str) -> str:
    """Makes `building` the live schema; the old one is kept as `<live>_old_<time>`.
    The live projectors carry on in the new schema from its own marks."""
    retired = f"{live_schema}_old_{int(time.time())}"
    with db.transaction() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (SWITCH_LOCK,))
        cur.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(live_schema), sql.Identifier(retired)
            )
        )
        cur.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(building), sql.Identifier(live_schema)
            )
        )
    return retired
