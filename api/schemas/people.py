"""Request and response models of people's registrations of their own (volunteers,
residents), phone codes, the privacy notice, and needs taken on a resident's behalf:
the bodies of api/routers/self_service.py and api/routers/registrations.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Request, Response, Written, example
from api.schemas.logins import MAX_PASSWORD_INPUT
from api.schemas.orders import OrderIn
from domain.identity import Gender
from domain.registration import RegistrationStatus
from domain.resident import OrderChannel


class PrivacyNoticeOut(Response):
    version: str = Field(description="Consent names this version.")
    title: str = Field(description="The notice's title.")
    text: str = Field(description="What is done with the person's data, and why.")


class ConsentIn(Request):
    notice_version: str = Field(
        min_length=1, max_length=20, description="The version consented to."
    )
    agreed: bool = Field(description="Must be true: consent is never assumed.")


class VolunteerRegistrationIn(Request):
    model_config = example(
        {
            "name": "王小明",
            "gender": "male",
            "birth_date": "1990-03-07",
            "id_number": "370102199003070016",
            "phone": "13812345678",
            "station_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "skills": ["急救"],
            "party_member": False,
            "login": "xiaoming",
            "password": "双泉社区秋天2026",
            "consent": {"notice_version": "2026-12", "agreed": True},
        }
    )
    name: str = Field(min_length=1, max_length=64)
    gender: Gender
    birth_date: date
    id_number: str = Field(description="18-character national ID number (GB 11643).")
    phone: str = Field(max_length=20)
    station_id: UUID = Field(description="The station whose staff verify it.")
    skills: list[str] = Field(default_factory=list)
    party_member: bool = False
    login: str = Field(
        min_length=1, max_length=100, description="A login name or the mobile number."
    )
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
    consent: ConsentIn = Field(description="Consent to the privacy notice.")
    registration_id: UUID | None = Field(default=None, description="Client-chosen id.")


class RegistrationWritten(Written):
    id: UUID = Field(description="The registration; keep it to follow it up.")
    status: RegistrationStatus = Field(description="pending, approved or refused")
    station_id: UUID
    volunteer_id: UUID = Field(description="The volunteer an approval makes.")
    login_id: UUID
    name_masked: str
    phone_masked: str
    notice_version: str | None = Field(description="The notice consented to.")
    volunteer_number: str | None = Field(default=None, description="Given on approval.")


class RegistrationStatusOut(Response):
    id: UUID
    status: RegistrationStatus = Field(description="pending, approved or refused")
    station_id: UUID
    station_name: str = Field(description="The station that decides.")
    submitted_at: datetime
    decided_at: datetime | None
    reason: str | None = Field(description="Why it was refused.")


class RegistrationOut(RegistrationStatusOut):
    volunteer_id: UUID
    login_id: UUID
    name: str = Field(description="Clear for staff in scope, masked for auditors.")
    id_number: str = Field(description="Clear for staff in scope, masked otherwise.")
    phone: str = Field(description="Clear for staff in scope, masked otherwise.")
    gender: Gender
    birth_year: int
    skills: list[str]
    party_member: bool
    notice_version: str | None
    decided_by: str | None = Field(description="Who approved or refused it.")


class ApprovalIn(Request):
    model_config = example({"identity_checked": True})
    identity_checked: bool = Field(
        description="True once the person's ID card was checked against it."
    )


class PhoneCodeIn(Request):
    model_config = example({"phone": "13812345678"})
    phone: str = Field(min_length=1, max_length=20, description="A mobile number.")


class PhoneCodeSent(Response):
    expires_at: datetime = Field(description="Until when the code is good.")


class ResidentIn(Request):
    model_config = example(
        {
            "name": "李大妈",
            "phone": "13912345678",
            "community_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "password": "双泉社区秋天2026",
            "phone_code": "123456",
            "consent": {"notice_version": "2026-12", "agreed": True},
        }
    )
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(max_length=20, description="The mobile the code was sent to.")
    community_id: UUID = Field(description="The station of the resident's community.")
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_INPUT)
    phone_code: str = Field(
        min_length=1, max_length=10, description="The code from the SMS."
    )
    consent: ConsentIn = Field(description="Consent to the privacy notice.")
    login: str | None = Field(
        default=None, max_length=100, description="A login name; default the phone."
    )


class ResidentWritten(Written):
    resident_id: UUID = Field(description="The resident; orders belong to it.")
    login_id: UUID
    community_id: UUID
    name_masked: str
    phone_masked: str
    login_masked: str = Field(description="The login name, masked.")


class OnBehalfIn(OrderIn):
    model_config = example(
        {
            "category": "elderly",
            "subcategory": "daily_care",
            "title": "帮独居老人打扫卫生",
            "description": "老人电话求助：厨房和客厅需要打扫",
            "station_id": "0b1f9a4e-6c1d-4b7e-9a53-1d2f3c4b5a61",
            "address": "双泉社区3号楼2单元",
            "window_start": "2026-12-05T09:00:00+08:00",
            "window_end": "2026-12-05T11:00:00+08:00",
            "resident_name": "李大妈",
            "resident_phone": "13912345678",
            "channel": "phone_call",
        }
    )
    resident_name: str = Field(min_length=1, max_length=64)
    resident_phone: str = Field(
        max_length=20, description="The resident's mobile: who the order belongs to."
    )
    channel: OrderChannel = Field(description="phone_call, visit or group_chat")


class NotificationOut(Response):
    id: str = Field(description="Stable: the event's position and the recipient.")
    kind: str = Field(
        description="order_dispatched, order_placed, order_accepted, "
        "order_completed, order_unaccepted, signup_confirmed, activity_tomorrow, "
        "hold_expiring, correction_decided, certificate_issued, "
        "registration_submitted or registration_approved"
    )
    title: str = Field(description="The notice's headline (Chinese).")
    body: str = Field(description="What it is about (Chinese).")
    subject_id: UUID | None = Field(
        description="The order, activity, certificate or registration it is about."
    )
    created_at: datetime = Field(description="When it happened.")
    recipient_kind: str = Field(
        description="volunteer, resident, team (one's team) or unit (staff's)"
    )
    read: bool = Field(description="Whether this reader marked it read.")


class InboxOut(Response):
    unread: int = Field(description="Unread notifications in all.")
    items: list[NotificationOut] = Field(description="Newest first.")


class MarkReadIn(Request):
    model_config = example({"ids": ["90412:5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f"]})
    ids: list[str] = Field(
        min_length=1, max_length=500, description="Notifications to mark read."
    )


class MarkedOut(Response):
    marked: int = Field(description="How many were unread and are read now.")
    unread: int = Field(description="Unread notifications left.")
