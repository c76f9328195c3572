"""Several API processes against one database, as a district runs them on several
machines or with `vledger serve --workers N`: requests spread over the processes
still spend each point once and apply a retried request once, and exactly one
process runs the projector and the sweeper, another taking over when it dies."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from application.services import Container
from domain.access import Actor, Role
from infra.settings import Settings
from tests.api.conftest import hours_body
from tests.broker import free_port
from tests.integration.helpers import make_district, register
from tests.integration.test_redemptions import funded, item

VLEDGER = [sys.executable, "-m", "entrypoints.cli"]
LEADS = re.compile(r"process (\d+) leads the background work")


class Served:
    """`vledger serve` in a process of its own, on the test's database."""

    def __init__(self, settings: Settings, log: Path, workers: int = 1) -> None:
        assert settings.database_url is not None
        assert settings.master_key is not None
        self.log = log
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
        env |= {
            "VLEDGER_HOME": str(settings.home),
            "VLEDGER_DATABASE_URL": settings.database_url.get_secret_value(),
            "VLEDGER_MASTER_KEY": settings.master_key.get_secret_value(),
        }
        port = self.url.rsplit(":", 1)[1]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [*VLEDGER, "serve", "--port", port, "--workers", str(workers)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "vledger serve did not start"
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def leaders(self) -> list[int]:
        return [int(p) for p in LEADS.findall(self.log.read_text(encoding="utf-8"))]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture
def serve(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(workers: int = 1) -> Served:
        served = Served(settings, tmp_path / f"serve-{len(started)}.log", workers)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def redeem(url: str, token: str, volunteer: UUID, goods: UUID, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {
        "volunteer_id": str(volunteer),
        "items": [{"item_id": str(goods), "quantity": 1}],
    }
    while True:
        answer = httpx.post(
            f"{url}/v1/redemptions", json=body, headers=headers, timeout=60
        )
        if answer.status_code != 503:  # busy: a kiosk tries again
            return answer


def race(urls: list[str], count: int, send: Callable[[str], Any]) -> list[Any]:
    """`count` requests at once, spread in turn over the processes."""
    answers: list[Any] = []
    barrier = threading.Barrier(count)

    def one(n: int) -> None:
        barrier.wait()
        answers.append(send(urls[n % len(urls)]))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.fixture
def shop(make_container: Callable[..., Container], admin: Actor) -> dict[str, Any]:
    container = make_container()
    district = make_district(container, admin)
    volunteer = funded(container, admin, district, hours=10)  # 100 points
    goods = item(container, admin, district, price=30, stock=40)
    token = container.tokens.issue(Role.VOLUNTEER, "本人", volunteer_id=volunteer)
    return {
        "container": container,
        "volunteer": volunteer,
        "goods": goods,
        "token": token.token,
    }


def test_redemptions_raced_over_two_processes_spend_each_point_once(
    serve: Callable[..., Served], shop: dict[str, Any]
) -> None:
    urls = [serve().url, serve().url]
    answers = race(
        urls,
        20,
        lambda url: redeem(url, shop["token"], shop["volunteer"], shop["goods"], None),
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 3 + [409] * 17, [a.text for a in answers]
    refused = [a.json()["rule"] for a in answers if a.status_code == 409]
    assert set(refused) == {"balance_sufficient"}
    container: Container = shop["container"]
    assert container.aggregates.account(shop["volunteer"]).balance == 10
    assert container.store.load(shop["goods"])[shop["goods"]].stock == 37


def test_one_key_sent_to_two_processes_at_once_applies_once(
    serve: Callable[..., Served], shop: dict[str, Any]
) -> None:
    urls = [serve().url, serve().url]

    def send(url: str) -> Any:
        return redeem(url, shop["token"], shop["volunteer"], shop["goods"], "till-7")

    answers = race(urls, 6, send)
    for busy in (a for a in answers if a.status_code != 201):
        assert busy.status_code == 409
        assert busy.json()["rule"] == "idempotency_key_not_in_progress"
    settled = send(urls[0])
    assert settled.status_code == 201
    assert {a.text for a in answers if a.status_code == 201} <= {settled.text}
    assert send(urls[1]).text == settled.text
    container: Container = shop["container"]
    assert container.aggregates.account(shop["volunteer"]).balance == 70


def test_one_worker_projects_and_another_takes_over_when_it_dies(
    serve: Callable[..., Served],
    make_container: Callable[..., Container],
    admin: Actor,
) -> None:
    container = make_container()
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    token = container.tokens.issue(Role.ADMIN, "ops").token
    served = serve(workers=2)
    deadline = time.monotonic() + 60
    while not served.leaders():
        assert time.monotonic() < deadline, "no worker leads"
        time.sleep(0.1)
    time.sleep(3)  # the other worker tries for the lock meanwhile, and fails
    [leader] = served.leaders()

    def record_and_read(hours_ago: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(4):  # spread over the workers as their sockets accept
            posted = httpx.post(
                f"{served.url}/v1/volunteers/{volunteer}/hours",
                json=hours_body(district.station, hours_ago=hours_ago, minutes=60),
                headers=headers,
                timeout=60,
            )
            assert posted.status_code == 201, posted.text
            hours_ago += 2
            read = httpx.get(
                f"{served.url}/v1/volunteers/{volunteer}",
                params={"min_position": posted.json()["position"]},
                headers=headers,
                timeout=60,
            )
            assert read.status_code == 200, read.text

    record_and_read(hours_ago=100)
    os.kill(leader, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while len(served.leaders()) < 2:
        assert time.monotonic() < deadline, "no worker took over"
        time.sleep(0.1)
    assert served.leaders()[-1] != leader
    record_and_read(hours_ago=200)
    held = container.db.fetch_one(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' "
        "AND objid = %s AND granted",
        (715_220_002,),
    )
    assert held is not None
    assert held["n"] == 1
    summary = container.reads.volunteer(volunteer)
    assert summary is not None
    assert summary["verified_hours"] == 8


def test_a_token_revoked_by_another_process_stops_there_soon(
    serve: Callable[..., Served], make_container: Callable[..., Container]
) -> None:
    container = make_container()
    issued = container.tokens.issue(Role.ADMIN, "ops")
    served = serve()
    headers = {"Authorization": f"Bearer {issued.token}"}
    for _ in range(3):  # read once, then from the process's cache
        answer = httpx.get(f"{served.url}/v1/units", headers=headers, timeout=60)
        assert answer.status_code == 200, answer.text
    assert container.tokens.revoke(issued.actor.token_id)
    deadline = time.monotonic() + 30  # the cache trusts a token for one second
    while (
        httpx.get(f"{served.url}/v1/units", headers=headers, timeout=60).status_code
        != 401
    ):
        assert time.monotonic() < deadline, "the revoked token still works"
        time.sleep(0.1)


def answering_processes(log: Path) -> set[int]:
    """The workers whose access log shows a /health request answered."""
    lines = log.read_text(encoding="utf-8").splitlines()
    return {
        entry["process"]
        for entry in (json.loads(line) for line in lines if line.startswith("{"))
        if entry.get("message") == "GET /health 200"
    }


def health_count(url: str) -> float:
    page = httpx.get(f"{url}/metrics", timeout=60).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
        if sample.name == "vledger_http_requests_total"
        and sample.labels == {"method": "GET", "route": "/health", "status": "200"}
    )


def test_a_scrape_of_any_worker_counts_the_requests_of_every_worker(
    serve: Callable[..., Served],
) -> None:
    served = serve(workers=2)
    sent = 1  # the start's own health check
    deadline = time.monotonic() + 120
    while len(answering_processes(served.log)) < 2:
        assert time.monotonic() < deadline, "one worker answered every request"
        assert httpx.get(f"{served.url}/health", timeout=60).status_code == 200
        sent += 1
    for _ in range(6):  # the scrapes too are spread over the workers
        assert health_count(served.url) >= sent
