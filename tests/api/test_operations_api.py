"""Health, status, policy, reference data and the error envelope."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from projections import all_projections
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body
from tests.conftest import event_count


def test_health_answers_with_the_event_store_position(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["position"] > 0


def test_ops_status_shows_every_projection_and_its_lag(api: Api) -> None:
    created = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    api.as_admin(
        "GET",
        f"/v1/volunteers/{created['id']}",
        params={"min_position": created["position"]},
    )
    status = api.call("GET", "/v1/ops/status", api.tokens["auditor"]).json()
    names = {p["projection"] for p in status["projections"]}
    assert names == {p.name for p in all_projections()}
    assert status["feed"] == "in-process"
    for projection in status["projections"]:
        assert projection["position"] == status["head"]
        assert (projection["lag_events"], projection["lag_seconds"]) == (0, 0)
    assert status["dead_letters"] == 0
    assert_problem(
        api.call("GET", "/v1/ops/status", api.tokens["coordinator"]), 403, "forbidden"
    )


def test_min_position_beyond_the_log_is_refused(api: Api) -> None:
    response = api.as_admin(
        "GET", f"/v1/units/{api.district.center}", params={"min_position": 10**9}
    )
    assert_problem(response, 422, "position_recorded")


def test_an_admin_changes_the_policy_and_new_entries_use_it(api: Api) -> None:
    changed = api.as_admin(
        "PUT", "/v1/policy", json={"points_per_hour": 1, "rounding": "exact"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    policy = api.as_admin(
        "GET", "/v1/policy", params={"min_position": changed.json()["position"]}
    )
    assert policy.json()["points_per_hour"] == 1
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    recorded = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/hours",
        json=hours_body(api.district.station, minutes=100),
    ).json()
    assert (
        recorded["hours"],
        recorded["points_earned"],
        recorded["policy_version"],
    ) == (
        1.67,
        1.67,
        2,
    )
    assert_problem(
        api.call(
            "PUT",
            "/v1/policy",
            api.tokens["coordinator"],
            json={"points_per_hour": 5, "rounding": "exact"},
        ),
        403,
        "forbidden",
    )
    assert_problem(
        api.as_admin(
            "PUT", "/v1/policy", json={"points_per_hour": 0, "rounding": "exact"}
        ),
        422,
        "greater_than",
        "points_per_hour",
    )


def test_units_and_children_are_readable_and_kinds_are_checked(api: Api) -> None:
    (top,) = api.as_admin("GET", "/v1/units").json()
    assert (top["id"], top["kind"]) == (str(api.district.center), "center")
    children = api.as_admin("GET", f"/v1/units/{api.district.center}/children").json()
    assert {c["name"] for c in children} == {"艾山所", "里辛所"}
    response = api.as_admin(
        "POST",
        "/v1/units",
        json={
            "name": "错挂站",
            "kind": "station",
            "parent_id": str(api.district.center),
        },
    )
    assert_problem(response, 422, "parent_kind", "parent_id")
    assert_problem(
        api.as_admin("POST", "/v1/units", json={"name": "二中心", "kind": "center"}),
        409,
        "single_center",
    )


def test_teams_take_one_of_the_seventeen_types(api: Api) -> None:
    created = api.call(
        "POST",
        "/v1/teams",
        api.tokens["coordinator"],
        json={
            "name": "双泉宣讲队",
            "unit_id": str(api.district.station),
            "service_type": "theory_policy",
        },
    )
    assert created.status_code == 201, created.text
    read = api.as_admin(
        "GET",
        f"/v1/teams/{created.json()['id']}",
        params={"min_position": created.json()["position"]},
    )
    assert read.json()["service_type"] == "theory_policy"
    wrong = api.as_admin(
        "POST",
        "/v1/teams",
        json={
            "name": "x",
            "unit_id": str(api.district.station),
            "service_type": "dancing",
        },
    )
    assert_problem(wrong, 422, "service_type_known", "service_type")


def test_reference_data_lists_team_types_and_the_five_categories(api: Api) -> None:
    reference = api.client.get("/v1/reference").json()
    assert len(reference["team_types"]) == 17
    assert [c["label"] for c in reference["service_categories"]] == [
        "为老",
        "为小",
        "为困难群体",
        "为需要心理疏导和情感慰藉群体",
        "为社会公共需要",
    ]
    assert reference["star_levels"] == [
        {"level": 1, "min_hours": 100, "label": "一星志愿者"},
        {"level": 2, "min_hours": 300, "label": "二星志愿者"},
        {"level": 3, "min_hours": 600, "label": "三星志愿者"},
        {"level": 4, "min_hours": 1000, "label": "四星志愿者"},
        {"level": 5, "min_hours": 1500, "label": "五星志愿者"},
    ]
    assert [level["label"] for level in reference["award_levels"]] == [
        "国家级",
        "省级",
        "市级",
        "县（区）级",
        "镇（街道）级",
    ]
    assert "最美志愿者" in reference["award_titles"]


def test_unknown_paths_are_problems_too(api: Api) -> None:
    assert_problem(api.client.get("/v1/nothing-here"), 404, "http_404")


def test_an_unexpected_failure_is_a_500_without_internals(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.container.reads, "unit", broken)
    response = api.as_admin("GET", f"/v1/units/{api.district.center}")
    assert_problem(response, 500, "internal")
    assert "secret internals" not in response.text


def test_a_token_tells_its_role_name_and_scope(api: Api) -> None:
    me = api.call("GET", "/v1/me", api.tokens["coordinator"]).json()
    assert (me["role"], me["unit_id"], me["volunteer_id"]) == (
        "coordinator",
        str(api.district.institute),
        None,
    )
    assert api.as_admin("GET", "/v1/me").json()["unit_id"] is None
    assert_problem(api.call("GET", "/v1/me", "not-a-token"), 401, "unauthorized")


def test_the_office_page_and_its_chart_library_come_from_this_service(
    api: Api,
) -> None:
    page = api.client.get("/office/")
    assert page.status_code == 200
    assert "考核看板" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'src="vendor/plotly.min.js"' in page.text
    plotly = api.client.get("/office/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert len(plotly.content) > 1_000_000
    assert api.client.get("/office/office.js").status_code == 200
    assert_problem(api.client.get("/office/../api/app.py"), 404, "http_404")
    assert_problem(api.client.get("/office/vendor/other.js"), 404, "http_404")
    moved = api.client.get("/office", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (308, "/office/")


def test_openapi_documents_the_public_paths(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in [
        "/v1/units",
        "/v1/units/{unit_id}",
        "/v1/units/{unit_id}/children",
        "/v1/teams",
        "/v1/volunteers",
        "/v1/volunteers/{volunteer_id}",
        "/v1/volunteers/{volunteer_id}/hours",
        "/v1/volunteers/{volunteer_id}/hours/{record_id}/corrections",
        "/v1/accounts/{volunteer_id}",
        "/v1/accounts/{volunteer_id}/entries",
        "/health",
        "/v1/ops/status",
        "/v1/catalog/items",
        "/v1/kiosk/catalog",
        "/v1/redemptions",
        "/v1/redemptions/{redemption_id}/confirm",
        "/v1/redemptions/{redemption_id}/void",
        "/v1/accounts/{volunteer_id}/donations",
        "/v1/kiosks",
        "/v1/kiosk/identify",
        "/v1/audit/events",
        "/v1/audit/export",
        "/v1/audit/streams/{aggregate_id}",
        "/v1/audit/volunteers/{volunteer_id}",
        "/v1/audit/replays",
        "/v1/audit/chain",
        "/v1/volunteers/{volunteer_id}/certificates",
        "/v1/certificates/{number}",
        "/v1/certificates/{number}.html",
    ]:
        assert path in paths, path
    assert api.client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("activity_name", "清扫\x00", "no_control_characters"),
        ("content", "bad\ud800", "utf8"),
        ("location", "a\x1bb", "no_control_characters"),
    ],
)
def test_text_that_could_not_be_stored_or_projected_is_refused(
    api: Api, database_url: str, field: str, value: str, rule: str
) -> None:
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    before = event_count(database_url)
    body = {**hours_body(api.district.station), field: value}
    response = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/hours",
        content=json.dumps(body).encode(),  # a lone surrogate travels as \ud800
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422, rule, field)
    assert event_count(database_url) == before


def test_line_breaks_in_free_text_are_kept(api: Api) -> None:
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    body = {**hours_body(api.district.station), "content": "第一行\n第二行\t完"}
    response = api.as_admin(
        "POST", f"/v1/volunteers/{volunteer['id']}/hours", json=body
    )
    assert response.status_code == 201, response.text


def test_an_implausible_population_is_refused(api: Api, database_url: str) -> None:
    before = event_count(database_url)
    response = api.as_admin(
        "POST",
        "/v1/units",
        json={
            "name": "大所",
            "kind": "institute",
            "parent_id": str(api.district.center),
            "population": 10**12,
        },
    )
    assert_problem(response, 422, "less_than_equal", "population")
    assert event_count(database_url) == before


def test_an_unknown_parent_is_an_input_error_naming_parent_id(api: Api) -> None:
    response = api.as_admin(
        "POST",
        "/v1/units",
        json={"name": "孤站", "kind": "station", "parent_id": str(uuid4())},
    )
    assert_problem(response, 422, "unit_exists", "parent_id")


def test_storage_that_does_not_answer_is_a_503_to_retry(api: Api) -> None:
    api.container.db.pool.close()
    response = api.as_admin("GET", f"/v1/units/{api.district.center}")
    assert_problem(response, 503, "storage_unavailable")
    assert response.headers["Retry-After"] == "2"
