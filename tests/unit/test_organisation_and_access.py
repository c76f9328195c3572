from datetime import date
from uuid import uuid4

import pytest

from domain.access import Actor, Role
from domain.errors import Forbidden, InvalidInput, OutOfScope
from domain.organisation import Team, Unit, UnitKind

#: Founded on the first of March, registered in June.
FOUNDED = (date(2026, 3, 1), date(2026, 6, 1))


def unit(kind: UnitKind, parent: Unit | None = None) -> Unit:
    return Unit.register(uuid4(), f"{kind} unit", kind, parent, 1000, "admin")


def test_a_station_belongs_under_an_institute_under_the_center() -> None:
    center = unit(UnitKind.CENTER)
    institute = unit(UnitKind.INSTITUTE, center)
    station = unit(UnitKind.STATION, institute)
    assert station.lineage == [center.id, institute.id]


@pytest.mark.parametrize(
    ("kind", "parent_kind", "rule"),
    [
        (UnitKind.STATION, UnitKind.CENTER, "parent_kind"),
        (UnitKind.INSTITUTE, None, "parent_kind"),
        (UnitKind.CENTER, UnitKind.CENTER, "center_has_no_parent"),
    ],
)
def test_a_unit_under_the_wrong_parent_is_refused(
    kind: UnitKind, parent_kind: UnitKind | None, rule: str
) -> None:
    center = unit(UnitKind.CENTER)
    parent = {None: None, UnitKind.CENTER: center}[parent_kind]
    with pytest.raises(InvalidInput) as caught:
        unit(kind, parent)
    assert caught.value.rule == rule


def test_a_team_type_must_be_one_of_the_seventeen_or_a_named_other() -> None:
    Team.register(uuid4(), "宣讲队", uuid4(), "theory_policy", None, "admin", *FOUNDED)
    Team.register(
        uuid4(), "无人机队", uuid4(), "other", "无人机巡查", "admin", *FOUNDED
    )
    with pytest.raises(InvalidInput) as caught:
        Team.register(uuid4(), "x", uuid4(), "flying", None, "admin", *FOUNDED)
    assert caught.value.rule == "service_type_known"
    with pytest.raises(InvalidInput) as caught:
        Team.register(uuid4(), "x", uuid4(), "other", None, "admin", *FOUNDED)
    assert caught.value.rule == "service_type_name_required"


@pytest.mark.parametrize("founded", [date(1999, 12, 31), date(2026, 6, 2)])
def test_a_team_is_founded_between_2000_and_today(founded: date) -> None:
    with pytest.raises(InvalidInput) as caught:
        Team.register(
            uuid4(), "宣讲队", uuid4(), "theory_policy", None, "a", founded, FOUNDED[1]
        )
    assert (caught.value.field, caught.value.rule) == ("founded_on", "instant_in_range")


def test_a_coordinator_manages_its_unit_and_the_units_below_only() -> None:
    center = unit(UnitKind.CENTER)
    institute = unit(UnitKind.INSTITUTE, center)
    sibling = unit(UnitKind.INSTITUTE, center)
    station = unit(UnitKind.STATION, institute)
    coordinator = Actor(Role.COORDINATOR, uuid4(), "c", unit_id=institute.id)
    coordinator.check_manages(institute)
    coordinator.check_manages(station)
    for outside in (center, sibling):
        with pytest.raises(OutOfScope):
            coordinator.check_manages(outside)


def test_auditors_and_volunteers_manage_nothing() -> None:
    center = unit(UnitKind.CENTER)
    for role in (Role.AUDITOR, Role.VOLUNTEER, Role.RESIDENT, Role.KIOSK):
        actor = Actor(role, uuid4(), "x", unit_id=center.id, volunteer_id=uuid4())
        with pytest.raises(Forbidden):
            actor.check_manages(center)


def test_scoped_roles_need_their_scope() -> None:
    with pytest.raises(InvalidInput):
        Actor(Role.COORDINATOR, uuid4(), "c").check_scope_is_complete()
    with pytest.raises(InvalidInput):
        Actor(Role.VOLUNTEER, uuid4(), "v").check_scope_is_complete()


def test_reads_reach_a_coordinators_unit_and_the_units_below() -> None:
    center = unit(UnitKind.CENTER)
    institute = unit(UnitKind.INSTITUTE, center)
    station = unit(UnitKind.STATION, institute)
    coordinator = Actor(Role.COORDINATOR, uuid4(), "所", unit_id=institute.id)
    coordinator.check_reads(station.id, station.lineage)
    coordinator.check_reads(institute.id, institute.lineage)
    with pytest.raises(OutOfScope):
        coordinator.check_reads(center.id, center.lineage)
    Actor(Role.AUDITOR, uuid4(), "审计").check_reads(center.id, [])
    with pytest.raises(Forbidden):
        Actor(Role.KIOSK, uuid4(), "k", unit_id=station.id).check_reads(station.id, [])


def test_clear_names_are_for_staff_and_the_volunteer_itself() -> None:
    volunteer = uuid4()
    assert Actor(Role.ADMIN, uuid4(), "a").sees_clear_name(volunteer)
    assert Actor(Role.COORDINATOR, uuid4(), "c", unit_id=uuid4()).sees_clear_name(
        volunteer
    )
    assert Actor(Role.VOLUNTEER, uuid4(), "v", volunteer_id=volunteer).sees_clear_name(
        volunteer
    )
    assert not Actor(Role.AUDITOR, uuid4(), "u").sees_clear_name(volunteer)
    assert not Actor(
        Role.VOLUNTEER, uuid4(), "v", volunteer_id=uuid4()
    ).sees_clear_name(volunteer)
