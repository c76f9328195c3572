"""Snapshots on real Postgres: taken in the background at the policy's interval,
loaded with the events after them, and never trusted when other code took them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg

from application.services import Container
from domain.access import Actor
from domain.ids import account_id_for
from infra.snapshots import POLICY, SNAPSHOTS_TABLE
from tests.integration.helpers import make_district, register
from tests.integration.long_history import give_entries
from tests.waiting import wait_for


def replayed(container: Container, aggregate_id: UUID) -> Any:
    """The aggregate folded from every one of its events, no snapshot."""
    store = container.store
    aggregate = None
    for stored in store.recorder.select_events(aggregate_id):
        aggregate = store.mapper.to_domain_event(stored).mutate(aggregate)
    return aggregate


def same_state(loaded: Any, replay: Any) -> None:
    """Equal attributes of equal types (a StrEnum equals its text)."""
    assert vars(loaded) == vars(replay)
    assert {k: type(v) for k, v in vars(loaded).items()} == {
        k: type(v) for k, v in vars(replay).items()
    }


def snapshot_versions(url: str, aggregate_id: UUID) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT originator_version FROM {SNAPSHOTS_TABLE} "
            "WHERE originator_id = %s ORDER BY 1",
            (aggregate_id,),
        ).fetchall()
    return [row[0] for row in rows]


def settled(container: Container) -> None:
    snapshotter = container.store.snapshotter
    assert snapshotter is not None
    wait_for(snapshotter.idle, "snapshots taken")


def volunteer_with_entries(
    container: Container, admin: Actor, entries: int, corrections: bool = False
) -> UUID:
    """A volunteer given `entries` entries, once the snapshots they called for
    are taken."""
    district = make_district(container, admin)
    person = register(container, admin, district.station)
    give_entries(container, person, district.station, entries, corrections)
    settled(container)
    return person


def test_a_snapshot_and_the_events_after_it_load_the_same_state_as_a_replay(
    make_container: Callable[..., Container], admin: Actor, database_url: str
) -> None:
    writer = make_container()
    person = volunteer_with_entries(writer, admin, 230, corrections=True)
    interval = POLICY[type(writer.aggregates.volunteer(person))]
    volunteer_version = writer.aggregates.volunteer(person).version
    # Taken of the state as it stood when the snapshotter came to it (a multiple
    # of the interval or later); only the latest one is kept.
    (version,) = snapshot_versions(database_url, person)
    assert volunteer_version - volunteer_version % interval <= version
    assert snapshot_versions(database_url, account_id_for(person))
    reader = make_container()  # nothing cached: starts from the snapshots
    for aggregate_id in (person, account_id_for(person)):
        loaded = reader.aggregates.load(aggregate_id)[aggregate_id]
        same_state(loaded, replayed(reader, aggregate_id))


def test_a_command_after_a_restart_decides_on_the_snapshotted_state(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    writer = make_container()
    district = make_district(writer, admin)
    person = register(writer, admin, district.station)
    give_entries(writer, person, district.station, 120)
    settled(writer)
    restarted = make_container()
    give_entries(restarted, person, district.station, 3, offset=120)
    volunteer = restarted.aggregates.volunteer(person)
    assert len(volunteer.entries) == 123
    same_state(volunteer, replayed(restarted, person))
    account = restarted.aggregates.account(person)
    assert account.balance == replayed(restarted, account_id_for(person)).balance


def test_a_snapshot_taken_by_other_code_is_dropped_and_the_events_folded(
    make_container: Callable[..., Container], admin: Actor, database_url: str
) -> None:
    writer = make_container()
    person = volunteer_with_entries(writer, admin, 110)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            f"UPDATE {SNAPSHOTS_TABLE} SET state = replace("
            "convert_from(state, 'UTF8'), '\"fingerprint\"', '\"was\"')::bytea "
            "WHERE originator_id = %s",
            (person,),
        )
    reader = make_container()
    loaded = reader.aggregates.load(person)[person]
    same_state(loaded, replayed(reader, person))
    settled(reader)  # and a new one was taken in its place
    wait_for(lambda: bool(snapshot_versions(database_url, person)), "retaken")
    fresh = make_container()
    same_state(fresh.aggregates.load(person)[person], loaded)
