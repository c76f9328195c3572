"""Where webhooks may send, judged without a DNS look-up: every form a resolver
reads an address in, and the networks an operator allows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.errors import InvalidInput
from infra.destinations import Destinations, parse_networks
from infra.settings import Settings

REFUSED = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "http://2130706433/hook",
    "http://127.1/hook",
    "http://0x7f.0.0.1/hook",
    "http://0/hook",
    "http://[::1]:9000/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.9/hook",
    "http://192.168.1.5/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", REFUSED)
def test_loopback_private_and_reserved_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Destinations().check_url(url)
    assert (refused.value.field, refused.value.rule) == ("url", "url_public")


@pytest.mark.parametrize(
    "url", ["https://8.8.8.8/hook", "https://duty.example.gov.cn/hooks/vledger"]
)
def test_public_addresses_and_names_pass_registration(url: str) -> None:
    Destinations().check_url(url)  # a name is judged when it is resolved


@pytest.mark.parametrize("url", ["http://[::1/hook", "http://xn--/hook"])
def test_an_address_that_does_not_parse_is_refused_as_such(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Destinations().check_url(url)
    assert (refused.value.field, refused.value.rule) == ("url", "url_format")


def test_an_allowed_network_lets_its_addresses_through() -> None:
    intranet = Destinations(parse_networks("10.12.0.0/16, 127.0.0.1"))
    intranet.check_url("http://10.12.3.4/hook")
    intranet.check_url("http://localhost:8080/hook")
    with pytest.raises(InvalidInput):
        intranet.check_url("http://10.13.0.1/hook")


def test_a_bad_network_in_the_settings_is_named() -> None:
    with pytest.raises(ValidationError, match=r"10\.0\.0\.0/33"):
        Settings(webhook_allowed_networks="10.0.0.0/8, 10.0.0.0/33")
