"""Request and response models of team activities:
the bodies of api/routers/activities.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, Field

from api.schemas.common import Request, Response, WholeNumber, Written, example


class ActivityIn(Request):
    model_config = example(
        {
            "team_id": "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "title": "周末河道清理",
            "category": "public",
            "subcategory": "environment",
            "location": "汶河岸边",
            "leader": "李队长",
            "starts_at": "2026-12-06T09:00:00+08:00",
            "ends_at": "2026-12-06T11:00:00+08:00",
            "capacity": 20,
        }
    )
    team_id: UUID
    title: str = Field(min_length=1, max_length=100)
    category: str = Field(description="A five-fors code (GET /v1/reference).")
    subcategory: str | None = None
    location: str = Field(min_length=1, max_length=200)
    leader: str = Field(min_length=1, max_length=64, description="活动负责人")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: WholeNumber = Field(ge=1, le=10_000)
    kind: str = Field(
        default="regular",
        description="An activity kind code (GET /v1/reference): regular, "
        "theory_talk (理论政策宣讲), family (家庭文明活动) or training (集中培训).",
    )
    project_id: UUID | None = Field(
        default=None,
        description="The library project (项目库) the activity belongs to: "
        "admitted, at or above the team's unit, and run by the team.",
    )


class SignUpIn(Request):
    model_config = example({})
    volunteer_id: UUID | None = Field(
        default=None,
        description="Required for coordinators; volunteers sign themselves.",
    )


class AttendIn(Request):
    model_config = example({"code": "482913"})
    volunteer_id: UUID | None = Field(
        default=None, description="Required for coordinators."
    )
    code: str | None = Field(
        default=None,
        pattern=r"^\d{6}$",
        description="The activity's check-in code: how a volunteer checks itself in.",
    )
    at: AwareDatetime | None = Field(
        default=None, description="Coordinators may give the time; default now."
    )


class ActivityWritten(Written):
    id: UUID
    team_id: UUID
    unit_id: UUID
    title: str
    state: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signed_up: int
    checkin_code: str | None = None
    attendees: list[UUID] | None = None
    no_shows: list[UUID] | None = None


class AttendanceOut(Response):
    volunteer_id: UUID
    status: str = Field(
        description="signed_up, checked_in, checked_out, attended or no_show"
    )
    signed_up_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    record_id: UUID | None


class ActivityOut(Response):
    id: UUID
    team_id: UUID
    unit_id: UUID
    title: str
    kind: str
    category: str
    subcategory: str | None
    location: str
    leader: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    state: str
    signed_up: int
    attended: int
    no_shows: int
    checkin_code: str | None = Field(description="Shown to staff in scope only.")
    attendance: list[AttendanceOut] = Field(
        description="Everyone's for staff in scope; a volunteer sees its own row."
    )


class ActivityYear(Response):
    year: int
    closed: int
    meets_standard: bool = Field(description="At least 12 activities that year.")
