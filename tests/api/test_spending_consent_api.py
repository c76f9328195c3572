"""Spending or reading a volunteer's points needs that volunteer: a session it opened
with its PIN at a kiosk or a staff counter, or its own token. Kiosks are registered
devices at stations, and goods and orders belong to stations."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from application.services import Container
from domain.access import Actor, Role
from domain.errors import InvalidInput
from infra.tokens import TokenStore
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.api.kiosk import buy, identify, sign_out
from tests.conftest import event_count


def purchase(api: Api, shop: dict[str, Any], token: str, **headers: str) -> Any:
    body = {
        "volunteer_id": shop["volunteer"],
        "items": [{"item_id": shop["item"], "quantity": 1}],
    }
    return api.call("POST", "/v1/redemptions", token, json=body, headers=headers)


@pytest.mark.parametrize("staff", ["coordinator", "outsider", "admin"])
def test_staff_without_the_volunteers_pin_spend_nothing(
    api: Api, shop: dict[str, Any], database_url: str, staff: str
) -> None:
    before = event_count(database_url)
    response = purchase(api, shop, api.tokens[staff])
    assert_problem(response, 403, "kiosk_session_valid", "X-Kiosk-Session")
    assert event_count(database_url) == before


def test_a_staff_counter_spends_once_the_volunteer_entered_its_pin_there(
    api: Api, shop: dict[str, Any]
) -> None:
    counter = api.tokens["coordinator"]
    opened = identify(api, counter, shop["number"])
    assert opened.status_code == 201, opened.text
    session = opened.json()["session"]
    bought = purchase(api, shop, counter, **{"X-Kiosk-Session": session})
    assert bought.status_code == 201, bought.text
    assert bought.json()["identified_by"] == "counter_pin"
    elsewhere = purchase(api, shop, api.tokens["admin"], **{"X-Kiosk-Session": session})
    assert_problem(elsewhere, 403, "kiosk_session_valid")


def test_a_wrong_pin_at_a_counter_opens_nothing(api: Api, shop: dict[str, Any]) -> None:
    wrong = identify(api, api.tokens["coordinator"], shop["number"], pin="000000")
    assert_problem(wrong, 422, "pin_matches", "pin")


def test_a_volunteer_spends_its_own_points_with_its_own_token_and_nobody_elses(
    api: Api, shop: dict[str, Any]
) -> None:
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    bought = purchase(api, shop, own)
    assert bought.status_code == 201, bought.text
    assert bought.json()["identified_by"] == "own_token"
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    )
    assert other.status_code == 201, other.text
    stranger = api.token(Role.VOLUNTEER, volunteer_id=other.json()["id"])
    assert_problem(purchase(api, shop, stranger), 403, "forbidden", "volunteer_id")


def test_a_kiosk_redemption_records_the_kiosk_session(
    api: Api, shop: dict[str, Any]
) -> None:
    bought = buy(api, shop)
    assert bought.status_code == 201, bought.text
    assert bought.json()["identified_by"] == "kiosk_session"


@pytest.mark.parametrize("path", ["/v1/accounts/{}", "/v1/accounts/{}/entries"])
def test_a_kiosk_reads_points_only_inside_the_volunteers_session(
    api: Api, shop: dict[str, Any], path: str
) -> None:
    url = path.format(shop["volunteer"])
    read = {"min_position": api.container.store.max_position()}
    outside = api.call("GET", url, shop["kiosk"], params=read)
    assert_problem(outside, 403, "kiosk_session_valid", "X-Kiosk-Session")
    inside = api.call(
        "GET",
        url,
        shop["kiosk"],
        params=read,
        headers={"X-Kiosk-Session": shop["session"]},
    )
    assert inside.status_code == 200, inside.text
    assert sign_out(api, shop).status_code == 204
    after = api.call(
        "GET", url, shop["kiosk"], headers={"X-Kiosk-Session": shop["session"]}
    )
    assert_problem(after, 403, "kiosk_session_valid")


def test_kiosk_tokens_come_only_with_a_registered_device(container: Container) -> None:
    with pytest.raises(InvalidInput) as refused:
        container.tokens.issue(Role.KIOSK, "rogue", unit_id=None)
    assert refused.value.rule == "kiosk_is_registered_device"


def test_a_kiosk_token_of_no_registered_device_stops_working_at_start(
    api: Api, make_container: Any
) -> None:
    """A token written as `vledger token create --role kiosk` once did."""
    legacy = Actor(Role.KIOSK, uuid4(), "cli", unit_id=api.district.institute)
    token, write = TokenStore.new_token(legacy)
    api.container.db.execute(write.query, write.params)
    assert api.container.tokens.authenticate(token) is not None
    restarted = make_container()
    assert restarted.tokens.authenticate(token) is None
    assert restarted.tokens.revoke_unregistered_kiosk_tokens() == 0


def test_a_registered_kiosk_keeps_working_after_a_restart(
    api: Api, shop: dict[str, Any], make_container: Any
) -> None:
    restarted = make_container()
    assert restarted.tokens.authenticate(shop["kiosk"]) is not None


def test_an_order_goes_to_a_station_not_the_centre(api: Api, database_url: str) -> None:
    before = event_count(database_url)
    response = api.call(
        "POST",
        "/v1/orders",
        api.token(Role.RESIDENT),
        json={
            "category": "elderly",
            "subcategory": "daily_care",
            "title": "帮独居老人打扫卫生",
            "description": "老人行动不便",
            "station_id": str(api.district.center),
            "address": "双泉社区3号楼",
            "window_start": "2026-05-31T08:00:00+08:00",
            "window_end": "2026-05-31T10:00:00+08:00",
        },
    )
    assert_problem(response, 422, "unit_is_station", "station_id")
    assert event_count(database_url) == before


def test_goods_are_listed_at_a_station_and_the_listing_says_their_price(
    api: Api, database_url: str
) -> None:
    body = {"name": "洗衣液", "price_points": "12.50", "stock": 3}
    at_institute = api.as_admin(
        "POST",
        "/v1/catalog/items",
        json={**body, "station_id": str(api.district.institute)},
    )
    assert_problem(at_institute, 422, "unit_is_station", "station_id")
    listed = api.as_admin(
        "POST",
        "/v1/catalog/items",
        json={**body, "station_id": str(api.district.station)},
    )
    assert listed.status_code == 201, listed.text
    assert listed.json()["price_points"] == 12.5
