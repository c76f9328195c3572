"""Bulk import of service hours from CSV: `vledger import-hours FILE`.

Every row is checked first, against the volunteers as they stand plus the rows before
it, by the same domain rules as `POST /v1/volunteers/{id}/hours`; a file with any
refused row writes nothing and names each refused row, its field and rule. A clean
file is then recorded through the command executor in chunks of whole rows (each
row's hours and points together), so no save grows past the size psycopg's pipeline
stalls on, and a chunk that meets a concurrent write to one of its volunteers is
decided again. Rows are keyed by `record_id` (or, when the column is absent, an id
derived from the row), so running the same file again, say after a crash halfway,
records only what is missing."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid5

from application.aggregates import Aggregates, Clock
from application.executor import CommandExecutor, Decision
from application.hours import record_entry
from domain.access import Actor
from domain.account import CreditAccount
from domain.errors import DomainError, InvalidInput
from domain.ids import account_id_for
from domain.organisation import Team
from domain.text import check_storable
from domain.volunteer import ServiceDetails, TimeSpan, Volunteer
from infra.group_commit import MAX_EVENTS
from projections.queries import ReadModels

REQUIRED = (
    "volunteer_number",
    "unit_id",
    "started_at",
    "ended_at",
    "activity_name",
    "location",
    "service_recipient",
    "content",
    "leader",
)
#: Columns a file may add: the entry's five-fors category and its team.
OPTIONAL = ("category", "subcategory", "team_id")
#: A row records its hours on the volunteer and its points on the account.
EVENTS_PER_ROW = 2
#: Derives a row's record_id when the file has none: the same row, the same id.
ROW_NAMESPACE = UUID("5d0c6b1e-3f7a-4f43-9a55-9e1f9f2b7c10")
T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    line: int
    volunteer_number: str
    record_id: UUID
    unit_id: UUID
    span: TimeSpan
    details: ServiceDetails


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field or '-'}: {self.detail} [{self.rule}]"


class RowRefused(Exception):
    """A checked row refused when its chunk was decided again (another writer
    changed the volunteer meanwhile)."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class ImportReport:
    rows: int = 0
    #: Rows not yet recorded: written, unless `written` is false.
    new: int = 0
    already_recorded: int = 0
    events: int = 0
    #: Every new row was written.
    written: bool = False
    #: New rows written; fewer than `new` when a row was refused while writing.
    rows_written: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "new": self.new,
            "already_recorded": self.already_recorded,
            "events": self.events,
            "written": self.written,
            "rows_written": self.rows_written,
            "errors": [str(e) for e in self.errors],
        }


def read_rows(lines: Iterable[str]) -> tuple[list[Row], list[RowError]]:
    reader = csv.DictReader(lines)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
    if missing:
        detail = f"the header lacks {', '.join(missing)}"
        return [], [RowError(1, missing[0], "column_required", detail)]
    rows: list[Row] = []
    errors: list[RowError] = []
    try:
        for values in reader:
            line = reader.line_num
            try:
                rows.append(_row(line, values))
            except DomainError as error:
                errors.append(RowError(line, error.field, error.rule, error.detail))
    except csv.Error as error:  # say, a NUL byte: the reader cannot go on
        errors.append(RowError(reader.line_num, None, "csv_format", str(error)))
    return rows, errors


def _row(line: int, values: dict[str, str | None]) -> Row:
    text = {k: (v or "").strip() for k, v in values.items() if k is not None}
    for column in (*REQUIRED, *OPTIONAL, "record_id"):
        check_storable(column, text.get(column, ""))
    span = TimeSpan(_time(text, "started_at"), _time(text, "ended_at"))
    unit_id = _uuid(text, "unit_id")
    number = text["volunteer_number"]
    if not number:
        raise InvalidInput("volunteer_number", "volunteer_number_required", "is blank")
    details = ServiceDetails(
        text["activity_name"],
        text["location"],
        text["service_recipient"],
        text["content"],
        text["leader"],
        category=text.get("category") or None,
        subcategory=text.get("subcategory") or None,
        team_id=_uuid(text, "team_id") if text.get("team_id") else None,
    )
    record_id = (
        _uuid(text, "record_id")
        if text.get("record_id")
        else uuid5(ROW_NAMESPACE, "|".join(text[c] for c in REQUIRED))
    )
    return Row(line, number, record_id, unit_id, span, details)


def _time(text: dict[str, str], name: str) -> datetime:
    try:
        return datetime.fromisoformat(text[name])
    except ValueError:
        raise InvalidInput(
            name, "iso_datetime", "must be an ISO 8601 time with a UTC offset"
        ) from None


def _uuid(text: dict[str, str], name: str) -> UUID:
    try:
        return UUID(text[name])
    except ValueError:
        raise InvalidInput(name, "uuid", "must be a UUID") from None


@dataclass(frozen=True)
class RecordRows:
    """A chunk of checked rows, with the volunteers' ids their numbers name, and the
    events the check decided for them. Those serve the first attempt only: when
    another writer saved one of these volunteers meanwhile, the save fails and the
    executor runs `record_rows` again, which decides on fresh loads."""

    rows: tuple[Row, ...]
    volunteer_ids: dict[str, UUID]
    decided: list[list[Any]] = field(default_factory=list)

    def take_decided(self) -> list[Any]:
        events = [event for row in self.decided for event in row]
        self.decided.clear()
        return events


@dataclass(frozen=True)
class RowsRecorded:
    new: int
    events: int


class HoursImports:
    """Checks every row against the volunteers in memory, then records them."""

    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        executor: CommandExecutor,
        reads: ReadModels,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.executor = executor
        self.reads = reads

    def run(
        self,
        rows: list[Row],
        actor: Actor,
        unreadable: Iterable[RowError] = (),
        dry_run: bool = False,
    ) -> ImportReport:
        """Writes the rows only when none is refused (`unreadable` are the rows
        `read_rows` already refused)."""
        report = ImportReport(errors=list(unreadable))
        report.rows = len(rows) + len(report.errors)
        ids = self.reads.volunteer_ids_by_number({r.volunteer_number for r in rows})
        checked = _Checked(self.aggregates, self.clock, ids, actor.label)
        new: list[tuple[Row, list[Any]]] = []
        for row in rows:
            try:
                events = checked.apply(row)
            except DomainError as error:
                report.errors.append(
                    RowError(row.line, error.field, error.rule, error.detail)
                )
                continue
            if events:
                new.append((row, events))
                report.events += len(events)
            else:
                report.already_recorded += 1
        report.new = len(new)
        report.errors.sort(key=lambda e: e.line)
        if report.errors or dry_run:
            return report
        for chunk in _chunks(new, MAX_EVENTS // EVENTS_PER_ROW):
            command = RecordRows(
                tuple(row for row, _ in chunk), ids, [events for _, events in chunk]
            )
            try:
                self.executor.run(self.record_rows, command, actor)
            except RowRefused as refused:
                report.errors.append(refused.error)
                return report
            report.rows_written += len(chunk)
        report.written = True
        return report

    def record_rows(self, cmd: RecordRows, actor: Actor) -> Decision[RowsRecorded]:
        """One chunk: as the check decided it, or again on fresh loads."""
        events = cmd.take_decided()
        if not events:
            checked = _Checked(
                self.aggregates, self.clock, cmd.volunteer_ids, actor.label
            )
            checked.preload(cmd.rows)
            for row in cmd.rows:
                try:
                    events += checked.apply(row)
                except DomainError as error:
                    refusal = RowError(row.line, error.field, error.rule, error.detail)
                    raise RowRefused(refusal) from None
        return Decision([], RowsRecorded(len(cmd.rows), len(events)), events=events)


class _Checked:
    """Rows applied to their volunteers (and accounts) in memory."""

    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        ids: dict[str, UUID],
        actor_label: str,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.ids = ids
        self.actor_label = actor_label
        self.terms = aggregates.policy().terms
        self.volunteers: dict[UUID, tuple[Volunteer, CreditAccount]] = {}
        self.units: set[UUID] = set()
        self.teams: set[UUID] = set()

    def preload(self, rows: Iterable[Row]) -> None:
        """The chunk's volunteers and accounts in one round trip."""
        wanted = {self.ids[r.volunteer_number] for r in rows}
        loaded = self.aggregates.load(
            *(i for v in wanted for i in (v, account_id_for(v)))
        )
        for volunteer_id in wanted:
            self.volunteers[volunteer_id] = (
                self.aggregates.volunteer(volunteer_id, loaded),
                self.aggregates.account(volunteer_id, loaded),
            )

    def apply(self, row: Row) -> list[Any]:
        """The row's new events: none when this very row is already recorded."""
        volunteer_id = self.ids.get(row.volunteer_number)
        if volunteer_id is None:
            raise InvalidInput(
                "volunteer_number",
                "volunteer_exists",
                f"no volunteer {row.volunteer_number}",
            )
        self._check_unit(row.unit_id)
        self._check_team(row.details.team_id)
        volunteer, account = self._aggregates(volunteer_id)
        earlier = volunteer.entries.get(row.record_id)
        if earlier is not None and (earlier.span, earlier.unit_id) == (
            row.span,
            row.unit_id,
        ):
            return []
        record_entry(
            volunteer,
            account,
            row.record_id,
            row.unit_id,
            row.span,
            row.details,
            self.terms,
            self.clock,
            self.actor_label,
        )
        return [*volunteer.collect_events(), *account.collect_events()]

    def _check_unit(self, unit_id: UUID) -> None:
        if unit_id not in self.units:
            self.aggregates.named_unit(unit_id)
            self.units.add(unit_id)

    def _check_team(self, team_id: UUID | None) -> None:
        if team_id is not None and team_id not in self.teams:
            self.aggregates.named(Team, team_id, "team_id")
            self.teams.add(team_id)

    def _aggregates(self, volunteer_id: UUID) -> tuple[Volunteer, CreditAccount]:
        if volunteer_id not in self.volunteers:
            loaded = self.aggregates.load(volunteer_id, account_id_for(volunteer_id))
            self.volunteers[volunteer_id] = (
                self.aggregates.volunteer(volunteer_id, loaded),
                self.aggregates.account(volunteer_id, loaded),
            )
        return self.volunteers[volunteer_id]


def _chunks(rows: list[T], size: int) -> Iterator[list[T]]:
    """Whole rows per chunk, so a row's hours never commit without its points."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
