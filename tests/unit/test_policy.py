from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.policy import (
    PolicyTerms,
    RoundingRule,
    check_points_per_hour,
    default_policy,
    round_hours,
    star_level,
)


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (0, "0"),
        (15, "0"),
        (16, "0.5"),
        (45, "0.5"),
        (46, "1"),
        (60, "1"),
        (75, "1"),
        (76, "1.5"),
        (106, "2"),
        (24 * 60, "24"),
    ],
)
def test_half_hour_rule_follows_the_chongqing_bands(minutes: int, hours: str) -> None:
    assert round_hours(minutes, RoundingRule.HALF_HOUR) == Decimal(hours)


def test_exact_rule_keeps_minutes_to_two_decimals() -> None:
    assert round_hours(100, RoundingRule.EXACT) == Decimal("1.67")


@pytest.mark.parametrize(
    ("hours", "level"),
    [
        ("0", 0),
        ("99.5", 0),
        ("100", 1),
        ("299.5", 1),
        ("300", 2),
        ("600", 3),
        ("999.5", 3),
        ("1000", 4),
        ("1500", 5),
        ("9000", 5),
    ],
)
def test_star_level_follows_cumulative_hours(hours: str, level: int) -> None:
    assert star_level(Decimal(hours)) == level


def test_points_are_hours_times_rate() -> None:
    terms = PolicyTerms(1, Decimal(10), RoundingRule.HALF_HOUR)
    assert terms.points_for(Decimal("2.5")) == Decimal("25.00")


def test_the_default_policy_is_ten_points_per_hour_and_half_hour_rounding() -> None:
    terms = default_policy().terms
    assert terms == PolicyTerms(1, Decimal(10), RoundingRule.HALF_HOUR)


def test_changing_the_policy_bumps_its_version() -> None:
    policy = default_policy()
    policy.change(Decimal(1), RoundingRule.EXACT, "admin")
    assert policy.terms == PolicyTerms(2, Decimal(1), RoundingRule.EXACT)


@pytest.mark.parametrize(
    ("rate", "rule"),
    [
        ("0", "points_rate_positive"),
        ("-1", "points_rate_positive"),
        ("1000.01", "points_rate_max"),
        ("1.005", "points_rate_precision"),
    ],
)
def test_unreasonable_rates_are_refused(rate: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_points_per_hour(Decimal(rate))
    assert caught.value.rule == rule
