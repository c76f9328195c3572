"""The FastAPI application, built around a Container from the composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import problems
from api.authorization import ACCESS
from api.routers import (
    accounts,
    activities,
    audit,
    certificates,
    hours,
    kiosk,
    kiosk_page,
    ops,
    orders,
    organisation,
    volunteers,
)
from infra.container import Container

DESCRIPTION = """
System of record for civic volunteer service (新时代文明实践志愿服务).

Every fact is an immutable event; reads come from projections. Each write answers
with `position`; pass it as `min_position` to a read to see your own write.
Errors are RFC 9457 `application/problem+json` naming the field and the rule.
Authenticate with `Authorization: Bearer <token>` (`vledger token create`).
"""


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if container.projector is not None:
            container.projector.start()
        container.sweeper.start()
        try:
            yield
        finally:
            container.sweeper.stop()
            if container.projector is not None:
                container.projector.stop()

    app = FastAPI(
        title="volunteer-ledger",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    problems.install(app)
    routers = (
        organisation,
        volunteers,
        hours,
        accounts,
        audit,
        certificates,
        orders,
        activities,
        kiosk,
        kiosk_page,
        ops,
    )
    for module in routers:
        app.include_router(module.router)
    check_every_route_has_a_rule(app)
    return app


def check_every_route_has_a_rule(app: FastAPI) -> None:
    """A route without a line in api/authorization.py's table must not go live."""
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    if missing := routes - ACCESS.keys():
        raise RuntimeError(f"routes without an access rule: {sorted(missing)}")
    if stale := ACCESS.keys() - routes:
        raise RuntimeError(f"access rules for no route: {sorted(stale)}")
