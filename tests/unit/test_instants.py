from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidInput
from domain.instants import (
    check_as_of,
    check_day,
    check_past_instant,
    check_plan_instant,
    parse_as_of,
)

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def rule_of(check: object, *args: object) -> str:
    with pytest.raises(InvalidInput) as refused:
        check(*args)  # type: ignore[operator]
    return refused.value.rule


def test_a_date_means_the_end_of_that_day_in_china() -> None:
    assert parse_as_of("2026-11-30", NOW) == datetime(
        2026, 11, 30, 15, 59, 59, 999999, UTC
    )
    assert parse_as_of("2026-11-30T18:00:00+08:00", NOW) == datetime(
        2026, 11, 30, 10, tzinfo=UTC
    )
    for bad in ("2026-11-30T18:00:00", "30/11/2026"):
        with pytest.raises(InvalidInput, match="offset"):
            parse_as_of(bad, NOW)


@pytest.mark.parametrize(
    "text", ["9999-12-31", "0001-01-01", "0001-01-01T01:00:00+14:00", "2027-01-01"]
)
def test_an_as_of_outside_2000_to_the_end_of_today_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_as_of(text, NOW)
    assert (refused.value.field, refused.value.rule) == ("as_of", "instant_in_range")


def test_the_end_of_today_in_china_is_a_valid_as_of() -> None:
    late_evening_utc = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 2 Dec in China
    assert parse_as_of("2026-12-02", late_evening_utc).day == 2
    with pytest.raises(InvalidInput):
        parse_as_of("2026-12-02", NOW)  # tomorrow, China time
    check_as_of("as_of", NOW + timedelta(hours=23), NOW)


def test_plans_lie_between_2000_and_two_years_ahead() -> None:
    check_plan_instant("starts_at", NOW + timedelta(days=700), NOW)
    check_plan_instant("starts_at", datetime(2000, 1, 1, tzinfo=UTC), NOW)
    too_late = NOW + timedelta(days=800)
    assert rule_of(check_plan_instant, "x", too_late, NOW) == "instant_in_range"
    too_early = datetime(1999, 12, 31, 15, 59, tzinfo=UTC)
    assert rule_of(check_plan_instant, "x", too_early, NOW) == "instant_in_range"


def test_year_one_with_a_far_east_offset_is_compared_without_overflow() -> None:
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert rule_of(check_plan_instant, "x", year_one, NOW) == "instant_in_range"


def test_service_ends_no_later_than_now_and_the_clock_skew() -> None:
    check_past_instant("ended_at", NOW + SKEW, NOW, SKEW)
    later = NOW + SKEW + timedelta(seconds=1)
    assert rule_of(check_past_instant, "ended_at", later, NOW, SKEW) == (
        "end_not_in_future"
    )


def test_a_naive_instant_needs_an_offset() -> None:
    naive = datetime(2026, 1, 1)
    assert rule_of(check_plan_instant, "x", naive, NOW) == "timezone_required"


def test_days_lie_between_2000_and_the_given_latest() -> None:
    today = date(2026, 12, 1)
    check_day("from", date(2000, 1, 1), today)
    assert rule_of(check_day, "from", date(1, 1, 1), today) == "instant_in_range"
    assert rule_of(check_day, "to", date(2026, 12, 2), today, "late") == "late"
