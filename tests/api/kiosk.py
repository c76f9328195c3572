"""Helpers shared by the kiosk API tests (the `shop` fixture is in conftest)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

PIN = "258025"


def register_kiosk(
    api: Api, name: str = "双泉站 1号机", station: str | None = None
) -> dict[str, Any]:
    registered = api.call(
        "POST",
        "/v1/kiosks",
        api.tokens["admin"] if station else api.tokens["coordinator"],
        json={"station_id": station or str(api.district.station), "name": name},
    )
    assert registered.status_code == 201, registered.text
    return dict(registered.json())


def kiosk_elsewhere(api: Api) -> str:
    """The token of a kiosk at a station of the other institute."""
    station = api.as_admin(
        "POST",
        "/v1/units",
        json={
            "name": "里辛站",
            "kind": "station",
            "parent_id": str(api.district.other_institute),
        },
    )
    assert station.status_code == 201, station.text
    return str(register_kiosk(api, "里辛站 1号机", station.json()["id"])["token"])


def identify(api: Api, kiosk: str, number: str, pin: str = PIN) -> Any:
    return api.call(
        "POST",
        "/v1/kiosk/identify",
        kiosk,
        json={"volunteer_number": number, "pin": pin},
    )


def buy(api: Api, shop: dict[str, Any], key: str | None = None, **changes: Any) -> Any:
    body = {
        "volunteer_id": shop["volunteer"],
        "items": [{"item_id": shop["item"], "quantity": 1}],
    }
    body.update(changes)
    headers = {"X-Kiosk-Session": shop["session"]} if shop["session"] else {}
    if key:
        headers["Idempotency-Key"] = key
    return api.call(
        "POST", "/v1/redemptions", shop["kiosk"], json=body, headers=headers
    )


def sign_out(api: Api, shop: dict[str, Any]) -> Any:
    """Ends the shop volunteer's session at the shop's kiosk."""
    return api.call(
        "POST",
        "/v1/kiosk/sign-out",
        shop["kiosk"],
        headers={"X-Kiosk-Session": shop["session"]},
    )
