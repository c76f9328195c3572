"""The demo district is seeded deterministically through the real commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from application.services import Container
from domain.order import OrderState
from entrypoints.demo import DEMO_DAYS, WINDOW_START, DemoSeeder
from projections.queries import OrderFilter
from tests.conftest import Clock


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
    summaries = [DemoSeeder(c).seed(volunteers=40, orders=11) for c in (first, second)]
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
