"""Commands of the five-order loop (五单). Residents are identified by their token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.access import Actor, Role
from domain.errors import Forbidden, OrderNotFound, TeamNotFound
from domain.order import Participation, ServiceOrder
from domain.organisation import Team, check_is_station
from domain.volunteer import ServiceDetails, TimeSpan, Volunteer
from infra.core import Decision, LedgerCore, Outcome
from infra.idempotency import IdempotencyKey


@dataclass(frozen=True)
class NewOrder:
    category: str
    subcategory: str | None
    title: str
    description: str
    station_id: UUID
    address: str
    window_start: datetime
    window_end: datetime
    order_id: UUID | None = None


@dataclass(frozen=True)
class Dispatch:
    team_id: UUID | None = None
    volunteer_ids: tuple[UUID, ...] = ()
    open_for_claiming: bool = False


@dataclass(frozen=True)
class Served:
    volunteer_id: UUID
    started_at: datetime
    ended_at: datetime


def order_view(order: ServiceOrder) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "state": order.state.value,
        "station_id": str(order.station_id),
        "team_id": str(order.team_id) if order.team_id else None,
        "dispatched_to": [str(v) for v in order.dispatched_to],
        "accepted_by": [str(v) for v in order.accepted_by],
        "participants": [str(v) for v in order.participants],
    }


class OrderCommands(LedgerCore):
    def order(self, order_id: UUID) -> ServiceOrder:
        return self._load(ServiceOrder, order_id, OrderNotFound)

    def _transition(
        self,
        order_id: UUID,
        change: Any,
        idem: IdempotencyKey | None = None,
    ) -> Outcome:
        """Loads the order, applies `change(order)`, saves what it returns too."""

        def decide() -> Decision:
            order = self.order(order_id)
            others = change(order) or []
            return Decision([order, *others], order_view(order))

        return self.execute(idem, decide)

    def _check_station_staff(self, actor: Actor, order: ServiceOrder) -> None:
        actor.check_manages(self.unit(order.station_id))

    # -- 点单 --------------------------------------------------------------------

    def place_order(
        self, cmd: NewOrder, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            actor.check_role(Role.RESIDENT)
            station = self.requested_unit(cmd.station_id, "station_id")
            check_is_station(station, "orders go to a station (站)")
            order = ServiceOrder.place(
                cmd.order_id or uuid4(),
                actor.token_id,
                cmd.station_id,
                cmd.category,
                cmd.subcategory,
                cmd.title,
                cmd.description,
                cmd.address,
                cmd.window_start,
                cmd.window_end,
                actor.label,
                self.clock(),
            )
            return Decision([order], order_view(order))

        return self.execute(idem, decide)

    # -- 派单 --------------------------------------------------------------------

    def review_order(
        self, order_id: UUID, accept: bool, reason: str, actor: Actor
    ) -> Outcome:
        def change(order: ServiceOrder) -> None:
            self._check_station_staff(actor, order)
            order.review(accept, reason, actor.label)

        return self._transition(order_id, change)

    def dispatch_order(self, order_id: UUID, cmd: Dispatch, actor: Actor) -> Outcome:
        def change(order: ServiceOrder) -> None:
            self._check_station_staff(actor, order)
            if cmd.team_id is not None:
                self._field(Team, cmd.team_id, "team_id")
            for volunteer_id in cmd.volunteer_ids:
                self._field(Volunteer, volunteer_id, "volunteer_ids").check_active()
            order.dispatch(
                cmd.team_id, list(cmd.volunteer_ids), cmd.open_for_claiming, actor.label
            )

        return self._transition(order_id, change)

    # -- 接单 --------------------------------------------------------------------

    def accept_order(self, order_id: UUID, actor: Actor) -> Outcome:
        def change(order: ServiceOrder) -> None:
            if order.is_team_order:
                self._check_team_coordinator(actor, order)
                order.accept(None, False, actor.label)
                return
            volunteer_id = self._acting_volunteer(actor)
            volunteer = self.volunteer(volunteer_id)
            volunteer.check_active()
            in_scope = self.unit(order.station_id).covers(self.unit(volunteer.unit_id))
            order.accept(volunteer_id, in_scope, actor.label)

        return self._transition(order_id, change)

    def decline_order(self, order_id: UUID, reason: str, actor: Actor) -> Outcome:
        def change(order: ServiceOrder) -> None:
            if order.is_team_order:
                self._check_team_coordinator(actor, order)
                order.decline(None, reason, actor.label)
            else:
                order.decline(self._acting_volunteer(actor), reason, actor.label)

        return self._transition(order_id, change)

    @staticmethod
    def _check_own_order(actor: Actor, order: ServiceOrder) -> None:
        """Another resident's order is not even shown to exist."""
        actor.check_role(Role.RESIDENT)
        if actor.token_id != order.resident_id:
            raise OrderNotFound(f"no order {order.id}")

    def _acting_volunteer(self, actor: Actor) -> UUID:
        actor.check_role(Role.VOLUNTEER)
        if actor.volunteer_id is None:
            raise Forbidden("this token names no volunteer")
        return actor.volunteer_id

    def _check_team_coordinator(self, actor: Actor, order: ServiceOrder) -> None:
        if order.team_id is None:
            raise Forbidden("this order was not dispatched to a team")
        team = self._load(Team, order.team_id, TeamNotFound)
        actor.check_manages(self.unit(team.unit_id))

    # -- service -------------------------------------------------------------------

    def start_order(self, order_id: UUID, actor: Actor) -> Outcome:
        def change(order: ServiceOrder) -> None:
            if actor.role is Role.VOLUNTEER:
                order.check_started_by(actor.volunteer_id)
            else:
                self._check_station_staff(actor, order)
            order.start(actor.label)

        return self._transition(order_id, change)

    def complete_order(
        self, order_id: UUID, served: list[Served], actor: Actor
    ) -> Outcome:
        """Completion records each participant's hours and points through the same
        rules as direct recording, in the same transaction as the order."""

        def change(order: ServiceOrder) -> list[Any]:
            self._check_station_staff(actor, order)
            participations = [
                Participation(s.volunteer_id, TimeSpan(s.started_at, s.ended_at))
                for s in served
            ]
            order.complete(participations, self.clock(), actor.label)
            terms = self.policy().terms
            details = self._order_details(order)
            changed: list[Any] = []
            for p in participations:
                volunteer = self._field(Volunteer, p.volunteer_id, "participants")
                account = self.account(p.volunteer_id)
                self.record_entry(
                    volunteer,
                    account,
                    order.hours_record_id(p.volunteer_id),
                    order.station_id,
                    p.span,
                    details,
                    terms,
                    actor.label,
                )
                changed += [volunteer, account]
            return changed

        return self._transition(order_id, change)

    def _order_details(self, order: ServiceOrder) -> ServiceDetails:
        return ServiceDetails(
            activity_name=order.title,
            location=order.address,
            service_recipient="点单群众",
            content=order.description,
            leader=self.unit(order.station_id).name,
            order_id=order.id,
        )

    # -- 评单 and 奖单 --------------------------------------------------------------

    def evaluate_order(
        self, order_id: UUID, stars: int, comment: str, actor: Actor
    ) -> Outcome:
        def change(order: ServiceOrder) -> None:
            self._check_own_order(actor, order)
            order.evaluate(actor.token_id, stars, comment, self.clock())

        return self._transition(order_id, change)

    def reward_order(
        self, order_id: UUID, points: Decimal, reason: str, actor: Actor
    ) -> Outcome:
        """An admin grants each participant bonus points, credited once."""

        def change(order: ServiceOrder) -> list[Any]:
            actor.check_role(Role.ADMIN)
            order.reward(points, reason, actor.label)
            terms = self.policy().terms
            accounts = []
            for volunteer_id in order.participants:
                account = self.account(volunteer_id)
                account.settle_source(
                    order.reward_source_id(volunteer_id),
                    "reward",
                    points,
                    terms.version,
                    reason,
                    actor.label,
                )
                accounts.append(account)
            return accounts

        return self._transition(order_id, change)

    def cancel_order(self, order_id: UUID, reason: str, actor: Actor) -> Outcome:
        def change(order: ServiceOrder) -> None:
            if actor.role is Role.RESIDENT:
                self._check_own_order(actor, order)
            else:
                self._check_station_staff(actor, order)
            order.cancel(reason, actor.label)

        return self._transition(order_id, change)
