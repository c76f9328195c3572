"""Signing in with a login and a password, refreshing, signing out, and changing
one's own password. Machines keep their `vlt_…` tokens (`vledger token create`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import ActorDep, ContainerDep, client_address
from api.routers.common import written
from api.schemas.logins import (
    LoginWritten,
    PasswordChangeIn,
    RefreshIn,
    SessionOut,
    SignInIn,
)
from application.logins import ChangeOwnPassword
from application.services import Container
from application.sign_in import SignedIn

router = APIRouter(prefix="/v1", tags=["sign-in"])


def session_out(
    signed_in: SignedIn, response: Response, container: Container
) -> SessionOut:
    """Tokens are not to be cached by anything in between (RFC 6749 §5.1)."""
    response.headers["Cache-Control"] = "no-store"
    tokens = signed_in.tokens
    lifetime = tokens.access_expires_at - container.clock.now()
    return SessionOut(
        access_token=tokens.access_token,
        expires_in=max(0, int(lifetime.total_seconds())),
        expires_at=tokens.access_expires_at,
        refresh_token=tokens.refresh_token,
        session_expires_at=tokens.session_expires_at,
        login_id=signed_in.login_id,
        role=signed_in.role,
        display_name=signed_in.display_name,
        must_change_password=signed_in.must_change_password,
        unit_id=signed_in.unit_id,
        volunteer_id=signed_in.volunteer_id,
    )


@router.post("/sessions", status_code=201, response_model=SessionOut)
def sign_in(
    body: SignInIn, request: Request, response: Response, container: ContainerDep
) -> SessionOut:
    """Signs in: an access token (15 min) and a refresh token. A wrong login name
    and a wrong password answer alike (401 `credentials_match`); after 3 wrong ones
    in a row each further one doubles the wait (429 with Retry-After), and 10 lock
    the login until staff unlock it (403 `login_unlocked`)."""
    signed_in = container.sign_ins.sign_in(
        body.login, body.password, client_address(request)
    )
    return session_out(signed_in, response, container)


@router.post("/sessions/refresh", response_model=SessionOut)
def refresh_session(
    body: RefreshIn, response: Response, container: ContainerDep
) -> SessionOut:
    """A new access token and refresh token for the session; the refresh token
    given is used up, and using it again ends the session (401
    `refresh_token_valid`)."""
    signed_in = container.sign_ins.refresh(body.refresh_token)
    return session_out(signed_in, response, container)


@router.delete("/sessions/current", status_code=204)
def sign_out(container: ContainerDep, actor: ActorDep) -> Response:
    """Ends the session of the access token that calls: it and its refresh token
    stop at once."""
    container.sign_ins.sign_out(actor)
    return Response(status_code=204)


@router.put("/me/password", response_model=LoginWritten)
def change_own_password(
    body: PasswordChangeIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> LoginWritten:
    """The signed-in person changes its password with the current one; every
    session of the login ends, this one too: sign in again. A wrong current
    password counts as a wrong password at sign-in: after 3 each further one
    doubles the wait (429 with Retry-After), and 10 lock the login (403
    `login_unlocked`)."""
    command = ChangeOwnPassword(body.current_password, body.new_password)
    outcome = container.sign_ins.change_password(
        command, actor, client_address(request)
    )
    return written(LoginWritten, outcome, response)
