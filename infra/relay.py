"""`vledger relay`: the transactional outbox. Follows the notification log in order
and publishes every event to Kafka; at-least-once, never lost.

Its position (and, per partition, the last notification id published there) is
stored in Postgres only after the broker acknowledged the whole batch (acks=all,
idempotent producer), so a crash at any point republishes, never skips."""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from psycopg import sql

from infra.db import Database
from infra.envelope import encode, to_envelope
from infra.event_store import EventStore
from infra.recorder import EVENTS_TABLE

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS relay_position (
    topic text PRIMARY KEY,
    notification_id bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS relay_partitions (
    topic text NOT NULL,
    partition integer NOT NULL,
    notification_id bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
"""
BATCH_SIZE = 500
MAX_BACKOFF_SECONDS = 5.0


def ensure_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        if topic not in admin.list_topics():
            admin.create_topics(
                [NewTopic(topic, num_partitions=partitions, replication_factor=1)]
            )
            log.info("created topic %s with %s partitions", topic, partitions)
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


class Relay:
    def __init__(
        self,
        store: EventStore,
        db: Database,
        bootstrap: str,
        topic: str,
        partitions: int,
    ) -> None:
        self.store = store
        self.db = db
        self.bootstrap = bootstrap
        self.topic = topic
        self.partitions = partitions
        self._producer: KafkaProducer | None = None

    def position(self) -> int:
        row = self.db.fetch_one(
            "SELECT notification_id FROM relay_position WHERE topic = %s", (self.topic,)
        )
        return int(row["notification_id"]) if row else 0

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            ensure_topic(self.bootstrap, self.topic, self.partitions)
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
                request_timeout_ms=10_000,
            )
        return self._producer

    def publish_once(self) -> int:
        """Publishes the next batch; returns how many events were published."""
        notifications = self.store.notifications(self.position(), BATCH_SIZE)
        if not notifications:
            return 0
        producer = self.producer
        sent = [
            (
                n.id,
                producer.send(
                    self.topic,
                    key=str(n.originator_id).encode(),
                    value=encode(to_envelope(n)),
                ),
            )
            for n in notifications
        ]
        producer.flush(timeout=30)
        last_by_partition: dict[int, int] = {}
        for notification_id, future in sent:
            metadata = future.get(timeout=0)  # raises if the broker did not ack it
            last_by_partition[metadata.partition] = notification_id
        self._store(notifications[-1].id, last_by_partition)
        return len(notifications)

    def _store(self, position: int, last_by_partition: dict[int, int]) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO relay_position (topic, notification_id) VALUES (%s, %s) "
                "ON CONFLICT (topic) DO UPDATE SET notification_id = "
                "greatest(relay_position.notification_id, excluded.notification_id), "
                "updated_at = now()",
                (self.topic, position),
            )
            for partition, notification_id in last_by_partition.items():
                cur.execute(
                    "INSERT INTO relay_partitions (topic, partition, notification_id) "
                    "VALUES (%s, %s, %s) ON CONFLICT (topic, partition) DO UPDATE SET "
                    "notification_id = greatest(relay_partitions.notification_id, "
                    "excluded.notification_id)",
                    (self.topic, partition, notification_id),
                )

    def run(self, stop: threading.Event) -> None:
        """Publishes until `stop`; wakes on Postgres NOTIFY from every save and
        retries with backoff while the broker is unreachable."""
        backoff = 0.5
        with psycopg.connect(self.db.url, autocommit=True) as listener:
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(EVENTS_TABLE)))
            while not stop.is_set():
                try:
                    published = self.publish_once()
                    backoff = 0.5
                except (KafkaError, OSError) as error:
                    log.warning(
                        "broker unavailable (%s); retrying in %.1fs", error, backoff
                    )
                    self._reset()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                    continue
                if published == 0:
                    _wait_for_notify(listener, timeout=1.0)

    def _reset(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:
                log.debug("closing the producer failed", exc_info=True)
            self._producer = None

    def close(self) -> None:
        self._reset()


def _wait_for_notify(conn: psycopg.Connection[Any], timeout: float) -> None:
    for _ in conn.notifies(timeout=timeout, stop_after=1):
        break
