"""Request and response models of units and reference data:
the bodies of api/routers/organisation.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, WholeNumber, Written, example
from domain.organisation import MAX_POPULATION, AreaKind, UnitKind


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
    population: WholeNumber | None = Field(
        default=None,
        ge=0,
        le=MAX_POPULATION,
        description="Resident population (常驻人口) of the year of registration.",
    )
    area_kind: AreaKind | None = Field(
        default=None,
        description="community (社区) or village (农村); institutes and stations only.",
    )


class UnitOut(Response):
    id: UUID
    name: str
    kind: UnitKind
    parent_id: UUID | None
    lineage: list[UUID] = Field(
        default_factory=list, description="The units above it, the top one first."
    )
    population: int | None = Field(description="As given at registration.")
    area_kind: AreaKind | None = None
    populations: dict[int, int] = Field(
        default_factory=dict, description="Resident population by year."
    )


class UnitCreated(UnitOut, Written):
    pass


class AreaKindIn(Request):
    model_config = example({"area_kind": "village"})
    area_kind: AreaKind


class PopulationIn(Request):
    model_config = example({"population": 3200})
    population: WholeNumber = Field(ge=0, le=MAX_POPULATION)


class UnitProfileOut(Written):
    id: UUID
    area_kind: AreaKind | None
    populations: dict[int, int] = Field(description="Resident population by year.")


class StarLevel(Response):
    level: int = Field(description="1 to 5")
    min_hours: Number = Field(description="Cumulative verified hours it takes")
    label: str = Field(description="Its name, e.g. 三星志愿者")


class Reference(Response):
    team_types: list[dict[str, str]]
    service_categories: list[dict[str, Any]]
    activity_kinds: list[dict[str, str]]
    unit_kinds: list[str]
    area_kinds: list[str]
    rounding_rules: list[str]
    award_levels: list[dict[str, str]] = Field(
        description="Levels of an award (表彰): national (国家级) to town (镇街级)"
    )
    award_titles: list[str] = Field(
        description="Titles the seeds name (最美志愿者, 优秀志愿服务项目, …); "
        "an award may carry any title"
    )
    star_levels: list[StarLevel] = Field(
        description="Star levels (星级) by cumulative verified hours, both ways: a "
        "revoked entry can lower a level"
    )
