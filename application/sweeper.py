"""Housekeeping that runs beside the API: gives back the points and stock of holds
nobody confirmed in time, forgets idempotency keys past their retention, and
checkpoints the audit hash chain, forgets finished sign-in sessions, and puts new
notifications into the outbox (which threads of their own deliver:
infra/deliveries.py)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from uuid import UUID

from application.audit import Audit
from application.executor import CommandExecutor
from application.notifier import Notifier
from application.reminders import Reminders
from application.sign_in import SignIns
from application.supermarket import ExpireHold, Redemptions
from domain.access import Actor, Role
from domain.errors import IllegalTransition
from infra import metrics
from infra.idempotency import IdempotencyStore
from infra.kiosk_sessions import KioskSessions
from projections.queries import ReadModels

log = logging.getLogger(__name__)
#: Who expires holds in the events: the sweeper itself, not a token.
SWEEPER = Actor(Role.ADMIN, UUID(int=0), "sweeper")


class Sweeper:
    def __init__(
        self,
        commands: CommandExecutor,
        redemptions: Redemptions,
        kiosk_sessions: KioskSessions,
        idempotency: IdempotencyStore,
        reads: ReadModels,
        every_seconds: float,
        key_retention: timedelta,
        audit: Audit,
        sign_ins: SignIns,
        reminders: Reminders,
        notifier: Notifier,
    ) -> None:
        self.reminders = reminders
        self.notifier = notifier
        self.audit = audit
        self.sign_ins = sign_ins
        self.commands = commands
        self.redemptions = redemptions
        self.kiosk_sessions = kiosk_sessions
        self.idempotency = idempotency
        self.reads = reads
        self.every_seconds = every_seconds
        self.key_retention = key_retention
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> int:
        """Expires what the read models show as held past its time. Several
        processes may sweep: a hold settled meanwhile is simply passed over."""
        return self.expire_holds(self.reads.expired_holds(self.redemptions.clock.now()))

    def expire_holds(self, redemption_ids: list[UUID]) -> int:
        """Gives back the points and stock of these holds, where past their time."""
        expired = 0
        for redemption_id in redemption_ids:
            try:
                self.commands.run(
                    self.redemptions.expire, ExpireHold(redemption_id), SWEEPER
                )
            except IllegalTransition:
                log.info("hold %s was settled meanwhile", redemption_id)
                continue
            expired += 1
        return expired

    def forget_old_keys(self) -> int:
        """Idempotency keys past retention; expired kiosk sessions, finished
        sign-in sessions and lapsed counts of wrong passwords go as well."""
        self.kiosk_sessions.forget_expired()
        self.sign_ins.forget_expired()
        return self.idempotency.forget_older_than(self.key_retention)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.sweep()
            except Exception:
                metrics.SWEEP_FAILURES.inc()
                log.exception("sweeping failed; trying again later")

    def sweep(self) -> None:
        """One round of every chore, each logged and counted when it did something."""
        for kind, done, chore in (
            ("holds_expired", "expired %s holds", self.sweep_once),
            ("keys_forgotten", "forgot %s idempotency keys", self.forget_old_keys),
            ("reminders", "added %s reminders to inboxes", self._remind),
            ("notifications", "dispatched %s notifications", self.notifier.fan_out),
        ):
            if count := chore():
                metrics.SWEPT.labels(kind).inc(count)
                log.info(done, count)
        if made := self.audit.checkpoint(only_if_due=True):
            metrics.SWEPT.labels("checkpoints").inc()
            log.info("chain checkpoint at %s", made["notification_id"])
        metrics.SWEEPS.inc()

    def _remind(self) -> int:
        return self.reminders.remind(self.redemptions.clock.now())
