"""The credit supermarket (信用超市): catalog and redemptions at station kiosks."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    ReadAfter,
    check_reads_unit,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas import (
    CatalogItemIn,
    CatalogItemOut,
    CatalogItemWritten,
    ReasonIn,
    RedemptionIn,
    RedemptionOut,
    RestockIn,
)
from domain.access import Role
from infra.redemptions import Line, NewItem, NewRedemption

router = APIRouter(prefix="/v1", tags=["credit supermarket"])


@router.post("/catalog/items", status_code=201, response_model=CatalogItemWritten)
def list_item(
    body: CatalogItemIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> CatalogItemWritten:
    """A coordinator in scope lists goods for a station, with a points price."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.ledger.list_item(NewItem(**dict(body)), actor, key)
    return written(CatalogItemWritten, outcome, response)


@router.post("/catalog/items/{item_id}/restock", response_model=CatalogItemWritten)
def restock(
    item_id: UUID,
    body: RestockIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> CatalogItemWritten:
    outcome = container.ledger.restock(item_id, body.quantity, actor)
    return written(CatalogItemWritten, outcome, response)


@router.get(
    "/kiosk/catalog", response_model=list[CatalogItemOut], dependencies=[ReadAfter]
)
def kiosk_catalog(
    container: ContainerDep, actor: ActorDep, station_id: UUID | None = None
) -> list[CatalogItemOut]:
    """A kiosk sees its own station's goods; staff name a station in scope."""
    station = actor.unit_id if actor.role is Role.KIOSK else station_id
    if station is None:
        raise ApiProblem(
            422, "station_id_required", "Invalid input", "station_id: name the station"
        )
    if actor.role is not Role.KIOSK:
        check_reads_unit(container, actor, station)
    return [CatalogItemOut.model_validate(r) for r in container.reads.catalog(station)]


@router.post("/redemptions", status_code=201, response_model=RedemptionOut)
def redeem(
    body: RedemptionIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> RedemptionOut:
    """Points for goods, at once or held (`hold: true`). Account and stock change
    in one transaction; refused (writing nothing) when the balance or stock is
    short or an item is sold at another station. Send an Idempotency-Key: a retry
    returns the first response and never spends twice."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    lines = tuple(Line(i.item_id, i.quantity) for i in body.items)
    command = NewRedemption(body.volunteer_id, lines, body.hold)
    return written(
        RedemptionOut, container.ledger.redeem(command, actor, key), response
    )


@router.post("/redemptions/{redemption_id}/confirm", response_model=RedemptionOut)
def confirm(
    redemption_id: UUID, response: Response, container: ContainerDep, actor: ActorDep
) -> RedemptionOut:
    """Spends a hold; refused once it has expired."""
    outcome = container.ledger.confirm_redemption(redemption_id, actor)
    return written(RedemptionOut, outcome, response)


@router.post("/redemptions/{redemption_id}/void", response_model=RedemptionOut)
def void(
    redemption_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> RedemptionOut:
    """Gives a hold's points and stock back."""
    outcome = container.ledger.void_redemption(redemption_id, body.reason, actor)
    return written(RedemptionOut, outcome, response)
