"""Teams' rosters over HTTP on real Postgres: applications, additions, departures
with their reasons, the roster as of an instant, a volunteer's teams, the team's
page; and units' area kinds and yearly populations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.access import Role
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body


def registered(api: Api, serial: int) -> dict[str, Any]:
    response = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def read(api: Api, path: str, token: str, position: int, **params: Any) -> Any:
    params["min_position"] = position
    response = api.call("GET", path, token, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_applicant_joins_when_approved_and_the_roster_keeps_who_left(
    api: Api, team: dict[str, Any]
) -> None:
    coordinator = api.tokens["coordinator"]
    one, two = registered(api, 1), registered(api, 2)
    own = api.token(Role.VOLUNTEER, volunteer_id=one["id"])
    members = f"/v1/teams/{team['id']}/members"
    applied = api.call("POST", f"/v1/teams/{team['id']}/applications", own, json={})
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "applied"
    waiting = read(
        api,
        f"/v1/teams/{team['id']}/applications",
        coordinator,
        applied.json()["position"],
    )
    assert [a["volunteer_id"] for a in waiting] == [one["id"]]
    approved = api.call(
        "POST", f"/v1/teams/{team['id']}/applications/{one['id']}/approval", coordinator
    )
    assert approved.json()["status"] == "member", approved.text
    added = api.call("POST", members, coordinator, json={"volunteer_id": two["id"]})
    assert added.status_code == 201, added.text
    read(api, members, coordinator, added.json()["position"])
    both_in = datetime.now(UTC)
    left = api.call(
        "POST", f"{members}/{one['id']}/departure", own, json={"reason": "搬家"}
    )
    assert left.json()["status"] == "left", left.text

    now = read(api, members, coordinator, left.json()["position"])
    assert [m["volunteer_id"] for m in now["members"]] == [two["id"]]
    then = read(api, members, coordinator, 0, as_of=both_in.isoformat())
    assert {m["volunteer_id"] for m in then["members"]} == {one["id"], two["id"]}
    joined = {m["volunteer_id"]: m["joined_via"] for m in then["members"]}
    assert joined == {one["id"]: "application", two["id"]: "added"}
    assert read(api, f"/v1/volunteers/{one['id']}/teams", own, 0) == []


def test_staff_remove_with_a_reason_and_a_volunteer_cannot_remove_another(
    api: Api, team: dict[str, Any]
) -> None:
    coordinator = api.tokens["coordinator"]
    one, two = registered(api, 1), registered(api, 2)
    members = f"/v1/teams/{team['id']}/members"
    for volunteer in (one, two):
        api.call("POST", members, coordinator, json={"volunteer_id": volunteer["id"]})
    other = api.token(Role.VOLUNTEER, volunteer_id=two["id"])
    refused = api.call(
        "POST", f"{members}/{one['id']}/departure", other, json={"reason": "不合"}
    )
    assert_problem(refused, 403, "forbidden")
    blank = api.call(
        "POST", f"{members}/{one['id']}/departure", coordinator, json={"reason": ""}
    )
    assert_problem(blank, 422, "reason_required", "reason")
    removed = api.call(
        "POST", f"{members}/{one['id']}/departure", coordinator, json={"reason": "违纪"}
    )
    assert removed.json()["status"] == "removed", removed.text
    again = api.call(
        "POST", f"{members}/{one['id']}/departure", coordinator, json={"reason": "违纪"}
    )
    assert_problem(again, 404, "membership_exists")


def test_a_teams_page_shows_leader_contact_members_and_this_years_hours(
    api: Api, team: dict[str, Any]
) -> None:
    coordinator = api.tokens["coordinator"]
    volunteer = registered(api, 1)
    members = f"/v1/teams/{team['id']}/members"
    api.call("POST", members, coordinator, json={"volunteer_id": volunteer["id"]})
    led = api.call(
        "PUT",
        f"/v1/teams/{team['id']}/leader",
        coordinator,
        json={"volunteer_id": volunteer["id"]},
    )
    assert led.json()["leader_id"] == volunteer["id"], led.text
    contact = api.call(
        "PUT",
        f"/v1/teams/{team['id']}/contact",
        coordinator,
        json={"phone": "0634-6123456"},
    )
    assert contact.status_code == 200, contact.text
    recorded = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/hours",
        json=hours_body(
            api.district.station,
            minutes=150,
            team_id=team["id"],
            category="public",
            subcategory="environment",
        ),
    )
    assert recorded.status_code == 201, recorded.text
    page = read(
        api, f"/v1/teams/{team['id']}", coordinator, recorded.json()["position"]
    )
    assert page["leader_id"] == volunteer["id"]
    assert page["phone"] == "0634-6123456"
    assert page["members"] == 1
    assert page["hours_this_year"] == 2.5
    resident = api.token(Role.RESIDENT)
    public = read(api, f"/v1/teams/{team['id']}", resident, 0)
    assert public["phone"] == "063****3456"
    mine = api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"])
    (membership,) = read(api, f"/v1/volunteers/{volunteer['id']}/teams", mine, 0)
    assert (membership["team_id"], membership["is_leader"]) == (team["id"], True)


def test_a_leader_must_be_a_member_and_an_unknown_volunteer_is_named(
    api: Api, team: dict[str, Any]
) -> None:
    coordinator = api.tokens["coordinator"]
    stranger = registered(api, 1)
    not_member = api.call(
        "PUT",
        f"/v1/teams/{team['id']}/leader",
        coordinator,
        json={"volunteer_id": stranger["id"]},
    )
    assert_problem(not_member, 404, "membership_exists")
    unknown = api.call(
        "POST",
        f"/v1/teams/{team['id']}/members",
        coordinator,
        json={"volunteer_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert_problem(unknown, 422, "volunteer_exists", "volunteer_id")


def test_the_roster_is_read_in_scope_only(api: Api, team: dict[str, Any]) -> None:
    members = f"/v1/teams/{team['id']}/members"
    after = {"min_position": team["position"]}
    outsider = api.call("GET", members, api.tokens["outsider"], params=after)
    assert_problem(outsider, 403, "unit_scope")
    assert read(api, members, api.tokens["auditor"], team["position"])["members"] == []


def test_a_department_team_names_its_department(api: Api) -> None:
    body = {
        "name": "区卫健局志愿服务队",
        "unit_id": str(api.district.center),
        "service_type": "health_fitness",
        "affiliation": "department",
    }
    assert_problem(
        api.as_admin("POST", "/v1/teams", json=body),
        422,
        "department_required",
        "department",
    )
    created = api.as_admin("POST", "/v1/teams", json={**body, "department": "区卫健局"})
    assert created.status_code == 201, created.text
    assert created.json()["affiliation"] == "department"


def test_a_unit_keeps_a_population_per_year_and_its_area_kind(api: Api) -> None:
    coordinator = api.tokens["coordinator"]
    station = api.district.station
    year = datetime.now(UTC).year
    recorded = api.call(
        "PUT",
        f"/v1/units/{station}/populations/{year}",
        coordinator,
        json={"population": 4100},
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["populations"][str(year)] == 4100
    village = api.call(
        "PUT",
        f"/v1/units/{station}/area-kind",
        coordinator,
        json={"area_kind": "village"},
    )
    assert village.json()["area_kind"] == "village", village.text
    unit = read(api, f"/v1/units/{station}", coordinator, village.json()["position"])
    assert (unit["area_kind"], unit["populations"][str(year)]) == ("village", 4100)

    far = api.call(
        "PUT",
        f"/v1/units/{station}/populations/9999",
        coordinator,
        json={"population": 1},
    )
    assert_problem(far, 422, "year_in_range", "year")
    center = api.as_admin(
        "PUT",
        f"/v1/units/{api.district.center}/area-kind",
        json={"area_kind": "village"},
    )
    assert_problem(center, 422, "area_kind_below_center", "area_kind")
    outsider = api.call(
        "PUT",
        f"/v1/units/{station}/populations/{year}",
        api.tokens["outsider"],
        json={"population": 1},
    )
    assert_problem(outsider, 403, "unit_scope")


def test_an_hours_entry_carries_its_category_and_a_subcategory_needs_one(
    api: Api, team: dict[str, Any]
) -> None:
    volunteer = registered(api, 1)
    path = f"/v1/volunteers/{volunteer['id']}/hours"
    station = api.district.station
    orphan = api.as_admin(
        "POST", path, json=hours_body(station, subcategory="environment")
    )
    assert_problem(orphan, 422, "subcategory_needs_category", "subcategory")
    wrong = api.as_admin(
        "POST",
        path,
        json=hours_body(station, category="elderly", subcategory="environment"),
    )
    assert_problem(wrong, 422, "subcategory_of_category", "subcategory")
    no_team = api.as_admin(
        "POST",
        path,
        json=hours_body(station, team_id="00000000-0000-4000-8000-000000000000"),
    )
    assert_problem(no_team, 422, "team_exists", "team_id")
    ok = api.as_admin(
        "POST",
        path,
        json=hours_body(
            station,
            hours_ago=30,
            category="public",
            subcategory="civility_customs",
            team_id=team["id"],
        ),
    )
    assert ok.status_code == 201, ok.text
    plain = api.as_admin("POST", path, json=hours_body(station, hours_ago=10))
    assert plain.status_code == 201, plain.text
    entries = read(api, path, api.tokens["admin"], plain.json()["position"])["items"]
    kinds = {
        e["record_id"]: (e["category"], e["subcategory"], e["team_id"]) for e in entries
    }
    assert kinds == {
        ok.json()["record_id"]: ("public", "civility_customs", team["id"]),
        plain.json()["record_id"]: (None, None, None),
    }
    assert api.call("GET", "/v1/reference").json()["activity_kinds"][1] == {
        "code": "theory_talk",
        "label": "理论政策宣讲",
    }
