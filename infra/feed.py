"""Feeds the projections straight from the event store (the embedded default)."""

from __future__ import annotations

import logging
import threading

from infra.event_store import EventStore
from projections.base import Notified, ProjectionRunner

log = logging.getLogger(__name__)
BATCH_SIZE = 500


class EventStoreFeed:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def read(self, after: int, limit: int = BATCH_SIZE) -> list[Notified]:
        return [
            Notified(n.id, self.store.decoder.stored(n))
            for n in self.store.notifications(after, limit)
        ]


#: A long catch-up (a rebuild, a restore) says how far it is every so many events.
PROGRESS_EVERY = 100_000


def catch_up(
    feed: EventStoreFeed, runner: ProjectionRunner, until: int | None = None
) -> int:
    """Applies recorded events past the runner's position (up to `until`);
    returns the position reached."""
    position = start = runner.position()
    while until is None or position < until:
        batch = feed.read(position)
        if not batch:
            break
        runner.apply_batch(batch)
        before, position = position, batch[-1].position
        if (position - start) // PROGRESS_EVERY > (before - start) // PROGRESS_EVERY:
            log.info("projected up to position %s", position)
    return position


class InProcessProjector:
    """Keeps the read models up to date in a background thread. It wakes when this
    process saves events and polls for events saved by other processes."""

    def __init__(
        self, feed: EventStoreFeed, runner: ProjectionRunner, poll_seconds: float = 0.5
    ) -> None:
        self.feed = feed
        self.runner = runner
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def catch_up(self, until: int | None = None) -> int:
        """Applies recorded events (up to `until`); returns the position reached."""
        return catch_up(self.feed, self.runner, until)

    def wake(self, _position: int = 0) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="projector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.catch_up()
            except Exception:
                log.exception("projection failed; retrying")
                self._stop.wait(1.0)
            self._wake.wait(self.poll_seconds)
