"""Projectors in one consumer group share the topic's partitions: the broker moves
partitions to a projector that joins and away from one that stops or dies, and
through every move each event is applied once (offsets and marks live in the
read-model transaction, not in Kafka)."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from application.services import Container
from domain.access import Actor
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register
from tests.kafka.helpers import fresh_replay, read_model_rows
from tests.kafka.test_crashes import VLEDGER, process_env
from tests.pipeline import wait_for_head

ASSIGNED = re.compile(r"assigned partitions \[([0-9, ]*)\]")
#: Joining waits for the group's rebalance; a dead member is noticed after its
#: session times out (10 s). Generous, for a busy machine.
REBALANCE_S = 90


class Projector:
    """A `vledger project` process whose log tells its partitions."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [*VLEDGER, "project"], env=env, stderr=sink, stdout=subprocess.DEVNULL
            )

    def partitions(self) -> list[int] | None:
        """Its latest assignment, or None before the first."""
        found = ASSIGNED.findall(self.log.read_text(encoding="utf-8", errors="replace"))
        if not found:
            return None
        return [int(p) for p in found[-1].split(",") if p.strip()]

    def wait_for(self, wanted: Callable[[list[int]], bool], what: str) -> None:
        deadline = time.monotonic() + REBALANCE_S
        while (owned := self.partitions()) is None or not wanted(owned):
            assert self.process.poll() is None, f"{self.log.name} exited"
            assert time.monotonic() < deadline, f"{self.log.name}: {what} ({owned})"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=30) == 0


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_partitions_move_between_projectors_and_each_event_is_applied_once(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    container = make_container(**kafka_settings, kafka_partitions=3)
    district = make_district(container, admin)
    people = [register(container, admin, district.station, serial=n) for n in range(12)]
    day = iter(range(1, 10_000))

    def write_some() -> None:
        for person in people:
            start = NOW - timedelta(days=next(day))
            record(container, admin, person, district.station, start, 60)

    write_some()
    env = process_env(container.settings, tmp_path, batch_size=5)
    relay = subprocess.Popen([*VLEDGER, "relay"], env=env, stderr=subprocess.DEVNULL)
    processes.append(relay)

    first = Projector(env, tmp_path / "first.log")
    processes.append(first.process)
    first.wait_for(lambda p: p == [0, 1, 2], "takes every partition alone")
    write_some()

    second = Projector(env, tmp_path / "second.log")
    processes.append(second.process)
    second.wait_for(lambda p: 0 < len(p) < 3, "gets a share")
    first.wait_for(lambda p: 0 < len(p) < 3, "gives a share away")
    assert set(first.partitions() or []) | set(second.partitions() or []) == {0, 1, 2}
    write_some()

    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    write_some()
    second.wait_for(lambda p: p == [0, 1, 2], "takes the dead one's partitions")

    third = Projector(env, tmp_path / "third.log")
    processes.append(third.process)
    third.wait_for(lambda p: 0 < len(p) < 3, "gets a share")
    write_some()
    second.stop()
    third.wait_for(lambda p: p == [0, 1, 2], "takes back what a stopped one had")
    write_some()

    wait_for_head(container, timeout=REBALANCE_S)
    third.stop()
    relay.send_signal(signal.SIGTERM)
    assert relay.wait(timeout=30) == 0
    assert read_model_rows(container.db, "readmodel") == read_model_rows(
        container.db, fresh_replay(container)
    )
    hours = container.reads.volunteer(people[0])
    assert hours is not None
    assert hours["verified_hours"] == 6  # six rounds of one hour, none twice
