"""Request and response models of teams and their rosters:
the bodies of api/routers/teams.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, Written, example
from domain.organisation import TeamAffiliation


class TeamIn(Request):
    model_config = example(
        {
            "name": "双泉环保志愿服务队",
            "unit_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "service_type": "sanitation_environment",
            "affiliation": "unit",
            "founded_on": "2026-03-01",
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
    affiliation: TeamAffiliation = Field(
        default=TeamAffiliation.UNIT,
        description="Its place in the general brigade (志愿服务总队): brigade (the "
        "brigade's own team), department (a department's team, which names it) or "
        "unit (an institute's or a station's own team).",
    )
    department: str | None = Field(
        default=None, max_length=100, description="Required for a department team."
    )
    founded_on: date | None = Field(
        default=None,
        description="The day it was founded (China time), from 2000-01-01 to "
        "today; default today. It owes an activity a month from that month on, "
        "and only activities held since count for it.",
    )


class TeamOut(Response):
    id: UUID
    name: str
    unit_id: UUID
    service_type: str
    service_type_name: str | None
    affiliation: TeamAffiliation
    department: str | None
    founded_on: date | None = Field(
        default=None, description="The day it was founded (China time)."
    )


class TeamCreated(TeamOut, Written):
    pass


class TeamDetail(TeamOut):
    leader_id: UUID | None
    phone: str | None = Field(
        description="The contact phone: in clear for staff in scope, masked for "
        "everyone else."
    )
    members: int = Field(description="Members now.")
    year: int = Field(description="The current year, China time.")
    activities_this_year: int = Field(description="Closed activities this year.")
    hours_this_year: Number = Field(description="Live hours recorded for the team.")


class MemberOut(Response):
    volunteer_id: UUID
    volunteer_number: str
    name_masked: str
    party_member: bool
    joined_at: datetime
    joined_via: Literal["application", "added"]
    is_leader: bool


class Roster(Response):
    team_id: UUID
    as_of: datetime | None
    leader_id: UUID | None = Field(description="The leader now.")
    members: list[MemberOut] = Field(description="Members at `as_of`.")


class ApplicationOut(Response):
    volunteer_id: UUID
    volunteer_number: str
    name_masked: str
    applied_at: datetime


class VolunteerIdIn(Request):
    model_config = example({"volunteer_id": "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"})
    volunteer_id: UUID


class ApplicationIn(Request):
    model_config = example({})
    volunteer_id: UUID | None = Field(
        default=None, description="The applicant: the volunteer itself (optional)."
    )


class ContactIn(Request):
    model_config = example({"phone": "13812345678"})
    phone: str = Field(min_length=1, max_length=20)


class MembershipOut(Written):
    team_id: UUID
    volunteer_id: UUID
    status: Literal["applied", "member", "refused", "left", "removed"]
    members: int = Field(description="Members of the team after the change.")


class TeamLeadOut(Written):
    team_id: UUID
    leader_id: UUID | None
    phone_masked: str | None


class VolunteerTeamOut(Response):
    team_id: UUID
    name: str
    unit_id: UUID
    service_type: str
    is_leader: bool
    joined_at: datetime
