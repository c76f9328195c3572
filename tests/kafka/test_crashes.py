"""Crashes and outages with real processes and a real broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition

from api.app import create_app
from application.services import Container
from domain.access import Actor, Role
from infra.settings import Settings
from tests.api.conftest import hours_body
from tests.broker import free_port, start_broker
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register
from tests.kafka.helpers import fresh_replay, read_model_rows, running_pipeline
from tests.pipeline import KafkaPipeline, wait_for_head
from tests.proxy import CuttableProxy

VLEDGER = [sys.executable, "-m", "entrypoints.cli"]


def process_env(settings: Settings, home: Path, batch_size: int = 10) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    assert settings.database_url is not None
    assert settings.master_key is not None
    return {
        **env,
        "VLEDGER_HOME": str(home),
        "VLEDGER_DATABASE_URL": settings.database_url.get_secret_value(),
        "VLEDGER_MASTER_KEY": settings.master_key.get_secret_value(),
        "VLEDGER_KAFKA_BOOTSTRAP": str(settings.kafka_bootstrap),
        "VLEDGER_KAFKA_TOPIC": settings.kafka_topic,
        "VLEDGER_PROJECT_BATCH_SIZE": str(batch_size),
    }


def seed_many(
    container: Container, admin: Actor, volunteers: int, entries: int
) -> None:
    district = make_district(container, admin)
    for serial in range(1, volunteers + 1):
        volunteer = register(container, admin, district.station, serial=serial)
        for day in range(entries):
            start = NOW - timedelta(days=day + 1, hours=serial % 12)
            record(container, admin, volunteer, district.station, start, 120)


def tracked(container: Container) -> int:
    row = container.db.fetch_one(
        "SELECT coalesce(sum(position), 0) AS s FROM readmodel.tracking "
        "WHERE partition >= 0"
    )
    return int(row["s"]) if row else 0


def stored_offset(container: Container) -> int:
    row = container.db.fetch_one(
        "SELECT min(kafka_offset) AS o FROM readmodel.tracking WHERE partition = 0"
    )
    assert row is not None
    return int(row["o"])


def wait_for_end(bootstrap: str, topic: str, at_least: int) -> None:
    """Until partition 0's end offset reaches `at_least` (a generous deadline)."""
    probe = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        deadline = time.monotonic() + 60
        while probe.end_offsets([tp]).get(tp, 0) < at_least:
            assert time.monotonic() < deadline, "the broker did not take the messages"
            time.sleep(0.1)
    finally:
        probe.close()


def pipeline_state(container: Container) -> str:
    """What the relay and the projections recorded, to explain a failure."""
    queries = (
        "SELECT * FROM relay_partitions ORDER BY partition",
        "SELECT projection, partition, position, kafka_offset FROM readmodel.tracking "
        "ORDER BY partition, projection",
        "SELECT projection, position, event_type, error FROM readmodel.dead_letters",
    )
    return "\n".join(str(container.db.fetch_all(q)) for q in queries)


def test_kill_9_of_the_projector_mid_stream_then_restart_applies_each_once(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
    tmp_path: Path,
) -> None:
    container = make_container(**kafka_settings)
    seed_many(container, admin, volunteers=30, entries=12)
    head = container.store.max_position()
    # One event per transaction: hundreds of commits lie between the first mark and
    # the head, so a kill right after the first lands mid-stream even on a busy
    # machine, where the projector may run for a while before this process wakes.
    env = process_env(container.settings, tmp_path, batch_size=1)
    relay = subprocess.Popen([*VLEDGER, "relay"], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while (
        container.db.fetch_one(
            "SELECT 1 FROM relay_position WHERE notification_id >= %s", (head,)
        )
        is None
    ):
        assert time.monotonic() < deadline, "the relay did not publish the log"
        time.sleep(0.05)
    relay.send_signal(signal.SIGTERM)
    assert relay.wait(timeout=30) == 0

    projector = subprocess.Popen(
        [*VLEDGER, "project"], env=env, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while tracked(container) == 0:
        assert time.monotonic() < deadline, "the projector never started"
        time.sleep(0.005)
    projector.send_signal(signal.SIGKILL)
    projector.wait(timeout=10)
    assert not container.readiness.reached(head), "killed too late to test anything"

    restarted = subprocess.Popen(
        [*VLEDGER, "project"], env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not container.readiness.reached(head):
            assert time.monotonic() < deadline, (
                "the restarted projector did not catch up"
            )
            time.sleep(0.05)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=30) == 0
    assert read_model_rows(container.db, "readmodel") == read_model_rows(
        container.db, fresh_replay(container)
    )


def test_while_the_broker_is_unreachable_writes_go_on_and_nothing_is_lost(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    proxy_port = free_port()
    broker = start_broker(advertised_port=proxy_port)
    proxy = CuttableProxy(proxy_port, broker.port)
    container = make_container(
        kafka_bootstrap=f"127.0.0.1:{proxy_port}",
        kafka_topic=f"vledger.outage.{proxy_port}",
    )
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    token = container.tokens.issue(Role.ADMIN, "ops").token
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with running_pipeline(container), TestClient(create_app(container)) as client:
            wait_for_head(container)
            proxy.cut()
            for day in range(1, 6):
                posted = client.post(
                    f"/v1/volunteers/{volunteer}/hours",
                    json=hours_body(district.station, hours_ago=24 * day, minutes=60),
                    headers=headers,
                )
                assert posted.status_code == 201, posted.text
            time.sleep(3)  # the relay retries against a broker it cannot reach
            assert not container.readiness.reached(container.store.max_position())
            status = client.get("/v1/ops/status", headers=headers).json()
            assert status["feed"] == "kafka"
            behind = status["projections"][0]
            assert behind["lag_events"] >= 5
            assert behind["lag_seconds"] >= 2
            proxy.restore()
            wait_for_head(container)
        summary = container.reads.volunteer(volunteer)
        assert summary is not None
        assert summary["verified_hours"] == 5
        relayed = container.db.fetch_one(
            "SELECT max(notification_id) AS n FROM relay_position"
        )
        assert relayed is not None
        assert relayed["n"] == container.store.max_position()
    finally:
        proxy.close()
        broker.stop()


def test_after_the_broker_is_wiped_the_projector_rereads_and_goes_on(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    port = free_port()
    broker = start_broker(advertised_port=port)
    proxy = CuttableProxy(port, broker.port)
    container = make_container(
        kafka_bootstrap=f"127.0.0.1:{port}", kafka_topic="vledger.wiped"
    )
    try:
        seed_many(container, admin, volunteers=5, entries=6)
        pipeline = KafkaPipeline(container)
        pipeline.catch_up()
        pipeline.close()
        # A new, empty broker behind the same address: offsets start again at 0.
        proxy.cut()
        broker.stop()
        broker = start_broker(advertised_port=port)
        proxy.target = ("127.0.0.1", broker.port)
        proxy.restore()
        district = container.aggregates.unit(
            container.db.fetch_one(
                "SELECT id FROM readmodel.units WHERE kind = 'station'"
            )["id"]
        )
        newcomer = register(container, admin, district.id, serial=77, name="新来的")
        record(container, admin, newcomer, district.id, NOW - timedelta(hours=30), 60)
        again = KafkaPipeline(container)
        again.catch_up(timeout=60)
        again.close()
        summary = container.reads.volunteer(newcomer)
        assert summary is not None, pipeline_state(container)
        assert summary["verified_hours"] == 1
        assert read_model_rows(container.db, "readmodel") == read_model_rows(
            container.db, fresh_replay(container)
        )
    finally:
        proxy.close()
        broker.stop()


def test_a_wiped_broker_that_has_as_many_messages_again_is_still_reread(
    make_container: Callable[..., Container], admin: Actor
) -> None:
    """One partition: the new broker soon holds more messages than the projector's
    stored offset, so the offset alone cannot tell that the broker was wiped; the
    record before it, not the one applied last, does."""
    port = free_port()
    broker = start_broker(advertised_port=port)
    proxy = CuttableProxy(port, broker.port)
    container = make_container(
        kafka_bootstrap=f"127.0.0.1:{port}",
        kafka_topic="vledger.refilled",
        kafka_partitions=1,
    )
    try:
        district = make_district(container, admin)
        first = KafkaPipeline(container)
        first.catch_up()
        first.close()
        stored = tracked(container)
        offset = stored_offset(container)
        proxy.cut()
        broker.stop()
        broker = start_broker(advertised_port=port)
        proxy.target = ("127.0.0.1", broker.port)
        proxy.restore()
        again = KafkaPipeline(container)
        newcomers = []
        for serial in (81, 82, 83, 84):  # one produce request each
            newcomers.append(register(container, admin, district.station, serial))
            while again.relay.publish_once():
                pass
        # The new broker holds more messages than the stored offset before the
        # projector looks: the offset is no longer past the end.
        wait_for_end(f"127.0.0.1:{port}", "vledger.refilled", offset + 1)
        again.catch_up(timeout=60)
        again.close()
        assert tracked(container) > stored
        for newcomer in newcomers:
            assert container.reads.volunteer(newcomer) is not None, pipeline_state(
                container
            )
    finally:
        proxy.close()
        broker.stop()
