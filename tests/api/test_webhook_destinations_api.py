"""Webhooks go to public addresses unless the operator allows a network: a
registration naming a loopback, private or reserved address is refused at once,
and a name that resolves to one is refused at each delivery (server-side request
forgery)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.services import Container
from domain.access import Actor, Role
from tests.api.conftest import Api, assert_problem
from tests.api.test_orders_api import a_loop
from tests.conftest import event_count
from tests.integration.helpers import make_district
from tests.receiver import Receiver, start_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = start_receiver()
    yield running
    running.stop()


def register(api: Api, url: str) -> Any:
    body = {"name": "值班群", "url": url, "kinds": []}
    return api.as_admin("POST", "/v1/webhooks", json=body)


def local_name_url(receiver: Receiver) -> str:
    """The receiver's address by this machine's name, which resolves to loopback
    (or another address that is not public) through its hosts file."""
    name = socket.gethostname()
    assert not ipaddress.ip_address(socket.gethostbyname(name)).is_global, name
    port = receiver.server.server_address[1]
    return f"http://{name}:{port}/hook"


def notify_and_deliver(api: Api) -> int:
    a_loop(api).place()
    assert api.container.projector is not None
    api.container.projector.catch_up()
    api.container.sweeper.notifier.fan_out()
    return api.container.deliveries.deliver_due()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://2130706433/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_a_webhook_at_a_private_address_is_refused(
    api: Api, database_url: str, url: str
) -> None:
    before = event_count(database_url)
    assert_problem(register(api, url), 422, "url_public", "url")
    assert event_count(database_url) == before


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sent(
    api: Api, receiver: Receiver
) -> None:
    assert register(api, local_name_url(receiver)).status_code == 201
    assert notify_and_deliver(api) == 0
    assert receiver.received == []
    pending = api.call(
        "GET", "/v1/ops/deliveries", api.tokens["auditor"], params={"state": "pending"}
    ).json()
    assert "VLEDGER_WEBHOOK_ALLOWED_NETWORKS" in pending[0]["last_error"]


def test_an_operator_allows_the_intranet_and_the_name_is_kept_in_the_request(
    make_container: Callable[..., Container], admin: Actor, receiver: Receiver
) -> None:
    container = make_container(webhook_allowed_networks="127.0.0.0/8, 10.0.0.0/8")
    district = make_district(container, admin)
    token = container.tokens.issue(Role.ADMIN, "admin").token
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        api = Api(client, container, district, {"admin": token})
        url = local_name_url(receiver)
        assert register(api, url).status_code == 201
        assert notify_and_deliver(api) == 1
    (got,) = receiver.received
    assert got.headers["host"] == url.split("/")[2]  # the name, not the address
