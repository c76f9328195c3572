"""Request and response models of points accounts, funds and donations:
the bodies of api/routers/accounts.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Amount, Number, Request, Response, Written, example


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
