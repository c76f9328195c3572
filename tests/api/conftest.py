from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.services import Container
from domain.access import Actor, Role
from tests.conftest import NOW
from tests.factories import id_number
from tests.integration.helpers import BIRTH, District, make_district


@dataclass
class Api:
    client: TestClient
    container: Container
    district: District
    tokens: dict[str, str]

    def token(self, role: Role, **scope: Any) -> str:
        return self.container.tokens.issue(role, f"test-{role.value}", **scope).token

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def as_admin(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, path, self.tokens["admin"], **kwargs)


@pytest.fixture
def api(container: Container, admin: Actor) -> Iterator[Api]:
    district = make_district(container, admin)
    assert container.projector is not None
    container.projector.catch_up()
    tokens = {
        "admin": container.tokens.issue(Role.ADMIN, "admin").token,
        "auditor": container.tokens.issue(Role.AUDITOR, "auditor").token,
        "coordinator": container.tokens.issue(
            Role.COORDINATOR, "艾山所", unit_id=district.institute
        ).token,
        "outsider": container.tokens.issue(
            Role.COORDINATOR, "里辛所", unit_id=district.other_institute
        ).token,
    }
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, container, district, tokens)


def volunteer_body(unit_id: UUID, serial: int = 1, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "王小明",
        "gender": "male",
        "birth_date": BIRTH.isoformat(),
        "id_number": id_number(BIRTH, serial=serial),
        "phone": "13812345678",
        "unit_id": str(unit_id),
        "skills": ["急救"],
        "party_member": True,
    }
    body.update(changes)
    return body


def hours_body(
    unit_id: UUID, hours_ago: float = 6, minutes: int = 120, **changes: Any
) -> dict[str, Any]:
    start = NOW - timedelta(hours=hours_ago)
    body = {
        "activity_name": "社区清扫",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
        "location": "双泉社区",
        "service_recipient": "辖区居民",
        "content": "清理楼道",
        "leader": "李站长",
        "unit_id": str(unit_id),
    }
    body.update(changes)
    return body


def volunteer_with_hours(api: Api, hours_ago: tuple[int, ...]) -> dict[str, Any]:
    """A volunteer registered through the API with a 3-hour entry starting at each
    of `hours_ago`; `records` lists the entries' record ids."""
    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    records = []
    for ago in hours_ago:
        recorded = api.as_admin(
            "POST",
            f"/v1/volunteers/{volunteer['id']}/hours",
            json=hours_body(api.district.station, hours_ago=ago, minutes=180),
        )
        assert recorded.status_code == 201, recorded.text
        records.append(recorded.json()["record_id"])
    return {**volunteer, "records": records}


def assert_problem(
    response: Any, status: int, rule: str, field: str | None = None
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= problem.keys()
    rules = {problem.get("rule")} | {e["rule"] for e in problem.get("errors", [])}
    assert rule in rules, problem
    if field is not None:
        assert field in {e["field"] for e in problem["errors"]}, problem
    assert "Traceback" not in response.text


@pytest.fixture
def team(api: Api) -> dict[str, Any]:
    """An environment team at the station, registered by its coordinator."""
    response = api.call(
        "POST",
        "/v1/teams",
        api.tokens["coordinator"],
        json={
            "name": "双泉环保队",
            "unit_id": str(api.district.station),
            "service_type": "sanitation_environment",
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def shop(api: Api) -> dict[str, Any]:
    """A registered station kiosk at which a volunteer with 100 points has
    identified with a PIN, and an item at 30 points."""
    from tests.api.kiosk import PIN, identify, register_kiosk

    volunteer = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station)
    ).json()
    api.as_admin(
        "POST",
        f"/v1/volunteers/{volunteer['id']}/hours",
        json=hours_body(api.district.station, hours_ago=30, minutes=600),
    )
    item = api.call(
        "POST",
        "/v1/catalog/items",
        api.tokens["coordinator"],
        json={
            "station_id": str(api.district.station),
            "name": "洗衣液",
            "price_points": 30,
            "stock": 5,
        },
    )
    assert item.status_code == 201, item.text
    kiosk = register_kiosk(api)
    pin = api.call(
        "PUT",
        f"/v1/volunteers/{volunteer['id']}/kiosk-pin",
        api.tokens["coordinator"],
        json={"pin": PIN},
    )
    assert pin.status_code == 200, pin.text
    # Identification finds the volunteer by number in the read models: let the
    # projector apply the registration first, however busy the machine.
    assert api.container.projector is not None
    api.container.projector.catch_up()
    return {
        "volunteer": volunteer["id"],
        "number": volunteer["volunteer_number"],
        "item": item.json()["id"],
        "kiosk": kiosk["token"],
        "session": identify(api, kiosk["token"], volunteer["volunteer_number"]).json()[
            "session"
        ],
    }
