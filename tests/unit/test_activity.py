from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.activity import Activity, ActivityState
from domain.errors import (
    ActivityFull,
    AlreadySignedUp,
    AttendanceConflict,
    IllegalTransition,
    InvalidInput,
    NotSignedUp,
    OverlappingSignUp,
    VolunteerInactive,
)
from domain.volunteer import TimeSpan
from tests.unit.test_volunteer import new_volunteer

START = datetime(2026, 5, 10, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
SPAN = TimeSpan(START, START + timedelta(hours=3))


def published(capacity: int = 10, span: TimeSpan = SPAN) -> Activity:
    return Activity.publish(
        uuid4(),
        uuid4(),
        uuid4(),
        "周末清扫",
        "public",
        "environment",
        "双泉公园",
        "李队长",
        span,
        capacity,
        "123456",
        "coordinator",
        SPAN.started_at,
    )


def test_sign_ups_stop_at_capacity() -> None:
    activity = published(capacity=1)
    activity.sign_up(uuid4(), "v")
    with pytest.raises(ActivityFull):
        activity.sign_up(uuid4(), "v")


def test_a_volunteer_signs_up_once() -> None:
    activity, volunteer = published(), uuid4()
    activity.sign_up(volunteer, "v")
    with pytest.raises(AlreadySignedUp):
        activity.sign_up(volunteer, "v")


def test_a_volunteers_sign_ups_may_not_overlap() -> None:
    volunteer = new_volunteer()
    volunteer.sign_up(uuid4(), SPAN)
    later = TimeSpan(SPAN.ended_at, SPAN.ended_at + timedelta(hours=1))
    volunteer.sign_up(uuid4(), later)
    with pytest.raises(OverlappingSignUp):
        volunteer.sign_up(uuid4(), TimeSpan(START + timedelta(hours=1), later.ended_at))


def test_an_inactive_volunteer_cannot_sign_up() -> None:
    volunteer = new_volunteer()
    volunteer.deactivate("moved", "admin")
    with pytest.raises(VolunteerInactive):
        volunteer.sign_up(uuid4(), SPAN)


def test_self_check_in_needs_the_code_and_the_activity_running() -> None:
    activity, volunteer = published(), uuid4()
    activity.sign_up(volunteer, "v")
    with pytest.raises(InvalidInput) as caught:
        activity.check_in_with_code(volunteer, "000000", START)
    assert caught.value.rule == "checkin_code"
    with pytest.raises(AttendanceConflict):
        activity.check_in_with_code(volunteer, "123456", START - timedelta(hours=1))
    activity.check_in_with_code(volunteer, "123456", START - timedelta(minutes=10))


def test_only_signed_up_volunteers_check_in() -> None:
    with pytest.raises(NotSignedUp):
        published().check_in(uuid4(), START, "c")


def test_check_out_follows_check_in() -> None:
    activity, volunteer = published(), uuid4()
    activity.sign_up(volunteer, "v")
    with pytest.raises(AttendanceConflict):
        activity.check_out(volunteer, START, "c")
    activity.check_in(volunteer, START, "c")
    with pytest.raises(InvalidInput):
        activity.check_out(volunteer, START - timedelta(minutes=1), "c")
    activity.check_out(volunteer, START + timedelta(hours=2), "c")


def test_staff_record_attendance_that_has_happened_and_now_by_default() -> None:
    activity, volunteer = published(), uuid4()
    activity.sign_up(volunteer, "v")
    now = START + timedelta(minutes=30)
    skew = timedelta(minutes=5)
    later = now + skew + timedelta(seconds=1)
    with pytest.raises(InvalidInput) as refused:
        activity.attend_for(volunteer, later, now, skew, True, "c")
    assert (refused.value.field, refused.value.rule) == ("at", "not_in_future")
    activity.attend_for(volunteer, None, now, skew, True, "c")
    assert activity.attendance[volunteer].checked_in_at == now
    activity.attend_for(volunteer, now + skew, now, skew, False, "c")
    assert activity.attendance[volunteer].checked_out_at == now + skew


def test_closing_lists_attendees_with_their_times_and_the_no_shows() -> None:
    activity = published()
    came, left_early, absent = uuid4(), uuid4(), uuid4()
    for volunteer in (came, left_early, absent):
        activity.sign_up(volunteer, "v")
    activity.check_in(came, START, "c")
    activity.check_in(left_early, START, "c")
    activity.check_out(left_early, START + timedelta(hours=1), "c")
    spans = activity.close(START + timedelta(hours=4), "c")
    assert spans == {
        came: SPAN,
        left_early: TimeSpan(START, START + timedelta(hours=1)),
    }
    closed = activity.collect_events()[-1]
    assert closed.no_shows == [absent]  # type: ignore[attr-defined]
    assert activity.state is ActivityState.CLOSED


def test_a_closed_activity_takes_no_more_sign_ups_or_closing() -> None:
    activity = published()
    activity.close(START + timedelta(hours=4), "c")
    with pytest.raises(IllegalTransition):
        activity.sign_up(uuid4(), "v")
    with pytest.raises(IllegalTransition):
        activity.close(START + timedelta(hours=5), "c")


def test_an_activity_cannot_close_before_it_starts() -> None:
    with pytest.raises(IllegalTransition):
        published().close(START - timedelta(hours=1), "c")


@pytest.mark.parametrize(
    ("span", "capacity", "rule"),
    [
        (TimeSpan(START, START), 5, "end_after_start"),
        (TimeSpan(START, START + timedelta(hours=25)), 5, "span_at_most_24h"),
        (SPAN, 0, "capacity_range"),
    ],
)
def test_impossible_schedules_are_refused(
    span: TimeSpan, capacity: int, rule: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        published(capacity, span)
    assert caught.value.rule == rule


def test_record_ids_are_derived_per_volunteer_and_activity() -> None:
    activity = published()
    volunteer: UUID = uuid4()
    assert activity.hours_record_id(volunteer) == activity.hours_record_id(volunteer)
    assert activity.hours_record_id(volunteer) != published().hours_record_id(volunteer)


def test_a_released_sign_up_frees_its_time() -> None:
    volunteer, activity_id = new_volunteer(), uuid4()
    volunteer.sign_up(activity_id, SPAN)
    volunteer.release_sign_up(activity_id)
    volunteer.sign_up(uuid4(), SPAN)


def test_closing_early_counts_those_still_present_until_now() -> None:
    activity, volunteer = published(), uuid4()
    activity.sign_up(volunteer, "v")
    activity.check_in(volunteer, START, "c")
    now = START + timedelta(hours=1)
    assert activity.close(now, "c") == {volunteer: TimeSpan(START, now)}
