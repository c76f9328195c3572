"""A station's public schedule as iCalendar (RFC 5545), written by the icalendar
library, so that a phone's calendar can subscribe to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Calendar, Event

from domain.reference import CHINA_TIME

PRODID = "-//volunteer-ledger//新时代文明实践志愿服务//ZH"


def schedule_calendar(
    unit_name: str, entries: list[dict[str, Any]], stamped: datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{unit_name} 志愿服务活动安排")
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for entry in entries:
        calendar.add_component(_event(entry, stamped))
    return bytes(calendar.to_ical())


def _event(entry: dict[str, Any], stamped: datetime) -> Event:
    event = Event()
    event.add("uid", f"{entry['source']}-{entry['id']}@volunteer-ledger")
    event.add("dtstamp", stamped)
    event.add("summary", entry["title"])
    event.add("location", entry["place"])
    state = {"planned": "（计划）", "not_held": "（计划，未开展）"}.get(
        entry["state"], ""
    )
    team = entry["team_name"] or ""
    event.add("description", f"{team} · {entry['category_label']}{state}")
    event.add("categories", [entry["category_label"]])
    start, end = _span(entry)
    event.add("dtstart", start)
    event.add("dtend", end)
    return event


def _span(entry: dict[str, Any]) -> tuple[date | datetime, date | datetime]:
    """An activity's own instants; a planned item's times (China time) or, with
    none, its whole day. Instants go out in UTC."""
    if entry.get("starts_at") is not None:
        return entry["starts_at"].astimezone(UTC), entry["ends_at"].astimezone(UTC)
    day: date = entry["day"]
    if entry["start_time"] is None:
        return day, day + timedelta(days=1)
    return _at(day, entry["start_time"]), _at(day, entry["end_time"])


def _at(day: date, clock: str) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), CHINA_TIME).astimezone(UTC)
