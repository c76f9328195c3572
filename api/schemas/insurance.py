"""Request and response models of trainings and accident insurance:
the bodies of api/routers/insurance.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, Written, example
from domain.insurance import PolicyTerms

VOLUNTEER = "5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f"


class InsurancePolicyIn(Request):
    model_config = example(
        {
            "unit_id": "3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b",
            "insurer": "中国人寿新泰支公司",
            "policy_number": "P2026370982000123",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        }
    )
    unit_id: UUID = Field(description="The unit holding the policy.")
    insurer: str = Field(min_length=1, max_length=100, description="保险公司")
    policy_number: str = Field(min_length=1, max_length=64, description="保单号")
    starts_on: date
    ends_on: date
    policy_id: UUID | None = Field(default=None, description="Client-chosen id.")

    def terms(self) -> PolicyTerms:
        return PolicyTerms(
            self.insurer, self.policy_number, self.starts_on, self.ends_on
        )


class CoverIn(Request):
    model_config = example({"volunteer_ids": [VOLUNTEER], "from_day": "2026-01-01"})
    volunteer_ids: list[UUID] = Field(
        min_length=1, max_length=5000, description="Volunteers of the unit or below."
    )
    from_day: date | None = Field(
        default=None,
        description="Covered from this day (default today; never before the "
        "policy starts).",
    )


class ReleaseIn(Request):
    model_config = example({"volunteer_ids": [VOLUNTEER]})
    volunteer_ids: list[UUID] = Field(min_length=1, max_length=5000)
    on_day: date | None = Field(
        default=None, description="The last day covered (default today)."
    )


class InsurancePolicyWritten(Written):
    id: UUID
    unit_id: UUID
    covered: int = Field(description="Volunteers covered now.")
    changed: list[UUID] = Field(
        description="Volunteers this write named (those not covered before) or "
        "released."
    )


class InsurancePolicyOut(Response):
    id: UUID
    unit_id: UUID
    insurer: str = Field(description="保险公司")
    policy_number: str = Field(description="保单号")
    starts_on: date
    ends_on: date
    covered: int = Field(description="Volunteers covered now.")
    registered_at: datetime = Field(description="When the policy was recorded")


class CoverOut(Response):
    policy_id: UUID
    volunteer_id: UUID
    volunteer_number: str
    from_day: date = Field(description="Covered from this day")
    to_day: date | None = Field(description="Last day covered; null: to the end")
    insurer: str = Field(description="保险公司")
    policy_number: str = Field(description="保单号")
    starts_on: date
    ends_on: date


class InsurancePolicyDetailOut(InsurancePolicyOut):
    cover: list[CoverOut] = Field(description="Every stretch of cover it gave")


class UninsuredOut(Response):
    volunteer_id: UUID
    volunteer_number: str
    name_masked: str
    unit_id: UUID
    entries: int = Field(description="Entries on days without cover")
    hours: Number = Field(description="Their hours")
    first_day: date = Field(description="The first such day")
    last_day: date = Field(description="The last such day")


class TrainingUnitOut(Response):
    """培训: one unit's year (seed 003: two concentrated trainings a year; seed 001:
    core volunteers and team leaders trained)."""

    unit_id: UUID
    unit_name: str
    kind: str = Field(description="center, institute or station")
    trainings_held: int = Field(description="Closed trainings the unit held")
    volunteers: int = Field(description="The unit's registered volunteers")
    volunteers_trained: int = Field(
        description="Its volunteers who attended a training (any unit's) that year"
    )
    team_leaders: int = Field(description="Leaders of the unit's teams")
    team_leaders_trained: int = Field(description="Those who attended a training")


class TrainingOut(Response):
    activity_id: UUID
    title: str
    unit_id: UUID
    unit_name: str
    starts_at: datetime
    ends_at: datetime
    state: str = Field(description="The training's state: published, closed, …")
    status: str = Field(
        description="The volunteer's: signed_up, checked_in, attended, no_show…"
    )
    record_id: UUID | None = Field(description="The hours entry it earned, if any.")
