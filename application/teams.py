"""Teams and their rosters (队伍名册): registering a team, applications, approvals,
additions, departures, the leader and the contact phone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor, Role
from domain.errors import Forbidden, TeamNotFound
from domain.organisation import Team, TeamAffiliation, Unit
from domain.reference import CHINA_TIME
from domain.volunteer import Volunteer
from infra.vault import Vault


@dataclass(frozen=True)
class RegisterTeam:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "team_id"
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None = None
    team_id: UUID | None = None
    affiliation: TeamAffiliation = TeamAffiliation.UNIT
    department: str | None = None
    #: The day it was founded (China time); None: today.
    founded_on: date | None = None


@dataclass(frozen=True)
class ApplyToTeam:
    team_id: UUID
    volunteer_id: UUID | None = None


@dataclass(frozen=True)
class DecideApplication:
    team_id: UUID
    volunteer_id: UUID
    approve: bool
    reason: str = ""


@dataclass(frozen=True)
class AddMember:
    team_id: UUID
    volunteer_id: UUID


@dataclass(frozen=True)
class PartFromTeam:
    """The member itself leaves; a coordinator in scope removes it."""

    team_id: UUID
    volunteer_id: UUID
    reason: str


@dataclass(frozen=True)
class AppointLeader:
    team_id: UUID
    volunteer_id: UUID


@dataclass(frozen=True)
class SetTeamContact:
    team_id: UUID
    phone: str


@dataclass(frozen=True)
class TeamRegistered:
    id: UUID
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None
    affiliation: TeamAffiliation
    department: str | None
    #: None in a response kept before teams had a founding day.
    founded_on: date | None = None


@dataclass(frozen=True)
class MembershipChanged:
    team_id: UUID
    volunteer_id: UUID
    status: Literal["applied", "member", "refused", "left", "removed"]
    members: int


@dataclass(frozen=True)
class TeamLead:
    team_id: UUID
    leader_id: UUID | None
    phone_masked: str | None


class Teams:
    def __init__(self, aggregates: Aggregates, vault: Vault, clock: Clock) -> None:
        self.aggregates = aggregates
        self.vault = vault
        self.clock = clock

    def register(self, cmd: RegisterTeam, actor: Actor) -> Decision[TeamRegistered]:
        actor.check_manages(self.aggregates.named_unit(cmd.unit_id))
        today = self.clock.now().astimezone(CHINA_TIME).date()
        team = Team.register(
            cmd.team_id or uuid4(),
            cmd.name,
            cmd.unit_id,
            cmd.service_type,
            cmd.service_type_name,
            actor.label,
            cmd.founded_on or today,
            today,
            cmd.affiliation,
            cmd.department,
        )
        return Decision(
            [team],
            TeamRegistered(
                team.id,
                team.name,
                team.unit_id,
                team.service_type,
                team.service_type_name,
                team.affiliation,
                team.department,
                team.founded_on,
            ),
        )

    def apply(self, cmd: ApplyToTeam, actor: Actor) -> Decision[MembershipChanged]:
        """A volunteer applies for itself; a coordinator of the team decides."""
        actor.check_role(Role.VOLUNTEER)
        if cmd.volunteer_id not in (None, actor.volunteer_id) or not actor.volunteer_id:
            raise Forbidden("a volunteer applies only for itself")
        team = self._team(cmd.team_id)
        self._serving(actor.volunteer_id)
        team.apply(actor.volunteer_id, actor.label)
        return self._changed(team, actor.volunteer_id, "applied")

    def decide(
        self, cmd: DecideApplication, actor: Actor
    ) -> Decision[MembershipChanged]:
        team = self._managed(cmd.team_id, actor)
        if not cmd.approve:
            team.refuse(cmd.volunteer_id, cmd.reason, actor.label)
            return self._changed(team, cmd.volunteer_id, "refused")
        team.pending_application(cmd.volunteer_id)
        self._serving(cmd.volunteer_id)
        team.approve(cmd.volunteer_id, actor.label)
        return self._changed(team, cmd.volunteer_id, "member")

    def add(self, cmd: AddMember, actor: Actor) -> Decision[MembershipChanged]:
        team = self._managed(cmd.team_id, actor)
        self._serving(cmd.volunteer_id, field="volunteer_id")
        team.add(cmd.volunteer_id, actor.label)
        return self._changed(team, cmd.volunteer_id, "member")

    def part(self, cmd: PartFromTeam, actor: Actor) -> Decision[MembershipChanged]:
        team = self._team(cmd.team_id)
        leaving = actor.is_self(cmd.volunteer_id)
        if not leaving:
            actor.check_manages(self.aggregates.unit(team.unit_id))
        team.part(cmd.volunteer_id, cmd.reason, not leaving, actor.label)
        return self._changed(team, cmd.volunteer_id, "left" if leaving else "removed")

    def appoint_leader(self, cmd: AppointLeader, actor: Actor) -> Decision[TeamLead]:
        team = self._managed(cmd.team_id, actor)
        team.appoint_leader(cmd.volunteer_id, actor.label)
        return Decision([team], TeamLead(team.id, team.leader_id, team.phone_masked))

    def set_contact(self, cmd: SetTeamContact, actor: Actor) -> Decision[TeamLead]:
        """The clear number goes to the vault in the same transaction as the event
        that records its mask."""
        team = self._managed(cmd.team_id, actor)
        changed = team.set_contact(cmd.phone, actor.label)
        side_writes = [self.vault.store_contact(team.id, cmd.phone)] if changed else []
        return Decision(
            [team], TeamLead(team.id, team.leader_id, team.phone_masked), side_writes
        )

    # -- helpers -------------------------------------------------------------------

    def _team(self, team_id: UUID) -> Team:
        return self.aggregates.get(Team, team_id, TeamNotFound)

    def _managed(self, team_id: UUID, actor: Actor) -> Team:
        team = self._team(team_id)
        actor.check_manages(self.aggregates.unit(team.unit_id))
        return team

    def _serving(self, volunteer_id: UUID, field: str = "volunteer_id") -> Volunteer:
        """Only an active volunteer joins a team."""
        volunteer = self.aggregates.named(Volunteer, volunteer_id, field)
        volunteer.check_active()
        return volunteer

    @staticmethod
    def _changed(
        team: Team,
        volunteer_id: UUID,
        status: Literal["applied", "member", "refused", "left", "removed"],
    ) -> Decision[MembershipChanged]:
        return Decision(
            [team],
            MembershipChanged(team.id, volunteer_id, status, len(team.members)),
        )


def check_teams_in_unit(
    aggregates: Aggregates, unit: Unit, team_ids: Iterable[UUID], field: str
) -> None:
    """Teams named in a request exist and belong to `unit` or a unit below it."""
    distinct = list(dict.fromkeys(team_ids))
    loaded = aggregates.load(*distinct)
    teams = {t: aggregates.named(Team, t, field, loaded).unit_id for t in distinct}
    aggregates.check_below(unit, teams, field, "team", "this unit or a unit below it")
