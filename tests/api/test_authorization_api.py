"""Every route of the OpenAPI document, called with every role and with none, against
the one table of who may do what (api/authorization.py)."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from fastapi import APIRouter

from api.app import check_every_route_has_a_rule
from api.authorization import ACCESS, Rule
from domain.access import Role
from tests.api.conftest import Api, volunteer_body
from tests.api.kiosk import register_kiosk

PLACEHOLDERS = {"kind": "volunteers", "number": "VC00000001"}


def concrete(path: str) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), str(uuid4())), path
    )


def operations(api: Api) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, ops in api.client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in ops
    ]


@pytest.fixture
def tokens(api: Api) -> dict[Role, str]:
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    return {
        Role.ADMIN: api.tokens["admin"],
        Role.AUDITOR: api.tokens["auditor"],
        Role.COORDINATOR: api.tokens["coordinator"],
        Role.VOLUNTEER: api.token(Role.VOLUNTEER, volunteer_id=volunteer["id"]),
        Role.RESIDENT: api.token(Role.RESIDENT),
        Role.KIOSK: register_kiosk(api)["token"],
    }


def call(api: Api, method: str, path: str, token: str | None) -> Any:
    body = {"json": {}} if method in ("POST", "PUT") else {}
    return api.call(method, concrete(path), token, **body)


def refused_for_the_role(response: Any) -> bool:
    """403 `forbidden` is a refusal of the role (by the table or a use case);
    refusals of scope, session or state have rules of their own."""
    return response.status_code == 403 and response.json()["rule"] == "forbidden"


def test_the_table_names_every_route_of_the_openapi_document(api: Api) -> None:
    assert set(operations(api)) == set(ACCESS)


def test_every_route_answers_every_role_as_the_table_says(
    api: Api, tokens: dict[Role, str]
) -> None:
    wrong = []
    for method, path in operations(api):
        rule: Rule = ACCESS[(method, path)]
        for role, token in tokens.items():
            response = call(api, method, path, token)
            allowed = rule.public or role in rule.roles
            if response.status_code >= 500 or refused_for_the_role(response) == allowed:
                wrong.append((method, path, role.value, response.status_code))
    assert wrong == []


def test_every_route_but_the_public_ones_needs_a_token(api: Api) -> None:
    wrong = []
    for method, path in operations(api):
        status = call(api, method, path, None).status_code
        public = ACCESS[(method, path)].public
        if status >= 500 or (status == 401) == public:
            wrong.append((method, path, status))
    assert wrong == []


def test_a_route_without_a_rule_stops_the_app_from_starting() -> None:
    router = APIRouter()

    @router.get("/v1/secret")
    def secret() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="without an access rule"):
        check_every_route_has_a_rule([router])
