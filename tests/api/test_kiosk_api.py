"""The credit supermarket over HTTP: catalog, redemptions, holds, retries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from domain.access import Role
from domain.redemption import HOLD_TTL
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.api.kiosk import buy, identify, kiosk_elsewhere
from tests.conftest import Clock, event_count
from tests.waiting import wait_for


@contextmanager
def events_table_locked(database_url: str) -> Iterator[None]:
    """Makes writers wait at the event store, as under a heavy load."""
    with psycopg.connect(database_url) as conn, conn.transaction():
        conn.execute("LOCK TABLE vledger_events IN EXCLUSIVE MODE")
        yield


def wait_until_key_taken(database_url: str) -> None:
    def taken() -> bool:
        row = conn.execute("SELECT count(*) FROM idempotency_in_flight").fetchone()
        return bool(row and row[0])

    with psycopg.connect(database_url, autocommit=True) as conn:
        wait_for(taken, "the first request took its key")


def backdate_key(key: str, hours: int, database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE idempotency_keys "
            "SET created_at = now() - make_interval(hours => %s) WHERE key = %s",
            (hours, key),
        )


def balance(api: Api, shop: dict[str, Any], position: int) -> Any:
    return api.as_admin(
        "GET", f"/v1/accounts/{shop['volunteer']}", params={"min_position": position}
    ).json()


def test_a_kiosk_sees_its_catalog_and_a_redemption_spends_points_and_stock(
    api: Api, shop: dict[str, Any]
) -> None:
    bought = buy(api, shop)
    assert bought.status_code == 201, bought.text
    assert (bought.json()["state"], bought.json()["balance"]) == ("committed", 70)
    catalog = api.call(
        "GET",
        "/v1/kiosk/catalog",
        shop["kiosk"],
        params={"min_position": bought.json()["position"]},
    ).json()
    assert [(i["name"], i["stock"], i["price_points"]) for i in catalog] == [
        ("洗衣液", 4, 30)
    ]
    account = balance(api, shop, bought.json()["position"])
    assert (account["balance"], account["redeemed"]) == (70, 30)


def test_the_same_key_five_times_in_a_row_spends_once(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    first = buy(api, shop, key="till-1-0001")
    before = event_count(database_url)
    again = [buy(api, shop, key="till-1-0001") for _ in range(4)]
    assert {(r.status_code, r.text) for r in again} == {(201, first.text)}
    assert event_count(database_url) == before
    assert balance(api, shop, first.json()["position"])["balance"] == 70


def test_the_same_key_five_times_at_once_spends_once(
    api: Api, shop: dict[str, Any]
) -> None:
    responses: list[Any] = []
    barrier = threading.Barrier(5)

    def retry() -> None:
        barrier.wait()
        responses.append(buy(api, shop, key="till-1-0002"))

    threads = [threading.Thread(target=retry) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = [r for r in responses if r.status_code == 201]
    for busy in (r for r in responses if r.status_code != 201):
        assert_problem(busy, 409, "idempotency_key_not_in_progress", "Idempotency-Key")
        assert busy.headers["Retry-After"] == "1"
    settled = buy(api, shop, key="till-1-0002")
    assert {r.text for r in [*done, settled]} == {settled.text}
    assert balance(api, shop, settled.json()["position"])["balance"] == 70


def test_a_copy_of_a_request_still_in_progress_gets_409_then_the_first_response(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    first: list[Any] = []
    with events_table_locked(database_url):
        # The first request takes its key, then waits for the event store.
        thread = threading.Thread(
            target=lambda: first.append(buy(api, shop, key="till-1-0009"))
        )
        thread.start()
        wait_until_key_taken(database_url)
        busy = buy(api, shop, key="till-1-0009")
        other_body = buy(
            api,
            shop,
            key="till-1-0009",
            items=[{"item_id": shop["item"], "quantity": 2}],
        )
    thread.join()
    assert_problem(busy, 409, "idempotency_key_not_in_progress", "Idempotency-Key")
    assert_problem(other_body, 422, "idempotency_key_matches_request")
    assert first[0].status_code == 201, first[0].text
    again = buy(api, shop, key="till-1-0009")
    assert (again.status_code, again.text) == (201, first[0].text)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert balance(api, shop, again.json()["position"])["balance"] == 70


def test_keys_are_kept_for_the_retention_period_then_forgotten(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    kept = buy(api, shop, key="till-1-0010")
    forgotten = buy(api, shop, key="till-1-0011")
    backdate_key("till-1-0010", hours=23, database_url=database_url)
    backdate_key("till-1-0011", hours=25, database_url=database_url)
    assert api.container.sweeper.forget_old_keys() == 1
    assert buy(api, shop, key="till-1-0010").text == kept.text
    fresh = buy(api, shop, key="till-1-0011")
    assert fresh.status_code == 201
    assert fresh.json()["id"] != forgotten.json()["id"]


def test_the_same_key_with_another_body_is_a_422(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    buy(api, shop, key="till-1-0003")
    before = event_count(database_url)
    changed = buy(
        api, shop, key="till-1-0003", items=[{"item_id": shop["item"], "quantity": 2}]
    )
    assert_problem(changed, 422, "idempotency_key_matches_request", "Idempotency-Key")
    assert event_count(database_url) == before


@pytest.mark.parametrize(
    ("items", "status", "rule"),
    [
        ([{"quantity": 4}], 409, "balance_sufficient"),
        ([{"quantity": 6}], 409, "stock_available"),
        ([{"quantity": 0}], 422, "greater_than_equal"),
        ([], 422, "too_short"),
    ],
)
def test_short_balance_short_stock_and_bad_bodies_write_nothing(
    api: Api,
    shop: dict[str, Any],
    database_url: str,
    items: list[dict[str, Any]],
    status: int,
    rule: str,
) -> None:
    lines = [{"item_id": shop["item"], **line} for line in items]
    before = event_count(database_url)
    assert_problem(buy(api, shop, items=lines), status, rule)
    assert event_count(database_url) == before


def test_a_kiosk_sells_only_its_own_stations_goods(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    elsewhere = kiosk_elsewhere(api)
    before = event_count(database_url)
    body = {
        "volunteer_id": shop["volunteer"],
        "items": [{"item_id": shop["item"], "quantity": 1}],
    }
    session = identify(api, elsewhere, shop["number"]).json()["session"]
    response = api.call(
        "POST",
        "/v1/redemptions",
        elsewhere,
        json=body,
        headers={"X-Kiosk-Session": session},
    )
    assert_problem(response, 403, "item_at_this_station", "items")
    assert event_count(database_url) == before


def confirm(
    api: Api, shop: dict[str, Any], held: str, token: str | None = None, **headers: str
) -> Any:
    """Confirms a hold, by default at the shop's kiosk in the volunteer's session."""
    if token is None:
        token, headers = shop["kiosk"], {"X-Kiosk-Session": shop["session"], **headers}
    return api.call("POST", f"/v1/redemptions/{held}/confirm", token, headers=headers)


def test_confirming_a_hold_spends_so_it_needs_the_volunteer(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    stranger = api.token(Role.VOLUNTEER, volunteer_id=other["id"])
    held = buy(api, shop, hold=True).json()["id"]
    before = event_count(database_url)
    for staff in (shop["kiosk"], api.tokens["coordinator"], api.tokens["admin"]):
        assert_problem(confirm(api, shop, held, staff), 403, "kiosk_session_valid")
    assert_problem(confirm(api, shop, held, stranger), 404, "redemption_exists")
    assert event_count(database_url) == before  # nothing spent
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    assert confirm(api, shop, held, own).json()["state"] == "committed"
    # At a counter: the session the volunteer opened there with its PIN.
    counter = api.tokens["coordinator"]
    second = buy(api, shop, hold=True).json()["id"]
    session = identify(api, counter, shop["number"]).json()["session"]
    spent = confirm(api, shop, second, counter, **{"X-Kiosk-Session": session})
    assert spent.json()["state"] == "committed"
    # A void gives points back: staff need no session.
    third = buy(api, shop, hold=True).json()["id"]
    voided = api.call(
        "POST", f"/v1/redemptions/{third}/void", counter, json={"reason": "不要了"}
    )
    assert voided.json()["state"] == "voided", voided.text


def test_a_hold_is_confirmed_or_voided(api: Api, shop: dict[str, Any]) -> None:
    held = buy(api, shop, hold=True).json()
    assert (held["state"], held["balance"]) == ("held", 70)
    assert held["expires_at"] is not None
    confirmed = confirm(api, shop, held["id"])
    assert confirmed.json()["state"] == "committed"
    second = buy(api, shop, hold=True).json()
    voided = api.call(
        "POST",
        f"/v1/redemptions/{second['id']}/void",
        shop["kiosk"],
        json={"reason": "不要了"},
    )
    assert (voided.json()["state"], voided.json()["balance"]) == ("voided", 70)
    account = balance(api, shop, voided.json()["position"])
    assert (account["balance"], account["held"], account["redeemed"]) == (70, 0, 30)
    again = confirm(api, shop, held["id"])
    assert_problem(again, 409, "state_allows_command")


def test_an_unconfirmed_hold_comes_back_when_the_sweeper_finds_it_expired(
    api: Api, shop: dict[str, Any], clock: Clock
) -> None:
    held = buy(api, shop, hold=True, items=[{"item_id": shop["item"], "quantity": 2}])
    assert held.status_code == 201, held.text
    assert balance(api, shop, held.json()["position"])["held"] == 60
    assert api.container.sweeper.sweep_once() == 0  # not expired yet
    clock.advance(HOLD_TTL + timedelta(seconds=1))
    assert api.container.sweeper.sweep_once() == 1
    head = api.container.store.max_position()
    account = balance(api, shop, head)
    assert (account["balance"], account["held"]) == (100, 0)
    statement = api.as_admin("GET", f"/v1/accounts/{shop['volunteer']}/entries").json()
    assert [(e["kind"], e["points"]) for e in statement[:2]] == [
        ("expired", 60),
        ("held", -60),
    ]
    catalog = api.call(
        "GET", "/v1/kiosk/catalog", shop["kiosk"], params={"min_position": head}
    ).json()
    assert catalog[0]["stock"] == 5
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    late = confirm(api, shop, held.json()["id"], own)  # the kiosk's session is over
    assert_problem(late, 409, "state_allows_command")
    assert late.json()["state"] == "expired"


def test_a_per_person_daily_limit_is_enforced(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    limited = api.call(
        "POST",
        "/v1/catalog/items",
        api.tokens["coordinator"],
        json={
            "station_id": str(api.district.station),
            "name": "鸡蛋",
            "price_points": 5,
            "stock": 50,
            "daily_limit": 2,
        },
    ).json()
    lines = [{"item_id": limited["id"], "quantity": 2}]
    assert buy(api, shop, items=lines).status_code == 201
    before = event_count(database_url)
    again = buy(api, shop, items=[{"item_id": limited["id"], "quantity": 1}])
    assert_problem(again, 409, "daily_limit", "items")
    assert event_count(database_url) == before


def donate(api: Api, shop: dict[str, Any], token: str, **body: Any) -> Any:
    body.setdefault("reason", "给母亲买米")
    return api.call(
        "POST", f"/v1/accounts/{shop['volunteer']}/donations", token, json=body
    )


def test_a_volunteer_donates_points_to_family_and_to_a_station_fund(
    api: Api, shop: dict[str, Any]
) -> None:
    mother = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    given = donate(api, shop, own, to_volunteer_id=mother["id"], points=40)
    assert given.status_code == 201, given.text
    assert given.json()["balance"] == 60
    fund = donate(api, shop, own, fund_station_id=str(api.district.station), points=10)
    assert fund.status_code == 201, fund.text
    read = {"min_position": fund.json()["position"]}
    mine = api.as_admin("GET", f"/v1/accounts/{shop['volunteer']}", params=read).json()
    theirs = api.as_admin("GET", f"/v1/accounts/{mother['id']}", params=read).json()
    assert (mine["balance"], theirs["balance"]) == (50, 40)
    entries = api.as_admin(
        "GET", f"/v1/accounts/{shop['volunteer']}/entries", params=read
    ).json()
    assert [e["kind"] for e in entries][:2] == ["donated", "donated"]
    assert sum(e["points"] for e in entries) == mine["balance"]
    station = api.district.station
    fund_read = api.call("GET", f"/v1/units/{station}/fund", shop["kiosk"], params=read)
    assert fund_read.json() == {"unit_id": str(station), "balance": 10}
    fund_entries = api.call(
        "GET", f"/v1/units/{station}/fund/entries", api.tokens["coordinator"]
    ).json()
    assert [(e["kind"], e["points"], e["source_kind"]) for e in fund_entries] == [
        ("received", 10, "donation")
    ]


def test_a_fund_is_zero_before_any_gift_and_private_to_its_scope(
    api: Api, shop: dict[str, Any]
) -> None:
    station = api.district.station
    empty = api.call("GET", f"/v1/units/{station}/fund", api.tokens["coordinator"])
    assert empty.json()["balance"] == 0
    other_kiosk = kiosk_elsewhere(api)
    assert api.call("GET", f"/v1/units/{station}/fund", other_kiosk).status_code == 403
    unknown = api.as_admin("GET", f"/v1/units/{uuid4()}/fund")
    assert_problem(unknown, 404, "unit_exists")


@pytest.mark.parametrize(
    ("body", "status", "rule", "field", "members"),
    [
        ({"points": 101}, 409, "balance_sufficient", "points", {"balance": 100}),
        ({"points": 0}, 422, "greater_than", "points", {}),
        (
            {"points": 5, "to_self": True},
            422,
            "donate_to_another",
            "to_volunteer_id",
            {},
        ),
        ({"points": 5, "both": True}, 422, "one_recipient", "to_volunteer_id", {}),
    ],
)
def test_impossible_donations_write_nothing(
    api: Api,
    shop: dict[str, Any],
    database_url: str,
    body: dict[str, Any],
    status: int,
    rule: str,
    field: str | None,
    members: dict[str, Any],
) -> None:
    """A refusal names the field asked for and keeps numbers numeric."""
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=3)
    ).json()
    recipient = shop["volunteer"] if body.pop("to_self", False) else other["id"]
    payload: dict[str, Any] = {"to_volunteer_id": recipient, **body}
    if payload.pop("both", False):
        payload["fund_station_id"] = str(api.district.station)
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    before = event_count(database_url)
    refused = donate(api, shop, own, **payload)
    assert_problem(refused, status, rule, field)
    assert {k: refused.json()[k] for k in members} == members
    assert event_count(database_url) == before


def test_nobody_else_spends_a_volunteers_points(api: Api, shop: dict[str, Any]) -> None:
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=4)
    ).json()
    thief = api.token(Role.VOLUNTEER, volunteer_id=other["id"])
    response = donate(api, shop, thief, to_volunteer_id=other["id"], points=10)
    assert_problem(response, 403, "forbidden")


def test_a_price_change_applies_to_later_redemptions_and_receipts_keep_theirs(
    api: Api, shop: dict[str, Any]
) -> None:
    before = buy(api, shop, key="till-1-0020")
    changed = api.call(
        "PUT",
        f"/v1/catalog/items/{shop['item']}/price",
        api.tokens["coordinator"],
        json={"price_points": 25},
    )
    assert (changed.status_code, changed.json()["price_points"]) == (200, 25)
    after = buy(api, shop, key="till-1-0021")
    assert [line["unit_price"] for line in before.json()["lines"]] == [30]
    assert [(line["unit_price"], line["points"]) for line in after.json()["lines"]] == [
        (25, 25)
    ]
    assert after.json()["balance"] == 45
    replayed = buy(api, shop, key="till-1-0020")
    assert replayed.json()["lines"][0]["unit_price"] == 30
    outsider = api.call(
        "PUT",
        f"/v1/catalog/items/{shop['item']}/price",
        api.tokens["outsider"],
        json={"price_points": 1},
    )
    assert_problem(outsider, 403, "unit_scope")
    free = api.call(
        "PUT",
        f"/v1/catalog/items/{shop['item']}/price",
        api.tokens["coordinator"],
        json={"price_points": 0},
    )
    assert_problem(free, 422, "greater_than", "price_points")


def settle(api: Api, shop: dict[str, Any], held: str, step: str, key: str) -> Any:
    body = {"reason": "顾客改主意了"} if step == "void" else None
    return api.call(
        "POST",
        f"/v1/redemptions/{held}/{step}",
        shop["kiosk"],
        json=body,
        headers={"Idempotency-Key": key, "X-Kiosk-Session": shop["session"]},
    )


@pytest.mark.parametrize("step", ["confirm", "void"])
def test_confirm_and_void_five_times_in_a_row_with_one_key_act_once(
    api: Api, shop: dict[str, Any], database_url: str, step: str
) -> None:
    held = buy(api, shop, hold=True).json()["id"]
    first = settle(api, shop, held, step, "settle-1")
    assert first.status_code == 200, first.text
    after_first = event_count(database_url)
    again = [settle(api, shop, held, step, "settle-1") for _ in range(4)]
    assert {(r.status_code, r.text) for r in again} == {(200, first.text)}
    assert event_count(database_url) == after_first
    other = buy(api, shop, hold=True).json()["id"]
    reused = settle(api, shop, other, step, "settle-1")
    assert_problem(reused, 422, "idempotency_key_matches_request")


@pytest.mark.parametrize("step", ["confirm", "void"])
def test_confirm_and_void_five_times_at_once_with_one_key_act_once(
    api: Api, shop: dict[str, Any], database_url: str, step: str
) -> None:
    held = buy(api, shop, hold=True).json()["id"]
    before = event_count(database_url)
    responses: list[Any] = []
    barrier = threading.Barrier(5)

    def retry() -> None:
        barrier.wait()
        responses.append(settle(api, shop, held, step, "settle-2"))

    threads = [threading.Thread(target=retry) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for busy in (r for r in responses if r.status_code != 200):
        assert_problem(busy, 409, "idempotency_key_not_in_progress")
    settled = settle(api, shop, held, step, "settle-2")
    assert {r.text for r in responses if r.status_code == 200} <= {settled.text}
    moves = 2 if step == "confirm" else 3  # account and redemption (+ item stock)
    assert event_count(database_url) == before + moves
    expected = 70 if step == "confirm" else 100
    assert balance(api, shop, settled.json()["position"])["balance"] == expected
