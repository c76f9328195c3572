"""Ratings of volunteers, teams and units from residents' evaluations (评单)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.order import ServiceOrder
from projections.base import Projection, Tx, event_class


class RatingsProjection(Projection):
    name: ClassVar[str] = "ratings"
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS ratings (
        subject_kind text NOT NULL,
        subject_id uuid NOT NULL,
        count integer NOT NULL DEFAULT 0,
        total integer NOT NULL DEFAULT 0,
        stars_1 integer NOT NULL DEFAULT 0,
        stars_2 integer NOT NULL DEFAULT 0,
        stars_3 integer NOT NULL DEFAULT 0,
        stars_4 integer NOT NULL DEFAULT 0,
        stars_5 integer NOT NULL DEFAULT 0,
        last_position bigint NOT NULL,
        PRIMARY KEY (subject_kind, subject_id)
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(ServiceOrder, "Evaluated"))
    def _evaluated(self, event: Any, tx: Tx) -> None:
        subjects = [("volunteers", v) for v in event.participants]
        subjects.append(("units", event.station_id))
        if event.team_id is not None:
            subjects.append(("teams", event.team_id))
        column = f"stars_{int(event.stars)}"
        for kind, subject_id in subjects:
            tx.execute(
                "INSERT INTO ratings (subject_kind, subject_id, count, total, "  # noqa: S608
                f"{column}, last_position) VALUES (%s, %s, 1, %s, 1, %s) "
                "ON CONFLICT (subject_kind, subject_id) DO UPDATE SET "
                f"count = ratings.count + 1, total = ratings.total + %s, "
                f"{column} = ratings.{column} + 1, "
                # Several orders feed one subject, possibly from different Kafka
                # partitions: everything here must not depend on arrival order.
                "last_position = greatest(ratings.last_position, %s)",
                (kind, subject_id, event.stars, tx.position, event.stars, tx.position),
            )
