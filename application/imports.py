"""Bulk import of service hours from CSV: `vledger import-hours FILE`.

Every row is checked first, against the volunteers as they stand plus the rows before
it, by the same domain rules as `POST /v1/volunteers/{id}/hours` (`record_entry`: an
active volunteer, a new record id, details and span within the rules, no overlap
with a live entry, found in the volunteer's interval index); a file with any refused
row writes nothing and names each refused row, its field and rule. A clean file is
then recorded through the command executor in chunks of whole rows (each row's hours
and points together), one transaction each with the hash chain: the events the API
would record, built as stored rows (no event objects) and written by COPY. A chunk
that meets a concurrent write to one of its volunteers is checked again on fresh
loads. Rows are keyed by `record_id` (or, when the column is absent, an id derived
from the row), so running the same file again, say after a crash halfway, records
only what is missing."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid5

from eventsourcing.domain import datetime_now_with_tzinfo

from application.aggregates import Aggregates, Clock
from application.executor import CommandExecutor, Decision
from domain.access import Actor
from domain.account import CreditAccount
from domain.entry_book import EntryBook
from domain.errors import DomainError, InvalidInput
from domain.ids import account_id_for
from domain.organisation import Team
from domain.text import check_storable, storable_problem
from domain.volunteer import (
    Entry,
    ServiceDetails,
    TimeSpan,
    Volunteer,
    check_new_entry,
)
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
#: Rows per transaction: a row records its hours on the volunteer and its points
#: on the account, so a chunk is 2,000 events, written by COPY (`BULK_EVENTS`).
ROWS_PER_CHUNK = 1_000
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
    if storable_problem("\t".join(text.values())) is not None:  # tabs are storable
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
class Planned:
    """One row as the check decided it: the hours and points it records and the
    versions its events take on the volunteer and the account."""

    row: Row
    volunteer_id: UUID
    account_id: UUID
    version: int
    hours: Decimal
    #: Points credited by the row (none when the rate gives none).
    points: Decimal
    account_version: int
    balance_after: Decimal


@dataclass(frozen=True)
class RecordRows:
    """A chunk of checked rows, with the volunteers' ids their numbers name, and
    the events, as stored, that the check planned for them. Those serve the first
    attempt only: when another writer saved one of these volunteers meanwhile, the
    save fails and the executor runs `record_rows` again, which plans on fresh
    loads."""

    rows: tuple[Row, ...]
    volunteer_ids: dict[str, UUID]
    events: list[Any] = field(default_factory=list)

    def take_events(self) -> list[Any]:
        events = list(self.events)
        self.events.clear()
        return events


@dataclass(frozen=True)
class RowsRecorded:
    new: int
    events: int


class StoredRows(Protocol):
    """Builds an event as stored from its attributes (`EventStore.stored`)."""

    def __call__(
        self,
        event_class: type,
        originator_id: UUID,
        version: int,
        state: dict[str, Any],
    ) -> Any: ...


class HoursImports:
    """Checks every row against the volunteers in memory, then writes the rows'
    events as stored rows: the same events `POST /v1/volunteers/{id}/hours` records,
    built without the library's event objects, written by COPY in chunks."""

    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        executor: CommandExecutor,
        reads: ReadModels,
        stored: StoredRows,
        rows_per_chunk: int = ROWS_PER_CHUNK,
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.executor = executor
        self.reads = reads
        self.stored = stored
        self.rows_per_chunk = rows_per_chunk

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
        checked = _Checked(self.aggregates, self.clock, ids)
        checked.preload(rows)
        new: list[Planned] = []
        for row in rows:
            try:
                planned = checked.plan(row)
            except DomainError as error:
                report.errors.append(
                    RowError(row.line, error.field, error.rule, error.detail)
                )
                continue
            if planned is None:
                report.already_recorded += 1
            else:
                new.append(planned)
                report.events += 1 + (planned.points > 0)
        report.new = len(new)
        report.errors.sort(key=lambda e: e.line)
        if not report.errors and not dry_run:
            report.written = self._write(new, ids, actor, report)
        return report

    def _write(
        self,
        new: list[Planned],
        ids: dict[str, UUID],
        actor: Actor,
        report: ImportReport,
    ) -> bool:
        """Chunk after chunk, in order; stops at a row refused when its chunk was
        checked again. (Building a chunk while the one before commits gained
        nothing: each of the commit's round trips then waits for the builder to
        let go of the GIL, see docs/performance.md.)"""
        for chunk in _chunks(new, self.rows_per_chunk):
            rows = tuple(p.row for p in chunk)
            command = RecordRows(rows, ids, self._events(chunk, actor.label))
            try:
                self.executor.run(self.record_rows, command, actor)
            except RowRefused as refused:
                report.errors.append(refused.error)
                return False
            report.rows_written += len(chunk)
        return True

    def record_rows(self, cmd: RecordRows, actor: Actor) -> Decision[RowsRecorded]:
        """One chunk: as the check planned it, or checked again on fresh loads."""
        events = cmd.take_events()
        if not events:
            checked = _Checked(self.aggregates, self.clock, cmd.volunteer_ids)
            checked.preload(cmd.rows)
            planned = []
            for row in cmd.rows:
                try:
                    if (plan := checked.plan(row)) is not None:
                        planned.append(plan)
                except DomainError as error:
                    refusal = RowError(row.line, error.field, error.rule, error.detail)
                    raise RowRefused(refusal) from None
            events = self._events(planned, actor.label)
        return Decision([], RowsRecorded(len(cmd.rows), len(events)), events=events)

    def _events(self, planned: list[Planned], actor: str) -> list[Any]:
        """Each row's `HoursRecorded` and `PointsCredited`, with the attributes
        `record_entry` gives them, in their classes' field order."""
        terms = self.aggregates.policy().terms
        now = datetime_now_with_tzinfo()
        events: list[Any] = []
        for p in planned:
            row, details = p.row, p.row.details
            recorded = {
                "timestamp": now,
                "record_id": row.record_id,
                "unit_id": row.unit_id,
                "started_at": row.span.started_at,
                "ended_at": row.span.ended_at,
                "hours": p.hours,
                "policy_version": terms.version,
                "rounding": terms.rounding.value,
                "activity_name": details.activity_name,
                "location": details.location,
                "service_recipient": details.service_recipient,
                "content": details.content,
                "leader": details.leader,
                "activity_id": details.activity_id,
                "order_id": details.order_id,
                "actor": actor,
                "category": details.category,
                "subcategory": details.subcategory,
                "team_id": details.team_id,
            }
            events.append(self.stored(HOURS, p.volunteer_id, p.version, recorded))
            if p.points > 0:
                credited = {
                    "timestamp": now,
                    "source_id": row.record_id,
                    "source_kind": "hours",
                    "points": p.points,
                    "balance_after": p.balance_after,
                    "policy_version": terms.version,
                    "reason": "hours recorded",
                    "actor": actor,
                }
                events.append(
                    self.stored(POINTS, p.account_id, p.account_version, credited)
                )
        return events


#: The events a row records, as `record_entry` records them.
HOURS: type = getattr(Volunteer, "HoursRecorded")  # noqa: B009 - made by @event
POINTS: type = getattr(CreditAccount, "PointsCredited")  # noqa: B009


@dataclass
class _Standing:
    """A volunteer and their account as the stored history and the file's earlier
    rows leave them: what the next row is checked against."""

    volunteer: Volunteer
    account: CreditAccount
    entries: EntryBook
    version: int
    account_version: int
    balance: Decimal


class _Checked:
    """Rows checked against their volunteers by the domain's rules, in memory."""

    def __init__(
        self, aggregates: Aggregates, clock: Clock, ids: dict[str, UUID]
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.ids = ids
        self.terms = aggregates.policy().terms
        self.standing: dict[UUID, _Standing] = {}
        self.units: set[UUID] = set()
        self.teams: set[UUID] = set()

    def preload(self, rows: Iterable[Row]) -> None:
        """The rows' volunteers and accounts in one round trip (a volunteer
        number that names nobody is refused with its row)."""
        wanted = {
            self.ids[n] for n in {r.volunteer_number for r in rows} & self.ids.keys()
        }
        loaded = self.aggregates.load(
            *(i for v in wanted for i in (v, account_id_for(v)))
        )
        for volunteer_id in wanted:
            self._stand(volunteer_id, loaded)

    def plan(self, row: Row) -> Planned | None:
        """What the row records: none when this very row is already recorded.
        The checks of `record_entry`, against the volunteer as the rows before
        left them."""
        volunteer_id = self.ids.get(row.volunteer_number)
        if volunteer_id is None:
            raise InvalidInput(
                "volunteer_number",
                "volunteer_exists",
                f"no volunteer {row.volunteer_number}",
            )
        self._check_unit(row.unit_id)
        self._check_team(row.details.team_id)
        standing = self._standing(volunteer_id)
        entries = standing.entries
        if row.record_id in entries:
            earlier = entries[row.record_id]
            if (earlier.span, earlier.unit_id) == (row.span, row.unit_id):
                return None
        standing.volunteer.check_active()
        check_new_entry(
            entries,
            row.record_id,
            row.span,
            row.details,
            self.clock.now(),
            self.clock.skew,
        )
        hours = self.terms.hours_for(row.span.minutes)
        entries.put(
            Entry(
                row.record_id,
                row.unit_id,
                row.span,
                hours,
                self.terms.version,
                activity_name=row.details.activity_name,
            )
        )
        standing.version += 1
        target = self.terms.points_for(hours)
        points = target - standing.account.credited_for(row.record_id)
        if points > 0:
            standing.account_version += 1
            standing.balance += points
        return Planned(
            row,
            volunteer_id,
            standing.account.id,
            standing.version,
            hours,
            max(points, Decimal(0)),
            standing.account_version,
            standing.balance,
        )

    def _check_unit(self, unit_id: UUID) -> None:
        if unit_id not in self.units:
            self.aggregates.named_unit(unit_id)
            self.units.add(unit_id)

    def _check_team(self, team_id: UUID | None) -> None:
        if team_id is not None and team_id not in self.teams:
            self.aggregates.named(Team, team_id, "team_id")
            self.teams.add(team_id)

    def _standing(self, volunteer_id: UUID) -> _Standing:
        if volunteer_id not in self.standing:
            loaded = self.aggregates.load(volunteer_id, account_id_for(volunteer_id))
            self._stand(volunteer_id, loaded)
        return self.standing[volunteer_id]

    def _stand(self, volunteer_id: UUID, loaded: Any) -> None:
        volunteer = self.aggregates.volunteer(volunteer_id, loaded)
        account = self.aggregates.account(volunteer_id, loaded)
        self.standing[volunteer_id] = _Standing(
            volunteer,
            account,
            deepcopy(volunteer.entries),
            volunteer.version,
            account.version,
            account.balance,
        )


def _chunks(rows: list[T], size: int) -> Iterator[list[T]]:
    """Whole rows per chunk, so a row's hours never commit without its points."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
