"""Events stored by earlier code stay readable (docs/architecture.md, "Changing an
event's schema"). tests/fixtures/event_logs/ holds logs as they were stored, every
event type of the domain in its oldest form; each loads into a fresh database and
folds into its aggregates, projects without a dead letter, replays into the same
balances and star levels as the read models hold, and yields the same assessment
from the log as from the read models, under the code of today."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

import domain
from application.reports import AssessmentQuery, Source
from application.services import Container
from domain.access import Actor, Role
from entrypoints.demo_programme import CENTER_ID
from infra.db import Database, eventsourcing_env
from infra.event_store import EventStore

LOGS = sorted((Path(__file__).parents[1] / "fixtures" / "event_logs").glob("*.ndjson"))
#: The library's own base classes of an aggregate's events, never stored.
BASES = frozenset({"Event", "Created", "Snapshot"})


def domain_event_types() -> Iterator[str]:
    """The topic of every event class the domain's aggregates declare."""
    for module_info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{module_info.name}")
        for aggregate in vars(module).values():
            if not (
                inspect.isclass(aggregate)
                and issubclass(aggregate, Aggregate)
                and aggregate.__module__ == module.__name__
            ):
                continue
            for name, member in vars(aggregate).items():
                if (
                    inspect.isclass(member)
                    and issubclass(member, DomainEvent)
                    and name not in BASES
                ):
                    yield get_topic(member)


def batched(items: Any, size: int) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stored_events(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_every_event_type_of_the_domain_has_a_stored_form_in_a_fixture_log() -> None:
    """A new event type needs a new fixture log: `python -m
    tests.fixtures.every_event tests/fixtures/event_logs/<date>.ndjson`, after
    teaching tests/fixtures/every_event.py to record it (never rewrite old logs)."""
    stored = {e["topic"] for path in LOGS for e in stored_events(path)}
    types = set(domain_event_types())
    assert len(types) >= 98
    assert sorted(types - stored) == []


def load_log(url: str, events: list[dict[str, Any]]) -> None:
    """Writes the events as stored, in their order, with the hash chain, before
    any code of today has written a thing (not even the points policy)."""
    db = Database(url)
    store = EventStore(eventsourcing_env(url), db, group_commit=False)
    try:
        for chunk in batched(events, 200):
            store.recorder.insert_events(
                [
                    StoredEvent(
                        originator_id=UUID(e["originator_id"]),
                        originator_version=e["originator_version"],
                        topic=e["topic"],
                        state=e["state"].encode("utf-8"),
                    )
                    for e in chunk
                ]
            )
    finally:
        store.close()
        db.close()


@pytest.fixture(params=LOGS, ids=[p.stem for p in LOGS])
def old_log(
    request: pytest.FixtureRequest,
    database_url: str,
    make_container: Callable[..., Container],
) -> tuple[list[dict[str, Any]], Container]:
    events = stored_events(request.param)
    load_log(database_url, events)
    return events, make_container()


def test_an_old_log_loads_folds_projects_and_replays_under_todays_code(
    old_log: tuple[list[dict[str, Any]], Container],
) -> None:
    events, container = old_log
    versions: dict[UUID, int] = {}
    for e in events:
        versions[UUID(e["originator_id"])] = e["originator_version"]
    for ids in batched(versions, 100):
        loaded = container.store.load(*ids)
        assert {i: loaded[i].version for i in ids} == {i: versions[i] for i in ids}

    assert container.projector is not None
    head = container.projector.catch_up()
    assert head == container.store.max_position() >= len(events)
    assert container.db.fetch_all("SELECT * FROM readmodel.dead_letters") == []

    replayed = container.audit.replay()
    assert replayed.through_position == head
    assert container.audit.differences(replayed) == []
    assert container.audit.chain().intact


def test_an_old_logs_assessment_is_the_same_from_the_log_and_the_read_models(
    old_log: tuple[list[dict[str, Any]], Container],
) -> None:
    _, container = old_log
    container.projector.catch_up()  # type: ignore[union-attr]
    auditor = Actor(Role.AUDITOR, UUID(int=3), "auditor")
    reports = [
        container.reports.assessment(
            AssessmentQuery(CENTER_ID, 2026, None, source), auditor
        )
        for source in (Source.READ_MODELS, Source.EVENT_LOG)
    ]
    from_models, from_log = (replace(r, as_of=None) for r in reports)
    assert from_models == from_log
    assert from_models.units
