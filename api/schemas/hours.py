"""Request and response models of service hours and corrections:
the bodies of api/routers/hours.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, Field

from api.schemas.common import Number, Request, Response, Written, example


class HoursIn(Request):
    model_config = example(
        {
            "record_id": "7f0e1d2c-3b4a-4596-8877-665544332211",
            "activity_name": "社区清扫",
            "started_at": "2026-11-28T09:00:00+08:00",
            "ended_at": "2026-11-28T11:30:00+08:00",
            "location": "双泉社区",
            "service_recipient": "辖区居民",
            "content": "清理楼道杂物",
            "leader": "李站长",
            "unit_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
        }
    )
    record_id: UUID | None = Field(
        default=None,
        description="Client-chosen id; posting the same record_id again returns the "
        "first response instead of recording twice.",
    )
    activity_name: str = Field(min_length=1, max_length=500)
    started_at: AwareDatetime
    ended_at: AwareDatetime
    location: str = Field(min_length=1, max_length=500)
    service_recipient: str = Field(min_length=1, max_length=500)
    content: str = Field(min_length=1, max_length=500)
    leader: str = Field(min_length=1, max_length=500)
    unit_id: UUID
    activity_id: UUID | None = None
    order_id: UUID | None = None
    category: str | None = Field(
        default=None,
        description="A five-fors code (GET /v1/reference); entries without one are "
        "reported as unclassified.",
    )
    subcategory: str | None = Field(
        default=None, description="A sub-type of the category."
    )
    team_id: UUID | None = Field(
        default=None, description="The team the service was for."
    )


class HoursRecorded(Written):
    record_id: UUID
    volunteer_id: UUID
    hours: Number
    points_earned: Number
    policy_version: int


class HourEntryOut(Response):
    record_id: UUID
    volunteer_id: UUID
    unit_id: UUID
    activity_name: str
    started_at: datetime
    ended_at: datetime
    hours: Number
    status: str
    policy_version: int
    rounding: str
    location: str
    service_recipient: str
    content: str
    leader: str
    activity_id: UUID | None
    order_id: UUID | None
    category: str | None
    subcategory: str | None
    team_id: UUID | None
    recorded_by: str
    recorded_at: datetime
    revision: int
    last_change_reason: str | None
    last_changed_by: str | None
    last_changed_at: datetime | None
    pending_request_id: UUID | None


class HourEntryPage(Response):
    items: list[HourEntryOut]
    total: int
    limit: int
    offset: int


class CorrectionIn(Request):
    model_config = example(
        {"ended_at": "2026-11-28T11:00:00+08:00", "reason": "结束时间登记有误"}
    )
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    revoke: bool = False
    reason: str = Field(min_length=1, max_length=500)


class CorrectionOut(Written):
    record_id: UUID
    status: str = Field(description="corrected, revoked, or requested (by a volunteer)")
    hours: Number | None = None
    points_change: Number | None = None
    balance: Number | None = None
    request_id: UUID | None = None


class DecisionIn(Request):
    model_config = example({"reason": "与签到记录不符"})
    reason: str = Field(min_length=1, max_length=500, description="Why (required)")


class CorrectionRequestOut(Response):
    request_id: UUID
    volunteer_id: UUID
    record_id: UUID
    unit_id: UUID
    started_at: datetime | None
    ended_at: datetime | None
    revoke: bool
    reason: str
    state: str
    requested_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
