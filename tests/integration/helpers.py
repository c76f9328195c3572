"""Builders for integration tests: a small district through the real ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from application.hours import RecordHours
from application.organisation import RegisterUnit
from application.services import Container
from application.volunteers import RegisterVolunteer
from domain.access import Actor
from domain.identity import Gender
from domain.organisation import UnitKind
from domain.volunteer import ServiceDetails
from tests.factories import id_number

DETAILS = ServiceDetails("社区清扫", "双泉社区", "辖区居民", "清理楼道", "李站长")
BIRTH = date(1990, 3, 7)


@dataclass
class District:
    center: UUID
    institute: UUID
    station: UUID
    other_institute: UUID


def make_district(container: Container, admin: Actor) -> District:
    def unit(name: str, kind: UnitKind, parent: UUID | None) -> UUID:
        command = RegisterUnit(name, kind, parent)
        register_unit = container.organisation.register_unit
        return container.commands.run(register_unit, command, admin).result.id

    center = unit("中心", UnitKind.CENTER, None)
    institute = unit("艾山所", UnitKind.INSTITUTE, center)
    station = unit("双泉站", UnitKind.STATION, institute)
    other = unit("里辛所", UnitKind.INSTITUTE, center)
    return District(center, institute, station, other)


def register(
    container: Container,
    admin: Actor,
    unit_id: UUID,
    serial: int = 1,
    **changes: object,
) -> UUID:
    fields: dict[str, object] = {
        "name": "王小明",
        "gender": Gender.MALE,
        "birth_date": BIRTH,
        "id_number": id_number(BIRTH, Gender.MALE, serial),
        "phone": "13812345678",
        "unit_id": unit_id,
        "skills": ["急救"],
        "party_member": True,
    }
    fields.update(changes)
    command = RegisterVolunteer(**fields)  # type: ignore[arg-type]
    return container.commands.run(
        container.volunteers.register, command, admin
    ).result.id


def record(
    container: Container,
    actor: Actor,
    volunteer_id: UUID,
    unit_id: UUID,
    start: datetime,
    minutes: int,
) -> UUID:
    end = start + timedelta(minutes=minutes)
    command = RecordHours(volunteer_id, unit_id, start, end, DETAILS)
    return container.commands.run(
        container.hours.record, command, actor
    ).result.record_id
