"""The use cases over the library's in-memory recorder: the same handlers and the
same executor as in production, with no database. Side writes (vault rows, claims,
PIN digests) go nowhere here, except the idempotency records, which an in-memory
store keeps once the events they belong to are saved."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.aggregates import Aggregates, Clock
from application.executor import CommandExecutor
from application.hours import Hours
from application.kiosks import Kiosks
from application.organisation import Organisation, RegisterUnit
from application.supermarket import Catalog, Redemptions
from application.teams import Teams
from domain.access import Actor, Role
from domain.account import CreditAccount
from domain.kiosk import KioskSessionInvalid
from domain.organisation import UnitKind
from domain.volunteer import Volunteer
from infra.event_store import EventStore
from infra.idempotency import IdempotencyKey, StoredResponse
from infra.recorder import SideWrite
from infra.vault import Vault
from tests.conftest import Clock as TestClock

SKEW = timedelta(minutes=5)


class MemoryTokens:
    """Token revocations as side writes, without a database."""

    def revoke_write(self, token_id: UUID) -> SideWrite:
        return SideWrite("UPDATE api_tokens SET revoked_at = now()", (token_id,))


class MemorySessions:
    """Kiosk sessions a volunteer opened, without a database: the session of a
    kiosk and a volunteer is the pair's name."""

    def __init__(self) -> None:
        self.opened: set[str] = set()

    def open(self, kiosk: Actor, volunteer_id: UUID) -> str:
        session = f"{kiosk.token_id}:{volunteer_id}"
        self.opened.add(session)
        return session

    def check(self, kiosk: Actor, session: str | None, volunteer_id: UUID) -> None:
        if session not in self.opened or session != f"{kiosk.token_id}:{volunteer_id}":
            raise KioskSessionInvalid("identify the volunteer here first")


class MemoryIdempotency:
    """Stored responses, kept when the save they were remembered with succeeds."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.stored: dict[tuple[str, str], StoredResponse] = {}
        self._pending: dict[int, tuple[tuple[str, str], str, dict[str, Any]]] = {}
        store.side_write_sinks.append(self._saved)

    @contextmanager
    def in_flight(self, key: IdempotencyKey) -> Iterator[None]:
        yield

    def lookup(self, key: IdempotencyKey) -> StoredResponse | None:
        return self.stored.get((key.scope, key.key))

    def remember(
        self,
        key: IdempotencyKey,
        response: dict[str, Any],
        originator_id: UUID | None,
        originator_version: int | None,
    ) -> SideWrite:
        write = SideWrite("-- kept in memory", (key.scope, key.key))
        self._pending[id(write)] = ((key.scope, key.key), key.fingerprint, response)
        return write

    def _saved(self, side_writes: Sequence[SideWrite]) -> None:
        for write in side_writes:
            if (pending := self._pending.pop(id(write), None)) is not None:
                where, fingerprint, response = pending
                position = self.store.max_position()
                self.stored[where] = StoredResponse(fingerprint, response, position)


@dataclass
class Ledger:
    store: EventStore
    commands: CommandExecutor
    aggregates: Aggregates
    clock: TestClock
    organisation: Organisation
    teams: Teams
    hours: Hours
    catalog: Catalog
    redemptions: Redemptions
    kiosks: Kiosks
    sessions: MemorySessions
    admin: Actor
    center: UUID
    institute: UUID
    station: UUID

    def volunteer(self, unit_id: UUID) -> UUID:
        """An active volunteer of `unit_id`, with an empty account."""
        volunteer_id = uuid4()
        volunteer = Volunteer(
            volunteer_id=volunteer_id,
            volunteer_number="V00000001",
            unit_id=unit_id,
            gender="female",
            birth_year=1990,
            name_masked="王*明",
            id_number_masked="3712**********0016",
            phone_masked="138****5678",
            skills=[],
            party_member=False,
            actor=self.admin.label,
        )
        self.store.save([volunteer, CreditAccount(volunteer_id=volunteer_id)])
        return volunteer_id

    def coordinator(self, unit_id: UUID) -> Actor:
        return Actor(Role.COORDINATOR, uuid4(), "站长", unit_id=unit_id)


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    store = EventStore.in_memory()
    clock = TestClock()
    now = Clock(clock, SKEW)
    aggregates = Aggregates(store)
    aggregates.ensure_policy()
    commands = CommandExecutor(store, MemoryIdempotency(store))
    organisation = Organisation(aggregates, now)
    admin = Actor(Role.ADMIN, uuid4(), "管理员")

    def unit(name: str, kind: UnitKind, parent: UUID | None) -> UUID:
        command = RegisterUnit(name, kind, parent)
        return commands.run(organisation.register_unit, command, admin).result.id

    center = unit("中心", UnitKind.CENTER, None)
    institute = unit("艾山所", UnitKind.INSTITUTE, center)
    station = unit("双泉站", UnitKind.STATION, institute)
    sessions = MemorySessions()
    yield Ledger(
        store=store,
        commands=commands,
        aggregates=aggregates,
        clock=clock,
        organisation=organisation,
        teams=Teams(aggregates, Vault(bytes(32)), now),
        hours=Hours(aggregates, now),
        catalog=Catalog(aggregates),
        redemptions=Redemptions(aggregates, now, sessions),  # type: ignore[arg-type]
        kiosks=Kiosks(aggregates, Vault(bytes(32)), MemoryTokens()),
        sessions=sessions,
        admin=admin,
        center=center,
        institute=institute,
        station=station,
    )
    store.close()
