"""People's sign-in accounts (logins): staff, volunteers and residents.

A login names who signs in, with which role and scope, and the state it is in. Its
password is a secret, not a fact: the hash is kept beside the ledger, written in the
same transaction as the event that set it, and never enters an event. Events record
that a password was set, changed or reset, and by whom; the login name is in them
masked. Machines (API clients, kiosks) keep their bearer tokens and have no login.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.access import Role
from domain.copying import CopiedCheaply
from domain.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from domain.identity import check_name, mask_phone, normalise_phone
from domain.volunteer import check_reason

#: Roles a person signs in with; kiosks are devices registered at a station.
PERSON_ROLES = frozenset(
    {Role.ADMIN, Role.COORDINATOR, Role.AUDITOR, Role.VOLUNTEER, Role.RESIDENT}
)
MIN_PASSWORD = 8
MAX_PASSWORD = 128
MIN_LOGIN = 3
MAX_LOGIN = 32
_LOGIN_NAME = re.compile(rf"^[a-z][a-z0-9._-]{{{MIN_LOGIN - 1},{MAX_LOGIN - 1}}}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_LIKE = re.compile(r"^[+\d][\d\s()-]*$")
#: Passwords that guessing lists try first (NIST SP 800-63B: refuse known-bad ones).
COMMON_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "11111111",
        "88888888",
        "66666666",
        "00000000",
        "12341234",
        "11223344",
        "password",
        "password1",
        "passw0rd",
        "qwertyui",
        "qwerty123",
        "1qaz2wsx",
        "abc12345",
        "abcd1234",
        "a1234567",
        "iloveyou",
        "woaini1314",
        "5201314520",
        "admin123",
        "admin888",
        "zhang123",
        "wang1234",
    }
)


class LoginStatus(StrEnum):
    #: A self-registration waiting for its station's verification.
    PENDING = "pending"
    ACTIVE = "active"
    #: Too many wrong passwords; a staff member unlocks it.
    LOCKED = "locked"
    DISABLED = "disabled"


class LoginLocked(Forbidden):
    rule = "login_unlocked"


class LoginDisabled(Forbidden):
    rule = "login_enabled"


class LoginPending(Forbidden):
    rule = "registration_approved"


class DuplicateLogin(Conflict):
    rule = "login_unique"


def normalise_login(raw: str) -> str:
    """Login names are case-blind; a phone number is read without spaces or +86."""
    text = raw.strip()
    if _PHONE_LIKE.match(text):
        return normalise_phone(text)
    return text.lower()


def check_login(login: str) -> None:
    if not (_LOGIN_NAME.match(login) or _MOBILE.match(login)):
        raise InvalidInput(
            "login",
            "login_format",
            "a login name (3-32 of a-z, 0-9, '.', '_', '-', starting with a "
            "letter) or a mainland mobile number",
        )


def mask_login(login: str) -> str:
    """How a login is named in events and lists: a phone as everywhere else, a
    name by its first two characters."""
    if _MOBILE.match(login):
        return mask_phone(login)
    return login[:2] + "***"


#: Whether a (lower-cased) password holds the login name.
ContainsLogin = Callable[[str], bool]


def containing(login: str) -> ContainsLogin:
    """The test for a login name known in clear (a new login's)."""
    return lambda lowered: login in lowered


def check_password(
    password: str, contains_login: ContainsLogin, field: str = "password"
) -> None:
    """The one rule for every password a person sets (NIST SP 800-63B): a length,
    not a composition rule; known-bad ones and ones holding the login name
    refused."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            field,
            "password_length",
            f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters",
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 3:
        raise InvalidInput(
            field, "password_not_common", "is too easy to guess; choose another"
        )
    if contains_login(lowered):
        raise InvalidInput(
            field, "password_not_login", "must not contain the login name"
        )


def check_scope(
    role: Role,
    unit_id: UUID | None,
    volunteer_id: UUID | None,
    resident_id: UUID | None,
) -> None:
    """A coordinator's login names its unit, a volunteer's its volunteer, a
    resident's its resident record; admins and auditors act district-wide."""
    if role not in PERSON_ROLES:
        raise InvalidInput(
            "role",
            "person_role",
            "people sign in as admin, coordinator, auditor, volunteer or resident; "
            "kiosks are devices registered at a station (POST /v1/kiosks)",
        )
    needs = {
        Role.COORDINATOR: ("unit_id", unit_id),
        Role.VOLUNTEER: ("volunteer_id", volunteer_id),
        Role.RESIDENT: ("resident_id", resident_id),
    }
    if role in needs and needs[role][1] is None:
        name = needs[role][0]
        raise InvalidInput(
            name, f"{name}_required", f"a {role.value}'s login names its {name}"
        )


class Login(CopiedCheaply, Aggregate):
    """One person's sign-in account. No clear login name or password in events."""

    @staticmethod
    def create_id(login_id: UUID, **_: Any) -> UUID:
        return login_id

    @event("Opened")
    def __init__(
        self,
        login_id: UUID,
        role: Role,
        unit_id: UUID | None,
        volunteer_id: UUID | None,
        resident_id: UUID | None,
        login_masked: str,
        display_name: str,
        must_change_password: bool,
        pending: bool,
        actor: str,
    ) -> None:
        self.role = Role(role)  # a string once read back from the store
        self.unit_id = unit_id
        self.volunteer_id = volunteer_id
        self.resident_id = resident_id
        self.login_masked = login_masked
        self.display_name = display_name
        self.must_change_password = must_change_password
        self.status = LoginStatus.PENDING if pending else LoginStatus.ACTIVE
        self.failures_at_lock = 0

    @classmethod
    def open(
        cls,
        login_id: UUID,
        login: str,
        role: Role,
        display_name: str,
        actor: str,
        *,
        unit_id: UUID | None = None,
        volunteer_id: UUID | None = None,
        resident_id: UUID | None = None,
        must_change_password: bool = True,
        pending: bool = False,
    ) -> Login:
        """`display_name` is how the person is named in events and on pages: a
        masked name, never the clear one."""
        check_login(login)
        check_scope(role, unit_id, volunteer_id, resident_id)
        check_name(display_name)
        return cls(
            login_id=login_id,
            role=role,
            unit_id=unit_id,
            volunteer_id=volunteer_id,
            resident_id=resident_id,
            login_masked=mask_login(login),
            display_name=display_name.strip(),
            must_change_password=must_change_password,
            pending=pending,
            actor=actor,
        )

    # -- signing in -----------------------------------------------------------

    def check_may_sign_in(self) -> None:
        if self.status is LoginStatus.PENDING:
            raise LoginPending(
                "the registration waits for the station to verify it", field="login"
            )
        if self.status is LoginStatus.LOCKED:
            raise LoginLocked(
                "the account is locked after too many wrong passwords; "
                "ask station staff to unlock it",
                field="login",
            )
        if self.status is LoginStatus.DISABLED:
            raise LoginDisabled("the account is disabled", field="login")

    def _check_status(self, command: str, *allowed: LoginStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransition(
                f"cannot {command} a login that is {self.status.value}",
                state=self.status.value,
            )

    def lock(self, failures: int, actor: str) -> None:
        """Locked by the sign-in guard after `failures` wrong passwords in a row."""
        self._check_status("lock", LoginStatus.ACTIVE)
        self._locked(failures=failures, actor=actor)

    @event("Locked")
    def _locked(self, failures: int, actor: str) -> None:
        self.status = LoginStatus.LOCKED
        self.failures_at_lock = failures

    def unlock(self, actor: str) -> None:
        self._check_status("unlock", LoginStatus.LOCKED)
        self._unlocked(actor=actor)

    @event("Unlocked")
    def _unlocked(self, actor: str) -> None:
        self.status = LoginStatus.ACTIVE

    # -- passwords --------------------------------------------------------------

    def change_password(self, actor: str) -> None:
        """The person sets a new password (and so ends a must-change)."""
        self._check_status("change the password of", LoginStatus.ACTIVE)
        self._password_changed(actor=actor)

    @event("PasswordChanged")
    def _password_changed(self, actor: str) -> None:
        self.must_change_password = False

    def reset_password(self, actor: str) -> None:
        """Staff set a one-time password the person must change at the next
        sign-in; a locked login is unlocked by it."""
        self._check_status(
            "reset the password of", LoginStatus.ACTIVE, LoginStatus.LOCKED
        )
        self._password_reset(actor=actor)

    @event("PasswordReset")
    def _password_reset(self, actor: str) -> None:
        self.must_change_password = True
        self.status = LoginStatus.ACTIVE

    # -- staff decisions ----------------------------------------------------------

    def activate(self, actor: str) -> None:
        """The station approved the registration this login waited on."""
        self._check_status("activate", LoginStatus.PENDING)
        self._activated(actor=actor)

    @event("Activated")
    def _activated(self, actor: str) -> None:
        self.status = LoginStatus.ACTIVE

    def close_refused(self, reason: str, actor: str) -> None:
        """The station refused the registration: the login never opens."""
        self._check_status("close", LoginStatus.PENDING)
        self._closed(reason=reason, actor=actor)

    @event("Closed")
    def _closed(self, reason: str, actor: str) -> None:
        self.status = LoginStatus.DISABLED

    def disable(self, reason: str, actor: str) -> None:
        self._check_status("disable", LoginStatus.ACTIVE, LoginStatus.LOCKED)
        check_reason(reason)
        self._disabled(reason=reason.strip(), actor=actor)

    @event("Disabled")
    def _disabled(self, reason: str, actor: str) -> None:
        self.status = LoginStatus.DISABLED

    def enable(self, actor: str) -> None:
        self._check_status("enable", LoginStatus.DISABLED)
        self._enabled(actor=actor)

    @event("Enabled")
    def _enabled(self, actor: str) -> None:
        self.status = LoginStatus.ACTIVE


def check_not_self(login: Login, actor_login_id: UUID | None) -> None:
    """Nobody unlocks, resets or disables their own login: another person does."""
    if actor_login_id == login.id:
        raise Forbidden("another staff member does this for your own login")
