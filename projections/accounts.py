"""Credit-bank balances and their entries (积分银行)."""

from __future__ import annotations

from decimal import Decimal
from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.account import CreditAccount
from projections.base import Projection, Tx, event_class
from projections.batch import Appended, Folded

ZERO = Decimal(0)
OPENED = Appended(
    "accounts",
    (
        ("account_id", "uuid"),
        ("volunteer_id", "uuid"),
        ("opened_at", "timestamptz"),
        ("updated_position", "bigint"),
    ),
)
#: An entry of a settled source, its volunteer read from the account's row.
SOURCE_ENTRY = Appended(
    "account_entries",
    (
        ("position", "bigint"),
        ("account_id", "uuid"),
        ("kind", "text"),
        ("source_kind", "text"),
        ("source_id", "uuid"),
        ("points", "numeric"),
        ("balance_after", "numeric"),
        ("policy_version", "integer"),
        ("reason", "text"),
        ("actor", "text"),
        ("occurred_at", "timestamptz"),
    ),
    select="SELECT u.position, a.volunteer_id, u.kind, u.source_kind, u.source_id, "
    "u.points, u.balance_after, u.policy_version, u.reason, u.actor, u.occurred_at "
    "FROM u JOIN accounts a ON a.account_id = u.account_id",
    stored=(
        "position",
        "volunteer_id",
        "kind",
        "source_kind",
        "source_id",
        "points",
        "balance_after",
        "policy_version",
        "reason",
        "actor",
        "occurred_at",
    ),
)
#: An account's movements summed over a batch; its balance is the latest event's.
MOVED = Folded(
    "accounts",
    ("account_id", "uuid"),
    sums=(
        ("earned", "numeric"),
        ("clawed_back", "numeric"),
        ("redeemed", "numeric"),
        ("held", "numeric"),
    ),
    sets=(("balance", "numeric"),),
)


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
        tx.append(
            OPENED,
            (event.originator_id, event.volunteer_id, event.timestamp, tx.position),
        )

    @apply.register(event_class(CreditAccount, "PointsCredited"))
    def _credited(self, event: Any, tx: Tx) -> None:
        self._entry(tx, event, "earned", event.points)
        self._move(tx, event, earned=event.points)

    @apply.register(event_class(CreditAccount, "PointsClawedBack"))
    def _clawed_back(self, event: Any, tx: Tx) -> None:
        self._entry(tx, event, "clawed_back", -event.points)
        self._move(tx, event, earned=-event.points, clawed_back=event.points)

    @apply.register(event_class(CreditAccount, "PointsRedeemed"))
    def _redeemed(self, event: Any, tx: Tx) -> None:
        self._spend_entry(tx, event, "redeemed", -event.points)
        self._move(tx, event, redeemed=event.points)

    @apply.register(event_class(CreditAccount, "PointsHeld"))
    def _held(self, event: Any, tx: Tx) -> None:
        self._spend_entry(tx, event, "held", -event.points)
        self._move(tx, event, held=event.points)

    @apply.register(event_class(CreditAccount, "HoldCommitted"))
    def _hold_committed(self, event: Any, tx: Tx) -> None:
        self._spend_entry(
            tx, event, "hold_redeemed", 0, f"{event.points} points held before"
        )
        self._move(tx, event, held=-event.points, redeemed=event.points)

    @apply.register(event_class(CreditAccount, "HoldReleased"))
    def _hold_released(self, event: Any, tx: Tx) -> None:
        self._spend_entry(tx, event, event.cause, event.points, reason=event.reason)
        self._move(tx, event, held=-event.points)

    @apply.register(event_class(CreditAccount, "PointsDonated"))
    def _donated(self, event: Any, tx: Tx) -> None:
        self._donation_entry(tx, event, "donated", -event.points, event.to)
        self._move(tx, event)

    @apply.register(event_class(CreditAccount, "PointsReceived"))
    def _received(self, event: Any, tx: Tx) -> None:
        self._donation_entry(tx, event, "received", event.points, event.giver)
        self._move(tx, event)

    @staticmethod
    def _move(
        tx: Tx,
        event: Any,
        earned: Decimal = ZERO,
        clawed_back: Decimal = ZERO,
        redeemed: Decimal = ZERO,
        held: Decimal = ZERO,
    ) -> None:
        """The account's sums move; its balance becomes the event's (a commit of
        a hold carries none and leaves it)."""
        tx.fold(
            MOVED,
            event.originator_id,
            sums=(earned, clawed_back, redeemed, held),
            sets=(getattr(event, "balance_after", None),),
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
        tx.append(
            SOURCE_ENTRY,
            (
                tx.position,
                event.originator_id,
                kind,
                event.source_kind,
                event.source_id,
                points,
                event.balance_after,
                event.policy_version,
                event.reason,
                event.actor,
                event.timestamp,
            ),
        )
