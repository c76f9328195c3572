"""Certificates of volunteer service over HTTP: issued by a coordinator, checked by
anyone with number and code, tied to the record at their position."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.access import Role
from tests.api.conftest import (
    Api,
    assert_problem,
    volunteer_body,
    volunteer_with_hours,
)

PERIOD = {"from": "2026-05-01", "to": "2026-06-01"}
#: Issued by machine tokens, which name the person who prepared it (经办人).
ISSUER = {
    "person_in_charge": "李站长",
    "contact": "0634-1234567",
    "handler": "赵干事",
}


@pytest.fixture
def served(api: Api) -> dict[str, Any]:
    """A volunteer with 3 h on each of two days in May 2026."""
    return volunteer_with_hours(api, (200, 30))


def issue(
    api: Api, served: dict[str, Any], token: str | None = None, **body: Any
) -> Any:
    headers = body.pop("headers", {})
    return api.call(
        "POST",
        f"/v1/volunteers/{served['id']}/certificates",
        token or api.tokens["coordinator"],
        json={**PERIOD, **ISSUER, **body},
        headers=headers,
    )


def check(api: Api, number: str, code: str) -> Any:
    return api.client.get(f"/v1/certificates/{number}", params={"code": code})


def test_an_issued_certificate_states_identity_service_and_issuer(
    api: Api, served: dict[str, Any]
) -> None:
    issued = issue(api, served, remarks="用于评优")
    assert issued.status_code == 201, issued.text
    cert = issued.json()
    assert cert["number"].startswith("VC-2026-")
    assert len(cert["verification_code"]) == 10
    assert cert["volunteer"] == {
        "volunteer_number": served["volunteer_number"],
        "name_masked": "王**",
        "id_type": "居民身份证",
        "id_number_masked": served["id_number_masked"],
    }
    assert (cert["hours"], cert["entries"], cert["activities"]) == (6, 2, ["社区清扫"])
    assert cert["period"] == PERIOD
    assert cert["issuer"]["name"] == "双泉站"
    assert cert["issuer"]["person_in_charge"] == "李站长"
    assert cert["issued_on"] == "2026-06-01"
    assert len(cert["chain_link"]) == 64


def test_anyone_with_number_and_code_checks_it_without_a_token(
    api: Api, served: dict[str, Any]
) -> None:
    cert = issue(api, served).json()
    code = cert["verification_code"]
    checked = check(api, cert["number"], code.lower()[:5] + "-" + code[5:])
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert (body["genuine"], body["matches_record"], body["chain_link_matches"]) == (
        True,
        True,
        True,
    )
    assert (body["hours"], body["hours_on_record_now"]) == (6, 6)
    # The record it was computed from precedes the certificate's own event.
    assert body["record_position"] == cert["record_position"] < cert["position"]
    assert body["chain_link"] == cert["chain_link"]


def test_a_forged_number_or_code_is_not_found(api: Api, served: dict[str, Any]) -> None:
    cert = issue(api, served).json()
    wrong_code = "A" * 10 if cert["verification_code"] != "A" * 10 else "B" * 10
    assert_problem(check(api, cert["number"], wrong_code), 404, "certificate_exists")
    assert_problem(
        check(api, "VC-2026-999999", cert["verification_code"]),
        404,
        "certificate_exists",
    )


def test_a_later_revocation_leaves_the_certificate_true_to_its_position(
    api: Api, served: dict[str, Any]
) -> None:
    cert = issue(api, served).json()
    revoked = api.as_admin(
        "POST",
        f"/v1/volunteers/{served['id']}/hours/{served['records'][0]}/corrections",
        json={"revoke": True, "reason": "重复登记"},
    )
    assert revoked.status_code == 200, revoked.text
    body = check(api, cert["number"], cert["verification_code"]).json()
    assert (body["matches_record"], body["hours"], body["hours_on_record_now"]) == (
        True,
        6,
        3,
    )


def test_the_printable_page_carries_the_name_and_how_to_check_it(
    api: Api, served: dict[str, Any]
) -> None:
    cert = issue(api, served).json()
    page = api.client.get(
        f"/v1/certificates/{cert['number']}.html",
        params={"code": cert["verification_code"]},
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for text in (
        "志愿服务证明",
        "王小明",
        cert["number"],
        "6 小时",
        "李站长",
        "双泉站",
    ):
        assert text in page.text
    # A person reaches the page from a printed QR code: a wrong code, a number of
    # no certificate, no code at all, all read the same page in Chinese.
    wrong = [
        (cert["number"], {"code": "XXXXXXXXXX"}),
        ("VC-2026-999999", {"code": "XXXXXXXXXX"}),
        (cert["number"], {}),
        ("x" * 300, {"code": "y" * 300}),
    ]
    pages = {api.client.get(f"/v1/certificates/{n}.html", params=q) for n, q in wrong}
    assert {(p.status_code, p.headers["content-type"]) for p in pages} == {
        (404, "text/html; charset=utf-8")
    }
    assert all("未能查验这份志愿服务证明" in p.text for p in pages)
    assert not any("certificate_exists" in p.text for p in pages)


def test_a_retried_issue_issues_once_and_never_replays_the_code(
    api: Api, served: dict[str, Any]
) -> None:
    first = issue(api, served, headers={"Idempotency-Key": "cert-1"})
    again = issue(api, served, headers={"Idempotency-Key": "cert-1"})
    assert again.json()["number"] == first.json()["number"]
    assert (
        first.json()["verification_code"] is not None,
        again.json()["verification_code"],
    ) == (
        True,
        None,
    )
    log = api.call(
        "GET", "/v1/audit/events", api.tokens["auditor"], params={"limit": 500}
    )
    issued = [e for e in log.json() if e["type"] == "Certificate.Issued"]
    assert len(issued) == 1
    assert first.json()["verification_code"] not in str(issued[0])


@pytest.mark.parametrize(
    ("changes", "status", "rule"),
    [
        ({"from": "2026-06-01", "to": "2026-05-01"}, 422, "period_order"),
        ({"to": "2026-06-02"}, 422, "period_not_in_future"),
        ({"from": "2026-01-01", "to": "2026-01-31"}, 409, "hours_on_record"),
        ({"unit_id": str(uuid4())}, 422, "unit_exists"),
        ({"person_in_charge": ""}, 422, "string_too_short"),
    ],
)
def test_impossible_certificates_are_refused(
    api: Api, served: dict[str, Any], changes: dict[str, Any], status: int, rule: str
) -> None:
    assert_problem(issue(api, served, **changes), status, rule)


def test_only_staff_in_scope_issue_certificates(
    api: Api, served: dict[str, Any]
) -> None:
    assert_problem(issue(api, served, api.tokens["outsider"]), 403, "unit_scope")
    assert_problem(issue(api, served, api.tokens["auditor"]), 403, "forbidden")


def test_the_issue_response_carries_the_absolute_verification_address(
    api: Api, served: dict[str, Any]
) -> None:
    api.container.settings.public_base_url = "https://zyfw.example.gov.cn/ledger/"
    cert = issue(api, served).json()
    assert cert["verification_url"] == (
        "https://zyfw.example.gov.cn/ledger/v1/certificates/"
        f"{cert['number']}.html?code={cert['verification_code']}"
    )
    page = api.client.get(
        f"/v1/certificates/{cert['number']}.html",
        params={"code": cert["verification_code"]},
    )
    assert cert["verification_url"].replace("&", "&amp;") in page.text
    assert "<svg" in page.text


def test_the_number_is_read_in_any_case(api: Api, served: dict[str, Any]) -> None:
    cert = issue(api, served).json()
    checked = check(api, cert["number"].lower(), cert["verification_code"].lower())
    assert checked.status_code == 200, checked.text
    assert checked.json()["number"] == cert["number"]


def test_a_revoked_certificate_checks_as_revoked_with_its_reason(
    api: Api, served: dict[str, Any]
) -> None:
    cert = issue(api, served).json()
    path = f"/v1/certificates/{cert['number'].lower()}/revocation"
    reason = {"reason": "服务时段填写错误"}
    outsider = api.call("POST", path, api.tokens["outsider"], json=reason)
    assert_problem(outsider, 403, "unit_scope")
    revoked = api.call("POST", path, api.tokens["coordinator"], json=reason)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] is True
    checked = check(api, cert["number"], cert["verification_code"]).json()
    assert (checked["genuine"], checked["revoked"]) == (True, True)
    assert checked["revocation_reason"] == "服务时段填写错误"
    page = api.client.get(
        f"/v1/certificates/{cert['number']}.html",
        params={"code": cert["verification_code"]},
    )
    assert "本证明已被出具单位撤销：服务时段填写错误" in page.text
    again = api.call("POST", path, api.tokens["coordinator"], json=reason)
    assert_problem(again, 409, "certificate_not_revoked")
    unknown = api.call(
        "POST",
        "/v1/certificates/VC-2026-999999/revocation",
        api.tokens["admin"],
        json=reason,
    )
    assert_problem(unknown, 404, "certificate_exists")


def test_staff_list_the_certificates_issued_in_their_scope(
    api: Api, served: dict[str, Any]
) -> None:
    cert = issue(api, served).json()
    read = {"min_position": cert["position"]}
    mine = api.call("GET", "/v1/certificates", api.tokens["coordinator"], params=read)
    assert [c["number"] for c in mine.json()] == [cert["number"]]
    listed = mine.json()[0]
    assert listed["volunteer_number"] == served["volunteer_number"]
    assert listed["hours"] == 6
    assert listed["revoked_at"] is None
    assert "verification_code" not in listed
    theirs = api.call("GET", "/v1/certificates", api.tokens["outsider"], params=read)
    assert theirs.json() == []
    audited = api.call("GET", "/v1/certificates", api.tokens["auditor"], params=read)
    assert len(audited.json()) == 1
    held = api.as_admin(
        "GET", "/v1/certificates", params={"volunteer_id": str(uuid4()), **read}
    )
    assert held.json() == []


def test_a_volunteer_reads_its_own_certificates_and_nobody_elses(
    api: Api, served: dict[str, Any]
) -> None:
    issued = issue(api, served).json()
    own = api.token(Role.VOLUNTEER, volunteer_id=served["id"])
    path = f"/v1/volunteers/{served['id']}/certificates"
    mine = api.call("GET", path, own, params={"min_position": issued["position"]})
    assert mine.status_code == 200, mine.text
    assert [c["number"] for c in mine.json()] == [issued["number"]]
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=5)
    ).json()
    stranger = api.token(Role.VOLUNTEER, volunteer_id=other["id"])
    assert_problem(api.call("GET", path, stranger), 403, "forbidden")
    assert_problem(api.call("GET", path, api.tokens["outsider"]), 403, "unit_scope")


def test_the_handler_is_a_person_never_a_tokens_name(
    api: Api, served: dict[str, Any]
) -> None:
    from tests.api.test_sign_in_api import coordinator_login

    body = {**PERIOD, "person_in_charge": "李站长", "contact": "0634-1234567"}
    path = f"/v1/volunteers/{served['id']}/certificates"
    machine = api.call("POST", path, api.tokens["coordinator"], json=body)
    assert_problem(machine, 422, "handler_required", "handler")
    person = coordinator_login(api, "zhaojing", "赵静")["session"]["access_token"]
    issued = api.call("POST", path, person, json=body)
    assert issued.status_code == 201, issued.text
    assert issued.json()["issuer"]["handler"] == "赵静"  # not 赵*, nor a token's
    named = api.call(
        "POST", path, api.tokens["coordinator"], json=body | {"handler": "赵干事"}
    )
    assert named.json()["issuer"]["handler"] == "赵干事"
