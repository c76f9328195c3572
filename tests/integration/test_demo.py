"""The demo district is seeded deterministically through the real commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from application.reports import AssessmentQuery
from application.services import Container
from domain.access import Actor, Role
from domain.order import OrderState
from domain.reference import CHINA_TIME
from entrypoints.demo import CENTER_ID, DEMO_DAYS, WINDOW_START, DemoSeeder, demo_id
from projections.queries import OrderFilter
from tests.conftest import Clock
from tests.integration.assessment_story import both, targets


def district_facts(container: Container) -> dict[str, Any]:
    assert container.projector is not None
    container.projector.catch_up()
    volunteers, _ = container.reads.volunteers(None, None, None, 500, 0)
    return {
        "volunteers": [
            (
                v["id"],
                v["volunteer_number"],
                v["name_masked"],
                v["verified_hours"],
                v["points_balance"],
            )
            for v in volunteers
        ],
        "hours": [
            [
                (
                    e["record_id"],
                    e["started_at"],
                    e["ended_at"],
                    e["hours"],
                    e["status"],
                )
                for e in container.reads.hours(v["id"], 500, 0)[0]
            ]
            for v in volunteers
        ],
        "names": {
            p.name
            for p in container.vault.people([v["id"] for v in volunteers]).values()
        },
    }


def test_the_same_seed_gives_the_same_district(
    make_container: Callable[..., Container],
    fresh_database: Callable[[], str],
    clock: Clock,
) -> None:
    clock.now = WINDOW_START + timedelta(days=DEMO_DAYS + 1)
    first = make_container()
    second = make_container(database_url=fresh_database())
    summaries = [
        DemoSeeder(c).seed(volunteers=40, orders=11, months=1) for c in (first, second)
    ]
    assert summaries[0] == summaries[1]
    assert summaries[0].entries > 30
    assert summaries[0].activities > 0
    assert summaries[0].orders == 11
    for c in (first, second):
        assert c.projector is not None
        c.projector.catch_up()
    boards = [
        sorted(o["state"] for o in c.reads.orders(OrderFilter(), 100, 0))
        for c in (first, second)
    ]
    assert boards[0] == boards[1]
    assert set(boards[0]) == {state.value for state in OrderState}
    assert district_facts(first) == district_facts(second)
    assert DemoSeeder(first).is_seeded()


def test_the_demo_history_is_back_dated_so_that_september_differs_from_today(
    make_container: Callable[..., Container], clock: Clock
) -> None:
    """Its events carry the instants of April to November 2026; the assessment as
    of 30 September leaves out October's orders and later hours, and both reports
    equal the fold of the event log as of the same instant. (Its teams' names, its
    talks and its work ahead are checked on the same district.)"""
    clock.now = WINDOW_START + timedelta(days=DEMO_DAYS + 1)
    container = make_container()
    DemoSeeder(container).seed(volunteers=40, orders=11, months=2)
    assert container.projector is not None
    container.projector.catch_up()
    span = container.db.fetch_one(
        "SELECT (SELECT min(registered_at) FROM readmodel.units) AS first, "
        "(SELECT max(recorded_at) FROM readmodel.hour_entries) AS last"
    )
    assert span is not None
    first, last = span["first"], span["last"]
    assert first.astimezone(CHINA_TIME).date() == date(2026, 4, 1)
    assert date(2026, 11, 1) <= last.astimezone(CHINA_TIME).date() <= date(2026, 11, 27)

    admin = Actor(Role.ADMIN, uuid4(), "审计")
    september = datetime(2026, 9, 30, 23, 59, tzinfo=CHINA_TIME)
    then = both(container, admin, AssessmentQuery(CENTER_ID, 2026, september))
    now = both(container, admin, AssessmentQuery(CENTER_ID, 2026))
    assert then.funnel[0].reached == 0  # orders are placed from October on
    assert now.funnel[0].reached == 11
    assert {c.month for c in then.hours} <= set(range(4, 10))
    assert {10, 11} <= {c.month for c in now.hours}
    assert sum(then.active_volunteers.values()) < sum(now.active_volunteers.values())
    assert any(c.category != "unclassified" for c in now.hours)
    replayed = [container.audit.replay(at) for at in (september, None)]
    hours = [sum(v.verified_hours for v in r.volunteers.values()) for r in replayed]
    assert 0 < hours[0] < hours[1]
    assert len(replayed[0].volunteers) == len(replayed[1].volunteers) == 40
    station = demo_id("unit", "双泉社区实践站")
    theory = targets(now, station)["theory_talks"]
    assert (theory.value, theory.threshold) == (1, 4)  # April's talk; a community
    assert now.units[0].teams_below_standard  # two months cannot make twelve
    rosters = container.db.fetch_one(
        "SELECT count(*) AS members, count(*) FILTER (WHERE left_at IS NOT NULL) "
        "AS departed FROM readmodel.team_memberships"
    )
    assert rosters is not None
    assert rosters["members"] >= 40
    assert rosters["departed"] >= 1
    place_names_talks_and_work_ahead(container, clock.now)


def place_names_talks_and_work_ahead(container: Container, seeded_on: datetime) -> None:
    """Teams are named after their unit's place (no stray 实 or 新); a talk is
    counted as a talk wherever it is held; and volunteers have activities to sign
    up for after the day the demo is seeded, one of them already full."""
    db = container.db
    teams = [r["name"] for r in db.fetch_all("SELECT name FROM readmodel.teams")]
    assert "澜头村心理关爱志愿服务队" in teams
    assert "颜庄镇敬老爱老志愿服务队" in teams
    assert not [t for t in teams if "实" in t or "新志" in t or "镇新" in t]
    lying = db.fetch_one(
        "SELECT count(*) AS n FROM readmodel.activities "
        "WHERE title = '理论政策宣讲' AND kind <> 'theory_talk'"
    )
    assert lying == {"n": 0}
    talks = db.fetch_all(
        "SELECT u.name, count(*) AS n FROM readmodel.activities a "
        "JOIN readmodel.units u ON u.id = a.unit_id "
        "WHERE u.kind = 'institute' AND a.kind = 'theory_talk' GROUP BY u.name"
    )
    assert len(talks) == 2  # every other institute's first team gives talks
    ahead = db.fetch_all(
        "SELECT starts_at, capacity, signed_up FROM readmodel.activities "
        "WHERE state = 'published'"
    )
    assert len(ahead) == 24  # two at each of the 12 stations
    assert all(a["starts_at"] > seeded_on for a in ahead)
    assert any(a["signed_up"] == a["capacity"] for a in ahead)  # full
    assert any(a["signed_up"] < a["capacity"] for a in ahead)
