"""A snapshot restores exactly the state it was taken of: taken at any version of a
history, stored through the library's mapper and restored, then given the later
events, it is the aggregate a replay of every event gives (values and types)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.account import CreditAccount
from domain.catalog import CatalogItem
from infra.event_store import EventStore
from infra.snapshots import PackedSnapshot, StaleSnapshot, restore
from tests.unit.test_volunteer import NOW, SKEW, TERMS, new_volunteer, record, span


def volunteer_history() -> list[Any]:
    volunteer = new_volunteer()
    first = record(volunteer, span(30, 60))
    second = record(volunteer, span(20, 90))
    record(volunteer, span(10, 45))
    volunteer.correct_hours(
        second, None, span(20, 30).ended_at, "短", TERMS, NOW, SKEW, "c"
    )
    volunteer.request_correction(uuid4(), first, None, None, True, "错日", NOW, SKEW)
    volunteer.sign_up(uuid4(), span(-48, 120))
    volunteer.revoke_hours(first, "重复", "c")
    volunteer.deactivate("搬走", "c")
    return list(volunteer.collect_events())


def account_history() -> list[Any]:
    account = CreditAccount(volunteer_id=uuid4())
    source = uuid4()
    account.settle_source(source, "hours", Decimal("20.5"), 1, "hours", "a")
    account.settle_source(uuid4(), "hours", Decimal(7), 1, "hours", "a")
    account.hold(held := uuid4(), Decimal(5))
    account.hold(uuid4(), Decimal(2))
    account.commit_hold(held)
    account.settle_source(source, "hours", Decimal(10), 1, "corrected", "a")
    account.redeem(uuid4(), Decimal(3))
    return list(account.collect_events())


def item_history() -> list[Any]:
    rice = CatalogItem.list(uuid4(), uuid4(), "大米", Decimal(5), 9, 2, "c")
    rice.reserve(uuid4(), 1, uuid4(), date(2026, 5, 31))
    rice.reserve(uuid4(), 1, buyer := uuid4(), date(2026, 6, 1))
    rice.reserve(kept := uuid4(), 1, buyer, date(2026, 6, 1))
    rice.release(kept, 1)
    rice.restock(5, "c")
    return list(rice.collect_events())


def folded(events: list[Any]) -> Any:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def assert_same(restored: Any, replayed: Any) -> None:
    assert vars(restored) == vars(replayed)
    assert {k: type(v) for k, v in vars(restored).items()} == {
        k: type(v) for k, v in vars(replayed).items()
    }


@pytest.mark.parametrize(
    "history",
    [volunteer_history, account_history, item_history],
    ids=lambda h: h.__name__,
)
def test_a_snapshot_at_any_version_and_the_later_events_fold_to_the_replay(
    history: Any,
) -> None:
    mapper = EventStore.in_memory().mapper
    events = history()
    replayed = folded(events)
    for taken_at in range(1, len(events) + 1):
        snapshot = PackedSnapshot.take(folded(events[:taken_at]))
        stored = mapper.to_domain_event(mapper.to_stored_event(snapshot))
        restored = stored.mutate(None)
        for event in events[taken_at:]:
            restored = event.mutate(restored)
        assert_same(restored, replayed)


def test_a_snapshot_taken_by_other_code_is_refused() -> None:
    snapshot = PackedSnapshot.take(folded(volunteer_history()))
    state = {**snapshot.state, "fingerprint": "other code"}
    with pytest.raises(StaleSnapshot):
        restore(
            snapshot.topic, snapshot.originator_id, snapshot.originator_version, state
        )
