"""Kiosk devices and how volunteers identify at them: registration with a token of
its own, retirement, PINs, rate-limited wrong guesses, and kiosk sessions."""

from __future__ import annotations

import threading
from typing import Any

import psycopg

from domain.access import Role
from domain.kiosk import KIOSK_PIN_RULES
from infra.kiosk_sessions import SESSION_TTL
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.api.kiosk import PIN, buy, identify, register_kiosk, sign_out
from tests.conftest import Clock, event_count


def test_a_registered_kiosk_works_with_its_own_token_until_retired(
    api: Api, shop: dict[str, Any]
) -> None:
    kiosk = register_kiosk(api, "双泉站 2号机")
    assert kiosk["token"].startswith("vlt_")
    assert api.call("GET", "/v1/kiosk/catalog", kiosk["token"]).status_code == 200
    retired = api.call(
        "POST",
        f"/v1/kiosks/{kiosk['id']}/retire",
        api.tokens["coordinator"],
        json={"reason": "屏幕损坏"},
    )
    assert (retired.status_code, retired.json()["active"]) == (200, False)
    gone = api.call("GET", "/v1/kiosk/catalog", kiosk["token"])
    assert_problem(gone, 401, "unauthorized")
    listed = api.call(
        "GET",
        "/v1/kiosks",
        api.tokens["coordinator"],
        params={
            "station_id": str(api.district.station),
            "min_position": retired.json()["position"],
        },
    ).json()
    assert [(k["name"], k["active"]) for k in listed] == [
        ("双泉站 1号机", True),
        ("双泉站 2号机", False),
    ]
    assert listed[1]["retired_reason"] == "屏幕损坏"


def test_a_kiosk_is_registered_only_at_a_station_in_scope(api: Api) -> None:
    body = {"station_id": str(api.district.station), "name": "1号机"}
    outsider = api.call("POST", "/v1/kiosks", api.tokens["outsider"], json=body)
    assert_problem(outsider, 403, "unit_scope")
    at_institute = api.call(
        "POST",
        "/v1/kiosks",
        api.tokens["coordinator"],
        json={"station_id": str(api.district.institute), "name": "1号机"},
    )
    assert_problem(at_institute, 422, "unit_is_station", "station_id")


def test_a_retried_registration_registers_once_and_never_replays_the_token(
    api: Api,
) -> None:
    body = {"station_id": str(api.district.station), "name": "1号机"}
    headers = {"Idempotency-Key": "kiosk-setup-1"}
    first = api.call(
        "POST", "/v1/kiosks", api.tokens["coordinator"], json=body, headers=headers
    )
    again = api.call(
        "POST", "/v1/kiosks", api.tokens["coordinator"], json=body, headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["token"] is not None
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["token"] is None
    with psycopg.connect(api.container.db.url) as conn:
        stored = conn.execute("SELECT response::text FROM idempotency_keys").fetchall()
    assert all(first.json()["token"] not in row[0] for row in stored)


def test_identifying_shows_masked_name_star_and_balance(
    api: Api, shop: dict[str, Any]
) -> None:
    found = identify(api, shop["kiosk"], shop["number"].lstrip("V0"))
    assert found.status_code == 201, found.text
    volunteer = found.json()["volunteer"]
    assert volunteer["id"] == shop["volunteer"]
    assert volunteer["volunteer_number"] == shop["number"]
    assert volunteer["name_masked"] == "王**"
    profile = api.as_admin("GET", f"/v1/volunteers/{shop['volunteer']}").json()
    assert (volunteer["star_level"], volunteer["balance"]) == (
        profile["star_level"],
        100,
    )
    assert found.json()["session"].startswith("vks_")


def test_wrong_pins_count_down_then_lock_the_pin_for_a_while(
    api: Api, shop: dict[str, Any], clock: Clock
) -> None:
    for left in (4, 3, 2, 1):
        wrong = identify(api, shop["kiosk"], shop["number"], "975310")
        assert_problem(wrong, 422, "pin_matches", "pin")
        assert wrong.json()["attempts_left"] == left
    locked = identify(api, shop["kiosk"], shop["number"], "975310")
    assert_problem(locked, 429, "attempts_within_limit", "pin")
    assert int(locked.headers["Retry-After"]) == 15 * 60
    assert_problem(
        identify(api, shop["kiosk"], shop["number"]), 429, "attempts_within_limit"
    )
    clock.advance(KIOSK_PIN_RULES.lockout)
    assert identify(api, shop["kiosk"], shop["number"]).status_code == 201


def test_concurrent_wrong_guesses_are_all_counted(
    api: Api, shop: dict[str, Any]
) -> None:
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def guess() -> None:
        barrier.wait()
        statuses.append(
            identify(api, shop["kiosk"], shop["number"], "975310").status_code
        )

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [422] * 4 + [429] * 6


def test_many_wrong_guesses_at_one_kiosk_lock_that_kiosk_only(
    api: Api, shop: dict[str, Any], clock: Clock
) -> None:
    for n in range(KIOSK_PIN_RULES.per_kiosk):
        guess = identify(api, shop["kiosk"], f"V{90000000 + n}", "975310")
        assert_problem(guess, 422, "volunteer_number_known", "volunteer_number")
    blocked = identify(api, shop["kiosk"], shop["number"])
    assert_problem(blocked, 429, "attempts_within_limit", "kiosk")
    other = register_kiosk(api, "双泉站 2号机")
    assert identify(api, other["token"], shop["number"]).status_code == 201
    clock.advance(KIOSK_PIN_RULES.window)
    assert identify(api, shop["kiosk"], shop["number"]).status_code == 201


def test_a_kiosk_redeems_only_with_a_live_session_of_that_volunteer(
    api: Api, shop: dict[str, Any], database_url: str, clock: Clock
) -> None:
    neighbour = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=3)
    ).json()
    elsewhere = register_kiosk(api, "双泉站 2号机")
    before = event_count(database_url)
    for session in (None, "vks_made-up"):
        refused = buy(api, {**shop, "session": session})
        assert_problem(refused, 403, "kiosk_session_valid", "X-Kiosk-Session")
    as_neighbour = buy(api, shop, volunteer_id=neighbour["id"])
    assert_problem(as_neighbour, 403, "kiosk_session_valid")
    assert_problem(
        buy(api, {**shop, "kiosk": elsewhere["token"]}), 403, "kiosk_session_valid"
    )
    clock.advance(SESSION_TTL)
    assert_problem(buy(api, shop), 403, "kiosk_session_valid")
    assert event_count(database_url) == before


def test_a_signed_out_session_no_longer_redeems(api: Api, shop: dict[str, Any]) -> None:
    assert sign_out(api, shop).status_code == 204
    assert_problem(buy(api, shop), 403, "kiosk_session_valid")


def test_pins_are_set_by_the_volunteer_or_staff_in_scope_and_kept_out_of_events(
    api: Api, shop: dict[str, Any], database_url: str
) -> None:
    path = f"/v1/volunteers/{shop['volunteer']}/kiosk-pin"
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    assert api.call("PUT", path, own, json={"pin": "480361"}).status_code == 200
    assert identify(api, shop["kiosk"], shop["number"], "480361").status_code == 201
    assert_problem(
        identify(api, shop["kiosk"], shop["number"], PIN), 422, "pin_matches"
    )
    stranger = api.token(Role.VOLUNTEER, volunteer_id=api.district.station)
    assert api.call("PUT", path, stranger, json={"pin": "480361"}).status_code == 403
    assert_problem(
        api.call("PUT", path, api.tokens["outsider"], json={"pin": "480361"}),
        403,
        "unit_scope",
    )
    with psycopg.connect(database_url) as conn:
        leaked = conn.execute(
            "SELECT count(*) FROM vledger_events "
            "WHERE convert_from(state, 'UTF8') LIKE '%%480361%%' "
            "OR convert_from(state, 'UTF8') LIKE %s",
            (f"%{PIN}%",),
        ).fetchone()
    assert leaked == (0,)


def test_easy_or_malformed_pins_are_refused(api: Api, shop: dict[str, Any]) -> None:
    path = f"/v1/volunteers/{shop['volunteer']}/kiosk-pin"
    for pin, rule in [
        ("123456", "pin_not_trivial"),
        ("888888", "pin_not_trivial"),
        ("12345", "pin_format"),
        ("１２３４５６", "pin_format"),
    ]:
        refused = api.call("PUT", path, api.tokens["coordinator"], json={"pin": pin})
        assert_problem(refused, 422, rule, "pin")


def test_a_volunteer_without_a_pin_is_told_to_set_one(
    api: Api, shop: dict[str, Any]
) -> None:
    fresh = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=4)
    ).json()
    api.container.projector.catch_up()  # type: ignore[union-attr]
    assert_problem(
        identify(api, shop["kiosk"], fresh["volunteer_number"]), 409, "pin_set"
    )
