"""Request and response models of the points policy and operations status:
the bodies of api/routers/ops.py."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import Amount, Number, Request, Response, Written, example
from domain.policy import RoundingRule


class PolicyIn(Request):
    model_config = example({"points_per_hour": 10, "rounding": "half_hour"})
    points_per_hour: Amount = Field(gt=0, le=1000, decimal_places=2)
    rounding: RoundingRule


class PolicyOut(Written):
    version: int
    points_per_hour: Number
    rounding: RoundingRule


class ProjectionStatus(Response):
    projection: str
    position: int = Field(description="Every event up to here is applied.")
    lag_events: int
    lag_seconds: float = Field(description="Age of the oldest event not yet applied.")
    dead_letters: int
    partitions: dict[str, int] = Field(
        description="Mark per feed partition (-1: the in-order feed)."
    )


class OpsStatus(Response):
    head: int = Field(description="The event store's last notification id.")
    feed: str = Field(description="in-process or kafka")
    relayed: int | None = Field(description="What the relay has published (Kafka).")
    projections: list[ProjectionStatus]
    dead_letters: int
