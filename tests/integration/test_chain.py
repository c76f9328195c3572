"""Tamper evidence on real Postgres: the events table is append-only, and the hash
chain names the first broken link after a byte flip, a deleted row, swapped rows, an
event slipped in around the ledger, or a log cut short of a checkpoint."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from application.services import Container
from domain.access import Actor
from entrypoints import cli
from infra import chain, signing
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register


@pytest.fixture
def history(container: Container, admin: Actor) -> list[int]:
    """A small district with hours; returns the notification ids in order."""
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    for day in range(3):
        start = NOW - timedelta(days=day + 1)
        record(container, admin, volunteer, district.station, start, 120)
    with psycopg.connect(container.db.url) as conn:
        rows = conn.execute(
            "SELECT notification_id FROM vledger_events ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


@contextmanager
def triggers_off(
    url: str, *tables: str
) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """What an administrator with full rights could do behind the ledger's back."""
    tables = tables or ("vledger_events", "audit_chain")
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield conn
        for table in tables:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_an_untouched_log_verifies_to_its_head(
    container: Container, history: list[int]
) -> None:
    report = container.audit.chain()
    assert report.intact
    assert (report.verified_through, report.events) == (history[-1], len(history))
    assert len(report.head_hash) == 64


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE vledger_events SET topic = topic",
        "DELETE FROM vledger_events WHERE notification_id = 1",
        "TRUNCATE vledger_events",
        "UPDATE audit_chain SET link = link",
        "DELETE FROM audit_chain",
    ],
)
def test_the_log_and_its_chain_refuse_changes(
    container: Container, history: list[int], statement: str
) -> None:
    with (
        psycopg.connect(container.db.url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        conn.execute(statement)


def test_a_flipped_byte_breaks_that_link(
    container: Container, history: list[int]
) -> None:
    target = history[4]
    with triggers_off(container.db.url) as conn:
        conn.execute(
            "UPDATE vledger_events SET state = set_byte(state, 10, "
            "get_byte(state, 10) # 1) WHERE notification_id = %s",
            (target,),
        )
    report = container.audit.chain()
    assert report.first_broken is not None
    assert report.first_broken["notification_id"] == target
    assert report.verified_through == history[3]


def test_a_deleted_event_is_named(container: Container, history: list[int]) -> None:
    target = history[2]
    with triggers_off(container.db.url) as conn:
        conn.execute("DELETE FROM vledger_events WHERE notification_id = %s", (target,))
    broken = container.audit.chain().first_broken
    assert broken == {
        "notification_id": target,
        "reason": "the event is missing from the log",
    }


def test_two_swapped_events_break_at_the_first_of_them(
    container: Container, history: list[int]
) -> None:
    first, second = history[3], history[6]
    with triggers_off(container.db.url) as conn:
        for old, new in ((first, -1), (second, first), (-1, second)):
            conn.execute(
                "UPDATE vledger_events SET notification_id = %s "
                "WHERE notification_id = %s",
                (new, old),
            )
    broken = container.audit.chain().first_broken
    assert broken is not None
    assert broken["notification_id"] == first


def test_an_event_slipped_in_around_the_ledger_is_named(
    container: Container, history: list[int]
) -> None:
    forged = history[-1] + 100
    with triggers_off(container.db.url) as conn:
        conn.execute(
            "INSERT INTO vledger_events (notification_id, originator_id, "
            "originator_version, topic, state) SELECT %s, originator_id, 99, topic, "
            "state FROM vledger_events WHERE notification_id = %s",
            (forged, history[-1]),
        )
    assert container.audit.chain().first_broken == {
        "notification_id": forged,
        "reason": "the event was never chained",
    }


def test_a_log_cut_short_of_its_checkpoint_is_named(
    container: Container, history: list[int]
) -> None:
    made = container.audit.checkpoint()
    assert made is not None
    assert made["notification_id"] == history[-1]
    with triggers_off(container.db.url) as conn:
        for table in ("vledger_events", "audit_chain"):
            conn.execute(
                f"DELETE FROM {table} WHERE notification_id = %s",
                (history[-1],),
            )
    assert container.audit.chain().first_broken == {
        "notification_id": history[-1],
        "reason": "the log ends before this checkpoint",
    }


def test_a_checkpoint_falls_due_as_the_log_grows(
    container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    with container.db.pool.connection() as conn:
        assert chain.checkpoint_due(conn)  # none yet
        chain.checkpoint(conn)
        assert not chain.checkpoint_due(conn)  # the head has not moved
    register(container, admin, district.station)
    with container.db.pool.connection() as conn:
        assert not chain.checkpoint_due(conn)  # a few events, within the hour
    with triggers_off(container.db.url, "audit_checkpoints") as conn:
        conn.execute(
            "UPDATE audit_checkpoints SET made_at = now() - interval '2 hours'"
        )
    with container.db.pool.connection() as conn:
        assert chain.checkpoint_due(conn)


def test_erasing_a_persons_key_leaves_the_chain_intact(
    container: Container, history: list[int]
) -> None:
    with psycopg.connect(container.db.url) as conn:
        conn.execute("UPDATE pii_vault SET wrapped_key = NULL")
    assert container.audit.chain().intact


def test_events_from_before_the_chain_are_chained_at_start_up(
    container: Container,
    history: list[int],
    make_container: Callable[..., Container],
) -> None:
    with triggers_off(container.db.url, "audit_chain") as conn:
        conn.execute("DELETE FROM audit_chain")  # a log written before the chain
    assert container.audit.chain().first_broken is not None
    restarted = make_container()
    report = restarted.audit.chain()
    assert report.intact
    assert (report.verified_through, report.events) == (history[-1], len(history))


def test_a_checkpoint_is_signed_with_the_key_whose_public_half_is_printed(
    container: Container,
    history: list[int],
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = container.audit.checkpoint()
    assert made is not None
    assert cli.main(["audit", "public-key"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["algorithm"] == "Ed25519"
    assert printed == container.audit.public_key()
    public_key = bytes.fromhex(printed["public_key"])
    link, signature = bytes.fromhex(made["link"]), bytes.fromhex(made["signature"])
    assert signing.holds(public_key, made["notification_id"], link, signature)
    with psycopg.connect(container.db.url) as conn:
        row = conn.execute(
            "SELECT signature FROM audit_checkpoints WHERE notification_id = %s",
            (made["notification_id"],),
        ).fetchone()
    assert row is not None
    assert bytes(row[0]) == signature


def test_a_signing_key_of_its_own_replaces_the_derived_one(
    make_container: Callable[..., Container],
) -> None:
    seed = secrets.token_bytes(32)
    own = make_container(signing_key=base64.b64encode(seed).decode())
    expected = signing.CheckpointSigner(seed).public_key.hex()
    assert own.audit.public_key()["public_key"] == expected
    derived = make_container()
    assert derived.audit.public_key()["public_key"] != expected


def kept_file(tmp_path: Path, *checkpoints: dict[str, Any]) -> Path:
    path = tmp_path / "kept.ndjson"
    path.write_text("".join(json.dumps(c) + "\n" for c in checkpoints))
    return path


def verify_against(path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    status = cli.main(["audit", "verify", "--against", str(path)])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.usefixtures("cli_env")
def test_a_log_rewritten_with_every_link_recomputed_fails_against_a_kept_checkpoint(
    container: Container,
    history: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = container.audit.checkpoint()
    assert kept is not None
    path = kept_file(tmp_path, kept)
    status, report = verify_against(path, capsys)
    assert status == 0
    assert report["against"] == [
        {
            "notification_id": kept["notification_id"],
            "signed_by_district": True,
            "holds": True,
            "reason": None,
        }
    ]
    # Whoever can drop the triggers rewrites an event, recomputes every link after
    # it and the checkpoints in the database: the chain verifies on its own.
    target = history[4]
    with triggers_off(
        container.db.url, "vledger_events", "audit_chain", "audit_checkpoints"
    ) as conn:
        conn.execute(
            "UPDATE vledger_events SET state = set_byte(state, 10, "
            "get_byte(state, 10) # 1) WHERE notification_id = %s",
            (target,),
        )
        conn.execute("DELETE FROM audit_chain WHERE notification_id >= %s", (target,))
        conn.execute("DELETE FROM audit_checkpoints")
        conn.execute(chain.extend_statement("vledger_events"))
    assert container.audit.chain().intact
    status, report = verify_against(path, capsys)
    assert status == 1
    assert report["intact"] is True
    differs = "the log's link here differs from the kept one"
    assert report["against"][0]["reason"] == differs


@pytest.mark.usefixtures("cli_env")
def test_a_kept_checkpoint_not_signed_by_the_district_fails(
    container: Container,
    history: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = container.audit.checkpoint()
    assert kept is not None
    forger = signing.CheckpointSigner(secrets.token_bytes(32))
    link = bytes.fromhex(kept["link"])
    forged = {**kept, "signature": forger.sign(kept["notification_id"], link).hex()}
    status, report = verify_against(kept_file(tmp_path, forged), capsys)
    assert status == 1
    assert report["against"][0]["reason"] == "the signature is not the district's"
    assert report["against"][0]["signed_by_district"] is False


@pytest.mark.usefixtures("cli_env")
def test_a_kept_checkpoint_past_the_log_fails(
    container: Container,
    history: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ahead = {"notification_id": history[-1] + 10, "link": "00" * 32}
    status, report = verify_against(kept_file(tmp_path, ahead), capsys)
    assert status == 1
    assert report["against"][0]["reason"] == (
        "the verified log does not reach this checkpoint"
    )


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    "line",
    [
        "not json",
        '{"link": "00"}',
        '{"notification_id": 1, "link": "zz"}',
        '{"notification_id": 99999999999999999999, "link": "00"}',
        "[1, 2]",
    ],
)
def test_a_kept_file_that_holds_no_checkpoint_is_refused_naming_its_line(
    container: Container,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    line: str,
) -> None:
    path = tmp_path / "kept.ndjson"
    path.write_text(line + "\n")
    assert cli.main(["audit", "verify", "--against", str(path)]) == 2
    assert "line 1: not a checkpoint" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
def test_a_kept_file_that_cannot_be_read_is_refused(
    container: Container, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.ndjson"
    assert cli.main(["audit", "verify", "--against", str(missing)]) == 2
    assert f"cannot read {missing}" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
def test_checkpoints_appended_as_the_command_prints_them_are_read(
    container: Container,
    admin: Actor,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`vledger audit checkpoint >> kept.ndjson`, now and after more events."""
    station = make_district(container, admin).station
    path = tmp_path / "kept.ndjson"
    printed = []
    for serial in (1, 2):
        register(container, admin, station, serial)
        assert cli.main(["audit", "checkpoint"]) == 0
        printed.append(capsys.readouterr().out)
    path.write_text("".join(printed))
    status, report = verify_against(path, capsys)
    assert status == 0
    assert [h["holds"] for h in report["against"]] == [True, True]
    assert report["against"][0]["notification_id"] < report["verified_through"]
