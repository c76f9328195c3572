"""The five-order loop (五单): 点单 place → 派单 review, dispatch → 接单 accept →
service → 评单 evaluate → 奖单 reward. A resident is its token's principal: a
resident's login names its resident record, on whose behalf staff may also place
orders (代点单)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from application.hours import record_entry
from application.projects import running_project
from application.residents import ResidentDirectory, check_mobile
from domain.access import Actor, Role
from domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    OrderNotFound,
    TeamNotFound,
)
from domain.identity import check_name, check_phone, normalise_phone
from domain.order import OrderState, Participation, ServiceOrder
from domain.organisation import Team, check_is_station
from domain.resident import ON_BEHALF, OrderChannel
from domain.volunteer import ServiceDetails, TimeSpan, Volunteer
from infra.vault import VaultReader


@dataclass(frozen=True)
class PlaceOrder:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "order_id"
    category: str
    subcategory: str | None
    title: str
    description: str
    station_id: UUID
    address: str
    window_start: datetime
    window_end: datetime
    order_id: UUID | None = None
    #: Whom those serving the order call; None: the resident itself.
    contact_name: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class TakeOrder:
    """A need staff took on a resident's behalf (代点单)."""

    order: PlaceOrder
    resident_name: str
    resident_phone: str
    channel: OrderChannel


@dataclass(frozen=True)
class ReviewOrder:
    order_id: UUID
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class DispatchOrder:
    order_id: UUID
    team_id: UUID | None = None
    volunteer_ids: tuple[UUID, ...] = ()
    open_for_claiming: bool = False
    project_id: UUID | None = None


@dataclass(frozen=True)
class AcceptOrder:
    order_id: UUID


@dataclass(frozen=True)
class DeclineOrder:
    order_id: UUID
    reason: str


@dataclass(frozen=True)
class StartOrder:
    order_id: UUID


@dataclass(frozen=True)
class Served:
    volunteer_id: UUID
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class CompleteOrder:
    order_id: UUID
    served: tuple[Served, ...]


@dataclass(frozen=True)
class EvaluateOrder:
    order_id: UUID
    stars: int
    comment: str = ""


@dataclass(frozen=True)
class RewardOrder:
    order_id: UUID
    points: Decimal
    reason: str


@dataclass(frozen=True)
class CancelOrder:
    order_id: UUID
    reason: str


@dataclass(frozen=True)
class OrderStatus:
    id: UUID
    state: OrderState
    station_id: UUID
    team_id: UUID | None
    dispatched_to: list[UUID]
    accepted_by: list[UUID]
    participants: list[UUID]
    resident_id: UUID
    channel: OrderChannel

    @classmethod
    def of(cls, order: ServiceOrder) -> OrderStatus:
        return cls(
            order.id,
            order.state,
            order.station_id,
            order.team_id,
            list(order.dispatched_to),
            list(order.accepted_by),
            list(order.participants),
            order.resident_id,
            order.channel,
        )


class Orders:
    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        residents: ResidentDirectory,
        people: VaultReader,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.residents = residents
        self.people = people

    def _order(self, order_id: UUID) -> ServiceOrder:
        return self.aggregates.get(ServiceOrder, order_id, OrderNotFound)

    # -- 点单 --------------------------------------------------------------------

    def place(self, cmd: PlaceOrder, actor: Actor) -> Decision[OrderStatus]:
        actor.check_role(Role.RESIDENT)
        station = self.aggregates.named_unit(cmd.station_id, "station_id")
        check_is_station(station, "orders go to a station (站)")
        own = self.people.resident(actor.token_id) or {}
        contact = order_contact(cmd, own.get("name", ""), own.get("phone", ""))
        order = self._placed(cmd, actor.token_id, OrderChannel.SELF, actor)
        writes = (
            []
            if contact is None
            else [self.residents.vault.store_text(order.id, contact)]
        )
        return Decision([order], OrderStatus.of(order), writes)

    def take(self, cmd: TakeOrder, actor: Actor) -> Decision[OrderStatus]:
        """代点单: station staff place a resident's need heard by phone, on a visit
        or in a group chat; the resident of that phone (recorded now if new) sees
        it, and evaluates it, once it signs in."""
        station = self.aggregates.named_unit(cmd.order.station_id, "station_id")
        check_is_station(station, "orders go to a station (站)")
        actor.check_manages(station)
        if cmd.channel not in ON_BEHALF:
            raise InvalidInput(
                "channel",
                "channel_on_behalf",
                "phone_call, visit or group_chat: how staff heard of the need",
            )
        phone = check_mobile(cmd.resident_phone)
        resident, writes = self.residents.of_phone(
            cmd.resident_name, phone, station, actor.label
        )
        contact = order_contact(cmd.order, cmd.resident_name.strip(), phone)
        order = self._placed(cmd.order, resident.id, cmd.channel, actor)
        if contact is not None:
            writes = [*writes, self.residents.vault.store_text(order.id, contact)]
        return Decision(
            [resident, order],
            OrderStatus.of(order),
            writes,
            claim_conflict=Conflict(
                "the resident was recorded just now; try again", field="resident_phone"
            ),
        )

    def _placed(
        self, cmd: PlaceOrder, resident_id: UUID, channel: OrderChannel, actor: Actor
    ) -> ServiceOrder:
        return ServiceOrder.place(
            cmd.order_id or uuid4(),
            resident_id,
            cmd.station_id,
            cmd.category,
            cmd.subcategory,
            cmd.title,
            cmd.description,
            cmd.address,
            cmd.window_start,
            cmd.window_end,
            actor.label,
            self.clock.now(),
            channel,
        )

    # -- 派单 --------------------------------------------------------------------

    def review(self, cmd: ReviewOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        self._check_station_staff(actor, order)
        order.review(cmd.accept, cmd.reason, actor.label)
        return Decision([order], OrderStatus.of(order))

    def dispatch(self, cmd: DispatchOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        self._check_station_staff(actor, order)
        if cmd.team_id is not None:
            self.aggregates.named(Team, cmd.team_id, "team_id")
        for volunteer_id in cmd.volunteer_ids:
            self.aggregates.named(
                Volunteer, volunteer_id, "volunteer_ids"
            ).check_active()
        if cmd.project_id is not None:
            station = self.aggregates.unit(order.station_id)
            running_project(self.aggregates, cmd.project_id, station, cmd.team_id)
        order.dispatch(
            cmd.team_id,
            list(cmd.volunteer_ids),
            cmd.open_for_claiming,
            actor.label,
            cmd.project_id,
        )
        return Decision([order], OrderStatus.of(order))

    # -- 接单 --------------------------------------------------------------------

    def accept(self, cmd: AcceptOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        shown = self._check_shown(actor, order)
        if order.is_team_order:
            self._check_team_coordinator(actor, order)
            order.accept(None, False, actor.label)
            return Decision([order], OrderStatus.of(order))
        if shown is None:  # staff, or a token naming no volunteer
            actor.check_role(Role.VOLUNTEER)
            raise Forbidden("this token names no volunteer")
        volunteer, in_scope = shown
        volunteer.check_active()
        order.accept(volunteer.id, in_scope, actor.label)
        return Decision([order], OrderStatus.of(order))

    def decline(self, cmd: DeclineOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        self._check_shown(actor, order)
        if order.is_team_order:
            self._check_team_coordinator(actor, order)
            order.decline(None, cmd.reason, actor.label)
        else:
            order.decline(_acting_volunteer(actor), cmd.reason, actor.label)
        return Decision([order], OrderStatus.of(order))

    # -- service -------------------------------------------------------------------

    def start(self, cmd: StartOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        self._check_shown(actor, order)
        if actor.role is Role.VOLUNTEER:
            order.check_started_by(actor.volunteer_id)
        else:
            self._check_station_staff(actor, order)
        order.start(actor.label)
        return Decision([order], OrderStatus.of(order))

    def complete(self, cmd: CompleteOrder, actor: Actor) -> Decision[OrderStatus]:
        """Completion records each participant's hours and points through the same
        rules as direct recording, in the same transaction as the order."""
        order = self._order(cmd.order_id)
        self._check_station_staff(actor, order)
        participations = [
            Participation(s.volunteer_id, TimeSpan(s.started_at, s.ended_at))
            for s in cmd.served
        ]
        order.complete(participations, self.clock.now(), actor.label)
        terms = self.aggregates.policy().terms
        details = self._details(order)
        changed: list[Aggregate] = [order]
        for p in participations:
            volunteer = self.aggregates.named(Volunteer, p.volunteer_id, "participants")
            account = self.aggregates.account(p.volunteer_id)
            record_entry(
                volunteer,
                account,
                order.hours_record_id(p.volunteer_id),
                order.station_id,
                p.span,
                details,
                terms,
                self.clock,
                actor.label,
            )
            changed += [volunteer, account]
        return Decision(changed, OrderStatus.of(order))

    def _details(self, order: ServiceOrder) -> ServiceDetails:
        return ServiceDetails(
            activity_name=order.title,
            location=order.address,
            service_recipient="点单群众",
            content=order.description,
            leader=self.aggregates.unit(order.station_id).name,
            order_id=order.id,
            category=order.category,
            subcategory=order.subcategory,
            team_id=order.team_id,
        )

    # -- 评单 and 奖单 --------------------------------------------------------------

    def evaluate(self, cmd: EvaluateOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        _check_own_order(actor, order)
        order.evaluate(actor.token_id, cmd.stars, cmd.comment, self.clock.now())
        return Decision([order], OrderStatus.of(order))

    def reward(self, cmd: RewardOrder, actor: Actor) -> Decision[OrderStatus]:
        """An admin grants each participant bonus points, credited once."""
        order = self._order(cmd.order_id)
        actor.check_role(Role.ADMIN)
        order.reward(cmd.points, cmd.reason, actor.label)
        terms = self.aggregates.policy().terms
        accounts = []
        for volunteer_id in order.participants:
            account = self.aggregates.account(volunteer_id)
            account.settle_source(
                order.reward_source_id(volunteer_id),
                "reward",
                cmd.points,
                terms.version,
                cmd.reason,
                actor.label,
            )
            accounts.append(account)
        return Decision([order, *accounts], OrderStatus.of(order))

    def cancel(self, cmd: CancelOrder, actor: Actor) -> Decision[OrderStatus]:
        order = self._order(cmd.order_id)
        if actor.role is Role.RESIDENT:
            _check_own_order(actor, order)
        else:
            self._check_station_staff(actor, order)
        order.cancel(cmd.reason, actor.label)
        return Decision([order], OrderStatus.of(order))

    # -- who may act -----------------------------------------------------------------

    def _check_shown(
        self, actor: Actor, order: ServiceOrder
    ) -> tuple[Volunteer, bool] | None:
        """A volunteer acts only on an order it may read: another is answered as
        the read answers it (404), its state not shown. The volunteer, and
        whether the order's station covers its unit (None for staff)."""
        if actor.role is not Role.VOLUNTEER or actor.volunteer_id is None:
            return None
        loaded = self.aggregates.load(actor.volunteer_id, order.station_id)
        volunteer = self.aggregates.volunteer(actor.volunteer_id, loaded)
        station = self.aggregates.unit(order.station_id, loaded)
        in_scope = station.covers(self.aggregates.unit(volunteer.unit_id))
        if not order.shown_to(volunteer.id, in_scope):
            raise OrderNotFound(f"no order {order.id}")
        return volunteer, in_scope

    def _check_station_staff(self, actor: Actor, order: ServiceOrder) -> None:
        actor.check_manages(self.aggregates.unit(order.station_id))

    def _check_team_coordinator(self, actor: Actor, order: ServiceOrder) -> None:
        if order.team_id is None:
            raise Forbidden("this order was not dispatched to a team")
        team = self.aggregates.get(Team, order.team_id, TeamNotFound)
        actor.check_manages(self.aggregates.unit(team.unit_id))


def order_contact(cmd: PlaceOrder, name: str, phone: str) -> str | None:
    """Whom those serving the order call, as the text kept in the vault (never in
    an event): the one the resident named, else the resident; None when neither
    is on record (a resident's token with no resident record)."""
    contact_name = (cmd.contact_name or name).strip()
    contact_phone = normalise_phone(cmd.contact_phone or phone)
    if cmd.contact_name is not None:
        check_name(cmd.contact_name, "contact_name")
    if cmd.contact_phone is not None:
        check_phone(contact_phone, "contact_phone")
    if not (contact_name or contact_phone):
        return None
    contact = {"name": contact_name, "phone": contact_phone}
    return json.dumps(contact, ensure_ascii=False)


def _check_own_order(actor: Actor, order: ServiceOrder) -> None:
    """Another resident's order is not even shown to exist."""
    actor.check_role(Role.RESIDENT)
    if actor.token_id != order.resident_id:
        raise OrderNotFound(f"no order {order.id}")


def _acting_volunteer(actor: Actor) -> UUID:
    actor.check_role(Role.VOLUNTEER)
    if actor.volunteer_id is None:
        raise Forbidden("this token names no volunteer")
    return actor.volunteer_id
