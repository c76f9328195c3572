"""Notifications delivered outside over real HTTP: signed webhooks, retries with a
growing pause, dead letters an operator sends again, and SMS through a district's
gateway; a write never waits for any of it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from api.app import create_app
from application.services import Container
from infra.webhooks import signature
from tests.api.conftest import Api, assert_problem
from tests.api.test_orders_api import Loop, a_loop
from tests.conftest import Clock
from tests.receiver import Receiver, start_receiver

LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def container(make_container: Callable[..., Container]) -> Container:
    """The receivers listen on loopback, which the operator allows here."""
    return make_container(webhook_allowed_networks=LOOPBACK)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = start_receiver()
    yield running
    running.stop()


def register_webhook(api: Api, url: str, kinds: list[str]) -> dict[str, object]:
    made = api.as_admin(
        "POST", "/v1/webhooks", json={"name": "值班群", "url": url, "kinds": kinds}
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def placed_and_seen(api: Api, loop: Loop | None = None) -> dict[str, object]:
    """A resident's order, its notice in the read models."""
    order = (loop or a_loop(api)).place()
    api.call(
        "GET",
        "/v1/me/notifications",
        api.tokens["coordinator"],
        params={"min_position": order["position"]},
    )
    return order


def fan_out_and_deliver(api: Api) -> int:
    api.container.sweeper.notifier.fan_out()
    return api.container.deliveries.deliver_due()


def test_a_webhook_hears_its_kinds_signed_with_its_secret(
    api: Api, receiver: Receiver
) -> None:
    hook = register_webhook(api, receiver.url, ["order_placed"])
    assert str(hook["secret"]).startswith("whsec_")
    listed = api.call("GET", "/v1/webhooks", api.tokens["auditor"]).json()
    assert "secret" not in listed[0]

    placed_and_seen(api)
    assert fan_out_and_deliver(api) == 1
    assert fan_out_and_deliver(api) == 0  # each notification is sent once
    (got,) = receiver.received
    payload = json.loads(got.body)
    assert (payload["kind"], payload["body"]) == ("order_placed", "帮独居老人打扫卫生")
    expected = signature(
        str(hook["secret"]), got.headers["x-vledger-timestamp"], got.body
    )
    assert got.headers["x-vledger-signature"] == expected
    assert got.headers["x-vledger-delivery"].endswith(f":webhook:{hook['id']}")


def test_failures_are_retried_later_then_parked_and_sent_again(
    api: Api, receiver: Receiver, clock: Clock
) -> None:
    register_webhook(api, receiver.url, [])
    receiver.failures = 2
    loop = a_loop(api)
    placed_and_seen(api, loop)
    assert fan_out_and_deliver(api) == 0  # the first attempt failed
    assert api.container.deliveries.deliver_due() == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    assert api.container.deliveries.deliver_due() == 0  # the second failed too
    clock.advance(timedelta(seconds=60))
    assert api.container.deliveries.deliver_due() == 1
    keys = {r.headers["x-vledger-delivery"] for r in receiver.received}
    assert len(receiver.received) == 3
    assert len(keys) == 1  # one message, three attempts

    receiver.failures = 100
    placed_and_seen(api, loop)
    api.container.sweeper.notifier.fan_out()
    for _ in range(8):
        api.container.deliveries.deliver_due()
        clock.advance(timedelta(hours=1))
    dead = api.call("GET", "/v1/ops/deliveries", api.tokens["auditor"]).json()
    assert [(d["attempts"], d["channel"]) for d in dead] == [(8, "webhook")]
    assert "500" in dead[0]["last_error"]

    receiver.failures = 0
    retried = api.as_admin("POST", f"/v1/ops/deliveries/{dead[0]['id']}/retry")
    assert retried.json() == {"retried": 1}
    assert api.container.deliveries.deliver_due() == 1
    assert api.call("GET", "/v1/ops/deliveries", api.tokens["auditor"]).json() == []
    again = api.as_admin("POST", f"/v1/ops/deliveries/{dead[0]['id']}/retry")
    assert_problem(again, 404, "delivery_exists")


def test_a_write_does_not_wait_for_a_dead_endpoint(api: Api) -> None:
    register_webhook(api, "http://127.0.0.1:1/hook", [])  # nothing listens there
    placed_and_seen(api)  # answered: delivery happens after, elsewhere
    assert fan_out_and_deliver(api) == 0
    pending = api.call(
        "GET", "/v1/ops/deliveries", api.tokens["auditor"], params={"state": "pending"}
    ).json()
    assert pending[0]["attempts"] == 1
    assert pending[0]["last_error"]


def test_sms_go_through_the_districts_gateway_when_one_is_set(
    make_container: object, admin: object, receiver: Receiver
) -> None:
    from fastapi.testclient import TestClient

    from tests.api.test_self_service_api import RESIDENT_PHONE

    container = make_container(  # type: ignore[operator]
        sms_gateway_url=receiver.url, sms_gateway_secret="district-secret"
    )
    with TestClient(create_app(container)) as client:
        sent = client.post("/v1/public/phone-codes", json={"phone": RESIDENT_PHONE})
        assert sent.status_code == 202, sent.text
    container.deliveries.deliver_due()
    (got,) = [r for r in receiver.received if "phone-code" in r.body]
    message = json.loads(got.body)
    assert message["phone"] == RESIDENT_PHONE
    assert "验证码" in message["text"]
    assert got.headers["x-vledger-signature"] == signature(
        "district-secret", got.headers["x-vledger-timestamp"], got.body
    )
