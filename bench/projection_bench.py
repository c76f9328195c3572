"""Benchmark 3: projection throughput through Kafka. The relay publishes a written
history to a real Kafka-protocol broker (Tansu); then `vledger project`'s projector
applies it to the read models, against a bare kafka-python consumer reading the same
topic without applying anything. Both are timed from their first batch on."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from application.services import Container
from bench.env import BenchServer, now
from bench.harness import Result, peak_rss_mib, reset_peak_rss, step
from bench.history import write_history
from entrypoints.container import build
from infra.kafka_projector import KafkaProjector
from infra.settings import Settings, new_master_key
from projections.base import SWITCH_LOCK
from tests.broker import start_broker

DEADLINE_S = 600
#: The topic's partitions: what a group of projectors shares.
KAFKA_PARTITIONS = 4


class Steady:
    """Events counted from the end of the first non-empty batch on: each side's
    start-up (connecting, fetching metadata, creating tables), about a second
    whatever the size, would otherwise dominate small runs."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.events = 0
        self.seconds = 0.0

    def add(self, count: int) -> None:
        now = time.perf_counter()
        if self.started is None:
            if count:
                self.started = now
            return
        self.events += count
        self.seconds = now - self.started

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


#: The broker's fetch timing makes single runs vary by up to 1.6x; alternate rounds
#: and keep each side's best.
ROUNDS = 2


def project_all(projector: KafkaProjector, total: int) -> Steady:
    """Runs the projector as `vledger project` does (fetching and applying in two
    threads) and follows its count of applied events."""
    stop = threading.Event()
    running = threading.Thread(target=projector.run, args=(stop,), daemon=True)
    running.start()
    seen, steady = 0, Steady()
    deadline = time.monotonic() + DEADLINE_S
    try:
        while seen < total:
            if time.monotonic() > deadline or not running.is_alive():
                raise RuntimeError(f"projected {seen} of {total} events")
            time.sleep(0.005)
            applied = projector.applied
            steady.add(applied - seen)
            seen = applied
    finally:
        stop.set()
        running.join(timeout=60)
    return steady


def project_afresh(container: Container, total: int) -> Steady:
    """Into empty read models, from the topic's start (their marks go with them)."""
    container.runner.drop_tables()
    container.runner.create_tables()
    projector = container.kafka_projector()
    # A group of its own per round (see project_in_processes): rejoining the
    # group the last round's projector just left stalled Tansu's rebalance 30 s.
    projector.group = f"bench-thread-{uuid.uuid4().hex[:8]}"
    try:
        return project_all(projector, total)
    finally:
        projector.close()


def consume_all(bootstrap: str, topic: str, total: int, batch: int) -> Steady:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        read, steady = 0, Steady()
        deadline = time.monotonic() + DEADLINE_S
        while read < total:
            if time.monotonic() > deadline:
                raise RuntimeError(f"read {read} of {total} records")
            records = consumer.poll(timeout_ms=200, max_records=batch)
            count = sum(len(r) for r in records.values())
            read += count
            steady.add(count)
        return steady
    finally:
        consumer.close()


ASSIGNED = re.compile(rb"assigned partitions \[([0-9, ]*)\]")


class ProjectorProcess:
    """`vledger project` in a process of its own, in the group; its log tells its
    partitions."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "entrypoints.cli", "project"],
                env=env,
                stderr=sink,
                stdout=subprocess.DEVNULL,
            )

    def partitions(self) -> int:
        """How many partitions its latest assignment holds (0 before the first)."""
        found = ASSIGNED.findall(self.log.read_bytes())
        return len([p for p in found[-1].split(b",") if p.strip()]) if found else 0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def project_in_processes(
    container: Container, env: dict[str, str], count: int, home: Path
) -> float:
    """Events/s of `count` projector processes sharing the topic as a group. They
    join while a batch cannot commit (the read-model switch lock is held), so the
    clock starts when all of them own their share and stops at the head."""
    container.runner.drop_tables()
    container.runner.create_tables()
    total = container.store.max_position()
    # A group of its own per run: with Tansu, a group whose last two members
    # left at once was seen to fail every rebalance after (SyncGroup answered
    # "rebalance in progress" again and again).
    env = {**env, "VLEDGER_KAFKA_GROUP": f"bench-{count}-{uuid.uuid4().hex[:8]}"}
    with container.db.pool.connection() as gate:
        gate.execute("SELECT pg_advisory_lock(%s)", (SWITCH_LOCK,))
        projectors = [
            ProjectorProcess(env, home / f"projector-{count}-{n}.log")
            for n in range(count)
        ]
        try:
            deadline = time.monotonic() + 300
            while sum(p.partitions() for p in projectors) != KAFKA_PARTITIONS or any(
                p.partitions() == 0 for p in projectors
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("the projectors did not share the partitions")
                time.sleep(0.1)
            time.sleep(1)  # each has fetched its first batch and waits on the lock
            start = time.perf_counter()
            gate.execute("SELECT pg_advisory_unlock(%s)", (SWITCH_LOCK,))
            deadline = time.monotonic() + DEADLINE_S
            while not container.readiness.reached(total):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{count} projectors did not reach the head")
                time.sleep(0.01)
            return total / (time.perf_counter() - start)
        finally:
            for projector in projectors:
                projector.stop()


def process_env(settings: Settings) -> dict[str, str]:
    assert settings.database_url is not None
    assert settings.master_key is not None
    kept = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    return {
        **kept,
        "VLEDGER_HOME": str(settings.home),
        "VLEDGER_DATABASE_URL": settings.database_url.get_secret_value(),
        "VLEDGER_MASTER_KEY": settings.master_key.get_secret_value(),
        "VLEDGER_KAFKA_BOOTSTRAP": str(settings.kafka_bootstrap),
        "VLEDGER_KAFKA_TOPIC": settings.kafka_topic,
        "VLEDGER_KAFKA_PARTITIONS": str(KAFKA_PARTITIONS),
        "VLEDGER_PROJECT_BATCH_SIZE": str(settings.project_batch_size),
    }


def run(server: BenchServer, events: int, batch: int | None = None) -> list[Result]:
    """`batch`: events per poll and transaction (default: the setting's), small in
    the suite's tiny run, whose events would otherwise come in one poll."""
    broker = start_broker()
    try:
        with server.database() as url:
            settings = server.settings(
                url,
                new_master_key(),
                kafka_bootstrap=broker.bootstrap,
                kafka_partitions=KAFKA_PARTITIONS,
                **({"project_batch_size": batch} if batch else {}),
            )
            container = build(settings, clock=now)
            with step(f"writing a history of {events:,} events"):
                write_history(container, events)
            total = container.store.max_position()
            relay = container.relay()
            with step("relay to the broker"):
                while relay.publish_once():
                    pass
            relay.close()
            ours: list[Steady] = []
            bare: list[Steady] = []
            ours_rss, bare_rss = 0.0, 0.0
            rounds = ROUNDS if events >= 50_000 else 1  # one round when quick
            for round_ in range(1, rounds + 1):
                with step(f"projector (ours), round {round_}"):
                    reset_peak_rss()
                    ours.append(project_afresh(container, total))
                    ours_rss = max(ours_rss, peak_rss_mib())
                with step(f"bare consumer, round {round_}"):
                    reset_peak_rss()
                    bare.append(
                        consume_all(
                            broker.bootstrap,
                            settings.kafka_topic,
                            total,
                            settings.project_batch_size,
                        )
                    )
                    bare_rss = max(bare_rss, peak_rss_mib())
            env = process_env(settings)
            home = Path(settings.home)
            home.mkdir(parents=True, exist_ok=True)
            alone, shared = [], []
            # Each process run pays a group join (about 5 s).
            for round_ in range(1, rounds + 1):
                with step(f"one projector process, round {round_}"):
                    alone.append(project_in_processes(container, env, 1, home))
                with step(f"two projector processes, round {round_}"):
                    shared.append(project_in_processes(container, env, 2, home))
            container.close()
    finally:
        broker.stop()
    return [
        Result(
            "projection through Kafka",
            "events/s, steady (best of rounds)",
            max(t.rate for t in ours),
            "bare kafka-python consumer",
            max(t.rate for t in bare),
            ">= 0.5",
        ),
        Result(
            "projection through Kafka, a group of projector processes",
            "events/s, two processes (best of rounds)",
            max(shared),
            "one process",
            max(alone),
            "-",
        ),
        Result(
            "memory: projector (benchmark process)",
            "peak RSS MiB (lower is better)",
            ours_rss,
            "bare kafka-python consumer",
            bare_rss,
            "-",
        ),
    ]
