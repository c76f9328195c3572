"""Health, operations status and the points policy."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ActorDep, ContainerDep, ReadAfter
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.ops import OpsStatus, PolicyIn, PolicyOut
from application.organisation import ChangePolicy
from application.status import projection_status

router = APIRouter(tags=["operations"])


@router.get("/health")
def health(container: ContainerDep) -> dict[str, object]:
    """200 when the event store answers."""
    try:
        position = container.store.max_position()
    except Exception:
        raise ApiProblem(
            503, "unavailable", "Unavailable", "the event store does not answer"
        ) from None
    return {"status": "ok", "position": position}


@router.get("/v1/ops/status", response_model=OpsStatus)
def ops_status(container: ContainerDep, actor: ActorDep) -> OpsStatus:
    """Per projection: the position up to which every event is applied, lag behind
    the event-store head in events and seconds, and dead letters."""
    return OpsStatus.model_validate(projection_status(container))


@router.get("/v1/policy", response_model=PolicyOut, dependencies=[ReadAfter])
def get_policy(container: ContainerDep, actor: ActorDep) -> PolicyOut:
    """The points rate and rounding rule in force."""
    policy = container.reads.policy()
    if policy is None:
        raise ApiProblem(
            503, "projection_lagging", "Not ready", "policy not projected yet"
        )
    return PolicyOut.model_validate({**policy, "position": None})


@router.put("/v1/policy", response_model=PolicyOut)
def change_policy(
    body: PolicyIn, response: Response, container: ContainerDep, actor: ActorDep
) -> PolicyOut:
    """Admins change the rate or rounding; entries recorded from now on carry the
    new version, earlier entries keep theirs."""
    command = ChangePolicy(body.points_per_hour, body.rounding)
    outcome = container.commands.run(
        container.organisation.change_policy, command, actor
    )
    return written(PolicyOut, outcome, response)
