"""Health, operations status and the points policy."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client.core import Metric

from api.deps import ActorDep, ContainerDep, ReadAfter
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.ops import OpsStatus, PolicyIn, PolicyOut
from application.organisation import ChangePolicy
from application.status import group_lag, ledger_state, projection_status
from infra import metrics

METRICS_EXAMPLE = (
    "# HELP vledger_http_requests_total HTTP requests answered.\n"
    "# TYPE vledger_http_requests_total counter\n"
    'vledger_http_requests_total{method="POST",'
    'route="/v1/volunteers/{volunteer_id}/hours",status="201"} 1204.0\n'
    "# HELP vledger_projection_lag_events Events recorded but not yet applied.\n"
    "# TYPE vledger_projection_lag_events gauge\n"
    'vledger_projection_lag_events{projection="volunteers"} 0.0\n'
)

router = APIRouter(tags=["operations"])


@router.get("/health")
def health(container: ContainerDep) -> dict[str, object]:
    """200 when the event store answers."""
    try:
        position = container.store.max_position()
    except Exception:
        raise ApiProblem(
            503, "unavailable", "Unavailable", "the event store does not answer"
        ) from None
    return {"status": "ok", "position": position}


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {metrics.CONTENT_TYPE: {"example": METRICS_EXAMPLE}},
        }
    },
)
def metrics_page(container: ContainerDep) -> Response:
    """Prometheus metrics: requests by route and status with latency histograms,
    group-commit batches, sweeps (counted in this process, or in every worker of
    `serve --workers N`), and, read at scrape time, the log's head, the relay's and
    each projection's lag, dead letters, the chain's last checkpoint and whole
    verification, and with Kafka the consumer group's lag per partition. No
    personal data; see docs/operations.md."""

    def database() -> list[Metric]:
        return metrics.ledger_families(ledger_state(container))

    def broker() -> list[Metric]:
        if container.broker_offsets is None:
            return []
        rows = group_lag(container, container.broker_offsets)
        settings = container.settings
        return metrics.group_families(
            rows, settings.projector_group, settings.kafka_topic
        )

    ledger = metrics.LedgerCollector([database, broker])
    return Response(metrics.exposition(ledger), media_type=metrics.CONTENT_TYPE)


@router.get("/v1/ops/status", response_model=OpsStatus)
def ops_status(container: ContainerDep, actor: ActorDep) -> OpsStatus:
    """Per projection: the position up to which every event is applied, lag behind
    the event-store head in events and seconds, and dead letters."""
    return OpsStatus.model_validate(projection_status(container))


@router.get("/v1/policy", response_model=PolicyOut, dependencies=[ReadAfter])
def get_policy(container: ContainerDep, actor: ActorDep) -> PolicyOut:
    """The points rate and rounding rule in force."""
    policy = container.reads.policy()
    if policy is None:
        raise ApiProblem(
            503, "projection_lagging", "Not ready", "policy not projected yet"
        )
    return PolicyOut.model_validate({**policy, "position": None})


@router.put("/v1/policy", response_model=PolicyOut)
def change_policy(
    body: PolicyIn, response: Response, container: ContainerDep, actor: ActorDep
) -> PolicyOut:
    """Admins change the rate or rounding; entries recorded from now on carry the
    new version, earlier entries keep theirs."""
    command = ChangePolicy(body.points_per_hour, body.rounding)
    outcome = container.commands.run(
        container.organisation.change_policy, command, actor
    )
    return written(PolicyOut, outcome, response)
