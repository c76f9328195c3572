"""Activity plans of a unit (annual and monthly) and its fixed activity day."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.aggregates import Aggregates
from application.executor import Decision
from application.teams import check_teams_in_unit
from domain.access import Actor
from domain.plan import (
    ActivityPlan,
    FixedDay,
    FixedDayKind,
    Period,
    PlanKind,
    PlannedActivity,
    plan_id,
)


@dataclass(frozen=True)
class SavePlan:
    unit_id: UUID
    period: str
    items: tuple[PlannedActivity, ...]


@dataclass(frozen=True)
class SetFixedDay:
    unit_id: UUID
    kind: FixedDayKind
    day: int


@dataclass(frozen=True)
class PlanSaved:
    unit_id: UUID
    period: str
    kind: PlanKind
    items: int
    version: int


@dataclass(frozen=True)
class FixedDayOut:
    unit_id: UUID
    kind: FixedDayKind
    day: int
    label: str


class Plans:
    def __init__(self, aggregates: Aggregates) -> None:
        self.aggregates = aggregates

    def save(self, cmd: SavePlan, actor: Actor) -> Decision[PlanSaved]:
        """The whole plan, each time: the first save draws it up, later ones
        revise it (every version stays in the log)."""
        period = Period.parse(cmd.period)
        unit = self.aggregates.unit(cmd.unit_id)
        actor.check_manages(unit)
        items = list(cmd.items)
        check_teams_in_unit(
            self.aggregates, unit, (i.team_id for i in items), "items.team_id"
        )
        plan = self.aggregates.find(ActivityPlan, plan_id(unit.id, period))
        if plan is not None:
            plan.revise(items, actor.label)
        else:
            plan = ActivityPlan.draw_up(unit.id, period, items, actor.label)
        saved = PlanSaved(unit.id, str(period), period.kind, len(items), plan.version)
        return Decision([plan], saved)

    def set_fixed_day(self, cmd: SetFixedDay, actor: Actor) -> Decision[FixedDayOut]:
        unit = self.aggregates.unit(cmd.unit_id)
        actor.check_manages(unit)
        fixed = FixedDay(cmd.kind, cmd.day)
        unit.set_fixed_day(fixed, actor.label)
        return Decision(
            [unit], FixedDayOut(unit.id, fixed.kind, fixed.day, fixed.label)
        )
