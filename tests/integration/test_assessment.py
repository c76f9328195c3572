"""The assessment (考核) on real Postgres: its figures for a small district, the same
report from the read models and from a fold of the event log as of one instant, and
what changes after that instant left out of it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import openpyxl
import pytest

from application.hours import CorrectHours
from application.organisation import RecordPopulation
from application.projects import (
    DecideProject,
    ProposeProject,
    ReviewProject,
    SetBrand,
)
from application.reports import AssessmentQuery
from application.services import Container
from domain.access import Actor, Role
from domain.assessment import Status
from domain.errors import InvalidInput, OutOfScope
from domain.project import ProjectPlan
from domain.recording import recording_at
from entrypoints import cli
from tests.integration.assessment_story import YEAR, Story, both, targets


@pytest.fixture
def story(container: Container, admin: Actor) -> Story:
    return Story(container, admin)


def test_a_stations_targets_follow_seed_003(story: Story, admin: Actor) -> None:
    station = story.district.station
    report = both(story.c, admin, AssessmentQuery(station, YEAR))
    got = targets(report, station)
    share = got["volunteer_share"]
    assert (share.numerator, share.denominator, share.status) == (3, 20, Status.MET)
    assert got["serving_share"].status is Status.MET  # 2 of 3 > 60 %
    assert (
        got["party_participation"].numerator,
        got["party_participation"].denominator,
    ) == (2, 2)
    twenty = got["party_twenty_hours"]
    assert (twenty.numerator, twenty.status) == (1, Status.NOT_MET)  # 24 h and 3 h
    assert (got["teams"].value, got["teams"].status) == (Decimal(2), Status.NOT_MET)
    assert (got["own_activities"].value, got["own_activities"].status) == (
        Decimal(3),
        Status.NOT_MET,
    )
    assert (got["theory_talks"].value, got["theory_talks"].threshold) == (
        1,
        2,
    )  # village
    assert got["family_activities"].value == 1
    assert report.star_levels == {0: 3, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert report.orders_by_state == {"evaluated": 1}
    assert [(s.step, s.reached) for s in report.funnel] == [
        ("placed", 1),
        ("dispatched", 1),
        ("accepted", 1),
        ("completed", 1),
        ("evaluated", 1),
        ("rewarded", 0),
    ]
    assert report.points.earned == Decimal(270)  # 27 h at 10 points
    unclassified = sum(c.hours for c in report.hours if c.category == "unclassified")
    assert unclassified == Decimal(26)
    assert sum(c.hours for c in report.hours if c.category == "elderly") == 1
    assert report.active_volunteers == {m: 2 if m == 5 else 0 for m in range(1, 13)}
    lagging = {(t.name, t.activities) for t in report.units[0].teams_below_standard}
    assert lagging == {("助老队", 0), ("宣讲队", 3)}


def test_the_report_as_of_an_instant_leaves_out_what_came_after(
    story: Story, admin: Actor
) -> None:
    station = story.district.station
    before = datetime.now(UTC)
    revoke = CorrectHours(story.keen, story.long[0], "重复登记", revoke=True)
    story.c.commands.run(story.c.hours.correct, revoke, admin)
    story.run(
        story.c.organisation.record_population, RecordPopulation(station, YEAR, 10)
    )
    then = both(story.c, admin, AssessmentQuery(station, YEAR, before))
    now = both(story.c, admin, AssessmentQuery(station, YEAR))
    assert targets(then, station)["volunteer_share"].denominator == 20
    assert targets(now, station)["volunteer_share"].denominator == 10
    assert targets(then, station)["party_twenty_hours"].numerator == 1
    assert targets(now, station)["party_twenty_hours"].numerator == 0
    assert then.points.earned - now.points.earned == Decimal(120)


def test_the_institute_rolls_up_its_stations_volunteers(
    story: Story, admin: Actor
) -> None:
    institute = story.district.institute
    story.run(
        story.c.organisation.record_population, RecordPopulation(institute, YEAR, 100)
    )
    report = both(story.c, admin, AssessmentQuery(institute, YEAR))
    assert [u.unit_id for u in report.units] == [institute, story.district.station]
    rolled = targets(report, institute)["volunteer_share"]
    assert (rolled.numerator, rolled.denominator, rolled.status) == (
        3,
        100,
        Status.NOT_MET,
    )
    assert targets(report, institute)["theory_talks"].status is Status.NO_DATA


def test_bad_queries_are_refused_naming_the_field(story: Story, admin: Actor) -> None:
    reports = story.c.reports
    story.c.projector.catch_up()  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as unknown:
        reports.assessment(AssessmentQuery(uuid4(), YEAR), admin)
    assert (unknown.value.field, unknown.value.rule) == ("unit_id", "unit_exists")
    with pytest.raises(InvalidInput) as no_population:
        reports.assessment(AssessmentQuery(story.district.center, YEAR), admin)
    assert (no_population.value.field, no_population.value.rule) == (
        "year",
        "population_recorded",
    )
    later = datetime.now(UTC) + timedelta(days=3)
    with pytest.raises(InvalidInput) as ahead:
        reports.assessment(AssessmentQuery(story.district.station, YEAR, later), admin)
    assert ahead.value.field == "as_of"
    with pytest.raises(InvalidInput) as far:
        reports.assessment(AssessmentQuery(story.district.station, 1999), admin)
    assert (far.value.field, far.value.rule) == ("year", "year_in_range")
    outsider = Actor(
        Role.COORDINATOR, uuid4(), "里辛所", unit_id=story.district.other_institute
    )
    with pytest.raises(OutOfScope):
        reports.assessment(AssessmentQuery(story.district.station, YEAR), outsider)


def test_the_command_writes_the_report_as_json_csv_and_a_workbook(
    story: Story,
    cli_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    station = str(story.district.station)
    args = ["report", "assessment", "--unit", station, "--year", str(YEAR)]

    assert cli.main([*args, "--from-log"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["source"], report["units"][0]["name"]) == ("event_log", "双泉站")

    assert cli.main([*args, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("单位编号,单位,层级,指标代码,指标")
    assert lines[1].startswith("unit_id,unit_name,unit_kind,code,label")
    assert any(",volunteer_share," in line and ",达标," in line for line in lines)

    workbook = tmp_path / "考核.xlsx"
    assert cli.main([*args, "--format", "xlsx", "--output", str(workbook)]) == 0
    sheets = openpyxl.load_workbook(workbook, read_only=True)
    assert sheets.sheetnames == [
        "考核指标",
        "星级分布",
        "服务时长",
        "活跃志愿者",
        "活动不足队伍",
        "五单流程",
        "积分",
    ]
    rows = list(sheets["考核指标"].iter_rows(values_only=True))
    assert rows[1][:4] == ("unit_id", "unit_name", "unit_kind", "code")
    share = next(r for r in rows[2:] if r[3] == "volunteer_share")
    assert (share[5], share[7], share[8], share[9]) == (0.15, "达标", 3, 20)

    assert cli.main([*args, "--format", "xlsx"]) == 2
    assert "needs --output" in capsys.readouterr().err
    assert cli.main([*args[:-1], "2100"]) == 2
    assert "[year_in_range]" in capsys.readouterr().err


def test_the_export_command_writes_a_stations_hours_as_csv_and_a_workbook(
    story: Story,
    cli_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    station = str(story.district.station)
    args = ["export", "hours", "--unit", station, "--from", "2026-01-01"]
    args += ["--to", "2026-06-30"]

    assert cli.main(args) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("记录编号,志愿者编号,姓名")
    assert lines[1].startswith("record_id,volunteer_number,name_masked")
    assert len(lines) == 2 + 4  # two entries, one of 2 h, and the order's hour

    workbook = tmp_path / "工时.xlsx"
    assert cli.main([*args, "--format", "xlsx", "--output", str(workbook)]) == 0
    assert "4 rows of 工时明细_双泉站_2026-01-01_2026-06-30" in capsys.readouterr().out
    rows = list(openpyxl.load_workbook(workbook, read_only=True).active.values)
    assert rows[1][:2] == ("record_id", "volunteer_number")
    hours = rows[1].index("hours")
    assert sorted(row[hours] for row in rows[2:]) == [1, 2, 12, 12]

    assert cli.main([*args[:-1], "2025-12-31"]) == 2
    assert "[period_order]" in capsys.readouterr().err
    assert cli.main(["export", "hours", "--unit", str(uuid4())]) == 2
    assert "[unit_exists]" in capsys.readouterr().err


def test_brand_projects_count_as_they_stood_at_the_instant_in_both_sources(
    story: Story, admin: Actor
) -> None:
    station = story.district.station
    expert = Actor(
        Role.COORDINATOR, uuid4(), "专家", unit_id=story.district.other_institute
    )
    plan = ProjectPlan(
        "清洁家园",
        "public",
        None,
        "河道清理",
        ("汶河",),
        date(2026, 3, 1),
        date(2026, 12, 31),
        (story.teams[1],),
    )
    project = story.run(story.c.projects.propose, ProposeProject(station, plan)).id  # type: ignore[attr-defined]
    review = ReviewProject(project, 90, "可行")
    story.c.commands.run(story.c.projects.review, review, expert)
    story.run(story.c.projects.decide, DecideProject(project, True, "入库"))
    # Event times lie ahead of the wall clock by minutes, so that instants
    # between them can be asked for.
    start = datetime.now(UTC)
    with recording_at(start + timedelta(minutes=10)):
        story.run(story.c.projects.set_brand, SetBrand(project, True, "口碑好"))
    with recording_at(start + timedelta(minutes=20)):
        story.run(story.c.projects.set_brand, SetBrand(project, False, "停办"))

    def brands_as_of(minutes: int) -> tuple[Decimal | None, Status]:
        as_of = start + timedelta(minutes=minutes)
        report = both(story.c, admin, AssessmentQuery(station, YEAR, as_of))
        target = targets(report, station)["brand_projects"]
        return target.value, target.status

    assert brands_as_of(5) == (0, Status.NOT_MET)
    assert brands_as_of(15) == (1, Status.MET)
    assert brands_as_of(25) == (0, Status.NOT_MET)
