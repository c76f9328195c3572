"""Signing in, refreshing a session, signing out (infra/sign_in_sessions.py).

The answer to a wrong password is the same whether or not the login name exists:
the same problem, the same counting, the same Argon2 cost (a decoy hash)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.aggregates import Aggregates, Clock
from application.executor import CommandExecutor, Outcome
from application.logins import (
    SIGN_IN_GUARD,
    ChangeOwnPassword,
    LockLogin,
    Logins,
    LoginState,
)
from domain.access import Actor, Role
from domain.errors import InvalidInput
from domain.login import Login, LoginStatus, normalise_login
from infra.claims import ClaimReader
from infra.passwords import Passwords
from infra.sign_in_guard import (
    LOGIN_NAME_INDEX,
    Attempt,
    SignInFailed,
    SignInGuard,
    wrong_credentials,
)
from infra.sign_in_sessions import SessionStore, SessionTokens


@dataclass(frozen=True)
class SignedIn:
    login_id: UUID
    role: Role
    display_name: str
    must_change_password: bool
    unit_id: UUID | None
    volunteer_id: UUID | None
    tokens: SessionTokens


def actor_of(login: Login) -> Actor:
    """Who a login's session acts as. A resident is named by its resident record
    (its orders belong to it); others by the login."""
    principal = login.resident_id if login.role is Role.RESIDENT else login.id
    return Actor(
        role=login.role,
        token_id=principal or login.id,
        name=login.display_name,
        unit_id=login.unit_id if login.role is Role.COORDINATOR else None,
        volunteer_id=login.volunteer_id,
        login_id=login.id,
        must_change_password=login.must_change_password,
    )


class SignIns:
    def __init__(
        self,
        aggregates: Aggregates,
        commands: CommandExecutor,
        logins: Logins,
        passwords: Passwords,
        guard: SignInGuard,
        sessions: SessionStore,
        claims: ClaimReader,
        clock: Clock,
    ) -> None:
        self.aggregates = aggregates
        self.commands = commands
        self.logins = logins
        self.passwords = passwords
        self.guard = guard
        self.sessions = sessions
        self.claims = claims
        self.clock = clock

    def sign_in(self, login: str, password: str, address: str) -> SignedIn:
        name = normalise_login(login)
        login_id = self.claims.owner(LOGIN_NAME_INDEX, self.guard.login_key(name))
        account = None if login_id is None else self.aggregates.find(Login, login_id)
        stored = None if account is None else self.passwords.stored(account.id)
        attempt = self.guard.attempt(
            self.guard.login_key(name),
            address,
            self.clock.now(),
            lambda: self.passwords.matches(stored, password),
        )
        self._lock_on_lockout(attempt, account)
        if attempt.refusal is not None:
            raise attempt.refusal
        if account is None or stored is None:  # a right password is a login's
            raise wrong_credentials()
        account.check_may_sign_in()
        self.passwords.upgrade(account.id, stored, password)
        tokens = self.sessions.open(account.id, actor_of(account), address)
        return self._signed_in(account, tokens)

    def change_password(
        self, cmd: ChangeOwnPassword, actor: Actor, address: str
    ) -> Outcome[LoginState]:
        """A person's own password change. A wrong current password counts as a
        wrong password at sign-in (the same waits and lockout, per name and per
        address): a stolen session must not make guessing cheap."""
        login = self.logins.own_login(actor)
        login_key = self.logins.check_new_password(login, cmd)  # before a guess
        attempt = self.guard.attempt(
            login_key,
            address,
            self.clock.now(),
            lambda: self.passwords.verify(login.id, cmd.current_password),
        )
        self._lock_on_lockout(attempt, login)
        if isinstance(attempt.refusal, SignInFailed):
            raise InvalidInput(
                "current_password", "current_password_matches", "is not the password"
            )
        if attempt.refusal is not None:
            raise attempt.refusal
        return self.commands.run(self.logins.change_own_password, cmd, actor)

    def _lock_on_lockout(self, attempt: Attempt, account: Login | None) -> None:
        """The lockout the guard reached is recorded on the login (its sessions
        end with it)."""
        if attempt.reached_lockout and account and account.status is LoginStatus.ACTIVE:
            self.commands.run(
                self.logins.lock, LockLogin(account.id, attempt.failures), SIGN_IN_GUARD
            )

    def refresh(self, refresh_token: str) -> SignedIn:
        """A new pair for a live session; the login is read again, so a role or
        scope changed since holds from now on, and a login no longer active ends
        the session."""
        login_id = self.sessions.login_of(refresh_token)
        account = None if login_id is None else self.aggregates.find(Login, login_id)
        if account is None or account.status is not LoginStatus.ACTIVE:
            raise self.sessions.refuse(refresh_token, "login_not_active")
        tokens = self.sessions.rotate(refresh_token, actor_of(account))
        return self._signed_in(account, tokens)

    def sign_out(self, actor: Actor) -> bool:
        if actor.session_id is None:
            raise InvalidInput(
                "Authorization",
                "session_token",
                "this token is not a signed-in session; machine tokens are revoked "
                "with `vledger token revoke`",
            )
        return self.sessions.end(actor.session_id, "signed_out")

    def forget_expired(self) -> None:
        """Housekeeping (the sweeper): lapsed counts of wrong passwords, tokens of
        finished sessions."""
        self.guard.forget_expired(self.clock.now())
        self.sessions.forget_finished()

    @staticmethod
    def _signed_in(account: Login, tokens: SessionTokens) -> SignedIn:
        return SignedIn(
            account.id,
            account.role,
            account.display_name,
            account.must_change_password,
            account.unit_id,
            account.volunteer_id,
            tokens,
        )
