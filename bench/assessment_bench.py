"""Benchmark 6: the assessment (考核) and the exports over a district of 100,000
volunteers and 2,000,000 hours entries.

The district is built in two steps. The demo seeder records a real district through
the use cases (centre, institutes, stations, teams, activities, orders), and more
stations are registered the same way; then the read models are multiplied with SQL
(`INSERT … SELECT … generate_series`, each new row a copy of a real one with new ids,
units, days and hours) to the size asked, since recording two million entries event
by event would take the benchmark an hour. The assessment reads only the read models,
so it sees the same tables a district of that size would have.

- The assessment of the centre (every unit below it) for the year, against one plain
  SQL aggregate over the largest table (hours per unit), best of three each.
- The hours export of the whole district for the year through `vledger export` in a
  child process: rows/s against `COPY (the same query) TO STDOUT`, and the child's
  peak memory against a one-day export (constant memory means a ratio near 1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from application.organisation import RegisterUnit
from application.reports import AssessmentQuery
from application.services import Container
from bench.env import BenchServer, container
from bench.harness import Result, step
from domain.access import Actor, Role
from domain.organisation import UnitKind
from entrypoints.demo import CENTER_ID, DemoSeeder
from infra.settings import new_master_key
from projections.exports import EXPORTS, ExportKind, ExportRows

YEAR = 2026
ENTRIES_PER_VOLUNTEER = 20
#: Stations beside the demo's twelve: a district has about a hundred.
EXTRA_STATIONS = 88
CATEGORIES = ["elderly", "children", "hardship", "psychological", "public", None]
ROOT = Path(__file__).resolve().parent.parent


def run(server: BenchServer, volunteers: int) -> list[Result]:
    key = new_master_key()
    entries = volunteers * ENTRIES_PER_VOLUNTEER
    with server.database() as url:
        ledger = container(server, url, key)
        schema = ledger.settings.readmodel_schema
        with step("a real district through the use cases"):
            stations = real_district(ledger)
        with step(f"multiplying to {volunteers:,} volunteers, {entries:,} entries"):
            multiply(url, schema, stations, volunteers, entries)
        people, entries = sizes(url, schema)
        admin = Actor(Role.ADMIN, uuid4(), "bench")
        query = AssessmentQuery(CENTER_ID, YEAR)
        with step("the assessment of the centre (ours)"):
            ours = best_of(3, lambda: ledger.reports.assessment(query, admin))
        with step("one SQL aggregate: hours per unit"):
            plain = best_of(3, lambda: aggregate(url, schema))
        with step("COPY of the hours export's query"):
            copied, copy_s = copy_export(url, schema)
        programme = programme_reads(ledger, stations[0])
        ledger.close()
        env = cli_env(server, url, key)
        with step(f"vledger export hours, {copied:,} rows, CSV"):
            big = export(env, "csv", f"{YEAR}-01-01")
        with step("vledger export hours, one day, CSV"):
            small = export(env, "csv", f"{YEAR}-12-31")
        with step(f"vledger export hours, {copied:,} rows, XLSX"):
            sheet = export(env, "xlsx", f"{YEAR}-01-01")
    return [
        *programme.results(plain),
        Result(
            f"assessment of the centre, {people:,} volunteers, {entries:,} entries",
            "seconds (lower is better)",
            ours,
            "one SQL aggregate (hours per unit)",
            plain,
            "-",
        ),
        Result(
            f"export of {copied:,} hours entries, CSV",
            "rows/s",
            big.rows / big.seconds,
            "COPY of the same query",
            copied / copy_s,
            "-",
        ),
        Result(
            f"export of {copied:,} hours entries, XLSX",
            "rows/s",
            sheet.rows / sheet.seconds,
            "COPY of the same query",
            copied / copy_s,
            "-",
        ),
        Result(
            "memory: export process, CSV",
            "peak RSS MiB (lower is better)",
            big.peak_mib,
            "one-day export",
            small.peak_mib,
            "-",
        ),
        Result(
            "memory: export process, XLSX",
            "peak RSS MiB (lower is better)",
            sheet.peak_mib,
            "one-day CSV export",
            small.peak_mib,
            "-",
        ),
    ]


def real_district(ledger: Container) -> list[UUID]:
    """The demo district and more stations, recorded as events; the stations' ids."""
    seeder = DemoSeeder(ledger)
    seeder.seed(volunteers=60, orders=10, months=2)
    catch_up(ledger)
    institutes = [u["id"] for u in ledger.reads.children(CENTER_ID)]
    for index in range(EXTRA_STATIONS):
        seeder.run(
            ledger.organisation.register_unit,
            RegisterUnit(
                f"基准{index + 1:03d}实践站",
                UnitKind.STATION,
                institutes[index % len(institutes)],
                3000 + 10 * index,
            ),
        )
    catch_up(ledger)
    return [s["id"] for i in institutes for s in ledger.reads.children(i)]


def catch_up(ledger: Container) -> None:
    if ledger.projector is not None:
        ledger.projector.catch_up()


def multiply(
    url: str, schema: str, stations: list[UUID], volunteers: int, entries: int
) -> None:
    """Copies of real rows with new ids: volunteers spread over the stations, each
    with its entries across the year (one version each, as recorded once) and the
    points they earned."""
    params = {
        "stations": stations,
        "k": len(stations),
        "n": volunteers,
        "m": entries,
        "categories": CATEGORIES,
        "y0": datetime(YEAR, 1, 1, tzinfo=UTC),
    }
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in MULTIPLY:
            conn.execute(sql.SQL(statement).format(t=sql.Identifier(schema)), params)


#: One volunteer b1 … bN at station 1 + g mod k; entry g belongs to volunteer
#: 1 + g mod N, on day (g × 37) mod 330 of the year.
VOLUNTEER = "md5('bench-volunteer' || {})::uuid"
STATION = "(%(stations)s::uuid[])[1 + ({}) %% %(k)s]"
ENTRY_OF = "1 + g %% %(n)s"
STARTED = "%(y0)s + ((g * 37) %% 330) * interval '1 day' + interval '1 hour'"
MULTIPLY = [
    f"""
INSERT INTO {{t}}.volunteers
SELECT r.*
FROM (SELECT * FROM {{t}}.volunteers LIMIT 1) v, generate_series(1, %(n)s) g,
LATERAL jsonb_populate_record(NULL::{{t}}.volunteers, to_jsonb(v) || jsonb_build_object(
  'id', {VOLUNTEER.format("g")},
  'volunteer_number', 'B' || lpad(g::text, 8, '0'),
  'unit_id', {STATION.format("g")},
  'party_member', g %% 8 = 0,
  'registered_at', %(y0)s - interval '30 days')) r
""",  # noqa: S608 - built from constants
    f"""
INSERT INTO {{t}}.hour_entries
SELECT r.*
FROM (SELECT * FROM {{t}}.hour_entries
      WHERE activity_id IS NULL AND order_id IS NULL LIMIT 1) e,
  generate_series(1, %(m)s) g,
LATERAL jsonb_populate_record(NULL::{{t}}.hour_entries,
  to_jsonb(e) || jsonb_build_object(
  'record_id', md5('bench-entry' || g)::uuid,
  'volunteer_id', {VOLUNTEER.format(ENTRY_OF)},
  'unit_id', {STATION.format(ENTRY_OF)},
  'started_at', {STARTED},
  'ended_at', {STARTED} + interval '2 hours',
  'hours', 1 + g %% 4,
  'status', 'live',
  'category', (%(categories)s::text[])[1 + g %% 6],
  'subcategory', NULL, 'activity_id', NULL, 'order_id', NULL, 'team_id', NULL,
  'position', 1000000000 + g)) r
""",  # noqa: S608 - built from constants
    """
INSERT INTO {t}.hour_entry_versions (record_id, volunteer_id, unit_id, team_id,
  category, started_at, hours, valid_from, valid_to, position)
SELECT record_id, volunteer_id, unit_id, team_id, category, started_at, hours,
  started_at + interval '1 day', NULL, position
FROM {t}.hour_entries WHERE position > 1000000000
""",
    """
INSERT INTO {t}.account_entries (position, volunteer_id, kind, source_kind,
  source_id, points, balance_after, policy_version, reason, actor, occurred_at)
SELECT position, volunteer_id, 'earned', 'hours', record_id, hours * 10,
  hours * 10, 1, '服务时长积分', 'bench', started_at + interval '1 day'
FROM {t}.hour_entries WHERE position > 1000000000
""",
    "VACUUM ANALYZE",
]


def sizes(url: str, schema: str) -> tuple[int, int]:
    """Volunteers and hours entries (versions) on record, the real ones included."""
    query = "SELECT (SELECT count(*) FROM {0}.volunteers), "
    query += "(SELECT count(*) FROM {0}.hour_entry_versions)"
    with psycopg.connect(url) as conn:
        row = conn.execute(sql.SQL(query).format(sql.Identifier(schema))).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class ProgrammeTimes:
    """The programme's reads over the same district (best of several)."""

    project_totals: float
    month: float
    uninsured: float
    one_row: float

    def results(self, aggregate_s: float) -> list[Result]:
        row = "one row by key (a volunteer's summary)"
        return [
            Result(
                "a project's totals (the public project page)",
                "seconds (lower is better)",
                self.project_totals,
                row,
                self.one_row,
                "-",
            ),
            Result(
                "a station's public month (schedule)",
                "seconds (lower is better)",
                self.month,
                row,
                self.one_row,
                "-",
            ),
            Result(
                "who served without cover: the district, a year",
                "seconds (lower is better)",
                self.uninsured,
                "one SQL aggregate (hours per unit)",
                aggregate_s,
                "-",
            ),
        ]


def programme_reads(ledger: Container, station: UUID) -> ProgrammeTimes:
    """A brand project of the demo's library, a station's May (its activities and
    plan), and the uninsured report for the year (the multiplied volunteers were
    never insured: its worst case)."""
    reads = ledger.programme
    (project,) = reads.projects(None, ["admitted"], True, 1, 0)
    volunteer = ledger.reads.volunteers(None, None, None, 1, 0)[0][0]["id"]
    may = (date(YEAR, 5, 1), date(YEAR, 5, 31))
    year = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    with step("the programme's reads: project totals, a month, the uninsured"):
        return ProgrammeTimes(
            best_of(20, lambda: reads.project_totals(project["id"])),
            best_of(20, lambda: reads.schedule(station, *may)),
            best_of(3, lambda: reads.uninsured(None, *year)),
            best_of(20, lambda: ledger.reads.volunteer(volunteer)),
        )


def best_of(times: int, work: Callable[[], object]) -> float:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return min(seconds)


def aggregate(url: str, schema: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            sql.SQL(
                "SELECT unit_id, sum(hours) FROM {}.hour_entry_versions "
                "GROUP BY unit_id"
            ).format(sql.Identifier(schema))
        ).fetchall()


def copy_export(url: str, schema: str) -> tuple[int, float]:
    """The hours export's own query, copied out as text: the read limit."""
    query = ExportRows(None, schema).query(EXPORTS[ExportKind.HOURS])  # type: ignore[arg-type]
    params = {
        "unit": CENTER_ID,
        "start": datetime(YEAR, 1, 1, tzinfo=UTC),
        "end": datetime(YEAR + 1, 1, 1, tzinfo=UTC),
    }
    rows = 0
    start = time.perf_counter()
    with psycopg.connect(url) as conn, psycopg.ClientCursor(conn) as cur:
        bound = sql.SQL(cur.mogrify(query, params))
        with cur.copy(sql.SQL("COPY ({}) TO STDOUT").format(bound)) as copy:
            for _ in copy:
                pass
        rows = cur.rowcount
    return rows, time.perf_counter() - start


@dataclass(frozen=True)
class Exported:
    rows: int
    seconds: float
    peak_mib: float


def cli_env(server: BenchServer, url: str, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "VLEDGER_DATABASE_URL": url,
        "VLEDGER_MASTER_KEY": key,
        "VLEDGER_HOME": str(server.home / "cli"),
        "PYTHONPATH": str(ROOT),
    }


def export(env: dict[str, str], fmt: str, first_day: str) -> Exported:
    """`vledger export hours` of the centre in a child process: its rows, wall
    time and peak resident memory (its own: `bench/peak.py` starts it)."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"hours.{fmt}"
        peak = Path(folder) / "peak"
        command = [sys.executable, "-m", "bench.peak", str(peak)]
        command += [sys.executable, "-m", "entrypoints.cli", "export", "hours"]
        command += ["--unit", str(CENTER_ID), "--from", first_day]
        command += ["--to", f"{YEAR}-12-31", "--format", fmt, "--output", str(output)]
        said, errors = Path(folder) / "out", Path(folder) / "err"
        start = time.perf_counter()
        with said.open("wb") as out, errors.open("wb") as err:
            returncode = subprocess.call(
                command, env=env, cwd=ROOT, stdout=out, stderr=err
            )
        seconds = time.perf_counter() - start
        if returncode != 0:
            raise RuntimeError(f"export failed: {errors.read_text()}")
        rows = int(said.read_text().split(" rows", 1)[0].replace(",", ""))
        return Exported(rows, seconds, int(peak.read_text()) / 1024)
