"""Registration and reading volunteers over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.access import Role
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.conftest import event_count
from tests.factories import id_number
from tests.integration.helpers import BIRTH


def register(api: Api, token: str | None = None, **changes: Any) -> Any:
    body = volunteer_body(api.district.station)
    serial = changes.pop("serial", None)
    if serial is not None:
        body = volunteer_body(api.district.station, serial=serial)
    body.update(changes)
    return api.call("POST", "/v1/volunteers", token or api.tokens["admin"], json=body)


def test_registration_answers_with_number_masked_values_and_position(api: Api) -> None:
    response = register(api)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["volunteer_number"].startswith("V")
    sent = id_number(BIRTH, serial=1)
    assert body["id_number_masked"] == sent[:4] + "*" * 10 + sent[-4:]
    assert body["phone_masked"] == "138****5678"
    assert body["position"] > 0
    assert "name" not in body


def test_a_registered_volunteer_can_be_read_back_at_its_position(api: Api) -> None:
    created = register(api).json()
    response = api.as_admin(
        "GET",
        f"/v1/volunteers/{created['id']}",
        params={"min_position": created["position"]},
    )
    assert response.status_code == 200, response.text
    volunteer = response.json()
    assert volunteer["name"] == "王小明"
    assert volunteer["verified_hours"] == 0
    assert volunteer["star_level"] == 0
    assert volunteer["points_balance"] == 0


BAD_REGISTRATIONS = [
    ({"id_number": "37120319900307003"}, 422, "id_number_length", "id_number"),
    ({"id_number": "371203199003070030"}, 422, "id_number_check_digit", "id_number"),
    ({"birth_date": "1990-03-08"}, 422, "id_number_birth_date", "id_number"),
    ({"gender": "female"}, 422, "gender_matches_id_number", "gender"),
    ({"phone": "12345"}, 422, "phone_format", "phone"),
    ({"name": ""}, 422, "string_too_short", "name"),
    ({"gender": "x"}, 422, "enum", "gender"),
    ({"birth_date": "yesterday"}, 422, "date_from_datetime_parsing", "birth_date"),
    ({"party_member": "perhaps"}, 422, "bool_parsing", "party_member"),
    ({"nickname": "小王"}, 422, "unknown_field", "nickname"),
    ({"skills": [""]}, 422, "skill_format", "skills"),
    ({"unit_id": "not-a-uuid"}, 422, "uuid_parsing", "unit_id"),
]


@pytest.mark.parametrize(("changes", "status", "rule", "field"), BAD_REGISTRATIONS)
def test_bad_registrations_are_refused_naming_field_and_rule(
    api: Api,
    database_url: str,
    changes: dict[str, Any],
    status: int,
    rule: str,
    field: str,
) -> None:
    before = event_count(database_url)
    assert_problem(register(api, **changes), status, rule, field)
    assert event_count(database_url) == before


def test_a_missing_required_field_is_named(api: Api, database_url: str) -> None:
    body = volunteer_body(api.district.station)
    del body["phone"]
    before = event_count(database_url)
    response = api.as_admin("POST", "/v1/volunteers", json=body)
    assert_problem(response, 422, "required", "phone")
    assert event_count(database_url) == before


def test_a_malformed_body_is_a_400(api: Api, database_url: str) -> None:
    before = event_count(database_url)
    response = api.as_admin(
        "POST",
        "/v1/volunteers",
        content=b'{"name": "x",',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")
    assert event_count(database_url) == before


def test_a_second_registration_of_an_id_number_is_a_conflict(
    api: Api, database_url: str
) -> None:
    assert register(api).status_code == 201
    before = event_count(database_url)
    assert_problem(register(api, name="冒名者"), 409, "id_number_unique", "id_number")
    assert event_count(database_url) == before


def test_a_birth_date_in_the_future_is_refused(api: Api) -> None:
    future = date(2030, 1, 1)
    response = register(api, birth_date=future.isoformat(), id_number=id_number(future))
    assert_problem(response, 422, "birth_date_in_past", "birth_date")


def test_a_missing_or_bad_token_is_a_401(api: Api, database_url: str) -> None:
    before = event_count(database_url)
    body = volunteer_body(api.district.station)
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer nope"},
    ):
        response = api.client.post("/v1/volunteers", json=body, headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert event_count(database_url) == before


def test_a_coordinator_out_of_scope_is_a_403(api: Api, database_url: str) -> None:
    before = event_count(database_url)
    assert_problem(register(api, token=api.tokens["outsider"]), 403, "unit_scope")
    assert event_count(database_url) == before
    assert register(api, token=api.tokens["coordinator"]).status_code == 201


def test_an_auditor_never_writes(api: Api) -> None:
    assert_problem(register(api, token=api.tokens["auditor"]), 403, "forbidden")


def test_names_are_clear_for_staff_and_masked_for_auditors(api: Api) -> None:
    created = register(api).json()
    path = f"/v1/volunteers/{created['id']}"
    params = {"min_position": created["position"]}
    clear = api.call("GET", path, api.tokens["coordinator"], params=params).json()
    masked = api.call("GET", path, api.tokens["auditor"], params=params).json()
    assert clear["name"] == "王小明"
    assert masked["name"] == "王**"


def test_a_volunteer_sees_itself_and_no_one_else(api: Api) -> None:
    me = register(api).json()
    other = register(api, serial=2, name="李四").json()
    token = api.token(Role.VOLUNTEER, volunteer_id=me["id"])
    params = {"min_position": other["position"]}
    assert (
        api.call("GET", f"/v1/volunteers/{me['id']}", token, params=params).status_code
        == 200
    )
    response = api.call("GET", f"/v1/volunteers/{other['id']}", token, params=params)
    assert_problem(response, 403, "forbidden")


def test_a_coordinator_lists_only_its_own_units_volunteers(api: Api) -> None:
    inside = register(api).json()
    outside = register(
        api, serial=3, name="赵六", unit_id=str(api.district.other_institute)
    ).json()
    params = {"min_position": outside["position"]}
    listed = api.call("GET", "/v1/volunteers", api.tokens["coordinator"], params=params)
    assert listed.status_code == 200
    ids = {v["id"] for v in listed.json()["items"]}
    assert ids == {inside["id"]}
    everyone = api.as_admin("GET", "/v1/volunteers", params=params).json()
    assert everyone["total"] == 2
    response = api.call(
        "GET",
        "/v1/volunteers",
        api.tokens["coordinator"],
        params={"unit_id": str(api.district.other_institute)},
    )
    assert_problem(response, 403, "unit_scope")


def test_volunteers_are_found_by_exact_name_phone_or_number(api: Api) -> None:
    wang = register(api).json()
    li = register(api, serial=2, name="李四", phone="13900001111").json()
    params = {"min_position": li["position"]}
    for query, expected in [
        ("李四", li["id"]),
        ("139 0000 1111", li["id"]),
        (wang["volunteer_number"], wang["id"]),
    ]:
        found = api.as_admin(
            "GET", "/v1/volunteers", params={**params, "q": query}
        ).json()
        assert [v["id"] for v in found["items"]] == [expected], query
    assert (
        api.as_admin("GET", "/v1/volunteers", params={**params, "q": "李"}).json()[
            "total"
        ]
        == 0
    )


def test_an_idempotency_key_returns_the_first_registration(
    api: Api, database_url: str
) -> None:
    headers = {"Idempotency-Key": "reg-1"}
    first = api.as_admin(
        "POST",
        "/v1/volunteers",
        json=volunteer_body(api.district.station),
        headers=headers,
    )
    before = event_count(database_url)
    again = api.as_admin(
        "POST",
        "/v1/volunteers",
        json=volunteer_body(api.district.station),
        headers=headers,
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert event_count(database_url) == before
    changed = api.as_admin(
        "POST",
        "/v1/volunteers",
        json=volunteer_body(api.district.station, serial=5),
        headers=headers,
    )
    assert_problem(changed, 422, "idempotency_key_matches_request", "Idempotency-Key")
