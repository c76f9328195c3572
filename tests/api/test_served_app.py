"""A server process's application is ready before its first request: FastAPI's
included routers, which otherwise build their routes when the first request
reaches them, are built by `served`."""

from __future__ import annotations

from typing import Any

from api.app import create_app, served
from application.services import Container


def included_routers(routes: list[Any]) -> list[Any]:
    found = []
    for route in routes:
        if callable(getattr(route, "effective_candidates", None)):
            found.append(route)
            found += included_routers(route._effective_candidates)
    return found


def test_every_included_router_is_built_before_the_first_request(
    container: Container,
) -> None:
    plain = create_app(container)
    assert all(
        r._effective_candidates_version is None
        for r in included_routers(plain.router.routes)
    )  # FastAPI builds them on demand, which `served` must forestall
    app = served(create_app(container))
    routers = included_routers(app.router.routes)
    assert len(routers) >= 20
    assert all(r._effective_candidates_version is not None for r in routers)
    assert all(r._effective_candidates for r in routers)
