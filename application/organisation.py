"""Units (with their area kind and yearly population) and the points policy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor, Role
from domain.errors import SingleCenter
from domain.organisation import AreaKind, Unit, UnitKind
from domain.policy import RoundingRule, check_points_per_hour
from infra import claims


@dataclass(frozen=True)
class RegisterUnit:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "unit_id"
    name: str
    kind: UnitKind
    parent_id: UUID | None = None
    population: int | None = None
    unit_id: UUID | None = None
    area_kind: AreaKind | None = None


@dataclass(frozen=True)
class SetAreaKind:
    unit_id: UUID
    area_kind: AreaKind


@dataclass(frozen=True)
class RecordPopulation:
    unit_id: UUID
    year: int
    population: int


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
    area_kind: AreaKind | None = None


@dataclass(frozen=True)
class UnitProfile:
    id: UUID
    area_kind: AreaKind | None
    #: Resident population by year.
    populations: dict[int, int]

    @classmethod
    def of(cls, unit: Unit) -> UnitProfile:
        return cls(unit.id, unit.area_kind, dict(sorted(unit.populations.items())))


@dataclass(frozen=True)
class PolicyChanged:
    version: int
    points_per_hour: Decimal
    rounding: RoundingRule


class Organisation:
    def __init__(self, aggregates: Aggregates, clock: Clock) -> None:
        self.aggregates = aggregates
        self.clock = clock

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
            cmd.area_kind,
        )
        registered = UnitRegistered(
            unit.id,
            unit.name,
            unit.kind,
            unit.parent_id,
            unit.population,
            unit.area_kind,
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

    def set_area_kind(self, cmd: SetAreaKind, actor: Actor) -> Decision[UnitProfile]:
        unit = self.aggregates.unit(cmd.unit_id)
        actor.check_manages(unit)
        unit.set_area_kind(cmd.area_kind, actor.label)
        return Decision([unit], UnitProfile.of(unit))

    def record_population(
        self, cmd: RecordPopulation, actor: Actor
    ) -> Decision[UnitProfile]:
        """The resident population of a year (the 15 % target's denominator)."""
        unit = self.aggregates.unit(cmd.unit_id)
        actor.check_manages(unit)
        unit.record_population(cmd.year, cmd.population, self.clock.now(), actor.label)
        return Decision([unit], UnitProfile.of(unit))

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
