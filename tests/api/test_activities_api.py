"""Team activities over HTTP: publish to close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.access import Role
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.conftest import NOW, Clock, event_count


def publish(api: Api, team: dict[str, Any], capacity: int = 3, **changes: Any) -> Any:
    body = {
        "team_id": team["id"],
        "title": "周末河道清理",
        "category": "public",
        "subcategory": "environment",
        "location": "汶河岸边",
        "leader": "李队长",
        "starts_at": (NOW - timedelta(minutes=20)).isoformat(),
        "ends_at": (NOW + timedelta(hours=2)).isoformat(),
        "capacity": capacity,
        **changes,
    }
    return api.call("POST", "/v1/activities", api.tokens["coordinator"], json=body)


def volunteers(api: Api, count: int) -> list[tuple[str, str]]:
    made = []
    for serial in range(1, count + 1):
        body = volunteer_body(api.district.station, serial=serial)
        volunteer = api.as_admin("POST", "/v1/volunteers", json=body).json()
        made.append(
            (volunteer["id"], api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"]))
        )
    return made


def test_an_activity_goes_from_publish_to_close_with_hours_and_no_shows(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    published = publish(api, team)
    assert published.status_code == 201, published.text
    activity = published.json()
    code = activity["checkin_code"]
    path = f"/v1/activities/{activity['id']}"
    (a, a_token), (b, b_token), (c, c_token) = volunteers(api, 3)
    for token in (a_token, b_token, c_token):
        assert api.call("POST", f"{path}/signups", token, json={}).status_code == 201
    coordinator = api.tokens["coordinator"]
    self_in = api.call("POST", f"{path}/checkins", a_token, json={"code": code})
    assert self_in.status_code == 200, self_in.text
    staff_in = api.call(
        "POST",
        f"{path}/checkins",
        coordinator,
        json={"volunteer_id": b, "at": (NOW - timedelta(minutes=20)).isoformat()},
    )
    assert staff_in.status_code == 200, staff_in.text
    clock.advance(timedelta(hours=1))
    out = api.call("POST", f"{path}/checkouts", b_token, json={"code": code})
    assert out.status_code == 200, out.text
    clock.advance(timedelta(hours=2))
    closed = api.call("POST", f"{path}/close", coordinator)
    assert closed.status_code == 200, closed.text
    assert set(closed.json()["attendees"]) == {a, b}
    assert closed.json()["no_shows"] == [c]

    read = {"min_position": closed.json()["position"]}
    hours = {
        v: api.as_admin("GET", f"/v1/volunteers/{v}", params=read).json()
        for v in (a, b, c)
    }
    # a: 04:00 to the end at 06:00 = 2 h; b: 03:40 to 05:00 = 1 h 20 -> 1.5 h
    assert (hours[a]["verified_hours"], hours[a]["points_balance"]) == (2, 20)
    assert (hours[b]["verified_hours"], hours[b]["points_balance"]) == (1.5, 15)
    assert hours[c]["verified_hours"] == 0
    entry = api.as_admin("GET", f"/v1/volunteers/{a}/hours", params=read).json()
    first = entry["items"][0]
    assert first["activity_id"] == activity["id"]
    # The activity's category and team classify the hours it records.
    assert (first["category"], first["subcategory"], first["team_id"]) == (
        "public",
        "environment",
        team["id"],
    )

    detail = api.call("GET", path, coordinator, params=read).json()
    statuses = {r["volunteer_id"]: r["status"] for r in detail["attendance"]}
    assert statuses == {a: "attended", b: "attended", c: "no_show"}
    assert (detail["state"], detail["attended"], detail["no_shows"]) == ("closed", 2, 1)
    assert detail["checkin_code"] == code
    own_view = api.call("GET", path, c_token, params=read).json()
    assert own_view["checkin_code"] is None
    assert [r["volunteer_id"] for r in own_view["attendance"]] == [c]
    counts = api.as_admin("GET", f"/v1/teams/{team['id']}/activity-counts", params=read)
    assert counts.json() == [{"year": 2026, "closed": 1, "meets_standard": False}]


def test_an_activity_has_a_kind_that_seed_003_counts_apart(
    api: Api, team: dict[str, Any]
) -> None:
    talk = publish(api, team, kind="theory_talk")
    assert talk.status_code == 201, talk.text
    read = {"min_position": talk.json()["position"]}
    detail = api.as_admin("GET", f"/v1/activities/{talk.json()['id']}", params=read)
    assert detail.json()["kind"] == "theory_talk"
    assert_problem(
        publish(api, team, kind="picnic"), 422, "activity_kind_known", "kind"
    )


def test_a_full_activity_refuses_sign_ups(
    api: Api, team: dict[str, Any], database_url: str
) -> None:
    activity = publish(api, team, capacity=1).json()
    (_, first), (_, second) = volunteers(api, 2)
    path = f"/v1/activities/{activity['id']}/signups"
    assert api.call("POST", path, first, json={}).status_code == 201
    before = event_count(database_url)
    assert_problem(api.call("POST", path, second, json={}), 409, "activity_capacity")
    assert event_count(database_url) == before


def test_overlapping_sign_ups_are_refused(api: Api, team: dict[str, Any]) -> None:
    first = publish(api, team).json()
    second = publish(api, team, title="同时段的另一个活动").json()
    [(_, token)] = volunteers(api, 1)
    assert (
        api.call(
            "POST", f"/v1/activities/{first['id']}/signups", token, json={}
        ).status_code
        == 201
    )
    response = api.call(
        "POST", f"/v1/activities/{second['id']}/signups", token, json={}
    )
    assert_problem(response, 409, "no_overlapping_signups")


def test_an_inactive_volunteer_cannot_sign_up(api: Api, team: dict[str, Any]) -> None:
    activity = publish(api, team).json()
    [(volunteer, token)] = volunteers(api, 1)
    api.as_admin(
        "POST", f"/v1/volunteers/{volunteer}/deactivation", json={"reason": "离开"}
    )
    response = api.call(
        "POST", f"/v1/activities/{activity['id']}/signups", token, json={}
    )
    assert_problem(response, 409, "volunteer_is_active")


def test_a_wrong_code_is_refused(api: Api, team: dict[str, Any]) -> None:
    activity = publish(api, team).json()
    [(_, token)] = volunteers(api, 1)
    path = f"/v1/activities/{activity['id']}"
    api.call("POST", f"{path}/signups", token, json={})
    wrong = "000000" if activity["checkin_code"] != "000000" else "111111"
    response = api.call("POST", f"{path}/checkins", token, json={"code": wrong})
    assert_problem(response, 422, "checkin_code", "code")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"category": "sports"}, "category"),
        ({"ends_at": (NOW - timedelta(hours=1)).isoformat()}, "ends_at"),
        ({"leader": ""}, "leader"),
    ],
)
def test_invalid_activities_are_422(
    api: Api,
    team: dict[str, Any],
    database_url: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = event_count(database_url)
    response = publish(api, team, **changes)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert event_count(database_url) == before


def test_an_out_of_scope_coordinator_cannot_publish(
    api: Api, team: dict[str, Any]
) -> None:
    response = api.call(
        "POST",
        "/v1/activities",
        api.tokens["outsider"],
        json={
            "team_id": team["id"],
            "title": "x",
            "category": "public",
            "location": "y",
            "leader": "z",
            "starts_at": NOW.isoformat(),
            "ends_at": (NOW + timedelta(hours=1)).isoformat(),
            "capacity": 5,
        },
    )
    assert_problem(response, 403, "unit_scope")


def test_closing_twice_is_a_409(api: Api, team: dict[str, Any], clock: Clock) -> None:
    activity = publish(api, team).json()
    coordinator = api.tokens["coordinator"]
    path = f"/v1/activities/{activity['id']}/close"
    clock.advance(timedelta(hours=3))
    assert api.call("POST", path, coordinator).status_code == 200
    response = api.call("POST", path, coordinator)
    assert_problem(response, 409, "state_allows_command")
    assert response.json()["state"] == "closed"
