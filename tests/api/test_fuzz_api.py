"""Property-based tests of the whole API against its own OpenAPI document
(schemathesis): for generated requests, valid and not, no operation answers a server
error, and every response matches what the document declares for its status and media
type. Bounded: a fixed number of examples per operation (VLEDGER_FUZZ_EXAMPLES)."""

from __future__ import annotations

import os
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


def _for_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis speaks `requests`; the test client is httpx."""
    keep = ("method", "url", "headers", "params")
    out = {k: v for k, v in kwargs.items() if k in keep}
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    if "data" in kwargs:
        out["content"] = kwargs["data"]
    return out
