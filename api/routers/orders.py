"""Service orders: the five-order loop (五单) and ratings."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    check_reads_unit,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.common import ReasonIn
from api.schemas.orders import (
    CompleteIn,
    DispatchIn,
    EvaluationIn,
    OrderIn,
    OrderOut,
    OrderWritten,
    RatingOut,
    ReviewIn,
    RewardIn,
)
from api.schemas.people import OnBehalfIn
from application.orders import (
    AcceptOrder,
    CancelOrder,
    CompleteOrder,
    DeclineOrder,
    DispatchOrder,
    EvaluateOrder,
    PlaceOrder,
    ReviewOrder,
    RewardOrder,
    Served,
    StartOrder,
    TakeOrder,
)
from application.services import Container
from domain.access import Actor, Role
from domain.identity import mask_name, mask_phone
from domain.order import AWAITING_ACCEPTANCE, OrderState
from projections.queries import OrderFilter

router = APIRouter(prefix="/v1", tags=["orders"])
STEPS = (
    ("review", "placed_at", "reviewed_at"),
    ("dispatch", "reviewed_at", "dispatched_at"),
    ("accept", "dispatched_at", "accepted_at"),
    ("start", "accepted_at", "started_at"),
    ("complete", "started_at", "completed_at"),
    ("evaluate", "completed_at", "evaluated_at"),
    ("reward", "evaluated_at", "rewarded_at"),
)
#: Every subject starts as if it had 5 ratings at the scale's midpoint, so a short
#: record of top marks ranks below a longer one of nearly as good marks. (A prior at
#: the kind's own mean does not do that on a well-rated chart.)
PRIOR_WEIGHT = 5
PRIOR_MEAN = 3.0


def _not_found(order_id: UUID) -> ApiProblem:
    return ApiProblem(404, "order_exists", "Not found", f"no order {order_id}")


@router.post("/orders", status_code=201, response_model=OrderWritten)
def place_order(
    body: OrderIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> OrderWritten:
    """点单: a resident orders a service from a station."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = PlaceOrder(**dict(body))
    outcome = container.commands.run(container.orders.place, command, actor, key)
    return written(OrderWritten, outcome, response)


@router.post("/orders/on-behalf", status_code=201, response_model=OrderWritten)
def take_order(
    body: OnBehalfIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> OrderWritten:
    """代点单: station staff place a need heard by phone, on a visit or in a group
    chat, for the resident of that mobile number (recorded now if new). The
    resident sees and evaluates it once it registers with that number."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    order = PlaceOrder(
        **body.model_dump(exclude={"resident_name", "resident_phone", "channel"})
    )
    command = TakeOrder(order, body.resident_name, body.resident_phone, body.channel)
    outcome = container.commands.run(container.orders.take, command, actor, key)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/review", response_model=OrderWritten)
def review_order(
    order_id: UUID,
    body: ReviewIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """The station accepts the order for dispatch, or rejects it with a reason."""
    command = ReviewOrder(order_id, body.accept, body.reason)
    outcome = container.commands.run(container.orders.review, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/dispatch", response_model=OrderWritten)
def dispatch_order(
    order_id: UUID,
    body: DispatchIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """派单: to a team, to named volunteers, or open for claiming by any active
    volunteer of the station."""
    command = DispatchOrder(
        order_id,
        body.team_id,
        tuple(body.volunteer_ids),
        body.open_for_claiming,
        body.project_id,
    )
    outcome = container.commands.run(container.orders.dispatch, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/accept", response_model=OrderWritten)
def accept_order(
    order_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> OrderWritten:
    """接单: by a volunteer it was given or opened to (a team order: by the team's
    coordinator)."""
    command = AcceptOrder(order_id)
    outcome = container.commands.run(container.orders.accept, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/decline", response_model=OrderWritten)
def decline_order(
    order_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """Nobody is forced: declining with a reason sends the order back to dispatch
    once no one is left on it."""
    command = DeclineOrder(order_id, body.reason)
    outcome = container.commands.run(container.orders.decline, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/start", response_model=OrderWritten)
def start_order(
    order_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> OrderWritten:
    """The service begins: station staff, or a volunteer who accepted the order."""
    command = StartOrder(order_id)
    outcome = container.commands.run(container.orders.start, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/complete", response_model=OrderWritten)
def complete_order(
    order_id: UUID,
    body: CompleteIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """Records each participant's hours and points under the rules in force."""
    served = tuple(
        Served(p.volunteer_id, p.started_at, p.ended_at) for p in body.participants
    )
    command = CompleteOrder(order_id, served)
    outcome = container.commands.run(container.orders.complete, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/evaluation", response_model=OrderWritten)
def evaluate_order(
    order_id: UUID,
    body: EvaluationIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """评单: the resident who placed the order, once, within 30 days of completion."""
    command = EvaluateOrder(order_id, body.stars, body.comment)
    outcome = container.commands.run(container.orders.evaluate, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/reward", response_model=OrderWritten)
def reward_order(
    order_id: UUID,
    body: RewardIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """奖单: an admin credits each participant bonus points, once."""
    command = RewardOrder(order_id, body.points, body.reason)
    outcome = container.commands.run(container.orders.reward, command, actor)
    return written(OrderWritten, outcome, response)


@router.post("/orders/{order_id}/cancel", response_model=OrderWritten)
def cancel_order(
    order_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> OrderWritten:
    """By the resident or the station, before completion."""
    command = CancelOrder(order_id, body.reason)
    outcome = container.commands.run(container.orders.cancel, command, actor)
    return written(OrderWritten, outcome, response)


@router.get("/orders/{order_id}", response_model=OrderOut, dependencies=[ReadAfter])
def get_order(order_id: UUID, container: ContainerDep, actor: ActorDep) -> OrderOut:
    """One order's board row: its state, the time of each step, and whether it is
    overdue. Another resident's order is 404."""
    row = container.reads.order(order_id)
    if row is None or not _may_read(container, actor, row):
        raise _not_found(order_id)
    return _order_out(container, row, actor, _contacts(container, [row]))


@router.get("/orders", response_model=list[OrderOut], dependencies=[ReadAfter])
def list_orders(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    state: OrderState | None = None,
    station_id: Annotated[
        UUID | None, Query(description="This unit and below.")
    ] = None,
    category: str | None = None,
    overdue: Annotated[bool, Query(description="Only overdue orders.")] = False,
) -> list[OrderOut]:
    """The order board. Residents see their own orders, volunteers what was given or
    opened to them, coordinators their scope."""
    board = OrderFilter(
        within_unit=station_id,
        state=state.value if state else None,
        category=category,
        overdue_before=_overdue_before(container) if overdue else None,
    )
    board = _restrict(container, actor, board)
    rows = container.reads.orders(board, page.limit, page.offset)
    contacts = _contacts(container, rows)
    return [_order_out(container, row, actor, contacts) for row in rows]


def _restrict(container: Container, actor: Actor, board: OrderFilter) -> OrderFilter:
    if actor.role is Role.RESIDENT:
        return replace(board, resident_id=actor.token_id)
    if actor.role is Role.VOLUNTEER:
        return replace(board, volunteer_id=actor.volunteer_id)
    if actor.role is Role.COORDINATOR:
        within = board.within_unit or actor.unit_id
        check_reads_unit(container, actor, within)
        return replace(board, within_unit=within)
    actor.check_role(Role.ADMIN, Role.AUDITOR)
    return board


def _may_read(container: Container, actor: Actor, row: dict[str, Any]) -> bool:
    if actor.role is Role.RESIDENT:
        return bool(row["resident_id"] == actor.token_id)
    if actor.role is Role.VOLUNTEER:
        board = OrderFilter(volunteer_id=actor.volunteer_id, order_id=row["id"])
        return bool(container.reads.orders(board, 1, 0))
    if actor.role is Role.COORDINATOR:
        check_reads_unit(container, actor, row["station_id"])
        return True
    actor.check_role(Role.ADMIN, Role.AUDITOR)
    return True


def _overdue_before(container: Container) -> datetime:
    """Board times are the events' own timestamps, so overdue is judged by the
    wall clock too."""
    hours = container.settings.order_accept_deadline_hours
    return datetime.now(UTC) - timedelta(hours=hours)


def _contacts(
    container: Container, rows: list[dict[str, Any]]
) -> dict[UUID, dict[str, str]]:
    """The orders' contacts from the vault, in one query."""
    texts = container.vault.contacts([row["id"] for row in rows])
    return {order_id: json.loads(text) for order_id, text in texts.items()}


def _sees_contact(actor: Actor, row: dict[str, Any]) -> bool:
    """Whom the contact is shown in clear: the resident, the station's staff (the
    board is already in their scope), and the volunteers given or serving the
    order. Auditors and volunteers it is only open to see it masked."""
    if actor.role is Role.RESIDENT or actor.role is Role.COORDINATOR:
        return True
    if actor.role is Role.VOLUNTEER:
        serving = (*row["dispatched_to"], *row["accepted_by"], *row["participants"])
        return actor.volunteer_id in serving
    return actor.role is Role.ADMIN


def _order_out(
    container: Container,
    row: dict[str, Any],
    actor: Actor,
    contacts: dict[UUID, dict[str, str]],
) -> OrderOut:
    contact = contacts.get(row["id"])
    if contact is not None and not _sees_contact(actor, row):
        contact = {
            "name": mask_name(contact["name"]),
            "phone": mask_phone(contact["phone"]),
        }
    steps = {
        name: (row[end] - row[start]).total_seconds()
        if row[start] is not None and row[end] is not None
        else None
        for name, start, end in STEPS
    }
    overdue = row["state"] in {s.value for s in AWAITING_ACCEPTANCE} and row[
        "placed_at"
    ] < _overdue_before(container)
    return OrderOut.model_validate(
        {
            **row,
            "overdue": overdue,
            "step_seconds": steps,
            "contact_name": contact["name"] if contact else None,
            "contact_phone": contact["phone"] if contact else None,
        }
    )


@router.get(
    "/ratings/{kind}/{subject_id}", response_model=RatingOut, dependencies=[ReadAfter]
)
def get_rating(
    kind: Literal["volunteers", "teams", "units"],
    subject_id: UUID,
    container: ContainerDep,
    actor: ActorDep,
) -> RatingOut:
    """Residents' evaluations of a volunteer, team or unit."""
    row = container.reads.rating(kind, subject_id)
    if row is None:
        return RatingOut(
            subject_kind=kind,
            subject_id=subject_id,
            count=0,
            mean=None,
            distribution={str(s): 0 for s in range(1, 6)},
            bayesian_mean=None,
        )
    return RatingOut(
        subject_kind=kind,
        subject_id=subject_id,
        count=row["count"],
        mean=row["total"] / row["count"],
        distribution={str(s): row[f"stars_{s}"] for s in range(1, 6)},
        bayesian_mean=(PRIOR_WEIGHT * PRIOR_MEAN + row["total"])
        / (PRIOR_WEIGHT + row["count"]),
    )
