"""Audit views (read-only, for auditors and admins): the event log with its hash
chain, one aggregate's history, replays as of any time, and chain verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import MAX_BIGINT, ActorDep, ContainerDep
from api.problems import ApiProblem
from api.schemas.audit import (
    AuditEventOut,
    ChainOut,
    ReplayIn,
    ReplayOut,
    VolunteerAsOfOut,
)
from application.audit import ReadModelsBehind, ndjson
from domain.instants import parse_as_of

router = APIRouter(prefix="/v1/audit", tags=["audit"])
After = Annotated[
    int, Query(ge=0, le=MAX_BIGINT, description="Notification id to start after")
]


def _as_of(text: str | None) -> datetime | None:
    """Bounded by the wall clock: `as_of` is held against the events' timestamps,
    which the event store takes from the wall clock."""
    return None if text is None else parse_as_of(text, datetime.now(UTC))


@router.get("/events", response_model=list[AuditEventOut])
def audit_events(
    container: ContainerDep,
    actor: ActorDep,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventOut]:
    """The global log in notification order, each event with its chain link;
    page on with `after` = the last notification id you have."""
    return [
        AuditEventOut.model_validate(e) for e in container.audit.events(after, limit)
    ]


NDJSON = "application/x-ndjson"


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One event a line, as `GET /v1/audit/events` gives them, "
            "and a link whose event is gone as `{notification_id, missing: true, "
            "hash, prev_hash}`: what the outside verifier of docs/auditing.md reads.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        }
    },
)
def audit_export(
    container: ContainerDep,
    actor: ActorDep,
    after: After = 0,
) -> StreamingResponse:
    """The whole log after `after` as NDJSON, streamed from a server-side cursor
    (the same as `vledger audit export`)."""
    lines = (line.encode() for line in ndjson(container.audit.export(after)))
    disposition = {"Content-Disposition": 'attachment; filename="vledger-log.ndjson"'}
    return StreamingResponse(lines, media_type=NDJSON, headers=disposition)


@router.get("/streams/{aggregate_id}", response_model=list[AuditEventOut])
def audit_stream(
    aggregate_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[AuditEventOut]:
    """Every event of one aggregate (a volunteer, an account, an order …), with
    actor and time, oldest first."""
    events = container.audit.stream(aggregate_id)
    if not events:
        raise ApiProblem(
            404, "aggregate_exists", "Not found", f"no events for {aggregate_id}"
        )
    return [AuditEventOut.model_validate(e) for e in events]


@router.get("/volunteers/{volunteer_id}", response_model=VolunteerAsOfOut)
def volunteer_as_of(
    volunteer_id: UUID,
    container: ContainerDep,
    actor: ActorDep,
    as_of: Annotated[
        str | None,
        Query(description="ISO time with offset, or a date (its end, China time)"),
    ] = None,
) -> VolunteerAsOfOut:
    """Hours, star level and points on record as of a time, folded from the events
    alone (e.g. "hours on record by 30 November": `as_of=2026-11-30`)."""
    instant = _as_of(as_of)
    standings = container.audit.volunteer_as_of(volunteer_id, instant).star_levels()
    if not standings:
        raise ApiProblem(
            404,
            "volunteer_exists",
            "Not found",
            f"volunteer {volunteer_id} was not on record"
            + (f" by {instant.isoformat()}" if instant else ""),
        )
    return VolunteerAsOfOut.model_validate({**standings[0], "as_of": instant})


@router.post("/replays", response_model=ReplayOut)
def replay(body: ReplayIn, container: ContainerDep, actor: ActorDep) -> ReplayOut:
    """Rebuilds every credit bank and star level from the event store alone. As of
    now, the result is compared with the live read models and every difference is
    listed with the events behind it. Nothing is written."""
    instant = _as_of(body.as_of)
    replayed = container.audit.replay(instant)
    differences = []
    if instant is None:
        try:
            differences = container.audit.differences(replayed)
        except ReadModelsBehind as error:
            raise ApiProblem(
                503,
                "projection_lagging",
                "Read models are behind",
                str(error),
                {"Retry-After": "5"},
            ) from None
    return ReplayOut.model_validate(
        {
            "as_of": instant,
            "through_position": replayed.through_position,
            "events_read": replayed.events_read,
            "star_levels": replayed.star_levels(),
            "balances": replayed.balances(),
            "compared": instant is None,
            "differences_from_live": differences,
        }
    )


@router.get("/chain", response_model=ChainOut)
def chain(container: ContainerDep, actor: ActorDep) -> ChainOut:
    """Recomputes the hash chain over the whole log and names the first link that
    does not hold. Compare `head_hash` with copies kept outside the database."""
    return ChainOut.model_validate(container.audit.chain().summary())
