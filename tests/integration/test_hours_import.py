"""Bulk import of hours from CSV (`vledger import-hours`) against a real Postgres."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest

from application.imports import REQUIRED, ImportReport, read_rows
from application.services import Container
from domain.access import Actor, Role
from entrypoints import cli
from infra.event_store import BULK_EVENTS
from infra.settings import Settings
from tests.conftest import NOW, event_count
from tests.integration.helpers import DETAILS, District, make_district, register


@pytest.fixture
def district(container: Container, admin: Actor) -> District:
    return make_district(container, admin)


def number_of(container: Container, volunteer_id: UUID) -> str:
    return str(container.aggregates.volunteer(volunteer_id).volunteer_number)


def row(number: str, unit: UUID, start: datetime, minutes: int) -> dict[str, str]:
    return {
        "volunteer_number": number,
        "unit_id": str(unit),
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
        "activity_name": DETAILS.activity_name,
        "location": DETAILS.location,
        "service_recipient": DETAILS.service_recipient,
        "content": DETAILS.content,
        "leader": DETAILS.leader,
    }


def as_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = REQUIRED) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def run_import(container: Container, text: str) -> ImportReport:
    container.projector.catch_up()  # type: ignore[union-attr]
    rows, errors = read_rows(io.StringIO(text))
    importer = Actor(Role.ADMIN, uuid4(), "import:test")
    return container.imports.run(rows, importer, errors)


def hours_back(n: int) -> datetime:
    return NOW - timedelta(hours=n)


def test_a_clean_file_records_every_row_with_its_points(
    container: Container, admin: Actor, district: District
) -> None:
    first = register(container, admin, district.station, 1)
    second = register(container, admin, district.station, 2)
    rows = [
        row(number_of(container, first), district.station, hours_back(10), 60),
        row(number_of(container, first), district.station, hours_back(8), 90),
        row(number_of(container, second), district.station, hours_back(10), 120),
    ]
    report = run_import(container, as_csv(rows))
    assert (report.new, report.already_recorded, report.errors) == (3, 0, [])
    assert report.written
    assert report.events == 6
    hours = {e.hours for e in container.aggregates.volunteer(first).live_entries()}
    assert hours == {Decimal(1), Decimal("1.5")}
    assert container.aggregates.account(second).balance == Decimal(20)


def test_optional_columns_classify_the_rows_and_a_wrong_one_is_named(
    container: Container, admin: Actor, district: District
) -> None:
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    columns = (*REQUIRED, "category", "subcategory", "team_id")
    classified = {
        **row(number, district.station, hours_back(10), 60),
        "category": "elderly",
        "subcategory": "companionship",
    }
    wrong = {
        **row(number, district.station, hours_back(8), 60),
        "category": "elderly",
        "team_id": str(uuid4()),
    }
    refused = run_import(container, as_csv([classified, wrong], columns))
    assert [(e.line, e.field, e.rule) for e in refused.errors] == [
        (3, "team_id", "team_exists")
    ]
    report = run_import(container, as_csv([classified], columns))
    assert report.written
    container.projector.catch_up()  # type: ignore[union-attr]
    (entry,), _ = container.reads.hours(volunteer, 10, 0)
    assert (entry["category"], entry["subcategory"], entry["team_id"]) == (
        "elderly",
        "companionship",
        None,
    )


def test_a_file_with_a_refused_row_writes_nothing_and_names_each_refused_row(
    container: Container, admin: Actor, district: District, database_url: str
) -> None:
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    bad_time = row(number, district.station, hours_back(30), 60)
    bad_time["started_at"] = "yesterday"
    rows = [
        row(number, district.station, hours_back(10), 60),
        row(number, district.station, hours_back(10) + timedelta(minutes=30), 60),
        row("V99999999", district.station, hours_back(20), 60),
        bad_time,
        row(number, district.station, hours_back(2), 4 * 60),  # ends in the future
    ]
    before = event_count(database_url)
    report = run_import(container, as_csv(rows))
    found = [(e.line, e.field, e.rule) for e in report.errors]
    assert found == [
        (3, "started_at", "no_overlapping_entries"),
        (4, "volunteer_number", "volunteer_exists"),
        (5, "started_at", "iso_datetime"),
        (6, "ended_at", "end_not_in_future"),
    ]
    assert not report.written
    assert event_count(database_url) == before
    assert container.aggregates.volunteer(volunteer).entries == {}


def test_running_the_same_file_again_records_only_what_is_missing(
    container: Container, admin: Actor, district: District, database_url: str
) -> None:
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    rows = [row(number, district.station, hours_back(n * 2), 60) for n in range(1, 6)]
    partly = run_import(container, as_csv(rows[:2]))
    assert partly.new == 2
    after_first = event_count(database_url)
    whole = run_import(container, as_csv(rows))
    assert (whole.new, whole.already_recorded, whole.errors) == (3, 2, [])
    again = run_import(container, as_csv(rows))
    assert (again.new, again.already_recorded) == (0, 5)
    assert event_count(database_url) == after_first + 6
    assert len(container.aggregates.volunteer(volunteer).live_entries()) == 5


def test_a_large_file_is_saved_in_chunks_of_whole_rows(
    container: Container, admin: Actor, district: District, database_url: str
) -> None:
    """Chunks of 300 rows: two written by COPY, the last 100 rows (200 events, below
    `BULK_EVENTS`) by the commands' insert; each a transaction of whole rows."""
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    rows = [row(number, district.station, hours_back(n), 30) for n in range(1, 701)]
    container.imports.rows_per_chunk = 300
    report = run_import(container, as_csv(rows))
    assert report.written
    assert report.events == 1400
    with psycopg.connect(database_url) as conn:
        sizes = [
            n
            for (n,) in conn.execute(
                "SELECT count(*) FROM vledger_events WHERE originator_version > 1 "
                "GROUP BY xmin::text::bigint"
            )
        ]
    written = [n for n in sizes if n > 1]  # registration's own single events aside
    assert sorted(written) == [200, 600, 600]
    assert BULK_EVENTS <= 600
    assert container.aggregates.account(volunteer).balance == Decimal(5 * 700)
    chained = container.audit.chain()
    assert chained.intact
    assert chained.verified_through == container.store.max_position()


def test_a_header_without_a_required_column_is_refused() -> None:
    rows, errors = read_rows(io.StringIO("volunteer_number,unit_id\nV1,x\n"))
    assert rows == []
    assert [(e.line, e.field, e.rule) for e in errors] == [
        (1, "started_at", "column_required")
    ]


def test_the_command_prints_its_report_and_exits_1_on_a_refused_row(
    container: Container,
    admin: Actor,
    district: District,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    monkeypatch.setenv("VLEDGER_DATABASE_URL", settings.database_url.get_secret_value())  # type: ignore[union-attr]
    monkeypatch.setenv("VLEDGER_MASTER_KEY", settings.master_key.get_secret_value())  # type: ignore[union-attr]
    monkeypatch.setenv("VLEDGER_HOME", str(tmp_path / "cli"))
    good = tmp_path / "good.csv"
    good.write_text(as_csv([row(number, district.station, hours_back(5), 60)]))
    bad = tmp_path / "bad.csv"
    bad.write_text(as_csv([row("V77777777", district.station, hours_back(5), 60)]))

    assert cli.main(["import-hours", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "line 2: volunteer_number: no volunteer V77777777 [volunteer_exists]" in err
    assert json.loads(out)["written"] is False

    latin = tmp_path / "latin.csv"
    latin.write_bytes(as_csv([]).encode() + "李".encode("gb18030") + b"\n")
    assert cli.main(["import-hours", str(latin)]) == 2
    assert "latin.csv is not UTF-8 text" in capsys.readouterr().err
    assert cli.main(["import-hours", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err

    assert cli.main(["import-hours", str(good)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["new"], report["written"]) == (1, True)
    assert report["actor"].startswith("admin:import:good.csv:")


def test_imported_hours_reach_the_read_model_with_their_star_level(
    container: Container, admin: Actor, district: District
) -> None:
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    days = [
        row(number, district.station, hours_back(24 * n), 20 * 60) for n in range(1, 16)
    ]
    run_import(container, as_csv(days[:4] + days[5:]))  # 280 h
    container.projector.catch_up()  # type: ignore[union-attr]
    read = container.reads.volunteer(volunteer)
    assert read is not None
    assert (read["verified_hours"], read["star_level"]) == (Decimal(280), 1)
    run_import(container, as_csv(days))  # the missing day: 300 h
    container.projector.catch_up()  # type: ignore[union-attr]
    read = container.reads.volunteer(volunteer)
    assert read is not None
    assert (read["verified_hours"], read["star_level"]) == (Decimal(300), 2)


def test_text_a_read_model_cannot_hold_is_refused_before_anything_is_written(
    container: Container, admin: Actor, district: District, database_url: str
) -> None:
    volunteer = register(container, admin, district.station, 1)
    number = number_of(container, volunteer)
    bell = row(number, district.station, hours_back(10), 60)
    bell["leader"] = "李\x07站长"
    before = event_count(database_url)
    report = run_import(container, as_csv([bell]))
    assert [(e.line, e.field, e.rule) for e in report.errors] == [
        (2, "leader", "no_control_characters")
    ]
    assert event_count(database_url) == before
    nul = as_csv([row(number, district.station, hours_back(10), 60)]).replace(
        "李站长", "李\x00站长"
    )
    assert [e.rule for e in run_import(container, nul).errors] == [
        "no_control_characters"
    ]
    huge = as_csv([row(number, district.station, hours_back(10), 60)]).replace(
        "李站长", "李" * 200_000
    )  # past the csv module's field limit: the file cannot be read on
    assert [e.rule for e in run_import(container, huge).errors] == ["csv_format"]
    assert event_count(database_url) == before
