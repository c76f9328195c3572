"""Benchmark 3: projection throughput through Kafka. The relay publishes a written
history to a real Kafka-protocol broker (Tansu); then `vledger project`'s projector
applies it to the read models, against a bare kafka-python consumer reading the same
topic without applying anything. Both are timed from their first batch on."""

from __future__ import annotations

import threading
import time

from kafka import KafkaConsumer, TopicPartition

from application.services import Container
from bench.env import BenchServer, now
from bench.harness import Result, peak_rss_mib, reset_peak_rss, step
from bench.history import write_history
from entrypoints.container import build
from infra.kafka_projector import KafkaProjector
from infra.settings import new_master_key
from tests.broker import start_broker

DEADLINE_S = 600


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


def run(server: BenchServer, events: int) -> list[Result]:
    broker = start_broker()
    try:
        with server.database() as url:
            settings = server.settings(
                url, new_master_key(), kafka_bootstrap=broker.bootstrap
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
            for round_ in range(1, ROUNDS + 1):
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
            "memory: projector (benchmark process)",
            "peak RSS MiB (lower is better)",
            ours_rss,
            "bare kafka-python consumer",
            bare_rss,
            "-",
        ),
    ]
