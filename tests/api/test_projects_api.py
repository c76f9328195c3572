"""The project library over HTTP: propose, review, admit or return, run, brand,
and the public view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.access import Role
from tests.api.conftest import Api, assert_problem, volunteer_body
from tests.conftest import NOW, Clock, event_count


def plan(team: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "name": "银龄助餐",
        "category": "elderly",
        "subcategory": "daily_care",
        "goals": "为辖区 80 岁以上独居老人每周送餐两次",
        "places": ["双泉社区"],
        "starts_on": "2026-03-01",
        "ends_on": "2026-12-31",
        "team_ids": [team["id"]],
        "budget_note": "街道专项资金 2 万元",
        **changes,
    }


def propose(api: Api, team: dict[str, Any], **changes: Any) -> Any:
    body = {"unit_id": str(api.district.station), **plan(team, **changes)}
    return api.call("POST", "/v1/projects", api.tokens["coordinator"], json=body)


def station_token(api: Api) -> str:
    return api.token(Role.COORDINATOR, unit_id=api.district.station)


def admitted_project(api: Api, team: dict[str, Any]) -> str:
    project = propose(api, team).json()["id"]
    review = {"score": 88, "opinion": "需求明确"}
    reviewed = api.call(
        "POST", f"/v1/projects/{project}/reviews", api.tokens["outsider"], json=review
    )
    assert reviewed.status_code == 201, reviewed.text
    admitted = api.call(
        "POST",
        f"/v1/projects/{project}/admission",
        api.tokens["coordinator"],
        json={"opinion": "同意入库"},
    )
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["state"] == "admitted"
    return str(project)


def test_a_project_goes_from_proposal_through_review_to_the_library(
    api: Api, team: dict[str, Any]
) -> None:
    proposed = propose(api, team)
    assert proposed.status_code == 201, proposed.text
    project = proposed.json()["id"]
    path = f"/v1/projects/{project}"
    # A reviewer of the project's own unit is refused; one of another unit is not.
    own = api.call(
        "POST",
        f"{path}/reviews",
        station_token(api),
        json={"score": 90, "opinion": "好"},
    )
    assert_problem(own, 409, "reviewer_of_another_unit")
    early = api.call(
        "POST", f"{path}/admission", api.tokens["coordinator"], json={"opinion": "入库"}
    )
    assert_problem(early, 409, "reviewed_before_decision")
    review = {"score": 60, "opinion": "目标不够具体"}
    assert (
        api.call("POST", f"{path}/reviews", api.tokens["outsider"], json=review)
    ).status_code == 201
    twice = api.call("POST", f"{path}/reviews", api.tokens["outsider"], json=review)
    assert_problem(twice, 409, "one_review_per_reviewer")
    # The station cannot decide on its own project; the institute above returns it.
    assert_problem(
        api.call(
            "POST", f"{path}/return", station_token(api), json={"reason": "请完善"}
        ),
        403,
        "unit_scope",
    )
    returned = api.call(
        "POST",
        f"{path}/return",
        api.tokens["coordinator"],
        json={"reason": "请完善目标"},
    )
    assert returned.json()["state"] == "returned", returned.text
    revised = api.call(
        "PUT",
        f"{path}/plan",
        station_token(api),
        json=plan(team, goals="每周二、五送餐，覆盖 36 位老人"),
    )
    assert revised.json()["round"] == 2, revised.text
    api.call("POST", f"{path}/reviews", api.tokens["outsider"], json=review)
    admitted = api.call(
        "POST", f"{path}/admission", api.tokens["coordinator"], json={"opinion": "入库"}
    )
    assert admitted.json()["state"] == "admitted", admitted.text

    read = {"min_position": admitted.json()["position"]}
    shown = api.as_admin("GET", path, params=read).json()
    assert shown["goals"] == "每周二、五送餐，覆盖 36 位老人"
    assert [r["round"] for r in shown["reviews"]] == [1, 2]
    assert shown["decision_note"] == "入库"
    assert shown["teams"] == [{"id": team["id"], "name": "双泉环保队"}]
    outsider = api.call("GET", path, api.tokens["outsider"])
    assert_problem(outsider, 403, "unit_scope")


def test_a_project_sums_its_activities_and_shows_them_publicly_without_names(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    project = admitted_project(api, team)
    activity = api.call(
        "POST",
        "/v1/activities",
        api.tokens["coordinator"],
        json={
            "team_id": team["id"],
            "project_id": project,
            "title": "送餐",
            "category": "elderly",
            "location": "双泉社区",
            "leader": "李队长",
            "starts_at": (NOW - timedelta(minutes=10)).isoformat(),
            "ends_at": (NOW + timedelta(hours=2)).isoformat(),
            "capacity": 5,
        },
    )
    assert activity.status_code == 201, activity.text
    path = f"/v1/activities/{activity.json()['id']}"
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    for step in ("signups", "checkins"):
        done = api.call(
            "POST",
            f"{path}/{step}",
            api.tokens["coordinator"],
            json={"volunteer_id": volunteer["id"]},
        )
        assert done.status_code in (200, 201), done.text
    clock.advance(timedelta(hours=3))
    closed = api.call("POST", f"{path}/close", api.tokens["coordinator"])
    assert closed.status_code == 200, closed.text
    progress = api.call(
        "POST",
        f"/v1/projects/{project}/progress",
        station_token(api),
        json={"title": "第一次送餐", "text": "送餐 12 份"},
    )
    assert progress.status_code == 201, progress.text

    read = {"min_position": progress.json()["position"]}
    public = api.call("GET", f"/v1/public/projects/{project}", params=read)
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["totals"]["activities"] == 1
    assert body["totals"]["volunteers"] == 1
    assert body["totals"]["hours"] == 2.0
    assert [p["title"] for p in body["progress"]] == ["第一次送餐"]
    assert "reviews" not in body
    assert "budget_note" not in body
    assert "王小明" not in public.text
    assert "李队长" not in public.text
    listed = api.call("GET", "/v1/public/projects", params=read).json()
    assert [p["id"] for p in listed] == [project]


def test_work_joins_only_an_admitted_project_of_its_team(
    api: Api, team: dict[str, Any]
) -> None:
    proposed = propose(api, team).json()
    pending = proposed["id"]
    body = {
        "team_id": team["id"],
        "project_id": pending,
        "title": "送餐",
        "category": "elderly",
        "location": "双泉社区",
        "leader": "李队长",
        "starts_at": (NOW + timedelta(days=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=1, hours=2)).isoformat(),
        "capacity": 5,
    }
    refused = api.call("POST", "/v1/activities", api.tokens["coordinator"], json=body)
    assert_problem(refused, 422, "project_admitted", "project_id")
    read = {"min_position": proposed["position"]}
    hidden = api.call("GET", f"/v1/public/projects/{pending}", params=read)
    assert_problem(hidden, 404, "project_exists")
    assert api.as_admin("GET", f"/v1/projects/{pending}").status_code == 200


def test_brand_projects_count_in_the_assessment_until_withdrawn(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    project = admitted_project(api, team)
    path = f"/v1/projects/{project}/brand"
    station = api.district.station
    population = {"population": 1000}
    api.as_admin("PUT", f"/v1/units/{station}/populations/2026", json=population)
    own = api.call("POST", path, station_token(api), json={"citation": "口碑好"})
    assert_problem(own, 403, "unit_scope")
    designated = api.call(
        "POST", path, api.tokens["coordinator"], json={"citation": "服务覆盖全镇"}
    )
    assert designated.json()["brand"] is True, designated.text

    def brand_target() -> dict[str, Any]:
        report = api.as_admin(
            "GET",
            "/v1/reports/assessment",
            params={"unit_id": str(api.district.station), "year": 2026},
        ).json()
        assert "units" in report, report
        (station,) = [
            u for u in report["units"] if u["unit_id"] == str(api.district.station)
        ]
        return next(t for t in station["targets"] if t["code"] == "brand_projects")

    assert api.container.projector is not None
    api.container.projector.catch_up()
    assert (brand_target()["value"], brand_target()["status"]) == (1, "met")
    clock.advance(timedelta(minutes=1))
    api.call(
        "POST", f"{path}/withdrawal", api.tokens["coordinator"], json={"reason": "停办"}
    )
    api.container.projector.catch_up()
    assert (brand_target()["value"], brand_target()["status"]) == (0, "not_met")
    from_log = api.as_admin(
        "GET",
        "/v1/reports/assessment",
        params={
            "unit_id": str(api.district.station),
            "year": 2026,
            "source": "event_log",
        },
    )
    assert from_log.status_code == 200, from_log.text


def test_a_bad_proposal_names_the_field_and_writes_nothing(
    api: Api, team: dict[str, Any], database_url: str
) -> None:
    before = event_count(database_url)
    cases = [
        ({"places": []}, "places"),
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"category": "nope"}, "category"),
        ({"team_ids": ["00000000-0000-4000-8000-000000000000"]}, "team_ids"),
    ]
    for change, field in cases:
        response = propose(api, team, **change)
        assert response.status_code == 422, (change, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.text
    assert event_count(database_url) == before
    unknown = api.as_admin("GET", f"/v1/projects/{UUID(int=7)}")
    assert_problem(unknown, 404, "project_exists")


def test_experts_sharing_a_surname_or_a_token_name_each_review_once(
    api: Api, team: dict[str, Any]
) -> None:
    """Reviews are kept by who reviewed (the login or token), not by the masked
    name shown: 王芳 and 王强 both read 王*, and CLI tokens are all "cli"."""
    from tests.api.test_sign_in_api import coordinator_login

    project = propose(api, team).json()["id"]
    path = f"/v1/projects/{project}/reviews"
    experts = [
        coordinator_login(api, login, name, api.district.other_institute)
        for login, name in (("wangfang", "王芳"), ("wangqiang", "王强"))
    ]
    tokens = [e["session"]["access_token"] for e in experts]
    tokens += [
        api.container.tokens.issue(
            Role.COORDINATOR, "cli", unit_id=api.district.other_institute
        ).token
        for _ in range(2)
    ]
    review = {"score": 80, "opinion": "可行"}
    for token in tokens:
        reviewed = api.call("POST", path, token, json=review)
        assert reviewed.status_code == 201, reviewed.text
    twice = api.call("POST", path, tokens[1], json=review)
    assert_problem(twice, 409, "one_review_per_reviewer")
    shown = api.as_admin(
        "GET",
        f"/v1/projects/{project}",
        params={"min_position": api.container.store.max_position()},
    ).json()
    assert sorted(r["reviewer"] for r in shown["reviews"]) == [
        "coordinator:cli",
        "coordinator:cli",
        "coordinator:王*",
        "coordinator:王*",
    ]
