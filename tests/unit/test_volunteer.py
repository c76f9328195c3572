from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    CorrectionAlreadyDecided,
    CorrectionAlreadyRequested,
    EntryRevoked,
    InvalidInput,
    OverlappingEntry,
    RecordIdReused,
    VolunteerInactive,
)
from domain.policy import PolicyTerms, RoundingRule
from domain.volunteer import (
    ServiceDetails,
    TimeSpan,
    Volunteer,
    check_revoke_or_times,
    clean_skills,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)
TERMS = PolicyTerms(1, Decimal(10), RoundingRule.HALF_HOUR)
DETAILS = ServiceDetails("清扫", "社区", "居民", "打扫卫生", "李站长")


def new_volunteer() -> Volunteer:
    return Volunteer(
        volunteer_id=uuid4(),
        volunteer_number="V00000001",
        unit_id=uuid4(),
        gender="male",
        birth_year=1990,
        name_masked="张*",
        id_number_masked="3712**********0011",
        phone_masked="138****5678",
        skills=[],
        party_member=False,
        actor="admin",
    )


def span(start_hours_ago: float, minutes: int) -> TimeSpan:
    start = NOW - timedelta(hours=start_hours_ago)
    return TimeSpan(start, start + timedelta(minutes=minutes))


def record(v: Volunteer, s: TimeSpan, record_id: UUID | None = None) -> UUID:
    record_id = record_id or uuid4()
    v.record_hours(record_id, v.unit_id, s, DETAILS, TERMS, NOW, SKEW, "coordinator")
    return record_id


def test_recorded_hours_follow_the_rounding_rule_in_force() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 100))
    assert v.entries[rid].hours == Decimal("1.5")
    assert v.entries[rid].policy_version == 1


def test_an_entry_overlapping_a_live_entry_is_refused() -> None:
    v = new_volunteer()
    record(v, span(5, 120))
    with pytest.raises(OverlappingEntry):
        record(v, span(4, 120))


def test_back_to_back_entries_do_not_overlap() -> None:
    v = new_volunteer()
    record(v, span(5, 60))
    record(v, span(4, 60))
    assert v.verified_hours == Decimal(2)


@pytest.mark.parametrize(
    ("s", "rule"),
    [
        (
            TimeSpan(NOW - timedelta(hours=1), NOW - timedelta(hours=2)),
            "end_after_start",
        ),
        (
            TimeSpan(NOW - timedelta(hours=1), NOW - timedelta(hours=1)),
            "end_after_start",
        ),
        (
            TimeSpan(NOW - timedelta(hours=30), NOW - timedelta(hours=5)),
            "span_at_most_24h",
        ),
        (
            TimeSpan(NOW - timedelta(hours=1), NOW + timedelta(minutes=6)),
            "end_not_in_future",
        ),
        (
            TimeSpan(datetime(2026, 5, 1, 8), datetime(2026, 5, 1, 9)),
            "timezone_required",
        ),
    ],
)
def test_impossible_spans_are_refused_with_their_rule(s: TimeSpan, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        record(new_volunteer(), s)
    assert caught.value.rule == rule


def test_an_end_within_the_allowed_clock_skew_is_accepted() -> None:
    record(
        new_volunteer(), TimeSpan(NOW - timedelta(hours=1), NOW + timedelta(minutes=4))
    )


def test_an_inactive_volunteer_gets_no_new_hours() -> None:
    v = new_volunteer()
    v.deactivate("moved away", "admin")
    with pytest.raises(VolunteerInactive):
        record(v, span(5, 60))


def test_a_record_id_cannot_be_used_twice() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 60))
    with pytest.raises(RecordIdReused):
        record(v, span(3, 60), rid)


def test_blank_service_details_are_refused() -> None:
    v = new_volunteer()
    blank = ServiceDetails("清扫", " ", "居民", "打扫", "李")
    with pytest.raises(InvalidInput) as caught:
        v.record_hours(uuid4(), v.unit_id, span(5, 60), blank, TERMS, NOW, SKEW, "c")
    assert caught.value.field == "location"


def test_a_correction_replaces_times_and_hours_without_erasing_the_entry() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 60))
    new_end = v.entries[rid].span.started_at + timedelta(minutes=150)
    v.correct_hours(rid, None, new_end, "left later", TERMS, NOW, SKEW, "c")
    assert v.entries[rid].hours == Decimal("2.5")
    assert [type(e).__name__ for e in v.collect_events()] == [
        "Registered",
        "HoursRecorded",
        "HoursCorrected",
    ]


def test_a_correction_may_not_create_an_overlap() -> None:
    v = new_volunteer()
    first = record(v, span(5, 60))
    record(v, span(3, 60))
    with pytest.raises(OverlappingEntry):
        v.correct_hours(
            first, None, NOW - timedelta(hours=2.5), "r", TERMS, NOW, SKEW, "c"
        )


def test_a_revoked_entry_stops_counting_and_cannot_be_revoked_again() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 120))
    v.revoke_hours(rid, "duplicate", "c")
    assert v.verified_hours == 0
    with pytest.raises(EntryRevoked):
        v.revoke_hours(rid, "again", "c")


def test_a_revoked_entry_frees_its_time_for_a_new_entry() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 120))
    v.revoke_hours(rid, "wrong day", "c")
    record(v, span(5, 120))


def test_a_blank_reason_is_refused() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 120))
    with pytest.raises(InvalidInput) as caught:
        v.revoke_hours(rid, "  ", "c")
    assert caught.value.rule == "reason_required"


def test_an_accepted_request_applies_the_asked_correction() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 60))
    new_end = v.entries[rid].span.started_at + timedelta(minutes=120)
    request = v.request_correction(
        uuid4(), rid, None, new_end, False, "stayed", NOW, SKEW
    )
    assert v.entries[rid].hours == 1
    v.accept_correction(request.request_id, TERMS, NOW, SKEW, "coordinator")
    assert v.entries[rid].hours == 2
    with pytest.raises(CorrectionAlreadyDecided):
        v.reject_correction(request.request_id, "late", "coordinator")


def test_a_rejected_request_changes_nothing() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 60))
    request = v.request_correction(uuid4(), rid, None, None, True, "not me", NOW, SKEW)
    v.reject_correction(request.request_id, "you were there", "coordinator")
    assert not v.entries[rid].revoked


def test_a_request_must_ask_for_something() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 60))
    with pytest.raises(InvalidInput) as caught:
        v.request_correction(uuid4(), rid, None, None, False, "hm", NOW, SKEW)
    assert caught.value.rule == "correction_changes_times"


def test_an_entry_has_at_most_one_pending_request() -> None:
    v = new_volunteer()
    rid = record(v, span(5, 60))
    v.request_correction(uuid4(), rid, None, None, True, "not me", NOW, SKEW)
    with pytest.raises(CorrectionAlreadyRequested):
        v.request_correction(uuid4(), rid, None, None, True, "really", NOW, SKEW)


def test_skills_are_trimmed_at_most_twenty_each_one_to_fifty_characters() -> None:
    assert clean_skills([" 急救 ", "电工"]) == ["急救", "电工"]
    for skills, rule in (
        (["x"] * 21, "skills_count"),
        ([" "], "skill_format"),
        (["x" * 51], "skill_format"),
    ):
        with pytest.raises(InvalidInput) as refused:
            clean_skills(skills)
        assert refused.value.rule == rule


def test_a_correction_gives_new_times_or_revokes_never_both() -> None:
    check_revoke_or_times(True, None, None)
    check_revoke_or_times(False, NOW, None)
    with pytest.raises(InvalidInput) as refused:
        check_revoke_or_times(True, None, NOW)
    assert (refused.value.field, refused.value.rule) == ("revoke", "revoke_or_times")
