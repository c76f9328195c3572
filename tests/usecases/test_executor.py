"""The command executor's own rules, over the in-memory event store: a refusal saves
nothing, a concurrent write makes it decide again, a retried request replays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from pydantic import TypeAdapter

from application import executor
from application.certificates import CertifiedPeriod
from application.executor import ConcurrentWrites, Decision
from application.hours import HoursRecorded, RecordHours
from application.teams import RegisterTeam, TeamRegistered
from domain.access import Actor
from domain.errors import IdempotencyKeyReused, IdTaken, OutOfScope, StaleRead
from domain.volunteer import ServiceDetails
from infra.idempotency import IdempotencyKey, StoredResponse
from tests.conftest import NOW
from tests.usecases.conftest import Ledger

DETAILS = ServiceDetails("社区清扫", "双泉社区", "辖区居民", "清理楼道", "李站长")


def two_hours(
    volunteer: UUID, unit: UUID, days_ago: int = 1, record_id: UUID | None = None
) -> RecordHours:
    start = NOW - timedelta(days=days_ago, hours=3)
    end = start + timedelta(hours=2)
    return RecordHours(volunteer, unit, start, end, DETAILS, record_id)


def entries(ledger: Ledger, volunteer: UUID) -> int:
    return len(ledger.aggregates.volunteer(volunteer).entries)


def test_a_refused_command_saves_nothing(ledger: Ledger) -> None:
    volunteer = ledger.volunteer(ledger.station)
    outsider = ledger.coordinator(ledger.center)
    elsewhere = ledger.coordinator(uuid4())
    before = ledger.store.max_position()
    with pytest.raises(OutOfScope):
        ledger.commands.run(
            ledger.hours.record, two_hours(volunteer, ledger.station), elsewhere
        )
    assert ledger.store.max_position() == before
    ledger.commands.run(
        ledger.hours.record, two_hours(volunteer, ledger.station), outsider
    )
    assert entries(ledger, volunteer) == 1


def test_a_command_that_lost_a_race_decides_again_on_what_the_winner_saved(
    ledger: Ledger,
) -> None:
    volunteer = ledger.volunteer(ledger.station)
    attempts: list[int] = []

    def record_after_a_rival(cmd: RecordHours, actor: Actor) -> Decision[HoursRecorded]:
        decision = ledger.hours.record(cmd, actor)
        if not attempts:  # another writer saves the same volunteer meanwhile
            rival = two_hours(volunteer, ledger.station, days_ago=3)
            ledger.commands.run(ledger.hours.record, rival, ledger.admin)
        attempts.append(1)
        return decision

    outcome = ledger.commands.run(
        record_after_a_rival, two_hours(volunteer, ledger.station), ledger.admin
    )
    assert len(attempts) == 2
    assert entries(ledger, volunteer) == 2
    assert outcome.position == ledger.store.max_position()


def test_a_stale_read_is_decided_again(ledger: Ledger) -> None:
    volunteer = ledger.volunteer(ledger.station)
    attempts: list[int] = []

    def stale_once(cmd: RecordHours, actor: Actor) -> Decision[HoursRecorded]:
        attempts.append(1)
        if len(attempts) == 1:
            raise StaleRead("read before another writer's save")
        return ledger.hours.record(cmd, actor)

    ledger.commands.run(stale_once, two_hours(volunteer, ledger.station), ledger.admin)
    assert len(attempts) == 2
    assert entries(ledger, volunteer) == 1


def test_a_command_that_always_loses_gives_up_as_busy(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executor, "MAX_ATTEMPTS", 3)
    volunteer = ledger.volunteer(ledger.station)
    rivals = iter(range(2, 30))

    def always_beaten(cmd: RecordHours, actor: Actor) -> Decision[HoursRecorded]:
        decision = ledger.hours.record(cmd, actor)
        rival = two_hours(volunteer, ledger.station, days_ago=next(rivals))
        ledger.commands.run(ledger.hours.record, rival, ledger.admin)
        return decision

    with pytest.raises(ConcurrentWrites):
        ledger.commands.run(
            always_beaten, two_hours(volunteer, ledger.station), ledger.admin
        )
    assert entries(ledger, volunteer) == 3  # the rivals' only


def test_a_new_aggregate_under_a_taken_id_is_refused_at_once_naming_its_field(
    ledger: Ledger,
) -> None:
    attempts: list[int] = []

    def register(cmd: RegisterTeam, actor: Actor) -> Decision[TeamRegistered]:
        attempts.append(1)
        return ledger.teams.register(cmd, actor)

    for taken in (ledger.station, ledger.volunteer(ledger.station)):
        attempts.clear()
        before = ledger.store.max_position()
        command = RegisterTeam(
            "双泉站助老队", ledger.station, "elderly_care", None, taken
        )
        with pytest.raises(IdTaken) as refused:
            ledger.commands.run(register, command, ledger.admin)
        assert (refused.value.field, refused.value.rule) == ("team_id", "id_unique")
        assert attempts == [1]  # not retried as a concurrent write
        assert ledger.store.max_position() == before


def test_a_retry_with_the_same_record_id_replays_the_typed_first_response(
    ledger: Ledger,
) -> None:
    volunteer = ledger.volunteer(ledger.station)
    command = two_hours(volunteer, ledger.station, record_id=uuid4())
    first = ledger.commands.run(ledger.hours.record, command, ledger.admin)
    again = ledger.commands.run(ledger.hours.record, command, ledger.admin)
    assert not first.replayed
    assert again.replayed
    assert isinstance(again.result, HoursRecorded)
    assert (again.result, again.position) == (first.result, first.position)
    assert entries(ledger, volunteer) == 1


def test_the_same_record_id_for_another_entry_is_refused_naming_record_id(
    ledger: Ledger,
) -> None:
    volunteer = ledger.volunteer(ledger.station)
    record_id = uuid4()
    ledger.commands.run(
        ledger.hours.record,
        two_hours(volunteer, ledger.station, record_id=record_id),
        ledger.admin,
    )
    other = two_hours(volunteer, ledger.station, days_ago=2, record_id=record_id)
    with pytest.raises(IdempotencyKeyReused) as refused:
        ledger.commands.run(ledger.hours.record, other, ledger.admin)
    assert refused.value.field == "record_id"
    assert entries(ledger, volunteer) == 1


def test_an_idempotency_key_answers_its_first_request_only(ledger: Ledger) -> None:
    volunteer = ledger.volunteer(ledger.station)
    key = IdempotencyKey("token:POST:/v1/volunteers/{id}/hours", "k1", "body-1")
    command = two_hours(volunteer, ledger.station)
    first = ledger.commands.run(ledger.hours.record, command, ledger.admin, key)
    again = ledger.commands.run(ledger.hours.record, command, ledger.admin, key)
    assert again.replayed
    assert again.result == first.result
    other_body = IdempotencyKey(key.scope, key.key, "body-2")
    with pytest.raises(IdempotencyKeyReused) as refused:
        ledger.commands.run(ledger.hours.record, command, ledger.admin, other_body)
    assert refused.value.field == "Idempotency-Key"
    assert entries(ledger, volunteer) == 1


@dataclass(frozen=True)
class Unchanged:
    note: str


def test_a_result_is_stored_as_its_own_type(ledger: Ledger) -> None:
    """Whatever a handler's Decision[R] names is what a replay answers."""

    def nothing(_cmd: str, _actor: Actor) -> Decision[Unchanged]:
        return Decision([], Unchanged("无"))

    key = IdempotencyKey("scope", "k", "f")
    ledger.commands.run(nothing, "", ledger.admin, key)
    assert ledger.commands.run(nothing, "", ledger.admin, key).result == Unchanged("无")


def test_a_response_stored_before_results_were_typed_still_replays(
    ledger: Ledger,
) -> None:
    """Responses kept by the release before typed results: numbers as strings."""
    volunteer = ledger.volunteer(ledger.station)
    command = two_hours(volunteer, ledger.station, record_id=uuid4())
    key = command.natural_key()
    assert key is not None
    earlier = {
        "record_id": str(command.record_id),
        "volunteer_id": str(volunteer),
        "hours": "2.00",
        "points_earned": "20.00",
        "policy_version": 1,
    }
    idempotency = ledger.commands.idempotency
    idempotency.stored[(key.scope, key.key)] = StoredResponse(  # type: ignore[attr-defined]
        key.fingerprint, earlier, 7
    )
    replayed = ledger.commands.run(ledger.hours.record, command, ledger.admin)
    assert replayed.replayed
    assert replayed.result == HoursRecorded(
        command.record_id, volunteer, Decimal("2.00"), Decimal("20.00"), 1
    )
    assert entries(ledger, volunteer) == 0


def test_a_certificate_period_is_kept_as_from_and_to_as_before() -> None:
    period = CertifiedPeriod(date(2026, 5, 1), date(2026, 6, 1))
    kept = TypeAdapter(CertifiedPeriod).dump_python(period, mode="json", by_alias=True)
    assert kept == {"from": "2026-05-01", "to": "2026-06-01"}
    assert TypeAdapter(CertifiedPeriod).validate_python(kept) == period
