"""Request and response models of signing in and of people's logins: the bodies of
api/routers/sessions.py and api/routers/logins.py. Passwords are never echoed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Request, Response, Written, example
from domain.access import Role
from domain.login import LoginStatus

#: Long enough for any pass phrase, short enough that nobody makes us hash a novel.
MAX_PASSWORD_INPUT = 1024


class SignInIn(Request):
    model_config = example({"login": "wangfang", "password": "秋天的双泉社区2026"})
    login: str = Field(
        min_length=1, max_length=100, description="The login name or mobile number."
    )
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)


class RefreshIn(Request):
    model_config = example({"refresh_token": "vlr_Q2hhbmdlIG1lIGJlZm9yZSB1c2U"})
    refresh_token: str = Field(
        min_length=1, max_length=200, description="The last refresh token issued."
    )


class PasswordChangeIn(Request):
    model_config = example(
        {"current_password": "Xq7kP2mR9tZa", "new_password": "秋天的双泉社区2026"}
    )
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
    new_password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD_INPUT,
        description="8 to 128 characters, not a common one (any script).",
    )


class SessionOut(Response):
    access_token: str = Field(
        description="Send as `Authorization: Bearer …` until it expires."
    )
    token_type: str = Field(default="Bearer", description="Always Bearer.")
    expires_in: int = Field(description="Seconds the access token lives.")
    expires_at: datetime = Field(description="When the access token expires.")
    refresh_token: str = Field(
        description="Used once on POST /v1/sessions/refresh for a new pair."
    )
    session_expires_at: datetime = Field(
        description="When the sign-in ends, refreshed or not."
    )
    login_id: UUID
    role: Role = Field(description="admin, coordinator, auditor, volunteer, …")
    display_name: str = Field(description="The person's name, masked.")
    must_change_password: bool = Field(
        description="True: only PUT /v1/me/password (and sign-out) until changed."
    )
    unit_id: UUID | None = Field(description="The unit whose staff manage it.")
    volunteer_id: UUID | None = Field(description="A volunteer login's volunteer.")


class LoginIn(Request):
    model_config = example(
        {
            "login": "wangfang",
            "role": "coordinator",
            "name": "王芳",
            "unit_id": "3f2b8c1e-0f42-4c1e-9a77-5f0c3a8e6a4b",
        }
    )
    login: str = Field(
        min_length=1,
        max_length=100,
        description="3-32 of a-z, 0-9, '.', '_', '-' (from a letter), or a mobile.",
    )
    role: Role = Field(description="admin, coordinator, auditor or volunteer.")
    name: str | None = Field(
        default=None,
        max_length=64,
        description="The person's name (kept masked); a volunteer's is its own.",
    )
    unit_id: UUID | None = Field(default=None, description="A coordinator's unit.")
    volunteer_id: UUID | None = Field(
        default=None, description="A volunteer login's volunteer."
    )
    login_id: UUID | None = Field(default=None, description="Client-chosen id.")


class LoginFields(Response):
    """What every answer about a login shows."""

    id: UUID
    role: Role = Field(description="admin, coordinator, auditor, volunteer, …")
    status: LoginStatus = Field(description="pending, active, locked or disabled")
    must_change_password: bool
    login_masked: str = Field(description="The login name, masked.")
    display_name: str = Field(description="The person's name, masked.")
    unit_id: UUID | None = Field(description="The unit whose staff manage it.")
    volunteer_id: UUID | None = Field(description="A volunteer login's volunteer.")


class LoginWritten(Written, LoginFields):
    one_time_password: str | None = Field(
        default=None,
        description="Shown once, to hand to the person, who must change it at "
        "the first sign-in; a retried request answers null.",
    )


class LoginOut(LoginFields):
    opened_at: datetime
    changed_at: datetime = Field(description="When it last changed.")
    last_change: str = Field(
        description="opened, locked, unlocked, password_changed, password_reset, "
        "disabled or enabled"
    )
    changed_by: str = Field(description="Who made the last change (role:name:id).")
