"""The office's assessment (考核): the targets of seed 003 for a unit and each unit
below it, for one year, from facts recorded by an instant.

The facts come from two independent places, the read models (projections/
assessment.py) and a fold of the event log (application/report_replay.py); both
hand over `LedgerFacts` and this module alone turns them into the report, so the
two reports are equal exactly when the facts are.

What counts, as recorded by the instant T:
- a volunteer counts for year Y when registered before Y ended, a team when
  founded before Y ended (and registered by T); a team owes activities from the
  month it was founded, and only those it held since count for it;
- hours count for Y when the service started in Y (China time), as the entry stood
  at T (corrections and revocations recorded after T do not count);
- an activity counts when it started in Y and was closed by T (cancelled ones and
  those still open do not);
- a population is the latest figure recorded by T for Y; an area kind, the one
  recorded last by T;
- a brand project counts for its unit when it held the title at the end of Y, or
  at T when T is earlier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from statistics import median_low
from uuid import UUID

from domain.organisation import AreaKind, UnitKind
from domain.reference import CHINA_TIME, TEAM_TYPE_CODES

#: Registered volunteers ÷ resident population (seed 003 §三.2).
VOLUNTEER_SHARE = Decimal("0.15")
#: Volunteers with service time on record ÷ registered: more than this.
SERVING_SHARE = Decimal("0.60")
#: Party members taking part, and serving 20 h a year each.
PARTY_SHARE = Decimal("0.80")
PARTY_HOURS = Decimal(20)
TEAMS_AT = {UnitKind.INSTITUTE: 5, UnitKind.STATION: 3}
ACTIVITIES_PER_TEAM = 12
ACTIVITIES_IN_OWN_NAME = 12
THEORY_TALKS = {AreaKind.COMMUNITY: 4, AreaKind.VILLAGE: 2}
FAMILY_ACTIVITIES = 3
TRAININGS_AT_CENTER = 2
#: Brand projects each unit holds in its own name (seed 003 §三.3).
BRAND_PROJECTS = {UnitKind.CENTER: 5, UnitKind.INSTITUTE: 3, UnitKind.STATION: 1}
UNCLASSIFIED = "unclassified"


# -- the facts ------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFact:
    id: UUID
    name: str
    kind: UnitKind
    parent_id: UUID | None
    lineage: tuple[UUID, ...]
    area_kind: AreaKind | None
    population: int | None


@dataclass(frozen=True)
class VolunteerCounts:
    """Volunteers registered at one unit (not below it)."""

    registered: int = 0
    party_members: int = 0
    serving: int = 0
    party_serving: int = 0
    party_twenty_hours: int = 0

    def __add__(self, other: VolunteerCounts) -> VolunteerCounts:
        return VolunteerCounts(
            self.registered + other.registered,
            self.party_members + other.party_members,
            self.serving + other.serving,
            self.party_serving + other.party_serving,
            self.party_twenty_hours + other.party_twenty_hours,
        )


@dataclass(frozen=True)
class TeamFact:
    id: UUID
    unit_id: UUID
    name: str
    service_type: str
    #: The first month of the year it owes activities in (1-12, China time):
    #: the month it was founded, when during the year.
    first_month: int
    #: Closed activities it held in the year since it was founded.
    activities: int
    months: frozenset[int]


@dataclass(frozen=True)
class ActivityCounts:
    """Closed activities held in a unit's own name, by kind."""

    all: int = 0
    theory_talks: int = 0
    family: int = 0
    trainings: int = 0


@dataclass(frozen=True)
class OrderSteps:
    """One order placed in the year: the first time it reached each state."""

    id: UUID
    station_id: UUID
    state: str
    first_reached: Mapping[str, datetime]


@dataclass(frozen=True)
class Points:
    earned: Decimal = Decimal(0)
    redeemed: Decimal = Decimal(0)
    donated: Decimal = Decimal(0)

    def __add__(self, other: Points) -> Points:
        return Points(
            self.earned + other.earned,
            self.redeemed + other.redeemed,
            self.donated + other.donated,
        )


@dataclass(frozen=True)
class HoursCell:
    month: int
    category: str
    unit_id: UUID
    hours: Decimal


@dataclass
class LedgerFacts:
    """Everything the report needs, by the unit it was recorded at."""

    units: dict[UUID, UnitFact]
    volunteers: dict[UUID, VolunteerCounts]
    stars: dict[UUID, Counter[int]]
    teams: list[TeamFact]
    own_activities: dict[UUID, ActivityCounts]
    hours: list[HoursCell]
    orders: list[OrderSteps]
    points: dict[UUID, Points]
    #: Volunteers with hours in each month of the year, by the unit they belong
    #: to (so that units add up: a volunteer belongs to one).
    active: dict[UUID, Counter[int]] = field(default_factory=dict)
    #: Brand projects standing at the end of the year or at the instant, whichever
    #: is earlier, by the unit that holds them.
    brands: dict[UUID, int] = field(default_factory=dict)


# -- the report -----------------------------------------------------------------------


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class TargetResult:
    code: str
    label: str
    value: Decimal | None
    threshold: Decimal
    status: Status
    numerator: int | None = None
    denominator: int | None = None
    note: str = ""


@dataclass(frozen=True)
class TeamShortfall:
    """A team under the standard of 12 activities in the year (fewer when it was
    founded during the year: one a month since)."""

    team_id: UUID
    name: str
    activities: int
    due: int = ACTIVITIES_PER_TEAM


@dataclass(frozen=True)
class UnitAssessment:
    unit_id: UUID
    name: str
    kind: UnitKind
    parent_id: UUID | None
    targets: list[TargetResult]
    teams_below_standard: list[TeamShortfall]


@dataclass(frozen=True)
class FunnelStep:
    step: str
    label: str
    reached: int
    median_seconds: int | None


@dataclass(frozen=True)
class Assessment:
    unit_id: UUID
    year: int
    as_of: datetime
    units: list[UnitAssessment]
    star_levels: dict[int, int]
    hours: list[HoursCell]
    orders_by_state: dict[str, int]
    funnel: list[FunnelStep]
    points: Points = field(default_factory=Points)
    #: Month (1-12) -> volunteers of the subtree with hours that month.
    active_volunteers: dict[int, int] = field(default_factory=dict)


#: The five-order loop as a funnel: each step, and the states that reach it.
FUNNEL: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("placed", "点单", frozenset({"placed"})),
    ("dispatched", "派单", frozenset({"dispatched", "open"})),
    ("accepted", "接单", frozenset({"accepted"})),
    ("completed", "服务完成", frozenset({"completed"})),
    ("evaluated", "评单", frozenset({"evaluated"})),
    ("rewarded", "奖单", frozenset({"rewarded"})),
)


def assess(
    facts: LedgerFacts, unit_id: UUID, year: int, as_of: datetime, months_due: int
) -> Assessment:
    """The report for `unit_id` and each unit below it. `months_due` is how many
    months of the year have ended by `as_of` (a station team owes one activity in
    each)."""
    subtree = [
        u for u in facts.units.values() if u.id == unit_id or unit_id in u.lineage
    ]
    subtree.sort(key=lambda u: (len(u.lineage), u.name, str(u.id)))
    inside = {u.id for u in subtree}
    units = [_assess_unit(facts, u, months_due) for u in subtree]
    stars: Counter[int] = Counter()
    active: Counter[int] = Counter()
    for unit in inside:
        stars.update(facts.stars.get(unit, Counter()))
        active.update(facts.active.get(unit, Counter()))
    orders = [o for o in facts.orders if o.station_id in inside]
    return Assessment(
        unit_id=unit_id,
        year=year,
        as_of=as_of,
        units=units,
        star_levels={level: stars.get(level, 0) for level in range(6)},
        hours=sorted(
            (c for c in facts.hours if c.unit_id in inside),
            key=lambda c: (c.month, c.category, str(c.unit_id)),
        ),
        orders_by_state=dict(sorted(Counter(o.state for o in orders).items())),
        funnel=_funnel(orders),
        points=sum((facts.points.get(u, Points()) for u in inside), Points()),
        active_volunteers={month: active.get(month, 0) for month in range(1, 13)},
    )


def _assess_unit(facts: LedgerFacts, unit: UnitFact, months_due: int) -> UnitAssessment:
    below = [
        u.id for u in facts.units.values() if u.id == unit.id or unit.id in u.lineage
    ]
    counts = sum(
        (facts.volunteers.get(u, VolunteerCounts()) for u in below), VolunteerCounts()
    )
    teams = sorted(
        (t for t in facts.teams if t.unit_id == unit.id),
        key=lambda t: (t.name, str(t.id)),
    )
    own = facts.own_activities.get(unit.id, ActivityCounts())
    targets = [
        *_volunteer_targets(unit, counts),
        *_team_targets(unit, teams, months_due),
        *_activity_targets(unit, own),
        _count(
            "brand_projects",
            "品牌项目：中心不少于 5 个、所不少于 3 个、站不少于 1 个",
            facts.brands.get(unit.id, 0),
            BRAND_PROJECTS[unit.kind],
        ),
    ]
    lagging = [
        TeamShortfall(t.id, t.name, t.activities, activities_due(t))
        for t in teams
        if t.activities < activities_due(t)
    ]
    return UnitAssessment(
        unit.id, unit.name, unit.kind, unit.parent_id, targets, lagging
    )


def _share(
    code: str,
    label: str,
    part: int,
    whole: int | None,
    threshold: Decimal,
    strictly: bool = False,
    missing: str = "",
) -> TargetResult:
    """part ÷ whole against a share, compared on integers (no rounding)."""
    if not whole:
        return TargetResult(
            code, label, None, threshold, Status.NO_DATA, part, whole, missing
        )
    value = (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
    scaled, needed = Decimal(part), threshold * whole
    met = scaled > needed if strictly else scaled >= needed
    return TargetResult(
        code,
        label,
        value,
        threshold,
        Status.MET if met else Status.NOT_MET,
        part,
        whole,
    )


def _count(
    code: str, label: str, value: int, threshold: int, note: str = ""
) -> TargetResult:
    met = Status.MET if value >= threshold else Status.NOT_MET
    return TargetResult(code, label, Decimal(value), Decimal(threshold), met, note=note)


def _volunteer_targets(unit: UnitFact, c: VolunteerCounts) -> list[TargetResult]:
    return [
        _share(
            "volunteer_share",
            "注册志愿者占常驻人口比例 ≥ 15%",
            c.registered,
            unit.population,
            VOLUNTEER_SHARE,
            missing="no population recorded for the year",
        ),
        _share(
            "serving_share",
            "有服务时间记录的志愿者占注册志愿者比例 > 60%",
            c.serving,
            c.registered,
            SERVING_SHARE,
            strictly=True,
            missing="no registered volunteers",
        ),
        _share(
            "party_participation",
            "党员志愿服务参与率 ≥ 80%",
            c.party_serving,
            c.party_members,
            PARTY_SHARE,
            missing="no registered party members",
        ),
        _share(
            "party_twenty_hours",
            "党员年服务时间达 20 小时的比例 ≥ 80%",
            c.party_twenty_hours,
            c.party_members,
            PARTY_SHARE,
            missing="no registered party members",
        ),
    ]


def _team_targets(
    unit: UnitFact, teams: list[TeamFact], months_due: int
) -> list[TargetResult]:
    targets = []
    if unit.kind is UnitKind.CENTER:
        standard = {t.service_type for t in teams} & TEAM_TYPE_CODES
        targets.append(
            _count("standard_teams", "中心建立 17 支标准志愿服务队", len(standard), 17)
        )
    else:
        needed = TEAMS_AT[unit.kind]
        targets.append(
            _count("teams", f"志愿服务队不少于 {needed} 支", len(teams), needed)
        )
    meeting = sum(1 for t in teams if t.activities >= activities_due(t))
    targets.append(
        _share(
            "team_activities",
            "每支队伍每年活动不少于 12 次",
            meeting,
            len(teams),
            Decimal(1),
            missing="no teams",
        )
    )
    if unit.kind is UnitKind.STATION:
        monthly = sum(1 for t in teams if _every_month(t, months_due))
        targets.append(
            _share(
                "team_monthly",
                "站队伍每月至少开展 1 次活动",
                monthly,
                len(teams),
                Decimal(1),
                missing="no teams",
            )
        )
    return targets


def activities_due(team: TeamFact) -> int:
    """Twelve a year is one a month: a team founded during the year owes one for
    each month from the month it was founded."""
    return ACTIVITIES_PER_TEAM * (13 - team.first_month) // 12


def _every_month(team: TeamFact, months_due: int) -> bool:
    return all(m in team.months for m in range(team.first_month, months_due + 1))


def _activity_targets(unit: UnitFact, own: ActivityCounts) -> list[TargetResult]:
    targets = []
    if unit.kind is UnitKind.CENTER:
        targets.append(
            _count(
                "trainings",
                "集中专业培训每年不少于 2 次",
                own.trainings,
                TRAININGS_AT_CENTER,
            )
        )
    else:
        targets.append(
            _count(
                "own_activities",
                "以所、站名义开展活动每年不少于 12 次",
                own.all,
                ACTIVITIES_IN_OWN_NAME,
            )
        )
        targets.append(_theory_target(unit, own.theory_talks))
    targets.append(
        _count(
            "family_activities",
            "家庭文明活动每年不少于 3 次",
            own.family,
            FAMILY_ACTIVITIES,
        )
    )
    return targets


def _theory_target(unit: UnitFact, talks: int) -> TargetResult:
    label = "理论政策宣讲：社区不少于 4 次、农村不少于 2 次"
    if unit.area_kind is None:
        return TargetResult(
            "theory_talks",
            label,
            Decimal(talks),
            Decimal(THEORY_TALKS[AreaKind.COMMUNITY]),
            Status.NO_DATA,
            note="area kind (community or village) not set",
        )
    return _count("theory_talks", label, talks, THEORY_TALKS[unit.area_kind])


def _funnel(orders: Iterable[OrderSteps]) -> list[FunnelStep]:
    """How many orders reached each step, and the median wait (the lower middle
    value, in whole seconds) from the step before."""
    reached_at = [[_first(o, states) for _, _, states in FUNNEL] for o in orders]
    steps = []
    for index, (step, label, _) in enumerate(FUNNEL):
        spans = [_seconds(t[index - 1], t[index]) for t in reached_at if index]
        waits = [w for w in spans if w is not None]
        reached = sum(1 for times in reached_at if times[index] is not None)
        median = median_low(waits) if waits else None
        steps.append(FunnelStep(step, label, reached, median))
    return steps


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


def _first(order: OrderSteps, states: frozenset[str]) -> datetime | None:
    times = [t for s, t in order.first_reached.items() if s in states]
    return min(times) if times else None


def months_ended(year: int, as_of: datetime) -> int:
    """How many months of `year` ended by `as_of` (China time): 12 for a past
    year, 0 for a future one."""
    local = as_of.astimezone(CHINA_TIME)
    if local.year > year:
        return 12
    if local.year < year:
        return 0
    return local.month - 1
