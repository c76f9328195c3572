"""Activity plans (年度、月度活动计划), the fixed activity day, plan against what was
held, and each station's public monthly schedule (JSON and iCalendar)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from api.calendar_feed import schedule_calendar
from api.deps import ActorDep, ContainerDep, ReadAfter, check_reads_unit
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.plans import (
    FixedDayIn,
    FixedDayWritten,
    PlanIn,
    PlanOut,
    PlanReportOut,
    PlanWritten,
    PublicUnitOut,
    ScheduleOut,
)
from application.plans import SavePlan, SetFixedDay
from application.services import Container
from domain.access import Actor
from domain.errors import InvalidInput
from domain.plan import FixedDay, FixedDayKind, Period, PlanKind
from domain.reference import CHINA_TIME, SERVICE_CATEGORIES

router = APIRouter(prefix="/v1", tags=["plans and schedule"])
CATEGORY_LABELS = {c.code: c.label for c in SERVICE_CATEGORIES}
#: Months an .ics feed without `month` carries: this one and the next two.
FEED_MONTHS = 3
PeriodPath = Annotated[
    str, Path(description="A year (2026: the annual plan) or a month (2026-12).")
]
MonthQuery = Annotated[
    str | None,
    Query(description="The month, 2026-12; default: this month (China time)."),
]


@router.put("/units/{unit_id}/plans/{period}", response_model=PlanWritten)
def save_plan(
    unit_id: UUID,
    period: PeriodPath,
    body: PlanIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> PlanWritten:
    """Saves the unit's annual (`2026`) or monthly (`2026-12`) plan as a whole;
    each save is a new version, and the log keeps every one."""
    command = SavePlan(unit_id, period, tuple(i.planned() for i in body.items))
    outcome = container.commands.run(container.plans.save, command, actor)
    return written(PlanWritten, outcome, response)


@router.get(
    "/units/{unit_id}/plans/{period}", response_model=PlanOut, dependencies=[ReadAfter]
)
def get_plan(
    unit_id: UUID, period: PeriodPath, container: ContainerDep, actor: ActorDep
) -> PlanOut:
    """The plan's latest version, each item with the activity that held it."""
    plan = _plan(container, actor, unit_id, period)
    items = container.programme.plan_items(unit_id, plan["period"])
    return PlanOut.model_validate({**plan, "items": items})


@router.get(
    "/units/{unit_id}/plans/{period}/report",
    response_model=PlanReportOut,
    dependencies=[ReadAfter],
)
def plan_report(
    unit_id: UUID, period: PeriodPath, container: ContainerDep, actor: ActorDep
) -> PlanReportOut:
    """计划与执行: the planned activities a closed activity of the same team held
    that day, those not held, and closed activities the plan did not list."""
    plan = _plan(container, actor, unit_id, period)
    parsed = Period.parse(plan["period"])
    items = container.programme.plan_items(unit_id, plan["period"])
    unplanned = container.programme.unplanned(
        unit_id, plan["period"], parsed.first_day, parsed.last_day
    )
    held = sum(1 for i in items if i["activity_id"] is not None)
    return PlanReportOut.model_validate(
        {
            "unit_id": unit_id,
            "period": plan["period"],
            "planned": len(items),
            "held_as_planned": held,
            "not_held": len(items) - held,
            "unplanned": len(unplanned),
            "share_held": round(held / len(items), 4) if items else None,
            "items": items,
            "unplanned_activities": unplanned,
        }
    )


@router.put("/units/{unit_id}/fixed-activity-day", response_model=FixedDayWritten)
def set_fixed_day(
    unit_id: UUID,
    body: FixedDayIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> FixedDayWritten:
    """固定活动日: a day of each month (1-28) or a weekday (1 = Monday)."""
    command = SetFixedDay(unit_id, body.kind, body.day)
    outcome = container.commands.run(container.plans.set_fixed_day, command, actor)
    return written(FixedDayWritten, outcome, response)


@router.get("/public/units", response_model=list[PublicUnitOut])
def public_units(container: ContainerDep) -> list[PublicUnitOut]:
    """Every unit with its fixed activity day, for the public pages (no token)."""
    return [
        PublicUnitOut.model_validate({**u, "fixed_day": _fixed_label(u)})
        for u in container.programme.public_units()
    ]


@router.get(
    "/public/units/{unit_id}/schedule",
    response_model=ScheduleOut,
    dependencies=[ReadAfter],
)
def public_schedule(
    unit_id: UUID, container: ContainerDep, month: MonthQuery = None
) -> ScheduleOut:
    """公布每月活动的时间安排表: the unit's activities of the month and the planned
    ones not yet published, with times, places and teams; nobody's name."""
    unit = _public_unit(container, unit_id)
    shown = _month(container, month)
    entries = _entries(container, unit_id, shown.first_day, shown.last_day)
    return ScheduleOut.model_validate(
        {
            "unit_id": unit_id,
            "unit_name": unit["name"],
            "month": str(shown),
            "fixed_day": _fixed_label(unit),
            "entries": entries,
        }
    )


@router.get(
    "/public/units/{unit_id}/schedule.ics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/calendar": {}},
            "description": "An iCalendar feed a phone's calendar subscribes to.",
        }
    },
)
def public_schedule_feed(
    unit_id: UUID, container: ContainerDep, month: MonthQuery = None
) -> Response:
    """The schedule as iCalendar: the month asked for, or this month and the next
    two, for a calendar subscription."""
    unit = _public_unit(container, unit_id)
    first = _month(container, month)
    last = first if month is not None else _months_after(first, FEED_MONTHS - 1)
    entries = _entries(container, unit_id, first.first_day, last.last_day)
    body = schedule_calendar(unit["name"], entries, container.clock.now())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{unit_id}.ics"'},
    )


def _plan(
    container: Container, actor: Actor, unit_id: UUID, period: str
) -> dict[str, Any]:
    parsed = Period.parse(period)
    if container.reads.unit(unit_id) is None:
        raise ApiProblem(404, "unit_exists", "Not found", f"no unit {unit_id}")
    check_reads_unit(container, actor, unit_id)
    plan = container.programme.plan(unit_id, str(parsed))
    if plan is None:
        raise ApiProblem(
            404, "plan_exists", "Not found", f"no plan of {unit_id} for {parsed}"
        )
    return plan


#: A planned item's state once its day has passed with no activity standing for it.
NOT_HELD = "not_held"


def _public_unit(container: Container, unit_id: UUID) -> dict[str, Any]:
    unit = container.reads.unit(unit_id)
    if unit is None:
        raise ApiProblem(404, "unit_exists", "Not found", f"no unit {unit_id}")
    return unit


def _month(container: Container, month: str | None) -> Period:
    if month is None:
        today = container.clock.now().astimezone(CHINA_TIME).date()
        return Period(today.year, today.month)
    shown = Period.parse(month, "month")
    if shown.kind is not PlanKind.MONTHLY:
        raise InvalidInput("month", "period_format", "a month such as 2026-12")
    return shown


def _months_after(period: Period, months: int) -> Period:
    index = period.year * 12 + (period.month or 1) - 1 + months
    return Period(index // 12, index % 12 + 1)


def _entries(
    container: Container, unit_id: UUID, first: date, last: date
) -> list[dict[str, Any]]:
    """The schedule's entries; a planned item whose day has passed with no
    activity for it was not held (it no longer reads as planned)."""
    today = container.clock.now().astimezone(CHINA_TIME).date()
    return [
        {
            **e,
            "category_label": CATEGORY_LABELS.get(e["category"], e["category"]),
            "state": NOT_HELD
            if e["source"] == "plan" and e["day"] < today
            else e["state"],
        }
        for e in container.programme.schedule(unit_id, first, last)
    ]


def _fixed_label(unit: dict[str, Any]) -> str | None:
    if unit.get("fixed_day_kind") is None:
        return None
    return FixedDay(FixedDayKind(unit["fixed_day_kind"]), unit["fixed_day"]).label
