"""Issuing and checking certificates of volunteer service (志愿服务证明).

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
from typing import Any
from uuid import UUID

from domain.access import Actor
from domain.certificate import (
    Certificate,
    Issuer,
    Period,
    certificate_id_for,
    normalise_number,
    summarise,
)
from domain.errors import CertificateNotFound, NotFound
from domain.reference import CHINA_TIME
from domain.volunteer import ERASED, Volunteer
from infra.core import Decision, LedgerCore, Outcome
from infra.idempotency import IdempotencyKey
from infra.recorder import EVENTS_TABLE

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10


@dataclass(frozen=True)
class NewCertificate:
    period: Period
    person_in_charge: str
    contact: str
    remarks: str = ""
    unit_id: UUID | None = None


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def certificate_view(cert: Certificate, erased: bool = False) -> dict[str, Any]:
    """`erased`: the holder's personal data is erased since, and reads so."""
    return {
        "number": cert.number,
        "volunteer": {
            "volunteer_number": cert.volunteer_number,
            "name_masked": ERASED if erased else cert.name_masked,
            "id_type": cert.id_type,
            "id_number_masked": ERASED if erased else cert.id_number_masked,
        },
        "period": {"from": cert.period.start, "to": cert.period.end},
        "hours": cert.hours,
        "entries": cert.entries,
        "activities": cert.activities,
        "issuer": {
            "unit_id": cert.issuer.unit_id,
            "name": cert.issuer.name,
            "person_in_charge": cert.issuer.person_in_charge,
            "handler": cert.issuer.handler,
            "contact": cert.issuer.contact,
        },
        "remarks": cert.remarks,
        "issued_on": cert.issued_on,
        "record_position": cert.position,
        "chain_link": cert.chain_link,
        "revoked": cert.revoked,
        "revocation_reason": cert.revocation_reason,
    }


class CertificateCommands(LedgerCore):
    def issue_certificate(
        self,
        volunteer_id: UUID,
        cmd: NewCertificate,
        actor: Actor,
        idem: IdempotencyKey | None = None,
    ) -> Outcome:
        """A coordinator in scope of the volunteer (and of the issuing unit,
        by default the volunteer's own) certifies the hours of a period."""
        today = self.clock().astimezone(CHINA_TIME).date()
        cmd.period.check(today)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))

        def decide() -> Decision:
            volunteer = self._field(Volunteer, volunteer_id, "volunteer_id")
            actor.check_manages(self.unit(volunteer.unit_id))
            unit = self.requested_unit(cmd.unit_id or volunteer.unit_id)
            actor.check_manages(unit)
            position, link = self._position_of(volunteer)
            number = self._next_certificate_number(today)
            issuer = Issuer(
                unit.id, unit.name, cmd.person_in_charge, actor.name, cmd.contact
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
            view = certificate_view(cert)
            return Decision(
                [cert],
                {**view, "verification_code": code},
                remembered={**view, "verification_code": None},
            )

        return self.execute(idem, decide)

    def certificate(self, number: str, code: str) -> Certificate:
        number = normalise_number(number)
        try:
            cert = self._load(Certificate, certificate_id_for(number), NotFound)
        except NotFound:
            raise CertificateNotFound(
                f"no certificate {number} with this code"
            ) from None
        given = self._code_digest(number, normalise_code(code)).hex()
        if not hmac.compare_digest(given, cert.code_digest):
            raise CertificateNotFound(f"no certificate {number} with this code")
        return cert

    def check_certificate(self, cert: Certificate) -> dict[str, Any]:
        """A genuine certificate (see `certificate`): does it match the record at
        its position, and what does today's record say?"""
        at_issue: Volunteer = self.repository.get(
            cert.volunteer_id, version=cert.volunteer_version
        )
        recomputed = summarise(at_issue.entries.values(), cert.period).hours
        holder = self.volunteer(cert.volunteer_id)
        now = summarise(holder.entries.values(), cert.period)
        row = self.db.fetch_one(
            "SELECT link FROM audit_chain WHERE notification_id = %s", (cert.position,)
        )
        link = bytes(row["link"]).hex() if row else None
        return {
            **certificate_view(cert, erased=holder.erased),
            "genuine": True,
            "matches_record": recomputed == cert.hours,
            "chain_link_matches": link == cert.chain_link,
            "hours_on_record_now": now.hours,
        }

    def revoke_certificate(self, number: str, reason: str, actor: Actor) -> Outcome:
        """Staff in scope of the issuing unit revoke a certificate, with a reason."""
        certificate_id = certificate_id_for(normalise_number(number))

        def decide() -> Decision:
            cert = self._load(Certificate, certificate_id, CertificateNotFound)
            actor.check_manages(self.unit(cert.issuer.unit_id))
            cert.revoke(reason, actor.label)
            return Decision([cert], certificate_view(cert))

        return self.execute(None, decide)

    def _code_digest(self, number: str, code: str) -> bytes:
        return self.vault.blind_index("certificate_code", f"{number}:{code}")

    def _position_of(self, volunteer: Volunteer) -> tuple[int, str]:
        """The log position of the volunteer's last event, and its chain link."""
        row = self.db.fetch_one(
            f"SELECT e.notification_id, c.link FROM {EVENTS_TABLE} e "  # noqa: S608
            "JOIN audit_chain c ON c.notification_id = e.notification_id "
            "WHERE e.originator_id = %s AND e.originator_version = %s",
            (volunteer.id, volunteer.version),
        )
        if row is None:
            raise RuntimeError(f"volunteer {volunteer.id} has no chained event")
        return row["notification_id"], bytes(row["link"]).hex()

    def _next_certificate_number(self, today: date) -> str:
        row = self.db.fetch_one("SELECT nextval('certificate_number_seq') AS n")
        if row is None:
            raise RuntimeError("certificate_number_seq returned nothing")
        return f"VC-{today.year}-{row['n']:06d}"
