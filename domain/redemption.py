"""A redemption at a kiosk: points for goods, at once or held and then confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.access import Actor, Role
from domain.catalog import CatalogItem
from domain.copying import CopiedCheaply
from domain.errors import Conflict, Forbidden, IllegalTransition, ItemAtAnotherStation
from domain.volunteer import check_reason


class RedemptionState(StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    VOIDED = "voided"
    EXPIRED = "expired"


#: A hold keeps points and stock this long, then expires unless confirmed.
HOLD_TTL = timedelta(minutes=15)


class HoldExpired(Conflict):
    rule = "hold_not_expired"


@dataclass(frozen=True)
class Basket:
    """What a redemption buys: one station's goods, each line at today's price."""

    station_id: UUID
    lines: list[dict[str, Any]]
    points: Decimal


def price_basket(
    items: list[CatalogItem], quantities: list[int], station_id: UUID | None
) -> Basket:
    """The basket of `items` in `quantities`, all sold at one station (the kiosk's
    own `station_id`, or the first item's), each line at the item's price now."""
    station = station_id or items[0].station_id
    for item in items:
        if item.station_id != station:
            raise ItemAtAnotherStation(
                f"{item.name} is sold at another station", field="items"
            )
    lines: list[dict[str, Any]] = []
    points = Decimal(0)
    for item, quantity in zip(items, quantities, strict=True):
        line_points = item.price_points * quantity
        points += line_points
        lines.append(
            {
                "item_id": item.id,
                "name": item.name,
                "quantity": quantity,
                "unit_price": item.price_points,
                "points": line_points,
            }
        )
    return Basket(station, lines, points)


class Identification(StrEnum):
    """How the volunteer whose points are spent was identified."""

    KIOSK_SESSION = "kiosk_session"  # number and PIN at a station's kiosk
    COUNTER_PIN = "counter_pin"  # number and PIN at a staff member's counter
    OWN_TOKEN = "own_token"  # noqa: S105 - the volunteer's own credentials
    UNRECORDED = "unrecorded"  # redeemed before the ledger recorded it


def required_identification(actor: Actor, volunteer_id: UUID) -> Identification:
    """Spending a person's points needs that person: a kiosk or a staff counter
    redeems inside a session the volunteer opened with the PIN; a volunteer spends
    only its own points; nobody else spends any."""
    if actor.role is Role.KIOSK:
        return Identification.KIOSK_SESSION
    if actor.role in (Role.ADMIN, Role.COORDINATOR):
        return Identification.COUNTER_PIN
    if actor.is_self(volunteer_id):
        return Identification.OWN_TOKEN
    raise Forbidden(
        "only the volunteer, or a kiosk or counter where it entered its PIN, "
        "spends its points",
        field="volunteer_id",
    )


class Redemption(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(redemption_id: UUID, **_: Any) -> UUID:
        return redemption_id

    @classmethod
    def place(
        cls,
        redemption_id: UUID,
        volunteer_id: UUID,
        basket: Basket,
        hold: bool,
        now: datetime,
        actor: str,
        identified_by: Identification,
    ) -> Redemption:
        """Spent at once, or held until HOLD_TTL from `now`."""
        return cls(
            redemption_id=redemption_id,
            volunteer_id=volunteer_id,
            station_id=basket.station_id,
            lines=basket.lines,
            points=basket.points,
            held=hold,
            expires_at=now + HOLD_TTL if hold else None,
            actor=actor,
            identified_by=identified_by.value,
        )

    @event("Placed")
    def __init__(
        self,
        redemption_id: UUID,
        volunteer_id: UUID,
        station_id: UUID,
        lines: list[dict[str, Any]],
        points: Decimal,
        held: bool,
        expires_at: datetime | None,
        actor: str,
        identified_by: str = Identification.UNRECORDED.value,
    ) -> None:
        self.identified_by = Identification(identified_by)
        self.volunteer_id = volunteer_id
        self.station_id = station_id
        self.lines = list(lines)
        self.item_ids = [line["item_id"] for line in lines]
        self.points = points
        self.state = RedemptionState.HELD if held else RedemptionState.COMMITTED
        self.expires_at = expires_at

    def quantity_of(self, item_id: UUID) -> int:
        """How many of `item_id` this redemption took."""
        return sum(
            int(line["quantity"]) for line in self.lines if line["item_id"] == item_id
        )

    def check_held(self, command: str) -> None:
        if self.state is not RedemptionState.HELD:
            raise IllegalTransition(
                f"cannot {command} a redemption that is {self.state.value}",
                state=self.state.value,
            )

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def confirm(self, now: datetime, actor: str) -> None:
        self.check_held("confirm")
        if self.is_expired(now):
            raise HoldExpired("the hold expired; its points and stock were given back")
        self._confirmed(actor=actor)

    @event("Confirmed")
    def _confirmed(self, actor: str) -> None:
        self.state = RedemptionState.COMMITTED

    def void(self, reason: str, actor: str) -> None:
        self.check_held("void")
        check_reason(reason)
        self._voided(reason=reason, actor=actor)

    @event("Voided")
    def _voided(self, reason: str, actor: str) -> None:
        self.state = RedemptionState.VOIDED

    def expire(self, now: datetime) -> None:
        self.check_held("expire")
        if not self.is_expired(now):
            raise IllegalTransition(
                "the hold has not expired yet", state=self.state.value
            )
        self._expired(expired_at=now)

    @event("Expired")
    def _expired(self, expired_at: datetime) -> None:
        self.state = RedemptionState.EXPIRED
