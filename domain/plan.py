"""Activity plans (年度、月度活动计划) and a unit's fixed activity day (固定活动日).

A plan belongs to a unit and a period: a year ("2026") or a month ("2026-12"). It
lists planned activities, each with its day, optional times, team, category and
place. A unit saves its plan as a whole; each save is an event, so every version
of a plan stays on record. Seed 003 asks each station to publish its month's
schedule: the public schedule is the monthly plan beside what was published."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import InvalidInput
from domain.ids import NAMESPACE
from domain.order import check_text
from domain.reference import check_category

MAX_ITEMS = 400
PERIOD = re.compile(r"^(?P<year>20\d\d)(-(?P<month>0[1-9]|1[0-2]))?$")
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
WEEKDAYS = "一二三四五六日"


class PlanKind(StrEnum):
    ANNUAL = "annual"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Period:
    """A plan's year, or one month of it."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        match = PERIOD.match(text)
        if match is None:
            raise InvalidInput(
                field, "period_format", "a year (2026) or a month (2026-12), 2000-2099"
            )
        month = match["month"]
        return cls(int(match["year"]), int(month) if month else None)

    @property
    def kind(self) -> PlanKind:
        return PlanKind.ANNUAL if self.month is None else PlanKind.MONTHLY

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> date:
        month = self.month or 12
        return date(self.year, month, monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"


def plan_id(unit_id: UUID, period: Period) -> UUID:
    return uuid5(NAMESPACE, f"activity-plan/{unit_id}/{period}")


@dataclass(frozen=True)
class PlannedActivity:
    item_id: UUID
    title: str
    day: date
    team_id: UUID
    category: str
    place: str
    start: str | None = None  # "09:00", China time
    end: str | None = None

    def check(self, period: Period, index: int) -> None:
        field = f"items[{index}]"
        check_text(f"{field}.title", self.title, 100)
        check_text(f"{field}.place", self.place, 200)
        if not period.first_day <= self.day <= period.last_day:
            raise InvalidInput(f"{field}.day", "day_in_period", f"must lie in {period}")
        try:
            check_category(self.category, None)
        except InvalidInput as error:
            raise InvalidInput(f"{field}.category", error.rule, error.detail) from None
        for name, value in (("start", self.start), ("end", self.end)):
            if value is not None and not CLOCK_TIME.match(value):
                raise InvalidInput(
                    f"{field}.{name}", "clock_time", "HH:MM, 00:00-23:59"
                )
        if (self.start is None) != (self.end is None):
            raise InvalidInput(f"{field}.end", "times_together", "give both or neither")
        if self.start and self.end and self.end <= self.start:
            raise InvalidInput(f"{field}.end", "end_after_start", "after the start")

    def as_event(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "title": self.title.strip(),
            "day": self.day,
            "team_id": self.team_id,
            "category": self.category,
            "place": self.place.strip(),
            "start": self.start,
            "end": self.end,
        }


def check_items(items: list[PlannedActivity], period: Period) -> None:
    if len(items) > MAX_ITEMS:
        raise InvalidInput("items", "items_count", f"at most {MAX_ITEMS} items")
    if len({i.item_id for i in items}) != len(items):
        raise InvalidInput("items", "item_ids_distinct", "an item_id is used twice")
    for index, item in enumerate(items):
        item.check(period, index)


class ActivityPlan(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(unit_id: UUID, period: str, **_: Any) -> UUID:
        return plan_id(unit_id, Period.parse(period))

    @event("Saved")
    def __init__(
        self, unit_id: UUID, period: str, items: list[dict[str, Any]], actor: str
    ) -> None:
        self.unit_id = unit_id
        self.period = period
        self.items = items

    @classmethod
    def draw_up(
        cls, unit_id: UUID, period: Period, items: list[PlannedActivity], actor: str
    ) -> ActivityPlan:
        check_items(items, period)
        return cls(
            unit_id=unit_id,
            period=str(period),
            items=[i.as_event() for i in items],
            actor=actor,
        )

    def revise(self, items: list[PlannedActivity], actor: str) -> None:
        check_items(items, Period.parse(self.period))
        self._revised(items=[i.as_event() for i in items], actor=actor)

    @event("Revised")
    def _revised(self, items: list[dict[str, Any]], actor: str) -> None:
        self.items = items


class FixedDayKind(StrEnum):
    MONTHLY = "monthly"  # a day of each month
    WEEKLY = "weekly"  # a weekday, 1 = Monday


@dataclass(frozen=True)
class FixedDay:
    kind: FixedDayKind
    day: int

    def check(self) -> None:
        top = 28 if self.kind is FixedDayKind.MONTHLY else 7
        if not 1 <= self.day <= top:
            raise InvalidInput("day", "fixed_day_range", f"1 to {top} for {self.kind}")

    @property
    def label(self) -> str:
        """How the schedule names it: 每月5日, 每周六."""
        if self.kind is FixedDayKind.MONTHLY:
            return f"每月{self.day}日"
        return f"每周{WEEKDAYS[self.day - 1]}"

    def falls_on(self, day: date) -> bool:
        if self.kind is FixedDayKind.MONTHLY:
            return day.day == self.day
        return day.isoweekday() == self.day
