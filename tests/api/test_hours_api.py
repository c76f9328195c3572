"""Recording, correcting and reading hours over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.access import Role
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body
from tests.conftest import NOW, event_count


def new_volunteer(api: Api, serial: int = 1) -> dict[str, Any]:
    response = api.as_admin(
        "POST",
        "/v1/volunteers",
        json=volunteer_body(api.district.station, serial=serial),
    )
    assert response.status_code == 201, response.text
    return response.json()


def post_hours(
    api: Api,
    volunteer_id: str,
    body: dict[str, Any],
    token: str | None = None,
    **kw: Any,
) -> Any:
    return api.call(
        "POST",
        f"/v1/volunteers/{volunteer_id}/hours",
        token or api.tokens["admin"],
        json=body,
        **kw,
    )


def test_recorded_hours_earn_points_and_show_in_summary_list_and_account(
    api: Api,
) -> None:
    volunteer = new_volunteer(api)
    recorded = post_hours(
        api, volunteer["id"], hours_body(api.district.station, minutes=150)
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert (body["hours"], body["points_earned"], body["policy_version"]) == (
        2.5,
        25,
        1,
    )
    read = {"min_position": body["position"]}
    summary = api.as_admin(
        "GET", f"/v1/volunteers/{volunteer['id']}", params=read
    ).json()
    assert (summary["verified_hours"], summary["points_balance"]) == (2.5, 25)
    listed = api.as_admin(
        "GET", f"/v1/volunteers/{volunteer['id']}/hours", params=read
    ).json()
    assert listed["total"] == 1
    assert listed["items"][0]["record_id"] == body["record_id"]
    assert listed["items"][0]["rounding"] == "half_hour"
    account = api.as_admin("GET", f"/v1/accounts/{volunteer['id']}", params=read).json()
    assert (account["balance"], account["earned"], account["owes"]) == (25, 25, False)
    entries = api.as_admin(
        "GET", f"/v1/accounts/{volunteer['id']}/entries", params=read
    ).json()
    assert [(e["kind"], e["points"]) for e in entries] == [("earned", 25)]


def _at(hours_ago: float, minutes: int) -> dict[str, str]:
    start = NOW - timedelta(hours=hours_ago)
    return {
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
    }


BAD_HOURS = [
    (_at(5, -30), 422, "end_after_start", "ended_at"),
    (_at(5, 0), 422, "end_after_start", "ended_at"),
    (_at(30, 25 * 60), 422, "span_at_most_24h", "ended_at"),
    (_at(1, 120), 422, "end_not_in_future", "ended_at"),
    ({"started_at": "2026-05-01T08:00:00"}, 422, "timezone_required", "started_at"),
    ({"started_at": "soon"}, 422, "datetime_from_date_parsing", "started_at"),
    ({"content": ""}, 422, "string_too_short", "content"),
    ({"unit_id": str(uuid4())}, 422, "unit_exists", "unit_id"),
    ({"hours": 3}, 422, "unknown_field", "hours"),
]


@pytest.mark.parametrize(("changes", "status", "rule", "field"), BAD_HOURS)
def test_bad_hours_are_refused_naming_field_and_rule(
    api: Api,
    database_url: str,
    changes: dict[str, Any],
    status: int,
    rule: str,
    field: str,
) -> None:
    volunteer = new_volunteer(api)
    before = event_count(database_url)
    body = {**hours_body(api.district.station), **changes}
    assert_problem(post_hours(api, volunteer["id"], body), status, rule, field)
    assert event_count(database_url) == before


def test_hours_for_an_unknown_volunteer_are_a_404(api: Api, database_url: str) -> None:
    before = event_count(database_url)
    assert_problem(
        post_hours(api, str(uuid4()), hours_body(api.district.station)),
        404,
        "volunteer_exists",
    )
    assert event_count(database_url) == before


def test_hours_for_an_inactive_volunteer_are_a_409(api: Api, database_url: str) -> None:
    volunteer = new_volunteer(api)
    response = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/deactivation",
        json={"reason": "搬走了"},
    )
    assert response.json()["status"] == "inactive"
    before = event_count(database_url)
    assert_problem(
        post_hours(api, volunteer["id"], hours_body(api.district.station)),
        409,
        "volunteer_is_active",
    )
    assert event_count(database_url) == before


def test_overlapping_hours_are_a_409(api: Api, database_url: str) -> None:
    volunteer = new_volunteer(api)
    assert (
        post_hours(
            api, volunteer["id"], hours_body(api.district.station, 6, 120)
        ).status_code
        == 201
    )
    before = event_count(database_url)
    response = post_hours(
        api, volunteer["id"], hours_body(api.district.station, 5, 120)
    )
    assert_problem(response, 409, "no_overlapping_entries")
    assert event_count(database_url) == before


def test_hours_recorded_by_a_coordinator_out_of_scope_are_a_403(
    api: Api, database_url: str
) -> None:
    volunteer = new_volunteer(api)
    before = event_count(database_url)
    response = post_hours(
        api, volunteer["id"], hours_body(api.district.station), api.tokens["outsider"]
    )
    assert_problem(response, 403, "unit_scope")
    assert event_count(database_url) == before
    inside = post_hours(
        api,
        volunteer["id"],
        hours_body(api.district.station),
        api.tokens["coordinator"],
    )
    assert inside.status_code == 201


def test_posting_the_same_record_id_twice_records_one_entry_and_answers_the_same(
    api: Api, database_url: str
) -> None:
    volunteer = new_volunteer(api)
    body = {**hours_body(api.district.station), "record_id": str(uuid4())}
    first = post_hours(api, volunteer["id"], body)
    before = event_count(database_url)
    second = post_hours(api, volunteer["id"], body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert event_count(database_url) == before
    listed = api.as_admin(
        "GET",
        f"/v1/volunteers/{volunteer['id']}/hours",
        params={"min_position": first.json()["position"]},
    ).json()
    assert listed["total"] == 1
    changed = post_hours(api, volunteer["id"], {**body, "location": "别处"})
    assert_problem(changed, 422, "idempotency_key_matches_request", "record_id")


def test_two_volunteers_may_use_the_same_record_id_and_each_keeps_its_entry(
    api: Api,
) -> None:
    """Record ids are each volunteer's own (two stations' systems may number alike):
    both entries are recorded and shown, and a correction of one leaves the other."""
    record_id = str(uuid4())
    first, second = new_volunteer(api, 1), new_volunteer(api, 2)
    for volunteer, hours_ago in ((first, 6), (second, 30)):
        body = {**hours_body(api.district.station, hours_ago), "record_id": record_id}
        posted = post_hours(api, volunteer["id"], body)
        assert posted.status_code == 201, posted.text
        assert "Idempotent-Replayed" not in posted.headers
    path = f"/v1/volunteers/{second['id']}/hours/{record_id}/corrections"
    revoked = api.as_admin("POST", path, json={"revoke": True, "reason": "重复登记"})
    assert revoked.status_code == 200, revoked.text
    read = {"min_position": revoked.json()["position"]}
    statuses = {}
    for volunteer in (first, second):
        listed = api.as_admin(
            "GET", f"/v1/volunteers/{volunteer['id']}/hours", params=read
        ).json()
        assert [e["record_id"] for e in listed["items"]] == [record_id]
        statuses[volunteer["id"]] = listed["items"][0]["status"]
    assert statuses == {first["id"]: "live", second["id"]: "revoked"}
    status = api.call("GET", "/v1/ops/status", api.tokens["auditor"]).json()
    assert status["dead_letters"] == 0


def test_an_idempotency_key_makes_a_retry_safe_without_a_record_id(
    api: Api, database_url: str
) -> None:
    volunteer = new_volunteer(api)
    body = hours_body(api.district.station)
    headers = {"Idempotency-Key": "kiosk-42"}
    first = post_hours(api, volunteer["id"], body, headers=headers)
    before = event_count(database_url)
    second = post_hours(api, volunteer["id"], body, headers=headers)
    assert second.json() == first.json()
    assert event_count(database_url) == before


def test_a_revocation_claws_back_points_and_keeps_the_entry(api: Api) -> None:
    volunteer = new_volunteer(api)
    recorded = post_hours(api, volunteer["id"], hours_body(api.district.station)).json()
    path = f"/v1/volunteers/{volunteer['id']}/hours/{recorded['record_id']}/corrections"
    revoked = api.as_admin("POST", path, json={"revoke": True, "reason": "重复登记"})
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["points_change"]) == (
        "revoked",
        -20,
    )
    read = {"min_position": revoked.json()["position"]}
    entries = api.as_admin(
        "GET", f"/v1/volunteers/{volunteer['id']}/hours", params=read
    ).json()
    assert entries["items"][0]["status"] == "revoked"
    assert entries["items"][0]["last_change_reason"] == "重复登记"
    summary = api.as_admin(
        "GET", f"/v1/volunteers/{volunteer['id']}", params=read
    ).json()
    assert (summary["verified_hours"], summary["points_balance"]) == (0, 0)
    again = api.as_admin("POST", path, json={"revoke": True, "reason": "again"})
    assert_problem(again, 409, "entry_is_live")


def test_a_correction_needs_a_reason(api: Api) -> None:
    volunteer = new_volunteer(api)
    recorded = post_hours(api, volunteer["id"], hours_body(api.district.station)).json()
    path = f"/v1/volunteers/{volunteer['id']}/hours/{recorded['record_id']}/corrections"
    assert_problem(
        api.as_admin("POST", path, json={"revoke": True}),
        422,
        "reason_required",
        "reason",
    )


def test_a_volunteer_asks_and_a_coordinator_accepts_a_correction(api: Api) -> None:
    volunteer = new_volunteer(api)
    recorded = post_hours(
        api, volunteer["id"], hours_body(api.district.station, 6, 60)
    ).json()
    own = api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"])
    path = f"/v1/volunteers/{volunteer['id']}/hours/{recorded['record_id']}/corrections"
    new_end = (NOW - timedelta(hours=4)).isoformat()
    asked = api.call(
        "POST", path, own, json={"ended_at": new_end, "reason": "我待到了10点"}
    )
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["request_id"]
    pending = api.call(
        "GET",
        "/v1/correction-requests",
        api.tokens["coordinator"],
        params={"min_position": asked.json()["position"]},
    ).json()
    assert [r["request_id"] for r in pending] == [request_id]
    accept = f"/v1/volunteers/{volunteer['id']}/correction-requests/{request_id}/accept"
    accepted = api.call("POST", accept, api.tokens["coordinator"])
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["hours"], accepted.json()["points_change"]) == (2, 10)
    assert_problem(
        api.call("POST", accept, api.tokens["coordinator"]),
        409,
        "correction_request_pending",
    )


def test_a_volunteer_cannot_correct_or_record_directly(api: Api) -> None:
    volunteer = new_volunteer(api)
    own = api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"])
    assert_problem(
        post_hours(api, volunteer["id"], hours_body(api.district.station), own),
        403,
        "forbidden",
    )


def test_a_rejected_request_changes_nothing(api: Api) -> None:
    volunteer = new_volunteer(api)
    recorded = post_hours(api, volunteer["id"], hours_body(api.district.station)).json()
    own = api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"])
    path = f"/v1/volunteers/{volunteer['id']}/hours/{recorded['record_id']}/corrections"
    asked = api.call(
        "POST", path, own, json={"revoke": True, "reason": "不是我"}
    ).json()
    requests = f"/v1/volunteers/{volunteer['id']}/correction-requests"
    reject = f"{requests}/{asked['request_id']}/reject"
    assert_problem(
        api.call("POST", reject, api.tokens["coordinator"], json={}),
        422,
        "reason_required",
        "reason",
    )
    rejected = api.call(
        "POST", reject, api.tokens["coordinator"], json={"reason": "签到表有你"}
    )
    assert rejected.json()["status"] == "rejected"
    summary = api.as_admin(
        "GET",
        f"/v1/volunteers/{volunteer['id']}",
        params={"min_position": rejected.json()["position"]},
    ).json()
    assert summary["verified_hours"] == 2
