"""Property-based tests of the whole API against its own OpenAPI document
(schemathesis): for generated requests, valid and not, no operation answers a server
error, and every response matches what the document declares for its status and media
type. Bounded: a fixed number of examples per operation (VLEDGER_FUZZ_EXAMPLES).
Random bodies seldom pass every rule, so each write's own documented example is
also sent with recorded ids: references that exist, and a client-chosen id that is
taken, which must be a 4xx like any conflict."""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api

EXAMPLES = int(os.environ.get("VLEDGER_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def test_no_request_gets_a_server_error_or_an_undeclared_answer(api: Api) -> None:
    schema = schemathesis.openapi.from_dict(api.client.app.openapi())  # type: ignore[attr-defined]
    admin = {"Authorization": f"Bearer {api.tokens['admin']}"}
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def conforms(case: Any) -> None:
                kwargs = case.as_transport_kwargs(headers=admin)
                response = api.client.request(**_for_httpx(kwargs))
                case.validate_response(response, checks=CHECKS)

            try:
                conforms()
            except Unsatisfiable:
                # No invalid request exists for an operation without parameters.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as failure:
                failures[f"{operation.label} ({mode.value})"] = str(failure)[:2000]
    assert failures == {}, "\n\n".join(f"{k}: {v}" for k, v in failures.items())


def test_examples_with_recorded_and_taken_ids_get_no_server_error(api: Api) -> None:
    """Each write's example with every id it names set to a recorded unit's, and
    then each id field it may carry set to it as well (a client-chosen id that is
    taken): each answer is a declared one, never a server error."""
    document = api.client.app.openapi()  # type: ignore[attr-defined]
    schemas = document["components"]["schemas"]
    taken = str(api.district.station)
    failures = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]
            schema = schemas[ref["$ref"].rsplit("/", 1)[-1]]
            example = {
                name: taken if name.endswith("_id") and isinstance(v, str) else v
                for name, v in schema["examples"][0].items()
            }
            ids = [n for n in schema.get("properties", {}) if n.endswith("_id")]
            url = re.sub(r"\{[^}]+\}", taken, path)
            for body in [example, *({**example, n: taken} for n in ids)]:
                response = api.as_admin(method.upper(), url, json=body)
                declared = operation["responses"]
                if response.status_code >= 500 or (
                    str(response.status_code) not in declared
                ):
                    failures.append(f"{method} {path} {body}: {response.text[:300]}")
    assert failures == [], "\n".join(failures)


def _for_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis speaks `requests`; the test client is httpx."""
    keep = ("method", "url", "headers", "params")
    out = {k: v for k, v in kwargs.items() if k in keep}
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    if "data" in kwargs:
        out["content"] = kwargs["data"]
    return out
