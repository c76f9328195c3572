"""The FastAPI application, built around a Container from the composition root."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.routing import BaseRoute

from api import openapi, problems
from api.authorization import ACCESS
from api.observability import Observed
from api.routers import (
    accounts,
    activities,
    audit,
    awards,
    certificates,
    exports,
    hours,
    insurance,
    kiosk,
    kiosk_page,
    logins,
    me,
    me_page,
    office_page,
    ops,
    orders,
    organisation,
    page_assets,
    plans,
    projects,
    public_page,
    registrations,
    reports,
    self_service,
    sessions,
    teams,
    volunteers,
    webhooks,
)
from application.services import Container

DESCRIPTION = """
System of record for civic volunteer service (新时代文明实践志愿服务).

Every fact is an immutable event; reads come from projections. Each write answers
with `position`; pass it as `min_position` to a read to see your own write.
Errors are RFC 9457 `application/problem+json` naming the field and the rule.
People sign in with POST /v1/sessions (a login and a password) and send the access
token it answers as `Authorization: Bearer <token>`; machines (API clients, kiosks)
send a token of `vledger token create` or of their registration.
"""


def served(app: FastAPI) -> FastAPI:
    """The application of a server process, ready before its first request (not
    in `create_app`: tests build many applications and need neither step).

    FastAPI builds an included router's routes (their dependencies, validators
    and serializers) when the first request reaches that router: 170 to 320 ms
    for the first request of each kind after a restart. They are built here. Then
    what start-up built, which lives as long as the process, is kept out of the
    collector's full passes, which otherwise scan all of it when a request
    restores a large snapshot (90 ms for ten thousand entries)."""
    _build_routes(app.router.routes)
    gc.freeze()
    return app


def _build_routes(routes: Sequence[BaseRoute]) -> None:
    for route in routes:
        # FastAPI's included routers (`_IncludedRouter`) build on demand.
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):
            _build_routes(candidates())
        low_priority = getattr(route, "effective_low_priority_routes", None)
        if callable(low_priority):
            low_priority()


def create_app(container: Container, owns_container: bool = False) -> FastAPI:
    """`owns_container`: close it when the application stops (a worker process
    that built its own)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The projector and the sweeper run in the one process that leads; every
        # process delivers (each message is claimed by one).
        container.leadership.start()
        container.delivery.start()
        try:
            yield
        finally:
            container.delivery.stop()
            container.leadership.stop()
            if owns_container:
                container.close()

    # Swagger UI comes from the fastapi-offline package, not a CDN: the district's
    # intranet has no internet. (No ReDoc: its bundle fetches a logo from outside.)
    app = FastAPIOffline(
        redoc_url=None,
        title="volunteer-ledger",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    problems.install(app)
    app.add_middleware(Observed)
    routers = (
        organisation,
        teams,
        volunteers,
        hours,
        accounts,
        audit,
        certificates,
        orders,
        activities,
        projects,
        plans,
        awards,
        insurance,
        kiosk,
        kiosk_page,
        office_page,
        public_page,
        me_page,
        page_assets,
        me,
        sessions,
        logins,
        self_service,
        registrations,
        webhooks,
        ops,
        reports,
        exports,
    )
    for module in routers:
        app.include_router(module.router)
    openapi.install(app)
    check_every_route_has_a_rule([module.router for module in routers])
    return app


def check_every_route_has_a_rule(routers: list[APIRouter]) -> None:
    """A route without a line in api/authorization.py's table must not go live.
    (Read from the routers: building the OpenAPI document costs half a second.)"""
    routes = {
        (method.upper(), route.path)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    if missing := routes - ACCESS.keys():
        raise RuntimeError(f"routes without an access rule: {sorted(missing)}")
    if stale := ACCESS.keys() - routes:
        raise RuntimeError(f"access rules for no route: {sorted(stale)}")
