"""RFC 9457 problem details for every error the API returns. No stack traces."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing import persistence as es_persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from application.executor import ConcurrentWrites
from domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:vledger:problem:"

#: pydantic error types renamed to the rule names the API documents.
RULE_NAMES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "json_invalid": "malformed_json",
    "timezone_aware": "timezone_required",
    "string_unicode": "utf8",
    "int_type": "integer",
}


class ProblemField(BaseModel):
    field: str = Field(
        description="The input at fault: a body field, a query "
        "parameter, a header, or `body` for the body as a whole."
    )
    rule: str = Field(description="The rule it breaks (stable, machine-readable).")
    message: str = Field(description="What is wrong, for people.")


class Problem(BaseModel):
    """RFC 9457 problem details. Some problems add members: the current `state` of
    an order or activity (409 `state_allows_command`), `attempts_left` (422
    `pin_matches`), `retry_after_seconds` (429)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"`{TYPE_PREFIX}` and the rule")
    title: str
    status: int
    detail: str = Field(description="What is wrong, naming the field when one is")
    instance: str = Field(description="The request's path")
    rule: str = Field(description="The rule broken (or the first of several)")
    errors: list[ProblemField] | None = Field(
        default=None, description="One entry per field at fault"
    )


class ApiProblem(Exception):
    """A problem raised by the HTTP layer itself (auth, paging, read waits)."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def problem(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "rule": slug,
        **extra,
    }
    return JSONResponse(
        body, status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def _domain_status(error: DomainError) -> tuple[int, str]:
    if isinstance(error, TooManyAttempts):
        return 429, "Too many attempts"
    if isinstance(error, Unauthenticated):
        return 401, "Unauthorized"
    if isinstance(error, InvalidInput | IdempotencyKeyReused):
        return 422, "Invalid input"
    if isinstance(error, NotFound):
        return 404, "Not found"
    if isinstance(error, Conflict):
        return 409, "Conflict with recorded facts"
    if isinstance(error, Forbidden):
        return 403, "Forbidden"
    return 422, "Domain rule broken"


def _json_value(value: object) -> object:
    """Numbers stay numbers (points are exact decimals in the domain), the rest
    text."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


async def domain_error(request: Request, error: DomainError) -> JSONResponse:
    status, title = _domain_status(error)
    extra: dict[str, Any] = {k: _json_value(v) for k, v in error.extra.items()}
    if error.field is not None:
        extra["errors"] = [
            {"field": error.field, "rule": error.rule, "message": error.detail}
        ]
    detail = f"{error.field}: {error.detail}" if error.field else error.detail
    headers = {}
    if error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(request, status, error.rule, title, detail, headers, **extra)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


#: (field, pydantic error type) -> the domain's rule for the same fault, so that a
#: missing or blank reason is `reason_required` whether the body model or the
#: domain (a reason only some steps need) finds it.
FIELD_RULES = {
    ("reason", "missing"): "reason_required",
    ("reason", "string_too_short"): "reason_required",
}


def _error_entry(error: dict[str, Any]) -> dict[str, str]:
    field = _field(tuple(error.get("loc", ())))
    rule = FIELD_RULES.get((field, error["type"])) or RULE_NAMES.get(
        error["type"], error["type"]
    )
    if rule == "malformed_json":
        # FastAPI puts the byte offset where a field belongs: name the body instead.
        offset = error["loc"][-1] if error.get("loc") else "?"
        reason = error.get("ctx", {}).get("error", "not valid JSON")
        return {"field": "body", "rule": rule, "message": f"{reason} at byte {offset}"}
    return {"field": field, "rule": rule, "message": error.get("msg", "")}


def unreadable_body(request: Request, rule: str, message: str) -> JSONResponse:
    return problem(
        request,
        400,
        rule,
        "Malformed request body",
        f"body: {message}",
        errors=[{"field": "body", "rule": rule, "message": message}],
    )


def _unreadable(cause: BaseException) -> tuple[str, str]:
    """Why FastAPI could not read a JSON body (it raises a bare 400 from the cause):
    the rule and message to report."""
    if isinstance(cause, UnicodeDecodeError):
        return "utf8", "the body is not valid UTF-8"
    if isinstance(cause, RecursionError):
        return "json_depth", "the JSON is nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "number_size", "a number has more digits than can be read"
    return "malformed_json", "the body cannot be read as JSON"


async def validation_error(
    request: Request, error: RequestValidationError
) -> JSONResponse:
    errors = [_error_entry(e) for e in error.errors()]
    if any(e["rule"] == "malformed_json" for e in errors):
        return problem(
            request,
            400,
            "malformed_json",
            "Malformed request body",
            f"body: {errors[0]['message']}",
            errors=errors,
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(request, 422, "validation", "Invalid input", detail, errors=errors)


async def api_problem(request: Request, error: ApiProblem) -> JSONResponse:
    return problem(
        request, error.status, error.slug, error.title, error.detail, error.headers
    )


async def http_error(request: Request, error: HTTPException) -> JSONResponse:
    if error.status_code == 400 and error.__cause__ is not None:
        return unreadable_body(request, *_unreadable(error.__cause__))
    title = {404: "Not found", 405: "Method not allowed"}.get(
        error.status_code, "Error"
    )
    return problem(
        request,
        error.status_code,
        f"http_{error.status_code}",
        title,
        str(error.detail),
        dict(error.headers or {}),
    )


async def busy(request: Request, error: Exception) -> JSONResponse:
    return problem(
        request,
        503,
        "concurrent_writes",
        "Busy",
        str(error),
        {"Retry-After": "1"},
    )


async def storage_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.error(
        "storage unavailable on %s %s: %s", request.method, request.url.path, error
    )
    return problem(
        request,
        503,
        "storage_unavailable",
        "Storage unavailable",
        "the database does not answer; try again shortly",
        {"Retry-After": "2"},
    )


async def unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        request, 500, "internal", "Internal error", "the error was logged; try again"
    )


def install(app: FastAPI) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (DomainError, domain_error),
        (RequestValidationError, validation_error),
        (ApiProblem, api_problem),
        (HTTPException, http_error),
        (ConcurrentWrites, busy),
        (psycopg.OperationalError, storage_unavailable),
        (psycopg.InterfaceError, storage_unavailable),
        (es_persistence.OperationalError, storage_unavailable),
        (es_persistence.InterfaceError, storage_unavailable),
        (psycopg_pool.PoolTimeout, storage_unavailable),
        (Exception, unexpected),
    ]
    for error_class, handler in handlers:
        app.exception_handler(error_class)(handler)
