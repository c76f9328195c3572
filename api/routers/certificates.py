"""Certificates of volunteer service: issued by coordinators, checked by anyone
who holds the number and the verification code."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.certificate_page import render
from api.deps import ActorDep, ContainerDep, IdempotencyHeader, scoped_key
from api.routers.common import written
from api.schemas import CertificateCheckOut, CertificateIn, CertificateOut
from domain.certificate import Period
from infra.certificates import NewCertificate

router = APIRouter(prefix="/v1", tags=["certificates"])

NumberPath = Annotated[str, Path(max_length=40, description="e.g. VC-2026-000012")]
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
    command = NewCertificate(
        Period(body.period_from, body.period_to),
        body.person_in_charge,
        body.contact,
        body.remarks,
        body.unit_id,
    )
    key = scoped_key(
        actor, request, idempotency_key, body.model_dump(mode="json", by_alias=True)
    )
    outcome = container.ledger.issue_certificate(volunteer_id, command, actor, key)
    return written(CertificateOut, outcome, response)


@router.get("/certificates/{number}.html", response_class=HTMLResponse)
def certificate_page(
    number: NumberPath, code: CodeQuery, container: ContainerDep
) -> str:
    """The printable certificate (A4, Chinese), with the holder's name."""
    cert = container.ledger.certificate(number, code)
    checked = container.ledger.check_certificate(cert)
    person = container.vault.people([cert.volunteer_id]).get(cert.volunteer_id)
    name = person.name if person else cert.name_masked  # erased: masked stays
    return render(checked, name, code)


@router.get("/certificates/{number}", response_model=CertificateCheckOut)
def check_certificate(
    number: NumberPath, code: CodeQuery, container: ContainerDep
) -> CertificateCheckOut:
    """Anyone with the number and code checks a certificate: genuine, and whether
    its hours follow from the record at its position. No token needed; a wrong
    number or code is the same 404."""
    cert = container.ledger.certificate(number, code)
    return CertificateCheckOut.model_validate(container.ledger.check_certificate(cert))
