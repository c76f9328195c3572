"""The Kafka pipeline on a real broker: relay, projector, poison, rebuilds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from kafka import KafkaProducer

from api.app import create_app
from application.services import Container
from domain.access import Actor, Role
from entrypoints.rebuild import rebuild
from infra.feed import EventStoreFeed
from tests.api.conftest import hours_body, volunteer_body
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register
from tests.kafka.helpers import fresh_replay, read_model_rows, running_pipeline
from tests.pipeline import KafkaPipeline, wait_for_head


def kafka_container(
    make_container: Callable[..., Container], kafka_settings: dict[str, object]
) -> Container:
    return make_container(**kafka_settings, read_wait_seconds=15)


def test_hours_posted_through_the_api_reach_read_models_via_relay_and_projector(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
) -> None:
    container = kafka_container(make_container, kafka_settings)
    assert container.projector is None  # nothing is fed in-process in Kafka mode
    district = make_district(container, admin)
    token = container.tokens.issue(Role.ADMIN, "ops").token
    headers = {"Authorization": f"Bearer {token}"}
    with running_pipeline(container), TestClient(create_app(container)) as client:
        volunteer = client.post(
            "/v1/volunteers", json=volunteer_body(district.station), headers=headers
        ).json()
        posted = client.post(
            f"/v1/volunteers/{volunteer['id']}/hours",
            json=hours_body(district.station, minutes=150),
            headers=headers,
        )
        assert posted.status_code == 201, posted.text
        read = client.get(
            f"/v1/volunteers/{volunteer['id']}",
            params={"min_position": posted.json()["position"]},
            headers=headers,
        )
        assert read.status_code == 200, read.text
        assert (read.json()["verified_hours"], read.json()["points_balance"]) == (
            2.5,
            25,
        )
        status = client.get("/v1/ops/status", headers=headers).json()
        assert status["dead_letters"] == 0


def test_a_poisoned_event_is_parked_and_the_projector_goes_on(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
) -> None:
    container = kafka_container(make_container, kafka_settings)
    pipeline = KafkaPipeline(container)
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    pipeline.catch_up()
    with psycopg.connect(container.db.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE readmodel.hour_entries ADD CHECK (hours < 0)")
    producer = KafkaProducer(bootstrap_servers=container.settings.kafka_bootstrap)
    producer.send(container.settings.kafka_topic, key=b"junk", value=b"not an event")
    producer.flush()
    producer.close()
    record(container, admin, volunteer, district.station, NOW - timedelta(hours=3), 60)
    later = register(container, admin, district.station, serial=2, name="李四")
    pipeline.catch_up()
    dead = container.db.fetch_all(
        "SELECT DISTINCT event_type FROM readmodel.dead_letters ORDER BY 1"
    )
    assert [r["event_type"] for r in dead] == ["Volunteer.HoursRecorded", "undecodable"]
    assert container.reads.volunteer(later) is not None
    assert container.reads.account(volunteer)["balance"] == 10  # type: ignore[index]
    pipeline.close()


def test_a_rebuild_switches_atomically_while_readers_and_writers_go_on(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
) -> None:
    container = kafka_container(make_container, kafka_settings)
    district = make_district(container, admin)
    volunteers = [
        register(container, admin, district.station, serial=s) for s in range(1, 9)
    ]
    for n, volunteer in enumerate(volunteers):
        for day in range(5):
            start = NOW - timedelta(days=day + 1, hours=n)
            record(container, admin, volunteer, district.station, start, 90)
    watched = volunteers[0]
    failures: list[Any] = []
    stop = threading.Event()

    def read_continuously() -> None:
        while not stop.is_set():
            row = container.reads.volunteer(watched)
            if row is None or row["verified_hours"] != 7.5:
                failures.append(row)

    def write_continuously() -> None:
        later = register(container, admin, district.station, serial=99, name="新人")
        for hour in range(12):
            if stop.is_set():
                return
            start = NOW - timedelta(days=20, hours=hour * 2)
            record(container, admin, later, district.station, start, 60)
            time.sleep(0.05)

    with running_pipeline(container):
        wait_for_head(container)
        reader = threading.Thread(target=read_continuously)
        writer = threading.Thread(target=write_continuously)
        reader.start()
        writer.start()
        rebuilt = rebuild(container.db, EventStoreFeed(container.store), "readmodel")
        writer.join()
        time.sleep(0.2)
        stop.set()
        reader.join()
        wait_for_head(container)
    assert failures == []
    assert rebuilt.position > 0
    assert read_model_rows(container.db, "readmodel") == read_model_rows(
        container.db, fresh_replay(container)
    )


def test_projectors_owning_different_partitions_together_build_the_read_models(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
) -> None:
    container = kafka_container(make_container, kafka_settings)
    district = make_district(container, admin)
    for serial in range(1, 7):
        volunteer = register(container, admin, district.station, serial=serial)
        record(
            container, admin, volunteer, district.station, NOW - timedelta(days=1), 90
        )
    pipeline = KafkaPipeline(container)
    while pipeline.relay.publish_once():
        pass
    owners = [container.kafka_projector(p) for p in ([0], [1, 2])]
    head = container.store.max_position()
    deadline = time.monotonic() + 60
    while not container.readiness.reached(head):
        assert time.monotonic() < deadline
        for owner in owners:
            owner.poll_once(timeout_ms=100)
    for owner in owners:
        owner.close()
    pipeline.close()
    assert read_model_rows(container.db, "readmodel") == read_model_rows(
        container.db, fresh_replay(container)
    )
