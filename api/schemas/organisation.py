"""Request and response models of units, teams and reference data:
the bodies of api/routers/organisation.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, WholeNumber, Written, example
from domain.organisation import MAX_POPULATION, UnitKind


class UnitIn(Request):
    model_config = example(
        {
            "name": "双泉新时代文明实践站",
            "kind": "station",
            "parent_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "population": 3200,
        }
    )
    name: str = Field(min_length=1, max_length=100)
    kind: UnitKind
    parent_id: UUID | None = None
    population: WholeNumber | None = Field(default=None, ge=0, le=MAX_POPULATION)


class UnitOut(Response):
    id: UUID
    name: str
    kind: UnitKind
    parent_id: UUID | None
    population: int | None


class UnitCreated(UnitOut, Written):
    pass


class TeamIn(Request):
    model_config = example(
        {
            "name": "双泉环保志愿服务队",
            "unit_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "service_type": "sanitation_environment",
        }
    )
    name: str = Field(min_length=1, max_length=100)
    unit_id: UUID
    service_type: str = Field(
        description="One of the 17 team type codes (GET /v1/reference) or 'other'."
    )
    service_type_name: str | None = Field(
        default=None, max_length=100, description="Required when service_type is other."
    )


class TeamOut(Response):
    id: UUID
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None


class TeamCreated(TeamOut, Written):
    pass


class StarLevel(Response):
    level: int = Field(description="1 to 5")
    min_hours: Number = Field(description="Cumulative verified hours it takes")
    label: str = Field(description="Its name, e.g. 三星志愿者")


class Reference(Response):
    team_types: list[dict[str, str]]
    service_categories: list[dict[str, Any]]
    unit_kinds: list[str]
    rounding_rules: list[str]
    star_levels: list[StarLevel] = Field(
        description="Star levels (星级) by cumulative verified hours, both ways: a "
        "revoked entry can lower a level"
    )
