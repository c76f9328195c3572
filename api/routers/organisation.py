"""Units, teams and reference data."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import ActorDep, ContainerDep, IdempotencyHeader, ReadAfter, scoped_key
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.organisation import (
    Reference,
    StarLevel,
    TeamCreated,
    TeamIn,
    TeamOut,
    UnitCreated,
    UnitIn,
    UnitOut,
)
from application.organisation import RegisterTeam, RegisterUnit
from domain.organisation import UnitKind
from domain.policy import STAR_LABELS, STAR_THRESHOLDS, RoundingRule
from domain.reference import SERVICE_CATEGORIES, TEAM_TYPES

router = APIRouter(prefix="/v1", tags=["organisation"])


def _not_found(kind: str, item_id: UUID) -> ApiProblem:
    return ApiProblem(404, f"{kind}_exists", "Not found", f"no {kind} {item_id}")


@router.post("/units", status_code=201, response_model=UnitCreated)
def create_unit(
    body: UnitIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> UnitCreated:
    """Registers a centre (admin only, one per district), an institute under the
    centre or a station under an institute."""
    command = RegisterUnit(body.name, body.kind, body.parent_id, body.population)
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(
        container.organisation.register_unit, command, actor, key
    )
    return written(UnitCreated, outcome, response)


@router.get("/units/{unit_id}", response_model=UnitOut, dependencies=[ReadAfter])
def get_unit(unit_id: UUID, container: ContainerDep, actor: ActorDep) -> UnitOut:
    """A unit of the district (centre, institute or station) with its lineage."""
    unit = container.reads.unit(unit_id)
    if unit is None:
        raise _not_found("unit", unit_id)
    return UnitOut.model_validate(unit)


@router.get(
    "/units/{unit_id}/children", response_model=list[UnitOut], dependencies=[ReadAfter]
)
def get_unit_children(
    unit_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[UnitOut]:
    """The units directly below this one."""
    if container.reads.unit(unit_id) is None:
        raise _not_found("unit", unit_id)
    return [UnitOut.model_validate(u) for u in container.reads.children(unit_id)]


@router.post("/teams", status_code=201, response_model=TeamCreated)
def create_team(
    body: TeamIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> TeamCreated:
    """A team of one of the 17 standard types (or a named other type) at a unit
    in scope."""
    command = RegisterTeam(
        body.name, body.unit_id, body.service_type, body.service_type_name
    )
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(
        container.organisation.register_team, command, actor, key
    )
    return written(TeamCreated, outcome, response)


@router.get("/teams/{team_id}", response_model=TeamOut, dependencies=[ReadAfter])
def get_team(team_id: UUID, container: ContainerDep, actor: ActorDep) -> TeamOut:
    """A team with its unit and service type."""
    team = container.reads.team(team_id)
    if team is None:
        raise _not_found("team", team_id)
    return TeamOut.model_validate(team)


@router.get("/reference", response_model=Reference, tags=["reference"])
def get_reference() -> Reference:
    """Team types (seed 003), the five service categories (五为, seed 000), the star
    levels with their thresholds, and enums."""
    return Reference(
        team_types=[{"code": t.code, "label": t.label} for t in TEAM_TYPES],
        service_categories=[
            {
                "code": c.code,
                "label": c.label,
                "subcategories": [
                    {"code": s.code, "label": s.label} for s in c.subcategories
                ],
            }
            for c in SERVICE_CATEGORIES
        ],
        unit_kinds=[k.value for k in UnitKind],
        rounding_rules=[r.value for r in RoundingRule],
        star_levels=[
            StarLevel(level=level, min_hours=hours, label=STAR_LABELS[level])
            for level, hours in sorted(STAR_THRESHOLDS)
        ],
    )
