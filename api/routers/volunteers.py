"""Volunteers: registration, profile, listing and status."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

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
from api.schemas.volunteers import (
    ErasedOut,
    PinIn,
    PinSetOut,
    StatusChanged,
    StatusChangeIn,
    VolunteerCreated,
    VolunteerIn,
    VolunteerOut,
    VolunteerPage,
)
from application.kiosks import SetKioskPin
from application.services import Container
from application.volunteers import (
    ChangeStatus,
    ErasePersonalData,
    RegisterVolunteer,
)
from domain.access import Actor, Role
from domain.errors import Forbidden
from domain.policy import hours_to_next_star

router = APIRouter(prefix="/v1/volunteers", tags=["volunteers"])
VOLUNTEER_NUMBER = re.compile(r"^V\d{1,8}$", re.IGNORECASE)


@router.post("", status_code=201, response_model=VolunteerCreated)
def register_volunteer(
    body: VolunteerIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> VolunteerCreated:
    """Registers a volunteer (Art. 6 fields). The clear name, ID number and phone go
    to the encrypted PII vault only; events and read models hold masked forms."""
    command = RegisterVolunteer(**dict(body))
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.volunteers.register, command, actor, key)
    return written(VolunteerCreated, outcome, response)


@router.get("", response_model=VolunteerPage, dependencies=[ReadAfter])
def list_volunteers(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: Annotated[
        UUID | None,
        Query(description="Volunteers of this unit and the units below it."),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="A volunteer-number prefix (V...), or an exact name, phone "
            "or ID number (matched by blind index; clear values are never stored).",
        ),
    ] = None,
) -> VolunteerPage:
    """Admins and auditors see all volunteers; coordinators their unit and below."""
    within = readable_subtree(container, actor, unit_id)
    number, matching = None, None
    if q is not None and VOLUNTEER_NUMBER.match(q):
        number = q.upper()
    elif q is not None:
        matching = container.vault.find(q)
    rows, total = container.reads.volunteers(
        within, matching, number, page.limit, page.offset
    )
    return VolunteerPage(
        items=_volunteers_out(container, actor, rows),
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{volunteer_id}", response_model=VolunteerOut, dependencies=[ReadAfter])
def get_volunteer(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep
) -> VolunteerOut:
    """A volunteer's record: masked identity, status, verified hours, star level and
    points; the clear name for admins, coordinators in scope and the volunteer."""
    row = readable_volunteer(container, actor, volunteer_id)
    return _volunteers_out(container, actor, [row])[0]


def readable_volunteer(
    container: Container,
    actor: Actor,
    volunteer_id: UUID,
    kiosk_session: str | None = None,
) -> dict[str, Any]:
    """The volunteer's summary row, if this actor may see it: staff in scope, the
    volunteer itself, and a kiosk only inside the session the volunteer opened
    there with its PIN."""
    if actor.role is Role.KIOSK:
        container.kiosk_identification.sessions.check(
            actor, kiosk_session, volunteer_id
        )
    row = container.reads.volunteer(volunteer_id)
    if row is None:
        raise ApiProblem(
            404, "volunteer_exists", "Not found", f"no volunteer {volunteer_id}"
        )
    if actor.role is Role.KIOSK or actor.is_self(volunteer_id):
        return row
    if actor.role is Role.VOLUNTEER:
        raise Forbidden("a volunteer sees only its own record")
    check_reads_unit(container, actor, row["unit_id"])
    return row


def _volunteers_out(
    container: Container, actor: Actor, rows: list[dict[str, Any]]
) -> list[VolunteerOut]:
    """Clear names for admins, coordinators (rows are already in scope) and the
    volunteer itself; masked names for everyone else and for erased people."""
    shown = [r["id"] for r in rows if actor.sees_clear_name(r["id"])]
    people = container.vault.people(shown) if shown else {}
    return [
        VolunteerOut.model_validate(
            {
                **row,
                "name": people[row["id"]].name
                if row["id"] in people
                else row["name_masked"],
                "hours_to_next_star": hours_to_next_star(row["verified_hours"]),
            }
        )
        for row in rows
    ]


@router.post("/{volunteer_id}/deactivation", response_model=StatusChanged)
def deactivate_volunteer(
    volunteer_id: UUID,
    body: StatusChangeIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> StatusChanged:
    """An inactive volunteer gets no new hours; recorded hours stay."""
    return _set_status(container, actor, volunteer_id, False, body.reason, response)


@router.post("/{volunteer_id}/reactivation", response_model=StatusChanged)
def reactivate_volunteer(
    volunteer_id: UUID,
    body: StatusChangeIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> StatusChanged:
    """Makes an inactive volunteer active again, with a reason (an event)."""
    return _set_status(container, actor, volunteer_id, True, body.reason, response)


def _set_status(
    container: Container,
    actor: Actor,
    volunteer_id: UUID,
    active: bool,
    reason: str,
    response: Response,
) -> StatusChanged:
    outcome = container.commands.run(
        container.volunteers.change_status,
        ChangeStatus(volunteer_id, active, reason),
        actor,
    )
    return written(StatusChanged, outcome, response)


@router.post("/{volunteer_id}/erasure", response_model=ErasedOut)
def erase_personal_data(
    volunteer_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ErasedOut:
    """An admin erases the person's personal data (PIPL Art. 47) by destroying
    their vault key: name, ID number and phone read as 已删除 everywhere from now
    on, while hours, points, stars and the event log (with its hash chain) stay as
    an anonymous record. The erasure is an event naming who and why; the volunteer
    becomes inactive for good. 409 `personal_data_present` once erased."""
    outcome = container.commands.run(
        container.volunteers.erase_personal_data,
        ErasePersonalData(volunteer_id, body.reason),
        actor,
    )
    return written(ErasedOut, outcome, response)


@router.put("/{volunteer_id}/kiosk-pin", response_model=PinSetOut)
def set_kiosk_pin(
    volunteer_id: UUID,
    body: PinIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> PinSetOut:
    """Sets the six-digit PIN the volunteer identifies with at kiosks: the volunteer
    themselves, or a coordinator in scope (for someone without a phone). Setting it
    again replaces it and lifts a lockout. The PIN is never stored in clear, nor in
    any event."""
    outcome = container.commands.run(
        container.kiosks.set_pin, SetKioskPin(volunteer_id, body.pin), actor
    )
    return written(PinSetOut, outcome, response)
