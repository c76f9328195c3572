"""Activity plans, the fixed activity day, plan against held, and the public
monthly schedule as JSON and iCalendar."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar

from tests.api.conftest import Api, assert_problem
from tests.conftest import NOW, Clock, event_count

MONTH = "2026-06"  # NOW is 2026-06-01 12:00 in China
CHINA = timezone(timedelta(hours=8))


def item(team: dict[str, Any], day: str, title: str, **changes: Any) -> dict:
    return {
        "title": title,
        "day": day,
        "start": "09:00",
        "end": "11:00",
        "team_id": team["id"],
        "category": "public",
        "place": "双泉社区文明实践站",
        **changes,
    }


def save(api: Api, items: list[dict], period: str = MONTH) -> Any:
    return api.call(
        "PUT",
        f"/v1/units/{api.district.station}/plans/{period}",
        api.tokens["coordinator"],
        json={"items": items},
    )


def held_activity(
    api: Api, team: dict[str, Any], clock: Clock, start_in: timedelta, title: str
) -> str:
    """An activity of the team starting `start_in` from now, attended and closed."""
    starts = clock.now + start_in
    published = api.call(
        "POST",
        "/v1/activities",
        api.tokens["coordinator"],
        json={
            "team_id": team["id"],
            "title": title,
            "category": "public",
            "location": "双泉社区",
            "leader": "李队长",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "capacity": 5,
        },
    )
    assert published.status_code == 201, published.text
    activity = published.json()["id"]
    clock.now = starts + timedelta(hours=2)
    closed = api.call(
        "POST", f"/v1/activities/{activity}/close", api.tokens["coordinator"]
    )
    assert closed.status_code == 200, closed.text
    return str(activity)


def test_a_monthly_plan_is_reported_against_the_activities_held(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    first = save(
        api,
        [
            item(team, "2026-06-01", "理论宣讲"),
            item(team, "2026-06-20", "河道清理", start=None, end=None),
        ],
    )
    assert first.status_code == 200, first.text
    assert (first.json()["kind"], first.json()["version"]) == ("monthly", 1)
    held = held_activity(api, team, clock, -timedelta(minutes=10), "理论宣讲进社区")
    extra = held_activity(api, team, clock, timedelta(days=1), "临时加开的义诊")

    api.container.projector.catch_up()  # type: ignore[union-attr]
    path = f"/v1/units/{api.district.station}/plans/{MONTH}/report"
    report = api.call("GET", path, api.tokens["coordinator"]).json()
    assert (report["planned"], report["held_as_planned"], report["not_held"]) == (
        2,
        1,
        1,
    )
    assert report["share_held"] == 0.5
    assert [i["activity_id"] for i in report["items"]] == [held, None]
    assert [a["activity_id"] for a in report["unplanned_activities"]] == [extra]
    outsider = api.call("GET", path, api.tokens["outsider"])
    assert_problem(outsider, 403, "unit_scope")


def test_the_public_schedule_shows_activities_and_plans_without_names(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    fixed = api.call(
        "PUT",
        f"/v1/units/{api.district.station}/fixed-activity-day",
        api.tokens["coordinator"],
        json={"kind": "weekly", "day": 6},
    )
    assert fixed.json()["label"] == "每周六", fixed.text
    save(
        api,
        [
            item(team, "2026-06-01", "理论宣讲"),
            item(team, "2026-06-20", "河道清理", start=None, end=None),
        ],
    )
    held_activity(api, team, clock, -timedelta(minutes=10), "理论宣讲进社区")
    api.container.projector.catch_up()  # type: ignore[union-attr]

    schedule = api.call(
        "GET",
        f"/v1/public/units/{api.district.station}/schedule",
        params={"month": MONTH},
    )
    assert schedule.status_code == 200, schedule.text
    body = schedule.json()
    assert body["fixed_day"] == "每周六"
    assert [(e["source"], e["title"], e["state"]) for e in body["entries"]] == [
        ("activity", "理论宣讲进社区", "closed"),
        ("plan", "河道清理", "planned"),
    ]
    assert body["entries"][0]["category_label"] == "为社会公共需要"
    assert "李队长" not in schedule.text

    feed = api.call(
        "GET",
        f"/v1/public/units/{api.district.station}/schedule.ics",
        params={"month": MONTH},
    )
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["理论宣讲进社区", "河道清理"]
    started = events[0].decoded("dtstart")
    assert started == NOW - timedelta(minutes=10)
    assert str(events[1].decoded("dtstart")) == "2026-06-20"  # all day
    units = api.call("GET", "/v1/public/units").json()
    assert {u["id"]: u["fixed_day"] for u in units}[str(api.district.station)] == (
        "每周六"
    )


def test_a_saved_plan_replaces_the_last_version(api: Api, team: dict[str, Any]) -> None:
    save(api, [item(team, "2026-06-01", "a"), item(team, "2026-06-02", "b")])
    again = save(api, [item(team, "2026-06-03", "c")])
    assert (again.json()["version"], again.json()["items"]) == (2, 1), again.text
    read = {"min_position": again.json()["position"]}
    plan = api.call(
        "GET",
        f"/v1/units/{api.district.station}/plans/{MONTH}",
        api.tokens["auditor"],
        params=read,
    ).json()
    assert [i["title"] for i in plan["items"]] == ["c"]


def test_bad_plans_name_the_field_and_write_nothing(
    api: Api, team: dict[str, Any], database_url: str
) -> None:
    before = event_count(database_url)
    cases = [
        ({"day": "2026-07-01"}, "2026-06", "items[0].day", "day_in_period"),
        ({"start": "25:00"}, "2026-06", "items[0].start", "clock_time"),
        ({"end": "08:00"}, "2026-06", "items[0].end", "end_after_start"),
        ({"category": "no"}, "2026-06", "items[0].category", "category_known"),
        (None, "2026-13", "period", "period_format"),
        (None, "1999", "period", "period_format"),
    ]
    for change, period, field, rule in cases:
        items = [] if change is None else [{**item(team, "2026-06-01", "x"), **change}]
        assert_problem(save(api, items, period=period), 422, rule, field)
    assert event_count(database_url) == before
    month = api.call(
        "GET",
        f"/v1/public/units/{api.district.station}/schedule",
        params={"month": "2026"},
    )
    assert_problem(month, 422, "period_format", "month")
    missing = api.call(
        "GET", f"/v1/units/{api.district.station}/plans/2030", api.tokens["admin"]
    )
    assert_problem(missing, 404, "plan_exists")


def test_a_title_held_twice_a_day_is_two_sessions_in_schedule_and_report(
    api: Api, team: dict[str, Any], clock: Clock
) -> None:
    saved = save(
        api,
        [
            item(team, "2026-06-20", "义诊"),
            item(team, "2026-06-20", "义诊", start="14:00", end="16:00"),
        ],
    )
    assert saved.status_code == 200, saved.text
    api.container.projector.catch_up()  # type: ignore[union-attr]
    where = f"/v1/public/units/{api.district.station}/schedule"
    entries = api.call("GET", where, params={"month": MONTH}).json()["entries"]
    assert [(e["title"], e["start_time"], e["end_time"]) for e in entries] == [
        ("义诊", "09:00", "11:00"),
        ("义诊", "14:00", "16:00"),
    ]
    feed = api.call("GET", f"{where}.ics", params={"month": MONTH})
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [e.decoded("dtstart").astimezone(CHINA).hour for e in events] == [9, 14]

    # The morning session held: the afternoon one is still planned, and reported
    # as not held.
    morning = datetime(2026, 6, 20, 9, 0, tzinfo=CHINA)
    held = held_activity(api, team, clock, morning - clock.now, "义诊（上午）")
    api.container.projector.catch_up()  # type: ignore[union-attr]
    entries = api.call("GET", where, params={"month": MONTH}).json()["entries"]
    assert [(e["source"], e["start_time"]) for e in entries] == [
        ("activity", "09:00"),
        ("plan", "14:00"),
    ]
    report = api.call(
        "GET",
        f"/v1/units/{api.district.station}/plans/{MONTH}/report",
        api.tokens["coordinator"],
    ).json()
    assert [i["activity_id"] for i in report["items"]] == [held, None]
    assert report["unplanned_activities"] == []
