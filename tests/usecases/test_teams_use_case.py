"""The roster's rules that live in the teams use case, without a database: who
applies, who decides, who leaves and who removes, and what a leader must be."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

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
from domain.errors import (
    AlreadyMember,
    ApplicationPending,
    Forbidden,
    InvalidInput,
    MembershipNotFound,
    OutOfScope,
    TeamNotFound,
    VolunteerInactive,
)
from domain.organisation import Team, TeamAffiliation
from tests.usecases.conftest import Ledger


def team_at(ledger: Ledger, unit: UUID) -> UUID:
    command = RegisterTeam("双泉站助老队", unit, "elderly_care")
    return ledger.commands.run(ledger.teams.register, command, ledger.admin).result.id


def as_volunteer(volunteer: UUID) -> Actor:
    return Actor(Role.VOLUNTEER, uuid4(), "志愿者", volunteer_id=volunteer)


def test_an_application_becomes_membership_when_a_coordinator_approves(
    ledger: Ledger,
) -> None:
    team, volunteer = team_at(ledger, ledger.station), ledger.volunteer(ledger.station)
    run = ledger.commands.run
    applied = run(ledger.teams.apply, ApplyToTeam(team), as_volunteer(volunteer))
    assert applied.result.status == "applied"
    with pytest.raises(ApplicationPending):
        run(ledger.teams.apply, ApplyToTeam(team), as_volunteer(volunteer))
    coordinator = ledger.coordinator(ledger.institute)
    approved = run(
        ledger.teams.decide, DecideApplication(team, volunteer, True), coordinator
    )
    assert (approved.result.status, approved.result.members) == ("member", 1)
    with pytest.raises(AlreadyMember):
        run(ledger.teams.add, AddMember(team, volunteer), coordinator)


def test_a_refusal_needs_a_reason_and_a_pending_application(ledger: Ledger) -> None:
    team, volunteer = team_at(ledger, ledger.station), ledger.volunteer(ledger.station)
    run, admin = ledger.commands.run, ledger.admin
    with pytest.raises(MembershipNotFound):
        run(
            ledger.teams.decide,
            DecideApplication(team, volunteer, False, "满员"),
            admin,
        )
    run(ledger.teams.apply, ApplyToTeam(team), as_volunteer(volunteer))
    with pytest.raises(InvalidInput) as blank:
        run(ledger.teams.decide, DecideApplication(team, volunteer, False, " "), admin)
    assert blank.value.field == "reason"
    refused = run(
        ledger.teams.decide, DecideApplication(team, volunteer, False, "满员"), admin
    )
    assert (refused.result.status, refused.result.members) == ("refused", 0)


def test_a_volunteer_applies_only_for_itself_and_staff_add_instead(
    ledger: Ledger,
) -> None:
    team = team_at(ledger, ledger.station)
    one, other = ledger.volunteer(ledger.station), ledger.volunteer(ledger.station)
    with pytest.raises(Forbidden):
        ledger.commands.run(
            ledger.teams.apply, ApplyToTeam(team, other), as_volunteer(one)
        )
    with pytest.raises(Forbidden):
        ledger.commands.run(ledger.teams.apply, ApplyToTeam(team, one), ledger.admin)


def test_a_coordinator_outside_the_teams_unit_cannot_add(ledger: Ledger) -> None:
    team = team_at(ledger, ledger.center)
    volunteer = ledger.volunteer(ledger.station)
    with pytest.raises(OutOfScope):
        ledger.commands.run(
            ledger.teams.add,
            AddMember(team, volunteer),
            ledger.coordinator(ledger.station),
        )


def test_an_inactive_volunteer_joins_no_team(ledger: Ledger) -> None:
    team, volunteer = team_at(ledger, ledger.station), ledger.volunteer(ledger.station)
    standing = ledger.aggregates.volunteer(volunteer)
    standing.deactivate("搬离本区", "admin")
    ledger.store.save([standing])
    with pytest.raises(VolunteerInactive):
        ledger.commands.run(ledger.teams.add, AddMember(team, volunteer), ledger.admin)


def test_the_leader_is_a_member_and_leaving_unseats_it(ledger: Ledger) -> None:
    team, volunteer = team_at(ledger, ledger.station), ledger.volunteer(ledger.station)
    run, admin = ledger.commands.run, ledger.admin
    with pytest.raises(MembershipNotFound):
        run(ledger.teams.appoint_leader, AppointLeader(team, volunteer), admin)
    run(ledger.teams.add, AddMember(team, volunteer), admin)
    led = run(ledger.teams.appoint_leader, AppointLeader(team, volunteer), admin)
    assert led.result.leader_id == volunteer
    left = run(
        ledger.teams.part,
        PartFromTeam(team, volunteer, "工作调动"),
        as_volunteer(volunteer),
    )
    assert left.result.status == "left"
    assert ledger.aggregates.get(Team, team, TeamNotFound).leader_id is None


def test_staff_remove_a_member_and_a_stranger_cannot(ledger: Ledger) -> None:
    team, volunteer = team_at(ledger, ledger.station), ledger.volunteer(ledger.station)
    run = ledger.commands.run
    run(ledger.teams.add, AddMember(team, volunteer), ledger.admin)
    stranger = as_volunteer(ledger.volunteer(ledger.station))
    with pytest.raises(Forbidden):
        run(ledger.teams.part, PartFromTeam(team, volunteer, "违反纪律"), stranger)
    removed = run(
        ledger.teams.part, PartFromTeam(team, volunteer, "违反纪律"), ledger.admin
    )
    assert (removed.result.status, removed.result.members) == ("removed", 0)


def test_the_contact_phone_enters_events_masked_only(ledger: Ledger) -> None:
    team = team_at(ledger, ledger.station)
    set_contact = SetTeamContact(team, "13812345678")
    lead = ledger.commands.run(ledger.teams.set_contact, set_contact, ledger.admin)
    assert lead.result.phone_masked == "138****5678"
    with pytest.raises(InvalidInput) as bad:
        ledger.commands.run(
            ledger.teams.set_contact, SetTeamContact(team, "12"), ledger.admin
        )
    assert bad.value.field == "phone"


def test_a_department_team_names_its_department(ledger: Ledger) -> None:
    command = RegisterTeam(
        "区卫健局志愿服务队",
        ledger.center,
        "health_fitness",
        affiliation=TeamAffiliation.DEPARTMENT,
    )
    with pytest.raises(InvalidInput) as unnamed:
        ledger.commands.run(ledger.teams.register, command, ledger.admin)
    assert unnamed.value.rule == "department_required"
