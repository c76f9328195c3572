"""Prometheus metrics at /metrics, request ids and the access log, through the app."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra import logs
from projections import all_projections
from tests.api.conftest import Api, volunteer_body, volunteer_with_hours

HOURS = "/v1/volunteers/{volunteer_id}/hours"


def scrape(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the page, by name and labels."""
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def requests(samples: dict, route: str, status: str, method: str = "POST") -> float:  # type: ignore[type-arg]
    key = (
        "vledger_http_requests_total",
        (("method", method), ("route", route), ("status", status)),
    )
    return samples.get(key, 0.0)


def test_requests_are_counted_by_route_template_and_status(api: Api) -> None:
    before = scrape(api)
    volunteer = volunteer_with_hours(api, (30, 20))
    refused = api.as_admin(
        "POST", f"/v1/volunteers/{volunteer['id']}/hours", json={"unit_id": "x"}
    )
    assert refused.status_code == 422
    api.client.get("/no/such/page")
    after = scrape(api)
    assert requests(after, HOURS, "201") - requests(before, HOURS, "201") == 2
    assert requests(after, HOURS, "422") - requests(before, HOURS, "422") == 1
    assert requests(after, "unmatched", "404", "GET") > requests(
        before, "unmatched", "404", "GET"
    )
    count = (
        "vledger_http_request_duration_seconds_count",
        (("method", "POST"), ("route", HOURS)),
    )
    assert after[count] - before.get(count, 0) == 3
    batches = ("vledger_group_commit_batch_events_count", ())
    assert after[batches] > before.get(batches, 0)


def test_the_ledger_state_is_read_at_scrape_time(api: Api) -> None:
    created = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    api.as_admin(
        "GET",
        f"/v1/volunteers/{created['id']}",
        params={"min_position": created["position"]},
    )
    api.call("GET", "/v1/audit/chain", api.tokens["auditor"])
    samples = scrape(api)
    head = samples[("vledger_event_store_head", ())]
    assert head >= created["position"]
    for projection in all_projections():
        labels = (("projection", projection.name),)
        assert samples[("vledger_projection_position", labels)] == head
        assert samples[("vledger_projection_lag_events", labels)] == 0
        assert samples[("vledger_projection_dead_letters", labels)] == 0
    assert samples[("vledger_chain_head", ())] == head
    assert samples[("vledger_chain_verified_through", ())] == head
    assert samples[("vledger_chain_intact", ())] == 1
    assert ("vledger_relay_lag_events", ()) not in samples  # in-process feed


def test_a_lagging_projection_shows_its_lag(api: Api) -> None:
    api.container.leadership.stop()  # the projector with it
    created = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    samples = scrape(api)
    lagging = samples[
        ("vledger_projection_lag_events", (("projection", "volunteers"),))
    ]
    assert lagging >= 1
    assert samples[("vledger_event_store_head", ())] >= created["position"]


def test_every_response_carries_a_request_id_and_a_sane_client_one_is_kept(
    api: Api,
) -> None:
    first, second = api.client.get("/health"), api.client.get("/health")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    chosen = api.client.get("/health", headers={"X-Request-ID": "kiosk-7.42"})
    assert chosen.headers["x-request-id"] == "kiosk-7.42"
    for unsafe in (b"a b", b"x" * 65, "注入".encode(), b"a\\b"):
        answered = api.client.get("/health", headers={"X-Request-ID": unsafe})
        assert re.fullmatch("[0-9a-f]{32}", answered.headers["x-request-id"])
    problem = api.as_admin("POST", "/v1/volunteers", json={})
    assert problem.status_code == 422
    assert problem.headers["x-request-id"]


@contextmanager
def json_logs() -> Iterator[None]:
    """Log lines as JSON for a while (the root logger as it was after)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("json")
    try:
        yield
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def access_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    return [line for line in lines if line["logger"] == "vledger.access"]


def test_log_lines_are_json_with_the_request_id(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs():
        api.client.get("/health", headers={"X-Request-ID": "trace-1"})
    access = access_lines(capsys)
    assert access
    assert access[-1]["request_id"] == "trace-1"
    assert access[-1]["status"] == 200
    assert access[-1]["message"] == "GET /health 200"
    assert access[-1]["level"] == "INFO"
    assert access[-1]["time"].endswith("+00:00")


def test_a_path_of_no_route_is_named_in_the_log_line_not_in_the_metrics(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    with json_logs():
        docs = api.client.get("/docs")
        asset = re.search(r'src="(/[^"]+\.js)"', docs.text)
        assert asset is not None, docs.text[:500]
        served = api.client.get(asset.group(1))
        assert served.status_code == 200
        api.client.get("/no/such/page%0D%0Aforged%20line?q=secret")
    access = [line["message"] for line in access_lines(capsys)]
    assert f"GET {asset.group(1)} 200" in access
    assert "GET /no/such/page%0D%0Aforged%20line 404" in access  # no query string
    scraped = api.client.get("/metrics").text
    assert asset.group(1) not in scraped
