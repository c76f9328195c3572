"""The points policy in force and every version it has had."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.policy import PointsPolicy
from projections.base import Projection, Tx, event_class


class PolicyProjection(Projection):
    name: ClassVar[str] = "policy"
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS policy_versions (
        version integer PRIMARY KEY,
        points_per_hour numeric NOT NULL,
        rounding text NOT NULL,
        actor text NOT NULL,
        effective_from timestamptz NOT NULL
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(PointsPolicy, "Defined"))
    def _defined(self, event: Any, tx: Tx) -> None:
        self._version(tx, 1, event)

    @apply.register(event_class(PointsPolicy, "Changed"))
    def _changed(self, event: Any, tx: Tx) -> None:
        self._version(tx, event.terms_version, event)

    @staticmethod
    def _version(tx: Tx, version: int, event: Any) -> None:
        tx.execute(
            "INSERT INTO policy_versions (version, points_per_hour, rounding, actor, "
            "effective_from) VALUES (%s, %s, %s, %s, %s)",
            (
                version,
                event.points_per_hour,
                event.rounding,
                event.actor,
                event.timestamp,
            ),
        )
