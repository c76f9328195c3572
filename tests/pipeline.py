"""Drives the Kafka pipeline (relay and projector) synchronously in tests."""

from __future__ import annotations

import time

from application.services import Container


def wait_for_head(container: Container, timeout: float = 90) -> int:
    """Waits until the read models include the event-store head (fed by others)."""
    head = container.store.max_position()
    deadline = time.monotonic() + timeout
    while not container.readiness.reached(head):
        if time.monotonic() > deadline:
            raise TimeoutError(f"read models did not reach {head}")
        time.sleep(0.05)
    return head


class KafkaPipeline:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.relay = container.relay()
        self.projector = container.kafka_projector()

    def catch_up(self, timeout: float = 60) -> int:
        """Relays and projects until the read models include the event-store head."""
        head = self.container.store.max_position()
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
