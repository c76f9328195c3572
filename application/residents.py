"""Residents: registering themselves with a phone proved by an SMS code, and the
one resident per phone number that staff find or record when they take a need on a
resident's behalf (代点单)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from application.aggregates import Aggregates
from application.executor import Decision
from domain.access import Actor, Role
from domain.errors import InvalidInput
from domain.identity import check_name, mask_name, mask_phone, normalise_phone
from domain.login import (
    DuplicateLogin,
    Login,
    check_login,
    check_password,
    containing,
    normalise_login,
)
from domain.organisation import Unit, check_is_station
from domain.resident import Resident, ResidentNotFound
from infra import claims
from infra.passwords import Passwords
from infra.phone_codes import PhoneCodes
from infra.recorder import SideWrite
from infra.sign_in_guard import LOGIN_NAME_INDEX, forgive_login
from infra.vault import Vault

#: The claim that keeps one resident per phone number.
RESIDENT_PHONE = "resident_phone"


@dataclass(frozen=True)
class RegisterResident:
    name: str
    phone: str
    community_id: UUID
    password: str
    phone_code: str
    notice_version: str
    agreed: bool
    #: None: the phone number is the login name.
    login: str | None = None


@dataclass(frozen=True)
class ResidentRegistered:
    resident_id: UUID
    login_id: UUID
    community_id: UUID
    name_masked: str
    phone_masked: str
    login_masked: str


def check_mobile(phone: str) -> str:
    """Codes and notices go by SMS: a mainland mobile number."""
    normalised = normalise_phone(phone)
    if not (len(normalised) == 11 and normalised.startswith("1")):
        raise InvalidInput(
            "phone", "mobile_phone", "a mainland mobile number (11 digits, 13-19...)"
        )
    check_login(normalised)
    return normalised


class ResidentDirectory:
    """Finds the resident of a phone number, or records one."""

    def __init__(
        self, aggregates: Aggregates, vault: Vault, claims_reader: claims.ClaimReader
    ) -> None:
        self.aggregates = aggregates
        self.vault = vault
        self.claims = claims_reader

    def of_phone(
        self, name: str, phone: str, community: Unit, actor: str
    ) -> tuple[Resident, list[SideWrite]]:
        """The phone's resident (as recorded), or a new one with the writes that
        keep its clear name and phone and claim the number."""
        check_name(name)
        digest = self.vault.blind_index(RESIDENT_PHONE, phone)
        owner = self.claims.owner(RESIDENT_PHONE, digest)
        if owner is not None:
            return self.aggregates.get(Resident, owner, ResidentNotFound), []
        resident = Resident(
            resident_id=uuid4(),
            community_id=community.id,
            name_masked=mask_name(name),
            phone_masked=mask_phone(phone),
            actor=actor,
        )
        return resident, [
            claims.claim(RESIDENT_PHONE, digest, resident.id),
            self.vault.store_resident(resident.id, name.strip(), phone),
        ]


class Residents:
    def __init__(
        self,
        aggregates: Aggregates,
        directory: ResidentDirectory,
        vault: Vault,
        passwords: Passwords,
        phone_codes: PhoneCodes,
    ) -> None:
        self.aggregates = aggregates
        self.directory = directory
        self.vault = vault
        self.passwords = passwords
        self.phone_codes = phone_codes

    def register(
        self, cmd: RegisterResident, actor: Actor
    ) -> Decision[ResidentRegistered]:
        """The resident's own login. A phone whose resident staff recorded before
        (taking a need on its behalf) gets that resident, with its orders."""
        community = self.aggregates.named_unit(cmd.community_id, "community_id")
        check_is_station(community, "a resident's community is a station (站)")
        check_name(cmd.name)
        phone = check_mobile(cmd.phone)
        name = normalise_login(cmd.login or phone)
        check_login(name)
        check_password(cmd.password, containing(name))
        # The code first: whether a phone or a name has an account shows only to
        # who holds the phone.
        code_used = self.phone_codes.check(phone, cmd.phone_code)
        login_digest = self.vault.blind_index(LOGIN_NAME_INDEX, name)
        if self.directory.claims.owner(LOGIN_NAME_INDEX, login_digest):
            raise DuplicateLogin("the login name is taken", field="login")
        resident, writes = self.directory.of_phone(
            cmd.name, phone, community, actor.label
        )
        login_id = uuid4()
        resident.open_login(login_id, community.id, actor.label)
        resident.consent(cmd.notice_version, cmd.agreed)
        login = Login.open(
            login_id,
            name,
            Role.RESIDENT,
            mask_name(cmd.name),
            actor.label,
            unit_id=community.id,
            resident_id=resident.id,
            must_change_password=False,
        )
        registered = ResidentRegistered(
            resident.id,
            login_id,
            community.id,
            resident.name_masked,
            resident.phone_masked,
            login.login_masked,
        )
        if not writes:  # recorded by staff before: the name as the resident gives it
            writes = [self.vault.store_resident(resident.id, cmd.name.strip(), phone)]
        return Decision(
            [resident, login],
            registered,
            [
                *writes,
                claims.claim(LOGIN_NAME_INDEX, login_digest, login_id),
                self.passwords.store(login_id, cmd.password),
                forgive_login(login_id),
                code_used,
            ],
            claim_conflict=DuplicateLogin(
                "the login name or the phone was registered just now", field="login"
            ),
        )
