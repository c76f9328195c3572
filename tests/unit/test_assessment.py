"""The assessment's rules (seed 003) on facts in memory."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from domain.assessment import (
    ActivityCounts,
    LedgerFacts,
    OrderSteps,
    Status,
    TargetResult,
    TeamFact,
    UnitFact,
    VolunteerCounts,
    assess,
    months_ended,
)
from domain.organisation import AreaKind, UnitKind
from domain.reference import TEAM_TYPES

AS_OF = datetime(2026, 9, 30, 16, tzinfo=UTC)  # 1 October, 00:00 China time


def district(
    station_people: VolunteerCounts,
    population: int | None = 1000,
    area: AreaKind | None = AreaKind.COMMUNITY,
) -> tuple[LedgerFacts, UnitFact, UnitFact, UnitFact]:
    center = UnitFact(uuid4(), "中心", UnitKind.CENTER, None, (), None, 10_000)
    institute = UnitFact(
        uuid4(), "艾山所", UnitKind.INSTITUTE, center.id, (center.id,), area, 2000
    )
    station = UnitFact(
        uuid4(),
        "双泉站",
        UnitKind.STATION,
        institute.id,
        (center.id, institute.id),
        area,
        population,
    )
    facts = LedgerFacts(
        units={u.id: u for u in (center, institute, station)},
        volunteers={station.id: station_people},
        stars={station.id: Counter({0: station_people.registered})},
        teams=[],
        own_activities={},
        hours=[],
        orders=[],
        points={},
    )
    return facts, center, institute, station


def codes(
    facts: LedgerFacts, unit: UUID, at: UUID | None = None
) -> dict[str, TargetResult]:
    report = assess(facts, unit, 2026, AS_OF, months_ended(2026, AS_OF))
    (found,) = [u for u in report.units if u.unit_id == (at or unit)]
    return {t.code: t for t in found.targets}


def test_fifteen_percent_exactly_is_met_and_sixty_percent_exactly_is_not() -> None:
    people = VolunteerCounts(registered=150, serving=90)
    facts, *_, station = district(people)
    got = codes(facts, station.id)
    assert got["volunteer_share"].status is Status.MET
    assert got["serving_share"].status is Status.NOT_MET
    facts.volunteers[station.id] = VolunteerCounts(registered=150, serving=91)
    assert codes(facts, station.id)["serving_share"].status is Status.MET


def test_a_unit_counts_the_volunteers_of_the_units_below_it() -> None:
    facts, center, institute, _ = district(VolunteerCounts(registered=300))
    share = codes(facts, center.id, institute.id)["volunteer_share"]
    assert (share.numerator, share.denominator) == (300, 2000)


def test_without_a_population_the_share_has_no_data() -> None:
    facts, *_, station = district(VolunteerCounts(registered=3), population=None)
    assert codes(facts, station.id)["volunteer_share"].status is Status.NO_DATA


def test_a_village_needs_two_theory_talks_and_a_community_four() -> None:
    for area, needed in ((AreaKind.VILLAGE, 2), (AreaKind.COMMUNITY, 4)):
        facts, *_, station = district(VolunteerCounts(), area=area)
        facts.own_activities[station.id] = ActivityCounts(all=3, theory_talks=2)
        talks = codes(facts, station.id)["theory_talks"]
        assert talks.threshold == needed
        expected = Status.MET if needed == 2 else Status.NOT_MET
        assert talks.status is expected


def test_a_station_team_owes_one_activity_in_each_ended_month_since_it_began() -> None:
    facts, *_, station = district(VolunteerCounts())
    every = frozenset(range(1, 10))  # January to September: 9 months ended
    facts.teams = [
        TeamFact(uuid4(), station.id, "甲队", "elderly_care", 1, 12, every),
        TeamFact(
            uuid4(), station.id, "乙队", "elderly_care", 5, 5, frozenset(range(5, 10))
        ),
        TeamFact(uuid4(), station.id, "丙队", "elderly_care", 1, 12, every - {3}),
    ]
    got = codes(facts, station.id)
    assert (got["team_monthly"].numerator, got["team_monthly"].denominator) == (2, 3)
    assert got["team_activities"].numerator == 2
    assert got["teams"].status is Status.MET


def test_the_centre_needs_all_seventeen_standard_team_types() -> None:
    facts, center, *_ = district(VolunteerCounts())
    facts.units[center.id] = UnitFact(
        center.id, "中心", UnitKind.CENTER, None, (), None, 10_000
    )
    facts.teams = [
        TeamFact(uuid4(), center.id, t.label, t.code, 1, 0, frozenset())
        for t in TEAM_TYPES[:16]
    ] + [TeamFact(uuid4(), center.id, "其他", "other", 1, 0, frozenset())]
    assert codes(facts, center.id)["standard_teams"].value == 16


def test_the_funnel_counts_each_step_and_its_lower_median_wait() -> None:
    facts, *_, station = district(VolunteerCounts())
    start = AS_OF - timedelta(days=5)

    def order(*waits: int) -> OrderSteps:
        states = ("placed", "reviewed", "dispatched", "accepted")
        times, at = {}, start
        for state, wait in zip(states, (0, *waits), strict=False):
            at += timedelta(seconds=wait)
            times[state] = at
        return OrderSteps(uuid4(), station.id, list(times)[-1], times)

    facts.orders = [order(10, 100, 7), order(10, 300), order(10, 200, 9)]
    report = assess(facts, station.id, 2026, AS_OF, 9)
    funnel = {s.step: (s.reached, s.median_seconds) for s in report.funnel}
    assert funnel["placed"] == (3, None)
    assert funnel["dispatched"] == (3, 210)  # 110, 310, 210
    assert funnel["accepted"] == (2, 7)  # 7 and 9: the lower middle
    assert report.orders_by_state == {"accepted": 2, "dispatched": 1}


def test_months_ended_by_an_instant_in_china_time() -> None:
    assert months_ended(2026, AS_OF) == 9
    assert months_ended(2026, AS_OF - timedelta(seconds=1)) == 8
    assert months_ended(2025, AS_OF) == 12
    assert months_ended(2027, AS_OF) == 0
