"""Creates that take a client-chosen id: an id already recorded (for the same kind
of thing or another) is a 409 `id_unique` naming the field, answered at once, with
nothing written; it is not a concurrent write to retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from tests.api.conftest import Api, assert_problem
from tests.api.test_awards_api import award_body
from tests.api.test_insurance_api import POLICY
from tests.api.test_self_service_api import registration_body
from tests.conftest import event_count

#: route, the id's field, a valid body (given the API and how many made before)
CREATES: list[tuple[str, str, Callable[[Api, int], dict[str, Any]]]] = [
    (
        "/v1/logins",
        "login_id",
        lambda api, n: {
            "login": f"clerk{n}",
            "role": "coordinator",
            "name": "王芳",
            "unit_id": str(api.district.institute),
        },
    ),
    (
        "/v1/awards",
        "award_id",
        lambda api, n: award_body("unit", str(api.district.station)),
    ),
    (
        "/v1/insurance-policies",
        "policy_id",
        lambda api, n: {
            "unit_id": str(api.district.station),
            **POLICY,
            "policy_number": f"P20263709820001{n:02d}",
        },
    ),
    (
        "/v1/webhooks",
        "webhook_id",
        lambda api, n: {
            "name": "值班群",
            "url": "https://hooks.example.org/vledger",
            "kinds": ["order_placed"],
        },
    ),
    (
        "/v1/public/volunteer-registrations",
        "registration_id",
        lambda api, n: registration_body(api, serial=20 + n),
    ),
]


@pytest.mark.parametrize(
    ("path", "field", "body"), CREATES, ids=[c[0] for c in CREATES]
)
def test_an_id_already_recorded_is_a_409_naming_its_field_and_writes_nothing(
    api: Api,
    database_url: str,
    path: str,
    field: str,
    body: Callable[[Api, int], dict[str, Any]],
) -> None:
    chosen = str(uuid4())
    made = api.as_admin("POST", path, json=body(api, 1) | {field: chosen})
    assert made.status_code == 201, made.text
    before = event_count(database_url)
    for taken in (chosen, str(api.district.station)):  # its own kind, another
        again = api.as_admin("POST", path, json=body(api, 2) | {field: taken})
        assert_problem(again, 409, "id_unique", field)
    assert event_count(database_url) == before
