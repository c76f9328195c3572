"""Group commit on real Postgres: concurrent commands share a transaction; one bad
command in a batch fails alone; a conflict with another process is retried; and a
crash loses no acknowledged write (see the process test at the end)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg

from application.executor import Outcome
from application.hours import HoursRecorded, RecordHours
from application.services import Container
from domain.access import Actor
from domain.errors import DuplicateIdNumber
from tests.api.conftest import hours_body, volunteer_body
from tests.conftest import NOW
from tests.integration.helpers import (
    DETAILS,
    District,
    make_district,
    register,
)
from tests.integration.test_cli_process import Server, call, vledger
from tests.waiting import wait_for


@contextmanager
def table_locked(url: str) -> Iterator[None]:
    """Holds the event table's lock, so that writes pile up as under load."""
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("LOCK TABLE vledger_events IN EXCLUSIVE MODE")
        yield


def lock_waiters(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'vledger_events' AND NOT l.granted"
        ).fetchone()
    return int(row[0]) if row else 0


def settle(condition: Callable[[], bool]) -> None:
    wait_for(condition, "the writers never queued up")


def grouped_up(
    container: Container, commands: int, others: int = 0
) -> Callable[[], bool]:
    """True once the committer is blocked on the lock with its first batch while the
    other commands wait in its queue (and `others` plain writers wait on the lock)."""
    committer = container.store.committer
    assert committer is not None

    def ready() -> bool:
        waiting_on_lock = lock_waiters(container.db.url)
        return waiting_on_lock == 1 + others and committer.queued() == commands

    return ready


def each_on_the_lock(container: Container, commands: int) -> Callable[[], bool]:
    return lambda: lock_waiters(container.db.url) == commands


def transactions(url: str, since: int) -> int:
    """How many transactions wrote the events after `since` (their xmin)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM vledger_events "
            "WHERE notification_id > %s",
            (since,),
        ).fetchone()
    return int(row[0]) if row else 0


def hours(unit: UUID, days_ago: int) -> RecordHours:
    """Two hours at `unit`, for whichever volunteer `record_hours` names."""
    start = NOW - timedelta(days=days_ago, hours=3)
    return RecordHours(UUID(int=0), unit, start, start + timedelta(hours=2), DETAILS)


def record_hours(
    container: Container, volunteer: UUID, command: RecordHours, actor: Actor
) -> Outcome[HoursRecorded]:
    command = replace(command, volunteer_id=volunteer)
    return container.commands.run(container.hours.record, command, actor)


def in_parallel(
    work: list[Callable[[], Any]], url: str, ready: Callable[[], bool]
) -> list[Any]:
    """Runs every piece of work while the event table is locked, until `ready`
    says they have all queued up, then lets them go."""
    results: list[Any] = [None] * len(work)

    def run(index: int) -> None:
        try:
            results[index] = work[index]()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    with table_locked(url):
        for thread in threads:
            thread.start()
        settle(ready)
    for thread in threads:
        thread.join(timeout=60)
    return results


def staff(
    container: Container, admin: Actor, count: int
) -> tuple[District, list[UUID]]:
    district = make_district(container, admin)
    people = [
        register(container, admin, district.station, serial=n) for n in range(count)
    ]
    return district, people


def test_concurrent_commands_share_transactions(
    container: Container, admin: Actor
) -> None:
    district, people = staff(container, admin, 30)
    before = container.store.max_position()

    def record(person: UUID) -> Callable[[], Any]:
        return lambda: record_hours(
            container, person, hours(district.station, 1), admin
        )

    results = in_parallel(
        [record(p) for p in people],
        container.db.url,
        grouped_up(container, len(people)),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert len({r.position for r in results}) == 30
    assert transactions(container.db.url, before) <= 5
    assert all(len(container.aggregates.volunteer(p).entries) == 1 for p in people)


def test_without_group_commit_each_command_has_its_own_transaction(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    container = make_container(group_commit=False)
    # Six: the event store's pool (4 + 4 overflow) must hold every waiting writer.
    district, people = staff(container, admin, 6)
    before = container.store.max_position()
    results = in_parallel(
        [
            lambda p=p: record_hours(container, p, hours(district.station, 1), admin)
            for p in people
        ],
        container.db.url,
        each_on_the_lock(container, len(people)),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert transactions(container.db.url, before) == 6


def test_one_bad_command_in_a_batch_fails_alone(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    serials = [1, 2, 3, 4, 4, 5]  # two registrations of one ID number

    def enrol(serial: int) -> Callable[[], Any]:
        return lambda: register(container, admin, district.station, serial=serial)

    results = in_parallel(
        [enrol(s) for s in serials], container.db.url, grouped_up(container, 6)
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert [type(r) for r in refused] == [DuplicateIdNumber], [
        (repr(r), repr(r.__cause__)) for r in refused
    ]
    registered = [r for r in results if isinstance(r, UUID)]
    assert len(registered) == 5
    assert all(container.aggregates.volunteer(v) for v in registered)


def test_a_conflict_with_another_process_is_retried_not_lost(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    grouped = make_container()
    other = make_container(group_commit=False)
    district, people = staff(grouped, admin, 6)
    shared = people[0]
    work: list[Callable[[], Any]] = [
        lambda p=p: record_hours(grouped, p, hours(district.station, 1), admin)
        for p in people
    ]
    work.append(lambda: record_hours(other, shared, hours(district.station, 2), admin))
    results = in_parallel(
        work, grouped.db.url, grouped_up(grouped, len(people), others=1)
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert len(grouped.aggregates.volunteer(shared).entries) == 2
    assert all(len(grouped.aggregates.volunteer(p).entries) == 1 for p in people[1:])


def test_a_crash_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """kill -9 of `vledger serve` while 12 clients record hours: every record that
    was answered 201 is there after a restart."""
    home = tmp_path / "home"
    server = Server(home)
    token = vledger(home, "token", "create", "--role", "admin").splitlines()[-1]
    center = call(
        server, token, "POST", "/v1/units", json={"name": "中心", "kind": "center"}
    )
    unit = center.json()["id"]
    people = [
        call(
            server,
            token,
            "POST",
            "/v1/volunteers",
            json=volunteer_body(unit, serial=n),
        ).json()["id"]
        for n in range(12)
    ]
    acknowledged: dict[str, set[str]] = {p: set() for p in people}
    stop = threading.Event()

    def client(person: str) -> None:
        for n in range(10_000):
            if stop.is_set():
                return
            body = hours_body(unit, hours_ago=24 * (n + 1), minutes=60)
            try:
                answer = call(
                    server, token, "POST", f"/v1/volunteers/{person}/hours", json=body
                )
            except httpx.TransportError:
                return
            if answer.status_code == 201:
                acknowledged[person].add(answer.json()["record_id"])

    threads = [threading.Thread(target=client, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    wait_for(
        lambda: sum(len(a) for a in acknowledged.values()) > 20,
        "21 writes acknowledged before the kill",
    )
    server.process.kill()
    server.process.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    restarted = Server(home)
    try:
        for person, records in acknowledged.items():
            listed = call(
                restarted,
                token,
                "GET",
                f"/v1/volunteers/{person}/hours",
                params={"limit": 500},
            ).json()
            kept = {e["record_id"] for e in listed["items"]}
            assert records <= kept, records - kept
    finally:
        restarted.stop()


def test_a_command_decided_on_a_superseded_version_reloads_without_a_failed_save(
    container: Container, admin: Actor
) -> None:
    """Six recordings for one volunteer are decided on the same version while the
    table is locked; each batch can hold one. The others are sent back to reload
    before they reach the database, instead of failing a save."""
    district, [person] = staff(container, admin, 1)
    committer = container.store.committer
    assert committer is not None
    real_save, failed_saves = committer.save, []

    def counting_save(events: Any, side_writes: Any) -> list[int]:
        try:
            return real_save(events, side_writes)
        except Exception as error:
            failed_saves.append(error)
            raise

    committer.save = counting_save

    def record(days_ago: int) -> Callable[[], Any]:
        return lambda: record_hours(
            container, person, hours(district.station, days_ago), admin
        )

    results = in_parallel(
        [record(d) for d in range(1, 7)],
        container.db.url,
        grouped_up(container, 6),
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert len(container.aggregates.volunteer(person).entries) == 6
    assert failed_saves == []
