"""Group commit: the events of concurrent commands saved together, in one transaction.

Every write takes the event table's lock, so one save per request makes concurrent
requests queue for it one by one. A committer thread instead takes everything that
is waiting and saves it in one transaction; each request is answered only once that
transaction has committed, so no acknowledged write can be lost.

A batch never holds two commands on the same aggregate (both would write the same
next version): the later one waits for the next batch. When a batch fails on a
constraint (a retried key, a uniqueness claim, another process that wrote one of the
aggregates first), its commands are saved one by one, so only the one at fault gets
the error and goes through its own retry."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from infra import metrics
from infra.recorder import SideWrite

log = logging.getLogger(__name__)

#: Most events in one batch: far below the size at which one statement stalls in
#: psycopg's pipeline mode (about 1,000 events, see docs/performance.md).
MAX_EVENTS = 200

#: Aggregates whose last committed version the committer keeps in mind.
MAX_REMEMBERED = 100_000

#: Saves events and side writes in one transaction; returns each event's position.
SaveFn = Callable[[Sequence[Any], Sequence[SideWrite]], list[int]]


class StaleCommand(IntegrityError):
    """The command's aggregate moved on after it was loaded: reload and decide
    again (the same path as a unique-key conflict on save)."""


@dataclass
class Pending:
    events: list[Any]
    side_writes: list[SideWrite]
    done: threading.Event = field(default_factory=threading.Event)
    position: int = 0
    error: BaseException | None = None

    @property
    def aggregate_ids(self) -> set[UUID]:
        return {e.originator_id for e in self.events}

    def first_versions(self) -> dict[UUID, int]:
        first: dict[UUID, int] = {}
        for e in self.events:
            first.setdefault(e.originator_id, e.originator_version)
        return first

    def succeed(self, position: int) -> None:
        self.position = position
        self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class GroupCommitter:
    def __init__(self, save: SaveFn, max_events: int = MAX_EVENTS) -> None:
        self.save = save
        self.max_events = max_events
        self._waiting: deque[Pending] = deque()
        self._ready = threading.Condition()
        self._stopped = False
        self._saving = 0
        #: The last version this committer committed per aggregate, to spot a
        #: command decided on a state that a batch has since moved past.
        self._committed: dict[UUID, int] = {}
        self._thread = threading.Thread(
            target=self._run, name="group-commit", daemon=True
        )
        self._thread.start()

    def commit(self, events: list[Any], side_writes: list[SideWrite]) -> int:
        """Blocks until the events are committed; returns the position of the last
        one, or raises what their save raised."""
        pending = Pending(events, side_writes)
        with self._ready:
            if self._stopped:
                raise RuntimeError("the group committer has stopped")
            self._waiting.append(pending)
            self._ready.notify()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.position

    def queued(self) -> int:
        """Commands not yet answered: the batch being saved and those waiting."""
        with self._ready:
            return len(self._waiting) + self._saving

    def stop(self) -> None:
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._waiting and not self._stopped:
                    self._ready.wait()
                if not self._waiting:
                    return
                batch, stale = self._take_batch()
                self._saving = len(batch)
            for pending in stale:
                pending.fail(StaleCommand("decided on a version already superseded"))
            if batch:
                self._commit(batch)
            with self._ready:
                self._saving = 0

    def _take_batch(self) -> tuple[list[Pending], list[Pending]]:
        """What is waiting, oldest first, without two commands on one aggregate
        and within the size limit; the rest keeps its place in the queue. Also the
        commands sure to conflict: decided on a version an earlier batch replaced
        (say, two kiosks selling the same item), which go back to their command
        for a reload at once instead of failing the whole batch's save."""
        batch: list[Pending] = []
        held_back: list[Pending] = []
        stale: list[Pending] = []
        touched: set[UUID] = set()
        events = 0
        while self._waiting:
            pending = self._waiting.popleft()
            if self._is_stale(pending):
                stale.append(pending)
                continue
            ids = pending.aggregate_ids
            too_big = batch and events + len(pending.events) > self.max_events
            if too_big or ids & touched:
                held_back.append(pending)
                continue
            batch.append(pending)
            touched |= ids
            events += len(pending.events)
        self._waiting.extendleft(reversed(held_back))
        return batch, stale

    def _is_stale(self, pending: Pending) -> bool:
        return any(
            version <= self._committed.get(aggregate_id, 0)
            for aggregate_id, version in pending.first_versions().items()
        )

    def _remember_versions(self, events: Sequence[Any]) -> None:
        if len(self._committed) > MAX_REMEMBERED:
            self._committed.clear()  # the table's unique key still catches the rest
        for e in events:
            self._committed[e.originator_id] = e.originator_version

    def _commit(self, batch: list[Pending]) -> None:
        try:
            self._save_together(batch)
        except IntegrityError as error:
            metrics.COMMIT_FAILURES.inc()
            if len(batch) == 1:
                batch[0].fail(error)
                return
            log.info("a batch of %s hit a constraint; saving one by one", len(batch))
            for pending in batch:
                self._commit([pending])
        except BaseException as error:  # every waiter must hear of it
            for pending in batch:
                pending.fail(error)

    def _save_together(self, batch: list[Pending]) -> None:
        events = [e for p in batch for e in p.events]
        side_writes = [w for p in batch for w in p.side_writes]
        with metrics.COMMIT_SECONDS.time():
            positions = self.save(events, side_writes)
        metrics.BATCH_COMMANDS.observe(len(batch))
        metrics.BATCH_EVENTS.observe(len(events))
        self._remember_versions(events)
        start = 0
        for pending in batch:
            end = start + len(pending.events)
            pending.succeed(max(positions[start:end], default=0))
            start = end
