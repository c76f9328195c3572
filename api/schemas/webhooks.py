"""Request and response models of webhook endpoints and of the outbox's messages:
the bodies of api/routers/webhooks.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Request, Response, Written, example
from domain.webhook import NOTIFICATION_KINDS


class WebhookIn(Request):
    model_config = example(
        {
            "name": "区中心值班群机器人",
            "url": "https://duty.example.gov.cn/hooks/vledger",
            "kinds": ["order_unaccepted", "registration_submitted"],
        }
    )
    name: str = Field(min_length=1, max_length=100, description="Whose endpoint.")
    url: str = Field(min_length=1, max_length=500, description="Where to POST.")
    kinds: list[str] = Field(
        default_factory=list,
        max_length=len(NOTIFICATION_KINDS),
        description="Notification kinds it hears; empty: every kind.",
    )
    webhook_id: UUID | None = Field(default=None, description="Client-chosen id.")


class WebhookWritten(Written):
    id: UUID
    name: str = Field(description="Whose endpoint.")
    url: str = Field(description="Where deliveries are POSTed.")
    kinds: list[str] = Field(description="The kinds it hears; empty: all.")
    active: bool = Field(description="False once retired.")
    secret: str | None = Field(
        default=None,
        description="Signs every delivery (X-Vledger-Signature); shown once, a "
        "retried request answers null.",
    )


class WebhookOut(Response):
    id: UUID
    name: str = Field(description="Whose endpoint.")
    url: str = Field(description="Where deliveries are POSTed.")
    kinds: list[str] = Field(description="The kinds it hears; empty: all.")
    active: bool = Field(description="False once retired.")
    created_at: datetime = Field(description="When it was registered.")


class DeliveryOut(Response):
    id: int = Field(description="The outbox row.")
    channel: str = Field(description="sms or webhook")
    dedup_key: str = Field(
        description="The same for every attempt of one message (X-Vledger-Delivery)."
    )
    created_at: datetime = Field(description="When the message was queued.")
    attempts: int = Field(description="Attempts so far.")
    next_attempt_at: datetime = Field(description="When it is tried next.")
    delivered_at: datetime | None = Field(description="When it was delivered.")
    dead_at: datetime | None = Field(description="When it was parked as dead.")
    last_error: str | None = Field(description="Why the last attempt failed.")


class RetriedOut(Response):
    retried: int = Field(description="Dead letters queued again.")
