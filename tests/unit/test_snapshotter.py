"""The snapshotter takes snapshots off the request path: each wanted aggregate once
(wants made meanwhile coalesce), at most once per spacing, what is still wanted when
it stops, and nothing after it gave up on a slow store."""

from __future__ import annotations

import threading
import time
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.volunteer import Volunteer
from infra.snapshots import PackedSnapshot, Snapshotter, due
from projections.base import event_class
from tests.unit.test_volunteer import new_volunteer
from tests.waiting import wait_for


class Store:
    def __init__(self, delay: float = 0.0) -> None:
        self.taken: list[tuple[UUID, int]] = []
        self.delay = delay
        self.lock = threading.Lock()

    def put(self, snapshot: PackedSnapshot) -> None:
        time.sleep(self.delay)
        with self.lock:
            self.taken.append((snapshot.originator_id, snapshot.originator_version))

    def forget(self, aggregate_id: UUID) -> None:
        raise AssertionError("not in these tests")


def volunteers(count: int) -> dict[UUID, Volunteer]:
    found = {}
    for _ in range(count):
        volunteer = new_volunteer()
        found[volunteer.id] = volunteer
    return found


def test_wants_made_while_one_waits_coalesce_into_one_snapshot() -> None:
    people, store = volunteers(1), Store()
    (person,) = people
    snapshotter = Snapshotter(people.get, store, spacing=0.3)
    snapshotter.want([person])
    wait_for(snapshotter.idle, "the first snapshot")
    for _ in range(5):  # within the spacing: wanted once, taken once, later
        snapshotter.want([person])
    assert not snapshotter.idle()
    wait_for(snapshotter.idle, "the second snapshot")
    assert store.taken == [(person, 1), (person, 1)]
    snapshotter.stop()


def test_stopping_takes_what_is_still_wanted_at_once() -> None:
    people, store = volunteers(3), Store()
    snapshotter = Snapshotter(people.get, store, spacing=60)
    first = next(iter(people))
    snapshotter.want([first])
    wait_for(snapshotter.idle, "the first snapshot")
    snapshotter.want(people)  # the first again: not due for a minute
    snapshotter.stop()
    assert sorted(i for i, _ in store.taken) == sorted([first, *people])


def test_stopping_gives_up_on_a_slow_store_and_touches_it_no_more() -> None:
    people, store = volunteers(20), Store(delay=0.1)
    snapshotter = Snapshotter(people.get, store, stop_seconds=0.3)
    snapshotter.want(people)
    snapshotter.stop()
    taken = len(store.taken)
    time.sleep(0.5)
    assert len(store.taken) <= taken + 1  # at most the one it was storing
    assert len(store.taken) < len(people)


def test_an_aggregate_of_a_type_not_in_the_policy_is_not_snapshotted() -> None:
    store = Store()
    snapshotter = Snapshotter(lambda _: object(), store)  # type: ignore[arg-type,return-value]
    snapshotter.want([uuid4()])
    wait_for(snapshotter.idle, "the want handled")
    snapshotter.stop()
    assert store.taken == []


def test_a_bulk_imports_stored_rows_want_snapshots_as_events_do() -> None:
    """An import's rows are stored events, not event objects: the policy reads
    their topic."""
    volunteer, account, other = uuid4(), uuid4(), uuid4()
    rows = [
        StoredEvent(
            volunteer, 200, get_topic(event_class(Volunteer, "HoursRecorded")), b""
        ),
        StoredEvent(account, 199, "domain.account:CreditAccount.PointsCredited", b""),
        StoredEvent(other, 300, "domain.organisation:Team.Joined", b""),
    ]
    assert due(rows) == {volunteer}
