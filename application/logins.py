"""People's sign-in accounts: opened by staff in scope, reset, unlocked, disabled,
and a person's own password change. Each is an event; password hashes are side
writes beside it (`infra/passwords.py`), and the sessions a change ends end in the
same transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor, Role
from domain.errors import InvalidInput, NotFound
from domain.identity import mask_name
from domain.login import (
    DuplicateLogin,
    Login,
    LoginStatus,
    check_login,
    check_not_self,
    check_password,
    containing,
    normalise_login,
)
from domain.volunteer import Volunteer
from infra import claims
from infra.passwords import Passwords, one_time_password
from infra.recorder import SideWrite
from infra.sign_in_guard import LOGIN_NAME_INDEX, contains_login, forgive_login
from infra.sign_in_sessions import end_sessions_of
from infra.vault import Vault

#: The claim that keeps one login per volunteer.
VOLUNTEER_LOGIN = "login_volunteer"
#: Who records a lockout: the sign-in guard, not a person.
SIGN_IN_GUARD = Actor(Role.ADMIN, UUID(int=0), "sign-in-guard")


class LoginNotFound(NotFound):
    rule = "login_exists"


@dataclass(frozen=True)
class OpenLogin:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "login_id"
    login: str
    role: Role
    #: The person's name, kept masked; a volunteer's comes from the registration.
    name: str | None = None
    unit_id: UUID | None = None
    volunteer_id: UUID | None = None
    #: None: a one-time password is made and shown once (it must be changed).
    password: str | None = None
    login_id: UUID | None = None


@dataclass(frozen=True)
class ResetPassword:
    login_id: UUID


@dataclass(frozen=True)
class UnlockLogin:
    login_id: UUID


@dataclass(frozen=True)
class DisableLogin:
    login_id: UUID
    reason: str


@dataclass(frozen=True)
class EnableLogin:
    login_id: UUID


@dataclass(frozen=True)
class LockLogin:
    login_id: UUID
    failures: int


@dataclass(frozen=True)
class ChangeOwnPassword:
    current_password: str
    new_password: str


@dataclass(frozen=True)
class LoginState:
    """A login as a change left it. `one_time_password` is shown once: a retried
    request answers without it."""

    id: UUID
    role: Role
    status: LoginStatus
    must_change_password: bool
    login_masked: str
    display_name: str
    unit_id: UUID | None
    volunteer_id: UUID | None
    one_time_password: str | None = None

    @classmethod
    def of(cls, login: Login, one_time: str | None = None) -> LoginState:
        return cls(
            login.id,
            login.role,
            login.status,
            login.must_change_password,
            login.login_masked,
            login.display_name,
            login.unit_id,
            login.volunteer_id,
            one_time,
        )


class Logins:
    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        vault: Vault,
        passwords: Passwords,
        claims_reader: claims.ClaimReader,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.vault = vault
        self.passwords = passwords
        self.claims = claims_reader

    # -- staff --------------------------------------------------------------------

    def open(self, cmd: OpenLogin, actor: Actor) -> Decision[LoginState]:
        """Admins open any login; coordinators those of their unit and below
        (coordinators, and volunteers registered there)."""
        name = normalise_login(cmd.login)
        check_login(name)
        login_id = cmd.login_id or uuid4()
        unit_id, display = self._scope_of_new(cmd, actor)
        password = cmd.password or one_time_password()
        if cmd.password is not None:
            check_password(cmd.password, containing(name))
        login = Login.open(
            login_id,
            name,
            cmd.role,
            display,
            actor.label,
            unit_id=unit_id,
            volunteer_id=cmd.volunteer_id,
            must_change_password=cmd.password is None,
        )
        digest = self.vault.blind_index(LOGIN_NAME_INDEX, name)
        writes = [
            claims.claim(LOGIN_NAME_INDEX, digest, login_id),
            self.passwords.store(login_id, password),
            forgive_login(login_id),
        ]
        if cmd.name is not None and cmd.role is not Role.VOLUNTEER:
            # The person reads its own name; events and lists keep it masked.
            writes.append(self.vault.store_text(login_id, cmd.name.strip()))
        if cmd.volunteer_id is not None:
            writes.append(
                claims.claim(VOLUNTEER_LOGIN, cmd.volunteer_id.bytes, login_id)
            )
        state = LoginState.of(login)
        return Decision(
            [login],
            replace(state, one_time_password=None if cmd.password else password),
            writes,
            claim_conflict=DuplicateLogin(
                "the login name is taken, or the volunteer has a login already",
                field="login",
            ),
            remembered=state,
        )

    def _scope_of_new(self, cmd: OpenLogin, actor: Actor) -> tuple[UUID | None, str]:
        """The unit whose staff manage the new login, and its masked name."""
        if cmd.role is Role.VOLUNTEER:
            if cmd.volunteer_id is None:
                raise InvalidInput(
                    "volunteer_id",
                    "volunteer_id_required",
                    "a volunteer's login names its volunteer",
                )
            volunteer = self.aggregates.named(
                Volunteer, cmd.volunteer_id, "volunteer_id"
            )
            actor.check_manages(self.aggregates.unit(volunteer.unit_id))
            if self.claims.owner(VOLUNTEER_LOGIN, cmd.volunteer_id.bytes):
                raise DuplicateLogin(
                    "the volunteer has a login already", field="volunteer_id"
                )
            return volunteer.unit_id, volunteer.name_masked
        if cmd.role is Role.RESIDENT:
            raise InvalidInput(
                "role",
                "resident_registers",
                "residents open their own login (POST /v1/public/residents)",
            )
        if cmd.name is None:
            raise InvalidInput("name", "name_required", "the person's name")
        if cmd.role is Role.COORDINATOR:
            if cmd.unit_id is None:
                raise InvalidInput(
                    "unit_id", "unit_id_required", "a coordinator's login names a unit"
                )
            actor.check_manages(self.aggregates.named_unit(cmd.unit_id))
        else:
            actor.check_role(Role.ADMIN)
        return cmd.unit_id, mask_name(cmd.name)

    def reset_password(self, cmd: ResetPassword, actor: Actor) -> Decision[LoginState]:
        """A one-time password the person must change at the next sign-in; the
        login's sessions end and a lockout is lifted."""
        login = self._managed(cmd.login_id, actor)
        check_not_self(login, actor.login_id)
        login.reset_password(actor.label)
        password = one_time_password()
        state = LoginState.of(login)
        return Decision(
            [login],
            replace(state, one_time_password=password),
            [
                self.passwords.store(login.id, password),
                forgive_login(login.id),
                self._end_sessions(login.id, "password_reset"),
            ],
            remembered=state,
        )

    def unlock(self, cmd: UnlockLogin, actor: Actor) -> Decision[LoginState]:
        login = self._managed(cmd.login_id, actor)
        login.unlock(actor.label)
        return Decision([login], LoginState.of(login), [forgive_login(login.id)])

    def disable(self, cmd: DisableLogin, actor: Actor) -> Decision[LoginState]:
        login = self._managed(cmd.login_id, actor)
        check_not_self(login, actor.login_id)
        login.disable(cmd.reason, actor.label)
        return Decision(
            [login], LoginState.of(login), [self._end_sessions(login.id, "disabled")]
        )

    def enable(self, cmd: EnableLogin, actor: Actor) -> Decision[LoginState]:
        login = self._managed(cmd.login_id, actor)
        login.enable(actor.label)
        return Decision([login], LoginState.of(login))

    def lock(self, cmd: LockLogin, actor: Actor) -> Decision[LoginState]:
        """The sign-in guard's lockout after too many wrong passwords."""
        login = self.aggregates.get(Login, cmd.login_id, LoginNotFound)
        if login.status is LoginStatus.ACTIVE:
            login.lock(cmd.failures, actor.label)
        return Decision(
            [login], LoginState.of(login), [self._end_sessions(login.id, "locked")]
        )

    # -- the person -----------------------------------------------------------------

    def own_login(self, actor: Actor) -> Login:
        """The login of a signed-in person (a machine token has none)."""
        if actor.login_id is None:
            raise InvalidInput(
                "current_password",
                "signed_in_person",
                "only a person signed in with a login has a password to change",
            )
        return self.aggregates.get(Login, actor.login_id, LoginNotFound)

    def check_new_password(self, login: Login, cmd: ChangeOwnPassword) -> bytes:
        """The rules every password follows, and a change that changes it; the
        login's keyed name they were held against."""
        # A login has its name's claim; the id stands in should one be missing.
        login_key = self.claims.value_of(LOGIN_NAME_INDEX, login.id) or login.id.bytes
        check_password(
            cmd.new_password, contains_login(self.vault, login_key), "new_password"
        )
        if cmd.new_password == cmd.current_password:
            raise InvalidInput(
                "new_password", "password_changes", "must differ from the current one"
            )
        return login_key

    def change_own_password(
        self, cmd: ChangeOwnPassword, actor: Actor
    ) -> Decision[LoginState]:
        """The signed-in person's new password, once `SignIns.change_password` has
        verified the current one under the sign-in guard; every session of the
        login ends, this one too: sign in again with the new password."""
        login = self.own_login(actor)
        self.check_new_password(login, cmd)
        login.change_password(actor.label)
        return Decision(
            [login],
            LoginState.of(login),
            [
                self.passwords.store(login.id, cmd.new_password),
                self._end_sessions(login.id, "password_changed"),
            ],
        )

    # -- helpers ----------------------------------------------------------------------

    def _managed(self, login_id: UUID, actor: Actor) -> Login:
        login = self.aggregates.get(Login, login_id, LoginNotFound)
        if login.role in (Role.ADMIN, Role.AUDITOR) or login.unit_id is None:
            actor.check_role(Role.ADMIN)
        else:
            actor.check_manages(self.aggregates.unit(login.unit_id))
        return login

    def _end_sessions(self, login_id: UUID, reason: str) -> SideWrite:
        return end_sessions_of(login_id, reason, self.clock.now())
