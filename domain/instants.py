"""The instants the ledger accepts. One rule for every way in (the API, the CSV
import, the CLI): an instant has an offset and lies between EARLIEST and a bound that
depends on what it is: service has happened (now + the clock skew at most), plans lie
at most PLAN_HORIZON ahead, and a replay's `as_of` at most a day ahead (the end of
today, China time).

The bounds keep every stored instant inside what Python and Postgres both hold, so that
no read can fail on a value a client once sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.errors import InvalidInput
from domain.reference import CHINA_TIME

#: Nothing in this programme predates it; older instants are typing mistakes.
EARLIEST = datetime(2000, 1, 1, tzinfo=CHINA_TIME)
EARLIEST_DAY = EARLIEST.date()
#: Activities and orders are planned at most this far ahead.
PLAN_HORIZON = timedelta(days=731)
#: A replay may ask for the end of today, China time, which is up to a day ahead.
AS_OF_AHEAD = timedelta(days=1)
RULE = "instant_in_range"


def check_not_before_earliest(field: str, at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(field, "timezone_required", "must include a UTC offset")
    if at < EARLIEST:
        raise InvalidInput(field, RULE, "must not be before 2000-01-01T00:00:00+08:00")


def check_instant(field: str, at: datetime, latest: datetime, what: str) -> None:
    """`at` has an offset and lies in [EARLIEST, latest]; `what` names the bound."""
    check_not_before_earliest(field, at)
    if at > latest:
        raise InvalidInput(field, RULE, f"must not be after {what}")


def check_plan_instant(field: str, at: datetime, now: datetime) -> None:
    check_instant(field, at, now + PLAN_HORIZON, "two years from now")


def check_past_instant(
    field: str,
    at: datetime,
    now: datetime,
    clock_skew: timedelta,
    future_rule: str = "end_not_in_future",
) -> None:
    """Service and attendance have happened: not later than now + the clock skew."""
    check_not_before_earliest(field, at)
    if at > now + clock_skew:
        raise InvalidInput(field, future_rule, "must not be in the future")


def check_as_of(field: str, at: datetime, now: datetime) -> None:
    check_instant(field, at, now + AS_OF_AHEAD, "the end of today (China time)")


def check_day(field: str, day: date, latest: date, late_rule: str = RULE) -> None:
    """A calendar day from EARLIEST_DAY to `latest`."""
    if day < EARLIEST_DAY:
        raise InvalidInput(field, RULE, "must not be before 2000-01-01")
    if day > latest:
        raise InvalidInput(field, late_rule, f"must not be after {latest}")


def check_year(field: str, year: int, now: datetime) -> None:
    """A programme year: from 2000 to next year (China time)."""
    latest = now.astimezone(CHINA_TIME).year + 1
    if not EARLIEST.year <= year <= latest:
        raise InvalidInput(field, "year_in_range", f"must be 2000 to {latest}")


def year_of(at: datetime) -> int:
    """The calendar year of an instant, China time."""
    return at.astimezone(CHINA_TIME).year


def end_of_day(day: date) -> datetime:
    """The last microsecond of `day`, China time, in UTC (`day` checked already)."""
    following = datetime.combine(day, time(), CHINA_TIME) + timedelta(days=1)
    return (following - timedelta(microseconds=1)).astimezone(UTC)


def parse_as_of(text: str, now: datetime, field: str = "as_of") -> datetime:
    """An ISO time with its offset, or a date: "hours on record by 30 November"
    means by the end of 30 November, China time. In UTC, within the as-of range."""
    text = text.strip()
    try:
        if len(text) == len("2026-11-30"):
            day = date.fromisoformat(text)
            check_day(field, day, now.astimezone(CHINA_TIME).date())
            return end_of_day(day)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            field,
            "as_of_format",
            f"not a time with offset or a date: {text!r} "
            "(e.g. 2026-11-30 or 2026-11-30T18:00:00+08:00)",
        ) from None
    if moment.tzinfo is None:
        raise InvalidInput(field, "timezone_required", "the time needs an offset")
    check_as_of(field, moment, now)
    return moment.astimezone(UTC)
