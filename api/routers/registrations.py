"""Volunteers' registrations of their own, as the station's staff check, approve or
refuse them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    PageDep,
    ReadAfter,
    check_reads_unit,
    readable_subtree,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.common import ReasonIn
from api.schemas.people import ApprovalIn, RegistrationOut, RegistrationWritten
from application.registrations import ApproveRegistration, RefuseRegistration
from domain.access import Role
from domain.registration import RegistrationStatus

router = APIRouter(prefix="/v1", tags=["registrations"])


def missing_registration(registration_id: UUID) -> ApiProblem:
    return ApiProblem(
        404, "registration_exists", "Not found", f"no registration {registration_id}"
    )


@router.get(
    "/volunteer-registrations",
    response_model=list[RegistrationOut],
    dependencies=[ReadAfter],
)
def list_registrations(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: UUID | None = None,
    status: RegistrationStatus | None = None,
) -> list[RegistrationOut]:
    """Registrations at the stations of a unit and below (coordinators: their
    scope), oldest first: the queue to check. Masked data; one registration's page
    shows staff the clear data to check against the ID card."""
    within = readable_subtree(container, actor, unit_id)
    rows = container.people.registrations(
        within, status.value if status else None, page.limit, page.offset
    )
    return [RegistrationOut.model_validate(_masked(row)) for row in rows]


@router.get(
    "/volunteer-registrations/{registration_id}",
    response_model=RegistrationOut,
    dependencies=[ReadAfter],
)
def get_registration(
    registration_id: UUID, container: ContainerDep, actor: ActorDep
) -> RegistrationOut:
    """One registration. Admins and coordinators in scope see the clear name, ID
    number and phone (to check against the ID card) while it waits; auditors, and
    everyone once it is decided, the masked ones (a refused one's data is gone)."""
    row = container.people.registration(registration_id)
    if row is None:
        raise missing_registration(registration_id)
    check_reads_unit(container, actor, row["station_id"])
    shown = _masked(row)
    waiting = row["status"] == RegistrationStatus.PENDING
    if waiting and actor.role in (Role.ADMIN, Role.COORDINATOR):
        person = container.vault.personal_data(row["volunteer_id"])
        if person is not None:
            shown |= {
                "name": person.name,
                "id_number": person.id_number,
                "phone": person.phone,
            }
    return RegistrationOut.model_validate(shown)


def _masked(row: dict[str, object]) -> dict[str, object]:
    return {
        **row,
        "name": row["name_masked"],
        "id_number": row["id_number_masked"],
        "phone": row["phone_masked"],
    }


@router.post(
    "/volunteer-registrations/{registration_id}/approval",
    response_model=RegistrationWritten,
)
def approve_registration(
    registration_id: UUID,
    body: ApprovalIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> RegistrationWritten:
    """The ID card was checked: the volunteer is registered (number, points
    account) and its login opens. 422 `identity_checked` without the check."""
    command = ApproveRegistration(registration_id, body.identity_checked)
    outcome = container.commands.run(container.registrations.approve, command, actor)
    return written(RegistrationWritten, outcome, response)


@router.post(
    "/volunteer-registrations/{registration_id}/refusal",
    response_model=RegistrationWritten,
)
def refuse_registration(
    registration_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> RegistrationWritten:
    """Refused with a reason the person sees; its personal data is deleted, and the
    ID number and login name are free again."""
    command = RefuseRegistration(registration_id, body.reason)
    outcome = container.commands.run(container.registrations.refuse, command, actor)
    return written(RegistrationWritten, outcome, response)
