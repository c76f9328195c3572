"""Request and response models of volunteers, their status and kiosk PINs:
the bodies of api/routers/volunteers.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Number, Request, Response, Written, example
from domain.identity import Gender


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
    hours_to_next_star: Number | None = Field(
        description="Verified hours still to serve for the next star level (100, "
        "300, 600, 1000, 1500 in all); null at five stars."
    )
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


class PinIn(Request):
    model_config = example({"pin": "258025"})
    pin: str = Field(
        max_length=20,
        description="Six digits; not repeated or consecutive (111111, 123456).",
    )


class PinSetOut(Written):
    volunteer_id: UUID
    pin_set: bool
