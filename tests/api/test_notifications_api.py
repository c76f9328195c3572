"""Each person's inbox over HTTP: notices built from the events that concern them,
reminders from the clock, and read marks of one's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.access import Role
from tests.api.conftest import Api, volunteer_body, volunteer_with_hours
from tests.api.test_activities_api import publish
from tests.api.test_orders_api import a_loop
from tests.api.test_self_service_api import register
from tests.conftest import NOW


def inbox(api: Api, token: str, position: int | None = None, **params: Any) -> Any:
    if position is not None:
        params["min_position"] = position
    response = api.call("GET", "/v1/me/notifications", token, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def kinds(box: dict[str, Any]) -> list[tuple[str, str]]:
    return [(n["kind"], n["body"]) for n in box["items"]]


def test_an_order_tells_the_station_the_volunteer_and_the_resident_in_turn(
    api: Api,
) -> None:
    loop = a_loop(api)
    other = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=2)
    ).json()
    other_token = api.token(Role.VOLUNTEER, volunteer_id=other["id"])
    coordinator = api.tokens["coordinator"]
    order = loop.place()
    staff = inbox(api, coordinator, order["position"])
    assert kinds(staff) == [("order_placed", "帮独居老人打扫卫生")]
    assert inbox(api, api.tokens["outsider"])["items"] == []

    loop.step(coordinator, order, "review", {"accept": True})
    dispatched = loop.step(
        coordinator, order, "dispatch", {"volunteer_ids": [loop.volunteer["id"]]}
    )
    mine = inbox(api, loop.volunteer_token, dispatched["position"])
    assert kinds(mine) == [("order_dispatched", "帮独居老人打扫卫生")]
    assert mine["unread"] == 1
    assert inbox(api, other_token)["items"] == []

    loop.step(loop.volunteer_token, order, "accept")
    loop.step(coordinator, order, "start")
    completed = loop.complete(order)
    resident = inbox(api, loop.resident, completed["position"])
    assert [n["kind"] for n in resident["items"]] == [
        "order_completed",
        "order_accepted",
    ]
    # The unread count is of the whole inbox, whatever page is read.
    assert inbox(api, loop.resident, limit=1)["unread"] == 2
    assert inbox(api, loop.resident, offset=5) == {"unread": 2, "items": []}

    ids = [n["id"] for n in mine["items"]]
    marked = api.call(
        "POST", "/v1/me/notifications/read", loop.volunteer_token, json={"ids": ids}
    ).json()
    assert marked == {"marked": 1, "unread": 0}
    again = api.call(
        "POST", "/v1/me/notifications/read", loop.volunteer_token, json={"ids": ids}
    ).json()
    assert again == {"marked": 0, "unread": 0}
    theirs = api.call(
        "POST", "/v1/me/notifications/read", other_token, json={"ids": ids}
    ).json()
    assert theirs["marked"] == 0  # another's notice is not the reader's to mark
    assert inbox(api, loop.volunteer_token, unread_only=True)["items"] == []
    assert inbox(api, loop.volunteer_token)["items"][0]["read"] is True


def test_a_team_order_reaches_the_teams_members_only(api: Api) -> None:
    loop = a_loop(api)
    team = loop.team("双泉敬老队", "elderly_care")
    added = api.call(
        "POST",
        f"/v1/teams/{team['id']}/members",
        api.tokens["coordinator"],
        json={"volunteer_id": loop.volunteer["id"]},
    )
    assert added.status_code == 201, added.text
    order = loop.dispatched_to_team(team)
    outsider = api.as_admin(
        "POST", "/v1/volunteers", json=volunteer_body(api.district.station, serial=3)
    ).json()
    outsider_token = api.token(Role.VOLUNTEER, volunteer_id=outsider["id"])
    position = api.container.store.max_position()
    member = inbox(api, loop.volunteer_token, position)
    assert [(n["kind"], n["recipient_kind"]) for n in member["items"]] == [
        ("order_dispatched", "team")
    ]
    assert member["items"][0]["subject_id"] == order["id"]
    assert inbox(api, outsider_token)["items"] == []


def test_reminders_come_from_the_clock_once_each(api: Api) -> None:
    loop = a_loop(api)
    team = loop.team("双泉环保队", "sanitation_environment")
    activity = publish(
        api,
        team,
        starts_at=(NOW + timedelta(hours=20)).isoformat(),
        ends_at=(NOW + timedelta(hours=22)).isoformat(),
    ).json()
    signed = api.call(
        "POST",
        f"/v1/activities/{activity['id']}/signups",
        loop.volunteer_token,
        json={},
    )
    assert signed.status_code == 201, signed.text
    order = loop.place()
    inbox(api, loop.volunteer_token, order["position"])  # read models caught up

    reminders = api.container.sweeper.reminders
    assert reminders.remind(NOW) == 1  # the activity tomorrow
    assert reminders.remind(NOW) == 0  # once
    # Orders are placed at the wall clock's time: 37 h later is near the deadline.
    late = datetime.now(UTC) + timedelta(hours=37)
    assert reminders.remind(late) == 1

    box = {n["kind"]: n for n in inbox(api, loop.volunteer_token)["items"]}
    assert box.keys() == {"activity_tomorrow", "signup_confirmed"}
    assert box["activity_tomorrow"]["body"].startswith("周末河道清理，")
    staff = inbox(api, api.tokens["coordinator"])
    assert {n["kind"] for n in staff["items"]} == {"order_unaccepted", "order_placed"}


def test_a_registration_tells_the_station_and_then_the_new_volunteer(
    api: Api,
) -> None:
    registration = register(api).json()
    staff = inbox(api, api.tokens["coordinator"], registration["position"])
    assert [n["kind"] for n in staff["items"]] == ["registration_submitted"]
    approved = api.call(
        "POST",
        f"/v1/volunteer-registrations/{registration['id']}/approval",
        api.tokens["coordinator"],
        json={"identity_checked": True},
    ).json()
    volunteer = api.token(Role.VOLUNTEER, volunteer_id=registration["volunteer_id"])
    mine = inbox(api, volunteer, approved["position"])
    assert [n["kind"] for n in mine["items"]] == ["registration_approved"]


def test_a_decided_correction_and_an_issued_certificate_reach_the_volunteer(
    api: Api,
) -> None:
    served = volunteer_with_hours(api, (200,))
    own = api.token(Role.VOLUNTEER, volunteer_id=served["id"])
    record = served["records"][0]
    path = f"/v1/volunteers/{served['id']}/hours/{record}/corrections"
    asked = api.call("POST", path, own, json={"revoke": True, "reason": "登记重复"})
    assert asked.status_code == 202, asked.text
    reject = (
        f"/v1/volunteers/{served['id']}/correction-requests/"
        f"{asked.json()['request_id']}/reject"
    )
    rejected = api.call(
        "POST", reject, api.tokens["coordinator"], json={"reason": "确有两次服务"}
    )
    assert rejected.status_code == 200, rejected.text
    issued = api.call(
        "POST",
        f"/v1/volunteers/{served['id']}/certificates",
        api.tokens["coordinator"],
        json={
            "from": "2026-05-01",
            "to": "2026-06-01",
            "person_in_charge": "李站长",
            "contact": "0634-1234567",
            "handler": "赵干事",
        },
    )
    assert issued.status_code == 201, issued.text
    box = inbox(api, own, issued.json()["position"])
    assert kinds(box) == [
        ("certificate_issued", f"证明编号 {issued.json()['number']}"),
        ("correction_decided", "您的更正申请未通过：确有两次服务"),
    ]


def test_a_hold_about_to_expire_reminds_its_volunteer(
    api: Api, shop: dict[str, Any]
) -> None:
    from tests.api.kiosk import buy

    held = buy(api, shop, hold=True)
    assert held.status_code == 201, held.text
    own = api.token(Role.VOLUNTEER, volunteer_id=shop["volunteer"])
    inbox(api, own, held.json()["position"])
    reminders = api.container.sweeper.reminders
    assert reminders.remind(NOW) == 0  # 15 minutes left
    assert reminders.remind(NOW + timedelta(minutes=11)) == 1
    (notice,) = inbox(api, own)["items"]
    assert notice["kind"] == "hold_expiring"
    assert notice["body"].startswith("请在 12:15 前")  # China time
