"""The credit supermarket (信用超市): catalog items, redemptions and donations.
Account and stock change in one transaction: a point is never spent twice, a
balance never goes below zero, stock is never sold that is not there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor, Role
from domain.account import CreditAccount, ReleaseCause
from domain.catalog import CatalogItem
from domain.errors import (
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
    RedemptionState,
    price_basket,
    required_identification,
)
from domain.reference import CHINA_TIME
from domain.volunteer import Volunteer
from infra.kiosk_sessions import KioskSessions


@dataclass(frozen=True)
class ListItem:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "item_id"
    station_id: UUID
    name: str
    price_points: Decimal
    stock: int
    daily_limit: int | None = None
    item_id: UUID | None = None


@dataclass(frozen=True)
class Restock:
    item_id: UUID
    quantity: int


@dataclass(frozen=True)
class ChangePrice:
    item_id: UUID
    price_points: Decimal


@dataclass(frozen=True)
class Line:
    item_id: UUID
    quantity: int


@dataclass(frozen=True)
class Redeem:
    volunteer_id: UUID
    lines: tuple[Line, ...]
    hold: bool = False
    #: A kiosk or a staff counter redeems only for a volunteer identified there with
    #: the PIN (KioskSessions); a volunteer's own token needs none.
    kiosk_session: str | None = None


@dataclass(frozen=True)
class ConfirmRedemption:
    redemption_id: UUID
    #: The session the volunteer opened at this kiosk or counter with its PIN.
    kiosk_session: str | None = None


@dataclass(frozen=True)
class VoidRedemption:
    redemption_id: UUID
    reason: str


@dataclass(frozen=True)
class ExpireHold:
    redemption_id: UUID


@dataclass(frozen=True)
class Donate:
    giver: UUID
    points: Decimal
    reason: str
    to_volunteer_id: UUID | None = None
    fund_station_id: UUID | None = None


@dataclass(frozen=True)
class ItemStatus:
    id: UUID
    stock: int
    price_points: Decimal

    @classmethod
    def of(cls, item: CatalogItem) -> ItemStatus:
        return cls(item.id, item.stock, item.price_points)


@dataclass(frozen=True)
class ReceiptLine:
    item_id: UUID
    name: str
    quantity: int
    unit_price: Decimal
    points: Decimal


@dataclass(frozen=True)
class RedemptionStatus:
    id: UUID
    volunteer_id: UUID
    station_id: UUID
    state: RedemptionState
    identified_by: Identification
    points: Decimal
    #: The volunteer's balance after this step.
    balance: Decimal
    expires_at: datetime | None
    lines: list[ReceiptLine]

    @classmethod
    def of(cls, redemption: Redemption, balance: Decimal) -> RedemptionStatus:
        return cls(
            redemption.id,
            redemption.volunteer_id,
            redemption.station_id,
            redemption.state,
            redemption.identified_by,
            redemption.points,
            balance,
            redemption.expires_at,
            [_receipt_line(line) for line in redemption.lines],
        )


def _receipt_line(line: dict[str, Any]) -> ReceiptLine:
    return ReceiptLine(
        line["item_id"],
        line["name"],
        line["quantity"],
        line["unit_price"],
        line["points"],
    )


@dataclass(frozen=True)
class Donated:
    id: UUID
    points: Decimal
    to: UUID
    #: The giver's balance afterwards.
    balance: Decimal


@dataclass(frozen=True)
class Balance:
    balance: Decimal
    held: Decimal


class Catalog:
    """Goods a station sells for points."""

    def __init__(self, aggregates: Aggregates) -> None:
        self.aggregates = aggregates

    def list(self, cmd: ListItem, actor: Actor) -> Decision[ItemStatus]:
        station = self.aggregates.named_unit(cmd.station_id, "station_id")
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
        return Decision([item], ItemStatus.of(item))

    def restock(self, cmd: Restock, actor: Actor) -> Decision[ItemStatus]:
        item = self._managed_item(cmd.item_id, actor)
        item.restock(cmd.quantity, actor.label)
        return Decision([item], ItemStatus.of(item))

    def change_price(self, cmd: ChangePrice, actor: Actor) -> Decision[ItemStatus]:
        """A new price for later redemptions; each keeps the price it paid."""
        item = self._managed_item(cmd.item_id, actor)
        item.change_price(cmd.price_points, actor.label)
        return Decision([item], ItemStatus.of(item))

    def _managed_item(self, item_id: UUID, actor: Actor) -> CatalogItem:
        item = self.aggregates.get(CatalogItem, item_id, NotFound)
        actor.check_manages(self.aggregates.unit(item.station_id))
        return item


class Redemptions:
    """Spending points on a station's goods: at once, or held and then confirmed."""

    def __init__(
        self, aggregates: Aggregates, clock: Clock, sessions: KioskSessions
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.sessions = sessions

    def balance(self, volunteer_id: UUID) -> Balance:
        """What the volunteer may spend now, and what holds keep aside."""
        account = self.aggregates.account(volunteer_id)
        return Balance(account.balance, account.held)

    def redeem(self, cmd: Redeem, actor: Actor) -> Decision[RedemptionStatus]:
        if not cmd.lines:
            raise InvalidInput("items", "items_required", "pick at least one item")
        if len({line.item_id for line in cmd.lines}) != len(cmd.lines):
            raise InvalidInput("items", "unique_items", "an item is listed twice")
        identified_by = required_identification(actor, cmd.volunteer_id)
        kiosk_station = actor.unit_id if actor.role is Role.KIOSK else None
        loaded = self.aggregates.load(
            cmd.volunteer_id,
            account_id_for(cmd.volunteer_id),
            *(line.item_id for line in cmd.lines),
        )
        volunteer = self.aggregates.named(
            Volunteer, cmd.volunteer_id, "volunteer_id", loaded
        )
        if identified_by is not Identification.OWN_TOKEN:
            self.sessions.check(actor, cmd.kiosk_session, cmd.volunteer_id)
        volunteer.check_active()
        items = [
            self.aggregates.named(CatalogItem, line.item_id, "items", loaded)
            for line in cmd.lines
        ]
        quantities = [line.quantity for line in cmd.lines]
        basket = price_basket(items, quantities, kiosk_station)
        if identified_by is Identification.COUNTER_PIN:
            actor.check_manages(self.aggregates.unit(basket.station_id))
        redemption_id = uuid4()
        now = self.clock.now()
        today = now.astimezone(CHINA_TIME).date()
        for item, quantity in zip(items, quantities, strict=True):
            item.reserve(redemption_id, quantity, cmd.volunteer_id, today)
        account = self.aggregates.account(cmd.volunteer_id, loaded)
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
        return Decision(
            [*items, account, redemption],
            RedemptionStatus.of(redemption, account.balance),
        )

    def confirm(
        self, cmd: ConfirmRedemption, actor: Actor
    ) -> Decision[RedemptionStatus]:
        """Spends a hold, which needs what spending needs: the volunteer's own
        token, or the session it opened at this kiosk or counter."""
        redemption = self.aggregates.get(
            Redemption, cmd.redemption_id, RedemptionNotFound
        )
        if actor.role is Role.VOLUNTEER:
            if not actor.is_self(redemption.volunteer_id):  # as a read answers
                raise RedemptionNotFound(f"no redemption {cmd.redemption_id}")
        else:
            self._check_sold_here(redemption, actor)
            self.sessions.check(actor, cmd.kiosk_session, redemption.volunteer_id)
        account = self.aggregates.account(redemption.volunteer_id)
        redemption.confirm(self.clock.now(), actor.label)
        account.commit_hold(redemption.id)
        return Decision(
            [account, redemption], RedemptionStatus.of(redemption, account.balance)
        )

    def void(self, cmd: VoidRedemption, actor: Actor) -> Decision[RedemptionStatus]:
        redemption = self._sold_here(cmd.redemption_id, actor)
        redemption.void(cmd.reason, actor.label)
        return self._give_back(redemption, "voided", cmd.reason)

    def expire(self, cmd: ExpireHold, _actor: Actor) -> Decision[RedemptionStatus]:
        """Gives back the points and stock of a hold past its expiry."""
        redemption = self.aggregates.get(
            Redemption, cmd.redemption_id, RedemptionNotFound
        )
        redemption.expire(self.clock.now())
        return self._give_back(redemption, "expired", "not confirmed in time")

    def _give_back(
        self, redemption: Redemption, cause: ReleaseCause, reason: str
    ) -> Decision[RedemptionStatus]:
        account = self.aggregates.account(redemption.volunteer_id)
        account.release_hold(redemption.id, cause, reason)
        items = [
            self.aggregates.get(CatalogItem, item_id, NotFound)
            for item_id in redemption.item_ids
        ]
        for item in items:
            item.release(redemption.id, redemption.quantity_of(item.id))
        return Decision(
            [*items, account, redemption],
            RedemptionStatus.of(redemption, account.balance),
        )

    def _sold_here(self, redemption_id: UUID, actor: Actor) -> Redemption:
        redemption = self.aggregates.get(Redemption, redemption_id, RedemptionNotFound)
        self._check_sold_here(redemption, actor)
        return redemption

    def _check_sold_here(self, redemption: Redemption, actor: Actor) -> None:
        """A kiosk settles only its own station's redemptions (another's is not
        shown to exist); staff those of stations in their scope."""
        if actor.role is not Role.KIOSK:
            actor.check_role(Role.ADMIN, Role.COORDINATOR)
            actor.check_manages(self.aggregates.unit(redemption.station_id))
        elif actor.unit_id != redemption.station_id:
            raise RedemptionNotFound(f"no redemption {redemption.id}")


class Donations:
    def __init__(self, aggregates: Aggregates) -> None:
        self.aggregates = aggregates

    def donate(self, cmd: Donate, actor: Actor) -> Decision[Donated]:
        """Gives points to another volunteer or to a station's public-welfare fund
        (an account of the station's own); both accounts change in one
        transaction."""
        if (cmd.to_volunteer_id is None) == (cmd.fund_station_id is None):
            raise InvalidInput(
                "to_volunteer_id",
                "one_recipient",
                "give to_volunteer_id or fund_station_id",
            )
        if not actor.is_self(cmd.giver):
            actor.check_role(Role.ADMIN)
        self.aggregates.named(Volunteer, cmd.giver, "volunteer_id")
        giver = self.aggregates.account(cmd.giver)
        if cmd.to_volunteer_id is not None:
            self.aggregates.named(Volunteer, cmd.to_volunteer_id, "to_volunteer_id")
            recipient_id = cmd.to_volunteer_id
            receiver = self.aggregates.account(recipient_id)
        elif cmd.fund_station_id is not None:
            self.aggregates.named_unit(cmd.fund_station_id, "fund_station_id")
            recipient_id = cmd.fund_station_id
            receiver = self._fund(recipient_id)
        else:
            raise InvalidInput("to_volunteer_id", "one_recipient", "name a recipient")
        donation_id = uuid4()
        giver.donate(donation_id, cmd.points, recipient_id, cmd.reason, actor.label)
        receiver.receive(donation_id, cmd.points, cmd.giver, cmd.reason)
        return Decision(
            [giver, receiver],
            Donated(donation_id, cmd.points, recipient_id, giver.balance),
        )

    def _fund(self, station_id: UUID) -> CreditAccount:
        """A station's public-welfare fund is a credit account of the station."""
        try:
            return self.aggregates.account(station_id)
        except VolunteerNotFound:
            return CreditAccount(volunteer_id=station_id)
