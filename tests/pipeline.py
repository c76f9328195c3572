"""Drives the Kafka pipeline (relay and projector) synchronously in tests."""

from __future__ import annotations

import time

from infra.container import Container
from infra.kafka_projector import KafkaProjector
from infra.relay import Relay


class KafkaPipeline:
    def __init__(self, container: Container) -> None:
        settings = container.settings
        assert settings.kafka_bootstrap is not None
        self.container = container
        self.relay = Relay(
            container.ledger,
            container.db,
            settings.kafka_bootstrap,
            settings.kafka_topic,
            settings.kafka_partitions,
        )
        self.projector = KafkaProjector(
            container.ledger.mapper,
            container.runner,
            settings.kafka_bootstrap,
            settings.kafka_topic,
        )

    def catch_up(self, timeout: float = 60) -> int:
        """Relays and projects until the read models include the event-store head."""
        head = self.container.ledger.max_position()
        deadline = time.monotonic() + timeout
        while self.relay.publish_once():
            pass
        while not self.container.readiness.reached(head):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read models did not reach {head}")
            self.projector.poll_once(timeout_ms=200)
        return head

    def close(self) -> None:
        self.relay.close()
        self.projector.close()
