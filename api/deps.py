"""Request dependencies as Annotated aliases: the container, the actor, paging,
idempotency keys and read-your-writes waits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.authorization import WHILE_PASSWORD_MUST_CHANGE, rule_for
from api.problems import ApiProblem
from application.services import Container
from domain.access import Actor, Role
from domain.errors import Forbidden, InvalidInput
from domain.instants import parse_as_of
from infra.idempotency import MAX_KEY_LENGTH, IdempotencyKey, fingerprint
from infra.readiness import wait_until


async def get_container(request: Request) -> Container:
    """Async on purpose: FastAPI runs a sync dependency in the thread pool, one
    hop per request for a lookup that never blocks."""
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(
        401, "unauthorized", "Unauthorized", detail, {"WWW-Authenticate": "Bearer"}
    )


def route_path(request: Request) -> str:
    """The route's path template (`/v1/volunteers/{volunteer_id}`)."""
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def authorize(request: Request, actor: Actor) -> None:
    """The role check of api/authorization.py, before the route runs."""
    path = route_path(request)
    if (
        actor.must_change_password
        and (request.method, path) not in WHILE_PASSWORD_MUST_CHANGE
    ):
        raise ApiProblem(
            403,
            "password_changed",
            "Forbidden",
            "the password must be changed first (PUT /v1/me/password)",
        )
    allowed = rule_for(request.method, path).roles
    if actor.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(
            f"role {actor.role.value} may not call {request.method} {path} "
            f"(needs: {names})"
        )


#: Declares the bearer scheme in the OpenAPI document; the checks and their 401
#: problems are ours (auto_error=False), so that every refusal says what was wrong.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A `vlt_…` token: a signed-in person's access token (POST "
    "/v1/sessions), `vledger token create`, or a kiosk's registration.",
)


async def get_actor(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Security(bearer_scheme)
    ],
) -> Actor:
    """Async, so that a token read a moment ago costs no thread-pool hop; the
    database is asked in the pool."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        if not request.headers.get("authorization"):
            raise _unauthorized("an Authorization: Bearer <token> header is required")
        raise _unauthorized("the Authorization header must be 'Bearer <token>'")
    actor = container.tokens.cached_actor(token) or await run_in_threadpool(
        container.tokens.authenticate, token
    )
    if actor is None:
        raise _unauthorized("the token is unknown, expired or revoked")
    authorize(request, actor)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


SessionHeader = Annotated[
    str | None,
    Header(
        alias="X-Kiosk-Session",
        max_length=100,
        description="The session from POST /v1/kiosk/identify, opened by the "
        "volunteer's number and PIN; kiosks and staff counters must send it.",
    ),
]


IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Retries with the same key return the first response (status "
        "and body, with `Idempotent-Replayed: true`); the same key with a different "
        "body is refused with 422; while the first request is still running, a copy "
        "gets 409 with Retry-After. Keys are kept for at least 24 h.",
    ),
]


def scoped_key(
    actor: Actor, request: Request, key: str | None, *body: Any
) -> IdempotencyKey | None:
    """Keys are scoped to the token and the route, and bound to the request body."""
    if key is None:
        return None
    scope = f"{actor.token_id}:{request.method}:{route_path(request)}"
    return IdempotencyKey(scope, key, fingerprint(request.url.path, *body))


def client_address(request: Request) -> str:
    """The peer's address (behind a proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so that this is the client's)."""
    return request.client.host if request.client else "unknown"


def public_key(
    request: Request, key: str | None, body: dict[str, Any]
) -> IdempotencyKey | None:
    """A tokenless request's key, scoped to the client address and the route. The
    body is fingerprinted without its secrets: a fast hash of a password is not
    kept."""
    if key is None:
        return None
    scope = f"public:{client_address(request)}:{request.method}:{route_path(request)}"
    shown = {k: v for k, v in body.items() if k not in SECRET_FIELDS}
    return IdempotencyKey(scope, key, fingerprint(request.url.path, shown))


#: Body fields that never enter a fingerprint.
SECRET_FIELDS = frozenset({"password", "phone_code"})


#: Positions and offsets are Postgres bigints: a larger number is refused as input.
MAX_BIGINT = 2**63 - 1


class Page:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
        offset: Annotated[
            int, Query(ge=0, le=MAX_BIGINT, description="Items to skip.")
        ] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PageDep = Annotated[Page, Depends()]


def wait_for_position(
    container: ContainerDep,
    min_position: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_BIGINT,
            description="Wait (up to 2 s) until the read models include this "
            "position, as returned by a write.",
        ),
    ] = None,
) -> None:
    if min_position is None:
        return
    if min_position > container.store.max_position():
        raise ApiProblem(
            422,
            "position_recorded",
            "Invalid input",
            "min_position is beyond the last recorded event",
        )
    wait = container.settings.read_wait_seconds
    if not wait_until(container.readiness, min_position, wait):
        raise ApiProblem(
            503,
            "projection_lagging",
            "Read models are behind",
            f"read models have not reached position {min_position} yet",
            {"Retry-After": "1"},
        )


ReadAfter = Depends(wait_for_position)


def as_of_query(
    as_of: Annotated[
        str | None,
        Query(
            description="ISO time with offset, or a date (its end, China time); "
            "at most the end of today.",
            examples=["2026-09-30"],
        ),
    ] = None,
) -> datetime | None:
    """Bounded by the wall clock: `as_of` is held against the events' timestamps,
    which the event store takes from the wall clock."""
    return None if as_of is None else parse_as_of(as_of, datetime.now(UTC))


AsOf = Annotated[datetime | None, Depends(as_of_query)]


def readable_subtree(
    container: Container, actor: Actor, unit_id: UUID | None
) -> UUID | None:
    """The units a list or a report shows: those under `unit_id`, or under a
    coordinator's own unit when it names none, checked against the reader's scope;
    None: all of them (admins and auditors). An unknown `unit_id` is 422
    `unit_exists`, as for the assessment: no unit is not "nobody there"."""
    actor.check_role(Role.ADMIN, Role.AUDITOR, Role.COORDINATOR)
    if unit_id is not None:
        check_unit_exists(container, unit_id)
    within = unit_id or (actor.unit_id if actor.role is Role.COORDINATOR else None)
    if within is not None:
        check_reads_unit(container, actor, within)
    return within


def check_unit_exists(container: Container, unit_id: UUID) -> None:
    if container.reads.unit(unit_id) is None:
        raise InvalidInput("unit_id", "unit_exists", f"no unit {unit_id}")


def check_reads_unit(container: Container, actor: Actor, unit_id: Any) -> None:
    """Read-side scope: admins and auditors everywhere, coordinators in their
    unit and below."""
    if actor.role in (Role.ADMIN, Role.AUDITOR):
        return
    unit = container.reads.unit(unit_id)
    actor.check_reads(unit_id, unit["lineage"] if unit else [])
