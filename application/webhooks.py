"""Registering and retiring webhook endpoints (admins): each an event, the endpoint
and its secret side writes beside it. The secret is shown once."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates
from application.executor import Decision
from domain.access import Actor, Role
from domain.webhook import Webhook, WebhookNotFound
from infra.webhooks import WebhookEndpoints, new_secret


@dataclass(frozen=True)
class RegisterWebhook:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "webhook_id"
    name: str
    url: str
    kinds: list[str] = field(default_factory=list)
    webhook_id: UUID | None = None


@dataclass(frozen=True)
class RetireWebhook:
    webhook_id: UUID
    reason: str


@dataclass(frozen=True)
class WebhookState:
    id: UUID
    name: str
    url: str
    kinds: list[str]
    active: bool
    secret: str | None = None

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookState:
        return cls(
            webhook.id, webhook.name, webhook.url, list(webhook.kinds), webhook.active
        )


class Webhooks:
    def __init__(self, aggregates: Aggregates, endpoints: WebhookEndpoints) -> None:
        self.aggregates = aggregates
        self.endpoints = endpoints

    def register(self, cmd: RegisterWebhook, actor: Actor) -> Decision[WebhookState]:
        actor.check_role(Role.ADMIN)
        webhook = Webhook.register(
            cmd.webhook_id or uuid4(), cmd.url, cmd.kinds, cmd.name, actor.label
        )
        self.endpoints.check_url(webhook.url)
        secret = new_secret()
        state = WebhookState.of(webhook)
        return Decision(
            [webhook],
            replace(state, secret=secret),
            self.endpoints.register_writes(
                webhook.id, webhook.name, webhook.url, list(webhook.kinds), secret
            ),
            remembered=state,
        )

    def retire(self, cmd: RetireWebhook, actor: Actor) -> Decision[WebhookState]:
        actor.check_role(Role.ADMIN)
        webhook = self.aggregates.get(Webhook, cmd.webhook_id, WebhookNotFound)
        webhook.retire(cmd.reason, actor.label)
        return Decision(
            [webhook],
            WebhookState.of(webhook),
            [self.endpoints.retire_write(webhook.id)],
        )
