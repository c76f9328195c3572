"""The metrics of the Kafka pipeline on a real broker: the relay's lag, and the
projectors' consumer-group lag per partition as consumer-group tools report it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from application.services import Container
from domain.access import Actor
from tests.integration.helpers import make_district
from tests.pipeline import KafkaPipeline

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def scrape(client: TestClient) -> Samples:
    page = client.get("/metrics")
    assert page.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(page.text):
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def test_the_relay_and_the_consumer_group_lag_shrink_to_nothing_as_they_catch_up(
    make_container: Callable[..., Container],
    kafka_settings: dict[str, object],
    admin: Actor,
) -> None:
    container = make_container(**kafka_settings)
    make_district(container, admin)
    pipeline = KafkaPipeline(container)
    topic, group = container.settings.kafka_topic, container.settings.projector_group
    try:
        with TestClient(create_app(container)) as client:
            head = scrape(client)["vledger_event_store_head"][()]
            assert scrape(client)["vledger_relay_lag_events"][()] == head
            while pipeline.relay.publish_once():
                pass
            published = scrape(client)
            assert published["vledger_relay_lag_events"][()] == 0
            assert published["vledger_relay_position"][()] == head
            lag = published["kafka_consumergroup_lag"]
            assert {dict(k)["consumergroup"] for k in lag} == {group}
            assert {dict(k)["topic"] for k in lag} == {topic}
            assert len(lag) == container.settings.kafka_partitions
            # Every partition the relay wrote to lags, none read yet. (Not by
            # exactly its message count: Tansu answers a partition's log end
            # as the base offset of its last record batch plus one.)
            written = {
                str(r["partition"])
                for r in container.db.fetch_all(
                    "SELECT partition FROM relay_partitions"
                )
            }
            assert written
            for labels, behind in lag.items():
                assert (behind >= 1) == (dict(labels)["partition"] in written)
            ends = published["kafka_topic_partition_current_offset"]
            assert sum(ends.values()) == sum(lag.values())
            pipeline.catch_up()
            caught_up = scrape(client)
            assert set(caught_up["kafka_consumergroup_lag"].values()) == {0}
            current = caught_up["kafka_consumergroup_current_offset"]
            assert sum(current.values()) == head
            for lagging in caught_up["vledger_projection_lag_events"].values():
                assert lagging == 0
    finally:
        pipeline.close()
