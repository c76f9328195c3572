"""Credit-bank accounts (积分银行): balances and entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import ActorDep, ContainerDep, PageDep, ReadAfter
from api.problems import ApiProblem
from api.routers.volunteers import readable_volunteer
from api.schemas import AccountEntryOut, AccountOut
from domain.access import Actor, Role
from infra.container import Container

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


def _account(container: Container, actor: Actor, volunteer_id: UUID) -> dict[str, Any]:
    if actor.role is not Role.KIOSK:
        readable_volunteer(container, actor, volunteer_id)
    account = container.reads.account(volunteer_id)
    if account is None:
        raise ApiProblem(
            404,
            "account_exists",
            "Not found",
            f"no account for volunteer {volunteer_id}",
        )
    return account


@router.get("/{volunteer_id}", response_model=AccountOut, dependencies=[ReadAfter])
def get_account(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep
) -> AccountOut:
    """Points are a ledger of their own: redeeming never reduces hours."""
    account = _account(container, actor, volunteer_id)
    return AccountOut.model_validate({**account, "owes": account["balance"] < 0})


@router.get(
    "/{volunteer_id}/entries",
    response_model=list[AccountEntryOut],
    dependencies=[ReadAfter],
)
def list_account_entries(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep, page: PageDep
) -> list[AccountEntryOut]:
    """Credits and clawbacks, newest first."""
    _account(container, actor, volunteer_id)
    rows = container.reads.account_entries(volunteer_id, page.limit, page.offset)
    return [AccountEntryOut.model_validate(r) for r in rows]
