"""The bulk import writes the events a client recording the same rows over the API
would: built as stored rows and written by COPY, they decode to the same events."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from application.imports import REQUIRED, read_rows
from domain.ids import account_id_for
from tests.api.conftest import Api, volunteer_body
from tests.conftest import NOW

#: Minutes and categories of the rows: the rounding rule's edges, classified rows,
#: and another UTC offset.
ROWS = [
    (25, None, None, "+08:00"),
    (45, "elderly", "companionship", "+08:00"),
    (60, None, None, "+00:00"),
    (95, "elderly", None, "+08:00"),
    (180, None, None, "-05:00"),
    (14, None, None, "+08:00"),
    (600, "elderly", "companionship", "+14:00"),
]
#: What two volunteers' copies of the same event differ in.
OWN = {"originator_id", "timestamp"}


def hours_rows(station: UUID) -> list[dict[str, Any]]:
    rows = []
    for n, (minutes, category, subcategory, offset) in enumerate(ROWS):
        start = (NOW - timedelta(days=3, hours=13 * n)).astimezone(_zone(offset))
        rows.append(
            {
                "record_id": str(uuid4()),
                "unit_id": str(station),
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
                "activity_name": f"社区清扫 {n}",
                "location": "双泉社区",
                "service_recipient": "辖区居民",
                "content": "清理楼道",
                "leader": "李站长",
                "category": category or "",
                "subcategory": subcategory or "",
            }
        )
    return rows


def _zone(offset: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(f"2026-01-01T00:00:00{offset}").tzinfo


def index(rows: list[dict[str, Any]]) -> dict[UUID, int]:
    return {UUID(row["record_id"]): n for n, row in enumerate(rows)}


def history(api: Api, aggregate_id: UUID, after: int) -> list[Any]:
    store = api.container.store
    stored = store.recorder.select_events(aggregate_id, gt=after)
    return [store.mapper.to_domain_event(s) for s in stored]


def comparable(event: Any, rows: dict[UUID, int]) -> tuple[str, dict[str, Any]]:
    """The event's type and attributes, its record id replaced by the row's index
    (record ids are unique across volunteers: each copy of a row has its own)."""
    attributes = {k: v for k, v in vars(event).items() if k not in OWN}
    for name in ("record_id", "source_id"):
        if name in attributes:
            attributes[name] = rows[attributes[name]]
    return type(event).__qualname__, attributes


def test_an_imported_history_decodes_to_the_events_the_api_records(api: Api) -> None:
    station = api.district.station
    by_api, by_import = (
        api.as_admin(
            "POST", "/v1/volunteers", json=volunteer_body(station, serial=serial)
        ).json()
        for serial in (1, 2)
    )
    pairs = [
        (UUID(by_api["id"]), UUID(by_import["id"])),
        (account_id_for(UUID(by_api["id"])), account_id_for(UUID(by_import["id"]))),
    ]
    registered = {i: len(history(api, i, 0)) for pair in pairs for i in pair}
    rows = hours_rows(station)
    for row in rows:
        body = {k: v for k, v in row.items() if v != ""}
        recorded = api.as_admin(
            "POST", f"/v1/volunteers/{by_api['id']}/hours", json=body
        )
        assert recorded.status_code == 201, recorded.text

    text = io.StringIO()
    writer = csv.DictWriter(text, [*REQUIRED, "record_id", "category", "subcategory"])
    writer.writeheader()
    imported_rows = [{**row, "record_id": str(uuid4())} for row in rows]
    for row in imported_rows:
        number = by_import["volunteer_number"]
        writer.writerow({**row, "volunteer_number": number})
    parsed, unreadable = read_rows(io.StringIO(text.getvalue()))
    assert unreadable == []
    admin = api.container.tokens.authenticate(api.tokens["admin"])
    assert admin is not None
    api.container.store.bulk_events = 1  # every chunk by COPY, however small
    report = api.container.imports.run(parsed, admin)
    assert report.written, report.errors
    assert report.new == len(ROWS)

    for recorded_id, imported_id in pairs:
        assert registered[recorded_id] == registered[imported_id]
        recorded = history(api, recorded_id, registered[recorded_id])
        imported = history(api, imported_id, registered[imported_id])
        assert recorded  # the rows' hours, and the points of those that earn any
        assert [comparable(e, index(imported_rows)) for e in imported] == [
            comparable(e, index(rows)) for e in recorded
        ]
    assert api.container.audit.chain().intact
