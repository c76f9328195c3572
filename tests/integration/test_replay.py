"""Replay and verification on real Postgres: what stood at an instant, and whether
the live read models follow from the events."""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from application.hours import CorrectHours
from application.services import Container
from domain.access import Actor
from entrypoints.cli import main
from infra.settings import Settings
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register


def twenty_hour_days(
    container: Container, admin: Actor, volunteer: UUID, unit: UUID, days: range
) -> list[UUID]:
    return [
        record(container, admin, volunteer, unit, NOW - timedelta(days=day), 20 * 60)
        for day in days
    ]


def an_instant_between_writes() -> datetime:
    time.sleep(0.01)
    instant = datetime.now(UTC)
    time.sleep(0.01)
    return instant


def test_as_of_an_instant_counts_exactly_what_stood_then(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    before = twenty_hour_days(
        container, admin, volunteer, district.station, range(1, 6)
    )
    instant = an_instant_between_writes()
    twenty_hour_days(container, admin, volunteer, district.station, range(6, 8))
    revoke = CorrectHours(volunteer, before[0], "记录有误", revoke=True)
    container.commands.run(container.hours.correct, revoke, admin)
    then = container.audit.volunteer_as_of(volunteer, instant).star_levels()
    now = container.audit.volunteer_as_of(volunteer, None).star_levels()
    assert [
        (r["verified_hours"], r["star_level"], r["points_balance"]) for r in then
    ] == [(100, 1, 1000)]
    assert [
        (r["verified_hours"], r["star_level"], r["points_balance"]) for r in now
    ] == [(120, 1, 1200)]
    assert [r["live_entries"] for r in then + now] == [5, 6]
    whole = container.audit.replay(instant)
    assert [r["verified_hours"] for r in whole.star_levels()] == [100]
    assert [r["balance"] for r in whole.balances()] == [1000]


def test_a_revocation_after_the_instant_does_not_reach_back(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    entries = twenty_hour_days(
        container, admin, volunteer, district.station, range(1, 6)
    )
    instant = an_instant_between_writes()
    revoke = CorrectHours(volunteer, entries[0], "重复登记", revoke=True)
    container.commands.run(container.hours.correct, revoke, admin)
    then = container.audit.replay(instant).star_levels()
    now = container.audit.replay().star_levels()
    assert [(r["verified_hours"], r["star_level"]) for r in then] == [(100, 1)]
    assert [(r["verified_hours"], r["star_level"]) for r in now] == [(80, 0)]
    balances = container.audit.replay(with_entries=True).balances(with_entries=True)
    assert [e["points"] for e in balances[0]["entries"]] == [200] * 5 + [-200]


@pytest.fixture
def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    assert settings.database_url is not None
    assert settings.master_key is not None
    monkeypatch.setenv("VLEDGER_DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("VLEDGER_MASTER_KEY", settings.master_key.get_secret_value())
    return main


def test_verify_passes_on_the_demo_and_names_a_changed_read_model_row(
    demo: Container, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.audit.differences(demo.audit.replay()) == []
    assert run_cli(["verify"]) == 0
    assert "no differences: 40 volunteers" in capsys.readouterr().out
    victim = demo.reads.volunteers(None, None, None, 1, 0)[0][0]["id"]
    with psycopg.connect(demo.db.url) as conn:
        conn.execute(
            "UPDATE readmodel.accounts SET balance = balance + 5 "
            "WHERE volunteer_id = %s",
            (victim,),
        )
    differences = demo.audit.differences(demo.audit.replay())
    assert [(d["table"], d["key"], d["field"]) for d in differences] == [
        ("accounts", victim, "balance")
    ]
    assert differences[0]["live"] == differences[0]["replayed"] + 5
    assert differences[0]["events"]
    assert run_cli(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"DIFFERENT accounts {victim} balance" in out
    assert "1 differences" in out


def test_verify_names_a_star_level_that_does_not_follow_from_the_hours(
    demo: Container,
) -> None:
    victim = demo.reads.volunteers(None, None, None, 1, 0)[0][0]["id"]
    with psycopg.connect(demo.db.url) as conn:
        conn.execute(
            "UPDATE readmodel.volunteers SET star_level = 5 WHERE id = %s", (victim,)
        )
    differences = demo.audit.differences(demo.audit.replay())
    assert [(d["table"], d["key"], d["field"], d["live"]) for d in differences] == [
        ("volunteers", victim, "star_level", 5)
    ]


def test_replay_writes_json_or_csv(
    demo: Container,
    run_cli: Callable[..., int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path
    assert run_cli(["replay", "--output", str(out / "r.json")]) == 0
    assert run_cli(["replay", "--format", "csv", "--output", str(out / "r.csv")]) == 0
    replayed = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert len(replayed["star_levels"]) == 40
    account = replayed["balances"][0]
    total = sum(Decimal(e["points"]) for e in account["entries"])
    assert total == Decimal(account["balance"])
    lines = (out / "r.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("volunteer_id,volunteer_number,unit_id,verified_hours")
    assert len(lines) == 41
    for row in csv.DictReader(lines):
        for column in ("verified_hours", "points_balance"):
            assert re.fullmatch(r"-?\d+\.\d\d", row[column]), row
    with pytest.raises(SystemExit) as refused:
        run_cli(["replay", "--as-of", "yesterday"])
    assert refused.value.code == 2
    assert "not a time with offset or a date" in capsys.readouterr().err


def test_audit_verify_exits_1_on_a_broken_chain(
    demo: Container, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["audit", "verify"]) == 0
    assert json.loads(capsys.readouterr().out)["intact"] is True
    with psycopg.connect(demo.db.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE vledger_events DISABLE TRIGGER USER")
        conn.execute(
            "UPDATE vledger_events SET state = state || ' '::bytea "
            "WHERE notification_id = 7"
        )
    capsys.readouterr()
    assert run_cli(["audit", "verify"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is False
    assert report["first_broken"]["notification_id"] == 7
