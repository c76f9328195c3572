"""Storage guarantees on real Postgres: privacy, uniqueness, races, restarts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import psycopg
import pytest

from application.hours import RecordHours
from application.organisation import ChangePolicy, RegisterUnit
from application.services import Container
from domain.access import Actor, Role
from domain.errors import DuplicateIdNumber, OverlappingEntry, SingleCenter
from domain.organisation import UnitKind
from domain.policy import RoundingRule
from infra.settings import ConfigurationError, new_master_key
from tests.conftest import NOW, event_count
from tests.integration.helpers import DETAILS, make_district, record, register

NAME, PHONE = "欧阳娜娜", "13912345678"


def all_stored_text(url: str) -> str:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT topic, state FROM vledger_events").fetchall()
    return "\n".join(f"{topic} {bytes(state).decode()}" for topic, state in rows)


def test_clear_name_id_number_and_phone_never_enter_the_events_table(
    container: Container, admin: Actor, database_url: str
) -> None:
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station, name=NAME, phone=PHONE)
    person = container.vault.personal_data(volunteer)
    assert person is not None
    assert person.name == NAME
    stored = all_stored_text(database_url)
    assert "Volunteer.Registered" in stored
    for clear in (NAME, person.id_number, PHONE, person.id_number[6:14]):
        assert clear not in stored
    with psycopg.connect(database_url) as conn:
        payload = conn.execute("SELECT payload FROM pii_vault").fetchone()
    assert payload is not None
    assert NAME.encode() not in bytes(payload[0])


def test_a_second_registration_with_the_same_id_number_is_refused(
    container: Container, admin: Actor, database_url: str
) -> None:
    district = make_district(container, admin)
    register(container, admin, district.station, serial=7)
    before = event_count(database_url)
    with pytest.raises(DuplicateIdNumber):
        register(container, admin, district.institute, serial=7, name="另一个人")
    assert event_count(database_url) == before


def test_racing_registrations_of_one_id_number_leave_exactly_one(
    make_container: Callable[..., Container], admin: Actor, database_url: str
) -> None:
    first, second = make_container(), make_container()
    district = make_district(first, admin)
    outcomes: list[str] = []

    def attempt(container: Container) -> None:
        try:
            register(container, admin, district.station, serial=9)
            outcomes.append("registered")
        except DuplicateIdNumber:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "registered"]
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM pii_vault").fetchone()
    assert row == (1,)


def test_racing_overlapping_entries_for_one_volunteer_leave_exactly_one(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    writers = [make_container() for _ in range(4)]
    district = make_district(writers[0], admin)
    volunteer = register(writers[0], admin, district.station)
    start = NOW - timedelta(hours=6)
    results: list[str] = []
    barrier = threading.Barrier(len(writers))

    def attempt(container: Container, offset: int) -> None:
        barrier.wait()
        try:
            record(
                container,
                admin,
                volunteer,
                district.station,
                start + timedelta(minutes=offset),
                120,
            )
            results.append("recorded")
        except OverlappingEntry:
            results.append("overlap")

    threads = [
        threading.Thread(target=attempt, args=(c, i * 10))
        for i, c in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["overlap"] * 3 + ["recorded"]
    assert len(writers[0].aggregates.volunteer(volunteer).live_entries()) == 1


def test_the_district_has_one_center(container: Container, admin: Actor) -> None:
    make_district(container, admin)
    second_center = RegisterUnit("第二中心", UnitKind.CENTER)
    with pytest.raises(SingleCenter):
        container.commands.run(
            container.organisation.register_unit, second_center, admin
        )


def test_an_entry_records_the_policy_version_it_was_computed_under(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    run, hours = container.commands.run, container.hours
    first = run(
        hours.record,
        RecordHours(
            volunteer,
            district.station,
            NOW - timedelta(hours=9),
            NOW - timedelta(hours=8),
            DETAILS,
        ),
        admin,
    )
    exact = ChangePolicy(Decimal(1), RoundingRule.EXACT)
    run(container.organisation.change_policy, exact, admin)
    second = run(
        hours.record,
        RecordHours(
            volunteer,
            district.station,
            NOW - timedelta(hours=5),
            NOW - timedelta(hours=5) + timedelta(minutes=100),
            DETAILS,
        ),
        admin,
    )
    assert (first.result.policy_version, str(first.result.points_earned)) == (
        1,
        "10.00",
    )
    assert (second.result.policy_version, str(second.result.hours)) == (2, "1.67")
    assert str(second.result.points_earned) == "1.67"


def test_a_restart_loses_nothing_and_projection_resumes(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    first = make_container()
    district = make_district(first, admin)
    volunteer = register(first, admin, district.station)
    record(first, admin, volunteer, district.station, NOW - timedelta(hours=5), 180)
    first.close()

    second = make_container()
    assert second.projector is not None
    second.projector.catch_up()
    summary = second.reads.volunteer(volunteer)
    assert summary is not None
    assert summary["verified_hours"] == 3
    assert second.reads.account(volunteer)["balance"] == 30  # type: ignore[index]
    person = second.vault.personal_data(volunteer)
    assert person is not None
    assert person.name == "王小明"


def test_the_service_refuses_to_start_with_another_master_key(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    first = make_container()
    register(first, admin, make_district(first, admin).station)
    with pytest.raises(ConfigurationError, match="master key"):
        make_container(master_key=new_master_key())


def test_outside_the_embedded_default_a_master_key_is_required(
    make_container: Callable[..., Container],
) -> None:
    with pytest.raises(ConfigurationError, match="VLEDGER_MASTER_KEY"):
        make_container(master_key=None)


def test_a_poison_event_is_parked_and_projection_goes_on(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    projector = container.projector
    assert projector is not None
    projector.catch_up()
    with psycopg.connect(container.db.url, autocommit=True) as conn:
        # Break the hours projection: the next HoursRecorded cannot be inserted.
        conn.execute("ALTER TABLE readmodel.hour_entries ADD CHECK (hours < 0)")
    record(container, admin, volunteer, district.station, NOW - timedelta(hours=3), 60)
    register(container, admin, district.station, serial=2, name="李四")
    projector.catch_up()
    assert container.reads.dead_letter_count() == 1
    assert container.runner.position() == container.store.max_position()
    _listed, total = container.reads.volunteers(None, None, None, 10, 0)
    assert total == 2
    assert container.reads.account(volunteer)["balance"] == 10  # type: ignore[index]


def test_tokens_are_stored_hashed_and_carry_role_and_scope(
    container: Container, admin: Actor, database_url: str
) -> None:
    district = make_district(container, admin)
    issued = container.tokens.issue(Role.COORDINATOR, "站长", unit_id=district.station)
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT token_hash FROM api_tokens").fetchone()
    assert stored is not None
    assert issued.token.encode() not in bytes(stored[0])
    actor = container.tokens.authenticate(issued.token)
    assert actor is not None
    assert (actor.role, actor.unit_id) == (Role.COORDINATOR, district.station)
    assert container.tokens.authenticate(issued.token + "x") is None
    container.tokens.revoke(issued.actor.token_id)
    assert container.tokens.authenticate(issued.token) is None


def test_unknown_ids_of_another_aggregate_type_are_not_found(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    from domain.errors import VolunteerNotFound

    with pytest.raises(VolunteerNotFound):
        container.aggregates.volunteer(district.station)
    with pytest.raises(VolunteerNotFound):
        container.aggregates.volunteer(uuid4())


def test_racing_retries_of_one_request_apply_once_and_agree_on_the_response(
    make_container: Callable[..., Container], admin: Actor, database_url: str
) -> None:
    from domain.errors import IdempotencyKeyInProgress
    from infra.idempotency import IdempotencyKey

    writers = [make_container() for _ in range(4)]
    district = make_district(writers[0], admin)
    volunteer = register(writers[0], admin, district.station)
    record_id = uuid4()
    command = RecordHours(
        volunteer,
        district.station,
        NOW - timedelta(hours=5),
        NOW - timedelta(hours=3),
        DETAILS,
        record_id,
    )
    key = IdempotencyKey("hours-record", str(record_id), "same-body", field="record_id")
    barrier = threading.Barrier(len(writers))
    responses: list[object] = []
    errors: list[Exception] = []

    def retry(container: Container) -> None:
        barrier.wait()
        try:
            outcome = container.commands.run(
                container.hours.record, command, admin, key
            )
            responses.append((outcome.result, outcome.position))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=retry, args=(c,)) for c in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A copy either gets the first response or, while that one still runs, a 409.
    assert all(isinstance(e, IdempotencyKeyInProgress) for e in errors), errors
    assert len(responses) >= 1
    assert all(r == responses[0] for r in responses)
    later = writers[0].commands.run(writers[0].hours.record, command, admin, key)
    assert (later.result, later.position) == responses[0]
    assert len(writers[0].aggregates.volunteer(volunteer).entries) == 1
