"""Commands the application accepts: plain data, validated by the domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.identity import Gender
from domain.organisation import UnitKind
from domain.policy import RoundingRule
from domain.volunteer import ServiceDetails


@dataclass(frozen=True)
class NewUnit:
    name: str
    kind: UnitKind
    parent_id: UUID | None = None
    population: int | None = None
    unit_id: UUID | None = None


@dataclass(frozen=True)
class NewTeam:
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None = None
    team_id: UUID | None = None


@dataclass(frozen=True)
class NewVolunteer:
    name: str
    gender: Gender
    birth_date: date
    id_number: str
    phone: str
    unit_id: UUID
    skills: list[str] = field(default_factory=list)
    party_member: bool = False
    volunteer_id: UUID | None = None


@dataclass(frozen=True)
class NewHours:
    unit_id: UUID
    started_at: datetime
    ended_at: datetime
    details: ServiceDetails
    record_id: UUID | None = None


@dataclass(frozen=True)
class Correction:
    reason: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    revoke: bool = False


@dataclass(frozen=True)
class PolicyChange:
    points_per_hour: Decimal
    rounding: RoundingRule
