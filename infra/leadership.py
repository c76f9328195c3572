"""One `vledger serve` process of several does the background work.

API processes (`--workers N`, or several machines) share one database; the
in-process projector and the sweeper (holds, reminders, deliveries, checkpoints)
must run once, not once per process. The process holding a session-level advisory
lock on its own connection leads: it runs them. The others try for the lock every
few seconds, so when the leader dies (its connection closes and the server frees
the lock) another one takes over. While it leads, the process listens for the
event store's NOTIFY on every save, so a write answered by any process wakes the
projector at once instead of at its next poll."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from os import getpid
from typing import Protocol

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

#: Advisory lock key of the leader (projector batches use 715_220_001).
LEADER_LOCK = 715_220_002
NOTIFY_WAIT = 0.1
HEARTBEAT_SECONDS = 2.0


class Duty(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Leadership:
    def __init__(
        self,
        url: str,
        duties: Sequence[Duty],
        channel: str | None = None,
        on_notify: Callable[[], None] | None = None,
        retry_seconds: float = 2.0,
    ) -> None:
        self.url = url
        self.duties = list(duties)
        self.channel = channel
        self.on_notify = on_notify
        self.retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._leading = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self._leading.is_set()

    def wait_until_leading(self, timeout: float) -> bool:
        return self._leading.wait(timeout)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="leadership", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    if self._elected(conn):
                        self._lead(conn)
            except psycopg.Error as error:
                log.warning("leadership connection lost (%s); trying again", error)
            finally:
                self._step_down()
            self._stop.wait(self.retry_seconds)

    def _elected(self, conn: psycopg.Connection[tuple[object, ...]]) -> bool:
        while not self._stop.is_set():
            row = conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)
            ).fetchone()
            if row is not None and row[0]:
                return True
            self._stop.wait(self.retry_seconds)
        return False

    def _lead(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        log.info("process %d leads the background work (projector, sweeper)", getpid())
        for duty in self.duties:
            duty.start()
        self._leading.set()
        if self.channel is not None:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        checked = time.monotonic()
        while not self._stop.is_set():
            # Short waits, so that stopping (every test's app does) is quick.
            for _ in conn.notifies(timeout=NOTIFY_WAIT):
                if self.on_notify is not None:
                    self.on_notify()
            if time.monotonic() - checked > HEARTBEAT_SECONDS:
                conn.execute("SELECT 1")  # a lost connection (and lock) raises here
                checked = time.monotonic()

    def _step_down(self) -> None:
        if not self._leading.is_set():
            return
        self._leading.clear()
        for duty in reversed(self.duties):
            try:
                duty.stop()
            except Exception:
                log.exception("stopping %s failed", type(duty).__name__)
        log.info("process %d no longer leads the background work", getpid())
