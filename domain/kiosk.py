"""Kiosk devices of the credit supermarket, and the PIN volunteers identify with.

A kiosk is registered to one station by a coordinator and has a token of its own;
retiring it revokes that token. A volunteer identifies at a kiosk with the volunteer
number and a six-digit PIN; wrong guesses are rate-limited (see KIOSK_PIN_RULES)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from domain.order import check_text
from domain.organisation import Unit, check_is_station

PIN_LENGTH = 6
VOLUNTEER_DIGITS = 8
MAX_KIOSK_NAME = 60


@dataclass(frozen=True)
class PinAttemptRules:
    """Wrong PINs lock the volunteer's PIN after `per_volunteer` in a row, and a
    kiosk's identification after `per_kiosk` within `window` (someone trying one
    PIN against many numbers); both for `lockout`."""

    per_volunteer: int = 5
    per_kiosk: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


KIOSK_PIN_RULES = PinAttemptRules()


class KioskRetired(Conflict):
    rule = "kiosk_active"


class PinNotSet(Conflict):
    rule = "pin_set"


class WrongPin(DomainError):
    rule = "pin_matches"


class KioskSessionInvalid(Forbidden):
    """Redeeming at a kiosk needs the volunteer identified there, recently."""

    rule = "kiosk_session_valid"


def check_pin(pin: str) -> None:
    """Six digits, and not one a passer-by would guess first."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise InvalidInput("pin", "pin_format", f"must be {PIN_LENGTH} digits")
    digits = [int(d) for d in pin]
    steps = {b - a for a, b in pairwise(digits)}
    if len(set(digits)) == 1 or steps in ({1}, {-1}):
        raise InvalidInput(
            "pin", "pin_not_trivial", "repeated or consecutive digits are too easy"
        )


def normalise_volunteer_number(typed: str) -> str:
    """What a volunteer types at the keypad: "V00000012", "v12" or just "12"."""
    digits = typed.strip().upper().removeprefix("V")
    if not digits.isascii() or not digits.isdigit() or len(digits) > VOLUNTEER_DIGITS:
        raise InvalidInput(
            "volunteer_number", "volunteer_number_format", "V and up to 8 digits"
        )
    return "V" + digits.zfill(VOLUNTEER_DIGITS)


class Kiosk(CopiedCheaply, Aggregate):
    """A registered kiosk device. Its id is also its token's id."""

    @staticmethod
    def create_id(kiosk_id: UUID, **_: Any) -> UUID:
        return kiosk_id

    @classmethod
    def register(cls, kiosk_id: UUID, station: Unit, name: str, actor: str) -> Kiosk:
        check_is_station(station, "kiosks stand at stations (站)")
        check_text("name", name, MAX_KIOSK_NAME)
        return cls(kiosk_id=kiosk_id, station_id=station.id, name=name, actor=actor)

    @event("Registered")
    def __init__(self, kiosk_id: UUID, station_id: UUID, name: str, actor: str) -> None:
        self.station_id = station_id
        self.name = name
        self.retired = False

    def check_active(self) -> None:
        if self.retired:
            raise KioskRetired(f"kiosk {self.id} is retired")

    def retire(self, reason: str, actor: str) -> None:
        self.check_active()
        check_text("reason", reason, 200)
        self._retired(reason=reason, actor=actor)

    @event("Retired")
    def _retired(self, reason: str, actor: str) -> None:
        self.retired = True
