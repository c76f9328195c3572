"""The one command executor: every write goes through `CommandExecutor.run`.

A use case is a handler, `(command, actor) -> Decision[R]`: it loads what it needs,
asks the aggregates to decide, and returns what changed with a typed result. It saves
nothing itself. The executor runs it, then saves the decision's events, its side
writes and the idempotency record in one transaction; when another writer saved one
of the same aggregates first, it runs the handler again on what that writer left."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, Protocol, TypeVar, get_args, get_type_hints
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from pydantic import TypeAdapter

from domain.access import Actor
from domain.errors import (
    DomainError,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    IdTaken,
    StaleRead,
)
from infra import claims
from infra.event_store import EventStore
from infra.idempotency import CONSTRAINT as IDEMPOTENCY_CONSTRAINT
from infra.idempotency import IdempotencyKey, StoredResponse
from infra.recorder import SideWrite

#: Attempts of one command against concurrent writers to the same aggregate (a busy
#: kiosk account); each retry reloads, so a loser sees the winner's effect.
MAX_ATTEMPTS = 30
R = TypeVar("R")
C = TypeVar("C")


@dataclass(frozen=True)
class Decision(Generic[R]):
    """What a handler decided: the aggregates whose new events to save, the result
    to answer, and the writes beside the ledger that commit with them."""

    aggregates: Sequence[Aggregate]
    result: R
    side_writes: Sequence[SideWrite] = ()
    #: The error to raise when a uniqueness claim among the side writes is taken.
    claim_conflict: DomainError | None = None
    #: What a replay of this request answers, when it must differ from `result`
    #: (a secret shown once is not kept with the idempotency key).
    remembered: R | None = None
    #: Events already collected from their aggregates (an import's checked rows),
    #: saved after those of `aggregates`.
    events: Sequence[Any] = ()


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """A command's result and the notification id of its last event."""

    result: R
    position: int | None
    replayed: bool = False


class ConcurrentWrites(RuntimeError):
    """Another writer kept winning the race for the same aggregate."""


class IdempotencyRecords(Protocol):
    """Stored responses of idempotent requests (`infra/idempotency.py`)."""

    def in_flight(self, key: IdempotencyKey) -> AbstractContextManager[None]: ...

    def lookup(self, key: IdempotencyKey) -> StoredResponse | None: ...

    def remember(
        self,
        key: IdempotencyKey,
        response: dict[str, Any],
        originator_id: UUID | None,
        originator_version: int | None,
    ) -> SideWrite: ...


Handler = Callable[[C, Actor], Decision[R]]


class CommandExecutor:
    def __init__(self, store: EventStore, idempotency: IdempotencyRecords) -> None:
        self.store = store
        self.idempotency = idempotency

    def run(
        self,
        handler: Handler[C, R],
        command: C,
        actor: Actor,
        idem: IdempotencyKey | None = None,
    ) -> Outcome[R]:
        """Runs the handler and saves its decision in one transaction, with the
        idempotency record; retries on a concurrent write to the same aggregate.
        Each attempt first looks for a stored response (under the key's lease, so
        a new request pays one look): the concurrent writer may have been another
        copy of this very request."""
        if idem is None:
            idem = _natural_key(command)
        if idem is None:
            return self._attempts(handler, command, actor, None)
        try:
            with self.idempotency.in_flight(idem):
                return self._attempts(handler, command, actor, idem)
        except IdempotencyKeyInProgress:
            # The other copy may have finished since it took the lease.
            if (earlier := self._replay(handler, idem)) is not None:
                return earlier
            raise

    def _attempts(
        self,
        handler: Handler[C, R],
        command: C,
        actor: Actor,
        idem: IdempotencyKey | None,
    ) -> Outcome[R]:
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311 - jitter
            if idem is not None and (earlier := self._replay(handler, idem)):
                return earlier
            try:
                decision = handler(command, actor)
            except StaleRead:
                continue  # the next attempt loads what the other command saved
            except DomainError:
                # A refusal (say, record_id already used) may come from the
                # winning copy of this request committing just now.
                if idem is not None and (earlier := self._replay(handler, idem)):
                    return earlier
                raise
            side_writes = list(decision.side_writes)
            if idem is not None:
                side_writes.append(self._remember(handler, idem, decision))
            created = _created(decision.aggregates)
            try:
                position = self.store.save(
                    decision.aggregates, side_writes, decision.events
                )
            except IntegrityError as error:
                constraint = _violated_constraint(error)
                if constraint == claims.CONSTRAINT and decision.claim_conflict:
                    raise decision.claim_conflict from None
                if constraint != IDEMPOTENCY_CONSTRAINT and (
                    taken := self.store.existing(created)
                ):
                    raise _id_taken(command, taken[0]) from None
                continue
            return Outcome(decision.result, position)
        raise ConcurrentWrites("too many concurrent writes; try again")

    def _remember(
        self, handler: Handler[C, R], idem: IdempotencyKey, decision: Decision[R]
    ) -> SideWrite:
        last = next(
            (a for a in reversed(decision.aggregates) if a.pending_events), None
        )
        kept = decision.result if decision.remembered is None else decision.remembered
        return self.idempotency.remember(
            idem,
            _result_type(handler).dump_python(kept, mode="json", by_alias=True),
            last.id if last else None,
            last.version if last else None,
        )

    def _replay(
        self, handler: Handler[C, R], idem: IdempotencyKey
    ) -> Outcome[R] | None:
        stored = self.idempotency.lookup(idem)
        if stored is None:
            return None
        if stored.fingerprint != idem.fingerprint:
            raise IdempotencyKeyReused(
                f"key {idem.key!r} was already used for a different request",
                field=idem.field,
            )
        result = _result_type(handler).validate_python(stored.response)
        return Outcome(result, stored.position, replayed=True)


def _created(aggregates: Sequence[Aggregate]) -> list[UUID]:
    """The aggregates a decision creates: their first event is pending."""
    return [
        a.id
        for a in aggregates
        if a.pending_events and a.pending_events[0].originator_version == 1
    ]


def _id_taken(command: object, taken: UUID) -> IdTaken:
    """A new aggregate's id is recorded already: not a concurrent write to retry,
    but a client-chosen id (in the command's `new_id_field`) that is not free."""
    field = getattr(command, "new_id_field", "id")
    return IdTaken(f"{field} {taken} is taken; choose another id", field=field)


def _natural_key(command: object) -> IdempotencyKey | None:
    """The key a command carries itself (`RecordHours.natural_key`: its record_id),
    when the request brought none."""
    natural_key = getattr(command, "natural_key", None)
    return natural_key() if callable(natural_key) else None


def _result_type(handler: Handler[C, R]) -> TypeAdapter[R]:
    """How a handler's result is stored with its idempotency key and read back:
    the `R` of the `Decision[R]` its signature returns."""
    return _adapter_for(getattr(handler, "__func__", handler))


@cache
def _adapter_for(function: Callable[..., Any]) -> TypeAdapter[Any]:
    (result_type,) = get_args(get_type_hints(function)["return"])
    return TypeAdapter(result_type)


def _violated_constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
