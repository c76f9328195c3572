"""`vledger project`: consumes the events topic and applies each batch to the read
models in one transaction with the partition's mark and the offset to resume from.

Projectors join one consumer group and the broker shares the partitions among them
(kafka-python's group coordination); offsets are not committed to Kafka but stored
with the marks in the read-model transaction, so a partition that moves to another
projector resumes exactly where the last one's committed batch ended. A redelivered
batch changes nothing (events at or below the mark are skipped). When the broker's
offsets no longer match the stored ones (a wiped or new broker: the stored offset
lies past the end, or the record before it is not the one applied last), the
partition is re-read from the start and the notification-id check does the rest.

`run` fetches and decodes in one thread while it applies the previous batch in
another, so that waiting for the broker, decoding and writing overlap."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

import orjson
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from psycopg import sql

from infra.decoding import EventDecoder
from infra.envelope import fast_decode
from projections.base import Mark, Notified, OffsetMismatch, ProjectionRunner

log = logging.getLogger(__name__)
MAX_RECORDS = 2000
#: Half-second polls for the record before the stored offset (a slow broker).
PROBE_POLLS = 20
#: Batches fetched ahead of the one being applied.
AHEAD = 2


@dataclass(frozen=True)
class Fetched:
    """One partition's records of a poll, decoded. `generation` counts the seeks
    of that partition: a batch fetched before the latest seek is stale."""

    partition: int
    generation: int
    events: list[Notified]
    mark: Mark


class KafkaProjector(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(
        self,
        decoder: EventDecoder,
        runner: ProjectionRunner,
        bootstrap: str,
        topic: str,
        group: str,
        partitions: list[int] | None = None,
        batch_size: int = MAX_RECORDS,
    ) -> None:
        self.decoder = decoder
        self.runner = runner
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        #: Fixed partitions (no group), or None to share the topic with the group.
        self.wanted = partitions
        self.batch_size = batch_size
        self._consumer: KafkaConsumer | None = None
        self._starts: dict[int, int] = {}
        self._generations: dict[int, int] = {}
        self._seeks: dict[int, int] = {}
        self._unplaced: set[TopicPartition] = set()
        self._lock = threading.Lock()
        #: Batches fetched and not yet applied (run's queue and the one applying).
        self._pending = 0
        #: Events applied since this projector started (progress, benchmarks).
        self.applied = 0

    @property
    def consumer(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = self._connect()
        return self._consumer

    @property
    def assignment(self) -> list[int]:
        """The partitions this projector reads now."""
        if self._consumer is None:
            return []
        return sorted(tp.partition for tp in self._consumer.assignment())

    def _connect(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None if self.wanted is not None else self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=30_000,
            # A member that stops heartbeating is dropped after this; the broker
            # also holds a new group's first join for half of it (seen with
            # Tansu: 5 s at 10 s, 3 s at 6 s). 6 s once left two projectors of a
            # loaded test machine unable to share the partitions for 5 minutes.
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
            # Also the rebalance timeout: how long a rebalance waits for members
            # to rejoin. The fetching thread polls every half second or so; a
            # member gone without leaving the group stalls a join this long.
            max_poll_interval_ms=30_000,
        )
        available = consumer.partitions_for_topic(self.topic) or set()
        if not available:
            consumer.close()
            raise KafkaError(f"topic {self.topic} has no partitions yet")
        if self.wanted is None:
            consumer.subscribe([self.topic], listener=self)
            log.info("projecting %s in consumer group %s", self.topic, self.group)
        else:
            owned = sorted(p for p in available if p in self.wanted)
            assigned = [TopicPartition(self.topic, p) for p in owned]
            consumer.assign(assigned)
            self._seek(consumer, assigned)
            log.info("projecting partitions %s of %s", owned, self.topic)
        return consumer

    # The group's rebalance callbacks run on kafka-python's IO thread, which must
    # not block: a newly assigned partition is paused there and put at its stored
    # offset by the fetching thread before it is read.
    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        if revoked:
            log.info("partitions %s moved away", sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("assigned partitions %s", sorted(tp.partition for tp in assigned))
        if assigned and self._consumer is not None:
            self._consumer.pause(*assigned)
            with self._lock:
                self._unplaced.update(assigned)

    def _place_assigned(self, consumer: KafkaConsumer) -> None:
        """Seeks the partitions the group just assigned, then reads them."""
        with self._lock:
            unplaced, self._unplaced = self._unplaced, set()
        owned = [tp for tp in unplaced if tp in consumer.assignment()]
        if owned:
            self._seek(consumer, owned)
            consumer.resume(*owned)

    def _seek(self, consumer: KafkaConsumer, assigned: list[TopicPartition]) -> None:
        """Puts each partition at its stored offset (or its start)."""
        stored = self.runner.stored_offsets()
        ends = consumer.end_offsets(assigned)
        starts = consumer.beginning_offsets(assigned)
        self._starts.update({tp.partition: int(starts.get(tp, 0)) for tp in assigned})
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
            self._seek_to(
                consumer, tp, self._starts[tp.partition] if offset is None else offset
            )

    def _seek_to(
        self, consumer: KafkaConsumer, tp: TopicPartition, offset: int
    ) -> None:
        consumer.seek(tp, offset)
        self._generations[tp.partition] = self._generations.get(tp.partition, 0) + 1

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

    # Fetching: the consumer's thread.
    def _fetch(self, timeout_ms: int) -> list[Fetched]:
        """Seeks asked for by the applying side, then one poll, decoded."""
        consumer = self.consumer
        with self._lock:
            seeks, self._seeks = self._seeks, {}
        owned = {tp.partition: tp for tp in consumer.assignment()}
        for partition, offset in seeks.items():
            if partition in owned:
                log.info("re-seeking partition %s to %s", partition, offset)
                self._seek_to(consumer, owned[partition], offset)
        self._place_assigned(consumer)
        records = consumer.poll(timeout_ms=timeout_ms, max_records=self.batch_size)
        with self._lock:
            unplaced = set(self._unplaced)
        if not records and self._pending == 0 and not unplaced:
            self._resync(consumer)
        return [
            self._decoded(tp.partition, batch)
            for tp, batch in records.items()
            if tp not in unplaced
        ]

    def _decoded(self, partition: int, batch: list[Any]) -> Fetched:
        events = [n for r in batch if (n := self._decode(partition, r))]
        start = self._starts.get(partition, 0)
        mark = Mark(partition, batch[0].offset, batch[-1].offset + 1, start)
        return Fetched(partition, self._generations.get(partition, 0), events, mark)

    def _resync(self, consumer: KafkaConsumer) -> None:
        """Follows the stored offsets when idle: after a switch to a rebuilt schema
        (which has none yet) even an idle partition is re-read, so its mark gets
        recorded."""
        stored = self.runner.stored_offsets()
        for tp in consumer.assignment():
            expected = stored.get(tp.partition, self._starts.get(tp.partition, 0))
            if consumer.position(tp) != expected:
                log.info("resuming partition %s at %s", tp.partition, expected)
                self._seek_to(consumer, tp, expected)

    def _decode(self, partition: int, record: Any) -> Notified | None:
        try:
            return fast_decode(record.value, self.decoder)
        except Exception as error:
            self.runner.park_undecodable(partition, record.offset, error)
            return None

    # Applying: the caller's thread.
    def _apply(self, fetched: Fetched) -> int:
        """Applies one fetched batch; a stale one (fetched before its partition's
        latest seek) is dropped, and one that does not continue the stored offset
        asks for a seek. Returns the events applied."""
        if fetched.generation != self._generations.get(fetched.partition, 0):
            return 0
        try:
            self.runner.apply_batch(fetched.events, fetched.mark)
        except OffsetMismatch as gap:
            start = self._starts.get(fetched.partition, 0)
            with self._lock:
                self._seeks[fetched.partition] = (
                    start if gap.expected is None else gap.expected
                )
            return 0
        self.applied += len(fetched.events)
        return len(fetched.events)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Fetches and applies one poll's batches in this thread; returns the count
        of events applied."""
        return sum(self._apply(fetched) for fetched in self._fetch(timeout_ms))

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: a fetching thread keeps up to AHEAD batches decoded while
        this one applies them. A broker outage reconnects with a growing pause; a
        database error ends the run (the supervisor restarts the process)."""
        ahead: queue.Queue[Fetched] = queue.Queue(maxsize=AHEAD)
        halt = threading.Event()
        fetcher = threading.Thread(
            target=self._fetch_loop, args=(stop, halt, ahead), name="kafka-fetch"
        )
        fetcher.start()
        try:
            while not (stop.is_set() or halt.is_set()):
                try:
                    fetched = ahead.get(timeout=0.2)
                except queue.Empty:
                    continue
                try:
                    self._apply(fetched)
                finally:
                    with self._lock:
                        self._pending -= 1
        finally:
            halt.set()
            fetcher.join()

    def _fetch_loop(
        self, stop: threading.Event, halt: threading.Event, ahead: queue.Queue[Fetched]
    ) -> None:
        backoff = 0.5
        while not (stop.is_set() or halt.is_set()):
            try:
                fetched = self._fetch(timeout_ms=500)
                backoff = 0.5
            except KafkaError as error:
                log.warning(
                    "broker unavailable (%s); retrying in %.1fs", error, backoff
                )
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            except Exception:
                log.exception("fetching from the broker failed")
                halt.set()
                raise
            for batch in fetched:
                with self._lock:
                    self._pending += 1
                while not self._offer(ahead, batch):
                    if stop.is_set() or halt.is_set():
                        return
        self.close()

    @staticmethod
    def _offer(ahead: queue.Queue[Fetched], batch: Fetched) -> bool:
        try:
            ahead.put(batch, timeout=0.2)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close()
            except Exception:
                log.debug("closing the consumer failed", exc_info=True)
            self._consumer = None


class BrokerOffsets:
    """Where each partition of the topic begins and ends on the broker: what a
    consumer group's lag is measured against. One consumer outside any group,
    kept for the scrapes that ask (one at a time) and dropped when it fails."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()

    def bounds(self) -> dict[int, tuple[int, int]]:
        """Per partition: (first offset held, offset the next record will take)."""
        with self._lock:
            try:
                return self._bounds(self._connected())
            except BaseException:
                self._close()
                raise

    def _connected(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                enable_auto_commit=False,
                request_timeout_ms=5_000,
            )
        return self._consumer

    def _bounds(self, consumer: KafkaConsumer) -> dict[int, tuple[int, int]]:
        partitions = consumer.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        starts = consumer.beginning_offsets(tps)
        ends = consumer.end_offsets(tps)
        return {tp.partition: (starts[tp], ends[tp]) for tp in tps}

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
