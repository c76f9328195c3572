"""Webhooks: a district's own systems (a duty phone's bot, a work-chat bridge) hear of
notifications as they happen. An admin registers an endpoint and the kinds it wants;
each delivery is signed with the endpoint's secret (HMAC-SHA256)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import IllegalTransition, InvalidInput, NotFound
from domain.volunteer import check_reason

#: The kinds of notification (projections/notifications.py, application/reminders.py).
NOTIFICATION_KINDS = frozenset(
    {
        "order_placed",
        "order_dispatched",
        "order_accepted",
        "order_completed",
        "order_unaccepted",
        "signup_confirmed",
        "activity_tomorrow",
        "hold_expiring",
        "correction_decided",
        "certificate_issued",
        "registration_submitted",
        "registration_approved",
    }
)
_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s#]*)?$")


class WebhookNotFound(NotFound):
    rule = "webhook_exists"


def check_endpoint(url: str, kinds: list[str]) -> None:
    if not _URL.match(url) or len(url) > 500:
        raise InvalidInput(
            "url", "url_format", "an http(s) address of at most 500 characters"
        )
    unknown = sorted(set(kinds) - NOTIFICATION_KINDS)
    if unknown:
        raise InvalidInput(
            "kinds",
            "notification_kind_known",
            f"unknown kinds {unknown}; known: {sorted(NOTIFICATION_KINDS)}",
        )


class Webhook(CopiedCheaply, Aggregate):
    """The endpoint and what it hears; its secret is in the vault, never here."""

    @staticmethod
    def create_id(webhook_id: UUID, **_: Any) -> UUID:
        return webhook_id

    @event("Registered")
    def __init__(
        self, webhook_id: UUID, url: str, kinds: list[str], name: str, actor: str
    ) -> None:
        self.url = url
        self.kinds = kinds
        self.name = name
        self.active = True

    @classmethod
    def register(
        cls, webhook_id: UUID, url: str, kinds: list[str], name: str, actor: str
    ) -> Webhook:
        check_endpoint(url, kinds)
        if not name.strip() or len(name) > 100:
            raise InvalidInput("name", "name_required", "1 to 100 characters")
        return cls(
            webhook_id=webhook_id,
            url=url,
            kinds=sorted(set(kinds)),
            name=name.strip(),
            actor=actor,
        )

    def retire(self, reason: str, actor: str) -> None:
        if not self.active:
            raise IllegalTransition("the webhook is retired already", state="retired")
        check_reason(reason)
        self._retired(reason=reason.strip(), actor=actor)

    @event("Retired")
    def _retired(self, reason: str, actor: str) -> None:
        self.active = False
