"""Accident insurance and training records over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import openpyxl
import pytest

from domain.access import Role
from entrypoints import cli
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body
from tests.conftest import NOW, Clock, event_count

POLICY = {
    "insurer": "中国人寿新泰支公司",
    "policy_number": "P2026370982000123",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
}


def serving_volunteer(api: Api, serial: int, hours_ago: tuple[int, ...]) -> str:
    """A volunteer of the station with a 3-hour entry starting at each of
    `hours_ago` (200 h before NOW is 24 May, 30 h is 31 May, China time)."""
    body = volunteer_body(api.district.station, serial=serial)
    volunteer = api.as_admin("POST", "/v1/volunteers", json=body).json()
    for ago in hours_ago:
        entry = hours_body(api.district.station, hours_ago=ago, minutes=180)
        recorded = api.as_admin(
            "POST", f"/v1/volunteers/{volunteer['id']}/hours", json=entry
        )
        assert recorded.status_code == 201, recorded.text
    return str(volunteer["id"])


def register_policy(api: Api, **changes: Any) -> Any:
    body = {"unit_id": str(api.district.station), **POLICY, **changes}
    return api.call(
        "POST", "/v1/insurance-policies", api.tokens["coordinator"], json=body
    )


def cover(api: Api, policy: str, volunteers: list[str], **body: Any) -> Any:
    return api.call(
        "POST",
        f"/v1/insurance-policies/{policy}/cover",
        api.tokens["coordinator"],
        json={"volunteer_ids": volunteers, **body},
    )


def held_training(api: Api, team: dict[str, Any], clock: Clock, volunteer: str) -> str:
    """A training of the team the volunteer attended, over and ready to close;
    its path."""
    published = api.call(
        "POST",
        "/v1/activities",
        api.tokens["coordinator"],
        json={
            "team_id": team["id"],
            "title": "志愿服务骨干集中培训",
            "kind": "training",
            "category": "public",
            "location": "新时代文明实践所",
            "leader": "王老师",
            "starts_at": (NOW - timedelta(minutes=10)).isoformat(),
            "ends_at": (NOW + timedelta(hours=2)).isoformat(),
            "capacity": 50,
        },
    ).json()
    path = f"/v1/activities/{published['id']}"
    for step in ("signups", "checkins"):
        api.call(
            "POST",
            f"{path}/{step}",
            api.tokens["coordinator"],
            json={"volunteer_id": volunteer},
        )
    clock.advance(timedelta(hours=3))
    return path


def test_the_report_names_who_served_on_days_without_cover(api: Api) -> None:
    covered = serving_volunteer(api, 1, (200, 30))
    never = serving_volunteer(api, 2, (200, 30))
    late = serving_volunteer(api, 3, (200, 30))
    policy = register_policy(api)
    assert policy.status_code == 201, policy.text
    policy_id = policy.json()["id"]
    named = cover(api, policy_id, [covered], from_day="2026-01-01")
    assert named.json()["changed"] == [covered], named.text
    late_cover = cover(api, policy_id, [late], from_day="2026-05-28")
    again = cover(api, policy_id, [covered, late])
    assert (again.json()["changed"], again.json()["covered"]) == ([], 2)

    # Naming them again recorded nothing: read after the last cover that did.
    read = {"min_position": late_cover.json()["position"]}
    report = api.call(
        "GET",
        "/v1/reports/uninsured",
        api.tokens["coordinator"],
        params={"from": "2026-05-01", "to": "2026-05-31", **read},
    )
    assert report.status_code == 200, report.text
    rows = {r["volunteer_id"]: r for r in report.json()}
    assert set(rows) == {never, late}
    assert (rows[never]["entries"], rows[never]["hours"]) == (2, 6.0)
    assert (rows[late]["entries"], rows[late]["first_day"]) == (1, "2026-05-24")

    released = api.call(
        "POST",
        f"/v1/insurance-policies/{policy_id}/release",
        api.tokens["coordinator"],
        json={"volunteer_ids": [covered], "on_day": "2026-05-26"},
    )
    assert released.json()["covered"] == 1, released.text
    read = {"min_position": released.json()["position"]}
    after = api.call(
        "GET",
        "/v1/reports/uninsured",
        api.tokens["auditor"],
        params={"from": "2026-05-01", "to": "2026-05-31", **read},
    ).json()
    assert {r["volunteer_id"]: r["first_day"] for r in after}[covered] == "2026-05-31"
    mine = api.token(Role.VOLUNTEER, volunteer_id=UUID(covered))
    stretches = api.call("GET", f"/v1/volunteers/{covered}/insurance", mine).json()
    assert [(s["from_day"], s["to_day"]) for s in stretches] == [
        ("2026-01-01", "2026-05-26")
    ]
    detail = api.call(
        "GET", f"/v1/insurance-policies/{policy_id}", api.tokens["coordinator"]
    ).json()
    assert (detail["covered"], len(detail["cover"])) == (1, 2)


def test_policy_numbers_are_unique_and_cover_stays_in_scope(api: Api) -> None:
    policy_id = register_policy(api).json()["id"]
    duplicate = register_policy(api, starts_on="2026-02-01")
    assert_problem(duplicate, 409, "policy_number_unique", "policy_number")
    outside = api.as_admin(
        "POST",
        "/v1/volunteers",
        json=volunteer_body(api.district.other_institute, serial=9),
    ).json()
    refused = cover(api, policy_id, [outside["id"]])
    assert_problem(refused, 422, "volunteer_in_unit", "volunteer_ids")
    inside = serving_volunteer(api, 4, ())
    not_named = api.call(
        "POST",
        f"/v1/insurance-policies/{policy_id}/release",
        api.tokens["coordinator"],
        json={"volunteer_ids": [inside]},
    )
    assert_problem(not_named, 409, "volunteer_covered", "volunteer_ids")
    elsewhere = api.call(
        "POST",
        f"/v1/insurance-policies/{policy_id}/cover",
        api.tokens["outsider"],
        json={"volunteer_ids": [inside]},
    )
    assert_problem(elsewhere, 403, "unit_scope")


def test_bad_policies_and_report_queries_name_the_field(
    api: Api, database_url: str
) -> None:
    before = event_count(database_url)
    for change, field in [
        ({"ends_on": "2025-12-31"}, "ends_on"),
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"insurer": " "}, "insurer"),
        ({"ends_on": "2040-01-01"}, "ends_on"),
    ]:
        response = register_policy(api, **change)
        assert response.status_code == 422, (change, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}
    assert event_count(database_url) == before
    for params, field in [
        ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
        ({"from": "0001-01-01", "to": "2026-05-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-05-01"}, "to"),
        ({"from": "2026-05-01", "to": "9999-12-31"}, "to"),
    ]:
        response = api.as_admin("GET", "/v1/reports/uninsured", params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}


def test_a_volunteer_has_a_training_record(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    volunteer = serving_volunteer(api, 5, ())
    path = held_training(api, team, clock, volunteer)
    activity_id = path.rsplit("/", 1)[1]
    closed = api.call("POST", f"{path}/close", api.tokens["coordinator"])
    read = {"min_position": closed.json()["position"]}
    mine = api.token(Role.VOLUNTEER, volunteer_id=UUID(volunteer))
    record = api.call(
        "GET", f"/v1/volunteers/{volunteer}/trainings", mine, params=read
    ).json()
    assert [(t["title"], t["status"]) for t in record] == [
        ("志愿服务骨干集中培训", "attended")
    ]
    trainings = api.call(
        "GET", "/v1/activities", mine, params={"kind": "training", **read}
    ).json()
    assert [a["id"] for a in trainings] == [activity_id]
    assert (
        api.call("GET", "/v1/activities", mine, params={"kind": "family"}).json() == []
    )


def test_the_cli_writes_the_uninsured_report_as_csv_and_xlsx(
    api: Api, cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serving_volunteer(api, 1, (200,))
    args = ["report", "uninsured", "--from", "2026-05-01", "--to", "2026-05-31"]
    assert cli.main(args) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("志愿者编号,姓名")  # the header people read
    keys = lines[1].split(",")
    assert keys[:2] == ["volunteer_number", "name_masked"]
    (row,) = [dict(zip(keys, line.split(","), strict=True)) for line in lines[2:]]
    assert (row["entries"], row["hours"]) == ("1", "3")  # not covered at all
    workbook = tmp_path / "uninsured.xlsx"
    assert cli.main([*args, "--format", "xlsx", "--output", str(workbook)]) == 0
    sheet = openpyxl.load_workbook(workbook).active
    assert sheet is not None
    assert sheet.max_row == 3
    assert cli.main([*args[:-1], "2026-04-01"]) == 2  # to before from
    capsys.readouterr()
    assert cli.main([*args, "--unit", str(uuid4())]) == 2  # no such unit
    assert "unit_exists" in capsys.readouterr().err


def test_the_training_report_counts_trainings_and_who_attended_per_unit(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    volunteer = serving_volunteer(api, 6, ())
    coordinator = api.tokens["coordinator"]
    members = f"/v1/teams/{team['id']}/members"
    assert api.call("POST", members, coordinator, json={"volunteer_id": volunteer})
    leader = api.call(
        "PUT",
        f"/v1/teams/{team['id']}/leader",
        coordinator,
        json={"volunteer_id": volunteer},
    )
    assert leader.status_code == 200, leader.text
    serving_volunteer(api, 7, ())  # registered, never trained
    path = held_training(api, team, clock, volunteer)
    closed = api.call("POST", f"{path}/close", coordinator)
    read = {"min_position": closed.json()["position"]}
    params = {"unit_id": str(api.district.institute), "year": 2026, **read}
    report = api.call("GET", "/v1/reports/trainings", coordinator, params=params)
    assert report.status_code == 200, report.text
    rows = {r["unit_name"]: r for r in report.json()}
    assert set(rows) == {"艾山所", "双泉站"}
    station = rows["双泉站"]
    assert (station["trainings_held"], station["volunteers"]) == (1, 2)
    assert (station["volunteers_trained"], station["team_leaders_trained"]) == (1, 1)
    assert rows["艾山所"]["trainings_held"] == 0
    earlier = api.call(
        "GET", "/v1/reports/trainings", coordinator, params={**params, "year": 2025}
    ).json()
    assert {r["unit_name"]: r["volunteers_trained"] for r in earlier}["双泉站"] == 0
    far = api.call(
        "GET", "/v1/reports/trainings", coordinator, params={**params, "year": 2100}
    )
    assert_problem(far, 422, "year_in_range", "year")
    elsewhere = api.call(
        "GET", "/v1/reports/trainings", api.tokens["outsider"], params=params
    )
    assert_problem(elsewhere, 403, "unit_scope")
