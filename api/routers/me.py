"""Who the caller is (the role, name and scope of its token, for pages that start
where the reader may look), and the caller's notifications."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from api.deps import ActorDep, ContainerDep, PageDep, ReadAfter
from api.schemas.common import Response
from api.schemas.people import InboxOut, MarkedOut, MarkReadIn, NotificationOut
from application.people import person_name
from domain.access import Actor, Role
from domain.resident import Resident
from projections.people import Audience

router = APIRouter(prefix="/v1", tags=["me"])


class MeOut(Response):
    role: Role = Field(description="admin, coordinator, auditor, volunteer, …")
    name: str = Field(
        description="A signed-in person's own name, in clear (its own to read; "
        "masked when not on record); a machine token's name otherwise."
    )
    person: bool = Field(
        description="True for a signed-in person; false for a machine's token, "
        "whose name names no one."
    )
    unit_id: UUID | None = Field(
        description="A coordinator's or kiosk's unit (its scope); null for others."
    )
    volunteer_id: UUID | None = Field(description="A volunteer token's volunteer.")
    login_id: UUID | None = Field(
        description="A signed-in person's login; null for a machine's token."
    )
    community_id: UUID | None = Field(
        default=None, description="A resident's community (its station)."
    )
    must_change_password: bool = Field(
        description="True: change the password (PUT /v1/me/password) first."
    )


@router.get("/me", response_model=MeOut)
def get_me(actor: ActorDep, container: ContainerDep) -> MeOut:
    """The role, name and scope of the token that calls: a person's own name in
    clear, a machine token's name marked as no one's."""
    community = None
    if actor.role is Role.RESIDENT:
        resident = container.aggregates.find(Resident, actor.token_id)
        community = resident.community_id if resident else None
    return MeOut(
        role=actor.role,
        name=person_name(container.vault, actor) or actor.name,
        person=actor.login_id is not None,
        unit_id=actor.unit_id,
        volunteer_id=actor.volunteer_id,
        login_id=actor.login_id,
        community_id=community,
        must_change_password=actor.must_change_password,
    )


def audience_of(actor: Actor) -> Audience:
    """A volunteer's own notices and its teams', a resident's own, a coordinator's
    units' (its unit and below), an admin's every unit's; others have none."""
    reader = actor.login_id or actor.token_id
    if actor.role is Role.VOLUNTEER:
        return Audience(reader, actor.volunteer_id, actor.volunteer_id)
    if actor.role is Role.RESIDENT:
        return Audience(reader, actor.token_id)
    if actor.role is Role.COORDINATOR:
        return Audience(reader, staff=True, unit_id=actor.unit_id)
    if actor.role is Role.ADMIN:
        return Audience(reader, staff=True)
    return Audience(reader)


@router.get("/me/notifications", response_model=InboxOut, dependencies=[ReadAfter])
def my_notifications(
    container: ContainerDep, actor: ActorDep, page: PageDep, unread_only: bool = False
) -> InboxOut:
    """The caller's inbox, newest first, with the count of unread ones."""
    audience = audience_of(actor)
    rows, unread = container.people.inbox(
        audience, unread_only, page.limit, page.offset
    )
    return InboxOut(
        unread=unread,
        items=[NotificationOut.model_validate(r) for r in rows],
    )


@router.post("/me/notifications/read", response_model=MarkedOut)
def mark_read(body: MarkReadIn, container: ContainerDep, actor: ActorDep) -> MarkedOut:
    """Marks notifications of the caller's inbox read (ids it cannot see are
    passed over); marking twice changes nothing."""
    audience = audience_of(actor)
    visible = container.people.visible(audience, body.ids)
    marked = container.read_marks.mark(
        audience.reader_id, visible, container.clock.now()
    )
    return MarkedOut(marked=marked, unread=container.people.unread(audience))
