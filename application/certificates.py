"""Issuing, revoking and checking certificates of volunteer service (志愿服务证明).

The verification code is shown once, to the issuer, and kept only as an HMAC under a
key derived from the master key, so neither the events nor a stolen database let
anyone mint a valid code. Checking a certificate recomputes its hours from the
volunteer's stream at the version it was computed from, and reports whether the
record has changed since."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from application.people import person_name
from domain.access import Actor
from domain.certificate import (
    Certificate,
    Issuer,
    Period,
    certificate_id_for,
    normalise_number,
    summarise,
)
from domain.errors import CertificateNotFound, InvalidInput, NotFound
from domain.reference import CHINA_TIME
from domain.volunteer import ERASED, Volunteer
from infra.chain import ChainPositions
from infra.sequences import Sequences
from infra.vault import Vault, VaultReader

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10


@dataclass(frozen=True)
class IssueCertificate:
    volunteer_id: UUID
    period: Period
    person_in_charge: str
    contact: str
    remarks: str = ""
    unit_id: UUID | None = None
    #: 经办人: who prepared it; None: the signed-in person issuing it.
    handler: str | None = None


@dataclass(frozen=True)
class RevokeCertificate:
    number: str
    reason: str


@dataclass(frozen=True)
class CertifiedVolunteer:
    volunteer_number: str
    name_masked: str
    id_type: str
    id_number_masked: str


@dataclass(frozen=True)
class CertifiedPeriod:
    #: Kept with an idempotency key, and answered, as "from" (a Python keyword).
    from_: Annotated[date, Field(alias="from")]
    to: date


@dataclass(frozen=True)
class CertificateContents:
    """What a certificate states, as recorded in its event."""

    number: str
    volunteer: CertifiedVolunteer
    period: CertifiedPeriod
    hours: Decimal
    entries: int
    activities: list[str]
    issuer: Issuer
    remarks: str
    issued_on: date
    record_position: int
    chain_link: str
    revoked: bool
    revocation_reason: str | None

    @staticmethod
    def fields_of(cert: Certificate, erased: bool = False) -> dict[str, Any]:
        """`erased`: the holder's personal data is erased since, and reads so."""
        return {
            "number": cert.number,
            "volunteer": CertifiedVolunteer(
                cert.volunteer_number,
                ERASED if erased else cert.name_masked,
                cert.id_type,
                ERASED if erased else cert.id_number_masked,
            ),
            "period": CertifiedPeriod(cert.period.start, cert.period.end),
            "hours": cert.hours,
            "entries": cert.entries,
            "activities": list(cert.activities),
            "issuer": cert.issuer,
            "remarks": cert.remarks,
            "issued_on": cert.issued_on,
            "record_position": cert.position,
            "chain_link": cert.chain_link,
            "revoked": cert.revoked,
            "revocation_reason": cert.revocation_reason,
        }


@dataclass(frozen=True)
class CertificateIssued(CertificateContents):
    #: Shown once, to the issuer; a replay answers None.
    verification_code: str | None


@dataclass(frozen=True)
class CertificateRevoked:
    number: str
    revoked: bool
    revocation_reason: str | None


@dataclass(frozen=True)
class CertificateCheck(CertificateContents):
    volunteer_id: UUID
    genuine: bool
    #: The hours follow from the record at the certificate's position.
    matches_record: bool
    chain_link_matches: bool
    #: Hours in the same period on today's record (corrections since).
    hours_on_record_now: Decimal


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


class Certificates:
    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        vault: Vault,
        sequences: Sequences,
        positions: ChainPositions,
        people: VaultReader,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.vault = vault
        self.sequences = sequences
        self.positions = positions
        self.people = people

    def issue(self, cmd: IssueCertificate, actor: Actor) -> Decision[CertificateIssued]:
        """A coordinator in scope of the volunteer (and of the issuing unit, by
        default the volunteer's own) certifies the hours of a period."""
        today = self.clock.now().astimezone(CHINA_TIME).date()
        cmd.period.check(today)
        volunteer = self.aggregates.named(Volunteer, cmd.volunteer_id, "volunteer_id")
        actor.check_manages(self.aggregates.unit(volunteer.unit_id))
        unit = self.aggregates.named_unit(cmd.unit_id or volunteer.unit_id)
        actor.check_manages(unit)
        position, link = self.positions.of_version(volunteer.id, volunteer.version)
        number = self.sequences.certificate_number(today.year)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        issuer = Issuer(
            unit.id,
            unit.name,
            cmd.person_in_charge,
            self._handler(cmd, actor),
            cmd.contact,
        )
        cert = Certificate.issue(
            number,
            self._code_digest(number, code),
            volunteer,
            cmd.period,
            issuer,
            cmd.remarks,
            position,
            link,
            today,
            actor.label,
        )
        contents = CertificateContents.fields_of(cert)
        return Decision(
            [cert],
            CertificateIssued(**contents, verification_code=code),
            remembered=CertificateIssued(**contents, verification_code=None),
        )

    def _handler(self, cmd: IssueCertificate, actor: Actor) -> str:
        """经办人 is a person: the one named, or the signed-in person issuing it;
        a machine's token names none, so it must name one."""
        handler = cmd.handler or person_name(self.people, actor)
        if handler is None:
            raise InvalidInput(
                "handler",
                "handler_required",
                "name the person who prepared it (经办人): a machine's token "
                "is not a person",
            )
        return handler

    def revoke(
        self, cmd: RevokeCertificate, actor: Actor
    ) -> Decision[CertificateRevoked]:
        """Staff in scope of the issuing unit revoke a certificate, with a reason."""
        certificate_id = certificate_id_for(normalise_number(cmd.number))
        cert = self.aggregates.get(Certificate, certificate_id, CertificateNotFound)
        actor.check_manages(self.aggregates.unit(cert.issuer.unit_id))
        cert.revoke(cmd.reason, actor.label)
        return Decision(
            [cert],
            CertificateRevoked(cert.number, cert.revoked, cert.revocation_reason),
        )

    def check(self, number: str, code: str) -> CertificateCheck:
        """A third party's check, with the number and the code: is it genuine,
        does it match the record at its position, and what does today's record
        say? A wrong code reads as no such certificate."""
        cert = self._genuine(number, code)
        at_issue: Volunteer = self.aggregates.store.at_version(
            cert.volunteer_id, cert.volunteer_version
        )
        recomputed = summarise(at_issue.entries.values(), cert.period).hours
        holder = self.aggregates.volunteer(cert.volunteer_id)
        now = summarise(holder.entries.values(), cert.period)
        return CertificateCheck(
            **CertificateContents.fields_of(cert, erased=holder.erased),
            volunteer_id=cert.volunteer_id,
            genuine=True,
            matches_record=recomputed == cert.hours,
            chain_link_matches=self.positions.link_at(cert.position) == cert.chain_link,
            hours_on_record_now=now.hours,
        )

    def _genuine(self, number: str, code: str) -> Certificate:
        number = normalise_number(number)
        try:
            cert = self.aggregates.get(
                Certificate, certificate_id_for(number), NotFound
            )
        except NotFound:
            raise CertificateNotFound(
                f"no certificate {number} with this code"
            ) from None
        given = self._code_digest(number, normalise_code(code)).hex()
        if not hmac.compare_digest(given, cert.code_digest):
            raise CertificateNotFound(f"no certificate {number} with this code")
        return cert

    def _code_digest(self, number: str, code: str) -> bytes:
        return self.vault.blind_index("certificate_code", f"{number}:{code}")
