"""The office's reports: the assessment (考核) of a unit and the units below it for
a year, as of an instant, from the read models or folded from the event log."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from application.report_replay import ReportFold
from domain.access import Actor, Role
from domain.assessment import Assessment, LedgerFacts, Status, assess, months_ended
from domain.errors import InvalidInput
from domain.instants import check_as_of, check_year
from domain.labels import ASSESSMENT_NOTES
from domain.organisation import UnitKind
from infra.event_store import EventStore
from infra.tabular import Column, Table
from projections.assessment import AssessmentFacts


class Source(StrEnum):
    READ_MODELS = "read_models"
    EVENT_LOG = "event_log"


@dataclass(frozen=True)
class AssessmentQuery:
    unit_id: UUID
    year: int
    as_of: datetime | None = None
    source: Source = Source.READ_MODELS


class Reports:
    def __init__(
        self,
        facts: AssessmentFacts,
        store: EventStore,
        connect: Callable[[], AbstractContextManager[Any]],
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.facts = facts
        self.store = store
        self.connect = connect
        #: `as_of` is held against the events' timestamps, which the event store
        #: takes from the wall clock (not from the clock rules are checked by).
        self.wall_clock = wall_clock

    def assessment(self, query: AssessmentQuery, actor: Actor) -> Assessment:
        """Every target of seed 003 for the unit and each unit below it. Refused
        when the unit is unknown or out of the reader's scope, the year is out of
        range, `as_of` is ahead of today, or the unit has no resident population
        recorded for the year."""
        actor.check_role(Role.ADMIN, Role.AUDITOR, Role.COORDINATOR)
        now = self.wall_clock()
        check_year("year", query.year, now)
        as_of = query.as_of or now
        check_as_of("as_of", as_of, now)
        facts = self._gather(query, as_of)
        unit = facts.units.get(query.unit_id)
        if unit is None:
            raise InvalidInput(
                "unit_id",
                "unit_exists",
                f"no unit {query.unit_id} on record by {as_of}",
            )
        actor.check_reads(unit.id, unit.lineage)
        if unit.population is None:
            raise InvalidInput(
                "year",
                "population_recorded",
                f"{unit.name} has no resident population recorded for {query.year} "
                f"(PUT /v1/units/{unit.id}/populations/{query.year})",
            )
        return assess(
            facts, unit.id, query.year, as_of, months_ended(query.year, as_of)
        )

    def _gather(self, query: AssessmentQuery, as_of: datetime) -> LedgerFacts:
        if query.source is Source.READ_MODELS:
            return self.facts.gather(query.year, as_of)
        fold = ReportFold(query.year, as_of)
        with self.connect() as conn:
            fold.run(conn, self.store.max_position())
        return fold.facts()


# -- the report as tables (CSV and XLSX) ---------------------------------------------

TARGET_COLUMNS = (
    Column("unit_id", "单位编号"),
    Column("unit_name", "单位"),
    Column("unit_kind", "层级"),
    Column("code", "指标代码"),
    Column("label", "指标"),
    Column("value", "实际值"),
    Column("threshold", "标准"),
    Column("status", "是否达标"),
    Column("numerator", "分子"),
    Column("denominator", "分母"),
    Column("note", "说明"),
)
STATUS_LABELS = {Status.MET: "达标", Status.NOT_MET: "未达标", Status.NO_DATA: "无数据"}
KIND_LABELS = {
    UnitKind.CENTER: "中心",
    UnitKind.INSTITUTE: "所",
    UnitKind.STATION: "站",
}


def assessment_tables(report: Assessment) -> list[Table]:
    """The targets first (the CSV holds only them), then the figures beside them."""
    names = {u.unit_id: u.name for u in report.units}
    targets = [
        (
            u.unit_id,
            u.name,
            KIND_LABELS[u.kind],
            t.code,
            t.label,
            t.value,
            t.threshold,
            STATUS_LABELS[t.status],
            t.numerator,
            t.denominator,
            ASSESSMENT_NOTES.get(t.note, t.note),
        )
        for u in report.units
        for t in u.targets
    ]
    return [
        Table("考核指标", TARGET_COLUMNS, targets),
        Table(
            "星级分布",
            (Column("star_level", "星级"), Column("volunteers", "志愿者人数")),
            sorted(report.star_levels.items()),
        ),
        Table(
            "服务时长",
            (
                Column("month", "月份"),
                Column("category", "服务类别"),
                Column("unit_id", "单位编号"),
                Column("unit_name", "单位"),
                Column("hours", "时长（小时）"),
            ),
            [
                (c.month, c.category, c.unit_id, names[c.unit_id], c.hours)
                for c in report.hours
            ],
        ),
        Table(
            "活跃志愿者",
            (Column("month", "月份"), Column("volunteers", "有服务时长的志愿者")),
            sorted(report.active_volunteers.items()),
        ),
        Table(
            "活动不足队伍",
            (
                Column("unit_id", "单位编号"),
                Column("unit_name", "单位"),
                Column("team_id", "队伍编号"),
                Column("team_name", "队伍"),
                Column("activities", "全年活动（次）"),
                Column("due", "应开展（次）"),
            ),
            [
                (u.unit_id, u.name, t.team_id, t.name, t.activities, t.due)
                for u in report.units
                for t in u.teams_below_standard
            ],
        ),
        Table(
            "五单流程",
            (
                Column("step", "环节代码"),
                Column("label", "环节"),
                Column("reached", "订单数"),
                Column("median_seconds", "中位用时（秒）"),
            ),
            [(s.step, s.label, s.reached, s.median_seconds) for s in report.funnel],
        ),
        Table(
            "积分",
            (
                Column("earned", "获得积分"),
                Column("redeemed", "兑换积分"),
                Column("donated", "捐赠积分"),
            ),
            [(report.points.earned, report.points.redeemed, report.points.donated)],
        ),
    ]
