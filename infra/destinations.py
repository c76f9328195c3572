"""Where a webhook may send: a public address, or one in a network the operator
allows (VLEDGER_WEBHOOK_ALLOWED_NETWORKS). Without this rule whoever registers a
webhook could make the service POST to its own loopback, the database's host or
anything else on the intranet (server-side request forgery).

A registration is checked without a DNS look-up (a request never waits on one): a
literal address, in any of the forms the resolver reads (`2130706433`, `127.1`,
`[::ffff:127.0.0.1]`), and `localhost` are judged at once. Every delivery resolves
the host, refuses it if any of its addresses is not allowed, and connects to the
address it checked (the Host header and TLS name stay the URL's), so a name that
resolves elsewhere later (DNS rebinding) gains nothing."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from domain.errors import InvalidInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(RuntimeError):
    """A delivery's host resolves to an address webhooks may not reach."""


@dataclass(frozen=True)
class Pinned:
    """A request to the address that was checked, for the URL's host."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, bytes]


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 127.0.0.1` as networks; raises ValueError naming a bad one."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not a network or an address") from None
    return tuple(networks)


class Destinations:
    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self.allowed = tuple(allowed)

    def check_url(self, url: str, field: str = "url") -> None:
        """Refuses a URL whose host is, as written, an address not allowed (or
        that names no host at all)."""
        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, UnicodeError, ValueError):
            raise InvalidInput(field, "url_format", "not an address") from None
        address = _literal(host)
        if address is not None and not self.allows(address):
            raise InvalidInput(field, "url_public", self._refusal(host, address))

    def pinned(self, url: str) -> Pinned:
        """The request to send `url` to: its host resolved now, every address
        allowed, the connection made to the first."""
        target = httpx.URL(url)
        addresses = _resolved(target.host, target.port or _port(target))
        for address in addresses:
            if not self.allows(address):
                raise DestinationRefused(self._refusal(target.host, address))
        host_header = target.netloc.decode("ascii")
        extensions = {"sni_hostname": target.host.encode("ascii")}
        return Pinned(
            target.copy_with(host=str(addresses[0])), {"Host": host_header}, extensions
        )

    def allows(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    @staticmethod
    def _refusal(host: str, address: Address) -> str:
        return (
            f"{host} is {address}, a loopback, private or reserved address; webhooks "
            "go to public addresses unless the operator allows the network "
            "(VLEDGER_WEBHOOK_ALLOWED_NETWORKS)"
        )


def _literal(host: str) -> Address | None:
    """The address a host names without a look-up, or None for a name."""
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.ip_address("127.0.0.1")
    try:
        found = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):
        return None
    return ipaddress.ip_address(str(found[0][4][0]).split("%")[0])


def _resolved(host: str, port: int) -> list[Address]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DestinationRefused(f"{host} does not resolve: {error}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


def _port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80
