"""The office's exports over HTTP: CSV and XLSX with Chinese headers and an English
key row, masked personal data, the read rules, and bad queries as 422 problems."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import openpyxl

from domain.access import Role
from projections.exports import EXPORTS, ExportKind
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body
from tests.conftest import Clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def served_volunteer(api: Api, team_id: str | None = None) -> dict[str, Any]:
    station = api.district.station
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(station)
    ).json()
    extra = {"team_id": team_id} if team_id else {}
    recorded = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/hours",
        json=hours_body(
            station, category="elderly", subcategory="companionship", **extra
        ),
    )
    assert recorded.status_code == 201, recorded.text
    return {**volunteer, "position": recorded.json()["position"]}


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_a_coordinator_exports_its_stations_hours_as_csv_with_masked_names(
    api: Api, team: dict[str, Any]
) -> None:
    volunteer = served_volunteer(api, team["id"])
    response = api.call(
        "GET",
        "/v1/exports/hours",
        api.tokens["coordinator"],
        params={
            "unit_id": str(api.district.station),
            "min_position": volunteer["position"],
        },
    )
    labels, keys, *rows = rows_of(response)
    assert labels[:3] == ["记录编号", "志愿者编号", "姓名"]
    assert keys == [key for key, _ in EXPORTS[ExportKind.HOURS].columns]
    (row,) = rows
    entry = dict(zip(keys, row, strict=True))
    assert entry["volunteer_number"] == volunteer["volunteer_number"]
    assert entry["name_masked"] == "王**"
    assert (entry["category"], entry["team_name"]) == ("为老", "双泉环保队")
    assert (entry["subcategory"], entry["status"]) == ("精神陪伴", "有效")
    assert entry["hours"] == "2"
    assert "王小明" not in response.text
    assert "13812345678" not in response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="export.csv"')
    assert "filename*=UTF-8''%E5%B7%A5%E6%97%B6%E6%98%8E%E7%BB%86" in disposition


def test_an_xlsx_export_has_the_chinese_header_and_the_key_row(api: Api) -> None:
    volunteer = served_volunteer(api)
    response = api.call(
        "GET",
        "/v1/exports/hours",
        api.tokens["auditor"],
        params={
            "unit_id": str(api.district.center),
            "format": "xlsx",
            "min_position": volunteer["position"],
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["工时明细"]
    labels, keys, *rows = list(book["工时明细"].values)
    assert labels[1] == "志愿者编号"
    assert keys[1] == "volunteer_number"
    assert [r[1] for r in rows] == [volunteer["volunteer_number"]]
    assert rows[0][keys.index("hours")] == 2


def test_every_kind_exports_for_an_admin(api: Api, team: dict[str, Any]) -> None:
    volunteer = served_volunteer(api, team["id"])
    added = api.as_admin(
        "POST",
        f"/v1/teams/{team['id']}/members",
        json={"volunteer_id": volunteer["id"]},
    )
    assert added.status_code == 201, added.text
    params = {
        "unit_id": str(api.district.center),
        "min_position": added.json()["position"],
    }
    for kind in ExportKind:
        response = api.call(
            "GET", f"/v1/exports/{kind}", api.tokens["admin"], params=params
        )
        labels, keys, *rows = rows_of(response)
        assert keys == [key for key, _ in EXPORTS[kind].columns], kind
        assert len(labels) == len(keys)
        if kind is ExportKind.ROSTERS:
            (member,) = rows
            assert member[keys.index("team_name")] == "双泉环保队"
            assert (
                member[keys.index("volunteer_number")] == volunteer["volunteer_number"]
            )


def test_the_period_bounds_what_is_exported(api: Api) -> None:
    volunteer = served_volunteer(api)
    params = {
        "unit_id": str(api.district.station),
        "min_position": volunteer["position"],
        "from": "2025-01-01",
        "to": "2025-12-31",
    }
    response = api.call("GET", "/v1/exports/hours", api.tokens["admin"], params=params)
    assert rows_of(response)[2:] == []
    this_year = api.call(
        "GET",
        "/v1/exports/hours",
        api.tokens["admin"],
        params={k: v for k, v in params.items() if k not in ("from", "to")},
    )
    assert len(rows_of(this_year)[2:]) == 1


def test_the_assessment_exports_as_csv_and_xlsx(api: Api) -> None:
    station = api.district.station
    year = datetime.now(UTC).year
    api.as_admin(
        "PUT", f"/v1/units/{station}/populations/{year}", json={"population": 9}
    )
    volunteer = served_volunteer(api)
    params = {
        "unit_id": str(station),
        "year": year,
        "min_position": volunteer["position"],
    }
    response = api.call(
        "GET", "/v1/exports/assessment", api.tokens["admin"], params=params
    )
    labels, keys, *rows = rows_of(response)
    assert "指标" in labels
    assert "code" in keys
    codes = [row[keys.index("code")] for row in rows]
    assert "volunteer_share" in codes
    workbook = api.call(
        "GET",
        "/v1/exports/assessment",
        api.tokens["admin"],
        params={**params, "format": "xlsx"},
    )
    assert workbook.status_code == 200, workbook.text
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert book.sheetnames[0] == "考核指标"
    assert len(book.sheetnames) > 1


def test_only_staff_in_scope_and_auditors_export(api: Api) -> None:
    params = {"unit_id": str(api.district.station)}
    outsider = api.call(
        "GET", "/v1/exports/hours", api.tokens["outsider"], params=params
    )
    assert_problem(outsider, 403, "unit_scope")
    for role in (Role.RESIDENT, Role.VOLUNTEER):
        scope = {"volunteer_id": uuid4()} if role is Role.VOLUNTEER else {}
        denied = api.call(
            "GET", "/v1/exports/rosters", api.token(role, **scope), params=params
        )
        assert_problem(denied, 403, "forbidden")


def test_bad_export_queries_are_problems_naming_the_field(api: Api) -> None:
    admin = api.tokens["admin"]
    station = str(api.district.station)

    def problem(path: str, params: dict[str, Any], rule: str, field: str) -> None:
        response = api.call("GET", path, admin, params=params)
        assert_problem(response, 422, rule, field)

    hours = "/v1/exports/hours"
    unknown = "00000000-0000-4000-8000-000000000000"
    problem(hours, {"unit_id": unknown}, "unit_exists", "unit_id")
    period = {"unit_id": station, "from": "2026-05-02", "to": "2026-05-01"}
    problem(hours, period, "period_order", "to")
    problem(
        hours, {"unit_id": station, "from": "0001-01-01"}, "instant_in_range", "from"
    )
    problem(hours, {"unit_id": station, "to": "9999-12-31"}, "instant_in_range", "to")
    problem(hours, {"unit_id": station, "format": "pdf"}, "enum", "format")
    problem("/v1/exports/guesses", {"unit_id": station}, "enum", "kind")
    problem(
        "/v1/exports/assessment",
        {"unit_id": station, "year": 2026},
        "population_recorded",
        "year",
    )


def test_every_export_query_answers_its_columns_in_order(api: Api) -> None:
    """Rows are passed on by position: each query's columns are its keys."""
    rows = api.container.exports.rows
    params = {"unit": api.district.center, "start": datetime.now(UTC), "end": None}
    with api.container.db.pool.connection() as conn, conn.cursor() as cur:
        for kind, export in EXPORTS.items():
            cur.execute(rows.query(export), params)
            names = [column.name for column in cur.description or []]
            assert names == [key for key, _ in export.columns], kind


def test_coded_values_are_the_words_people_read(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    """Categories, kinds, states and types in Chinese; an activity's hours name
    whom it served (its category's recipients), not the category."""
    coordinator = api.tokens["coordinator"]
    volunteer = served_volunteer(api, team["id"])
    starts = clock.now - timedelta(hours=3)
    activity = api.call(
        "POST",
        "/v1/activities",
        coordinator,
        json={
            "team_id": team["id"],
            "title": "重阳节陪老人包饺子",
            "category": "elderly",
            "subcategory": "companionship",
            "location": "双泉社区日间照料中心",
            "leader": "李队长",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "capacity": 10,
        },
    ).json()
    path = f"/v1/activities/{activity['id']}"
    attend = {"volunteer_id": volunteer["id"]}
    assert api.call("POST", f"{path}/signups", coordinator, json=attend).is_success
    for step in ("checkins", "checkouts"):
        at = {
            **attend,
            "at": (
                starts + timedelta(hours=1 if step == "checkouts" else 0)
            ).isoformat(),
        }
        done = api.call("POST", f"{path}/{step}", coordinator, json=at)
        assert done.is_success, done.text
    closed = api.call("POST", f"{path}/close", coordinator)
    assert closed.status_code == 200, closed.text
    read = {
        "unit_id": str(api.district.station),
        "min_position": closed.json()["position"],
    }

    def export(kind: str) -> list[dict[str, str]]:
        _, keys, *rows = rows_of(
            api.call("GET", f"/v1/exports/{kind}", coordinator, params=read)
        )
        return [dict(zip(keys, row, strict=True)) for row in rows]

    hours = {h["activity_name"]: h for h in export("hours")}
    held = hours["重阳节陪老人包饺子"]
    assert (held["service_recipient"], held["category"]) == ("老年人", "为老")
    (listed,) = export("activities")
    assert (listed["kind"], listed["category"], listed["state"]) == (
        "常规活动",
        "为老",
        "已结项",
    )
    (present,) = export("attendance")
    assert present["status"] == "已出勤"
    rosters = export("rosters")
    assert {r["service_type"] for r in rosters} <= {"卫生环保"}
