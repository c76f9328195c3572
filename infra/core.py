"""The ledger's core: event-store wiring, loading aggregates, and the one way
commands are executed (load, decide, save atomically with side writes, idempotently)."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.account import CreditAccount
from domain.errors import (
    DomainError,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    StaleRead,
    UnitNotFound,
    VolunteerNotFound,
)
from domain.ids import account_id_for
from domain.organisation import Unit
from domain.policy import POLICY_ID, PointsPolicy, PolicyTerms, default_policy
from domain.volunteer import Entry, ServiceDetails, TimeSpan, Volunteer
from infra import claims
from infra.db import Database
from infra.group_commit import GroupCommitter
from infra.idempotency import IdempotencyKey, IdempotencyStore
from infra.loading import AggregateLoader
from infra.recorder import EVENTS_TABLE, DateAsISO, LedgerRecorder, SideWrite
from infra.vault import Vault

#: Attempts of one command against concurrent writers to the same aggregate (a busy
#: kiosk account); each retry reloads, so a loser sees the winner's effect.
MAX_ATTEMPTS = 30
A = TypeVar("A", bound=Aggregate)
#: Aggregates by id, as `LedgerCore.load` found them.
Loaded = dict[UUID, Aggregate]


@dataclass(frozen=True)
class Outcome:
    """A command's response body and the notification id of its last event."""

    result: dict[str, Any]
    position: int | None
    replayed: bool = False


@dataclass
class Decision:
    aggregates: Sequence[Aggregate]
    result: dict[str, Any]
    side_writes: list[SideWrite] = field(default_factory=list)
    claim_conflict: DomainError | None = None
    #: What a replay of this request answers, when it must differ from `result`
    #: (a secret shown once is not kept with the idempotency key).
    remembered: dict[str, Any] | None = None


class ConcurrentWrites(RuntimeError):
    """Another writer kept winning the race for the same aggregate."""


class LedgerCore(Application[UUID]):
    name = "vledger"

    def __init__(
        self,
        env: dict[str, str],
        *,
        db: Database,
        vault: Vault,
        clock: Callable[[], datetime],
        clock_skew: timedelta,
        group_commit: bool = True,
    ) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self.clock_skew = clock_skew
        self.idempotency = IdempotencyStore(db)
        self.save_listeners: list[Callable[[int], None]] = []
        super().__init__(env)
        self.loader = AggregateLoader(db, self.repository, self.mapper)
        self.committer = GroupCommitter(self._save_events) if group_commit else None

    def close(self) -> None:
        if self.committer is not None:
            self.committer.stop()
        super().close()

    # -- wiring ------------------------------------------------------------------

    def construct_recorder(self) -> LedgerRecorder:
        datastore = self.factory.datastore  # type: ignore[attr-defined]
        # psycopg forgets to unregister a statement prepared in a pipeline that
        # then failed, so the connection's next insert asks for a statement the
        # server never kept ("prepared statement _pg3_3 does not exist"); a failed
        # group commit hits that at once. Event-store connections do not prepare.
        datastore.pool.kwargs["prepare_threshold"] = None
        datastore.pool.drain()
        recorder = LedgerRecorder(datastore=datastore, events_table_name=EVENTS_TABLE)
        recorder.create_table()
        recorder.seal_unchained()
        return recorder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # -- loading -----------------------------------------------------------------

    def load(self, *ids: UUID) -> Loaded:
        """Several aggregates in one round trip, for the accessors below."""
        return self.loader.load(ids)

    def _load(
        self,
        cls: type[A],
        aggregate_id: UUID,
        error: type[NotFound],
        loaded: Loaded | None = None,
    ) -> A:
        found = (loaded if loaded is not None else self.load(aggregate_id)).get(
            aggregate_id
        )
        if not isinstance(found, cls):
            raise error(f"no {cls.__name__.lower()} {aggregate_id}")
        return found

    def unit(self, unit_id: UUID, loaded: Loaded | None = None) -> Unit:
        return self._load(Unit, unit_id, UnitNotFound, loaded)

    def volunteer(self, volunteer_id: UUID, loaded: Loaded | None = None) -> Volunteer:
        return self._load(Volunteer, volunteer_id, VolunteerNotFound, loaded)

    def account(
        self, volunteer_id: UUID, loaded: Loaded | None = None
    ) -> CreditAccount:
        return self._load(
            CreditAccount, account_id_for(volunteer_id), VolunteerNotFound, loaded
        )

    def policy(self, loaded: Loaded | None = None) -> PointsPolicy:
        try:
            return self._load(PointsPolicy, POLICY_ID, NotFound, loaded)
        except NotFound:
            self.ensure_policy()
            return self._load(PointsPolicy, POLICY_ID, NotFound)

    def ensure_policy(self) -> None:
        """Records the default policy once, the first time the ledger starts."""
        if POLICY_ID not in self.load(POLICY_ID):
            # Another process may record it first; then its policy stands.
            with contextlib.suppress(IntegrityError):
                self._save([default_policy()], [])

    # -- executing commands ------------------------------------------------------

    def execute(
        self, idem: IdempotencyKey | None, decide: Callable[[], Decision]
    ) -> Outcome:
        """Runs `decide` and saves what it changed in one transaction, together with
        the idempotency record; retries on a concurrent write to the same aggregate.
        Each attempt first looks for a stored response (under the key's lease, so
        a new request pays one look): the concurrent writer may have been another
        copy of this very request."""
        if idem is None:
            return self._attempts(None, decide)
        try:
            with self.idempotency.in_flight(idem):
                return self._attempts(idem, decide)
        except IdempotencyKeyInProgress:
            # The other copy may have finished since it took the lease.
            if (earlier := self._replay(idem)) is not None:
                return earlier
            raise

    def _attempts(
        self, idem: IdempotencyKey | None, decide: Callable[[], Decision]
    ) -> Outcome:
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311 - jitter
            if idem is not None and (earlier := self._replay(idem)) is not None:
                return earlier
            try:
                decision = decide()
            except StaleRead:
                continue  # the next attempt loads what the other command saved
            except DomainError:
                # A refusal (say, record_id already used) may come from the
                # winning copy of this request committing just now.
                if idem is not None and (earlier := self._replay(idem)) is not None:
                    return earlier
                raise
            side_writes = list(decision.side_writes)
            if idem is not None:
                side_writes.append(self._remember(idem, decision))
            try:
                position = self._save(decision.aggregates, side_writes)
            except IntegrityError as error:
                constraint = _violated_constraint(error)
                if constraint == claims.CONSTRAINT and decision.claim_conflict:
                    raise decision.claim_conflict from None
                continue
            return Outcome(decision.result, position)
        raise ConcurrentWrites("too many concurrent writes; try again")

    def _save(
        self, aggregates: Sequence[Aggregate], side_writes: list[SideWrite]
    ) -> int:
        """Commits the decision's events (with concurrent ones when grouping) and
        returns the position of its last event once that transaction committed."""
        events = [event for a in aggregates for event in a.collect_events()]
        position = self.save_events(events, side_writes)
        self.loader.remember(aggregates)
        return position

    def save_events(
        self, events: Sequence[Any], side_writes: Sequence[SideWrite] = ()
    ) -> int:
        """Commits events already collected from their aggregates."""
        batch, writes = list(events), list(side_writes)
        if self.committer is not None:
            position = self.committer.commit(batch, writes)
        else:
            position = max(self._save_events(batch, writes), default=0)
        for listener in self.save_listeners:
            listener(position)
        return position

    def _save_events(
        self, events: Sequence[Any], side_writes: Sequence[SideWrite]
    ) -> list[int]:
        """`Application.save` for events already collected, without its per-object
        protocol checks: `isinstance` against a runtime-checkable Protocol cost a
        fifth of a bulk import's time. (No snapshots or `_notify` hooks here.)"""
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        processing.events = list(events)
        processing.saved_kwargs = {"side_writes": list(side_writes)}
        recordings = self._record(processing)
        return [r.notification.id for r in recordings]

    def _remember(self, idem: IdempotencyKey, decision: Decision) -> SideWrite:
        last = next(
            (a for a in reversed(decision.aggregates) if a.pending_events), None
        )
        return self.idempotency.remember(
            idem,
            decision.result if decision.remembered is None else decision.remembered,
            last.id if last else None,
            last.version if last else None,
        )

    def _replay(self, idem: IdempotencyKey) -> Outcome | None:
        stored = self.idempotency.lookup(idem)
        if stored is None:
            return None
        if stored.fingerprint != idem.fingerprint:
            raise IdempotencyKeyReused(
                f"key {idem.key!r} was already used for a different request",
                field=idem.field,
            )
        return Outcome(stored.response, stored.position, replayed=True)

    def requested_unit(
        self, unit_id: UUID, field: str = "unit_id", loaded: Loaded | None = None
    ) -> Unit:
        """The unit a request names; unknown is a 422 naming `field`."""
        return self._field(Unit, unit_id, field, loaded)

    def _field(
        self, cls: type[A], aggregate_id: UUID, field: str, loaded: Loaded | None = None
    ) -> A:
        """An aggregate named in a request body: unknown is the client's input
        error (422 naming the field), not a missing resource."""
        try:
            return self._load(cls, aggregate_id, NotFound, loaded)
        except NotFound:
            rule = f"{cls.__name__.lower()}_exists"
            raise InvalidInput(
                field, rule, f"no {cls.__name__.lower()} {aggregate_id}"
            ) from None

    def record_entry(
        self,
        volunteer: Volunteer,
        account: CreditAccount,
        record_id: UUID,
        unit_id: UUID,
        span: TimeSpan,
        details: ServiceDetails,
        terms: PolicyTerms,
        actor: str,
    ) -> tuple[Entry, Decimal]:
        """Records hours and credits their points: the one path for direct entries,
        completed orders and closed activities alike."""
        entry = volunteer.record_hours(
            record_id,
            unit_id,
            span,
            details,
            terms,
            self.clock(),
            self.clock_skew,
            actor,
        )
        points = account.settle_source(
            record_id,
            "hours",
            terms.points_for(entry.hours),
            terms.version,
            "hours recorded",
            actor,
        )
        return entry, points


def _violated_constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
