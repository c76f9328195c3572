"""The office's exports (CSV and XLSX): the hours ledger, activities and their
attendance, the order board, redemptions, donations and team rosters, for a unit's
subtree and a period of days (China time); the rows stream from the read models.
Who may export follows the read rules: admins and auditors everything, a
coordinator its unit and below; personal data is masked for all (the read models
hold no clear values)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from uuid import UUID

from domain.access import Actor, Role
from domain.errors import InvalidInput
from domain.instants import PLAN_HORIZON, check_day
from domain.reference import CHINA_TIME
from infra.tabular import Column, Table
from projections.exports import EXPORTS, ExportKind, ExportRows


class Units(Protocol):
    def unit(self, unit_id: UUID) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class ExportQuery:
    kind: ExportKind
    unit_id: UUID
    #: The first and the last day, inclusive (default: this year up to today).
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), CHINA_TIME)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(), CHINA_TIME)


@dataclass(frozen=True)
class Prepared:
    table: Table
    #: The file's name without extension: 工时明细_双泉社区站_2026-01-01_2026-06-30.
    stem: str


class Exports:
    def __init__(
        self,
        rows: ExportRows,
        units: Units,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.rows = rows
        self.units = units
        #: Rosters, orders and redemptions are dated by the events' timestamps,
        #: which the event store takes from the wall clock.
        self.wall_clock = wall_clock

    def prepare(self, query: ExportQuery, actor: Actor) -> Prepared:
        """The export as a table whose rows are read as they are written out.
        Everything a client can get wrong is refused here, before the first row."""
        actor.check_role(Role.ADMIN, Role.AUDITOR, Role.COORDINATOR)
        period = self.period(query.first_day, query.last_day)
        unit = self.units.unit(query.unit_id)
        if unit is None:
            raise InvalidInput("unit_id", "unit_exists", f"no unit {query.unit_id}")
        actor.check_reads(query.unit_id, unit["lineage"])
        export = EXPORTS[query.kind]
        columns = [Column(key, label) for key, label in export.columns]
        rows = self.rows.rows(export, query.unit_id, period.start, period.end)
        stem = f"{export.title}_{unit['name']}_{period.first_day}_{period.last_day}"
        return Prepared(Table(export.title, columns, rows), stem)

    def period(self, first_day: date | None, last_day: date | None) -> Period:
        today = self.wall_clock().astimezone(CHINA_TIME).date()
        latest = today + PLAN_HORIZON
        last = last_day or today
        check_day("to", last, latest)
        first = first_day or date(last.year, 1, 1)
        check_day("from", first, latest)
        if first > last:
            raise InvalidInput("to", "period_order", "must not be before 'from'")
        return Period(first, last)
