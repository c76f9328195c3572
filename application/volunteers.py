"""Volunteers: registration (clear personal data to the vault only), status, and
erasure of a person's personal data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from application.logins import VOLUNTEER_LOGIN
from domain.access import Actor, Role
from domain.account import CreditAccount
from domain.errors import DuplicateIdNumber
from domain.identity import (
    Gender,
    MaskedIdentity,
    PersonalData,
    check_birth_date,
    check_id_number,
    check_name,
    check_phone,
    normalise_id_number,
    normalise_phone,
)
from domain.ids import account_id_for
from domain.login import Login, LoginStatus
from domain.volunteer import ERASED, Volunteer, VolunteerStatus, clean_skills
from infra import claims
from infra.idempotency import redact_stored_responses
from infra.kiosk_pins import forget_kiosk_pin
from infra.recorder import SideWrite
from infra.sequences import Sequences
from infra.sign_in_guard import LOGIN_NAME_INDEX
from infra.sign_in_sessions import end_sessions_of
from infra.vault import Vault


@dataclass(frozen=True)
class RegisterVolunteer:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "volunteer_id"
    name: str
    gender: Gender
    birth_date: date
    id_number: str
    phone: str
    unit_id: UUID
    skills: list[str] = field(default_factory=list)
    party_member: bool = False
    volunteer_id: UUID | None = None


@dataclass(frozen=True)
class ChangeStatus:
    volunteer_id: UUID
    active: bool
    reason: str


@dataclass(frozen=True)
class ErasePersonalData:
    volunteer_id: UUID
    reason: str


@dataclass(frozen=True)
class VolunteerRegistered:
    """The registration's answer. It is kept for idempotent replays, so it holds
    masked values only: clear personal data lives in the vault alone."""

    id: UUID
    volunteer_number: str
    unit_id: UUID
    name_masked: str
    id_number_masked: str
    phone_masked: str
    gender: Gender
    birth_year: int
    skills: list[str]
    party_member: bool
    status: VolunteerStatus


@dataclass(frozen=True)
class StatusChanged:
    id: UUID
    status: VolunteerStatus


@dataclass(frozen=True)
class PersonalDataErased:
    id: UUID
    erased: bool
    status: VolunteerStatus


class Volunteers:
    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        vault: Vault,
        sequences: Sequences,
        claims_reader: claims.ClaimReader,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.vault = vault
        self.sequences = sequences
        self.claims = claims_reader

    def register(
        self, cmd: RegisterVolunteer, actor: Actor
    ) -> Decision[VolunteerRegistered]:
        actor.check_manages(self.aggregates.named_unit(cmd.unit_id))
        person = self.checked_person(
            cmd.name, cmd.gender, cmd.birth_date, cmd.id_number, cmd.phone
        )
        skills = clean_skills(cmd.skills)
        volunteer_id = cmd.volunteer_id or uuid4()
        masked = person.masked
        volunteer, account = self.enrol(
            volunteer_id,
            cmd.unit_id,
            cmd.gender.value,
            person.birth_date.year,
            masked,
            skills,
            cmd.party_member,
            actor.label,
        )
        id_digest = self.vault.blind_index("id_number", person.id_number)
        registered = VolunteerRegistered(
            volunteer.id,
            volunteer.volunteer_number,
            volunteer.unit_id,
            masked.name,
            masked.id_number,
            masked.phone,
            cmd.gender,
            cmd.birth_date.year,
            skills,
            cmd.party_member,
            volunteer.status,
        )
        return Decision(
            [volunteer, account],
            registered,
            [
                self.vault.store(volunteer_id, person),
                claims.claim("id_number", id_digest, volunteer_id),
            ],
            claim_conflict=DuplicateIdNumber(
                "a volunteer with this ID number is already registered",
                field="id_number",
            ),
        )

    def enrol(
        self,
        volunteer_id: UUID,
        unit_id: UUID,
        gender: str,
        birth_year: int,
        masked: MaskedIdentity,
        skills: list[str],
        party_member: bool,
        actor: str,
    ) -> tuple[Volunteer, CreditAccount]:
        """A new volunteer with its number and its points account; registered by
        staff, or approved from a registration of its own."""
        volunteer = Volunteer(
            volunteer_id=volunteer_id,
            volunteer_number=self.sequences.volunteer_number(),
            unit_id=unit_id,
            gender=gender,
            birth_year=birth_year,
            name_masked=masked.name,
            id_number_masked=masked.id_number,
            phone_masked=masked.phone,
            skills=skills,
            party_member=party_member,
            actor=actor,
        )
        return volunteer, CreditAccount(volunteer_id=volunteer_id)

    def checked_person(
        self, name: str, gender: Gender, birth_date: date, id_number: str, phone: str
    ) -> PersonalData:
        """Art. 6's identifying fields, checked (GB 11643: the ID number agrees
        with the birth date and the gender)."""
        check_name(name)
        id_number = normalise_id_number(id_number)
        check_birth_date(birth_date, self.clock.now().date())
        check_id_number(id_number, birth_date, gender)
        phone = normalise_phone(phone)
        check_phone(phone)
        return PersonalData(name.strip(), id_number, phone, birth_date)

    def change_status(self, cmd: ChangeStatus, actor: Actor) -> Decision[StatusChanged]:
        volunteer = self.aggregates.volunteer(cmd.volunteer_id)
        actor.check_manages(self.aggregates.unit(volunteer.unit_id))
        if cmd.active:
            volunteer.reactivate(cmd.reason, actor.label)
        else:
            volunteer.deactivate(cmd.reason, actor.label)
        return Decision([volunteer], StatusChanged(volunteer.id, volunteer.status))

    def erase_personal_data(
        self, cmd: ErasePersonalData, actor: Actor
    ) -> Decision[PersonalDataErased]:
        """PIPL Art. 47: an admin erases a person's personal data. The event (who,
        why) commits with the side writes that destroy it: the vault key and record
        shredded, the blind indexes and the ID-number claim dropped, the kiosk PIN
        forgotten, the masked values in stored responses replaced; the person's
        login, if any, is closed and its name freed."""
        actor.check_role(Role.ADMIN)
        volunteer = self.aggregates.volunteer(cmd.volunteer_id)
        masked = (
            volunteer.name_masked,
            volunteer.id_number_masked,
            volunteer.phone_masked,
        )
        volunteer.erase_personal_data(cmd.reason, actor.label)
        login, login_writes = self._close_login(volunteer.id, cmd.reason, actor)
        return Decision(
            [volunteer, *login],
            PersonalDataErased(volunteer.id, volunteer.erased, volunteer.status),
            [
                self.vault.shred(volunteer.id),
                claims.release("id_number", volunteer.id),
                forget_kiosk_pin(volunteer.id),
                redact_stored_responses(
                    [volunteer.id, account_id_for(volunteer.id)], masked, ERASED
                ),
                *login_writes,
            ],
        )

    def _close_login(
        self, volunteer_id: UUID, reason: str, actor: Actor
    ) -> tuple[list[Login], list[SideWrite]]:
        """An erased person signs in no more: its login is disabled, its sessions
        end, its password hash goes, and its login name is free."""
        login_id = self.claims.owner(VOLUNTEER_LOGIN, volunteer_id.bytes)
        login = None if login_id is None else self.aggregates.find(Login, login_id)
        if login is None:
            return [], []
        if login.status in (LoginStatus.ACTIVE, LoginStatus.LOCKED):
            login.disable(reason, actor.label)
        return [login], [
            end_sessions_of(login.id, "personal_data_erased", self.clock.now()),
            claims.release(LOGIN_NAME_INDEX, login.id),
            claims.release(VOLUNTEER_LOGIN, login.id),
            SideWrite("DELETE FROM login_secrets WHERE login_id = %s", (login.id,)),
        ]
