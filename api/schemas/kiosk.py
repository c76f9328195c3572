"""Request and response models of the credit supermarket (信用超市): goods,
redemptions and kiosks; the bodies of api/routers/kiosk.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import (
    Amount,
    Number,
    Request,
    Response,
    WholeNumber,
    Written,
    example,
)


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
