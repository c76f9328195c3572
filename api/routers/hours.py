"""Service hours: recording, listing, corrections and correction requests."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    readable_subtree,
    scoped_key,
)
from api.routers.common import written
from api.routers.volunteers import readable_volunteer
from api.schemas.hours import (
    CorrectionIn,
    CorrectionOut,
    CorrectionRequestOut,
    DecisionIn,
    HourEntryOut,
    HourEntryPage,
    HoursIn,
    HoursRecorded,
)
from application.hours import CorrectHours, DecideCorrection, RecordHours
from domain.volunteer import RequestState, ServiceDetails

router = APIRouter(prefix="/v1", tags=["hours"])
DETAIL_FIELDS = set(ServiceDetails.__dataclass_fields__)


@router.post(
    "/volunteers/{volunteer_id}/hours", status_code=201, response_model=HoursRecorded
)
def record_hours(
    volunteer_id: UUID,
    body: HoursIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> HoursRecorded:
    """Records one service entry (Art. 7). Hours follow the rounding rule in force
    and earn points at the rate in force; both versions are recorded on the entry.
    Refused when the end is not after the start, the span is over 24 h, the end is
    in the future, the volunteer is unknown or inactive, or it overlaps a live
    entry. A retry with the same record_id or Idempotency-Key records nothing new
    and returns the first response."""
    details = ServiceDetails(**body.model_dump(include=DETAIL_FIELDS))
    command = RecordHours(
        volunteer_id,
        body.unit_id,
        body.started_at,
        body.ended_at,
        details,
        body.record_id,
    )
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.hours.record, command, actor, key)
    return written(HoursRecorded, outcome, response)


@router.get(
    "/volunteers/{volunteer_id}/hours",
    response_model=HourEntryPage,
    dependencies=[ReadAfter],
)
def list_hours(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep, page: PageDep
) -> HourEntryPage:
    """Entries newest first, revoked ones included (status shows it)."""
    readable_volunteer(container, actor, volunteer_id)
    rows, total = container.reads.hours(volunteer_id, page.limit, page.offset)
    return HourEntryPage(
        items=[HourEntryOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/volunteers/{volunteer_id}/hours/{record_id}/corrections",
    response_model=CorrectionOut,
    responses={202: {"model": CorrectionOut, "description": "Correction requested"}},
)
def correct_hours(
    volunteer_id: UUID,
    record_id: UUID,
    body: CorrectionIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> CorrectionOut:
    """A coordinator in scope (or an admin) corrects the times or revokes the entry
    at once (200); points move by the difference with entries of their own. The
    volunteer may only ask (202): a coordinator then accepts or rejects."""
    command = CorrectHours(
        volunteer_id,
        record_id,
        body.reason,
        body.started_at,
        body.ended_at,
        body.revoke,
    )
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.hours.correct, command, actor, key)
    if outcome.result.status == "requested":
        response.status_code = 202
    return written(CorrectionOut, outcome, response)


@router.post(
    "/volunteers/{volunteer_id}/correction-requests/{request_id}/accept",
    response_model=CorrectionOut,
)
def accept_correction(
    volunteer_id: UUID,
    request_id: UUID,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> CorrectionOut:
    """Applies the requested correction or revocation, with its points change."""
    outcome = container.commands.run(
        container.hours.decide_correction,
        DecideCorrection(volunteer_id, request_id, accept=True),
        actor,
    )
    return written(CorrectionOut, outcome, response)


@router.post(
    "/volunteers/{volunteer_id}/correction-requests/{request_id}/reject",
    response_model=CorrectionOut,
)
def reject_correction(
    volunteer_id: UUID,
    request_id: UUID,
    body: DecisionIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> CorrectionOut:
    """Refuses a volunteer's correction request, with a reason; nothing is corrected."""
    outcome = container.commands.run(
        container.hours.decide_correction,
        DecideCorrection(volunteer_id, request_id, False, body.reason),
        actor,
    )
    return written(CorrectionOut, outcome, response)


@router.get(
    "/correction-requests",
    response_model=list[CorrectionRequestOut],
    dependencies=[ReadAfter],
)
def list_correction_requests(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: UUID | None = None,
    state: Annotated[RequestState | None, Query()] = RequestState.PENDING,
) -> list[CorrectionRequestOut]:
    """Requests volunteers made, for the coordinators who decide them."""
    within = readable_subtree(container, actor, unit_id)
    rows = container.reads.correction_requests(
        within, state.value if state else None, page.limit, page.offset
    )
    return [CorrectionRequestOut.model_validate(r) for r in rows]
