"""A volunteer's registration of its own: submitted with Art. 6's fields, a login
and the consent to the privacy notice; approved (after an identity check) or refused
by a coordinator of the chosen station. Until then the person's data waits in the
vault under the volunteer id the approval will use, and the ID number is claimed,
so that one ID number registers once whoever registers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates
from application.executor import Decision
from application.logins import VOLUNTEER_LOGIN, LoginNotFound
from application.volunteers import Volunteers
from domain.access import Actor, Role
from domain.errors import DuplicateIdNumber
from domain.identity import Gender
from domain.login import (
    DuplicateLogin,
    Login,
    check_login,
    check_password,
    containing,
    normalise_login,
)
from domain.organisation import check_is_station
from domain.registration import (
    RegistrationNotFound,
    RegistrationStatus,
    VolunteerRegistration,
    volunteer_id_for,
)
from infra import claims
from infra.passwords import Passwords
from infra.recorder import SideWrite
from infra.sign_in_guard import LOGIN_NAME_INDEX, forgive_login
from infra.vault import Vault

#: Who submits a registration of one's own or a resident's: nobody signed in yet.
SELF_SERVICE = Actor(Role.RESIDENT, UUID(int=1), "self-service")


@dataclass(frozen=True)
class SubmitRegistration:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "registration_id"
    name: str
    gender: Gender
    birth_date: date
    id_number: str
    phone: str
    station_id: UUID
    login: str
    password: str
    notice_version: str
    agreed: bool
    skills: list[str] = field(default_factory=list)
    party_member: bool = False
    registration_id: UUID | None = None


@dataclass(frozen=True)
class ApproveRegistration:
    registration_id: UUID
    identity_checked: bool


@dataclass(frozen=True)
class RefuseRegistration:
    registration_id: UUID
    reason: str


@dataclass(frozen=True)
class RegistrationState:
    id: UUID
    status: RegistrationStatus
    station_id: UUID
    volunteer_id: UUID
    login_id: UUID
    name_masked: str
    phone_masked: str
    notice_version: str | None
    volunteer_number: str | None = None

    @classmethod
    def of(
        cls, registration: VolunteerRegistration, number: str | None = None
    ) -> RegistrationState:
        return cls(
            registration.id,
            registration.status,
            registration.station_id,
            registration.volunteer_id,
            registration.login_id,
            registration.name_masked,
            registration.phone_masked,
            registration.notice_version,
            number,
        )


class Registrations:
    def __init__(
        self,
        aggregates: Aggregates,
        vault: Vault,
        passwords: Passwords,
        claims_reader: claims.ClaimReader,
        volunteers: Volunteers,
    ) -> None:
        self.aggregates = aggregates
        self.vault = vault
        self.passwords = passwords
        self.claims = claims_reader
        self.volunteers = volunteers

    def submit(
        self, cmd: SubmitRegistration, actor: Actor
    ) -> Decision[RegistrationState]:
        station = self.aggregates.named_unit(cmd.station_id, "station_id")
        check_is_station(station, "volunteers register at a station (站)")
        person = self.volunteers.checked_person(
            cmd.name, cmd.gender, cmd.birth_date, cmd.id_number, cmd.phone
        )
        name = normalise_login(cmd.login)
        check_login(name)
        check_password(cmd.password, containing(name))
        id_digest = self.vault.blind_index("id_number", person.id_number)
        login_digest = self.vault.blind_index(LOGIN_NAME_INDEX, name)
        self._check_free(id_digest, login_digest)
        registration_id = cmd.registration_id or uuid4()
        volunteer_id = volunteer_id_for(registration_id)
        login_id = uuid4()
        registration = VolunteerRegistration.submit(
            registration_id,
            station.id,
            login_id,
            cmd.gender.value,
            person.birth_date.year,
            person.masked,
            cmd.skills,
            cmd.party_member,
            cmd.notice_version,
            cmd.agreed,
        )
        login = Login.open(
            login_id,
            name,
            Role.VOLUNTEER,
            person.masked.name,
            actor.label,
            unit_id=station.id,
            volunteer_id=volunteer_id,
            must_change_password=False,
            pending=True,
        )
        return Decision(
            [registration, login],
            RegistrationState.of(registration),
            [
                self.vault.store(volunteer_id, person),
                claims.claim("id_number", id_digest, volunteer_id),
                claims.claim(LOGIN_NAME_INDEX, login_digest, login_id),
                claims.claim(VOLUNTEER_LOGIN, volunteer_id.bytes, login_id),
                self.passwords.store(login_id, cmd.password),
                forgive_login(login_id),
            ],
            claim_conflict=DuplicateIdNumber(
                "the ID number or the login name was registered just now",
                field="id_number",
            ),
        )

    def _check_free(self, id_digest: bytes, login_digest: bytes) -> None:
        if self.claims.owner("id_number", id_digest):
            raise DuplicateIdNumber(
                "a volunteer with this ID number is registered, or waits for "
                "approval; ask the station",
                field="id_number",
            )
        if self.claims.owner(LOGIN_NAME_INDEX, login_digest):
            raise DuplicateLogin("the login name is taken", field="login")

    def approve(
        self, cmd: ApproveRegistration, actor: Actor
    ) -> Decision[RegistrationState]:
        """The volunteer is registered with its number and points account, and its
        login opens; the approving coordinator is the registration's actor."""
        registration, login = self._pending(cmd.registration_id, actor)
        registration.approve(cmd.identity_checked, actor.label)
        volunteer, account = self.volunteers.enrol(
            registration.volunteer_id,
            registration.station_id,
            registration.gender,
            registration.birth_year,
            registration.masked,
            list(registration.skills),
            registration.party_member,
            actor.label,
        )
        login.activate(actor.label)
        return Decision(
            [registration, volunteer, account, login],
            RegistrationState.of(registration, volunteer.volunteer_number),
        )

    def refuse(
        self, cmd: RefuseRegistration, actor: Actor
    ) -> Decision[RegistrationState]:
        """Refused with a reason; the person's data is deleted and the ID number and
        login name are free again."""
        registration, login = self._pending(cmd.registration_id, actor)
        registration.refuse(cmd.reason, actor.label)
        login.close_refused(cmd.reason, actor.label)
        return Decision(
            [registration, login],
            RegistrationState.of(registration),
            self._forget(registration),
        )

    def _pending(
        self, registration_id: UUID, actor: Actor
    ) -> tuple[VolunteerRegistration, Login]:
        registration = self.aggregates.get(
            VolunteerRegistration, registration_id, RegistrationNotFound
        )
        actor.check_manages(self.aggregates.unit(registration.station_id))
        login = self.aggregates.get(Login, registration.login_id, LoginNotFound)
        return registration, login

    @staticmethod
    def _forget(registration: VolunteerRegistration) -> list[SideWrite]:
        return [
            SideWrite(
                "DELETE FROM pii_vault WHERE volunteer_id = %s",
                (registration.volunteer_id,),
            ),
            claims.release("id_number", registration.volunteer_id),
            claims.release(LOGIN_NAME_INDEX, registration.login_id),
            claims.release(VOLUNTEER_LOGIN, registration.login_id),
            SideWrite(
                "DELETE FROM login_secrets WHERE login_id = %s",
                (registration.login_id,),
            ),
        ]
