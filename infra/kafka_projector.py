"""`vledger project`: consumes the events topic and applies each batch to the read
models in one transaction with the partition's mark and the offset to resume from.

A redelivered batch changes nothing (events at or below the mark are skipped). When
the broker's offsets no longer match the stored ones (a wiped or new broker: the
stored offset lies past the end, or the record before it is not the one applied
last), the partition is re-read from the start and the notification-id check does
the rest."""

from __future__ import annotations

import logging
import threading
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from psycopg import sql

from infra.envelope import decode
from projections.base import Mark, Notified, OffsetMismatch, ProjectionRunner

log = logging.getLogger(__name__)
MAX_RECORDS = 500
#: Half-second polls for the record before the stored offset (a slow broker).
PROBE_POLLS = 20


class KafkaProjector:
    def __init__(
        self,
        mapper: Mapper[UUID],
        runner: ProjectionRunner,
        bootstrap: str,
        topic: str,
        partitions: list[int] | None = None,
        batch_size: int = MAX_RECORDS,
    ) -> None:
        self.mapper = mapper
        self.runner = runner
        self.bootstrap = bootstrap
        self.topic = topic
        self.wanted = partitions
        self.batch_size = batch_size
        self._consumer: KafkaConsumer | None = None
        self._starts: dict[int, int] = {}

    @property
    def consumer(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = self._connect()
        return self._consumer

    def _connect(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=30_000,
        )
        available = consumer.partitions_for_topic(self.topic) or set()
        if not available:
            consumer.close()
            raise KafkaError(f"topic {self.topic} has no partitions yet")
        owned = sorted(p for p in available if self.wanted is None or p in self.wanted)
        assigned = [TopicPartition(self.topic, p) for p in owned]
        consumer.assign(assigned)
        self._seek(consumer, assigned)
        log.info("projecting partitions %s of %s", owned, self.topic)
        return consumer

    def _seek(self, consumer: KafkaConsumer, assigned: list[TopicPartition]) -> None:
        stored = self._stored_offsets()
        ends = consumer.end_offsets(assigned)
        starts = consumer.beginning_offsets(assigned)
        self._starts = {tp.partition: int(starts.get(tp, 0)) for tp in assigned}
        marks = self._marks()
        for tp in assigned:
            offset = stored.get(tp.partition)
            if offset is not None and (
                offset > ends.get(tp, 0)
                or self._rewritten(tp, offset, marks.get(tp.partition))
            ):
                log.warning("partition %s lost messages: re-reading it", tp.partition)
                self.runner.forget_offsets(tp.partition)
                offset = None
            consumer.seek(tp, self._starts[tp.partition] if offset is None else offset)

    def _rewritten(self, tp: TopicPartition, offset: int, mark: int | None) -> bool:
        """Whether the record before `offset` is not the last one applied from this
        partition: a wiped broker that has since received as many messages as the
        old one had would otherwise resume past new ones. A record already removed
        by retention cannot tell, and is taken as the one applied."""
        if offset <= self._starts.get(tp.partition, 0) or mark is None:
            return False
        probe = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            request_timeout_ms=30_000,
        )
        try:
            probe.assign([tp])
            probe.seek(tp, offset - 1)
            for _ in range(PROBE_POLLS):
                records = probe.poll(timeout_ms=500, max_records=1).get(tp, [])
                if records:
                    try:
                        last = orjson.loads(records[0].value)["notification_id"]
                    except (orjson.JSONDecodeError, KeyError, TypeError):
                        return True
                    return bool(last != mark)
            return True  # no answer: re-reading is safe, skipping is not
        finally:
            probe.close()

    def _marks(self) -> dict[int, int]:
        """The notification id last applied from each partition."""
        rows = self.runner.db.fetch_all(
            sql.SQL(
                "SELECT partition, min(position) AS mark FROM {}.tracking "
                "WHERE partition >= 0 GROUP BY partition"
            ).format(sql.Identifier(self.runner.schema))
        )
        return {r["partition"]: int(r["mark"]) for r in rows}

    def _stored_offsets(self) -> dict[int, int]:
        rows = self.runner.db.fetch_all(
            sql.SQL(
                "SELECT partition, min(kafka_offset) AS next FROM {}.tracking "
                "WHERE partition >= 0 AND kafka_offset IS NOT NULL GROUP BY partition"
            ).format(sql.Identifier(self.runner.schema))
        )
        return {r["partition"]: int(r["next"]) for r in rows}

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Applies what one poll returns, partition by partition; returns the count."""
        consumer = self.consumer
        self._resync(consumer)
        records = consumer.poll(timeout_ms=timeout_ms, max_records=self.batch_size)
        applied = 0
        for tp, batch in records.items():
            events = [n for r in batch if (n := self._decode(tp.partition, r))]
            start = self._starts.get(tp.partition, 0)
            mark = Mark(tp.partition, batch[0].offset, batch[-1].offset + 1, start)
            try:
                self.runner.apply_batch(events, mark)
            except OffsetMismatch as gap:
                resume = start if gap.expected is None else gap.expected
                log.info("re-seeking partition %s to %s", tp.partition, resume)
                consumer.seek(tp, resume)
                break  # the rest of this poll may be stale too
            applied += len(events)
        return applied

    def _resync(self, consumer: KafkaConsumer) -> None:
        """Follows the stored offsets: after a switch to a rebuilt schema (which has
        none yet) even an idle partition is re-read, so its mark gets recorded."""
        stored = self._stored_offsets()
        for tp in consumer.assignment():
            expected = stored.get(tp.partition, self._starts.get(tp.partition, 0))
            if consumer.position(tp) != expected:
                log.info("resuming partition %s at %s", tp.partition, expected)
                consumer.seek(tp, expected)

    def _decode(self, partition: int, record: Any) -> Notified | None:
        try:
            return decode(record.value, self.mapper)
        except Exception as error:
            self.runner.park_undecodable(partition, record.offset, error)
            return None

    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                self.poll_once()
                backoff = 0.5
            except KafkaError as error:
                log.warning(
                    "broker unavailable (%s); retrying in %.1fs", error, backoff
                )
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close()
            except Exception:
                log.debug("closing the consumer failed", exc_info=True)
            self._consumer = None
