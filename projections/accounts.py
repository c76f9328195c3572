"""Credit-bank balances and their entries (积分银行)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.account import CreditAccount
from projections.base import Projection, Tx, event_class


class AccountsProjection(Projection):
    name: ClassVar[str] = "accounts"
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS accounts (
        account_id uuid PRIMARY KEY,
        volunteer_id uuid NOT NULL UNIQUE,
        balance numeric NOT NULL DEFAULT 0,
        earned numeric NOT NULL DEFAULT 0,
        clawed_back numeric NOT NULL DEFAULT 0,
        redeemed numeric NOT NULL DEFAULT 0,
        held numeric NOT NULL DEFAULT 0,
        opened_at timestamptz NOT NULL,
        updated_position bigint NOT NULL
    );
    CREATE TABLE IF NOT EXISTS account_entries (
        position bigint PRIMARY KEY,
        volunteer_id uuid NOT NULL,
        kind text NOT NULL,
        source_kind text NOT NULL,
        source_id uuid NOT NULL,
        points numeric NOT NULL,
        balance_after numeric NOT NULL,
        policy_version integer,
        reason text NOT NULL,
        actor text NOT NULL,
        occurred_at timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS account_entries_volunteer
        ON account_entries (volunteer_id, position DESC);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(CreditAccount, "Opened"))
    def _opened(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO accounts "
            "(account_id, volunteer_id, opened_at, updated_position) "
            "VALUES (%s, %s, %s, %s)",
            (event.originator_id, event.volunteer_id, event.timestamp, tx.position),
        )

    @apply.register(event_class(CreditAccount, "PointsCredited"))
    def _credited(self, event: Any, tx: Tx) -> None:
        self._entry(tx, event, "earned", event.points)
        tx.execute(
            "UPDATE accounts SET balance = %s, earned = earned + %s, "
            "updated_position = %s WHERE account_id = %s",
            (event.balance_after, event.points, tx.position, event.originator_id),
        )

    @apply.register(event_class(CreditAccount, "PointsClawedBack"))
    def _clawed_back(self, event: Any, tx: Tx) -> None:
        self._entry(tx, event, "clawed_back", -event.points)
        tx.execute(
            "UPDATE accounts SET balance = %s, earned = earned - %s, "
            "clawed_back = clawed_back + %s, updated_position = %s "
            "WHERE account_id = %s",
            (
                event.balance_after,
                event.points,
                event.points,
                tx.position,
                event.originator_id,
            ),
        )

    @apply.register(event_class(CreditAccount, "PointsRedeemed"))
    def _redeemed(self, event: Any, tx: Tx) -> None:
        self._spend_entry(tx, event, "redeemed", -event.points)
        self._move(tx, event, "redeemed = redeemed + %s", event.points)

    @apply.register(event_class(CreditAccount, "PointsHeld"))
    def _held(self, event: Any, tx: Tx) -> None:
        self._spend_entry(tx, event, "held", -event.points)
        self._move(tx, event, "held = held + %s", event.points)

    @apply.register(event_class(CreditAccount, "HoldCommitted"))
    def _hold_committed(self, event: Any, tx: Tx) -> None:
        self._spend_entry(
            tx, event, "hold_redeemed", 0, f"{event.points} points held before"
        )
        tx.execute(
            "UPDATE accounts SET held = held - %s, redeemed = redeemed + %s, "
            "updated_position = %s WHERE account_id = %s",
            (event.points, event.points, tx.position, event.originator_id),
        )

    @apply.register(event_class(CreditAccount, "HoldReleased"))
    def _hold_released(self, event: Any, tx: Tx) -> None:
        self._spend_entry(tx, event, event.cause, event.points, reason=event.reason)
        self._move(tx, event, "held = held - %s", event.points)

    @apply.register(event_class(CreditAccount, "PointsDonated"))
    def _donated(self, event: Any, tx: Tx) -> None:
        self._donation_entry(tx, event, "donated", -event.points, event.to)
        self._set_balance(tx, event)

    @apply.register(event_class(CreditAccount, "PointsReceived"))
    def _received(self, event: Any, tx: Tx) -> None:
        self._donation_entry(tx, event, "received", event.points, event.giver)
        self._set_balance(tx, event)

    @staticmethod
    def _set_balance(tx: Tx, event: Any) -> None:
        tx.execute(
            "UPDATE accounts SET balance = %s, updated_position = %s "
            "WHERE account_id = %s",
            (event.balance_after, tx.position, event.originator_id),
        )

    @staticmethod
    def _donation_entry(tx: Tx, event: Any, kind: str, points: Any, other: Any) -> None:
        tx.execute(
            "INSERT INTO account_entries (position, volunteer_id, kind, source_kind, "
            "source_id, points, balance_after, policy_version, reason, actor, "
            "occurred_at) SELECT %s, volunteer_id, %s, 'donation', %s, %s, %s, NULL, "
            "%s, %s, %s FROM accounts WHERE account_id = %s",
            (
                tx.position,
                kind,
                event.donation_id,
                points,
                event.balance_after,
                f"{event.reason} ({'to' if points < 0 else 'from'} {other})",
                getattr(event, "actor", "donation"),
                event.timestamp,
                event.originator_id,
            ),
        )

    @staticmethod
    def _move(tx: Tx, event: Any, assignment: str, points: Any) -> None:
        tx.execute(
            f"UPDATE accounts SET balance = %s, {assignment}, "  # noqa: S608
            "updated_position = %s WHERE account_id = %s",
            (event.balance_after, points, tx.position, event.originator_id),
        )

    @staticmethod
    def _spend_entry(
        tx: Tx, event: Any, kind: str, points: Any, reason: str | None = None
    ) -> None:
        """Entries' points sum to the balance: a commit moves nothing (its amount
        is in `reason`), a hold and its release (voided or expired) cancel out."""
        tx.execute(
            "INSERT INTO account_entries (position, volunteer_id, kind, source_kind, "
            "source_id, points, balance_after, policy_version, reason, actor, "
            "occurred_at) SELECT %s, volunteer_id, %s, 'redemption', %s, %s, "
            "coalesce(%s, balance), NULL, %s, 'kiosk', %s FROM accounts "
            "WHERE account_id = %s",
            (
                tx.position,
                kind,
                event.redemption_id,
                points,
                getattr(event, "balance_after", None),
                reason or kind,
                event.timestamp,
                event.originator_id,
            ),
        )

    @staticmethod
    def _entry(tx: Tx, event: Any, kind: str, points: Any) -> None:
        tx.execute(
            "INSERT INTO account_entries (position, volunteer_id, kind, source_kind, "
            "source_id, points, balance_after, policy_version, reason, actor, "
            "occurred_at) "
            "SELECT %s, volunteer_id, %s, %s, %s, %s, %s, %s, %s, %s, %s "
            "FROM accounts WHERE account_id = %s",
            (
                tx.position,
                kind,
                event.source_kind,
                event.source_id,
                points,
                event.balance_after,
                event.policy_version,
                event.reason,
                event.actor,
                event.timestamp,
                event.originator_id,
            ),
        )
