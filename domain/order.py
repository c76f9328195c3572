"""The five-order loop (五单): 点单 → 派单 → 接单 → 评单 → 奖单, as a state machine.

Every transition is an event naming its actor. Nobody is forced to take an order
(《志愿服务条例》Art. 25): volunteers accept or decline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import (
    EvaluationWindowClosed,
    Forbidden,
    IllegalTransition,
    InvalidInput,
)
from domain.ids import NAMESPACE
from domain.instants import check_plan_instant
from domain.reference import check_category
from domain.resident import OrderChannel
from domain.volunteer import TimeSpan, check_reason

EVALUATION_WINDOW = timedelta(days=30)
MAX_REWARD_POINTS = Decimal(1000)


class OrderState(StrEnum):
    PLACED = "placed"
    REVIEWED = "reviewed"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    OPEN = "open"
    ACCEPTED = "accepted"
    STARTED = "started"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    REWARDED = "rewarded"
    CANCELLED = "cancelled"


#: States from which an order may still be cancelled (before completion).
CANCELLABLE = frozenset(
    {
        OrderState.PLACED,
        OrderState.REVIEWED,
        OrderState.DISPATCHED,
        OrderState.OPEN,
        OrderState.ACCEPTED,
        OrderState.STARTED,
    }
)
#: States in which the order still waits for someone to take it.
AWAITING_ACCEPTANCE = frozenset(
    {OrderState.PLACED, OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN}
)


@dataclass(frozen=True)
class Participation:
    volunteer_id: UUID
    span: TimeSpan


def check_window(start: datetime, end: datetime, now: datetime) -> None:
    check_plan_instant("window_start", start, now)
    check_plan_instant("window_end", end, now)
    if end <= start:
        raise InvalidInput(
            "window_end", "end_after_start", "must be after window_start"
        )


def check_text(field: str, value: str, limit: int = 500) -> None:
    if not value.strip():
        raise InvalidInput(field, f"{field}_required", "must not be blank")
    if len(value) > limit:
        raise InvalidInput(field, f"{field}_length", f"at most {limit} characters")


class ServiceOrder(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(order_id: UUID, **_: Any) -> UUID:
        return order_id

    @event("Placed")
    def __init__(
        self,
        order_id: UUID,
        resident_id: UUID,
        station_id: UUID,
        category: str,
        subcategory: str | None,
        title: str,
        description: str,
        address: str,
        window_start: datetime,
        window_end: datetime,
        actor: str,
        channel: str = OrderChannel.SELF,
    ) -> None:
        self.resident_id = resident_id
        #: How the need reached the station: the resident itself, or staff who
        #: took it by phone, on a visit or from a group chat (代点单).
        self.channel = OrderChannel(channel)
        self.station_id = station_id
        self.category = category
        self.subcategory = subcategory
        self.title = title
        self.description = description
        self.address = address
        self.state = OrderState.PLACED
        self.team_id: UUID | None = None
        self.project_id: UUID | None = None
        self.dispatched_to: list[UUID] = []
        self.accepted_by: list[UUID] = []
        self.participants: list[UUID] = []
        self.completed_at: datetime | None = None

    @classmethod
    def place(
        cls,
        order_id: UUID,
        resident_id: UUID,
        station_id: UUID,
        category: str,
        subcategory: str | None,
        title: str,
        description: str,
        address: str,
        window_start: datetime,
        window_end: datetime,
        actor: str,
        now: datetime,
        channel: OrderChannel = OrderChannel.SELF,
    ) -> ServiceOrder:
        check_category(category, subcategory)
        check_text("title", title, 100)
        check_text("description", description)
        check_text("address", address, 200)
        check_window(window_start, window_end, now)
        return cls(
            order_id=order_id,
            resident_id=resident_id,
            station_id=station_id,
            category=category,
            subcategory=subcategory,
            title=title.strip(),
            description=description.strip(),
            address=address.strip(),
            window_start=window_start,
            window_end=window_end,
            actor=actor,
            channel=channel.value,
        )

    # -- invariants ---------------------------------------------------------

    def check_state(self, command: str, *allowed: OrderState) -> None:
        if self.state not in allowed:
            raise IllegalTransition(
                f"cannot {command} an order that is {self.state.value}",
                state=self.state.value,
            )

    def check_may_take(self, volunteer_id: UUID, in_station_scope: bool) -> None:
        """Dispatched to this volunteer, or open and the volunteer is in scope."""
        if self.state is OrderState.OPEN and in_station_scope:
            return
        if volunteer_id in self.dispatched_to:
            return
        raise IllegalTransition(
            "this order was not dispatched or opened to this volunteer",
            state=self.state.value,
        )

    def shown_to(self, volunteer_id: UUID, in_station_scope: bool) -> bool:
        """Whether a volunteer sees the order: given, taken or served by it, or
        open for claiming to its unit."""
        return (
            volunteer_id in self.dispatched_to
            or volunteer_id in self.accepted_by
            or volunteer_id in self.participants
            or (self.state is OrderState.OPEN and in_station_scope)
        )

    @property
    def is_team_order(self) -> bool:
        return self.team_id is not None

    # -- 派单: review and dispatch -------------------------------------------

    def review(self, accept: bool, reason: str, actor: str) -> None:
        self.check_state("review", OrderState.PLACED)
        if not accept:
            check_reason(reason)
        self._reviewed(accepted=accept, reason=reason, actor=actor)

    @event("Reviewed")
    def _reviewed(self, accepted: bool, reason: str, actor: str) -> None:
        self.state = OrderState.REVIEWED if accepted else OrderState.REJECTED

    def dispatch(
        self,
        team_id: UUID | None,
        volunteer_ids: list[UUID],
        open_for_claiming: bool,
        actor: str,
        project_id: UUID | None = None,
    ) -> None:
        self.check_state(
            "dispatch", OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN
        )
        targets = sum([team_id is not None, bool(volunteer_ids), open_for_claiming])
        if targets != 1:
            raise InvalidInput(
                "team_id",
                "one_dispatch_target",
                "give exactly one of team_id, volunteer_ids or open_for_claiming",
            )
        if len(set(volunteer_ids)) != len(volunteer_ids):
            raise InvalidInput("volunteer_ids", "unique_volunteers", "listed twice")
        self._dispatched(
            team_id=team_id,
            volunteer_ids=list(volunteer_ids),
            open_for_claiming=open_for_claiming,
            actor=actor,
            project_id=project_id,
        )

    @event("Dispatched")
    def _dispatched(
        self,
        team_id: UUID | None,
        volunteer_ids: list[UUID],
        open_for_claiming: bool,
        actor: str,
        project_id: UUID | None = None,
    ) -> None:
        self.team_id = team_id
        self.project_id = project_id
        self.dispatched_to = list(volunteer_ids)
        self.state = OrderState.OPEN if open_for_claiming else OrderState.DISPATCHED

    # -- 接单: accept or decline ----------------------------------------------

    def accept(
        self, volunteer_id: UUID | None, in_station_scope: bool, actor: str
    ) -> None:
        """A volunteer takes the order (a team order is taken by its coordinator:
        `volunteer_id` is None). Further dispatched volunteers may join until start."""
        self.check_state(
            "accept", OrderState.DISPATCHED, OrderState.OPEN, OrderState.ACCEPTED
        )
        if self.is_team_order:
            if volunteer_id is not None:
                raise Forbidden("a team order is accepted by the team's coordinator")
            self.check_state("accept", OrderState.DISPATCHED)
        else:
            if volunteer_id is None:
                raise Forbidden("only the volunteers it was given to may accept")
            if volunteer_id in self.accepted_by:
                raise IllegalTransition(
                    "this volunteer already accepted", state=self.state.value
                )
            if (
                self.state is OrderState.ACCEPTED
                and volunteer_id not in self.dispatched_to
            ):
                raise IllegalTransition(
                    "the order was already taken", state=self.state.value
                )
            self.check_may_take(volunteer_id, in_station_scope)
        self._accepted(volunteer_id=volunteer_id, actor=actor)

    @event("Accepted")
    def _accepted(self, volunteer_id: UUID | None, actor: str) -> None:
        if volunteer_id is not None:
            self.accepted_by.append(volunteer_id)
        self.state = OrderState.ACCEPTED

    def decline(self, volunteer_id: UUID | None, reason: str, actor: str) -> None:
        """Declining sends the order back to dispatch once nobody is left on it."""
        self.check_state("decline", OrderState.DISPATCHED)
        check_reason(reason)
        if self.is_team_order:
            if volunteer_id is not None:
                raise Forbidden("a team order is declined by the team's coordinator")
        elif volunteer_id not in self.dispatched_to:
            raise IllegalTransition(
                "this order was not dispatched to this volunteer",
                state=self.state.value,
            )
        remaining = [v for v in self.dispatched_to if v != volunteer_id]
        self._declined(
            volunteer_id=volunteer_id,
            reason=reason,
            back_to_dispatch=self.is_team_order or not remaining,
            actor=actor,
        )

    @event("Declined")
    def _declined(
        self, volunteer_id: UUID | None, reason: str, back_to_dispatch: bool, actor: str
    ) -> None:
        self.dispatched_to = [v for v in self.dispatched_to if v != volunteer_id]
        if back_to_dispatch:
            self.state = OrderState.REVIEWED
            self.team_id = None
            self.dispatched_to = []

    # -- service --------------------------------------------------------------

    def check_started_by(self, volunteer_id: UUID | None) -> None:
        """Of the volunteers, only one who accepted the order starts it."""
        if volunteer_id not in self.accepted_by:
            raise Forbidden(
                "only a volunteer who accepted this order, or station staff, starts it"
            )

    def start(self, actor: str) -> None:
        self.check_state("start", OrderState.ACCEPTED)
        self._started(actor=actor)

    @event("Started")
    def _started(self, actor: str) -> None:
        self.state = OrderState.STARTED

    def complete(
        self, participations: list[Participation], now: datetime, actor: str
    ) -> None:
        self.check_state("complete", OrderState.STARTED)
        if not participations:
            raise InvalidInput(
                "participants", "participants_required", "name who served and when"
            )
        ids = [p.volunteer_id for p in participations]
        if len(set(ids)) != len(ids):
            raise InvalidInput("participants", "unique_volunteers", "listed twice")
        if not self.is_team_order and not set(ids) <= set(self.accepted_by):
            raise InvalidInput(
                "participants",
                "participants_accepted",
                "only volunteers who accepted the order can be participants",
            )
        self._completed(
            participants=[
                {
                    "volunteer_id": p.volunteer_id,
                    "record_id": self.hours_record_id(p.volunteer_id),
                    "started_at": p.span.started_at,
                    "ended_at": p.span.ended_at,
                }
                for p in participations
            ],
            completed_at=now,
            actor=actor,
        )

    @event("Completed")
    def _completed(
        self, participants: list[dict[str, Any]], completed_at: datetime, actor: str
    ) -> None:
        self.participants = [p["volunteer_id"] for p in participants]
        self.completed_at = completed_at
        self.state = OrderState.COMPLETED

    # -- 评单 and 奖单 ----------------------------------------------------------

    def evaluate(
        self, resident_id: UUID, stars: int, comment: str, now: datetime
    ) -> None:
        if resident_id != self.resident_id:
            raise Forbidden("only the resident who placed the order evaluates it")
        self.check_state("evaluate", OrderState.COMPLETED)
        completed_at = self.completed_at or now
        if now > completed_at + EVALUATION_WINDOW:
            raise EvaluationWindowClosed("evaluations close 30 days after completion")
        if not 1 <= stars <= 5:
            raise InvalidInput("stars", "stars_1_to_5", "must be 1 to 5")
        if len(comment) > 500:
            raise InvalidInput("comment", "comment_length", "at most 500 characters")
        self._evaluated(
            stars=stars,
            comment=comment.strip(),
            participants=list(self.participants),
            team_id=self.team_id,
            station_id=self.station_id,
        )

    @event("Evaluated")
    def _evaluated(
        self,
        stars: int,
        comment: str,
        participants: list[UUID],
        team_id: UUID | None,
        station_id: UUID,
    ) -> None:
        self.state = OrderState.EVALUATED

    def reward(self, points: Decimal, reason: str, actor: str) -> None:
        self.check_state("reward", OrderState.EVALUATED)
        check_reason(reason)
        if not points.is_finite() or points <= 0 or points > MAX_REWARD_POINTS:
            raise InvalidInput(
                "points",
                "reward_points_range",
                f"must be above 0 and at most {MAX_REWARD_POINTS}",
            )
        self._rewarded(
            points=points,
            participants=list(self.participants),
            reason=reason,
            actor=actor,
        )

    @event("Rewarded")
    def _rewarded(
        self, points: Decimal, participants: list[UUID], reason: str, actor: str
    ) -> None:
        self.state = OrderState.REWARDED

    def hours_record_id(self, volunteer_id: UUID) -> UUID:
        """The id of a participant's hours entry: one per volunteer per order."""
        return uuid5(NAMESPACE, f"order-hours/{self.id}/{volunteer_id}")

    def reward_source_id(self, volunteer_id: UUID) -> UUID:
        return uuid5(NAMESPACE, f"order-reward/{self.id}/{volunteer_id}")

    # -- cancel ---------------------------------------------------------------

    def cancel(self, reason: str, actor: str) -> None:
        self.check_state("cancel", *CANCELLABLE)
        check_reason(reason)
        self._cancelled(reason=reason, actor=actor)

    @event("Cancelled")
    def _cancelled(self, reason: str, actor: str) -> None:
        self.state = OrderState.CANCELLED
