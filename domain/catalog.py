"""Goods of a station's credit supermarket (信用超市), with stock that cannot go below
zero: every reservation names the redemption it serves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import Conflict, InvalidInput
from domain.order import check_text

MAX_PRICE = Decimal(100_000)
MAX_STOCK = 1_000_000


class OutOfStock(Conflict):
    rule = "stock_available"


class DailyLimitReached(Conflict):
    rule = "daily_limit"


def check_price(price: Decimal) -> None:
    if not price.is_finite() or price <= 0 or price > MAX_PRICE:
        raise InvalidInput(
            "price_points", "price_range", f"above 0, at most {MAX_PRICE}"
        )
    if price != price.quantize(Decimal("0.01")):
        raise InvalidInput("price_points", "price_precision", "at most two decimals")


def check_quantity(field: str, quantity: int, low: int = 1) -> None:
    if not low <= quantity <= MAX_STOCK:
        raise InvalidInput(field, f"{field}_range", f"{low} to {MAX_STOCK}")


class CatalogItem(CopiedCheaply, Aggregate):
    flat_copied = frozenset({"bought", "reserved"})

    @staticmethod
    def create_id(item_id: UUID, **_: Any) -> UUID:
        return item_id

    @event("Listed")
    def __init__(
        self,
        item_id: UUID,
        station_id: UUID,
        name: str,
        price_points: Decimal,
        stock: int,
        daily_limit: int | None,
        actor: str,
    ) -> None:
        self.station_id = station_id
        self.name = name
        self.price_points = price_points
        self.stock = stock
        self.daily_limit = daily_limit
        #: Only what the daily limit still needs, so that the state of a popular
        #: item does not grow with its sales: the (China-time) day of the latest
        #: reservation, what each volunteer took that day, and that day's
        #: reservations (a release of one gives its quantity back to the limit).
        self.day: date | None = None
        self.bought: dict[UUID, int] = {}
        self.reserved: dict[UUID, tuple[UUID, int]] = {}

    @classmethod
    def list(
        cls,
        item_id: UUID,
        station_id: UUID,
        name: str,
        price_points: Decimal,
        stock: int,
        daily_limit: int | None,
        actor: str,
    ) -> CatalogItem:
        check_text("name", name, 100)
        check_price(price_points)
        check_quantity("stock", stock, low=0)
        if daily_limit is not None:
            check_quantity("daily_limit", daily_limit)
        return cls(
            item_id=item_id,
            station_id=station_id,
            name=name.strip(),
            price_points=price_points,
            stock=stock,
            daily_limit=daily_limit,
            actor=actor,
        )

    def restock(self, quantity: int, actor: str) -> None:
        check_quantity("quantity", quantity)
        self._restocked(
            quantity=quantity, stock_after=self.stock + quantity, actor=actor
        )

    @event("Restocked")
    def _restocked(self, quantity: int, stock_after: int, actor: str) -> None:
        self.stock = stock_after

    def change_price(self, price_points: Decimal, actor: str) -> None:
        check_price(price_points)
        self._price_changed(price_points=price_points, actor=actor)

    @event("PriceChanged")
    def _price_changed(self, price_points: Decimal, actor: str) -> None:
        self.price_points = price_points

    def reserve(
        self, redemption_id: UUID, quantity: int, volunteer_id: UUID, day: date
    ) -> None:
        """Takes `quantity` out of stock for a redemption (held or committed), within
        the per-person daily limit."""
        check_quantity("quantity", quantity)
        if quantity > self.stock:
            raise OutOfStock(
                f"only {self.stock} of {self.name} left", field="items", item_id=self.id
            )
        bought = self.bought.get(volunteer_id, 0) if day == self.day else 0
        if self.daily_limit is not None and bought + quantity > self.daily_limit:
            raise DailyLimitReached(
                f"at most {self.daily_limit} {self.name} a day per person "
                f"({bought} already today)",
                field="items",
                item_id=self.id,
            )
        self._reserved(
            redemption_id=redemption_id,
            quantity=quantity,
            stock_after=self.stock - quantity,
            volunteer_id=volunteer_id,
            day=day,
        )

    @event("StockReserved")
    def _reserved(
        self,
        redemption_id: UUID,
        quantity: int,
        stock_after: int,
        volunteer_id: UUID,
        day: date,
    ) -> None:
        self.stock = stock_after
        if day != self.day:
            self.day, self.bought, self.reserved = day, {}, {}
        self.bought[volunteer_id] = self.bought.get(volunteer_id, 0) + quantity
        self.reserved[redemption_id] = (volunteer_id, quantity)

    def release(self, redemption_id: UUID, quantity: int) -> None:
        """Gives back the `quantity` a voided or expired hold had reserved (the
        hold knows it; the redemption makes sure it is given back once)."""
        if quantity > 0:
            self._released(
                redemption_id=redemption_id,
                quantity=quantity,
                stock_after=self.stock + quantity,
            )

    @event("StockReleased")
    def _released(self, redemption_id: UUID, quantity: int, stock_after: int) -> None:
        self.stock = stock_after
        volunteer_id, _ = self.reserved.pop(redemption_id, (None, 0))
        if volunteer_id is not None:
            self.bought[volunteer_id] -= quantity
