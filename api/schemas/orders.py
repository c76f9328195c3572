"""Request and response models of service orders (五单) and ratings:
the bodies of api/routers/orders.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, Field

from api.schemas.common import (
    Amount,
    Number,
    Request,
    Response,
    WholeNumber,
    Written,
    example,
)


class OrderIn(Request):
    model_config = example(
        {
            "category": "elderly",
            "subcategory": "daily_care",
            "title": "帮独居老人打扫卫生",
            "description": "老人行动不便，需要打扫厨房和客厅",
            "station_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "address": "双泉社区3号楼2单元",
            "window_start": "2026-12-05T09:00:00+08:00",
            "window_end": "2026-12-05T11:00:00+08:00",
        }
    )
    category: str = Field(description="A five-fors code (GET /v1/reference).")
    subcategory: str | None = None
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=500)
    station_id: UUID
    address: str = Field(min_length=1, max_length=200)
    window_start: AwareDatetime
    window_end: AwareDatetime
    contact_name: str | None = Field(
        default=None,
        max_length=64,
        description="Whom those serving the order call (a family member, a "
        "neighbour); default the resident.",
    )
    contact_phone: str | None = Field(
        default=None,
        max_length=20,
        description="The contact's phone, a mobile or an area-coded landline; "
        "default the resident's. Kept in the vault, never in an event.",
    )


class ReviewIn(Request):
    model_config = example({"accept": True, "reason": ""})
    accept: bool
    reason: str = Field(default="", max_length=500, description="Required to reject.")


class DispatchIn(Request):
    model_config = example({"volunteer_ids": ["5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f"]})
    team_id: UUID | None = None
    volunteer_ids: list[UUID] = Field(default_factory=list, max_length=50)
    open_for_claiming: bool = False
    project_id: UUID | None = Field(
        default=None,
        description="The library project (项目库) this order is served under: "
        "admitted, at or above the station, run by the team given.",
    )


class ParticipantIn(Request):
    model_config = example(
        {
            "volunteer_id": "5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f",
            "started_at": "2026-12-05T09:00:00+08:00",
            "ended_at": "2026-12-05T11:00:00+08:00",
        }
    )
    volunteer_id: UUID
    started_at: AwareDatetime
    ended_at: AwareDatetime


class CompleteIn(Request):
    model_config = example(
        {
            "participants": [
                {
                    "volunteer_id": "5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f",
                    "started_at": "2026-12-05T09:00:00+08:00",
                    "ended_at": "2026-12-05T11:00:00+08:00",
                }
            ]
        }
    )
    participants: list[ParticipantIn] = Field(min_length=1, max_length=50)


class EvaluationIn(Request):
    model_config = example({"stars": 5, "comment": "打扫得很干净，谢谢！"})
    stars: WholeNumber = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


class RewardIn(Request):
    model_config = example({"points": 20, "reason": "服务获居民五星好评"})
    points: Amount = Field(gt=0, le=1000, decimal_places=2)
    reason: str = Field(min_length=1, max_length=500)


class OrderWritten(Written):
    id: UUID
    state: str
    station_id: UUID
    team_id: UUID | None
    dispatched_to: list[UUID]
    accepted_by: list[UUID]
    participants: list[UUID]
    resident_id: UUID = Field(description="The resident the order belongs to.")
    channel: str = Field(
        description="self (the resident's own), or phone_call, visit, group_chat "
        "(taken by staff on the resident's behalf)"
    )


class OrderOut(Response):
    id: UUID
    state: str
    station_id: UUID
    category: str
    subcategory: str | None
    title: str
    description: str
    address: str
    window_start: datetime
    window_end: datetime
    team_id: UUID | None
    dispatched_to: list[UUID]
    accepted_by: list[UUID]
    participants: list[UUID]
    stars: int | None
    comment: str | None
    reward_points: Number | None
    last_reason: str | None
    placed_at: datetime
    closed_at: datetime | None
    channel: str = Field(
        description="self (the resident's own), or phone_call, visit, group_chat "
        "(taken by staff on the resident's behalf)"
    )
    overdue: bool = Field(description="Not accepted within the deadline.")
    contact_name: str | None = Field(
        default=None,
        description="Whom to call: in clear for the resident, the station's staff "
        "and the volunteers given or serving the order; masked for others.",
    )
    contact_phone: str | None = Field(
        default=None, description="The contact's phone, shown as contact_name is."
    )
    step_seconds: dict[str, float | None] = Field(
        description="Seconds each step took: review, dispatch, accept, start, "
        "complete, evaluate, reward (null until done)."
    )


class RatingOut(Response):
    subject_kind: str
    subject_id: UUID
    count: int
    mean: float | None
    distribution: dict[str, int]
    bayesian_mean: float | None = Field(
        description="Mean shrunk toward the scale's midpoint (3) with the weight of "
        "5 ratings, so that a single 5-star order does not top a chart."
    )
