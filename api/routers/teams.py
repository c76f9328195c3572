"""Teams and their rosters (队伍名册): registration, listing, a team's page, the
roster now or as of an instant, applications, additions, departures, the leader
and the contact phone."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import (
    ActorDep,
    AsOf,
    ContainerDep,
    IdempotencyHeader,
    ReadAfter,
    check_reads_unit,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.routers.volunteers import readable_volunteer
from api.schemas.common import ReasonIn
from api.schemas.teams import (
    ApplicationIn,
    ApplicationOut,
    ContactIn,
    MemberOut,
    MembershipOut,
    Roster,
    TeamCreated,
    TeamDetail,
    TeamIn,
    TeamLeadOut,
    TeamOut,
    VolunteerIdIn,
    VolunteerTeamOut,
)
from application.services import Container
from application.teams import (
    AddMember,
    ApplyToTeam,
    AppointLeader,
    DecideApplication,
    PartFromTeam,
    RegisterTeam,
    SetTeamContact,
)
from domain.access import Actor, Role
from domain.instants import year_of

router = APIRouter(prefix="/v1", tags=["teams"])


def _team_row(container: Container, team_id: UUID) -> dict[str, Any]:
    team = container.reads.team(team_id)
    if team is None:
        raise ApiProblem(404, "team_exists", "Not found", f"no team {team_id}")
    return team


def _staff_reads_team(
    container: Container, actor: Actor, team_id: UUID
) -> dict[str, Any]:
    team = _team_row(container, team_id)
    check_reads_unit(container, actor, team["unit_id"])
    return team


@router.post("/teams", status_code=201, response_model=TeamCreated)
def create_team(
    body: TeamIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> TeamCreated:
    """A team of one of the 17 standard types (or a named other type) at a unit
    in scope, with its place in the general brigade and the day it was founded
    (recorded later than that, it may be back-dated: 422 `instant_in_range`
    before 2000 or after today)."""
    command = RegisterTeam(
        body.name,
        body.unit_id,
        body.service_type,
        body.service_type_name,
        affiliation=body.affiliation,
        department=body.department,
        founded_on=body.founded_on,
    )
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.teams.register, command, actor, key)
    return written(TeamCreated, outcome, response)


@router.get("/teams", response_model=list[TeamOut], dependencies=[ReadAfter])
def list_teams(
    container: ContainerDep,
    actor: ActorDep,
    unit_id: Annotated[UUID, Query(description="The unit whose teams to list.")],
) -> list[TeamOut]:
    """The teams of one unit (not those of the units below it)."""
    if container.reads.unit(unit_id) is None:
        raise ApiProblem(422, "unit_exists", "Invalid input", f"no unit {unit_id}")
    return [TeamOut.model_validate(t) for t in container.reads.teams(unit_id)]


@router.get("/teams/{team_id}", response_model=TeamDetail, dependencies=[ReadAfter])
def get_team(team_id: UUID, container: ContainerDep, actor: ActorDep) -> TeamDetail:
    """A team's page: its unit, type, leader, contact, members, and this year's
    closed activities and hours."""
    team = _team_row(container, team_id)
    year = year_of(container.clock.now())
    this_year = container.reads.team_year(team_id, year)
    phone = team["phone_masked"]
    if phone is not None and _staff_in_scope(container, actor, team["unit_id"]):
        phone = container.vault.contact(team_id) or phone
    return TeamDetail.model_validate(
        {
            **team,
            "phone": phone,
            "year": year,
            "activities_this_year": this_year["activities"],
            "hours_this_year": this_year["hours"],
        }
    )


def _staff_in_scope(container: Container, actor: Actor, unit_id: UUID) -> bool:
    if actor.role not in (Role.ADMIN, Role.COORDINATOR):
        return False
    unit = container.reads.unit(unit_id)
    return actor.covers_lineage(unit_id, unit["lineage"] if unit else [])


@router.get("/teams/{team_id}/members", response_model=Roster, dependencies=[ReadAfter])
def get_roster(
    team_id: UUID, container: ContainerDep, actor: ActorDep, as_of: AsOf = None
) -> Roster:
    """The roster: members now, or as of an instant (joined by then, not yet
    left)."""
    team = _staff_reads_team(container, actor, team_id)
    rows = container.reads.roster(team_id, as_of)
    leader = team["leader_id"]
    return Roster(
        team_id=team_id,
        as_of=as_of,
        leader_id=leader,
        members=[
            MemberOut.model_validate({**r, "is_leader": r["volunteer_id"] == leader})
            for r in rows
        ],
    )


@router.get(
    "/teams/{team_id}/applications",
    response_model=list[ApplicationOut],
    dependencies=[ReadAfter],
)
def list_applications(
    team_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[ApplicationOut]:
    """Applications waiting for a decision, oldest first."""
    _staff_reads_team(container, actor, team_id)
    return [
        ApplicationOut.model_validate(a)
        for a in container.reads.team_applications(team_id)
    ]


@router.post(
    "/teams/{team_id}/applications", status_code=201, response_model=MembershipOut
)
def apply_to_team(
    team_id: UUID,
    body: ApplicationIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> MembershipOut:
    """A volunteer applies to join; a coordinator of the team decides."""
    command = ApplyToTeam(team_id, body.volunteer_id)
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.teams.apply, command, actor, key)
    return written(MembershipOut, outcome, response)


@router.post(
    "/teams/{team_id}/applications/{volunteer_id}/approval",
    response_model=MembershipOut,
)
def approve_application(
    team_id: UUID,
    volunteer_id: UUID,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> MembershipOut:
    """The applicant becomes a member."""
    command = DecideApplication(team_id, volunteer_id, approve=True)
    key = scoped_key(actor, request, idempotency_key)
    outcome = container.commands.run(container.teams.decide, command, actor, key)
    return written(MembershipOut, outcome, response)


@router.post(
    "/teams/{team_id}/applications/{volunteer_id}/refusal",
    response_model=MembershipOut,
)
def refuse_application(
    team_id: UUID,
    volunteer_id: UUID,
    body: ReasonIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> MembershipOut:
    """The application is refused, with a reason."""
    command = DecideApplication(team_id, volunteer_id, False, body.reason)
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.teams.decide, command, actor, key)
    return written(MembershipOut, outcome, response)


@router.post("/teams/{team_id}/members", status_code=201, response_model=MembershipOut)
def add_member(
    team_id: UUID,
    body: VolunteerIdIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> MembershipOut:
    """A coordinator in scope adds an active volunteer (from any unit)."""
    command = AddMember(team_id, body.volunteer_id)
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.teams.add, command, actor, key)
    return written(MembershipOut, outcome, response)


@router.post(
    "/teams/{team_id}/members/{volunteer_id}/departure",
    response_model=MembershipOut,
)
def part_from_team(
    team_id: UUID,
    volunteer_id: UUID,
    body: ReasonIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> MembershipOut:
    """The member leaves (a volunteer for itself) or a coordinator in scope
    removes it; a reason is required either way, and the roster keeps both."""
    command = PartFromTeam(team_id, volunteer_id, body.reason)
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.teams.part, command, actor, key)
    return written(MembershipOut, outcome, response)


@router.put("/teams/{team_id}/leader", response_model=TeamLeadOut)
def appoint_leader(
    team_id: UUID,
    body: VolunteerIdIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> TeamLeadOut:
    """A member leads the team (队长); appointing the leader again changes nothing."""
    command = AppointLeader(team_id, body.volunteer_id)
    outcome = container.commands.run(container.teams.appoint_leader, command, actor)
    return written(TeamLeadOut, outcome, response)


@router.put("/teams/{team_id}/contact", response_model=TeamLeadOut)
def set_contact(
    team_id: UUID,
    body: ContactIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> TeamLeadOut:
    """The team's contact phone: kept in the encrypted vault, masked elsewhere."""
    command = SetTeamContact(team_id, body.phone)
    outcome = container.commands.run(container.teams.set_contact, command, actor)
    return written(TeamLeadOut, outcome, response)


@router.get(
    "/volunteers/{volunteer_id}/teams",
    response_model=list[VolunteerTeamOut],
    dependencies=[ReadAfter],
)
def volunteer_teams(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[VolunteerTeamOut]:
    """The teams a volunteer is a member of now."""
    readable_volunteer(container, actor, volunteer_id)
    return [
        VolunteerTeamOut.model_validate(t)
        for t in container.reads.volunteer_teams(volunteer_id)
    ]
