"""Credit-bank accounts (积分银行): balances and entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    Page,
    PageDep,
    ReadAfter,
    SessionHeader,
    check_reads_unit,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.routers.volunteers import readable_volunteer
from api.schemas.accounts import (
    AccountEntryOut,
    AccountOut,
    DonationIn,
    DonationOut,
    FundOut,
)
from application.services import Container
from application.supermarket import Donate
from domain.access import Actor, Role
from domain.errors import OutOfScope

router = APIRouter(prefix="/v1", tags=["accounts"])


def _account(
    container: Container, actor: Actor, volunteer_id: UUID, session: str | None
) -> dict[str, Any]:
    """As for the volunteer's record (a kiosk inside the volunteer's session)."""
    readable_volunteer(container, actor, volunteer_id, session)
    account = container.reads.account(volunteer_id)
    if account is None:
        raise ApiProblem(
            404,
            "account_exists",
            "Not found",
            f"no account for volunteer {volunteer_id}",
        )
    return account


@router.get(
    "/accounts/{volunteer_id}", response_model=AccountOut, dependencies=[ReadAfter]
)
def get_account(
    volunteer_id: UUID,
    container: ContainerDep,
    actor: ActorDep,
    kiosk_session: SessionHeader = None,
) -> AccountOut:
    """Points are a ledger of their own: redeeming never reduces hours. A kiosk
    reads the balance of the volunteer identified there (`X-Kiosk-Session`)."""
    account = _account(container, actor, volunteer_id, kiosk_session)
    return AccountOut.model_validate({**account, "owes": account["balance"] < 0})


@router.get(
    "/accounts/{volunteer_id}/entries",
    response_model=list[AccountEntryOut],
    dependencies=[ReadAfter],
)
def list_account_entries(
    volunteer_id: UUID,
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    kiosk_session: SessionHeader = None,
) -> list[AccountEntryOut]:
    """The statement, newest first. Kinds: `earned`, `clawed_back`, `held`,
    `redeemed`, `hold_redeemed` (0 points: the hold already moved them), `voided`,
    `expired`, `donated`, `received`; each names its source, and the points of
    all entries sum to the balance. A kiosk reads it inside the volunteer's
    session, as for the balance."""
    _account(container, actor, volunteer_id, kiosk_session)
    return _statement(container, volunteer_id, page)


@router.post(
    "/accounts/{volunteer_id}/donations", status_code=201, response_model=DonationOut
)
def donate(
    volunteer_id: UUID,
    body: DonationIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> DonationOut:
    """Time bank (时间银行): the volunteer (or an admin) gives points to another
    volunteer or to a station's public-welfare fund. Points buy goods and services,
    never cash; the giver's balance never goes below zero."""
    command = Donate(
        volunteer_id,
        body.points,
        body.reason,
        body.to_volunteer_id,
        body.fund_station_id,
    )
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(container.donations.donate, command, actor, key)
    return written(DonationOut, outcome, response)


def _fund(container: Container, actor: Actor, unit_id: UUID) -> dict[str, Any]:
    if actor.role is not Role.KIOSK:
        check_reads_unit(container, actor, unit_id)
    elif actor.unit_id != unit_id:
        raise OutOfScope(f"a kiosk reads only its own station's fund, not {unit_id}")
    if container.reads.unit(unit_id) is None:
        raise ApiProblem(404, "unit_exists", "Not found", f"no unit {unit_id}")
    return container.reads.account(unit_id) or {"balance": 0}


@router.get("/units/{unit_id}/fund", response_model=FundOut, dependencies=[ReadAfter])
def get_fund(unit_id: UUID, container: ContainerDep, actor: ActorDep) -> FundOut:
    """A station's public-welfare fund (公益基金): points donated to it. Readable by
    staff in scope and by the station's own kiosks; 0 until the first donation."""
    fund = _fund(container, actor, unit_id)
    return FundOut(unit_id=unit_id, balance=fund["balance"])


@router.get(
    "/units/{unit_id}/fund/entries",
    response_model=list[AccountEntryOut],
    dependencies=[ReadAfter],
)
def list_fund_entries(
    unit_id: UUID, container: ContainerDep, actor: ActorDep, page: PageDep
) -> list[AccountEntryOut]:
    """The fund's statement, newest first: each donation names its giver."""
    _fund(container, actor, unit_id)
    return _statement(container, unit_id, page)


def _statement(
    container: Container, owner_id: UUID, page: Page
) -> list[AccountEntryOut]:
    rows = container.reads.account_entries(owner_id, page.limit, page.offset)
    return [AccountEntryOut.model_validate(r) for r in rows]
