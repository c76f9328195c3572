"""Certificates of volunteer service (志愿服务证明, 2015 guidance and 2020 measures).

A certificate states identity, service (hours, content, period) and issuer as they
stood when it was computed, names the position in the log it was computed at, and is
itself an event. Third parties check it with its number and verification code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import Conflict, InvalidInput
from domain.ids import NAMESPACE
from domain.instants import check_day, end_of_day
from domain.order import check_text
from domain.reference import CHINA_TIME
from domain.volunteer import Entry, Volunteer, check_reason

ID_TYPE = "居民身份证"
ACTIVITIES_LISTED = 5


class NoHoursInPeriod(Conflict):
    rule = "hours_on_record"


class CertificateAlreadyRevoked(Conflict):
    rule = "certificate_not_revoked"


def normalise_number(number: str) -> str:
    """Certificate numbers are read in any case (`vc-2026-000012`) and spacing."""
    return "".join(number.split()).upper()


def certificate_id_for(number: str) -> UUID:
    return uuid5(NAMESPACE, f"certificate/{number}")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def check(self, today: date) -> None:
        check_day("from", self.start, today, "period_not_in_future")
        check_day("to", self.end, today, "period_not_in_future")
        if self.end < self.start:
            raise InvalidInput("to", "period_order", "must not be before from")

    def covers(self, entry: Entry) -> bool:
        """Compares instants rather than converting the entry's to a day: an entry
        stored before instants were bounded may not convert."""
        first = datetime.combine(self.start, time(), CHINA_TIME)
        return first <= entry.span.started_at <= end_of_day(self.end)


@dataclass(frozen=True)
class ServiceSummary:
    hours: Decimal
    entries: int
    activities: list[str]


def summarise(entries: Iterable[Entry], period: Period) -> ServiceSummary:
    """Live entries that started within the period: hours, count and the most
    frequent activity names."""
    covered = [e for e in entries if not e.revoked and period.covers(e)]
    names = Counter(e.activity_name for e in covered if e.activity_name)
    return ServiceSummary(
        sum((e.hours for e in covered), Decimal(0)),
        len(covered),
        [name for name, _ in names.most_common(ACTIVITIES_LISTED)],
    )


@dataclass(frozen=True)
class Issuer:
    unit_id: UUID
    name: str
    person_in_charge: str
    handler: str
    contact: str

    def check(self) -> None:
        check_text("person_in_charge", self.person_in_charge, 40)
        check_text("contact", self.contact, 60)


class Certificate(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(number: str, **_: Any) -> UUID:
        return certificate_id_for(number)

    @classmethod
    def issue(
        cls,
        number: str,
        code_digest: bytes,
        volunteer: Volunteer,
        period: Period,
        issuer: Issuer,
        remarks: str,
        position: int,
        chain_link: str,
        issued_on: date,
        actor: str,
    ) -> Certificate:
        issuer.check()
        summary = summarise(volunteer.entries.values(), period)
        if summary.hours <= 0:
            raise NoHoursInPeriod(
                "no verified hours on record in this period", field="from"
            )
        return cls(
            number=number,
            code_digest=code_digest.hex(),
            volunteer_id=volunteer.id,
            volunteer_version=volunteer.version,
            volunteer_number=volunteer.volunteer_number,
            name_masked=volunteer.name_masked,
            id_type=ID_TYPE,
            id_number_masked=volunteer.id_number_masked,
            period_from=period.start,
            period_to=period.end,
            hours=summary.hours,
            entries=summary.entries,
            activities=summary.activities,
            issuer_unit_id=issuer.unit_id,
            issuer_name=issuer.name,
            person_in_charge=issuer.person_in_charge,
            handler=issuer.handler,
            contact=issuer.contact,
            remarks=remarks,
            position=position,
            chain_link=chain_link,
            issued_on=issued_on,
            actor=actor,
        )

    @event("Issued")
    def __init__(
        self,
        number: str,
        code_digest: str,
        volunteer_id: UUID,
        volunteer_version: int,
        volunteer_number: str,
        name_masked: str,
        id_type: str,
        id_number_masked: str,
        period_from: date,
        period_to: date,
        hours: Decimal,
        entries: int,
        activities: list[str],
        issuer_unit_id: UUID,
        issuer_name: str,
        person_in_charge: str,
        handler: str,
        contact: str,
        remarks: str,
        position: int,
        chain_link: str,
        issued_on: date,
        actor: str,
    ) -> None:
        self.number = number
        self.code_digest = code_digest
        self.volunteer_id = volunteer_id
        self.volunteer_version = volunteer_version
        self.volunteer_number = volunteer_number
        self.name_masked = name_masked
        self.id_type = id_type
        self.id_number_masked = id_number_masked
        self.period = Period(period_from, period_to)
        self.hours = hours
        self.entries = entries
        self.activities = list(activities)
        self.issuer = Issuer(
            issuer_unit_id, issuer_name, person_in_charge, handler, contact
        )
        self.remarks = remarks
        self.position = position
        self.chain_link = chain_link
        self.issued_on = issued_on
        self.revoked = False
        self.revocation_reason: str | None = None

    def revoke(self, reason: str, actor: str) -> None:
        """A certificate found wrong is revoked, never deleted: it then checks as
        revoked (with the reason), not as unknown."""
        if self.revoked:
            raise CertificateAlreadyRevoked(
                f"certificate {self.number} is already revoked", state="revoked"
            )
        check_reason(reason)
        self._revoked(reason=reason, actor=actor)

    @event("Revoked")
    def _revoked(self, reason: str, actor: str) -> None:
        self.revoked = True
        self.revocation_reason = reason
