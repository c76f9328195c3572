"""Units (with their area kind and yearly populations) and reference data."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response

from api.deps import ActorDep, ContainerDep, IdempotencyHeader, ReadAfter, scoped_key
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.organisation import (
    AreaKindIn,
    PopulationIn,
    Reference,
    StarLevel,
    UnitCreated,
    UnitIn,
    UnitOut,
    UnitProfileOut,
)
from application.organisation import RecordPopulation, RegisterUnit, SetAreaKind
from domain.award import LEVEL_LABELS, SUGGESTED_TITLES
from domain.organisation import AreaKind, UnitKind
from domain.policy import STAR_LABELS, STAR_THRESHOLDS, RoundingRule
from domain.reference import ACTIVITY_KINDS, SERVICE_CATEGORIES, TEAM_TYPES

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
    command = RegisterUnit(
        body.name, body.kind, body.parent_id, body.population, area_kind=body.area_kind
    )
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    outcome = container.commands.run(
        container.organisation.register_unit, command, actor, key
    )
    return written(UnitCreated, outcome, response)


@router.get("/units", response_model=list[UnitOut], dependencies=[ReadAfter])
def get_top_units(container: ContainerDep, actor: ActorDep) -> list[UnitOut]:
    """The units at the top of the tree (a district's centre): where a walk
    down `/children` starts."""
    return [
        UnitOut.model_validate(
            {**u, "populations": container.reads.populations(u["id"])}
        )
        for u in container.reads.top_units()
    ]


@router.get("/units/{unit_id}", response_model=UnitOut, dependencies=[ReadAfter])
def get_unit(unit_id: UUID, container: ContainerDep, actor: ActorDep) -> UnitOut:
    """A unit of the district (centre, institute or station) with its lineage."""
    unit = container.reads.unit(unit_id)
    if unit is None:
        raise _not_found("unit", unit_id)
    populations = container.reads.populations(unit_id)
    return UnitOut.model_validate({**unit, "populations": populations})


@router.get(
    "/units/{unit_id}/children", response_model=list[UnitOut], dependencies=[ReadAfter]
)
def get_unit_children(
    unit_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[UnitOut]:
    """The units directly below this one."""
    if container.reads.unit(unit_id) is None:
        raise _not_found("unit", unit_id)
    return [
        UnitOut.model_validate(
            {**u, "populations": container.reads.populations(u["id"])}
        )
        for u in container.reads.children(unit_id)
    ]


@router.put("/units/{unit_id}/area-kind", response_model=UnitProfileOut)
def set_area_kind(
    unit_id: UUID,
    body: AreaKindIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> UnitProfileOut:
    """Whether an institute or station is an urban community (社区) or a rural
    village (农村): seed 003 asks 4 theory talks a year of a community, 2 of a
    village. Setting the same kind again changes nothing."""
    command = SetAreaKind(unit_id, body.area_kind)
    outcome = container.commands.run(
        container.organisation.set_area_kind, command, actor
    )
    return written(UnitProfileOut, outcome, response)


@router.put("/units/{unit_id}/populations/{year}", response_model=UnitProfileOut)
def record_population(
    unit_id: UUID,
    year: Annotated[int, Path(description="The year, from 2000 to next year.")],
    body: PopulationIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> UnitProfileOut:
    """The resident population (常驻人口) of a year, the denominator of the 15 %
    target. A new figure for the same year supersedes the old one (both stay in
    the log); the same figure again changes nothing."""
    command = RecordPopulation(unit_id, year, body.population)
    outcome = container.commands.run(
        container.organisation.record_population, command, actor
    )
    return written(UnitProfileOut, outcome, response)


@router.get("/reference", response_model=Reference)
def get_reference() -> Reference:
    """Team types (seed 003), the five service categories (五为, seed 000), the
    activity kinds seed 003 counts apart, the star levels with their thresholds,
    award levels and suggested titles, and enums."""
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
        activity_kinds=[{"code": k.code, "label": k.label} for k in ACTIVITY_KINDS],
        unit_kinds=[k.value for k in UnitKind],
        area_kinds=[k.value for k in AreaKind],
        rounding_rules=[r.value for r in RoundingRule],
        star_levels=[
            StarLevel(level=level, min_hours=hours, label=STAR_LABELS[level])
            for level, hours in sorted(STAR_THRESHOLDS)
        ],
        award_levels=[{"code": k.value, "label": v} for k, v in LEVEL_LABELS.items()],
        award_titles=list(SUGGESTED_TITLES),
    )
