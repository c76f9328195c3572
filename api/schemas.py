"""Request and response models of the public API (see docs/api.md)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    field_validator,
)
from pydantic_core import PydanticCustomError

from domain.identity import Gender
from domain.organisation import MAX_POPULATION, UnitKind
from domain.policy import RoundingRule
from domain.text import storable_problem

#: Exact decimals in the domain; JSON numbers on the wire.
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _plain_decimal(value: Any) -> Any:
    if isinstance(value, bool) or (
        isinstance(value, str) and not ASCII_DECIMAL.fullmatch(value)
    ):
        raise PydanticCustomError(
            "decimal_format",
            'must be a JSON number, or a string of ASCII digits such as "12.50"',
        )
    return value


#: Counts in requests are JSON integers: not "10", not 10.0, not true.
WholeNumber = Annotated[int, Strict()]
#: Points in requests are JSON numbers, or decimal strings of ASCII digits (no
#: spaces, no full-width digits) for clients that keep exact decimals as text.
Amount = Annotated[Decimal, BeforeValidator(_plain_decimal)]


def check_storable(text: str) -> str:
    if (problem := storable_problem(text)) is not None:
        raise PydanticCustomError(*problem)
    return text


def example(body: dict[str, Any]) -> ConfigDict:
    """The request body's example in the OpenAPI document (and on /docs)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                check_storable(text)
        return value


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Written(Response):
    position: int | None = Field(
        description="Notification id of the write's last event; pass it as "
        "min_position to read your own write."
    )


# -- organisation ------------------------------------------------------------


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


# -- volunteers --------------------------------------------------------------


class VolunteerIn(Request):
    model_config = example(
        {
            "name": "王小明",
            "gender": "male",
            "birth_date": "1990-03-07",
            "id_number": "370102199003070016",
            "phone": "13812345678",
            "unit_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "skills": ["急救"],
            "party_member": True,
        }
    )
    name: str = Field(min_length=1, max_length=64)
    gender: Gender
    birth_date: date
    id_number: str = Field(description="18-character national ID number (GB 11643).")
    phone: str = Field(max_length=20)
    unit_id: UUID
    skills: list[str] = Field(default_factory=list)
    party_member: bool = False


class VolunteerCreated(Written):
    id: UUID
    volunteer_number: str
    unit_id: UUID
    name_masked: str
    id_number_masked: str
    phone_masked: str
    gender: Gender
    birth_year: int
    skills: list[str]
    party_member: bool
    status: str


class VolunteerOut(Response):
    id: UUID
    volunteer_number: str
    name: str = Field(
        description="Clear name for admins, coordinators in scope and the volunteer; "
        "masked for everyone else."
    )
    name_masked: str
    unit_id: UUID
    gender: Gender
    birth_year: int
    id_number_masked: str
    phone_masked: str
    skills: list[str]
    party_member: bool
    status: str
    verified_hours: Number
    star_level: int
    points_balance: Number
    entry_count: int
    registered_at: datetime


class VolunteerPage(Response):
    items: list[VolunteerOut]
    total: int
    limit: int
    offset: int


class StatusChangeIn(Request):
    model_config = example({"reason": "迁出本区"})
    reason: str = Field(min_length=1, max_length=500, description="Why (required)")


class StatusChanged(Written):
    id: UUID
    status: str


class ErasedOut(StatusChanged):
    erased: bool = Field(description="Always true: the personal data is gone")


# -- hours -------------------------------------------------------------------


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


# -- accounts and policy -------------------------------------------------------


class AccountOut(Response):
    volunteer_id: UUID
    balance: Number
    earned: Number
    redeemed: Number
    held: Number
    clawed_back: Number
    owes: bool = Field(description="True when clawbacks left the balance below zero.")


class FundOut(Response):
    unit_id: UUID
    balance: Number


class AccountEntryOut(Response):
    position: int
    kind: str
    source_kind: str
    source_id: UUID
    points: Number
    balance_after: Number
    policy_version: int | None
    reason: str
    actor: str
    occurred_at: datetime


class PolicyIn(Request):
    model_config = example({"points_per_hour": 10, "rounding": "half_hour"})
    points_per_hour: Amount = Field(gt=0, le=1000, decimal_places=2)
    rounding: RoundingRule


class PolicyOut(Written):
    version: int
    points_per_hour: Number
    rounding: RoundingRule


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


class ProjectionStatus(Response):
    projection: str
    position: int = Field(description="Every event up to here is applied.")
    lag_events: int
    lag_seconds: float = Field(description="Age of the oldest event not yet applied.")
    dead_letters: int
    partitions: dict[str, int] = Field(
        description="Mark per feed partition (-1: the in-order feed)."
    )


class OpsStatus(Response):
    head: int = Field(description="The event store's last notification id.")
    feed: str = Field(description="in-process or kafka")
    relayed: int | None = Field(description="What the relay has published (Kafka).")
    projections: list[ProjectionStatus]
    dead_letters: int


# -- service orders (五单) and ratings -------------------------------------------


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


class ReviewIn(Request):
    model_config = example({"accept": True, "reason": ""})
    accept: bool
    reason: str = Field(default="", max_length=500, description="Required to reject.")


class DispatchIn(Request):
    model_config = example({"volunteer_ids": ["5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f"]})
    team_id: UUID | None = None
    volunteer_ids: list[UUID] = Field(default_factory=list, max_length=50)
    open_for_claiming: bool = False


class ReasonIn(Request):
    model_config = example({"reason": "居民临时外出"})
    reason: str = Field(min_length=1, max_length=500, description="Why (required)")


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
    overdue: bool = Field(description="Not accepted within the deadline.")
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


# -- activities ----------------------------------------------------------------


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


# -- credit supermarket (信用超市) ------------------------------------------------


class CatalogItemIn(Request):
    model_config = example(
        {
            "station_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "name": "洗衣液",
            "price_points": 30,
            "stock": 50,
            "daily_limit": 2,
        }
    )
    station_id: UUID
    name: str = Field(min_length=1, max_length=100)
    price_points: Amount = Field(gt=0, le=100_000, decimal_places=2)
    stock: WholeNumber = Field(ge=0, le=1_000_000)
    daily_limit: WholeNumber | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Most a person may redeem per day (China time).",
    )


class RestockIn(Request):
    model_config = example({"quantity": 20})
    quantity: WholeNumber = Field(ge=1, le=1_000_000)


class CatalogItemWritten(Written):
    id: UUID
    stock: int
    price_points: Number


class PriceIn(Request):
    model_config = example({"price_points": "25.50"})
    price_points: Amount = Field(gt=0, le=100_000, decimal_places=2)


class CatalogItemOut(Response):
    id: UUID
    station_id: UUID
    name: str
    price_points: Number
    stock: int
    daily_limit: int | None


class RedemptionLineIn(Request):
    model_config = example(
        {"item_id": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b", "quantity": 1}
    )
    item_id: UUID
    quantity: WholeNumber = Field(ge=1, le=1000)


class RedemptionIn(Request):
    model_config = example(
        {
            "volunteer_id": "5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f",
            "items": [
                {"item_id": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b", "quantity": 1}
            ],
            "hold": False,
        }
    )
    volunteer_id: UUID
    items: list[RedemptionLineIn] = Field(min_length=1, max_length=50)
    hold: bool = Field(
        default=False,
        description="Reserve points and stock, then confirm or void; an unconfirmed "
        "hold expires after 15 minutes and gives everything back.",
    )


class RedemptionLineOut(Response):
    item_id: UUID
    name: str
    quantity: int
    unit_price: Number = Field(description="The price paid, as listed at the time.")
    points: Number


class RedemptionOut(Written):
    id: UUID
    volunteer_id: UUID
    station_id: UUID
    state: str = Field(description="held, committed, voided or expired")
    identified_by: str = Field(
        description="How the volunteer was identified: kiosk_session (number and "
        "PIN at a kiosk), counter_pin (number and PIN at a staff counter), own_token "
        "(the volunteer's own credentials); unrecorded before the ledger kept it."
    )
    points: Number
    balance: Number = Field(description="The volunteer's balance after this step.")
    expires_at: datetime | None
    lines: list[RedemptionLineOut] = Field(description="What was bought: a receipt.")


class KioskIn(Request):
    model_config = example(
        {"station_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61", "name": "双泉站 1号机"}
    )
    station_id: UUID
    name: str = Field(min_length=1, max_length=60, description="e.g. 双泉站 1号机")


class KioskOut(Written):
    id: UUID
    station_id: UUID
    name: str
    active: bool
    token: str | None = Field(
        default=None,
        description="The kiosk's bearer token, shown in the first response only "
        "(a replay omits it; if it is lost, retire the kiosk and register another).",
    )


class KioskListed(Response):
    id: UUID
    station_id: UUID
    name: str
    active: bool
    registered_at: datetime
    registered_by: str
    retired_at: datetime | None
    retired_reason: str | None


class PinIn(Request):
    model_config = example({"pin": "258025"})
    pin: str = Field(
        max_length=20,
        description="Six digits; not repeated or consecutive (111111, 123456).",
    )


class PinSetOut(Written):
    volunteer_id: UUID
    pin_set: bool


class IdentifyIn(Request):
    model_config = example({"volunteer_number": "V00000012", "pin": "258025"})
    volunteer_number: str = Field(min_length=1, max_length=40)
    pin: str = Field(max_length=20)


class KioskVolunteer(Response):
    id: UUID
    volunteer_number: str
    name_masked: str
    star_level: int
    star_label: str | None = Field(
        description="The star level's name (三星志愿者); null below the first star"
    )
    balance: Number
    held: Number


class IdentifiedOut(Response):
    session: str = Field(
        description="Send as X-Kiosk-Session with this volunteer's redemptions."
    )
    expires_at: datetime
    volunteer: KioskVolunteer


class DonationIn(Request):
    model_config = example(
        {
            "to_volunteer_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
            "points": 15,
            "reason": "给妈妈",
        }
    )
    to_volunteer_id: UUID | None = Field(
        default=None, description="Another volunteer (family, an elderly neighbour)."
    )
    fund_station_id: UUID | None = Field(
        default=None, description="Or a station's public-welfare fund."
    )
    points: Amount = Field(gt=0, le=100_000, decimal_places=2)
    reason: str = Field(min_length=1, max_length=500)


class DonationOut(Written):
    id: UUID
    points: Number
    to: UUID
    balance: Number = Field(description="The giver's balance afterwards.")


class AuditEventOut(Response):
    notification_id: int
    aggregate_id: UUID
    version: int
    type: str = Field(description="Aggregate and event, e.g. Volunteer.HoursRecorded")
    timestamp: datetime | None
    actor: str | None = Field(description="Who caused it: role:name:token id")
    data: dict[str, Any]
    hash: str | None = Field(description="This event's link in the hash chain")
    prev_hash: str = Field(description="The link before it (zeros for the first)")


class ChainOut(Response):
    intact: bool
    verified_through: int = Field(description="The last notification id that holds")
    head_hash: str = Field(description="The link at verified_through; keep a copy")
    events: int
    checkpoints: int
    first_broken: dict[str, Any] | None = Field(
        description="{notification_id, reason} of the first link that does not hold"
    )


class StandingOut(Response):
    volunteer_id: UUID
    volunteer_number: str
    unit_id: UUID
    verified_hours: Number
    star_level: int
    live_entries: int
    points_balance: Number


class VolunteerAsOfOut(StandingOut):
    as_of: datetime | None


class ReplayIn(Request):
    model_config = example({"as_of": "2026-11-30"})
    as_of: str | None = Field(
        default=None,
        description="ISO time with offset, or a date (the end of that day, China "
        "time). Unset: now, and the result is compared with the live read models.",
    )


class BalanceOut(Response):
    owner_id: UUID
    balance: Number
    earned: Number
    held: Number
    redeemed: Number


class DifferenceOut(Response):
    table: str
    key: UUID
    field: str
    live: Any
    replayed: Any
    events: list[int] = Field(description="Positions of the latest events behind it")


class ReplayOut(Response):
    as_of: datetime | None
    through_position: int
    events_read: int
    star_levels: list[StandingOut]
    balances: list[BalanceOut]
    compared: bool = Field(description="Whether live read models were compared")
    differences_from_live: list[DifferenceOut]


class CertificateIn(Request):
    model_config = example(
        {
            "from": "2026-01-01",
            "to": "2026-11-30",
            "person_in_charge": "李站长",
            "contact": "0634-1234567",
            "remarks": "",
        }
    )
    period_from: date = Field(alias="from", description="First day of service")
    period_to: date = Field(alias="to", description="Last day of service")
    person_in_charge: str = Field(
        min_length=1, max_length=40, description="The issuing unit's 负责人"
    )
    contact: str = Field(min_length=1, max_length=60, description="Issuer's contact")
    remarks: str = Field(default="", max_length=200)
    unit_id: UUID | None = Field(
        default=None, description="Issuing unit (default: the volunteer's own)"
    )


class CertificateVolunteer(Response):
    volunteer_number: str
    name_masked: str
    id_type: str
    id_number_masked: str


class CertificatePeriod(Response):
    from_: date = Field(alias="from")
    to: date

    model_config = ConfigDict(
        from_attributes=True, populate_by_name=True, serialize_by_alias=True
    )


class CertificateIssuer(Response):
    unit_id: UUID
    name: str
    person_in_charge: str
    handler: str
    contact: str


class CertificateContents(Response):
    """What a certificate states (DOMAIN.md), as recorded in its event."""

    number: str
    volunteer: CertificateVolunteer
    period: CertificatePeriod
    hours: Number
    entries: int
    activities: list[str]
    issuer: CertificateIssuer
    remarks: str
    issued_on: date
    record_position: int = Field(
        description="Log position of the record the hours were computed from"
    )
    chain_link: str = Field(description="The hash-chain link at that position")
    revoked: bool = Field(description="Revoked by its issuer since (see the reason)")
    revocation_reason: str | None = Field(description="Why it was revoked")


class CertificateOut(Written, CertificateContents):
    verification_code: str | None = Field(
        description="Shown once, to the issuer; a replay answers null"
    )
    verification_url: str | None = Field(
        description="Where a third party checks it (the printable page, on "
        "VLEDGER_PUBLIC_BASE_URL); null when the code is"
    )


class CertificateListed(Response):
    number: str
    volunteer_id: UUID
    volunteer_number: str
    issuer_unit_id: UUID
    issuer_name: str
    period_from: date
    period_to: date
    hours: Number
    issued_on: date
    issued_by: str = Field(description="Who issued it: role, name and token id")
    revoked_at: datetime | None = Field(description="When it was revoked")
    revoked_by: str | None = Field(description="Who revoked it")
    revocation_reason: str | None


class CertificateRevokedOut(Written):
    number: str
    revoked: bool
    revocation_reason: str | None


class CertificateCheckOut(CertificateContents):
    genuine: bool
    matches_record: bool = Field(
        description="The hours follow from the record at the certificate's position"
    )
    chain_link_matches: bool
    hours_on_record_now: Number = Field(
        description="Hours in the same period on today's record (corrections since)"
    )
