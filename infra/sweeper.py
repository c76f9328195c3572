"""Housekeeping that runs beside the API: gives back the points and stock of holds
nobody confirmed in time, forgets idempotency keys past their retention, and
checkpoints the audit hash chain."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from infra.application import Ledger
from infra.audit import Audit
from projections.queries import ReadModels

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(
        self,
        ledger: Ledger,
        reads: ReadModels,
        every_seconds: float,
        key_retention: timedelta,
        audit: Audit,
    ) -> None:
        self.audit = audit
        self.ledger = ledger
        self.reads = reads
        self.every_seconds = every_seconds
        self.key_retention = key_retention
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> int:
        """Expires what the read models show as held past its time. Several
        processes may sweep: a hold settled meanwhile is simply passed over."""
        return self.ledger.expire_holds(self.reads.expired_holds(self.ledger.clock()))

    def forget_old_keys(self) -> int:
        """Idempotency keys past retention; expired kiosk sessions go as well."""
        self.ledger.kiosk_sessions.forget_expired()
        return self.ledger.idempotency.forget_older_than(self.key_retention)

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
                if expired := self.sweep_once():
                    log.info("expired %s holds", expired)
                if forgotten := self.forget_old_keys():
                    log.info("forgot %s idempotency keys past retention", forgotten)
                if made := self.audit.checkpoint(only_if_due=True):
                    log.info("chain checkpoint at %s", made["notification_id"])
            except Exception:
                log.exception("sweeping failed; trying again later")
