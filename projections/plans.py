"""Activity plans: each plan's latest version and its items."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.plan import ActivityPlan, Period
from projections.base import Projection, Tx, event_class


class PlansProjection(Projection):
    name: ClassVar[str] = "plans"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS activity_plans (
        id uuid PRIMARY KEY,
        unit_id uuid NOT NULL,
        period text NOT NULL,
        kind text NOT NULL,
        version integer NOT NULL,
        saved_at timestamptz NOT NULL,
        position bigint NOT NULL,
        UNIQUE (unit_id, period)
    );
    CREATE TABLE IF NOT EXISTS plan_items (
        plan_id uuid NOT NULL,
        item_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        title text NOT NULL,
        day date NOT NULL,
        start_time text,
        end_time text,
        team_id uuid NOT NULL,
        category text NOT NULL,
        place text NOT NULL,
        PRIMARY KEY (plan_id, item_id)
    );
    CREATE INDEX IF NOT EXISTS plan_items_unit_day ON plan_items (unit_id, day);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(ActivityPlan, "Saved"))
    def _saved(self, event: Any, tx: Tx) -> None:
        period = Period.parse(event.period)
        tx.execute(
            "INSERT INTO activity_plans (id, unit_id, period, kind, version, "
            "saved_at, position) VALUES (%s, %s, %s, %s, 1, %s, %s)",
            (
                event.originator_id,
                event.unit_id,
                event.period,
                period.kind.value,
                event.timestamp,
                tx.position,
            ),
        )
        self._items(tx, event)

    @apply.register(event_class(ActivityPlan, "Revised"))
    def _revised(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE activity_plans SET version = %s, saved_at = %s, position = %s "
            "WHERE id = %s",
            (
                event.originator_version,
                event.timestamp,
                tx.position,
                event.originator_id,
            ),
        )
        tx.execute("DELETE FROM plan_items WHERE plan_id = %s", (event.originator_id,))
        self._items(tx, event)

    @staticmethod
    def _items(tx: Tx, event: Any) -> None:
        """The items of the plan's row (the unit comes from it)."""
        tx.execute(
            "INSERT INTO plan_items (plan_id, item_id, unit_id, title, day, "
            "start_time, end_time, team_id, category, place) "
            "SELECT p.id, i.item_id, p.unit_id, i.title, i.day, i.start_time, "
            "i.end_time, i.team_id, i.category, i.place FROM activity_plans p, "
            "unnest(%s::uuid[], %s::text[], %s::date[], %s::text[], %s::text[], "
            "%s::uuid[], %s::text[], %s::text[]) AS i(item_id, title, day, "
            "start_time, end_time, team_id, category, place) WHERE p.id = %s",
            (*PlansProjection._columns(event.items), event.originator_id),
        )

    @staticmethod
    def _columns(items: list[dict[str, Any]]) -> list[list[Any]]:
        names = ("item_id", "title", "day", "start", "end", "team_id", "category")
        return [[i[n] for i in items] for n in (*names, "place")]
