"""Organisation tree (centre -> institute -> station) and volunteer teams."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import InvalidInput
from domain.reference import OTHER_TEAM_TYPE, TEAM_TYPE_CODES

MAX_POPULATION = 100_000_000


class UnitKind(StrEnum):
    CENTER = "center"
    INSTITUTE = "institute"
    STATION = "station"


#: The kind of parent each kind of unit must have (None: it is the root).
PARENT_KIND: dict[UnitKind, UnitKind | None] = {
    UnitKind.CENTER: None,
    UnitKind.INSTITUTE: UnitKind.CENTER,
    UnitKind.STATION: UnitKind.INSTITUTE,
}


def check_parent(kind: UnitKind, parent_kind: UnitKind | None) -> None:
    expected = PARENT_KIND[kind]
    if expected is None and parent_kind is not None:
        raise InvalidInput(
            "parent_id", "center_has_no_parent", "a center has no parent"
        )
    if expected is not None and parent_kind != expected:
        raise InvalidInput(
            "parent_id",
            "parent_kind",
            f"the parent of a {kind.value} must be a {expected.value}",
        )


def check_unit_name(name: str) -> None:
    if not name.strip():
        raise InvalidInput("name", "name_required", "must not be blank")
    if len(name) > 100:
        raise InvalidInput("name", "name_length", "must be at most 100 characters")


def check_is_station(unit: Unit, why: str) -> None:
    """Kiosks, goods and service orders belong to stations (站), not to the centre
    or an institute above them."""
    if unit.kind is not UnitKind.STATION:
        raise InvalidInput(
            "station_id", "unit_is_station", f"{why}; {unit.id} is a {unit.kind}"
        )


class Unit(CopiedCheaply, Aggregate):
    """A centre, institute or station. `lineage` lists ancestors, root first."""

    @staticmethod
    def create_id(unit_id: UUID, **_: Any) -> UUID:
        return unit_id

    @event("Registered")
    def __init__(
        self,
        unit_id: UUID,
        name: str,
        kind: str,
        parent_id: UUID | None,
        lineage: list[UUID],
        population: int | None,
        actor: str,
    ) -> None:
        self.name = name
        self.kind = UnitKind(kind)
        self.parent_id = parent_id
        self.lineage = list(lineage)
        self.population = population

    @classmethod
    def register(
        cls,
        unit_id: UUID,
        name: str,
        kind: UnitKind,
        parent: Unit | None,
        population: int | None,
        actor: str,
    ) -> Unit:
        check_unit_name(name)
        check_parent(kind, parent.kind if parent else None)
        if population is not None and not 0 <= population <= MAX_POPULATION:
            raise InvalidInput(
                "population", "population_range", f"must be 0 to {MAX_POPULATION}"
            )
        lineage = [*parent.lineage, parent.id] if parent else []
        return cls(
            unit_id=unit_id,
            name=name.strip(),
            kind=kind.value,
            parent_id=parent.id if parent else None,
            lineage=lineage,
            population=population,
            actor=actor,
        )

    def covers(self, unit: Unit) -> bool:
        """True when `unit` is this unit or one of its descendants."""
        return unit.id == self.id or self.id in unit.lineage


def check_service_type(service_type: str, service_type_name: str | None) -> None:
    if service_type == OTHER_TEAM_TYPE:
        if not (service_type_name and service_type_name.strip()):
            raise InvalidInput(
                "service_type_name",
                "service_type_name_required",
                "a team of type 'other' needs service_type_name",
            )
        return
    if service_type not in TEAM_TYPE_CODES:
        raise InvalidInput(
            "service_type",
            "service_type_known",
            "must be one of the 17 team type codes (GET /v1/reference) or 'other'",
        )


class Team(CopiedCheaply, Aggregate):
    """A volunteer team (志愿服务队) belonging to one unit."""

    @staticmethod
    def create_id(team_id: UUID, **_: Any) -> UUID:
        return team_id

    @event("Registered")
    def __init__(
        self,
        team_id: UUID,
        name: str,
        unit_id: UUID,
        service_type: str,
        service_type_name: str | None,
        actor: str,
    ) -> None:
        self.name = name
        self.unit_id = unit_id
        self.service_type = service_type
        self.service_type_name = service_type_name

    @classmethod
    def register(
        cls,
        team_id: UUID,
        name: str,
        unit_id: UUID,
        service_type: str,
        service_type_name: str | None,
        actor: str,
    ) -> Team:
        check_unit_name(name)
        check_service_type(service_type, service_type_name)
        return cls(
            team_id=team_id,
            name=name.strip(),
            unit_id=unit_id,
            service_type=service_type,
            service_type_name=service_type_name.strip() if service_type_name else None,
            actor=actor,
        )
