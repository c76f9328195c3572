"""Backup and restore on real Postgres, with Postgres's own pg_dump and pg_restore: a
backup taken while hours are being recorded restores into another database as an
exact prefix of the log, proves itself (chain, read models, signed checkpoint), and
brings the vault and the tokens along; a restore that cannot be done writes nothing."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from application.services import Container
from domain.access import Actor, Role
from entrypoints import cli
from entrypoints.backup import backup, holds, restore, tools
from infra.backup import BackupError, bundled_tools, user_relations
from infra.settings import Settings, new_master_key
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register
from tests.waiting import wait_for


class HoursWriter(threading.Thread):
    """Records half an hour of service after another until stopped."""

    def __init__(self, container: Container, admin: Actor) -> None:
        super().__init__(name="hours-writer", daemon=True)
        district = make_district(container, admin)
        self.volunteer = register(container, admin, district.station)
        self.args = (container, admin, self.volunteer, district.station)
        self.written = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            start = NOW - timedelta(hours=self.written + 1)
            record(*self.args, start, 30)
            self.written += 1


def log_rows(url: str) -> list[tuple[Any, ...]]:
    """Every stored event with its link, exactly as stored."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT e.notification_id, e.originator_id, e.originator_version, "
            "e.topic, e.state, c.link FROM vledger_events e "
            "JOIN audit_chain c USING (notification_id) ORDER BY 1"
        ).fetchall()


def elsewhere(settings: Settings, url: str, **changes: object) -> Settings:
    return Settings(**{**settings.model_dump(), "database_url": url, **changes})


def test_a_backup_taken_under_writes_restores_elsewhere_as_a_prefix_of_the_log(
    container: Container,
    admin: Actor,
    settings: Settings,
    fresh_database: Callable[[], str],
    make_container: Callable[..., Container],
    tmp_path: Path,
) -> None:
    writer = HoursWriter(container, admin)
    issued = container.tokens.issue(Role.AUDITOR, "审计员", None, None)
    writer.start()
    wait_for(lambda: writer.written >= 5, "hours recorded before the backup")
    before = len(log_rows(container.db.url))
    made = backup(container, tmp_path / "ledger.dump")
    after = writer.written
    wait_for(lambda: writer.written > after, "hours recorded after the backup")
    writer.stopping.set()
    writer.join()

    target = fresh_database()
    report = restore(elsewhere(settings, target), tmp_path / "ledger.dump")

    original, restored = log_rows(container.db.url), log_rows(target)
    assert before < len(restored) < len(original)
    assert restored == original[: len(restored)]
    assert report["chain"]["intact"]
    assert report["chain"]["head_hash"] == bytes(restored[-1][5]).hex()
    assert report["read_models"]["position"] == restored[-1][0]
    checkpoint = report["checkpoint"]
    assert checkpoint["notification_id"] == made["checkpoint"]["notification_id"]
    assert checkpoint["signed_by_district"]
    assert checkpoint["events_after"] == restored[-1][0] - checkpoint["notification_id"]
    assert holds(report)

    copy = make_container(database_url=target)
    assert copy.audit.differences(copy.audit.replay()) == []
    assert copy.reads.all_standings()[writer.volunteer]["verified_hours"] > 0
    person = copy.vault.personal_data(writer.volunteer)
    assert person is not None
    assert person.name == "王小明"
    actor = copy.tokens.authenticate(issued.token)
    assert actor is not None
    assert actor.role is Role.AUDITOR


def test_what_is_rebuilt_is_not_in_the_backup(
    container: Container, admin: Actor, tmp_path: Path
) -> None:
    register(container, admin, make_district(container, admin).station)
    container.projector.catch_up()  # type: ignore[union-attr]
    backup(container, tmp_path / "ledger.dump")
    entries = tools(container.settings, container.db.url).entries(
        tmp_path / "ledger.dump"
    )
    data = {e.split()[6] for e in entries if " TABLE DATA public " in e}
    assert {"vledger_events", "audit_chain", "pii_vault", "api_tokens"} <= data
    assert not data & {"vledger_snapshots", "relay_position", "relay_partitions"}
    assert not [e for e in entries if " readmodel " in e]


@pytest.fixture
def dump(container: Container, admin: Actor, tmp_path: Path) -> Path:
    register(container, admin, make_district(container, admin).station)
    path = tmp_path / "ledger.dump"
    backup(container, path)
    return path


def restore_cli(monkeypatch: pytest.MonkeyPatch, url: str, key: str, *args: str) -> int:
    monkeypatch.setenv("VLEDGER_DATABASE_URL", url)
    monkeypatch.setenv("VLEDGER_MASTER_KEY", key)
    return cli.main(["restore", *args])


def test_the_restore_command_prints_its_report_and_the_backup_command_its_checkpoint(
    container: Container,
    admin: Actor,
    settings: Settings,
    fresh_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cli_env: None,
) -> None:
    register(container, admin, make_district(container, admin).station)
    path = tmp_path / "ledger.dump"
    assert cli.main(["backup", str(path)]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["bytes"] == path.stat().st_size
    key = settings.master_key.get_secret_value()  # type: ignore[union-attr]
    assert restore_cli(monkeypatch, fresh_database(), key, str(path)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checkpoint"]["link"] == made["checkpoint"]["link"]
    assert report["checkpoint"]["holds"]


def test_a_restore_into_a_database_in_use_is_refused(
    dump: Path,
    container: Container,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = settings.master_key.get_secret_value()  # type: ignore[union-attr]
    before = log_rows(container.db.url)
    assert restore_cli(monkeypatch, container.db.url, key, str(dump)) == 2
    assert "the database is not empty" in capsys.readouterr().err
    assert log_rows(container.db.url) == before


def test_a_restore_under_another_master_key_writes_nothing(
    dump: Path,
    fresh_database: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = fresh_database()
    assert restore_cli(monkeypatch, target, new_master_key(), str(dump)) == 2
    assert "written with another master key" in capsys.readouterr().err
    assert user_relations(target) == []


def test_a_backup_cut_short_writes_nothing(
    dump: Path,
    settings: Settings,
    fresh_database: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    whole = dump.read_bytes()
    cut = tmp_path / "cut.dump"
    cut.write_bytes(whole[: len(whole) * 9 // 10])
    target = fresh_database()
    key = settings.master_key.get_secret_value()  # type: ignore[union-attr]
    assert restore_cli(monkeypatch, target, key, str(cut)) == 2
    assert "vledger:" in capsys.readouterr().err
    assert user_relations(target) == []


def test_a_file_that_is_not_a_backup_is_refused(
    settings: Settings,
    fresh_database: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("不是备份")
    key = settings.master_key.get_secret_value()  # type: ignore[union-attr]
    target = fresh_database()
    assert restore_cli(monkeypatch, target, key, str(other)) == 2
    assert "is not a backup made by `vledger backup`" in capsys.readouterr().err
    assert restore_cli(monkeypatch, target, key, str(tmp_path / "gone.dump")) == 2
    assert "no backup file" in capsys.readouterr().err
    assert user_relations(target) == []


def test_a_restore_whose_checkpoint_is_not_the_districts_does_not_hold(
    dump: Path, settings: Settings, fresh_database: Callable[[], str]
) -> None:
    seed = base64.b64encode(secrets.token_bytes(32)).decode()
    other_signer = elsewhere(settings, fresh_database(), signing_key=seed)
    report = restore(other_signer, dump)
    assert report["chain"]["intact"]
    assert not report["checkpoint"]["signed_by_district"]
    assert not holds(report)


def test_a_restore_whose_reader_fails_after_whole_statements_writes_nothing(
    dump: Path,
    settings: Settings,
    fresh_database: Callable[[], str],
    tmp_path: Path,
) -> None:
    """pg_restore emits the whole script, then fails (as on a read error at the
    file's end): psql has run every statement, yet nothing is committed."""
    tools_dir = tmp_path / "bin"
    tools_dir.mkdir()
    real = bundled_tools()
    for name in ("pg_dump", "psql"):
        (tools_dir / name).symlink_to(real / name)
    failing = tools_dir / "pg_restore"
    failing.write_text(
        "#!/bin/sh\n"
        f'"{real}/pg_restore" "$@" || exit $?\n'
        'case "$*" in *--file=-*) echo "pg_restore: error: read error" >&2; exit 1;; '
        "esac\n"
    )
    failing.chmod(0o755)
    target = fresh_database()
    with pytest.raises(BackupError, match="pg_restore failed: pg_restore: error: read"):
        restore(elsewhere(settings, target, pg_bin=tools_dir), dump)
    assert user_relations(target) == []
