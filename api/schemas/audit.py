"""Request and response models of audit: the log, the chain and replays:
the bodies of api/routers/audit.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, example


class AuditEventOut(Response):
    notification_id: int
    aggregate_id: UUID
    version: int
    type: str = Field(description="Aggregate and event, e.g. Volunteer.HoursRecorded")
    topic: str = Field(
        description="The event's topic as stored, which its link hashes",
        examples=["domain.volunteer:Volunteer.HoursRecorded"],
    )
    state: str = Field(
        description="The event's bytes as stored, base64: what its link hashes "
        "(`data` is their decoded, display form)"
    )
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
