"""Certificates of volunteer service: issued by coordinators, checked by anyone
who holds the number and the verification code."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.certificate_page import render, render_not_verified
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
from api.schemas.certificates import (
    CertificateCheckOut,
    CertificateIn,
    CertificateListed,
    CertificateOut,
    CertificateRevokedOut,
)
from api.schemas.common import ReasonIn
from application.certificates import IssueCertificate, RevokeCertificate
from application.services import Container
from domain.certificate import Period
from domain.errors import CertificateNotFound

router = APIRouter(prefix="/v1", tags=["certificates"])

NumberPath = Annotated[str, Path(max_length=40, description="e.g. VC-2026-000012")]
NOT_VERIFIED = "No certificate with that number and code: a page in Chinese"
CodeQuery = Annotated[
    str, Query(min_length=1, max_length=40, description="The verification code")
]


@router.post(
    "/volunteers/{volunteer_id}/certificates",
    status_code=201,
    response_model=CertificateOut,
)
def issue_certificate(
    volunteer_id: UUID,
    body: CertificateIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> CertificateOut:
    """A coordinator in scope certifies the verified hours of a period (志愿服务证明).
    The certificate is an event, tied to the log position it was computed at; its
    verification code is in this response only. Free of charge."""
    command = IssueCertificate(
        volunteer_id,
        Period(body.period_from, body.period_to),
        body.person_in_charge,
        body.contact,
        body.remarks,
        body.unit_id,
        body.handler,
    )
    key = scoped_key(
        actor, request, idempotency_key, body.model_dump(mode="json", by_alias=True)
    )
    outcome = container.commands.run(container.certificates.issue, command, actor, key)
    code = outcome.result.verification_code
    url = verification_url(container, outcome.result.number, code) if code else None
    return written(CertificateOut, outcome, response, verification_url=url)


def verification_url(container: Container, number: str, code: str) -> str:
    """The absolute address printed (and QR-coded) on the certificate."""
    query = urlencode({"code": code})
    return f"{container.settings.public_url}/v1/certificates/{number}.html?{query}"


@router.get(
    "/certificates", response_model=list[CertificateListed], dependencies=[ReadAfter]
)
def list_certificates(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: Annotated[
        UUID | None, Query(description="Issued by this unit and the units below it")
    ] = None,
    volunteer_id: Annotated[UUID | None, Query(description="Held by")] = None,
) -> list[CertificateListed]:
    """Certificates issued in scope, newest first, with their revocations (never the
    verification codes)."""
    within = readable_subtree(container, actor, unit_id)
    rows = container.reads.certificates(within, volunteer_id, page.limit, page.offset)
    return [CertificateListed.model_validate(r) for r in rows]


@router.get(
    "/volunteers/{volunteer_id}/certificates",
    response_model=list[CertificateListed],
    dependencies=[ReadAfter],
)
def volunteer_certificates(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep, page: PageDep
) -> list[CertificateListed]:
    """The certificates a volunteer holds, newest first, revoked ones marked: for
    staff in scope and the volunteer itself."""
    readable_volunteer(container, actor, volunteer_id)
    rows = container.reads.certificates(None, volunteer_id, page.limit, page.offset)
    return [CertificateListed.model_validate(r) for r in rows]


@router.post("/certificates/{number}/revocation", response_model=CertificateRevokedOut)
def revoke_certificate(
    number: NumberPath,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> CertificateRevokedOut:
    """Staff in scope of the issuing unit revoke a certificate with a reason (an
    event). It keeps checking, as revoked with the reason, never as unknown. 409
    `certificate_not_revoked` once revoked."""
    outcome = container.commands.run(
        container.certificates.revoke, RevokeCertificate(number, body.reason), actor
    )
    return written(CertificateRevokedOut, outcome, response)


@router.get(
    "/certificates/{number}.html",
    response_class=HTMLResponse,
    responses={404: {"content": {"text/html": {}}, "description": NOT_VERIFIED}},
)
def certificate_page(
    number: Annotated[str, Path(description="e.g. VC-2026-000012")],
    container: ContainerDep,
    code: Annotated[str, Query(description="The verification code")] = "",
) -> HTMLResponse:
    """The printable certificate (A4, Chinese), with the holder's name, its
    verification address and a QR code of it; a revoked one says so on its face.
    A person reaches it from the QR code: a wrong number or code is a page in
    Chinese too (404), never a problem document."""
    try:
        checked = container.certificates.check(number[:40], code[:40])
    except CertificateNotFound:
        return HTMLResponse(render_not_verified(number), status_code=404)
    holder = checked.volunteer_id
    person = container.vault.people([holder]).get(holder)
    name = person.name if person else checked.volunteer.name_masked
    url = verification_url(container, checked.number, code)
    awards = container.programme.standing_awards(holder, checked.issued_on)
    return HTMLResponse(render(checked, name, code, url, awards))


@router.get("/certificates/{number}", response_model=CertificateCheckOut)
def check_certificate(
    number: NumberPath, code: CodeQuery, container: ContainerDep
) -> CertificateCheckOut:
    """Anyone with the number and code checks a certificate: genuine, and whether
    its hours follow from the record at its position. No token needed; a wrong
    number or code is the same 404."""
    return CertificateCheckOut.model_validate(
        container.certificates.check(number, code)
    )
