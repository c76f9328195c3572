"""A projection batch folds its events per row (sums added up, the latest state
kept) and writes each table with a few set-based statements. The rows must be the
ones that applying the same events one at a time writes."""

from __future__ import annotations

from collections import Counter

import pytest

from application.services import Container
from domain.access import Actor
from projections import all_projections
from projections.base import Notified, ProjectionRunner
from tests.conftest import Clock
from tests.integration.test_replay_folds import busy_history


def project(container: Container, schema: str, batches: list[list[Notified]]) -> None:
    runner = ProjectionRunner(container.runner.db, all_projections(), schema)
    runner.drop_tables()
    runner.create_tables()
    for batch in batches:
        runner.apply_batch(batch)


def table_rows(container: Container, schema: str) -> dict[str, list[str]]:
    rows = {}
    for projection in all_projections():
        for table in projection.tables():
            found = container.runner.db.fetch_all(
                f"SELECT to_jsonb(t)::text AS row FROM {schema}.{table} t"
            )
            rows[table] = sorted(r["row"] for r in found)
    return rows


@pytest.fixture(params=["busy", "demo"])
def history(
    request: pytest.FixtureRequest, container: Container, admin: Actor, clock: Clock
) -> Container:
    if request.param == "demo":
        demo: Container = request.getfixturevalue("demo")
        return demo
    busy_history(container, admin, clock)
    return container


def test_one_batch_of_the_whole_history_writes_the_rows_of_one_event_at_a_time(
    history: Container,
) -> None:
    mapper = history.store.mapper
    events = [
        Notified(n.id, mapper.to_domain_event(n))
        for n in history.store.notifications(0, 100_000)
    ]
    per_aggregate = Counter(type(n.event).__qualname__.split(".")[0] for n in events)
    assert per_aggregate["Volunteer"] > per_aggregate["Volunteer"] // 2 > 0
    project(history, "folded_whole", [events])
    project(history, "folded_single", [[n] for n in events])
    whole = table_rows(history, "folded_whole")
    single = table_rows(history, "folded_single")
    assert whole == single
    assert whole["hour_entries"]
    assert whole["account_entries"]
    dead = history.runner.db.fetch_all(
        "SELECT * FROM folded_whole.dead_letters UNION ALL "
        "SELECT * FROM folded_single.dead_letters"
    )
    assert dead == []
    # and both are the read models the running projector builds
    assert history.projector is not None
    history.projector.catch_up()
    assert whole == table_rows(history, history.runner.schema)
