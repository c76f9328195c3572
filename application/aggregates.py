"""Loading the aggregates a use case needs, typed, with the right error when one is
missing: a resource in the path is a 404, one named in a request body a 422 naming
the field. Use cases share one `Aggregates` and one `Clock`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.account import CreditAccount
from domain.errors import InvalidInput, NotFound, UnitNotFound, VolunteerNotFound
from domain.ids import account_id_for
from domain.organisation import Unit
from domain.policy import POLICY_ID, PointsPolicy, default_policy
from domain.volunteer import Volunteer
from infra.event_store import EventStore, Loaded

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Clock:
    """Now, and how far ahead of it a client's clock may run."""

    now: Callable[[], datetime]
    skew: timedelta


class Aggregates:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def load(self, *ids: UUID) -> Loaded:
        """Several aggregates in one round trip, for the accessors below."""
        return self.store.load(*ids)

    def get(
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

    def named(
        self, cls: type[A], aggregate_id: UUID, field: str, loaded: Loaded | None = None
    ) -> A:
        """An aggregate named in a request body: unknown is the client's input
        error (422 naming the field), not a missing resource."""
        try:
            return self.get(cls, aggregate_id, NotFound, loaded)
        except NotFound:
            rule = f"{cls.__name__.lower()}_exists"
            raise InvalidInput(
                field, rule, f"no {cls.__name__.lower()} {aggregate_id}"
            ) from None

    def unit(self, unit_id: UUID, loaded: Loaded | None = None) -> Unit:
        return self.get(Unit, unit_id, UnitNotFound, loaded)

    def named_unit(
        self, unit_id: UUID, field: str = "unit_id", loaded: Loaded | None = None
    ) -> Unit:
        return self.named(Unit, unit_id, field, loaded)

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when it was never recorded (a document saved
        whole: drawn up the first time, revised later)."""
        found = self.load(aggregate_id).get(aggregate_id)
        return found if isinstance(found, cls) else None

    def check_below(
        self, unit: Unit, owners: Mapping[UUID, UUID], field: str, what: str, where: str
    ) -> None:
        """Each thing (id -> its unit) belongs to `unit` or a unit below it; their
        units are loaded in one round trip. 422 `{what}_in_unit` naming `field`."""
        loaded = self.load(*{u for u in owners.values() if u != unit.id})
        for thing, unit_id in owners.items():
            if unit_id != unit.id and not unit.covers(self.unit(unit_id, loaded)):
                raise InvalidInput(
                    field, f"{what}_in_unit", f"{what} {thing} is not of {where}"
                )

    def volunteer(self, volunteer_id: UUID, loaded: Loaded | None = None) -> Volunteer:
        return self.get(Volunteer, volunteer_id, VolunteerNotFound, loaded)

    def account(
        self, volunteer_id: UUID, loaded: Loaded | None = None
    ) -> CreditAccount:
        return self.get(
            CreditAccount, account_id_for(volunteer_id), VolunteerNotFound, loaded
        )

    def policy(self, loaded: Loaded | None = None) -> PointsPolicy:
        try:
            return self.get(PointsPolicy, POLICY_ID, NotFound, loaded)
        except NotFound:
            self.ensure_policy()
            return self.get(PointsPolicy, POLICY_ID, NotFound)

    def ensure_policy(self) -> None:
        """Records the default policy once, the first time the ledger starts."""
        if POLICY_ID not in self.load(POLICY_ID):
            # Another process may record it first; then its policy stands.
            with contextlib.suppress(IntegrityError):
                self.store.save([default_policy()])
