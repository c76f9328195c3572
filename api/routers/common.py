"""Helpers shared by the routers."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Response

from api.schemas import Written
from infra.application import Outcome

W = TypeVar("W", bound=Written)
REPLAYED_HEADER = "Idempotent-Replayed"


def written(model: type[W], outcome: Outcome, response: Response) -> W:
    """The response of a write; a replayed idempotent write says so in a header."""
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return model.model_validate({**outcome.result, "position": outcome.position})
