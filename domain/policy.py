"""Local policies: hour rounding, points rate, star levels (《志愿服务记录办法》)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import InvalidInput
from domain.ids import NAMESPACE

POINTS_QUANTUM = Decimal("0.01")
MAX_POINTS_PER_HOUR = Decimal(1000)


class RoundingRule(StrEnum):
    """How actual service minutes become recorded hours."""

    #: Chongqing rule: per started hour, <=15 min -> 0, 15-45 min -> 0.5, >45 -> 1.
    HALF_HOUR = "half_hour"
    #: Minutes / 60, to two decimals, half up.
    EXACT = "exact"


def round_hours(minutes: int, rule: RoundingRule) -> Decimal:
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if rule is RoundingRule.EXACT:
        return (Decimal(minutes) / 60).quantize(POINTS_QUANTUM, ROUND_HALF_UP)
    whole, rest = divmod(minutes, 60)
    if rest <= 15:
        part = Decimal(0)
    elif rest <= 45:
        part = Decimal("0.5")
    else:
        part = Decimal(1)
    return Decimal(whole) + part


#: Cumulative verified hours needed for each star level, highest first.
STAR_THRESHOLDS: tuple[tuple[int, Decimal], ...] = (
    (5, Decimal(1500)),
    (4, Decimal(1000)),
    (3, Decimal(600)),
    (2, Decimal(300)),
    (1, Decimal(100)),
)


#: What a star level is called on certificates, kiosks and reports.
STAR_LABELS = {
    1: "一星志愿者",
    2: "二星志愿者",
    3: "三星志愿者",
    4: "四星志愿者",
    5: "五星志愿者",
}


def star_level(verified_hours: Decimal) -> int:
    for level, threshold in STAR_THRESHOLDS:
        if verified_hours >= threshold:
            return level
    return 0


def hours_to_next_star(verified_hours: Decimal) -> Decimal | None:
    """Verified hours still to serve for the next star level; None at five stars."""
    above = [t for _, t in STAR_THRESHOLDS if t > verified_hours]
    return min(above) - verified_hours if above else None


@dataclass(frozen=True)
class PolicyTerms:
    """The terms in force; every entry records the version it was computed under."""

    version: int
    points_per_hour: Decimal
    rounding: RoundingRule

    def hours_for(self, minutes: int) -> Decimal:
        return round_hours(minutes, self.rounding)

    def points_for(self, hours: Decimal) -> Decimal:
        return (hours * self.points_per_hour).quantize(POINTS_QUANTUM, ROUND_HALF_UP)


DEFAULT_POINTS_PER_HOUR = Decimal(10)
DEFAULT_ROUNDING = RoundingRule.HALF_HOUR
POLICY_ID: UUID = uuid5(NAMESPACE, "policy/points")


def check_points_per_hour(rate: Decimal) -> None:
    if not rate.is_finite() or rate <= 0:
        raise InvalidInput("points_per_hour", "points_rate_positive", "must be above 0")
    if rate > MAX_POINTS_PER_HOUR:
        raise InvalidInput(
            "points_per_hour",
            "points_rate_max",
            f"must be at most {MAX_POINTS_PER_HOUR}",
        )
    if rate != rate.quantize(POINTS_QUANTUM):
        raise InvalidInput(
            "points_per_hour", "points_rate_precision", "at most two decimal places"
        )


class PointsPolicy(CopiedCheaply, Aggregate):
    """The district's single points-and-rounding policy, edited by admins."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return POLICY_ID

    @event("Defined")
    def __init__(self, points_per_hour: Decimal, rounding: str, actor: str) -> None:
        self.points_per_hour = points_per_hour
        self.rounding = RoundingRule(rounding)
        self.terms_version = 1

    @property
    def terms(self) -> PolicyTerms:
        return PolicyTerms(self.terms_version, self.points_per_hour, self.rounding)

    def change(
        self, points_per_hour: Decimal, rounding: RoundingRule, actor: str
    ) -> None:
        check_points_per_hour(points_per_hour)
        self._changed(
            points_per_hour=points_per_hour,
            rounding=rounding.value,
            terms_version=self.terms_version + 1,
            actor=actor,
        )

    @event("Changed")
    def _changed(
        self, points_per_hour: Decimal, rounding: str, terms_version: int, actor: str
    ) -> None:
        self.points_per_hour = points_per_hour
        self.rounding = RoundingRule(rounding)
        self.terms_version = terms_version


def default_policy(actor: str = "system") -> PointsPolicy:
    return PointsPolicy(
        points_per_hour=DEFAULT_POINTS_PER_HOUR,
        rounding=DEFAULT_ROUNDING.value,
        actor=actor,
    )
