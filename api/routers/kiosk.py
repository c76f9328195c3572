"""The credit supermarket (信用超市): catalog and redemptions at station kiosks."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    ReadAfter,
    SessionHeader,
    check_reads_unit,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.common import ReasonIn
from api.schemas.kiosk import (
    CatalogItemIn,
    CatalogItemOut,
    CatalogItemWritten,
    IdentifiedOut,
    IdentifyIn,
    KioskIn,
    KioskListed,
    KioskOut,
    KioskVolunteer,
    PriceIn,
    RedemptionIn,
    RedemptionOut,
    RestockIn,
)
from application.kiosks import RegisterKiosk, RetireKiosk
from application.supermarket import (
    ChangePrice,
    ConfirmRedemption,
    Line,
    ListItem,
    Redeem,
    Restock,
    VoidRedemption,
)
from domain.access import Role
from domain.policy import STAR_LABELS

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
    command = ListItem(**dict(body))
    outcome = container.commands.run(container.catalog.list, command, actor, key)
    return written(CatalogItemWritten, outcome, response)


@router.post("/catalog/items/{item_id}/restock", response_model=CatalogItemWritten)
def restock(
    item_id: UUID,
    body: RestockIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> CatalogItemWritten:
    """Adds stock to an item (an event)."""
    command = Restock(item_id, body.quantity)
    outcome = container.commands.run(container.catalog.restock, command, actor)
    return written(CatalogItemWritten, outcome, response)


@router.put("/catalog/items/{item_id}/price", response_model=CatalogItemWritten)
def change_price(
    item_id: UUID,
    body: PriceIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> CatalogItemWritten:
    """A new points price (an event); redemptions keep the price they paid."""
    command = ChangePrice(item_id, body.price_points)
    outcome = container.commands.run(container.catalog.change_price, command, actor)
    return written(CatalogItemWritten, outcome, response)


@router.get(
    "/kiosk/catalog", response_model=list[CatalogItemOut], dependencies=[ReadAfter]
)
def kiosk_catalog(
    container: ContainerDep, actor: ActorDep, station_id: UUID | None = None
) -> list[CatalogItemOut]:
    """A kiosk sees its own station's goods; staff name a station in scope, and a
    volunteer (who may redeem with its own token) any station."""
    station = actor.unit_id if actor.role is Role.KIOSK else station_id
    if station is None:
        raise ApiProblem(
            422, "station_id_required", "Invalid input", "station_id: name the station"
        )
    if actor.role not in (Role.KIOSK, Role.VOLUNTEER):
        check_reads_unit(container, actor, station)
    return [CatalogItemOut.model_validate(r) for r in container.reads.catalog(station)]


@router.post("/redemptions", status_code=201, response_model=RedemptionOut)
def redeem(
    body: RedemptionIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    kiosk_session: SessionHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> RedemptionOut:
    """Points for goods, at once or held (`hold: true`). Account and stock change
    in one transaction; refused (writing nothing) when the balance or stock is
    short or an item is sold at another station. Send an Idempotency-Key: a retry
    returns the first response and never spends twice. Spending needs the
    volunteer: a kiosk or a staff counter sends the `X-Kiosk-Session` the volunteer
    opened there with its PIN (403 `kiosk_session_valid` without it); a volunteer
    spends its own points with its own token; nobody else spends any."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    lines = tuple(Line(i.item_id, i.quantity) for i in body.items)
    command = Redeem(body.volunteer_id, lines, body.hold, kiosk_session)
    outcome = container.commands.run(container.redemptions.redeem, command, actor, key)
    return written(RedemptionOut, outcome, response)


@router.post("/redemptions/{redemption_id}/confirm", response_model=RedemptionOut)
def confirm(
    redemption_id: UUID,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    kiosk_session: SessionHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> RedemptionOut:
    """Spends a hold; refused once it has expired. Confirming spends points, so it
    needs what spending needs: a kiosk or a staff counter sends the
    `X-Kiosk-Session` the volunteer opened there (403 `kiosk_session_valid`
    without it), a volunteer confirms its own hold with its own token. With an
    Idempotency-Key, a retry gets the first response instead of 409
    `state_allows_command`."""
    key = scoped_key(actor, request, idempotency_key)
    command = ConfirmRedemption(redemption_id, kiosk_session)
    outcome = container.commands.run(container.redemptions.confirm, command, actor, key)
    return written(RedemptionOut, outcome, response)


@router.post("/redemptions/{redemption_id}/void", response_model=RedemptionOut)
def void(
    redemption_id: UUID,
    body: ReasonIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> RedemptionOut:
    """Gives a hold's points and stock back: staff in scope or a kiosk of the
    station, no session needed (nothing is spent). Idempotency-Key as for
    confirm."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = VoidRedemption(redemption_id, body.reason)
    outcome = container.commands.run(container.redemptions.void, command, actor, key)
    return written(RedemptionOut, outcome, response)


@router.post("/kiosks", status_code=201, response_model=KioskOut)
def register_kiosk(
    body: KioskIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> KioskOut:
    """A coordinator registers a kiosk device at a station in scope. The response
    carries the device's own `kiosk` token, once: set it up on the device."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = RegisterKiosk(**dict(body))
    outcome = container.commands.run(container.kiosks.register, command, actor, key)
    return written(KioskOut, outcome, response)


@router.get("/kiosks", response_model=list[KioskListed], dependencies=[ReadAfter])
def list_kiosks(
    station_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[KioskListed]:
    """The station's kiosk devices, active ones first."""
    check_reads_unit(container, actor, station_id)
    return [KioskListed.model_validate(r) for r in container.reads.kiosks(station_id)]


@router.post("/kiosks/{kiosk_id}/retire", response_model=KioskOut)
def retire_kiosk(
    kiosk_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> KioskOut:
    """Takes a device out of service (lost, broken, replaced): its token stops
    working at once."""
    command = RetireKiosk(kiosk_id, body.reason)
    outcome = container.commands.run(container.kiosks.retire, command, actor)
    return written(KioskOut, outcome, response)


@router.post("/kiosk/identify", status_code=201, response_model=IdentifiedOut)
def identify(
    body: IdentifyIn, container: ContainerDep, actor: ActorDep
) -> IdentifiedOut:
    """A volunteer identifies at the kiosk (or at a staff member's counter) with
    volunteer number and PIN. Opens a 10-minute session for this kiosk or staff
    token; send it as `X-Kiosk-Session` when redeeming.
    A wrong PIN is 422 `pin_matches` with `attempts_left`; 5 in a row lock the PIN
    for 15 minutes, and 20 wrong guesses within 15 minutes lock the kiosk's
    identification (429 `attempts_within_limit`, Retry-After)."""
    found = container.kiosk_identification.identify(
        actor, body.volunteer_number, body.pin
    )
    volunteer = found.volunteer
    account = container.redemptions.balance(found.volunteer_id)
    return IdentifiedOut(
        session=found.session,
        expires_at=found.expires_at,
        volunteer=KioskVolunteer(
            id=found.volunteer_id,
            volunteer_number=volunteer["volunteer_number"],
            name_masked=volunteer["name_masked"],
            star_level=volunteer["star_level"],
            star_label=STAR_LABELS.get(volunteer["star_level"]),
            balance=account.balance,
            held=account.held,
        ),
    )


@router.post("/kiosk/sign-out", status_code=204)
def sign_out(actor: ActorDep, container: ContainerDep, session: SessionHeader) -> None:
    """Ends the volunteer's session at this kiosk (the next person starts afresh)."""
    if session:
        container.kiosk_sessions.close(actor, session)
