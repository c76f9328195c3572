"""The CreditAccount aggregate: the points ledger (积分银行), separate from hours."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply, SharedDict
from domain.errors import Conflict, InvalidInput, StaleRead
from domain.ids import account_id_for

#: Why a hold gave its points back.
ReleaseCause = Literal["voided", "expired"]


class InsufficientPoints(Conflict):
    rule = "balance_sufficient"


class CreditAccount(CopiedCheaply, Aggregate):
    flat_copied = frozenset({"holds"})

    """Points of one volunteer. Each source (an hours entry, a reward) is settled to a
    target total, so crediting the same source twice changes nothing, and a correction
    or revocation moves the balance by the difference with an entry of its own."""

    @staticmethod
    def create_id(volunteer_id: UUID, **_: Any) -> UUID:
        return account_id_for(volunteer_id)

    @event("Opened")
    def __init__(self, volunteer_id: UUID) -> None:
        self.volunteer_id = volunteer_id
        self.balance = Decimal(0)  # available to spend
        self.earned = Decimal(0)
        self.held = Decimal(0)
        self.redeemed = Decimal(0)
        #: Points credited per source, keyed by the source id's hex, as text: one
        #: per hours entry, shared by copies until changed, and kept as plain
        #: values that a snapshot restores as they are.
        self.credited: SharedDict[str, str] = SharedDict()
        self.holds: dict[UUID, Decimal] = {}

    def credited_for(self, source_id: UUID) -> Decimal:
        return Decimal(self.credited.get(source_id.hex, "0"))

    def settle_source(
        self,
        source_id: UUID,
        source_kind: str,
        target_points: Decimal,
        policy_version: int,
        reason: str,
        actor: str,
    ) -> Decimal:
        """Brings the points credited for `source_id` to `target_points`; returns the
        change. A clawback may leave the balance below zero: the account then owes."""
        delta = target_points - self.credited_for(source_id)
        if delta > 0:
            self._points_credited(
                source_id=source_id,
                source_kind=source_kind,
                points=delta,
                balance_after=self.balance + delta,
                policy_version=policy_version,
                reason=reason,
                actor=actor,
            )
        elif delta < 0:
            self._points_clawed_back(
                source_id=source_id,
                source_kind=source_kind,
                points=-delta,
                balance_after=self.balance + delta,
                policy_version=policy_version,
                reason=reason,
                actor=actor,
            )
        return delta

    @event("PointsCredited")
    def _points_credited(
        self,
        source_id: UUID,
        source_kind: str,
        points: Decimal,
        balance_after: Decimal,
        policy_version: int,
        reason: str,
        actor: str,
    ) -> None:
        self._move(source_id, points)

    @event("PointsClawedBack")
    def _points_clawed_back(
        self,
        source_id: UUID,
        source_kind: str,
        points: Decimal,
        balance_after: Decimal,
        policy_version: int,
        reason: str,
        actor: str,
    ) -> None:
        self._move(source_id, -points)

    def _move(self, source_id: UUID, points: Decimal) -> None:
        self.credited[source_id.hex] = str(self.credited_for(source_id) + points)
        self.balance += points
        self.earned += points

    @property
    def owes(self) -> bool:
        return self.balance < 0

    # -- spending (信用超市) -------------------------------------------------------

    def check_can_spend(self, points: Decimal, field: str = "items") -> None:
        """`field` names the input that asked for the points: a redemption's
        `items`, a donation's `points`."""
        if points <= 0:
            raise InvalidInput(field, "points_positive", "nothing to pay")
        if points > self.balance:
            raise InsufficientPoints(
                f"needs {points} points, {self.balance} available",
                field=field,
                balance=self.balance,
            )

    def redeem(self, redemption_id: UUID, points: Decimal) -> None:
        """Spends at once. Redeeming never takes the balance below zero."""
        self.check_can_spend(points)
        self._redeemed(
            redemption_id=redemption_id,
            points=points,
            balance_after=self.balance - points,
        )

    @event("PointsRedeemed")
    def _redeemed(
        self, redemption_id: UUID, points: Decimal, balance_after: Decimal
    ) -> None:
        self.balance = balance_after
        self.redeemed += points

    # -- donations (time bank): points buy goods and services, never cash ----------

    def donate(
        self, donation_id: UUID, points: Decimal, to: UUID, reason: str, actor: str
    ) -> None:
        check_donation(points, reason)
        if to == self.volunteer_id:
            raise InvalidInput(
                "to_volunteer_id", "donate_to_another", "not to yourself"
            )
        self.check_can_spend(points, field="points")
        self._donated(
            donation_id=donation_id,
            points=points,
            to=to,
            balance_after=self.balance - points,
            reason=reason,
            actor=actor,
        )

    @event("PointsDonated")
    def _donated(
        self,
        donation_id: UUID,
        points: Decimal,
        to: UUID,
        balance_after: Decimal,
        reason: str,
        actor: str,
    ) -> None:
        self.balance = balance_after

    def receive(
        self, donation_id: UUID, points: Decimal, giver: UUID, reason: str
    ) -> None:
        self._received(
            donation_id=donation_id,
            points=points,
            giver=giver,
            balance_after=self.balance + points,
            reason=reason,
        )

    @event("PointsReceived")
    def _received(
        self,
        donation_id: UUID,
        points: Decimal,
        giver: UUID,
        balance_after: Decimal,
        reason: str,
    ) -> None:
        self.balance = balance_after

    def hold(self, redemption_id: UUID, points: Decimal) -> None:
        """Reserves points for a two-step redemption."""
        self.check_can_spend(points)
        self._held(
            redemption_id=redemption_id,
            points=points,
            balance_after=self.balance - points,
        )

    @event("PointsHeld")
    def _held(
        self, redemption_id: UUID, points: Decimal, balance_after: Decimal
    ) -> None:
        self.balance = balance_after
        self.held += points
        self.holds[redemption_id] = points

    def points_held_for(self, redemption_id: UUID) -> Decimal:
        """A redemption held and an account without its hold were read at different
        versions: both are always saved together."""
        if (points := self.holds.get(redemption_id)) is None:
            raise StaleRead(f"account {self.id} holds nothing for {redemption_id}")
        return points

    def commit_hold(self, redemption_id: UUID) -> None:
        points = self.points_held_for(redemption_id)
        self._hold_committed(redemption_id=redemption_id, points=points)

    @event("HoldCommitted")
    def _hold_committed(self, redemption_id: UUID, points: Decimal) -> None:
        self.held -= points
        self.redeemed += points
        del self.holds[redemption_id]

    def release_hold(
        self, redemption_id: UUID, cause: ReleaseCause, reason: str
    ) -> None:
        """Gives a hold's points back: `cause` says whether it was voided or
        expired, so the statement can tell them apart."""
        points = self.points_held_for(redemption_id)
        self._hold_released(
            redemption_id=redemption_id,
            points=points,
            balance_after=self.balance + points,
            cause=cause,
            reason=reason,
        )

    @event("HoldReleased")
    def _hold_released(
        self,
        redemption_id: UUID,
        points: Decimal,
        balance_after: Decimal,
        cause: ReleaseCause,
        reason: str,
    ) -> None:
        self.balance = balance_after
        self.held -= points
        del self.holds[redemption_id]


def check_donation(points: Decimal, reason: str) -> None:
    if not points.is_finite() or points <= 0:
        raise InvalidInput("points", "points_positive", "must be above 0")
    if points != points.quantize(Decimal("0.01")):
        raise InvalidInput("points", "points_precision", "at most two decimals")
    if not reason.strip():
        raise InvalidInput("reason", "reason_required", "must not be blank")
