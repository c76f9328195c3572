from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.access import Actor, Role
from domain.account import CreditAccount
from domain.catalog import CatalogItem
from domain.errors import Forbidden, ItemAtAnotherStation, StaleRead
from domain.redemption import (
    HOLD_TTL,
    Identification,
    Redemption,
    RedemptionState,
    price_basket,
    required_identification,
)

STATION = uuid4()
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def goods(name: str, price: int, station: UUID = STATION) -> CatalogItem:
    return CatalogItem.list(uuid4(), station, name, Decimal(price), 10, None, "c")


def test_a_basket_prices_each_line_at_the_items_price() -> None:
    soap, rice = goods("洗衣液", 30), goods("大米", 80)
    basket = price_basket([soap, rice], [2, 1], None)
    assert basket.station_id == STATION
    assert [(line["unit_price"], line["points"]) for line in basket.lines] == [
        (30, 60),
        (80, 80),
    ]
    assert basket.points == 140


def test_a_basket_holds_one_stations_goods() -> None:
    elsewhere = goods("大米", 80, station=uuid4())
    with pytest.raises(ItemAtAnotherStation):
        price_basket([goods("洗衣液", 30), elsewhere], [1, 1], None)
    with pytest.raises(ItemAtAnotherStation):
        price_basket([elsewhere], [1], STATION)  # a kiosk sells its own station's


def test_a_hold_expires_after_its_time_to_live() -> None:
    basket = price_basket([goods("洗衣液", 30)], [1], None)
    held = Redemption.place(
        uuid4(), uuid4(), basket, True, NOW, "k", Identification.KIOSK_SESSION
    )
    assert held.state is RedemptionState.HELD
    assert held.expires_at == NOW + HOLD_TTL
    spent = Redemption.place(
        uuid4(), uuid4(), basket, False, NOW, "v", Identification.OWN_TOKEN
    )
    assert (spent.state, spent.expires_at) == (RedemptionState.COMMITTED, None)
    assert spent.identified_by is Identification.OWN_TOKEN


@pytest.mark.parametrize(
    ("role", "own", "how"),
    [
        (Role.KIOSK, False, Identification.KIOSK_SESSION),
        (Role.ADMIN, False, Identification.COUNTER_PIN),
        (Role.COORDINATOR, False, Identification.COUNTER_PIN),
        (Role.VOLUNTEER, True, Identification.OWN_TOKEN),
    ],
)
def test_spending_needs_the_volunteer_identified(
    role: Role, own: bool, how: Identification
) -> None:
    volunteer = uuid4()
    actor = Actor(role, uuid4(), "x", volunteer_id=volunteer if own else None)
    assert required_identification(actor, volunteer) is how


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.RESIDENT, Role.AUDITOR])
def test_nobody_else_spends_a_volunteers_points(role: Role) -> None:
    someone_else = Actor(role, uuid4(), "x", volunteer_id=uuid4())
    with pytest.raises(Forbidden):
        required_identification(someone_else, uuid4())


def test_an_account_without_the_hold_it_should_have_is_a_stale_read() -> None:
    account = CreditAccount(volunteer_id=uuid4())
    with pytest.raises(StaleRead):
        account.commit_hold(uuid4())
