"""A volunteer's registration of its own (自主注册), pending until a coordinator of
the chosen station checks the person's identity and approves it, or refuses it
with a reason. The consent to the privacy notice is an event of its own."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import IllegalTransition, InvalidInput, NotFound
from domain.identity import MaskedIdentity
from domain.ids import NAMESPACE
from domain.privacy import check_consent
from domain.volunteer import check_reason, clean_skills


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class RegistrationNotFound(NotFound):
    rule = "registration_exists"


def volunteer_id_for(registration_id: UUID) -> UUID:
    """The volunteer an approval makes: known from the start, so that the personal
    data and the ID number's claim are kept under it while the registration waits."""
    return uuid5(NAMESPACE, f"registration-volunteer/{registration_id}")


class VolunteerRegistration(CopiedCheaply, Aggregate):
    """No clear personal data in these events: it is in the vault, under the
    volunteer id an approval will use."""

    @staticmethod
    def create_id(registration_id: UUID, **_: Any) -> UUID:
        return registration_id

    @event("Submitted")
    def __init__(
        self,
        registration_id: UUID,
        station_id: UUID,
        login_id: UUID,
        gender: str,
        birth_year: int,
        name_masked: str,
        id_number_masked: str,
        phone_masked: str,
        skills: list[str],
        party_member: bool,
    ) -> None:
        self.volunteer_id = volunteer_id_for(registration_id)
        self.station_id = station_id
        self.login_id = login_id
        self.gender = gender
        self.birth_year = birth_year
        self.name_masked = name_masked
        self.id_number_masked = id_number_masked
        self.phone_masked = phone_masked
        self.skills = skills
        self.party_member = party_member
        self.status = RegistrationStatus.PENDING
        self.notice_version: str | None = None

    @classmethod
    def submit(
        cls,
        registration_id: UUID,
        station_id: UUID,
        login_id: UUID,
        gender: str,
        birth_year: int,
        masked: MaskedIdentity,
        skills: list[str],
        party_member: bool,
        notice_version: str,
        agreed: bool,
    ) -> VolunteerRegistration:
        check_consent(notice_version, agreed)
        registration = cls(
            registration_id=registration_id,
            station_id=station_id,
            login_id=login_id,
            gender=gender,
            birth_year=birth_year,
            name_masked=masked.name,
            id_number_masked=masked.id_number,
            phone_masked=masked.phone,
            skills=clean_skills(skills),
            party_member=party_member,
        )
        registration._consented(notice_version=notice_version)
        return registration

    @event("ConsentGiven")
    def _consented(self, notice_version: str) -> None:
        self.notice_version = notice_version

    @property
    def masked(self) -> MaskedIdentity:
        return MaskedIdentity(
            self.name_masked, self.id_number_masked, self.phone_masked
        )

    def _check_pending(self, command: str) -> None:
        if self.status is not RegistrationStatus.PENDING:
            raise IllegalTransition(
                f"cannot {command} a registration that is {self.status.value}",
                state=self.status.value,
            )

    def approve(self, identity_checked: bool, actor: str) -> None:
        """The coordinator saw the person's ID card and it matches."""
        self._check_pending("approve")
        if not identity_checked:
            raise InvalidInput(
                "identity_checked",
                "identity_checked",
                "check the person's ID card against the registration first",
            )
        self._approved(actor=actor)

    @event("Approved")
    def _approved(self, actor: str) -> None:
        self.status = RegistrationStatus.APPROVED

    def refuse(self, reason: str, actor: str) -> None:
        self._check_pending("refuse")
        check_reason(reason)
        self._refused(reason=reason.strip(), actor=actor)

    @event("Refused")
    def _refused(self, reason: str, actor: str) -> None:
        self.status = RegistrationStatus.REFUSED
