"""Commands of the credit supermarket: catalog items and redemptions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any
from uuid import UUID, uuid4

from domain.access import Actor, Role
from domain.account import CreditAccount, ReleaseCause
from domain.catalog import CatalogItem
from domain.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    RedemptionNotFound,
    VolunteerNotFound,
)
from domain.ids import account_id_for
from domain.organisation import check_is_station
from domain.redemption import (
    Identification,
    Redemption,
    price_basket,
    required_identification,
)
from domain.reference import CHINA_TIME
from domain.volunteer import Volunteer
from infra.core import Decision, LedgerCore, Outcome
from infra.idempotency import IdempotencyKey
from infra.kiosk_sessions import KioskSessions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewItem:
    station_id: UUID
    name: str
    price_points: Decimal
    stock: int
    daily_limit: int | None = None
    item_id: UUID | None = None


@dataclass(frozen=True)
class Line:
    item_id: UUID
    quantity: int


@dataclass(frozen=True)
class NewRedemption:
    volunteer_id: UUID
    lines: tuple[Line, ...]
    hold: bool = False
    #: A kiosk or a staff counter redeems only for a volunteer identified there with
    #: the PIN (KioskSessions); a volunteer's own token needs none.
    kiosk_session: str | None = None


def item_view(item: CatalogItem) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "stock": item.stock,
        "price_points": str(item.price_points),
    }


def redemption_view(redemption: Redemption, account_balance: Decimal) -> dict[str, Any]:
    return {
        "id": str(redemption.id),
        "volunteer_id": str(redemption.volunteer_id),
        "station_id": str(redemption.station_id),
        "state": redemption.state.value,
        "identified_by": redemption.identified_by.value,
        "points": str(redemption.points),
        "balance": str(account_balance),
        "expires_at": redemption.expires_at.isoformat()
        if redemption.expires_at
        else None,
        "lines": [
            {
                **line,
                "item_id": str(line["item_id"]),
                "unit_price": str(line["unit_price"]),
                "points": str(line["points"]),
            }
            for line in redemption.lines
        ],
    }


class RedemptionCommands(LedgerCore):
    @cached_property
    def kiosk_sessions(self) -> KioskSessions:
        return KioskSessions(self.db, self.clock)

    def item(self, item_id: UUID) -> CatalogItem:
        return self._load(CatalogItem, item_id, NotFound)

    def redemption(self, redemption_id: UUID) -> Redemption:
        return self._load(Redemption, redemption_id, RedemptionNotFound)

    def list_item(
        self, cmd: NewItem, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            station = self.requested_unit(cmd.station_id, "station_id")
            actor.check_manages(station)
            check_is_station(station, "goods are sold at stations (站)")
            item = CatalogItem.list(
                cmd.item_id or uuid4(),
                cmd.station_id,
                cmd.name,
                cmd.price_points,
                cmd.stock,
                cmd.daily_limit,
                actor.label,
            )
            return Decision([item], item_view(item))

        return self.execute(idem, decide)

    def restock(self, item_id: UUID, quantity: int, actor: Actor) -> Outcome:
        def decide() -> Decision:
            item = self.item(item_id)
            actor.check_manages(self.unit(item.station_id))
            item.restock(quantity, actor.label)
            return Decision([item], item_view(item))

        return self.execute(None, decide)

    def change_price(
        self, item_id: UUID, price_points: Decimal, actor: Actor
    ) -> Outcome:
        """A new price for later redemptions; each keeps the price it paid."""

        def decide() -> Decision:
            item = self.item(item_id)
            actor.check_manages(self.unit(item.station_id))
            item.change_price(price_points, actor.label)
            return Decision([item], item_view(item))

        return self.execute(None, decide)

    def _station_of(self, actor: Actor) -> UUID | None:
        """A kiosk sells only at its own station; staff name none (any in scope)."""
        if actor.role is Role.KIOSK:
            return actor.unit_id
        actor.check_role(Role.ADMIN, Role.COORDINATOR)
        return None

    def redeem(
        self, cmd: NewRedemption, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        """Account and stock change in one transaction: a point is never spent twice,
        a balance never goes below zero, stock never sold that is not there."""
        if not cmd.lines:
            raise InvalidInput("items", "items_required", "pick at least one item")
        if len({line.item_id for line in cmd.lines}) != len(cmd.lines):
            raise InvalidInput("items", "unique_items", "an item is listed twice")
        redemption_id = uuid4()

        def decide() -> Decision:
            identified_by = required_identification(actor, cmd.volunteer_id)
            kiosk_station = actor.unit_id if actor.role is Role.KIOSK else None
            loaded = self.load(
                cmd.volunteer_id,
                account_id_for(cmd.volunteer_id),
                *(line.item_id for line in cmd.lines),
            )
            volunteer = self._field(Volunteer, cmd.volunteer_id, "volunteer_id", loaded)
            if identified_by is not Identification.OWN_TOKEN:
                self.kiosk_sessions.check(actor, cmd.kiosk_session, cmd.volunteer_id)
            volunteer.check_active()
            items = [
                self._field(CatalogItem, line.item_id, "items", loaded)
                for line in cmd.lines
            ]
            quantities = [line.quantity for line in cmd.lines]
            basket = price_basket(items, quantities, kiosk_station)
            if identified_by is Identification.COUNTER_PIN:
                actor.check_manages(self.unit(basket.station_id))
            now = self.clock()
            today = now.astimezone(CHINA_TIME).date()
            for item, quantity in zip(items, quantities, strict=True):
                item.reserve(redemption_id, quantity, cmd.volunteer_id, today)
            account = self.account(cmd.volunteer_id, loaded)
            if cmd.hold:
                account.hold(redemption_id, basket.points)
            else:
                account.redeem(redemption_id, basket.points)
            redemption = Redemption.place(
                redemption_id,
                cmd.volunteer_id,
                basket,
                cmd.hold,
                now,
                actor.label,
                identified_by,
            )
            view = redemption_view(redemption, account.balance)
            return Decision([*items, account, redemption], view)

        return self.execute(idem, decide)

    def confirm_redemption(
        self, redemption_id: UUID, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            redemption = self._own_redemption(redemption_id, actor)
            account = self.account(redemption.volunteer_id)
            redemption.confirm(self.clock(), actor.label)
            account.commit_hold(redemption_id)
            return Decision(
                [account, redemption], redemption_view(redemption, account.balance)
            )

        return self.execute(idem, decide)

    def void_redemption(
        self,
        redemption_id: UUID,
        reason: str,
        actor: Actor,
        idem: IdempotencyKey | None = None,
    ) -> Outcome:
        def decide() -> Decision:
            redemption = self._own_redemption(redemption_id, actor)
            redemption.void(reason, actor.label)
            return self._give_back(redemption, "voided", reason)

        return self.execute(idem, decide)

    def expire_holds(self, redemption_ids: list[UUID]) -> int:
        """Gives back the points and stock of holds past their expiry."""
        expired = 0
        for redemption_id in redemption_ids:

            def decide(rid: UUID = redemption_id) -> Decision:
                redemption = self.redemption(rid)
                redemption.expire(self.clock())
                return self._give_back(redemption, "expired", "not confirmed in time")

            try:
                self.execute(None, decide)
            except IllegalTransition:
                log.info("hold %s was settled meanwhile", redemption_id)
                continue
            expired += 1
        return expired

    def _give_back(
        self, redemption: Redemption, cause: ReleaseCause, reason: str
    ) -> Decision:
        account = self.account(redemption.volunteer_id)
        account.release_hold(redemption.id, cause, reason)
        items = [self.item(item_id) for item_id in redemption.item_ids]
        for item in items:
            item.release(redemption.id)
        return Decision(
            [*items, account, redemption], redemption_view(redemption, account.balance)
        )

    def _own_redemption(self, redemption_id: UUID, actor: Actor) -> Redemption:
        redemption = self.redemption(redemption_id)
        station = self._station_of(actor)
        if station is None:
            actor.check_manages(self.unit(redemption.station_id))
        elif station != redemption.station_id:
            raise RedemptionNotFound(f"no redemption {redemption_id}")
        return redemption


@dataclass(frozen=True)
class Donation:
    giver: UUID
    points: Decimal
    reason: str
    to_volunteer_id: UUID | None = None
    fund_station_id: UUID | None = None


class DonationCommands(LedgerCore):
    def donate(
        self, cmd: Donation, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        """Gives points to another volunteer or to a station's public-welfare fund
        (an account of the station's own); both accounts change in one transaction."""
        if (cmd.to_volunteer_id is None) == (cmd.fund_station_id is None):
            raise InvalidInput(
                "to_volunteer_id",
                "one_recipient",
                "give to_volunteer_id or fund_station_id",
            )
        donation_id = uuid4()

        def decide() -> Decision:
            if not actor.is_self(cmd.giver):
                actor.check_role(Role.ADMIN)
            self._field(Volunteer, cmd.giver, "volunteer_id")
            giver = self.account(cmd.giver)
            if cmd.to_volunteer_id is not None:
                self._field(Volunteer, cmd.to_volunteer_id, "to_volunteer_id")
                recipient_id = cmd.to_volunteer_id
                receiver = self.account(recipient_id)
            elif cmd.fund_station_id is not None:
                self.requested_unit(cmd.fund_station_id, "fund_station_id")
                recipient_id = cmd.fund_station_id
                receiver = self._fund(recipient_id)
            else:
                raise InvalidInput(
                    "to_volunteer_id", "one_recipient", "name a recipient"
                )
            giver.donate(donation_id, cmd.points, recipient_id, cmd.reason, actor.label)
            receiver.receive(donation_id, cmd.points, cmd.giver, cmd.reason)
            result = {
                "id": str(donation_id),
                "points": str(cmd.points),
                "to": str(recipient_id),
                "balance": str(giver.balance),
            }
            return Decision([giver, receiver], result)

        return self.execute(idem, decide)

    def _fund(self, station_id: UUID) -> CreditAccount:
        """A station's public-welfare fund is a credit account of the station."""
        try:
            return self.account(station_id)
        except VolunteerNotFound:
            return CreditAccount(volunteer_id=station_id)
