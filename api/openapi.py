"""The OpenAPI document tells what the service really sends: every error an operation
can answer is declared as `application/problem+json` with the Problem schema (not
FastAPI's default 422 shape, which the service never sends)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.glossary import FIELDS
from api.problems import MEDIA_TYPE, TYPE_PREFIX, Problem, ProblemField

#: status -> (when, an example rule)
ERRORS: dict[int, tuple[str, str]] = {
    400: ("The body cannot be read (not JSON or UTF-8, too deep)", "malformed_json"),
    401: (
        "No token, or an unknown, expired or revoked one; signing in: a wrong "
        "login name or password, or a refresh token no longer valid",
        "unauthorized",
    ),
    403: ("The role may not do this, or the unit is outside its scope", "forbidden"),
    404: ("Nothing with this id (or not visible to this token)", "volunteer_exists"),
    409: ("Valid alone, but conflicts with recorded facts or the state", "conflict"),
    422: ("A field breaks a rule; nothing was written", "required"),
    429: (
        "Too many wrong PINs or passwords; retry after Retry-After seconds",
        "attempts_within_limit",
    ),
    503: (
        "The database does not answer, writers kept colliding, or read models are "
        "behind min_position; retry after Retry-After seconds",
        "storage_unavailable",
    ),
}


def _example(status: int, rule: str, path: str) -> dict[str, Any]:
    return {
        "type": TYPE_PREFIX + rule,
        "title": "Invalid input" if status == 422 else "Error",
        "status": status,
        "detail": "the reason, naming the field",
        "instance": path,
        "rule": rule,
    }


#: Writes that record nothing, so nothing recorded can conflict with them.
NEVER_CONFLICTING = frozenset(
    {
        "/v1/audit/replays",
        "/v1/kiosk/sign-out",
        "/v1/sessions",
        "/v1/sessions/refresh",
        "/v1/public/phone-codes",
    }
)
#: Answers without a token: signing in (wrong credentials, a locked or pending
#: login, guesses too fast), and self-service used too often from one address.
TOKENLESS_REFUSALS = {
    "/v1/sessions": [401, 403, 429],
    "/v1/sessions/refresh": [401],
    "/v1/public/volunteer-registrations": [429],
    "/v1/public/phone-codes": [429],
    "/v1/public/residents": [429],
}
#: Paths with parameters that answer for any value (an unrated subject rates 0).
NEVER_MISSING = frozenset({"/v1/ratings/{kind}/{subject_id}"})
#: Pages a person reaches from a printed QR code: any number and code are read, and
#: a wrong one is a page in Chinese (its 404 is declared by the route as HTML).
PAGES = frozenset({"/v1/certificates/{number}.html"})


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses the operation can answer: each is declared, none more."""
    statuses = [503] if path in PAGES else [422, 503]
    if "requestBody" in operation:
        statuses.append(400)
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path and path not in NEVER_MISSING:
        statuses.append(404)
    if method in ("post", "put") and path not in NEVER_CONFLICTING:
        statuses.append(409)
    if path == "/v1/kiosk/identify":
        statuses.append(429)
    statuses += TOKENLESS_REFUSALS.get(path, [])
    return sorted(statuses)


def describe_fields(document: dict[str, Any]) -> None:
    """Every property and parameter the models leave undescribed gets its name's
    meaning from the glossary."""
    for schema in document.get("components", {}).get("schemas", {}).values():
        for name, prop in schema.get("properties", {}).items():
            if "description" not in prop and name in FIELDS:
                prop["description"] = FIELDS[name]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if "description" not in parameter and name in FIELDS:
                    parameter["description"] = FIELDS[name]


def declare_problems(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ProblemField, Problem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        schemas[model.__name__] = schema
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if path in PAGES:
                responses.pop("422", None)  # FastAPI's; a page reads any value
            for status in _statuses(path, method, operation):
                if "text/html" in responses.get(str(status), {}).get("content", {}):
                    continue  # a page's own answer, for people
                when, rule = ERRORS[status]
                responses[str(status)] = {
                    "description": when,
                    "content": {
                        MEDIA_TYPE: {
                            "schema": {"$ref": "#/components/schemas/Problem"},
                            "example": _example(status, rule, path),
                        }
                    },
                }
    return document


REQUEST_ID = {
    "description": "The request's id: the client's own X-Request-ID (1 to 64 of "
    "A-Z a-z 0-9 . _ : -) or a new one; the server's log lines for the request "
    "carry it.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
    "example": "4c2f9e0b8a7d4d1c9f3e2b1a0c9d8e7f",
}


def declare_request_id(document: dict[str, Any]) -> None:
    """Every response carries X-Request-ID (api/observability.py)."""
    headers = document.setdefault("components", {}).setdefault("headers", {})
    headers["X-Request-ID"] = REQUEST_ID
    reference = {"$ref": "#/components/headers/X-Request-ID"}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})["X-Request-ID"] = reference


def install(app: FastAPI) -> None:
    """FastAPI builds the document once; the problems are declared on it then."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = declare_problems(build())
            describe_fields(document)
            declare_request_id(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
