"""The office's reports: the assessment (考核) against seed 003's targets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ActorDep, AsOf, ContainerDep, ReadAfter
from api.schemas.reports import AssessmentOut
from application.reports import AssessmentQuery, Source

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/assessment", response_model=AssessmentOut, dependencies=[ReadAfter])
def assessment(
    container: ContainerDep,
    actor: ActorDep,
    unit_id: Annotated[UUID, Query(description="The unit assessed, with those below.")],
    year: Annotated[int, Query(description="The year, 2000 to next year.")],
    as_of: AsOf = None,
    source: Annotated[
        Source,
        Query(
            description="read_models (fast, the default) or event_log (folded from "
            "the events alone; the same report, slower)."
        ),
    ] = Source.READ_MODELS,
) -> AssessmentOut:
    """Every target of seed 003 for the unit and each unit below it, for a year, as
    recorded by `as_of` (default now): volunteers ÷ population ≥ 15 %, serving
    volunteers > 60 %, party members ≥ 80 % and 20 h, team counts, 12 activities a
    team, a monthly activity per station team, 12 in each institute's and
    station's name, theory talks, family activities; with the star levels, hours
    by month × category × unit, the order funnel with step times and points.
    422 `unit_exists`, `year_in_range`, `population_recorded` (naming `year`),
    `instant_in_range` (an `as_of` after today)."""
    query = AssessmentQuery(unit_id, year, as_of, source)
    report = container.reports.assessment(query, actor)
    return AssessmentOut.model_validate({**asdict(report), "source": source.value})
