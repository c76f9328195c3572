"""Team activities: publish, sign up, check in and out, close."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    check_reads_unit,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.activities import (
    ActivityIn,
    ActivityOut,
    ActivityWritten,
    ActivityYear,
    AttendIn,
    SignUpIn,
)
from api.schemas.common import ReasonIn
from application.activities import (
    Attend,
    CancelActivity,
    CloseActivity,
    PublishActivity,
    SignUp,
)
from application.services import Container
from domain.access import Actor, Role
from domain.activity import ActivityState
from domain.errors import OutOfScope

router = APIRouter(prefix="/v1", tags=["activities"])
ACTIVITIES_PER_YEAR = 12  # seed 003: every team holds at least 12 a year


@router.post("/activities", status_code=201, response_model=ActivityWritten)
def publish_activity(
    body: ActivityIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> ActivityWritten:
    """A coordinator in scope publishes an activity of a team. The response carries
    the six-digit check-in code volunteers use on site."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = PublishActivity(**dict(body))
    outcome = container.commands.run(container.activities.publish, command, actor, key)
    return written(ActivityWritten, outcome, response)


@router.post(
    "/activities/{activity_id}/signups", status_code=201, response_model=ActivityWritten
)
def sign_up(
    activity_id: UUID,
    body: SignUpIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ActivityWritten:
    """Refused when full, when the volunteer is inactive, or when it overlaps
    another of the volunteer's sign-ups."""
    command = SignUp(activity_id, body.volunteer_id)
    outcome = container.commands.run(container.activities.sign_up, command, actor)
    return written(ActivityWritten, outcome, response)


@router.post("/activities/{activity_id}/checkins", response_model=ActivityWritten)
def check_in(
    activity_id: UUID,
    body: AttendIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ActivityWritten:
    """Marks the volunteer present: the volunteer itself with the activity's code
    while it runs, or a coordinator naming the volunteer (and the time)."""
    attend = Attend(activity_id, body.volunteer_id, body.code, body.at)
    outcome = container.commands.run(container.activities.check_in, attend, actor)
    return written(ActivityWritten, outcome, response)


@router.post("/activities/{activity_id}/checkouts", response_model=ActivityWritten)
def check_out(
    activity_id: UUID,
    body: AttendIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ActivityWritten:
    """Marks the volunteer leaving, as for check-in; closing counts hours up to it."""
    attend = Attend(activity_id, body.volunteer_id, body.code, body.at)
    outcome = container.commands.run(container.activities.check_out, attend, actor)
    return written(ActivityWritten, outcome, response)


@router.post("/activities/{activity_id}/close", response_model=ActivityWritten)
def close_activity(
    activity_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> ActivityWritten:
    """Records an hours entry for each attendee (check-in to check-out, or to the
    end) under the rules in force; those who never checked in are no-shows."""
    outcome = container.commands.run(
        container.activities.close, CloseActivity(activity_id), actor
    )
    return written(ActivityWritten, outcome, response)


@router.post("/activities/{activity_id}/cancel", response_model=ActivityWritten)
def cancel_activity(
    activity_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ActivityWritten:
    """Cancels a published activity with a reason and releases its sign-ups."""
    outcome = container.commands.run(
        container.activities.cancel, CancelActivity(activity_id, body.reason), actor
    )
    return written(ActivityWritten, outcome, response)


@router.get(
    "/activities/{activity_id}", response_model=ActivityOut, dependencies=[ReadAfter]
)
def get_activity(
    activity_id: UUID, container: ContainerDep, actor: ActorDep
) -> ActivityOut:
    """One activity: staff in scope also see its code and everyone's attendance."""
    row = container.reads.activity(activity_id)
    if row is None:
        raise ApiProblem(
            404, "activity_exists", "Not found", f"no activity {activity_id}"
        )
    return _activities_out(container, actor, [row])[0]


@router.get("/activities", response_model=list[ActivityOut], dependencies=[ReadAfter])
def list_activities(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: UUID | None = None,
    team_id: UUID | None = None,
    state: ActivityState | None = None,
    kind: Annotated[
        str | None,
        Query(description="Only this kind: training (集中培训), theory_talk, …"),
    ] = None,
) -> list[ActivityOut]:
    """Published activities are public to every token, so volunteers can find them;
    `kind=training` lists a unit's trainings."""
    rows = container.reads.activities(
        unit_id, team_id, state.value if state else None, page.limit, page.offset, kind
    )
    return _activities_out(container, actor, rows)


def _is_staff_for(container: Container, actor: Actor, unit_id: UUID) -> bool:
    if actor.role not in (Role.ADMIN, Role.AUDITOR, Role.COORDINATOR):
        return False
    try:
        check_reads_unit(container, actor, unit_id)
    except OutOfScope:
        return False
    return True


def _activities_out(
    container: Container, actor: Actor, rows: list[dict[str, Any]]
) -> list[ActivityOut]:
    """One attendance query for the page, one scope check per unit: staff in scope
    see the code and everyone's attendance, others their own row."""
    attendance = container.reads.attendance([row["id"] for row in rows])
    staff_for = {
        u: _is_staff_for(container, actor, u) for u in {r["unit_id"] for r in rows}
    }
    out = []
    for row in rows:
        staff = staff_for[row["unit_id"]]
        shown = attendance[row["id"]]
        if not staff:
            shown = [a for a in shown if actor.is_self(a["volunteer_id"])]
        out.append(
            ActivityOut.model_validate(
                {
                    **row,
                    "checkin_code": row["checkin_code"] if staff else None,
                    "attendance": shown,
                }
            )
        )
    return out


@router.get(
    "/teams/{team_id}/activity-counts",
    response_model=list[ActivityYear],
    dependencies=[ReadAfter],
)
def team_activity_counts(
    team_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[ActivityYear]:
    """Closed activities per year against the standard of 12 a year (seed 003)."""
    if container.reads.team(team_id) is None:
        raise ApiProblem(404, "team_exists", "Not found", f"no team {team_id}")
    return [
        ActivityYear(
            year=r["year"],
            closed=r["closed"],
            meets_standard=r["closed"] >= ACTIVITIES_PER_YEAR,
        )
        for r in container.reads.team_activity_years(team_id)
    ]
