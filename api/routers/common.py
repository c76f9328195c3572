"""Helpers shared by the routers."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from fastapi import Response

from api.schemas.common import Written
from application.executor import Outcome

W = TypeVar("W", bound=Written)
REPLAYED_HEADER = "Idempotent-Replayed"


def written(
    model: type[W], outcome: Outcome[Any], response: Response, **extra: Any
) -> W:
    """The response of a write, mapped from the command's typed result; a replayed
    idempotent write says so in a header."""
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    result = {f.name: getattr(outcome.result, f.name) for f in fields(outcome.result)}
    return model.model_validate({**result, "position": outcome.position, **extra})
