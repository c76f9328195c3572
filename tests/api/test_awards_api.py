"""Awards (表彰) and benefits (礼遇优待) over HTTP: granted in scope, on the
volunteer's profile and certificate, and the benefits a kiosk shows."""

from __future__ import annotations

from typing import Any

from domain.access import Role
from tests.api.conftest import Api, assert_problem, volunteer_body, volunteer_with_hours
from tests.api.test_certificates_api import issue as issue_certificate
from tests.conftest import event_count


def award_body(recipient_kind: str, recipient_id: str, **changes: Any) -> dict:
    return {
        "recipient_kind": recipient_kind,
        "recipient_id": recipient_id,
        "title": "最美志愿者",
        "level": "county",
        "awarding_body": "新泰市新时代文明实践中心",
        "awarded_on": "2026-05-04",
        "citation": "常年服务独居老人",
        **changes,
    }


def grant(api: Api, body: dict, token: str | None = None) -> Any:
    return api.call("POST", "/v1/awards", token or api.tokens["coordinator"], json=body)


BENEFITS = {
    "benefits": [
        {
            "code": "free_bus",
            "label": "免费乘坐公交",
            "description": "凭志愿者证免费乘坐市内公交",
            "provider": "市公交公司",
            "min_star_level": 1,
        },
        {
            "code": "health_check",
            "label": "免费健康体检",
            "description": "每年一次免费健康体检",
            "provider": "市人民医院",
            "award_title": "最美志愿者",
        },
    ]
}


def test_an_award_shows_on_the_profile_and_the_certificate_until_revoked(
    api: Api,
) -> None:
    served = volunteer_with_hours(api, (200, 30))
    granted = grant(api, award_body("volunteer", served["id"]))
    assert granted.status_code == 201, granted.text
    award = granted.json()
    mine = api.token(Role.VOLUNTEER, volunteer_id=served["id"])
    read = {"min_position": award["position"]}
    profile = api.call(
        "GET", f"/v1/volunteers/{served['id']}/awards", mine, params=read
    ).json()
    assert [(a["title"], a["level"], a["revoked"]) for a in profile] == [
        ("最美志愿者", "county", False)
    ]
    cert = issue_certificate(api, served).json()
    assert api.container.projector is not None
    api.container.projector.catch_up()
    page = api.client.get(
        f"/v1/certificates/{cert['number']}.html",
        params={"code": cert["verification_code"]},
    )
    assert "2026-05-04 最美志愿者（县（区）级，新泰市新时代文明实践中心）" in page.text

    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    theirs = api.token(Role.VOLUNTEER, volunteer_id=other["id"])
    refused = api.call("GET", f"/v1/volunteers/{served['id']}/awards", theirs)
    assert_problem(refused, 403, "forbidden")

    path = f"/v1/awards/{award['id']}/revocation"
    revoked = api.call(
        "POST", path, api.tokens["coordinator"], json={"reason": "事迹不实"}
    )
    assert revoked.json()["revoked"] is True, revoked.text
    again = api.call("POST", path, api.tokens["coordinator"], json={"reason": "x"})
    assert_problem(again, 409, "state_allows_command")
    assert api.container.projector is not None
    api.container.projector.catch_up()  # the page reads the awards' read model
    page = api.client.get(
        f"/v1/certificates/{cert['number']}.html",
        params={"code": cert["verification_code"]},
    )
    assert "最美志愿者" not in page.text


def test_a_unit_is_awarded_by_the_level_above_and_teams_in_scope(
    api: Api, team: dict[str, Any]
) -> None:
    station = str(api.district.station)
    station_token = api.token(Role.COORDINATOR, unit_id=api.district.station)
    body = award_body("unit", station, title="最美志愿服务社区")
    assert_problem(grant(api, body, station_token), 403, "unit_scope")
    assert grant(api, body).status_code == 201
    team_award = award_body("team", team["id"], title="优秀志愿服务组织")
    assert_problem(grant(api, team_award, api.tokens["outsider"]), 403, "unit_scope")
    assert grant(api, team_award, station_token).status_code == 201
    assert api.container.projector is not None
    api.container.projector.catch_up()
    listed = api.call(
        "GET", "/v1/awards", api.tokens["coordinator"], params={"unit_id": station}
    ).json()
    assert {a["title"] for a in listed} == {"最美志愿服务社区", "优秀志愿服务组织"}


def test_benefits_follow_star_level_and_awards_and_a_kiosk_shows_them(
    api: Api, shop: dict[str, Any]
) -> None:
    assert_problem(
        api.call("PUT", "/v1/benefits", api.tokens["coordinator"], json=BENEFITS),
        403,
        "forbidden",
    )
    saved = api.as_admin("PUT", "/v1/benefits", json=BENEFITS)
    assert (saved.json()["benefits"], saved.json()["version"]) == (2, 1), saved.text
    path = f"/v1/volunteers/{shop['volunteer']}/benefits"
    headers = {"X-Kiosk-Session": shop["session"]}
    before = api.call("GET", path, shop["kiosk"], headers=headers).json()
    assert before["star_level"] == 0
    assert before["benefits"] == []
    granted = grant(api, award_body("volunteer", shop["volunteer"]))
    read = {"min_position": granted.json()["position"]}
    after = api.call("GET", path, shop["kiosk"], headers=headers, params=read).json()
    assert after["awards"] == ["最美志愿者"]
    assert [b["code"] for b in after["benefits"]] == ["health_check"]
    no_session = api.call("GET", path, shop["kiosk"])
    assert_problem(no_session, 403, "kiosk_session_valid", "X-Kiosk-Session")
    listed = api.call("GET", "/v1/benefits", shop["kiosk"]).json()
    assert [b["code"] for b in listed] == ["free_bus", "health_check"]


def test_bad_awards_and_benefits_name_the_field_and_write_nothing(
    api: Api, database_url: str
) -> None:
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    before = event_count(database_url)
    cases = [
        (
            award_body("volunteer", volunteer["id"], awarded_on="2030-01-01"),
            "awarded_on",
        ),
        (
            award_body("volunteer", volunteer["id"], awarded_on="0001-01-01"),
            "awarded_on",
        ),
        (award_body("team", volunteer["id"]), "recipient_id"),
        (award_body("volunteer", volunteer["id"], level="galactic"), "level"),
        (award_body("volunteer", volunteer["id"], title=" "), "title"),
    ]
    for body, field in cases:
        response = grant(api, body)
        assert response.status_code == 422, (body, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.text
    both = {"benefits": [{**BENEFITS["benefits"][0], "award_title": "最美志愿者"}]}
    response = api.as_admin("PUT", "/v1/benefits", json=both)
    assert_problem(response, 422, "one_condition", "benefits[0].min_star_level")
    twice = {"benefits": [BENEFITS["benefits"][0]] * 2}
    assert_problem(
        api.as_admin("PUT", "/v1/benefits", json=twice), 422, "codes_distinct"
    )
    assert event_count(database_url) == before
