"""Request and response models of certificates of volunteer service:
the bodies of api/routers/certificates.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from api.schemas.common import Number, Request, Response, Written, example


class CertificateIn(Request):
    model_config = example(
        {
            "from": "2026-01-01",
            "to": "2026-11-30",
            "person_in_charge": "李站长",
            "contact": "0634-1234567",
            "remarks": "",
        }
    )
    period_from: date = Field(alias="from", description="First day of service")
    period_to: date = Field(alias="to", description="Last day of service")
    person_in_charge: str = Field(
        min_length=1, max_length=40, description="The issuing unit's 负责人"
    )
    contact: str = Field(min_length=1, max_length=60, description="Issuer's contact")
    remarks: str = Field(default="", max_length=200)
    unit_id: UUID | None = Field(
        default=None, description="Issuing unit (default: the volunteer's own)"
    )
    handler: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="经办人, who prepared it: default the signed-in person "
        "issuing it; a machine's token must name one (422 handler_required).",
    )


class CertificateVolunteer(Response):
    volunteer_number: str
    name_masked: str
    id_type: str
    id_number_masked: str


class CertificatePeriod(Response):
    from_: date = Field(alias="from")
    to: date

    model_config = ConfigDict(
        from_attributes=True, populate_by_name=True, serialize_by_alias=True
    )


class CertificateIssuer(Response):
    unit_id: UUID
    name: str
    person_in_charge: str
    handler: str
    contact: str


class CertificateContents(Response):
    """What a certificate states (DOMAIN.md), as recorded in its event."""

    number: str
    volunteer: CertificateVolunteer
    period: CertificatePeriod
    hours: Number
    entries: int
    activities: list[str]
    issuer: CertificateIssuer
    remarks: str
    issued_on: date
    record_position: int = Field(
        description="Log position of the record the hours were computed from"
    )
    chain_link: str = Field(description="The hash-chain link at that position")
    revoked: bool = Field(description="Revoked by its issuer since (see the reason)")
    revocation_reason: str | None = Field(description="Why it was revoked")


class CertificateOut(Written, CertificateContents):
    verification_code: str | None = Field(
        description="Shown once, to the issuer; a replay answers null"
    )
    verification_url: str | None = Field(
        description="Where a third party checks it (the printable page, on "
        "VLEDGER_PUBLIC_BASE_URL); null when the code is"
    )


class CertificateListed(Response):
    number: str
    volunteer_id: UUID
    volunteer_number: str
    issuer_unit_id: UUID
    issuer_name: str
    period_from: date
    period_to: date
    hours: Number
    issued_on: date
    issued_by: str = Field(description="Who issued it: role, name and token id")
    revoked_at: datetime | None = Field(description="When it was revoked")
    revoked_by: str | None = Field(description="Who revoked it")
    revocation_reason: str | None


class CertificateRevokedOut(Written):
    number: str
    revoked: bool
    revocation_reason: str | None


class CertificateCheckOut(CertificateContents):
    genuine: bool
    matches_record: bool = Field(
        description="The hours follow from the record at the certificate's position"
    )
    chain_link_matches: bool
    hours_on_record_now: Number = Field(
        description="Hours in the same period on today's record (corrections since)"
    )
