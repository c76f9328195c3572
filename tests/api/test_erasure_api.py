"""Erasure of one person's personal data (PIPL Art. 47): the vault key is destroyed,
names, ID number and phone read as erased everywhere, while hours, points, stars,
the event log and its hash chain stay as an anonymous record."""

from __future__ import annotations

from typing import Any

import pytest

from domain.volunteer import ERASED
from tests.api.conftest import Api, assert_problem, volunteer_body, volunteer_with_hours
from tests.conftest import event_count

REASON = {"reason": "本人申请删除个人信息"}


@pytest.fixture
def served(api: Api) -> dict[str, Any]:
    volunteer = volunteer_with_hours(api, (200, 30))
    issued = api.call(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/certificates",
        api.tokens["coordinator"],
        json={
            "from": "2026-05-01",
            "to": "2026-06-01",
            "person_in_charge": "李站长",
            "contact": "0634-1",
            "handler": "赵干事",
        },
    )
    assert issued.status_code == 201, issued.text
    return {**volunteer, "certificate": issued.json()}


def erase(api: Api, volunteer_id: str, token: str | None = None) -> Any:
    return api.call(
        "POST",
        f"/v1/volunteers/{volunteer_id}/erasure",
        token or api.tokens["admin"],
        json=REASON,
    )


def test_after_erasure_the_person_reads_as_erased_and_the_record_stays(
    api: Api, served: dict[str, Any]
) -> None:
    # Read at the fixture's last write: the read models may still be applying it.
    settled = {"min_position": served["certificate"]["position"]}
    before = api.as_admin("GET", f"/v1/volunteers/{served['id']}", params=settled)
    before = before.json()
    erased = erase(api, served["id"])
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"] is True
    read = {"min_position": erased.json()["position"]}
    after = api.as_admin("GET", f"/v1/volunteers/{served['id']}", params=read).json()
    assert (after["name"], after["id_number_masked"], after["phone_masked"]) == (
        ERASED,
        ERASED,
        ERASED,
    )
    assert after["status"] == "inactive"
    for kept in ("verified_hours", "star_level", "points_balance", "entry_count"):
        assert after[kept] == before[kept], kept
    found = api.as_admin("GET", "/v1/volunteers", params={"q": "王小明", **read})
    assert served["id"] not in {v["id"] for v in found.json()["items"]}


def test_the_vault_key_is_destroyed_and_the_chain_still_verifies(
    api: Api, served: dict[str, Any]
) -> None:
    erase(api, served["id"])
    row = api.container.db.fetch_one(
        "SELECT wrapped_key, payload, name_index, id_number_index, erased_at "
        "FROM pii_vault WHERE volunteer_id = %s",
        (served["id"],),
    )
    assert row is not None
    assert row["wrapped_key"] is None
    assert row["payload"] is None
    assert row["name_index"] is None
    assert row["id_number_index"] is None
    assert row["erased_at"] is not None
    assert api.container.vault.personal_data(served["id"]) is None
    chain = api.as_admin("GET", "/v1/audit/chain").json()
    assert chain["intact"] is True


def test_the_erasure_is_an_event_with_who_and_why_and_the_log_shows_no_name(
    api: Api, served: dict[str, Any]
) -> None:
    erase(api, served["id"])
    stream = api.as_admin("GET", f"/v1/audit/streams/{served['id']}").json()
    erasure = stream[-1]
    assert erasure["type"] == "Volunteer.PersonalDataErased"
    assert erasure["data"]["reason"] == REASON["reason"]
    assert erasure["actor"].startswith("admin:")
    registered = stream[0]["data"]
    assert registered["name_masked"] == ERASED
    assert registered["id_number_masked"] == ERASED
    assert registered["phone_masked"] == ERASED
    log = api.as_admin("GET", "/v1/audit/events", params={"limit": 500}).json()
    certified = [e for e in log if e["type"] == "Certificate.Issued"]
    assert certified[0]["data"]["name_masked"] == ERASED


def test_certificates_and_replays_read_the_person_as_erased(
    api: Api, served: dict[str, Any]
) -> None:
    cert = served["certificate"]
    erase(api, served["id"])
    checked = api.client.get(
        f"/v1/certificates/{cert['number']}",
        params={"code": cert["verification_code"]},
    ).json()
    assert checked["genuine"] is True
    assert checked["volunteer"]["name_masked"] == ERASED
    assert checked["volunteer"]["id_number_masked"] == ERASED
    assert checked["hours_on_record_now"] == cert["hours"]
    page = api.client.get(
        f"/v1/certificates/{cert['number']}.html",
        params={"code": cert["verification_code"]},
    )
    assert ERASED in page.text
    assert "王" not in page.text.split("<body", 1)[1].split("志愿服务证明", 1)[1]
    replay = api.as_admin("POST", "/v1/audit/replays", json={}).json()
    assert replay["differences_from_live"] == []
    assert "王" not in str(replay)


def test_only_an_admin_erases_and_only_once(
    api: Api, served: dict[str, Any], database_url: str
) -> None:
    before = event_count(database_url)
    assert_problem(
        erase(api, served["id"], api.tokens["coordinator"]), 403, "forbidden"
    )
    assert event_count(database_url) == before
    assert erase(api, served["id"]).status_code == 200
    assert_problem(erase(api, served["id"]), 409, "personal_data_present")
    reactivated = api.as_admin(
        "POST", f"/v1/volunteers/{served['id']}/reactivation", json={"reason": "回来"}
    )
    assert_problem(reactivated, 409, "personal_data_present")


def test_the_person_may_register_again_as_someone_new(
    api: Api, served: dict[str, Any]
) -> None:
    erase(api, served["id"])
    again = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    )
    assert again.status_code == 201, again.text
    assert again.json()["id"] != served["id"]


def test_a_retried_registration_answers_with_the_data_erased(api: Api) -> None:
    body = volunteer_body(api.district.station, serial=7)
    key = {"Idempotency-Key": "register-7"}
    first = api.as_admin("POST", "/v1/volunteers", json=body, headers=key)
    assert first.status_code == 201, first.text
    assert first.json()["name_masked"] == "王**"
    erase(api, first.json()["id"])
    retried = api.as_admin("POST", "/v1/volunteers", json=body, headers=key)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == first.json()["id"]
    assert retried.json()["name_masked"] == ERASED
    assert retried.json()["phone_masked"] == ERASED


def test_an_erased_person_signs_in_no_more_and_its_login_name_is_free(
    api: Api, served: dict[str, Any]
) -> None:
    opened = api.as_admin(
        "POST",
        "/v1/logins",
        json={"login": "xiaoming", "role": "volunteer", "volunteer_id": served["id"]},
    ).json()
    password = opened["one_time_password"]
    signed_in = api.call(
        "POST", "/v1/sessions", json={"login": "xiaoming", "password": password}
    )
    assert signed_in.status_code == 201, signed_in.text
    erased = erase(api, served["id"])
    assert erased.status_code == 200, erased.text
    token = signed_in.json()["access_token"]
    assert api.call("GET", "/v1/me", token).status_code == 401
    again = api.call(
        "POST", "/v1/sessions", json={"login": "xiaoming", "password": password}
    )
    assert_problem(again, 401, "credentials_match")
    login = api.as_admin(
        "GET",
        f"/v1/logins/{opened['id']}",
        params={"min_position": erased.json()["position"]},
    ).json()
    assert login["status"] == "disabled"
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=9)
    ).json()
    reused = api.as_admin(
        "POST",
        "/v1/logins",
        json={"login": "xiaoming", "role": "volunteer", "volunteer_id": other["id"]},
    )
    assert reused.status_code == 201, reused.text
