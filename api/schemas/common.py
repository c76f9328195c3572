"""What every request and response model shares: strict numbers, storable text,
examples, and the base classes (see docs/api.md)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    field_validator,
)
from pydantic_core import PydanticCustomError

from domain.text import storable_problem

#: Exact decimals in the domain; JSON numbers on the wire.
Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _plain_decimal(value: Any) -> Any:
    if isinstance(value, bool) or (
        isinstance(value, str) and not ASCII_DECIMAL.fullmatch(value)
    ):
        raise PydanticCustomError(
            "decimal_format",
            'must be a JSON number, or a string of ASCII digits such as "12.50"',
        )
    return value


#: Counts in requests are JSON integers: not "10", not 10.0, not true.
WholeNumber = Annotated[int, Strict()]
#: Points in requests are JSON numbers, or decimal strings of ASCII digits (no
#: spaces, no full-width digits) for clients that keep exact decimals as text.
Amount = Annotated[Decimal, BeforeValidator(_plain_decimal)]


def check_storable(text: str) -> str:
    if (problem := storable_problem(text)) is not None:
        raise PydanticCustomError(*problem)
    return text


def example(body: dict[str, Any]) -> ConfigDict:
    """The request body's example in the OpenAPI document (and on /docs)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                check_storable(text)
        return value


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Written(Response):
    position: int | None = Field(
        description="Notification id of the write's last event; pass it as "
        "min_position to read your own write."
    )


class ReasonIn(Request):
    model_config = example({"reason": "居民临时外出"})
    reason: str = Field(min_length=1, max_length=500, description="Why (required)")
