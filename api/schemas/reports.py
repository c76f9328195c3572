"""Response models of the office's reports: the bodies of api/routers/reports.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Response
from domain.assessment import Status
from domain.organisation import UnitKind


class TargetOut(Response):
    code: str = Field(description="The target's stable name, e.g. volunteer_share.")
    label: str = Field(description="The target as seed 003 words it.")
    value: Number | None = Field(
        description="A share (0.1500 = 15 %) or a count; null without data."
    )
    threshold: Number = Field(description="What the value is held against.")
    status: Status = Field(description="met, not_met, or no_data (see note).")
    numerator: int | None = Field(description="The share's part (shares only).")
    denominator: int | None = Field(description="The share's whole (shares only).")
    note: str = Field(description="Why there is no data, when there is none.")


class TeamShortfallOut(Response):
    team_id: UUID
    name: str
    activities: int = Field(
        description="Closed activities in the year since it was founded (< due)."
    )
    due: int = Field(
        description="Activities it owes in the year: 12, or one a month from the "
        "month it was founded."
    )


class UnitAssessmentOut(Response):
    unit_id: UUID
    name: str
    kind: UnitKind
    parent_id: UUID | None
    targets: list[TargetOut] = Field(description="Every target that applies to it.")
    teams_below_standard: list[TeamShortfallOut] = Field(
        description="Its teams with fewer activities in the year than they owe "
        "(12, or one a month since they were founded)."
    )


class HoursCellOut(Response):
    month: int = Field(description="1-12, China time.")
    category: str = Field(description="A five-fors code, or unclassified.")
    unit_id: UUID
    hours: Number


class FunnelStepOut(Response):
    step: str = Field(description="placed, dispatched, accepted, completed, ...")
    label: str = Field(description="点单, 派单, 接单, 服务完成, 评单, 奖单")
    reached: int = Field(description="Orders placed in the year that reached it.")
    median_seconds: int | None = Field(
        description="Median wait from the step before (the lower middle value)."
    )


class PointsOut(Response):
    earned: Number = Field(description="Points earned in the year, net of clawbacks.")
    redeemed: Number = Field(description="Points spent at kiosks, net of returns.")
    donated: Number = Field(description="Points given away (time bank).")


class AssessmentOut(Response):
    unit_id: UUID
    year: int
    as_of: datetime
    source: str = Field(
        description="read_models or event_log: where the facts came from."
    )
    units: list[UnitAssessmentOut] = Field(
        description="The unit first, then each unit below it."
    )
    star_levels: dict[int, int] = Field(
        description="Volunteers by star level (0-5) at the end of the year or as_of."
    )
    hours: list[HoursCellOut] = Field(description="Hours by month × category × unit.")
    orders_by_state: dict[str, int] = Field(
        description="Orders placed in the year by their state as of as_of."
    )
    funnel: list[FunnelStepOut] = Field(description="点单→派单→接单→评单→奖单.")
    points: PointsOut
    active_volunteers: dict[int, int] = Field(
        description="Month (1-12) -> volunteers of the subtree with hours that month."
    )
