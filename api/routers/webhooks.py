"""Delivering notifications outside: webhook endpoints (admins register them), and
the outbox's messages with its dead letters, which an operator sends again."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    MAX_BIGINT,
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.common import ReasonIn
from api.schemas.webhooks import (
    DeliveryOut,
    RetriedOut,
    WebhookIn,
    WebhookOut,
    WebhookWritten,
)
from application.webhooks import RegisterWebhook, RetireWebhook

router = APIRouter(prefix="/v1", tags=["deliveries"])


@router.post("/webhooks", status_code=201, response_model=WebhookWritten)
def register_webhook(
    body: WebhookIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> WebhookWritten:
    """An endpoint that hears notifications of the kinds named: each POSTed as
    JSON, signed `X-Vledger-Signature: sha256=HMAC(secret, timestamp.body)`, at
    least once (the same `X-Vledger-Delivery` on retries)."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = RegisterWebhook(body.name, body.url, body.kinds, body.webhook_id)
    outcome = container.commands.run(container.webhooks.register, command, actor, key)
    response.headers["Cache-Control"] = "no-store"
    return written(WebhookWritten, outcome, response)


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(container: ContainerDep, actor: ActorDep) -> list[WebhookOut]:
    """The endpoints, retired ones included; never their secrets."""
    return [WebhookOut.model_validate(r) for r in container.webhook_endpoints.listed()]


@router.post("/webhooks/{webhook_id}/retire", response_model=WebhookWritten)
def retire_webhook(
    webhook_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> WebhookWritten:
    """Nothing more is sent to it; what is queued for it fails into dead letters."""
    command = RetireWebhook(webhook_id, body.reason)
    outcome = container.commands.run(container.webhooks.retire, command, actor)
    return written(WebhookWritten, outcome, response)


@router.get("/ops/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    state: Literal["pending", "delivered", "dead"] = "dead",
) -> list[DeliveryOut]:
    """The outbox's messages by state, newest first: dead letters by default."""
    rows = container.deliveries.listed(state, page.limit, page.offset)
    return [DeliveryOut.model_validate(r) for r in rows]


@router.post("/ops/deliveries/{delivery_id}/retry", response_model=RetriedOut)
def retry_delivery(
    delivery_id: int, container: ContainerDep, actor: ActorDep
) -> RetriedOut:
    """Sends a dead letter again: its attempts start over."""
    retried = 0
    if 0 < delivery_id <= MAX_BIGINT:
        retried = container.deliveries.retry(delivery_id)
    if retried == 0:
        raise ApiProblem(
            404, "delivery_exists", "Not found", f"no dead letter {delivery_id}"
        )
    return RetriedOut(retried=retried)
