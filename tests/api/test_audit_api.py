"""Audit views over HTTP: the log with its chain, streams, as-of reads, replays."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import uuid4

import pytest

from tests.api.conftest import Api, assert_problem, volunteer_with_hours


@pytest.fixture
def served(api: Api) -> dict[str, Any]:
    """A volunteer with two entries of hours."""
    return volunteer_with_hours(api, (30, 10))


def audit(api: Api, method: str, path: str, **kwargs: Any) -> Any:
    return api.call(method, f"/v1/audit{path}", api.tokens["auditor"], **kwargs)


def test_the_log_pages_by_notification_id_and_each_event_links_to_the_last(
    api: Api, served: dict[str, Any]
) -> None:
    first = audit(api, "GET", "/events", params={"limit": 5}).json()
    second = audit(
        api, "GET", "/events", params={"after": first[-1]["notification_id"]}
    ).json()
    events = first + second
    assert [e["notification_id"] for e in events] == sorted(
        {e["notification_id"] for e in events}
    )
    assert events[0]["prev_hash"] == "0" * 64
    for before, after in pairwise(events):
        assert after["prev_hash"] == before["hash"]
    head = audit(api, "GET", "/chain").json()
    assert head["intact"] is True
    assert head["head_hash"] == events[-1]["hash"]
    assert head["verified_through"] == events[-1]["notification_id"]


def test_a_stream_shows_every_event_of_one_aggregate_with_actor_and_time(
    api: Api, served: dict[str, Any]
) -> None:
    stream = audit(api, "GET", f"/streams/{served['id']}").json()
    assert [e["type"] for e in stream] == [
        "Volunteer.Registered",
        "Volunteer.HoursRecorded",
        "Volunteer.HoursRecorded",
    ]
    assert all(e["actor"].startswith("admin:") for e in stream)
    assert stream[0]["data"]["name_masked"] == "王**"
    assert "王小明" not in str(stream)
    missing = audit(api, "GET", f"/streams/{uuid4()}")
    assert_problem(missing, 404, "aggregate_exists")


def test_hours_as_of_a_time_follow_what_was_on_record_then(
    api: Api, served: dict[str, Any]
) -> None:
    now = audit(api, "GET", f"/volunteers/{served['id']}").json()
    assert (now["verified_hours"], now["points_balance"], now["live_entries"]) == (
        6,
        60,
        2,
    )
    long_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    before = audit(
        api, "GET", f"/volunteers/{served['id']}", params={"as_of": long_ago}
    )
    assert_problem(before, 404, "volunteer_exists")
    bad = audit(api, "GET", f"/volunteers/{served['id']}", params={"as_of": "soon"})
    assert_problem(bad, 422, "as_of_format", "as_of")


def test_a_replay_matches_the_live_read_models(
    api: Api, served: dict[str, Any]
) -> None:
    replayed = audit(api, "POST", "/replays", json={})
    assert replayed.status_code == 200, replayed.text
    body = replayed.json()
    assert body["compared"] is True
    assert body["differences_from_live"] == []
    mine = [s for s in body["star_levels"] if s["volunteer_id"] == served["id"]]
    assert [(s["verified_hours"], s["points_balance"]) for s in mine] == [(6, 60)]
    past = audit(api, "POST", "/replays", json={"as_of": "2020-01-01"}).json()
    assert (past["compared"], past["star_levels"], past["balances"]) == (False, [], [])


@pytest.mark.parametrize("who", ["coordinator", "outsider"])
def test_audit_views_are_for_auditors_and_admins_only(api: Api, who: str) -> None:
    for method, path in (
        ("GET", "/v1/audit/events"),
        ("GET", "/v1/audit/export"),
        ("GET", "/v1/audit/chain"),
        ("POST", "/v1/audit/replays"),
    ):
        refused = api.call(method, path, api.tokens[who], json={})
        assert_problem(refused, 403, "forbidden")
    assert api.as_admin("GET", "/v1/audit/chain").status_code == 200


def test_the_export_streams_the_log_as_ndjson_with_what_each_link_hashes(
    api: Api, served: dict[str, Any]
) -> None:
    exported = audit(api, "GET", "/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/x-ndjson"
    assert "vledger-log.ndjson" in exported.headers["content-disposition"]
    lines = [json.loads(line) for line in exported.text.splitlines()]
    paged = audit(api, "GET", "/events", params={"limit": 500}).json()
    for line, page in zip(lines, paged, strict=True):  # the same events and fields
        instants = (line.pop("timestamp"), page.pop("timestamp"))
        assert line == page
        assert len({datetime.fromisoformat(t) for t in instants}) == 1
    assert all(base64.b64decode(e["state"]) for e in lines)
    tail = audit(api, "GET", "/export", params={"after": lines[-3]["notification_id"]})
    after = [json.loads(line)["notification_id"] for line in tail.text.splitlines()]
    assert after == [e["notification_id"] for e in lines[-2:]]
