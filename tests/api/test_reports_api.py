"""The assessment over HTTP: figures, who may read it, and every bad query as a
422 problem naming its field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from domain.access import Role
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body

YEAR = datetime.now(UTC).year
PATH = "/v1/reports/assessment"
CHINA = timezone(timedelta(hours=8))


def station_with_population(api: Api) -> int:
    station = api.district.station
    recorded = api.as_admin(
        "PUT", f"/v1/units/{station}/populations/{YEAR}", json={"population": 10}
    )
    assert recorded.status_code == 200, recorded.text
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(station)
    ).json()
    hours = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/hours",
        json=hours_body(station, category="elderly", subcategory="companionship"),
    )
    assert hours.status_code == 201, hours.text
    return int(hours.json()["position"])


def query(api: Api, **params: Any) -> dict[str, Any]:
    return {"unit_id": str(api.district.station), "year": YEAR, **params}


def test_a_coordinator_reads_its_stations_assessment_from_either_source(
    api: Api,
) -> None:
    position = station_with_population(api)
    coordinator = api.tokens["coordinator"]
    for source in ("read_models", "event_log"):
        response = api.call(
            "GET",
            PATH,
            coordinator,
            params=query(api, min_position=position, source=source),
        )
        assert response.status_code == 200, response.text
        report = response.json()
        (station,) = report["units"]
        share = next(t for t in station["targets"] if t["code"] == "volunteer_share")
        assert (share["numerator"], share["denominator"], share["status"]) == (
            1,
            10,
            "not_met",
        )
        assert share["value"] == 0.1
        assert report["source"] == source
        assert [c["category"] for c in report["hours"]] == ["elderly"]
        assert report["star_levels"]["0"] == 1


def test_bad_queries_are_problems_naming_the_field(api: Api) -> None:
    position = station_with_population(api)
    admin = api.tokens["admin"]
    after = {"min_position": position}

    def problem(params: dict[str, Any], rule: str, field: str) -> None:
        response = api.call("GET", PATH, admin, params={**after, **params})
        assert_problem(response, 422, rule, field)

    problem(
        query(api, unit_id="00000000-0000-4000-8000-000000000000"),
        "unit_exists",
        "unit_id",
    )
    problem(query(api, year=9999), "year_in_range", "year")
    problem(query(api, year=10**30), "year_in_range", "year")
    problem(query(api, year=YEAR - 1), "population_recorded", "year")
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    problem(query(api, as_of=later), "instant_in_range", "as_of")
    problem(query(api, as_of="yesterday"), "as_of_format", "as_of")
    problem(query(api, source="guess"), "enum", "source")


def test_only_staff_in_scope_and_auditors_read_it(api: Api) -> None:
    position = station_with_population(api)
    params = query(api, min_position=position)
    outsider = api.call("GET", PATH, api.tokens["outsider"], params=params)
    assert_problem(outsider, 403, "unit_scope")
    resident = api.call("GET", PATH, api.token(Role.RESIDENT), params=params)
    assert_problem(resident, 403, "forbidden")
    assert (
        api.call("GET", PATH, api.tokens["auditor"], params=params).status_code == 200
    )


UNIT_READS = [
    ("/v1/reports/assessment", {"year": 2026}),
    ("/v1/reports/uninsured", {"from": "2026-05-01", "to": "2026-05-31"}),
    ("/v1/reports/trainings", {"year": 2026}),
    ("/v1/exports/assessment", {"year": 2026}),
    ("/v1/exports/hours", {}),
    ("/v1/volunteers", {}),
    ("/v1/correction-requests", {}),
    ("/v1/awards", {}),
    ("/v1/certificates", {}),
    ("/v1/insurance-policies", {}),
    ("/v1/logins", {}),
    ("/v1/projects", {}),
    ("/v1/volunteer-registrations", {}),
]


@pytest.mark.parametrize(("path", "params"), UNIT_READS, ids=[p for p, _ in UNIT_READS])
def test_every_report_and_list_answers_an_unknown_unit_as_the_assessment_does(
    api: Api, path: str, params: dict[str, Any]
) -> None:
    for token in (api.tokens["admin"], api.tokens["auditor"]):
        unknown = api.call("GET", path, token, params={**params, "unit_id": uuid4()})
        assert_problem(unknown, 422, "unit_exists", "unit_id")


def test_a_team_owes_activities_from_the_month_it_was_founded(api: Api) -> None:
    """2025, recorded after the fact: a team founded in January that skipped
    March misses both targets, one that held nothing too; a team founded in
    April owes nine and one a month from April (what it held before it was
    founded does not count), and meets both; one founded in October owes three;
    one founded this year is not in 2025's report."""
    coordinator = api.tokens["coordinator"]
    station = str(api.district.station)
    populated = api.as_admin(
        "PUT", f"/v1/units/{station}/populations/2025", json={"population": 10}
    )
    assert populated.status_code == 200, populated.text

    def team(name: str, founded_on: str | None) -> str:
        body = {"name": name, "unit_id": station, "service_type": "elderly_care"}
        if founded_on:
            body["founded_on"] = founded_on
        made = api.call("POST", "/v1/teams", coordinator, json=body)
        assert made.status_code == 201, made.text
        assert made.json()["founded_on"] == (founded_on or "2026-06-01")
        return str(made.json()["id"])

    def held(team_id: str, months: list[int]) -> int:
        for month in months:
            starts = datetime(2025, month, 10, 9, tzinfo=CHINA)
            published = api.call(
                "POST",
                "/v1/activities",
                coordinator,
                json={
                    "team_id": team_id,
                    "title": f"{month}月助老",
                    "category": "elderly",
                    "location": "双泉社区",
                    "leader": "李队长",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=2)).isoformat(),
                    "capacity": 5,
                },
            )
            assert published.status_code == 201, published.text
            path = f"/v1/activities/{published.json()['id']}/close"
            closed = api.call("POST", path, coordinator)
            assert closed.status_code == 200, closed.text
        return int(closed.json()["position"])

    skipped_march = team("一月成立队", "2025-01-01")
    idle = team("无活动队", "2025-01-05")
    april = team("四月成立队", "2025-04-01")
    october = team("十月成立队", "2025-10-01")
    team("今年成立队", None)
    held(skipped_march, [m for m in range(1, 13) if m != 3])
    held(april, [2, *range(4, 13)])  # February's is before it was founded
    position = held(october, [10, 11])
    as_of = datetime.now(UTC).isoformat()  # after every write
    params = query(api, year=2025, min_position=position, as_of=as_of)
    reports = [
        api.call("GET", PATH, coordinator, params=params | {"source": s}).json()
        for s in ("read_models", "event_log")
    ]
    assert reports[0] == reports[1] | {"source": "read_models"}, reports[0]
    (unit,) = reports[0]["units"]
    targets = {t["code"]: t for t in unit["targets"]}
    for code in ("team_monthly", "team_activities"):
        assert (targets[code]["numerator"], targets[code]["denominator"]) == (1, 4)
    short = {
        t["team_id"]: (t["activities"], t["due"]) for t in unit["teams_below_standard"]
    }
    assert short == {skipped_march: (11, 12), idle: (0, 12), october: (2, 3)}


def test_a_founding_day_is_bounded_like_other_days(api: Api) -> None:
    body = {
        "name": "未来队",
        "unit_id": str(api.district.station),
        "service_type": "elderly_care",
    }
    for day in ("1999-12-31", "2026-06-02"):
        refused = api.call(
            "POST",
            "/v1/teams",
            api.tokens["coordinator"],
            json=body | {"founded_on": day},
        )
        assert_problem(refused, 422, "instant_in_range", "founded_on")
