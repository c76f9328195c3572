"""People registering themselves over HTTP: volunteers pending their station's check,
residents with a phone proved by an SMS code, and needs staff took on a resident's
behalf (代点单) that the resident finds once registered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.access import Role
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.api.test_orders_api import Loop, order_body
from tests.conftest import NOW, Clock, event_count
from tests.factories import id_number
from tests.integration.helpers import BIRTH

PASSWORD = "双泉社区秋天2026"
RESIDENT_PHONE = "13912345678"


def registration_body(api: Api, serial: int = 7, **changes: Any) -> dict[str, Any]:
    body = volunteer_body(api.district.station, serial=serial)
    body.pop("unit_id")
    body |= {
        "station_id": str(api.district.station),
        "login": f"self{serial}",
        "password": PASSWORD,
        "consent": {"notice_version": "2026-12", "agreed": True},
    }
    body.update(changes)
    return body


def register(api: Api, **changes: Any) -> Any:
    return api.call(
        "POST",
        "/v1/public/volunteer-registrations",
        json=registration_body(api, **changes),
    )


def sign_in(api: Api, login: str, password: str = PASSWORD) -> Any:
    return api.call("POST", "/v1/sessions", json={"login": login, "password": password})


def test_a_volunteer_registers_and_signs_in_once_the_station_approves(
    api: Api,
) -> None:
    notice = api.call("GET", "/v1/public/privacy-notice").json()
    assert notice["version"] == "2026-12"
    assert "个人信息" in notice["title"]

    submitted = register(api)
    assert submitted.status_code == 201, submitted.text
    registration = submitted.json()
    assert registration["status"] == "pending"
    assert registration["name_masked"] == "王**"
    assert_problem(sign_in(api, "self7"), 403, "registration_approved", "login")
    assert_problem(sign_in(api, "self7", "wrong-password"), 401, "credentials_match")

    path = f"/v1/volunteer-registrations/{registration['id']}"
    outsider = api.call("GET", path, api.tokens["outsider"])
    assert_problem(outsider, 403, "unit_scope")
    queue = api.call(
        "GET",
        "/v1/volunteer-registrations",
        api.tokens["coordinator"],
        params={"status": "pending", "min_position": registration["position"]},
    ).json()
    assert [(r["id"], r["name"]) for r in queue] == [(registration["id"], "王**")]
    seen = api.call("GET", path, api.tokens["coordinator"]).json()
    assert (seen["name"], seen["id_number"]) == ("王小明", id_number(BIRTH, serial=7))
    masked = api.call("GET", path, api.tokens["auditor"]).json()
    assert masked["id_number"].count("*") == 10

    unchecked = api.call(
        "POST",
        f"{path}/approval",
        api.tokens["coordinator"],
        json={"identity_checked": False},
    )
    assert_problem(unchecked, 422, "identity_checked", "identity_checked")
    approved = api.call(
        "POST",
        f"{path}/approval",
        api.tokens["coordinator"],
        json={"identity_checked": True},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["volunteer_number"].startswith("V")

    session = sign_in(api, "self7")
    assert session.status_code == 201, session.text
    assert session.json()["role"] == "volunteer"
    volunteer_id = registration["volunteer_id"]
    assert session.json()["volunteer_id"] == volunteer_id
    mine = api.call(
        "GET",
        f"/v1/volunteers/{volunteer_id}",
        session.json()["access_token"],
        params={"min_position": approved.json()["position"]},
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["name"] == "王小明"
    public = api.call("GET", f"/v1/public/volunteer-registrations/{registration['id']}")
    assert public.json()["status"] == "approved"
    assert "name" not in public.json()

    stream = api.call(
        "GET", f"/v1/audit/streams/{registration['id']}", api.tokens["auditor"]
    ).json()
    assert [e["type"] for e in stream] == [
        "VolunteerRegistration.Submitted",
        "VolunteerRegistration.ConsentGiven",
        "VolunteerRegistration.Approved",
    ]
    assert stream[1]["data"]["notice_version"] == "2026-12"
    assert "王小明" not in str(stream)


def test_one_id_number_registers_once_whoever_registers_it(api: Api) -> None:
    assert register(api).status_code == 201
    again = register(api, login="another1")
    assert_problem(again, 409, "id_number_unique", "id_number")
    by_staff = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=7)
    )
    assert_problem(by_staff, 409, "id_number_unique", "id_number")
    api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=8)
    )
    registered = register(api, serial=8, login="self8")
    assert_problem(registered, 409, "id_number_unique", "id_number")
    taken = register(api, serial=9, login="self7")
    assert_problem(taken, 409, "login_unique", "login")


def test_a_refused_registration_forgets_the_person_and_frees_the_id(
    api: Api,
) -> None:
    registration = register(api).json()
    path = f"/v1/volunteer-registrations/{registration['id']}"
    refused = api.call(
        "POST",
        f"{path}/refusal",
        api.tokens["coordinator"],
        json={"reason": "身份证与本人不符"},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    public = api.call(
        "GET",
        f"/v1/public/volunteer-registrations/{registration['id']}",
        params={"min_position": refused.json()["position"]},
    )
    assert public.json()["reason"] == "身份证与本人不符"
    assert api.container.vault.personal_data(registration["volunteer_id"]) is None
    assert_problem(sign_in(api, "self7"), 401, "credentials_match")
    twice = api.call(
        "POST",
        f"{path}/approval",
        api.tokens["coordinator"],
        json={"identity_checked": True},
    )
    assert_problem(twice, 409, "state_allows_command")
    assert register(api).status_code == 201  # the same ID and login, again


def test_a_registration_without_consent_to_the_notice_in_force_writes_nothing(
    api: Api, database_url: str
) -> None:
    before = event_count(database_url)
    old = register(api, consent={"notice_version": "2025-01", "agreed": True})
    assert_problem(old, 422, "notice_version_current", "consent.notice_version")
    refused = register(api, consent={"notice_version": "2026-12", "agreed": False})
    assert_problem(refused, 422, "consent_given", "consent.agreed")
    not_a_station = register(api, station_id=str(api.district.institute))
    assert_problem(not_a_station, 422, "unit_is_station", "station_id")
    weak = register(api, password="12345678")
    assert_problem(weak, 422, "password_not_common", "password")
    wrong_id = register(api, id_number="370102199003070011")
    assert_problem(wrong_id, 422, "id_number_check_digit", "id_number")
    assert event_count(database_url) == before


def test_one_address_registers_only_so_often(api: Api) -> None:
    for _ in range(10):
        refused = register(api, consent={"notice_version": "2026-12", "agreed": False})
        assert refused.status_code == 422
    limited = register(api)
    assert_problem(limited, 429, "attempts_within_limit")
    assert int(limited.headers["retry-after"]) > 0


def phone_code(api: Api, phone: str = RESIDENT_PHONE) -> str:
    sent = api.call("POST", "/v1/public/phone-codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    api.container.deliveries.deliver_due()
    text = api.container.sms_log.last_to(phone)
    assert text is not None
    return text.split("验证码是 ")[1][:6]


def register_resident(api: Api, code: str, **changes: Any) -> Any:
    body = {
        "name": "李大妈",
        "phone": RESIDENT_PHONE,
        "community_id": str(api.district.station),
        "password": PASSWORD,
        "phone_code": code,
        "consent": {"notice_version": "2026-12", "agreed": True},
    }
    body.update(changes)
    return api.call("POST", "/v1/public/residents", json=body)


def test_a_resident_registers_with_a_code_sent_to_its_phone(
    api: Api, clock: Clock
) -> None:
    code = phone_code(api)
    assert_problem(
        register_resident(api, "000000" if code != "000000" else "111111"),
        422,
        "phone_code_matches",
        "phone_code",
    )
    again = api.call("POST", "/v1/public/phone-codes", json={"phone": RESIDENT_PHONE})
    assert_problem(again, 429, "attempts_within_limit", "phone")
    registered = register_resident(api, code)
    assert registered.status_code == 201, registered.text
    assert registered.json()["login_masked"] == "139****5678"
    used = register_resident(api, code, login="lidama")  # the code is used up
    assert_problem(used, 422, "phone_code_current", "phone_code")

    session = sign_in(api, "+86 139 1234 5678")
    assert session.status_code == 201, session.text
    assert session.json()["role"] == "resident"
    loop = Loop(api, session.json()["access_token"], {}, "")
    order = loop.place()
    assert order["resident_id"] == registered.json()["resident_id"]
    assert order["channel"] == "self"
    # The code's text is blanked in the outbox once delivered.
    bodies = api.container.db.fetch_all("SELECT body FROM outbox")
    assert [row["body"] for row in bodies] == ["(delivered)"]

    clock.advance(timedelta(minutes=11))
    late = phone_code(api, "13700001111")
    clock.advance(timedelta(minutes=11))
    expired = register_resident(api, late, phone="13700001111", name="张三")
    assert_problem(expired, 422, "phone_code_current", "phone_code")


def test_whether_a_phone_has_an_account_shows_only_to_who_holds_its_code(
    api: Api, clock: Clock
) -> None:
    registered = register_resident(api, phone_code(api))
    assert registered.status_code == 201, registered.text
    other = "13700002222"

    def answer(response: Any) -> tuple[int, str, str]:
        problem = response.json()
        return response.status_code, problem["rule"], problem["errors"][0]["field"]

    # No code asked for: the registered phone answers as an unregistered one.
    for login in (None, RESIDENT_PHONE):
        changes = {} if login is None else {"login": login}
        assert answer(register_resident(api, "123456", **changes)) == answer(
            register_resident(api, "123456", phone=other, **changes)
        )
    # A code asked for, a wrong one given: alike again.
    clock.advance(timedelta(minutes=2))
    code, other_code = phone_code(api), phone_code(api, other)
    wrong = "000000" if code != "000000" else "111111"
    other_wrong = "000000" if other_code != "000000" else "111111"
    assert answer(register_resident(api, wrong)) == answer(
        register_resident(api, other_wrong, phone=other)
    )
    assert answer(register_resident(api, wrong))[1] == "phone_code_matches"
    # Who holds the code learns that the phone has an account.
    holder = register_resident(api, code)
    assert_problem(holder, 409, "login_unique", "login")


def test_a_need_taken_by_phone_is_the_residents_once_it_registers(
    api: Api,
) -> None:
    coordinator = api.tokens["coordinator"]
    body = order_body(
        api,
        description="老人电话求助：厨房和客厅需要打扫",
        resident_name="李大妈",
        resident_phone=RESIDENT_PHONE,
        channel="phone_call",
    )
    taken = api.call("POST", "/v1/orders/on-behalf", coordinator, json=body)
    assert taken.status_code == 201, taken.text
    assert taken.json()["channel"] == "phone_call"
    second = api.call(
        "POST", "/v1/orders/on-behalf", coordinator, json=body | {"channel": "visit"}
    )
    assert second.json()["resident_id"] == taken.json()["resident_id"]
    self_channel = api.call(
        "POST", "/v1/orders/on-behalf", coordinator, json=body | {"channel": "self"}
    )
    assert_problem(self_channel, 422, "channel_on_behalf", "channel")
    elsewhere = api.call(
        "POST", "/v1/orders/on-behalf", api.tokens["outsider"], json=body
    )
    assert_problem(elsewhere, 403, "unit_scope")

    registered = register_resident(api, phone_code(api))
    assert registered.json()["resident_id"] == taken.json()["resident_id"]
    token = sign_in(api, RESIDENT_PHONE).json()["access_token"]
    mine = api.call(
        "GET",
        "/v1/orders",
        token,
        params={"min_position": registered.json()["position"]},
    ).json()
    assert {(o["id"], o["channel"]) for o in mine} == {
        (taken.json()["id"], "phone_call"),
        (second.json()["id"], "visit"),
    }

    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    loop = Loop(api, token, volunteer, sign_in_volunteer(api, volunteer["id"]))
    order = taken.json()
    loop.step(coordinator, order, "review", {"accept": True})
    loop.step(coordinator, order, "dispatch", {"volunteer_ids": [volunteer["id"]]})
    loop.step(loop.volunteer_token, order, "accept")
    loop.step(coordinator, order, "start")
    loop.complete(order)
    evaluated = loop.step(token, order, "evaluation", {"stars": 5, "comment": "很好"})
    assert evaluated["state"] == "evaluated"


def sign_in_volunteer(api: Api, volunteer_id: str) -> str:
    """A volunteer's own login, opened by the coordinator, its password set."""
    opened = api.call(
        "POST",
        "/v1/logins",
        api.tokens["coordinator"],
        json={"login": "helper1", "role": "volunteer", "volunteer_id": volunteer_id},
    ).json()
    first = sign_in(api, "helper1", opened["one_time_password"]).json()
    api.call(
        "PUT",
        "/v1/me/password",
        first["access_token"],
        json={
            "current_password": opened["one_time_password"],
            "new_password": PASSWORD,
        },
    )
    return str(sign_in(api, "helper1").json()["access_token"])


def test_an_approved_volunteer_applies_to_a_team_with_its_own_account(
    api: Api, team: dict[str, Any]
) -> None:
    registration = register(api).json()
    api.call(
        "POST",
        f"/v1/volunteer-registrations/{registration['id']}/approval",
        api.tokens["coordinator"],
        json={"identity_checked": True},
    )
    token = sign_in(api, "self7").json()["access_token"]
    applied = api.call("POST", f"/v1/teams/{team['id']}/applications", token, json={})
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "applied"
    assert applied.json()["volunteer_id"] == registration["volunteer_id"]


def test_a_retried_registration_answers_as_the_first_and_registers_once(
    api: Api,
) -> None:
    headers = {"Idempotency-Key": "phone-retry-1"}
    body = registration_body(api)
    first = api.call(
        "POST", "/v1/public/volunteer-registrations", json=body, headers=headers
    )
    again = api.call(
        "POST", "/v1/public/volunteer-registrations", json=body, headers=headers
    )
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = api.call(
        "POST",
        "/v1/public/volunteer-registrations",
        json=body | {"name": "王大明"},
        headers=headers,
    )
    assert_problem(other, 422, "idempotency_key_matches_request")
    stored = api.container.db.fetch_all("SELECT * FROM idempotency_keys")
    assert PASSWORD not in str(stored)


def test_a_resident_names_whom_to_call_and_only_those_serving_read_it(
    api: Api,
) -> None:
    register_resident(api, phone_code(api))
    resident = sign_in(api, RESIDENT_PHONE).json()["access_token"]
    loop = Loop(api, resident, {}, "")
    own = loop.place()
    body = {
        "category": "elderly",
        "title": "陪母亲去医院复查",
        "description": "需要有人陪同挂号取药",
        "station_id": str(api.district.station),
        "address": "双泉社区3号楼2单元",
        "window_start": (NOW + timedelta(days=1)).isoformat(),
        "window_end": (NOW + timedelta(days=1, hours=3)).isoformat(),
        "contact_name": "李小军",
        "contact_phone": "138 1111 2222",
    }
    bad = api.call("POST", "/v1/orders", resident, json=body | {"contact_phone": "12"})
    assert_problem(bad, 422, "phone_format", "contact_phone")
    son = api.call("POST", "/v1/orders", resident, json=body)
    assert son.status_code == 201, son.text
    coordinator = api.tokens["coordinator"]
    for order in (own, son.json()):
        loop.step(coordinator, order, "review", {"accept": True})
    helper = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    loop.step(coordinator, own, "dispatch", {"volunteer_ids": [helper["id"]]})
    opened = loop.step(coordinator, son.json(), "dispatch", {"open_for_claiming": True})
    read = {"min_position": opened["position"]}

    def contacts(token: str) -> dict[str, tuple[str, str]]:
        board = api.call("GET", "/v1/orders", token, params=read).json()
        return {o["title"]: (o["contact_name"], o["contact_phone"]) for o in board}

    mother, son_contact = ("李大妈", "13912345678"), ("李小军", "13811112222")
    clear = {"帮独居老人打扫卫生": mother, "陪母亲去医院复查": son_contact}
    assert contacts(resident) == clear
    assert contacts(coordinator) == clear
    helper_token = api.token(Role.VOLUNTEER, volunteer_id=helper["id"])
    assert contacts(helper_token) == {
        "帮独居老人打扫卫生": mother,  # given to it
        "陪母亲去医院复查": ("李**", "138****2222"),  # only open to it
    }
    assert contacts(api.tokens["auditor"]) == {
        "帮独居老人打扫卫生": ("李**", "139****5678"),
        "陪母亲去医院复查": ("李**", "138****2222"),
    }
