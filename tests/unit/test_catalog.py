from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.catalog import CatalogItem, DailyLimitReached, OutOfStock
from domain.errors import InvalidInput

TODAY = date(2026, 6, 1)


def item(stock: int = 10, daily_limit: int | None = None) -> CatalogItem:
    return CatalogItem.list(
        uuid4(), uuid4(), "大米", Decimal(50), stock, daily_limit, "coordinator"
    )


def test_stock_never_goes_below_zero() -> None:
    rice = item(stock=2)
    rice.reserve(uuid4(), 2, uuid4(), TODAY)
    with pytest.raises(OutOfStock):
        rice.reserve(uuid4(), 1, uuid4(), TODAY)


def test_a_release_puts_the_stock_back() -> None:
    rice, redemption = item(stock=3), uuid4()
    rice.reserve(redemption, 3, uuid4(), TODAY)
    rice.release(redemption, 3)
    assert rice.stock == 3


def test_the_daily_limit_counts_per_person_and_per_day() -> None:
    rice, me, neighbour = item(daily_limit=2), uuid4(), uuid4()
    rice.reserve(uuid4(), 2, me, TODAY)
    with pytest.raises(DailyLimitReached):
        rice.reserve(uuid4(), 1, me, TODAY)
    rice.reserve(uuid4(), 2, neighbour, TODAY)
    rice.reserve(uuid4(), 1, me, TODAY + timedelta(days=1))


def test_a_released_hold_gives_its_allowance_back() -> None:
    rice, me = item(daily_limit=2), uuid4()
    held: UUID = uuid4()
    rice.reserve(held, 2, me, TODAY)
    rice.release(held, 2)
    rice.reserve(uuid4(), 2, me, TODAY)


def test_a_hold_released_the_next_day_leaves_that_days_allowance_alone() -> None:
    rice, me = item(daily_limit=2), uuid4()
    yesterday: UUID = uuid4()
    rice.reserve(yesterday, 2, me, TODAY - timedelta(days=1))
    rice.reserve(uuid4(), 2, me, TODAY)
    rice.release(yesterday, 2)
    assert rice.stock == 8
    with pytest.raises(DailyLimitReached):
        rice.reserve(uuid4(), 1, me, TODAY)


def test_an_items_state_keeps_one_days_buyers_however_many_it_sold() -> None:
    rice = item(stock=10_000)
    for day in range(100):
        for _ in range(10):
            rice.reserve(uuid4(), 1, uuid4(), TODAY + timedelta(days=day))
    assert len(rice.bought) == len(rice.reserved) == 10
    assert rice.stock == 9_000


@pytest.mark.parametrize(
    ("price", "stock", "rule"),
    [
        ("0", 1, "price_range"),
        ("1.005", 1, "price_precision"),
        ("5", -1, "stock_range"),
    ],
)
def test_unreasonable_listings_are_refused(price: str, stock: int, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CatalogItem.list(uuid4(), uuid4(), "x", Decimal(price), stock, None, "c")
    assert caught.value.rule == rule
