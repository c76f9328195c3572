"""People's sign-in accounts as staff list them: role, scope and state, no secrets."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.login import Login, LoginStatus
from projections.base import Projection, Tx, event_class


class LoginsProjection(Projection):
    name: ClassVar[str] = "logins"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS logins (
        id uuid PRIMARY KEY,
        role text NOT NULL,
        unit_id uuid,
        volunteer_id uuid,
        resident_id uuid,
        login_masked text NOT NULL,
        display_name text NOT NULL,
        status text NOT NULL,
        must_change_password boolean NOT NULL,
        opened_at timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        last_change text NOT NULL,
        changed_by text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS logins_unit ON logins (unit_id);
    CREATE UNIQUE INDEX IF NOT EXISTS logins_volunteer ON logins (volunteer_id)
        WHERE volunteer_id IS NOT NULL;
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Login, "Opened"))
    def _opened(self, event: Any, tx: Tx) -> None:
        status = LoginStatus.PENDING if event.pending else LoginStatus.ACTIVE
        tx.execute(
            "INSERT INTO logins (id, role, unit_id, volunteer_id, resident_id, "
            "login_masked, display_name, status, must_change_password, opened_at, "
            "changed_at, last_change, changed_by) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'opened', %s)",
            (
                event.originator_id,
                event.role,
                event.unit_id,
                event.volunteer_id,
                event.resident_id,
                event.login_masked,
                event.display_name,
                status.value,
                event.must_change_password,
                event.timestamp,
                event.timestamp,
                event.actor,
            ),
        )

    @apply.register(event_class(Login, "Locked"))
    def _locked(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "locked", status=LoginStatus.LOCKED)

    @apply.register(event_class(Login, "Unlocked"))
    def _unlocked(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "unlocked", status=LoginStatus.ACTIVE)

    @apply.register(event_class(Login, "PasswordChanged"))
    def _password_changed(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "password_changed", must_change=False)

    @apply.register(event_class(Login, "PasswordReset"))
    def _password_reset(self, event: Any, tx: Tx) -> None:
        self._change(
            tx, event, "password_reset", status=LoginStatus.ACTIVE, must_change=True
        )

    @apply.register(event_class(Login, "Activated"))
    def _activated(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "activated", status=LoginStatus.ACTIVE)

    @apply.register(event_class(Login, "Closed"))
    def _closed(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "closed", status=LoginStatus.DISABLED)

    @apply.register(event_class(Login, "Disabled"))
    def _disabled(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "disabled", status=LoginStatus.DISABLED)

    @apply.register(event_class(Login, "Enabled"))
    def _enabled(self, event: Any, tx: Tx) -> None:
        self._change(tx, event, "enabled", status=LoginStatus.ACTIVE)

    @staticmethod
    def _change(
        tx: Tx,
        event: Any,
        what: str,
        status: LoginStatus | None = None,
        must_change: bool | None = None,
    ) -> None:
        tx.execute(
            "UPDATE logins SET status = coalesce(%s, status), "
            "must_change_password = coalesce(%s, must_change_password), "
            "changed_at = %s, last_change = %s, changed_by = %s WHERE id = %s",
            (
                status.value if status else None,
                must_change,
                event.timestamp,
                what,
                event.actor,
                event.originator_id,
            ),
        )
