"""Trainings (培训) as a volunteer's record, and accident insurance (人身意外伤害综合
保险): policies, the volunteers they cover, and who served without cover."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    check_reads_unit,
    readable_subtree,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.routers.volunteers import readable_volunteer
from api.schemas.insurance import (
    CoverIn,
    CoverOut,
    InsurancePolicyDetailOut,
    InsurancePolicyIn,
    InsurancePolicyOut,
    InsurancePolicyWritten,
    ReleaseIn,
    TrainingOut,
    TrainingUnitOut,
    UninsuredOut,
)
from application.insurance import (
    ChangeCover,
    RegisterPolicy,
    UninsuredQuery,
    uninsured,
)
from domain.instants import check_year
from domain.reference import CHINA_TIME

router = APIRouter(prefix="/v1", tags=["training and insurance"])


@router.get(
    "/volunteers/{volunteer_id}/trainings",
    response_model=list[TrainingOut],
    dependencies=[ReadAfter],
)
def volunteer_trainings(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[TrainingOut]:
    """培训记录: the trainings (activities of kind `training`) the volunteer signed
    up for, newest first, with its attendance."""
    readable_volunteer(container, actor, volunteer_id)
    return [
        TrainingOut.model_validate(r)
        for r in container.programme.trainings(volunteer_id)
    ]


@router.get(
    "/reports/trainings",
    response_model=list[TrainingUnitOut],
    dependencies=[ReadAfter],
)
def training_report(
    container: ContainerDep,
    actor: ActorDep,
    unit_id: Annotated[UUID, Query(description="The unit, with those below it.")],
    year: Annotated[int, Query(description="The year, 2000 to next year.")],
) -> list[TrainingUnitOut]:
    """培训: for the unit and each unit below it, the trainings it held in the year
    and how many of its volunteers and team leaders attended one."""
    check_year("year", year, container.clock.now())
    readable_subtree(container, actor, unit_id)
    rows = container.programme.training_report(unit_id, year)
    return [TrainingUnitOut.model_validate(r) for r in rows]


@router.post(
    "/insurance-policies", status_code=201, response_model=InsurancePolicyWritten
)
def register_policy(
    body: InsurancePolicyIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> InsurancePolicyWritten:
    """Records a unit's policy; an insurer's policy number is registered once
    (409 `policy_number_unique`)."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = RegisterPolicy(body.unit_id, body.terms(), body.policy_id)
    outcome = container.commands.run(container.insurance.register, command, actor, key)
    return written(InsurancePolicyWritten, outcome, response)


@router.post(
    "/insurance-policies/{policy_id}/cover", response_model=InsurancePolicyWritten
)
def cover_volunteers(
    policy_id: UUID,
    body: CoverIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> InsurancePolicyWritten:
    """Names volunteers on the policy; those already covered stay as they are."""
    command = ChangeCover(policy_id, tuple(body.volunteer_ids), body.from_day)
    outcome = container.commands.run(container.insurance.cover, command, actor)
    return written(InsurancePolicyWritten, outcome, response)


@router.post(
    "/insurance-policies/{policy_id}/release", response_model=InsurancePolicyWritten
)
def release_volunteers(
    policy_id: UUID,
    body: ReleaseIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> InsurancePolicyWritten:
    """Ends the cover of named volunteers after `on_day`."""
    command = ChangeCover(policy_id, tuple(body.volunteer_ids), body.on_day)
    outcome = container.commands.run(container.insurance.release, command, actor)
    return written(InsurancePolicyWritten, outcome, response)


@router.get(
    "/insurance-policies",
    response_model=list[InsurancePolicyOut],
    dependencies=[ReadAfter],
)
def list_policies(
    container: ContainerDep, actor: ActorDep, page: PageDep, unit_id: UUID | None = None
) -> list[InsurancePolicyOut]:
    """Policies of a unit and the units below it, the latest first."""
    within = readable_subtree(container, actor, unit_id)
    rows = container.programme.policies(within, page.limit, page.offset)
    return [InsurancePolicyOut.model_validate(r) for r in rows]


@router.get(
    "/insurance-policies/{policy_id}",
    response_model=InsurancePolicyDetailOut,
    dependencies=[ReadAfter],
)
def get_policy(
    policy_id: UUID, container: ContainerDep, actor: ActorDep
) -> InsurancePolicyDetailOut:
    """A policy with every stretch of cover it gave."""
    row = container.programme.policy(policy_id)
    if row is None:
        raise ApiProblem(
            404, "insurance_policy_exists", "Not found", f"no policy {policy_id}"
        )
    check_reads_unit(container, actor, row["unit_id"])
    cover = container.programme.cover(policy_id=policy_id)
    return InsurancePolicyDetailOut.model_validate({**row, "cover": cover})


@router.get(
    "/volunteers/{volunteer_id}/insurance",
    response_model=list[CoverOut],
    dependencies=[ReadAfter],
)
def volunteer_insurance(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[CoverOut]:
    """The volunteer's cover, policy by policy."""
    readable_volunteer(container, actor, volunteer_id)
    return [
        CoverOut.model_validate(r)
        for r in container.programme.cover(volunteer_id=volunteer_id)
    ]


@router.get(
    "/reports/uninsured", response_model=list[UninsuredOut], dependencies=[ReadAfter]
)
def uninsured_report(
    container: ContainerDep,
    actor: ActorDep,
    from_: Annotated[date, Query(alias="from", description="First day (China time).")],
    to: Annotated[date, Query(description="Last day (China time), at most a year on.")],
    unit_id: UUID | None = None,
) -> list[UninsuredOut]:
    """Volunteers of the unit and below who served (live hours entries) on a day
    that no policy covered them, with how much."""
    today = container.clock.now().astimezone(CHINA_TIME).date()
    within = readable_subtree(container, actor, unit_id)
    rows = uninsured(container.programme, UninsuredQuery(from_, to, within), today)
    return [UninsuredOut.model_validate(r) for r in rows]
