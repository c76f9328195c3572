"""People's logins, as staff open and look after them: admins any, coordinators
those of their unit and below."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    check_reads_unit,
    readable_subtree,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.common import ReasonIn
from api.schemas.logins import LoginIn, LoginOut, LoginWritten
from application.logins import (
    DisableLogin,
    EnableLogin,
    OpenLogin,
    ResetPassword,
    UnlockLogin,
)
from domain.access import Role
from domain.login import LoginStatus

router = APIRouter(prefix="/v1", tags=["logins"])


@router.post("/logins", status_code=201, response_model=LoginWritten)
def open_login(
    body: LoginIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> LoginWritten:
    """Opens a person's login with a one-time password, shown once in the answer:
    the person changes it at the first sign-in. Admins open any; coordinators
    coordinators' of their unit and below, and volunteers' registered there."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = OpenLogin(
        body.login,
        body.role,
        body.name,
        body.unit_id,
        body.volunteer_id,
        login_id=body.login_id,
    )
    outcome = container.commands.run(container.logins.open, command, actor, key)
    response.headers["Cache-Control"] = "no-store"
    return written(LoginWritten, outcome, response)


@router.get("/logins", response_model=list[LoginOut], dependencies=[ReadAfter])
def list_logins(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: UUID | None = None,
    role: Role | None = None,
    status: LoginStatus | None = None,
) -> list[LoginOut]:
    """Logins managed in a unit and below (coordinators: their scope), newest
    first; admins' and auditors' own logins only to admins and auditors."""
    within = readable_subtree(container, actor, unit_id)
    rows = container.people.logins(
        within,
        role.value if role else None,
        status.value if status else None,
        page.limit,
        page.offset,
    )
    return [LoginOut.model_validate(r) for r in rows]


@router.get("/logins/{login_id}", response_model=LoginOut, dependencies=[ReadAfter])
def get_login(login_id: UUID, container: ContainerDep, actor: ActorDep) -> LoginOut:
    """One login: its role, scope, state and last change."""
    row = container.people.login(login_id)
    if row is None:
        raise ApiProblem(404, "login_exists", "Not found", f"no login {login_id}")
    if row["unit_id"] is None:
        actor.check_role(Role.ADMIN, Role.AUDITOR)
    else:
        check_reads_unit(container, actor, row["unit_id"])
    return LoginOut.model_validate(row)


@router.post("/logins/{login_id}/password-reset", response_model=LoginWritten)
def reset_password(
    login_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> LoginWritten:
    """A new one-time password, shown once; the person's sessions end and must
    change it at the next sign-in. A locked login is unlocked by it."""
    outcome = container.commands.run(
        container.logins.reset_password, ResetPassword(login_id), actor
    )
    response.headers["Cache-Control"] = "no-store"
    return written(LoginWritten, outcome, response)


@router.post("/logins/{login_id}/unlock", response_model=LoginWritten)
def unlock_login(
    login_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> LoginWritten:
    """Lifts a lockout after too many wrong passwords."""
    outcome = container.commands.run(
        container.logins.unlock, UnlockLogin(login_id), actor
    )
    return written(LoginWritten, outcome, response)


@router.post("/logins/{login_id}/disable", response_model=LoginWritten)
def disable_login(
    login_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> LoginWritten:
    """Nobody signs in with it until enabled; its sessions end now."""
    outcome = container.commands.run(
        container.logins.disable, DisableLogin(login_id, body.reason), actor
    )
    return written(LoginWritten, outcome, response)


@router.post("/logins/{login_id}/enable", response_model=LoginWritten)
def enable_login(
    login_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> LoginWritten:
    """A disabled login signs in again."""
    outcome = container.commands.run(
        container.logins.enable, EnableLogin(login_id), actor
    )
    return written(LoginWritten, outcome, response)
