"""Organisation tree (centre -> institute -> station) and volunteer teams."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import (
    AlreadyMember,
    ApplicationPending,
    InvalidInput,
    MembershipNotFound,
)
from domain.identity import check_phone, mask_phone, normalise_phone
from domain.instants import check_day, check_year, year_of
from domain.plan import FixedDay, FixedDayKind
from domain.reference import CHINA_TIME, OTHER_TEAM_TYPE, TEAM_TYPE_CODES
from domain.volunteer import check_reason

MAX_POPULATION = 100_000_000


class UnitKind(StrEnum):
    CENTER = "center"
    INSTITUTE = "institute"
    STATION = "station"


class AreaKind(StrEnum):
    """Seed 003 asks more theory talks of an urban community than of a village."""

    COMMUNITY = "community"  # 社区
    VILLAGE = "village"  # 农村


def check_population(population: int) -> None:
    if not 0 <= population <= MAX_POPULATION:
        raise InvalidInput(
            "population", "population_range", f"must be 0 to {MAX_POPULATION}"
        )


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
        area_kind: str | None = None,
    ) -> None:
        self.name = name
        self.kind = UnitKind(kind)
        self.parent_id = parent_id
        self.lineage = list(lineage)
        self.population = population
        self.area_kind = AreaKind(area_kind) if area_kind else None
        #: Resident population by year; the registration's figure is its year's.
        self.populations: dict[int, int] = {}
        self.fixed_day: FixedDay | None = None
        if population is not None:
            self.populations[year_of(self.created_on)] = population

    @classmethod
    def register(
        cls,
        unit_id: UUID,
        name: str,
        kind: UnitKind,
        parent: Unit | None,
        population: int | None,
        actor: str,
        area_kind: AreaKind | None = None,
    ) -> Unit:
        check_unit_name(name)
        check_parent(kind, parent.kind if parent else None)
        if population is not None:
            check_population(population)
        if area_kind is not None:
            check_has_area(kind)
        lineage = [*parent.lineage, parent.id] if parent else []
        return cls(
            unit_id=unit_id,
            name=name.strip(),
            kind=kind.value,
            parent_id=parent.id if parent else None,
            lineage=lineage,
            population=population,
            actor=actor,
            area_kind=area_kind.value if area_kind else None,
        )

    def covers(self, unit: Unit) -> bool:
        """True when `unit` is this unit or one of its descendants."""
        return unit.id == self.id or self.id in unit.lineage

    def set_area_kind(self, area_kind: AreaKind, actor: str) -> bool:
        """False when it already is that kind (nothing to record)."""
        check_has_area(self.kind)
        if self.area_kind is area_kind:
            return False
        self._area_kind_set(area_kind=area_kind.value, actor=actor)
        return True

    @event("AreaKindSet")
    def _area_kind_set(self, area_kind: str, actor: str) -> None:
        self.area_kind = AreaKind(area_kind)

    def record_population(
        self, year: int, population: int, now: datetime, actor: str
    ) -> bool:
        """The resident population (常驻人口) of a year; a new figure for the same
        year supersedes the old one. False when it is already that figure."""
        check_year("year", year, now)
        check_population(population)
        if self.populations.get(year) == population:
            return False
        self._population_recorded(year=year, population=population, actor=actor)
        return True

    @event("PopulationRecorded")
    def _population_recorded(self, year: int, population: int, actor: str) -> None:
        self.populations[year] = population

    def set_fixed_day(self, fixed: FixedDay, actor: str) -> bool:
        """The unit's fixed activity day (固定活动日); False when unchanged."""
        fixed.check()
        if self.fixed_day == fixed:
            return False
        self._fixed_day_set(kind=fixed.kind.value, day=fixed.day, actor=actor)
        return True

    @event("FixedActivityDaySet")
    def _fixed_day_set(self, kind: str, day: int, actor: str) -> None:
        self.fixed_day = FixedDay(FixedDayKind(kind), day)


def check_has_area(kind: UnitKind) -> None:
    if kind is UnitKind.CENTER:
        raise InvalidInput(
            "area_kind",
            "area_kind_below_center",
            "institutes and stations are a community or a village; the centre is not",
        )


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


class TeamAffiliation(StrEnum):
    """Where a team stands in the general brigade (志愿服务总队, seed 003 §三.2)."""

    BRIGADE = "brigade"  # the brigade's own team, at the centre
    DEPARTMENT = "department"  # a department's or a trade's team
    UNIT = "unit"  # an institute's or a station's own team


def check_affiliation(affiliation: TeamAffiliation, department: str | None) -> None:
    named = bool(department and department.strip())
    if affiliation is TeamAffiliation.DEPARTMENT and not named:
        raise InvalidInput(
            "department",
            "department_required",
            "a department team names its department",
        )
    if affiliation is not TeamAffiliation.DEPARTMENT and named:
        raise InvalidInput(
            "department", "department_only_for_department_teams", "give no department"
        )
    if named and department is not None and len(department.strip()) > 100:
        raise InvalidInput("department", "department_length", "at most 100 characters")


class Team(CopiedCheaply, Aggregate):
    """A volunteer team (志愿服务队) belonging to one unit, with its roster (队伍名册):
    volunteers apply and a coordinator approves or refuses, or a coordinator adds
    them; members leave or are removed, with a reason. One member leads."""

    @staticmethod
    def create_id(team_id: UUID, **_: Any) -> UUID:
        return team_id

    class Registered(Aggregate.Created):
        """A team on the register. `founded_on` is the day it was founded (China
        time), which may be before it was recorded: it owes activities from
        that month on, and only those held since count."""

        class_version = 2
        team_id: UUID
        name: str
        unit_id: UUID
        service_type: str
        service_type_name: str | None
        actor: str
        affiliation: str
        department: str | None
        founded_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 teams could only be registered on the day they were
            founded: the day of the event (China time). The earliest of them
            had no place in the brigade yet: a unit's own team."""
            state["founded_on"] = state["timestamp"].astimezone(CHINA_TIME).date()
            state.setdefault("affiliation", TeamAffiliation.UNIT.value)
            state.setdefault("department", None)

    @event(Registered)
    def __init__(
        self,
        team_id: UUID,
        name: str,
        unit_id: UUID,
        service_type: str,
        service_type_name: str | None,
        actor: str,
        founded_on: date,
        affiliation: str = TeamAffiliation.UNIT.value,
        department: str | None = None,
    ) -> None:
        self.name = name
        self.founded_on = founded_on
        self.unit_id = unit_id
        self.service_type = service_type
        self.service_type_name = service_type_name
        self.affiliation = TeamAffiliation(affiliation)
        self.department = department
        self.members: set[UUID] = set()
        self.applicants: set[UUID] = set()
        self.leader_id: UUID | None = None
        self.phone_masked: str | None = None

    @classmethod
    def register(
        cls,
        team_id: UUID,
        name: str,
        unit_id: UUID,
        service_type: str,
        service_type_name: str | None,
        actor: str,
        founded_on: date,
        today: date,
        affiliation: TeamAffiliation = TeamAffiliation.UNIT,
        department: str | None = None,
    ) -> Team:
        """`founded_on` from 2000-01-01 to `today` (China time)."""
        check_unit_name(name)
        check_service_type(service_type, service_type_name)
        check_affiliation(affiliation, department)
        check_day("founded_on", founded_on, today)
        return cls(
            team_id=team_id,
            name=name.strip(),
            unit_id=unit_id,
            service_type=service_type,
            service_type_name=service_type_name.strip() if service_type_name else None,
            actor=actor,
            affiliation=affiliation.value,
            department=department.strip() if department else None,
            founded_on=founded_on,
        )

    # -- the roster ---------------------------------------------------------------

    def check_not_member(self, volunteer_id: UUID) -> None:
        if volunteer_id in self.members:
            raise AlreadyMember(
                f"volunteer {volunteer_id} is already a member", field="volunteer_id"
            )

    def check_member(self, volunteer_id: UUID) -> None:
        if volunteer_id not in self.members:
            raise MembershipNotFound(
                f"volunteer {volunteer_id} is not a member of team {self.id}",
                field="volunteer_id",
            )

    def apply(self, volunteer_id: UUID, actor: str) -> None:
        self.check_not_member(volunteer_id)
        if volunteer_id in self.applicants:
            raise ApplicationPending(
                "this volunteer's application is still pending", field="volunteer_id"
            )
        self._applied(volunteer_id=volunteer_id, actor=actor)

    @event("MembershipApplied")
    def _applied(self, volunteer_id: UUID, actor: str) -> None:
        self.applicants.add(volunteer_id)

    def pending_application(self, volunteer_id: UUID) -> None:
        if volunteer_id not in self.applicants:
            raise MembershipNotFound(
                f"no pending application of volunteer {volunteer_id}",
                field="volunteer_id",
            )

    def approve(self, volunteer_id: UUID, actor: str) -> None:
        self.pending_application(volunteer_id)
        self._joined(volunteer_id=volunteer_id, via="application", actor=actor)

    def refuse(self, volunteer_id: UUID, reason: str, actor: str) -> None:
        self.pending_application(volunteer_id)
        check_reason(reason)
        self._refused(volunteer_id=volunteer_id, reason=reason.strip(), actor=actor)

    @event("ApplicationRefused")
    def _refused(self, volunteer_id: UUID, reason: str, actor: str) -> None:
        self.applicants.discard(volunteer_id)

    def add(self, volunteer_id: UUID, actor: str) -> None:
        """A coordinator adds a volunteer; a pending application is thereby met."""
        self.check_not_member(volunteer_id)
        self._joined(volunteer_id=volunteer_id, via="added", actor=actor)

    @event("MemberJoined")
    def _joined(self, volunteer_id: UUID, via: str, actor: str) -> None:
        self.applicants.discard(volunteer_id)
        self.members.add(volunteer_id)

    def part(self, volunteer_id: UUID, reason: str, removed: bool, actor: str) -> None:
        """The member leaves (`removed` false) or a coordinator removes it; the
        team is left without a leader when it was the leader."""
        self.check_member(volunteer_id)
        check_reason(reason)
        self._left(
            volunteer_id=volunteer_id,
            reason=reason.strip(),
            removed=removed,
            actor=actor,
        )

    @event("MemberLeft")
    def _left(self, volunteer_id: UUID, reason: str, removed: bool, actor: str) -> None:
        self.members.discard(volunteer_id)
        if self.leader_id == volunteer_id:
            self.leader_id = None

    def appoint_leader(self, volunteer_id: UUID, actor: str) -> bool:
        """False when it already leads (nothing to record)."""
        self.check_member(volunteer_id)
        if self.leader_id == volunteer_id:
            return False
        self._leader_appointed(volunteer_id=volunteer_id, actor=actor)
        return True

    @event("LeaderAppointed")
    def _leader_appointed(self, volunteer_id: UUID, actor: str) -> None:
        self.leader_id = volunteer_id

    def set_contact(self, phone: str, actor: str) -> bool:
        """The contact phone: only its mask enters the event, the clear number is
        kept in the vault. False when it is already that number's mask."""
        check_phone(normalise_phone(phone))
        phone_masked = mask_phone(normalise_phone(phone))
        if self.phone_masked == phone_masked:
            return False
        self._contact_set(phone_masked=phone_masked, actor=actor)
        return True

    @event("ContactSet")
    def _contact_set(self, phone_masked: str, actor: str) -> None:
        self.phone_masked = phone_masked
