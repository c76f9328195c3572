"""The CSV import's write path over the in-memory event store: checked rows are
saved as the check decided them, and decided again when another writer got there
first."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from application.executor import Decision
from application.hours import RecordHours
from application.imports import HoursImports, RecordRows, Row, RowsRecorded
from domain.access import Actor
from domain.volunteer import TimeSpan
from tests.conftest import NOW
from tests.usecases.conftest import Ledger
from tests.usecases.test_executor import DETAILS, two_hours

NUMBER = "V00000001"


class Numbers:
    """The read model's lookup of volunteer numbers, for one volunteer."""

    def __init__(self, volunteer: UUID) -> None:
        self.volunteer = volunteer

    def volunteer_ids_by_number(self, numbers: set[str]) -> dict[str, UUID]:
        return {NUMBER: self.volunteer} if NUMBER in numbers else {}


def rows(unit: UUID, count: int) -> list[Row]:
    def row(n: int) -> Row:
        start = NOW - timedelta(days=2, hours=2 * n)
        span = TimeSpan(start, start + timedelta(hours=1))
        return Row(n + 2, NUMBER, uuid4(), unit, span, DETAILS)

    return [row(n) for n in range(count)]


def importer(ledger: Ledger, volunteer: UUID) -> HoursImports:
    return HoursImports(
        ledger.aggregates,
        ledger.hours.clock,
        ledger.commands,
        Numbers(volunteer),  # type: ignore[arg-type]
        ledger.store.stored,
    )


def test_checked_rows_are_saved_as_the_check_decided_them(ledger: Ledger) -> None:
    volunteer = ledger.volunteer(ledger.station)
    report = importer(ledger, volunteer).run(rows(ledger.station, 3), ledger.admin)
    assert (report.new, report.events, report.written) == (3, 6, True)
    assert len(ledger.aggregates.volunteer(volunteer).entries) == 3
    assert ledger.aggregates.account(volunteer).balance == 30


def test_a_chunk_another_writer_overtook_is_decided_again_on_fresh_loads(
    ledger: Ledger,
) -> None:
    volunteer = ledger.volunteer(ledger.station)
    imports = importer(ledger, volunteer)
    attempts: list[bool] = []
    record_rows = imports.record_rows

    def overtaken_once(cmd: RecordRows, actor: Actor) -> Decision[RowsRecorded]:
        if not attempts:  # an API client records hours between check and save
            rival: RecordHours = two_hours(volunteer, ledger.station, days_ago=20)
            ledger.commands.run(ledger.hours.record, rival, ledger.admin)
        attempts.append(bool(cmd.events))
        return record_rows(cmd, actor)

    imports.record_rows = overtaken_once  # type: ignore[method-assign]
    report = imports.run(rows(ledger.station, 3), ledger.admin)
    assert report.written
    assert attempts == [True, False]  # as checked, then afresh
    assert len(ledger.aggregates.volunteer(volunteer).entries) == 4
    assert ledger.aggregates.account(volunteer).balance == 50


def test_a_row_an_overtaking_writer_made_overlap_is_refused_and_named(
    ledger: Ledger,
) -> None:
    volunteer = ledger.volunteer(ledger.station)
    imports = importer(ledger, volunteer)
    checked = rows(ledger.station, 3)
    record_rows = imports.record_rows

    def overtaken(cmd: RecordRows, actor: Actor) -> Decision[RowsRecorded]:
        if cmd.events:  # the same span as the second row, recorded meanwhile
            span = checked[1].span
            rival = RecordHours(
                volunteer, ledger.station, span.started_at, span.ended_at, DETAILS
            )
            ledger.commands.run(ledger.hours.record, rival, ledger.admin)
        return record_rows(cmd, actor)

    imports.record_rows = overtaken  # type: ignore[method-assign]
    report = imports.run(checked, ledger.admin)
    assert not report.written
    assert report.rows_written == 0
    assert [(e.line, e.rule) for e in report.errors] == [
        (checked[1].line, "no_overlapping_entries")
    ]
    assert len(ledger.aggregates.volunteer(volunteer).entries) == 1  # the rival's
