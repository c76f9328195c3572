"""Units, teams and the points policy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID, uuid4

from application.aggregates import Aggregates
from application.executor import Decision
from domain.access import Actor, Role
from domain.errors import SingleCenter
from domain.organisation import Team, Unit, UnitKind
from domain.policy import RoundingRule, check_points_per_hour
from infra import claims


@dataclass(frozen=True)
class RegisterUnit:
    name: str
    kind: UnitKind
    parent_id: UUID | None = None
    population: int | None = None
    unit_id: UUID | None = None


@dataclass(frozen=True)
class RegisterTeam:
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None = None
    team_id: UUID | None = None


@dataclass(frozen=True)
class ChangePolicy:
    points_per_hour: Decimal
    rounding: RoundingRule


@dataclass(frozen=True)
class UnitRegistered:
    id: UUID
    name: str
    kind: UnitKind
    parent_id: UUID | None
    population: int | None


@dataclass(frozen=True)
class TeamRegistered:
    id: UUID
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None


@dataclass(frozen=True)
class PolicyChanged:
    version: int
    points_per_hour: Decimal
    rounding: RoundingRule


class Organisation:
    def __init__(self, aggregates: Aggregates) -> None:
        self.aggregates = aggregates

    def register_unit(
        self, cmd: RegisterUnit, actor: Actor
    ) -> Decision[UnitRegistered]:
        """Admins register the center; staff in scope register units below theirs.
        The district has one center (a claim beside the ledger keeps it so)."""
        parent = (
            self.aggregates.named_unit(cmd.parent_id, "parent_id")
            if cmd.parent_id
            else None
        )
        if parent is None:
            actor.check_role(Role.ADMIN)
        else:
            actor.check_manages(parent)
        unit = Unit.register(
            cmd.unit_id or uuid4(),
            cmd.name,
            cmd.kind,
            parent,
            cmd.population,
            actor.label,
        )
        registered = UnitRegistered(
            unit.id, unit.name, unit.kind, unit.parent_id, unit.population
        )
        if unit.kind is not UnitKind.CENTER:
            return Decision([unit], registered)
        return Decision(
            [unit],
            registered,
            [claims.claim("center", b"center", unit.id)],
            claim_conflict=SingleCenter(
                "the district already has a center", field="kind"
            ),
        )

    def register_team(
        self, cmd: RegisterTeam, actor: Actor
    ) -> Decision[TeamRegistered]:
        actor.check_manages(self.aggregates.named_unit(cmd.unit_id))
        team = Team.register(
            cmd.team_id or uuid4(),
            cmd.name,
            cmd.unit_id,
            cmd.service_type,
            cmd.service_type_name,
            actor.label,
        )
        return Decision(
            [team],
            TeamRegistered(
                team.id,
                team.name,
                team.unit_id,
                team.service_type,
                team.service_type_name,
            ),
        )

    def change_policy(self, cmd: ChangePolicy, actor: Actor) -> Decision[PolicyChanged]:
        actor.check_role(Role.ADMIN)
        check_points_per_hour(cmd.points_per_hour)
        policy = self.aggregates.policy()
        policy.change(cmd.points_per_hour, cmd.rounding, actor.label)
        return Decision(
            [policy],
            PolicyChanged(
                policy.terms_version, policy.points_per_hour, policy.rounding
            ),
        )
