"""Request and response models of activity plans and the public schedule:
the bodies of api/routers/plans.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

from pydantic import Field

from api.schemas.common import Request, Response, WholeNumber, Written, example
from domain.plan import FixedDayKind, PlannedActivity

TEAM = "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


class PlannedActivityIn(Request):
    item_id: UUID = Field(
        default_factory=uuid4,
        description="Keeps an item's identity across versions; new if omitted.",
    )
    title: str = Field(min_length=1, max_length=100, description="活动名称")
    day: date = Field(description="The planned day (China time), in the period.")
    start: str | None = Field(
        default=None, description="Start time HH:MM (China time); none: all day."
    )
    end: str | None = Field(default=None, description="End time HH:MM.")
    team_id: UUID = Field(description="The team holding it: of the unit or below.")
    category: str = Field(description="A five-fors code (GET /v1/reference).")
    place: str = Field(min_length=1, max_length=200, description="活动地点")

    def planned(self) -> PlannedActivity:
        return PlannedActivity(
            self.item_id,
            self.title,
            self.day,
            self.team_id,
            self.category,
            self.place,
            self.start,
            self.end,
        )


class PlanIn(Request):
    model_config = example(
        {
            "items": [
                {
                    "title": "理论政策宣讲进社区",
                    "day": "2026-12-05",
                    "start": "09:00",
                    "end": "11:00",
                    "team_id": TEAM,
                    "category": "public",
                    "place": "双泉社区新时代文明实践站",
                }
            ]
        }
    )
    items: list[PlannedActivityIn] = Field(
        max_length=400, description="The whole plan: it replaces the last version."
    )


class FixedDayIn(Request):
    model_config = example({"kind": "monthly", "day": 5})
    kind: FixedDayKind = Field(description="monthly (a day of the month) or weekly")
    day: WholeNumber = Field(
        ge=1, le=28, description="1-28 of each month, or 1 (Monday) to 7 (Sunday)."
    )


class PlanWritten(Written):
    unit_id: UUID
    period: str
    kind: str = Field(description="annual (年度) or monthly (月度)")
    items: int = Field(description="How many activities the plan lists.")
    version: int = Field(description="The plan's version: 1, then one per save.")


class FixedDayWritten(Written):
    unit_id: UUID
    kind: str = Field(description="monthly or weekly")
    day: int = Field(description="The day of the month, or the weekday (1 = Monday).")
    label: str = Field(description="How it reads: 每月5日, 每周六")


class PlanItemOut(Response):
    item_id: UUID
    title: str
    day: date
    start_time: str | None
    end_time: str | None
    team_id: UUID
    team_name: str | None
    category: str
    place: str
    activity_id: UUID | None = Field(
        description="The closed activity of the team that day that held it; "
        "null: not held (yet)."
    )
    activity_title: str | None = Field(description="That activity's title.")


class UnplannedOut(Response):
    activity_id: UUID
    title: str
    day: date
    team_id: UUID
    team_name: str | None
    category: str


class PlanOut(Response):
    unit_id: UUID
    period: str
    kind: str = Field(description="annual (年度) or monthly (月度)")
    version: int = Field(description="The plan's version: 1, then one per save.")
    saved_at: datetime
    items: list[PlanItemOut]


class PlanReportOut(Response):
    """计划与执行: what was planned against what was held."""

    unit_id: UUID
    period: str
    planned: int = Field(description="Activities in the plan.")
    held_as_planned: int = Field(description="Planned ones a closed activity held.")
    not_held: int = Field(description="Planned ones no closed activity held.")
    unplanned: int = Field(description="Closed activities the plan did not list.")
    share_held: float | None = Field(description="held_as_planned ÷ planned")
    items: list[PlanItemOut]
    unplanned_activities: list[UnplannedOut]


class ScheduleEntryOut(Response):
    source: str = Field(description="activity (published) or plan (planned only)")
    id: UUID = Field(description="The activity's id, or the plan item's.")
    title: str
    day: date
    start_time: str | None
    end_time: str | None
    team_name: str | None
    category: str
    category_label: str = Field(description="The category's Chinese name")
    place: str
    state: str = Field(
        description="An activity's: published or closed; a planned item's: "
        "planned, or not_held once its day has passed with no activity for it."
    )


class PublicUnitOut(Response):
    id: UUID
    name: str
    kind: str
    parent_id: UUID | None
    fixed_day: str | None = Field(description="固定活动日: 每月5日, 每周六; or none")


class ScheduleOut(Response):
    unit_id: UUID
    unit_name: str
    month: str = Field(description="The month shown, 2026-12")
    fixed_day: str | None = Field(description="固定活动日: 每月5日, 每周六; or none")
    entries: list[ScheduleEntryOut]
