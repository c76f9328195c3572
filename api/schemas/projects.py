"""Request and response models of the project library (项目库):
the bodies of api/routers/projects.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, WholeNumber, Written, example
from domain.project import ProjectPlan

TEAM = "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


class ProjectPlanIn(Request):
    model_config = example(
        {
            "name": "银龄助餐",
            "category": "elderly",
            "goals": "为辖区 80 岁以上独居老人每周送餐两次",
            "places": ["双泉社区", "西关村"],
            "starts_on": "2026-03-01",
            "ends_on": "2026-12-31",
            "team_ids": [TEAM],
            "budget_note": "街道专项资金 2 万元",
        }
    )
    name: str = Field(min_length=1, max_length=100, description="项目名称")
    category: str = Field(description="A five-fors code (GET /v1/reference).")
    subcategory: str | None = None
    goals: str = Field(min_length=1, max_length=2000, description="项目目标")
    places: list[str] = Field(min_length=1, max_length=20, description="服务地点")
    starts_on: date
    ends_on: date
    team_ids: list[UUID] = Field(
        min_length=1,
        max_length=20,
        description="The teams running it: of the unit or a unit below it.",
    )
    budget_note: str = Field(default="", max_length=500, description="经费说明")

    def plan(self) -> ProjectPlan:
        return ProjectPlan(
            self.name,
            self.category,
            self.subcategory,
            self.goals,
            tuple(self.places),
            self.starts_on,
            self.ends_on,
            tuple(self.team_ids),
            self.budget_note,
        )


class ProjectIn(ProjectPlanIn):
    model_config = example(
        {
            "unit_id": "3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b",
            **ProjectPlanIn.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index,dict-item]
        }
    )
    unit_id: UUID = Field(
        description="The proposing unit (centre, institute, station)."
    )
    project_id: UUID | None = Field(default=None, description="Client-chosen id.")


class ProjectReviewIn(Request):
    model_config = example({"score": 86, "opinion": "需求明确，建议补充安全预案"})
    score: WholeNumber = Field(ge=0, le=100, description="专家评分 0–100")
    opinion: str = Field(min_length=1, max_length=2000, description="评审意见")


class OpinionIn(Request):
    model_config = example({"opinion": "同意入库"})
    opinion: str = Field(min_length=1, max_length=2000)


class ProgressIn(Request):
    model_config = example(
        {"title": "第一季度进展", "text": "已送餐 240 份，服务 36 位老人"}
    )
    title: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=4000)


class SummaryIn(Request):
    model_config = example({"summary": "全年送餐 1,020 份，居民满意度 98%"})
    summary: str = Field(min_length=1, max_length=4000)


class CitationIn(Request):
    model_config = example({"citation": "服务覆盖全镇，群众口碑好"})
    citation: str = Field(min_length=1, max_length=500)


class ProjectWritten(Written):
    id: UUID
    unit_id: UUID
    name: str
    state: str
    round: int
    brand: bool


class ProjectReviewOut(Response):
    round: int
    reviewer: str
    score: int
    opinion: str
    reviewed_at: datetime


class ProgressOut(Response):
    title: str
    text: str
    published_at: datetime


class ProjectTotals(Response):
    activities: int = Field(description="Closed activities of the project.")
    orders: int = Field(description="Orders dispatched under the project.")
    volunteers: int = Field(description="Volunteers with hours from its work.")
    hours: Number
    evaluations: int = Field(description="Residents' ratings of its orders.")
    average_stars: Number | None


class TeamRef(Response):
    id: UUID
    name: str


class PublicProjectOut(Response):
    """What anyone may read of a project in the library: no personal data."""

    id: UUID
    unit_id: UUID
    unit_name: str
    name: str
    category: str
    subcategory: str | None
    goals: str
    places: list[str]
    starts_on: date
    ends_on: date
    teams: list[TeamRef]
    state: str = Field(description="admitted (入库) or closed (结项)")
    brand: bool = Field(description="品牌项目")
    summary: str | None
    progress: list[ProgressOut] = Field(description="公示 notices, oldest first")
    totals: ProjectTotals


class ProjectOut(PublicProjectOut):
    """A project as staff in scope see it: every state, its reviews and the last
    decision's note."""

    state: str = Field(description="proposed, returned, admitted or closed")
    round: int = Field(description="Review round: one more after each revision.")
    budget_note: str
    decision_note: str | None = Field(description="入库意见 or the return reason")
    reviews: list[ProjectReviewOut]
    proposed_at: datetime
    admitted_at: datetime | None
    closed_at: datetime | None


class ProjectSummaryOut(Response):
    id: UUID
    unit_id: UUID
    unit_name: str
    name: str
    category: str
    state: str
    brand: bool
    starts_on: date
    ends_on: date
