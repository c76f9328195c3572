"""Kiosk devices and volunteers' kiosk PINs.

Devices are `Kiosk` aggregates whose id is also their token's id: registering one
issues its token in the same transaction, retiring it revokes the token. The PIN is
kept beside the ledger as an HMAC (`infra/kiosk_pins.py`), never in an event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol
from uuid import UUID, uuid4

from application.aggregates import Aggregates
from application.executor import Decision
from domain.access import Actor, Role
from domain.errors import KioskNotFound
from domain.kiosk import Kiosk, check_pin
from infra.kiosk_pins import store_kiosk_pin
from infra.recorder import SideWrite
from infra.tokens import TokenStore
from infra.vault import Vault


@dataclass(frozen=True)
class RegisterKiosk:
    station_id: UUID
    name: str


@dataclass(frozen=True)
class RetireKiosk:
    kiosk_id: UUID
    reason: str


@dataclass(frozen=True)
class SetKioskPin:
    volunteer_id: UUID
    pin: str


@dataclass(frozen=True)
class KioskStatus:
    id: UUID
    station_id: UUID
    name: str
    active: bool
    #: The device's bearer token: in the registration's first answer only.
    token: str | None = None

    @classmethod
    def of(cls, kiosk: Kiosk) -> KioskStatus:
        return cls(kiosk.id, kiosk.station_id, kiosk.name, not kiosk.retired)


@dataclass(frozen=True)
class PinSet:
    volunteer_id: UUID
    pin_set: bool


class TokenRevocations(Protocol):
    def revoke_write(self, token_id: UUID) -> SideWrite:
        """The write that revokes a token, committed with the event that calls
        for it (the token stops in this process at once)."""
        ...


class Kiosks:
    def __init__(
        self, aggregates: Aggregates, vault: Vault, tokens: TokenRevocations
    ) -> None:
        self.aggregates = aggregates
        self.vault = vault
        self.tokens = tokens

    def register(self, cmd: RegisterKiosk, actor: Actor) -> Decision[KioskStatus]:
        """The device's token is in the first response only; a replay omits it."""
        station = self.aggregates.named_unit(cmd.station_id, "station_id")
        actor.check_manages(station)
        kiosk = Kiosk.register(uuid4(), station, cmd.name, actor.label)
        token, issue = TokenStore.new_token(
            Actor(Role.KIOSK, kiosk.id, cmd.name, unit_id=station.id)
        )
        status = KioskStatus.of(kiosk)
        return Decision(
            [kiosk], replace(status, token=token), [issue], remembered=status
        )

    def retire(self, cmd: RetireKiosk, actor: Actor) -> Decision[KioskStatus]:
        kiosk = self.aggregates.get(Kiosk, cmd.kiosk_id, KioskNotFound)
        actor.check_manages(self.aggregates.unit(kiosk.station_id))
        kiosk.retire(cmd.reason, actor.label)
        return Decision(
            [kiosk], KioskStatus.of(kiosk), [self.tokens.revoke_write(kiosk.id)]
        )

    def set_pin(self, cmd: SetKioskPin, actor: Actor) -> Decision[PinSet]:
        """The volunteer sets their own PIN; a coordinator in scope may reset it.
        Setting it clears any lockout."""
        check_pin(cmd.pin)
        volunteer = self.aggregates.volunteer(cmd.volunteer_id)
        if not actor.is_self(cmd.volunteer_id):
            actor.check_manages(self.aggregates.unit(volunteer.unit_id))
        volunteer.set_kiosk_pin(actor.label)
        return Decision(
            [volunteer],
            PinSet(volunteer.id, True),
            [store_kiosk_pin(self.vault, volunteer.id, cmd.pin)],
        )
