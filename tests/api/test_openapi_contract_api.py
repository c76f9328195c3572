"""The OpenAPI document tells the truth: a bearer scheme, every error declared as
problem+json with the schema the service sends, an example for every request body, a
description for every operation, field and parameter."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any, cast

import pytest
from pydantic import BaseModel

from api import schemas
from api.authorization import ACCESS
from api.openapi import PAGES
from tests.api.conftest import Api

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    return dict(api.client.get("/openapi.json").json())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]


def test_tokens_are_a_bearer_scheme_not_a_header_parameter(
    document: dict[str, Any],
) -> None:
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for method, path, op in operations(document):
        names = {p["name"].lower() for p in op.get("parameters", [])}
        assert "authorization" not in names, (method, path)
        secured = bool(op.get("security"))
        assert secured != ACCESS[(method, path)].public, (method, path)


def test_every_error_is_declared_as_a_problem(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, op in operations(document):
        errors = {s: r for s, r in op["responses"].items() if s >= "400"}
        if path in PAGES:  # a page a person reaches from a QR code: its own 404
            assert list(errors["404"]["content"]) == ["text/html"]
            errors.pop("404")
        else:
            assert {"422", "503"} <= errors.keys(), (method, path)
        if op.get("security"):
            assert {"401", "403"} <= errors.keys(), (method, path)
        for status, response in errors.items():
            content = response["content"]
            assert list(content) == ["application/problem+json"], (path, status)
            assert content["application/problem+json"]["schema"] == PROBLEM


def request_model(name: str) -> type[BaseModel]:
    """The request model of that name, in whichever area's module declares it."""
    for area in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"{schemas.__name__}.{area.name}")
        if isinstance(found := getattr(module, name, None), type):
            return cast("type[BaseModel]", found)
    raise LookupError(name)


def test_every_request_body_has_an_example_its_model_accepts(
    document: dict[str, Any],
) -> None:
    component_schemas = document["components"]["schemas"]
    for method, path, op in operations(document):
        if "requestBody" not in op:
            continue
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        examples = component_schemas[name].get("examples")
        assert examples, (method, path)
        request_model(name).model_validate(examples[0])


def test_every_operation_field_and_parameter_is_described(
    document: dict[str, Any],
) -> None:
    undescribed = [
        f"{method} {path}"
        for method, path, op in operations(document)
        if not op.get("description")
    ]
    undescribed += [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    undescribed += [
        f"{method} {path} {p['name']}"
        for method, path, op in operations(document)
        for p in op.get("parameters", [])
        if not p.get("description")
    ]
    assert undescribed == []


def test_every_response_declares_the_request_id_it_carries(
    api: Api, document: dict[str, Any]
) -> None:
    header = document["components"]["headers"]["X-Request-ID"]
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            assert "X-Request-ID" in response.get("headers", {}), (method, path, status)
    answered = api.client.get("/health").headers["x-request-id"]
    assert re.fullmatch(header["schema"]["pattern"], answered)


def test_every_operation_is_listed_once_under_one_tag(
    document: dict[str, Any],
) -> None:
    """/docs lists an operation under each of its tags: one tag, one listing."""
    several = [
        f"{method} {path}: {op.get('tags')}"
        for method, path, op in operations(document)
        if len(op.get("tags", [])) != 1
    ]
    assert several == []
