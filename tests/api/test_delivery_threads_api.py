"""The outbox is sent by threads of their own, which hold no database connection
while a gateway or a receiver is called: with the SMS gateway and five webhook
endpoints accepting connections and never answering, ordinary requests beside them
(staff reads, hours recordings, residents' orders, phone codes) all answer, with a
pool of three connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.access import Actor, Role
from infra import webhooks
from tests.api.conftest import Api, hours_body
from tests.api.test_orders_api import a_loop, order_body
from tests.integration.helpers import make_district
from tests.receiver import SilentReceiver, start_silent_receiver
from tests.waiting import wait_for

ENDPOINTS = 5
THREADS = 4


@pytest.fixture
def silent() -> Iterator[SilentReceiver]:
    receiver = start_silent_receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def hanging_api(
    make_container: Any,
    admin: Actor,
    silent: SilentReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Api]:
    # The calls wait as long as the test needs, not just the usual timeout.
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 120.0)
    container = make_container(
        delivery_threads=THREADS,
        db_pool_size=3,
        sms_gateway_url=silent.url,
        sms_gateway_secret="district-secret",
        webhook_allowed_networks="127.0.0.0/8",
    )
    district = make_district(container, admin)
    assert container.projector is not None
    container.projector.catch_up()
    tokens = {"admin": container.tokens.issue(Role.ADMIN, "admin").token}
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, container, district, tokens)
        silent.stop()  # the waiting calls fail now, before the app stops


def in_transaction(database_url: str) -> list[str]:
    """What this database's other connections hold a transaction open for."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        ).fetchall()
    return [row[0] for row in rows]


def test_receivers_that_never_answer_hold_up_no_request(
    hanging_api: Api, silent: SilentReceiver, database_url: str
) -> None:
    api = hanging_api
    for n in range(ENDPOINTS):
        hook = {"name": f"值班群{n}", "url": silent.url, "kinds": []}
        assert api.as_admin("POST", "/v1/webhooks", json=hook).status_code == 201
    loop = a_loop(api)
    loop.place()
    api.container.projector.catch_up()  # type: ignore[union-attr]
    api.container.sweeper.notifier.fan_out()  # a message to each endpoint
    for phone in ("13900000001", "13900000002", "13900000003"):
        sent = api.call("POST", "/v1/public/phone-codes", json={"phone": phone})
        assert sent.status_code == 202, sent.text
    # Every delivery thread is now stuck in a call: one per destination at most.
    wait_for(lambda: len(silent.accepted) >= THREADS, "the threads are calling")
    assert in_transaction(database_url) == []

    volunteer = loop.volunteer["id"]
    answers = []
    for n in range(12):
        answers.append(api.as_admin("GET", "/v1/volunteers", params={"limit": 5}))
        body = hours_body(api.district.station, hours_ago=200 + 4 * n, minutes=60)
        answers.append(
            api.as_admin("POST", f"/v1/volunteers/{volunteer}/hours", json=body)
        )
        answers.append(loop.post(loop.resident, "/v1/orders", order_body(api)))
        if n < 6:  # an address asks for 10 codes an hour at most
            phone = {"phone": f"1370000{n:04d}"}
            answers.append(api.call("POST", "/v1/public/phone-codes", json=phone))
    assert [a.status_code for a in answers if a.status_code >= 300] == []
    assert in_transaction(database_url) == []
    assert len(silent.accepted) == THREADS  # one call per destination at a time
