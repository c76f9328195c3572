"""A volunteer's overlap check looks at the live spans' interval index (one or two
neighbours) instead of every entry: it must refuse exactly what a scan of every
live entry refuses, whatever was recorded, corrected and revoked before."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.entry_book import EPOCH, MICROSECOND
from domain.errors import OverlappingEntry
from domain.volunteer import TimeSpan, Volunteer
from tests.unit.test_volunteer import NOW, SKEW, TERMS, new_volunteer, record

#: (start in quarter hours before now, length in quarter hours)
spans = st.tuples(st.integers(25, 400), st.integers(1, 24))


def quarter_span(start: int, length: int) -> TimeSpan:
    begin = NOW - timedelta(minutes=15 * start)
    return TimeSpan(begin, begin + timedelta(minutes=15 * length))


def overlaps_by_scan(
    volunteer: Volunteer, span: TimeSpan, ignoring: UUID | None
) -> bool:
    return any(
        entry.span.overlaps(span)
        for entry in volunteer.live_entries()
        if entry.record_id != ignoring
    )


def _spans(volunteer: Volunteer) -> list[tuple[TimeSpan, UUID]]:
    """The book's interval index, as spans."""
    return [
        (TimeSpan(EPOCH + start * MICROSECOND, EPOCH + end * MICROSECOND), rid)
        for start, end, rid in volunteer.entries.live_spans()
    ]


def refused(volunteer: Volunteer, span: TimeSpan, ignoring: UUID | None) -> bool:
    try:
        volunteer.check_no_overlap(span, ignoring)
    except OverlappingEntry:
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("rcx"), spans, st.integers(0, 50)), max_size=40)
)
def test_the_index_refuses_exactly_what_a_scan_of_every_entry_refuses(
    steps: list[tuple[str, tuple[int, int], int]],
) -> None:
    volunteer = new_volunteer()
    for kind, (start, length), pick in steps:
        span = quarter_span(start, length)
        live = [e.record_id for e in volunteer.live_entries()]
        target = live[pick % len(live)] if live else None
        ignoring = target if kind == "c" else None
        assert refused(volunteer, span, ignoring) == overlaps_by_scan(
            volunteer, span, ignoring
        )
        if kind == "r" and not overlaps_by_scan(volunteer, span, None):
            record(volunteer, span, uuid4())
        elif kind == "c" and target and not overlaps_by_scan(volunteer, span, target):
            if volunteer.entries[target].span != span:
                volunteer.correct_hours(
                    target, span.started_at, span.ended_at, "改", TERMS, NOW, SKEW, "c"
                )
        elif kind == "x" and target:
            volunteer.revoke_hours(target, "撤销", "c")
    live = volunteer.live_entries()
    assert sorted((e.span.started_at, e.span.ended_at, e.record_id) for e in live) == [
        (span.started_at, span.ended_at, record_id)
        for span, record_id in _spans(volunteer)
    ]
    assert volunteer.verified_hours == sum((e.hours for e in live), start=0)


def test_a_correction_stretched_back_over_an_earlier_entry_is_refused() -> None:
    volunteer = new_volunteer()
    record(volunteer, quarter_span(40, 4))
    later = record(volunteer, quarter_span(30, 4))
    stretched = quarter_span(38, 12)  # from inside the first to the later's end
    assert refused(volunteer, stretched, later)
