"""A volunteer's entries come back from the compact book (and from its snapshot) as
they were put, whatever their instants' offsets, even at the edges of what
`datetime` holds."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.entry_book import Entry, EntryBook, TimeSpan

EDGES = [
    # year 1 at +14:00 and year 9999 at -12:00: no UTC time in `datetime` for them
    ("0001-01-01T00:00:00+14:00", "0001-01-01T02:00:00+14:00"),
    ("9999-12-31T20:00:00-12:00", "9999-12-31T23:59:59.999999-12:00"),
    ("2026-05-31T08:00:00+08:00", "2026-05-31T09:30:00+08:00"),
    ("2026-05-31T03:00:00+00:00", "2026-05-31T03:45:00+00:00"),
    ("2026-05-30T21:15:00-05:30", "2026-05-30T22:00:00-05:30"),
]


def entry(started: str, ended: str, revoked: bool = False) -> Entry:
    span = TimeSpan(datetime.fromisoformat(started), datetime.fromisoformat(ended))
    return Entry(uuid4(), uuid4(), span, Decimal("1.5"), 2, revoked, "清扫")


@pytest.mark.parametrize(("started", "ended"), EDGES)
def test_an_entry_comes_back_with_its_instants_and_offsets(
    started: str, ended: str
) -> None:
    book = EntryBook()
    put = entry(started, ended)
    book.put(put)
    restored = EntryBook.unpacked(copy.deepcopy(book).packed())
    for got in (book[put.record_id], restored[put.record_id]):
        assert got == put
        assert got.span.started_at.isoformat() == started
        assert got.span.started_at.utcoffset() == put.span.started_at.utcoffset()


def test_the_book_and_its_snapshot_hold_the_same_entries_and_index() -> None:
    book = EntryBook()
    for n, (started, ended) in enumerate(EDGES):
        book.put(entry(started, ended, revoked=n == 2))
    restored = EntryBook.unpacked(book.packed())
    assert restored == book
    assert restored.entries() == book.entries()
    assert restored.live_hours == book.live_hours == Decimal("6.0")
    assert restored.live_spans() == book.live_spans()
    far = TimeSpan(
        datetime(2026, 5, 31, 8, 30, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 5, 31, 9, tzinfo=timezone(timedelta(hours=8))),
    )
    assert restored.overlapping(far) is None  # that entry is revoked
