"""Input that Python or Postgres cannot hold is refused as a 4xx naming the field and
the rule, writes nothing, and no value stored before the bounds existed breaks a
read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

import domain.activity
import domain.instants
import domain.order
import domain.volunteer
from domain.access import Role
from tests.api.conftest import Api, assert_problem, hours_body, volunteer_body
from tests.api.test_activities_api import publish
from tests.conftest import NOW, event_count

YEAR_ONE = "0001-01-01T00:00:00+14:00"
YEAR_9999 = "9999-12-31T22:59:59-12:00"


def order_body(api: Api, **changes: Any) -> dict[str, Any]:
    return {
        "category": "elderly",
        "subcategory": "daily_care",
        "title": "帮独居老人打扫卫生",
        "description": "老人行动不便",
        "station_id": str(api.district.station),
        "address": "双泉社区3号楼",
        "window_start": (NOW - timedelta(hours=8)).isoformat(),
        "window_end": (NOW - timedelta(hours=2)).isoformat(),
        **changes,
    }


@pytest.fixture
def volunteer(api: Api) -> dict[str, Any]:
    response = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


# -- instants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"window_start": YEAR_ONE}, "window_start"),
        ({"window_end": YEAR_9999}, "window_end"),
        ({"window_start": "1999-12-31T15:59:59+00:00"}, "window_start"),
        ({"window_end": (NOW + timedelta(days=800)).isoformat()}, "window_end"),
    ],
)
def test_an_order_outside_the_instant_range_is_refused(
    api: Api, database_url: str, changes: dict[str, str], field: str
) -> None:
    resident = api.token(Role.RESIDENT)
    before = event_count(database_url)
    response = api.call("POST", "/v1/orders", resident, json=order_body(api, **changes))
    assert_problem(response, 422, "instant_in_range", field)
    assert event_count(database_url) == before


def test_an_order_planned_within_two_years_is_accepted(api: Api) -> None:
    later = NOW + timedelta(days=700)
    body = order_body(
        api,
        window_start=later.isoformat(),
        window_end=(later + timedelta(hours=2)).isoformat(),
    )
    response = api.call("POST", "/v1/orders", api.token(Role.RESIDENT), json=body)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": YEAR_9999, "ends_at": YEAR_9999}, "starts_at"),
        ({"starts_at": YEAR_ONE}, "starts_at"),
    ],
)
def test_an_activity_outside_the_instant_range_is_refused(
    api: Api,
    team: dict[str, Any],
    database_url: str,
    changes: dict[str, str],
    field: str,
) -> None:
    before = event_count(database_url)
    response = publish(api, team, **changes)
    assert_problem(response, 422, "instant_in_range", field)
    assert event_count(database_url) == before


def test_hours_in_year_one_are_refused(
    api: Api, volunteer: dict[str, Any], database_url: str
) -> None:
    before = event_count(database_url)
    body = hours_body(
        api.district.station,
        started_at=YEAR_ONE,
        ended_at="0001-01-01T02:00:00+14:00",
    )
    response = api.as_admin(
        "POST", f"/v1/volunteers/{volunteer['id']}/hours", json=body
    )
    assert_problem(response, 422, "instant_in_range", "started_at")
    assert event_count(database_url) == before


@pytest.mark.parametrize(
    ("params", "rule"),
    [
        ({"as_of": "9999-12-31"}, "instant_in_range"),
        ({"as_of": "0001-01-01"}, "instant_in_range"),
        ({"as_of": "0001-01-01T01:00:00+14:00"}, "instant_in_range"),
        ({"as_of": "9999-12-31T23:59:59-12:00"}, "instant_in_range"),
        ({"as_of": "2026-13-01"}, "as_of_format"),
    ],
)
def test_an_as_of_outside_the_range_is_422(
    api: Api, volunteer: dict[str, Any], params: dict[str, str], rule: str
) -> None:
    path = f"/v1/audit/volunteers/{volunteer['id']}"
    assert_problem(api.as_admin("GET", path, params=params), 422, rule, "as_of")
    replay = api.as_admin("POST", "/v1/audit/replays", json=params)
    assert_problem(replay, 422, rule, "as_of")


def test_a_certificate_period_before_2000_is_refused(
    api: Api, volunteer: dict[str, Any]
) -> None:
    response = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/certificates",
        json={
            "from": "0001-01-01",
            "to": "2026-05-31",
            "person_in_charge": "李站长",
            "contact": "0634-1",
            "handler": "赵干事",
        },
    )
    assert_problem(response, 422, "instant_in_range", "from")


@pytest.fixture
def before_instants_were_bounded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Writes as the ledger did before it bounded instants, to leave such values in
    the event log the way an older version could have."""
    with monkeypatch.context() as patch:
        patch.setattr(domain.order, "check_window", lambda *_: None)
        patch.setattr(domain.activity, "check_schedule", lambda *_: None)
        for module in (domain.volunteer, domain.instants):
            patch.setattr(module, "check_not_before_earliest", lambda *_: None)
        yield


def test_values_stored_before_the_bounds_never_break_a_read(
    api: Api,
    team: dict[str, Any],
    volunteer: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    resident = api.token(Role.RESIDENT)
    request.getfixturevalue("before_instants_were_bounded")
    order = order_body(api, window_start=YEAR_ONE, window_end=YEAR_9999)
    assert api.call("POST", "/v1/orders", resident, json=order).status_code == 201
    published = publish(
        api, team, starts_at=YEAR_9999, ends_at="9999-12-31T23:59:59-12:00"
    )
    assert published.status_code == 201, published.text
    hours = hours_body(
        api.district.station, started_at=YEAR_ONE, ended_at="0001-01-01T02:00:00+14:00"
    )
    recorded = api.as_admin(
        "POST", f"/v1/volunteers/{volunteer['id']}/hours", json=hours
    )
    assert recorded.status_code == 201, recorded.text
    position = {"min_position": recorded.json()["position"]}

    reads = [
        api.call("GET", "/v1/orders", resident, params=position),
        api.as_admin("GET", "/v1/orders", params=position),
        api.as_admin("GET", "/v1/activities", params=position),
        api.as_admin("GET", f"/v1/volunteers/{volunteer['id']}/hours", params=position),
        api.as_admin("GET", f"/v1/audit/volunteers/{volunteer['id']}"),
    ]
    assert [r.status_code for r in reads] == [200] * len(reads), [r.text for r in reads]
    listed = reads[0].json()
    assert listed[0]["window_start"].startswith("0001-01-01")
    assert listed[0]["window_end"].startswith("9999-12-31")
    certificate = api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/certificates",
        json={
            "from": "2026-01-01",
            "to": "2026-05-31",
            "person_in_charge": "李站长",
            "contact": "0634-1",
            "handler": "赵干事",
        },
    )
    assert_problem(certificate, 409, "hours_on_record")


# -- paging and positions ------------------------------------------------------------


HUGE = "10000000000000000000000"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/volunteers", "offset"),
        ("/v1/orders", "offset"),
        ("/v1/activities", "offset"),
        ("/v1/volunteers", "min_position"),
        ("/v1/audit/events", "after"),
        ("/v1/audit/export", "after"),
    ],
)
def test_a_number_postgres_cannot_hold_is_422(api: Api, path: str, name: str) -> None:
    response = api.as_admin("GET", path, params={name: HUGE})
    assert_problem(response, 422, "less_than_equal", name)


def test_the_largest_offset_postgres_holds_is_an_empty_page(api: Api) -> None:
    response = api.as_admin("GET", "/v1/volunteers", params={"offset": str(2**63 - 1)})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


# -- bodies that cannot be read --------------------------------------------------------


def post_raw(api: Api, content: bytes) -> Any:
    return api.call(
        "POST",
        "/v1/orders",
        api.token(Role.RESIDENT),
        content=content,
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b'{"title": "\xff\xfe"}', "utf8"),
        (b"[" * 100_000 + b"]" * 100_000, "json_depth"),
        (b'{"stock": ' + b"9" * 5000 + b"}", "number_size"),
        (b'{"title": ', "malformed_json"),
    ],
)
def test_an_unreadable_body_is_400_naming_the_body_and_the_rule(
    api: Api, database_url: str, content: bytes, rule: str
) -> None:
    before = event_count(database_url)
    assert_problem(post_raw(api, content), 400, rule, "body")
    assert event_count(database_url) == before


def test_malformed_json_says_where_instead_of_naming_a_byte_offset_as_field(
    api: Api,
) -> None:
    problem = post_raw(api, b'{"title": x}').json()
    assert problem["errors"][0]["field"] == "body"
    assert "at byte 10" in problem["errors"][0]["message"]


@pytest.mark.parametrize(
    ("value", "rule"),
    [("１０", "integer"), (" 5 ", "integer"), ("5", "integer"), (5.0, "integer")],
)
def test_counts_are_json_integers(api: Api, value: Any, rule: str) -> None:
    body = {"station_id": str(api.district.station), "name": "洗衣液"}
    response = api.call(
        "POST",
        "/v1/catalog/items",
        api.tokens["coordinator"],
        json={**body, "price_points": 30, "stock": value},
    )
    assert_problem(response, 422, rule, "stock")


@pytest.mark.parametrize("value", ["１０", " 5 ", "5e1", True])
def test_points_are_json_numbers_or_plain_decimal_strings(api: Api, value: Any) -> None:
    body = {"station_id": str(api.district.station), "name": "洗衣液", "stock": 1}
    response = api.call(
        "POST",
        "/v1/catalog/items",
        api.tokens["coordinator"],
        json={**body, "price_points": value},
    )
    assert_problem(response, 422, "decimal_format", "price_points")
    plain = api.call(
        "POST",
        "/v1/catalog/items",
        api.tokens["coordinator"],
        json={**body, "price_points": "12.50"},
    )
    assert plain.status_code == 201, plain.text
