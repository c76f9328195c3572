"""Who the caller is: the role, name and scope of its token, for pages that start
where the reader may look (the office dashboard starts at a coordinator's unit)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from api.deps import ActorDep
from api.schemas.common import Response
from domain.access import Role

router = APIRouter(prefix="/v1", tags=["me"])


class MeOut(Response):
    role: Role = Field(description="admin, coordinator, auditor, volunteer, …")
    name: str = Field(description="The name the token was issued under.")
    unit_id: UUID | None = Field(
        description="A coordinator's or kiosk's unit (its scope); null for others."
    )
    volunteer_id: UUID | None = Field(description="A volunteer token's volunteer.")
    login_id: UUID | None = Field(
        description="A signed-in person's login; null for a machine's token."
    )
    must_change_password: bool = Field(
        description="True: change the password (PUT /v1/me/password) first."
    )


@router.get("/me", response_model=MeOut)
def get_me(actor: ActorDep) -> MeOut:
    """The role, name and scope of the token that calls."""
    return MeOut(
        role=actor.role,
        name=actor.name,
        unit_id=actor.unit_id,
        volunteer_id=actor.volunteer_id,
        login_id=actor.login_id,
        must_change_password=actor.must_change_password,
    )
