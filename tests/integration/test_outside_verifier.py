"""The outside verifier printed in docs/auditing.md, run exactly as printed with
Python's standard library only (no site-packages), against `vledger audit export`
files of a real log, reaches the verdicts of `vledger audit verify`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from application.services import Container
from entrypoints import cli
from tests.integration.test_chain import history, triggers_off

__all__ = ["history"]  # the fixture, shared with the chain's own tests

DOCS = Path(__file__).resolve().parents[2] / "docs" / "auditing.md"
BLOCK = re.compile(r"<!-- outside-verifier[^>]*-->\n```python\n(.*?)```", re.DOTALL)

#: What an administrator with full rights might do behind the ledger's back, by
#: position in the history: statements and the positions they name.
TAMPERING = {
    "intact": [],
    "a byte changed": [
        (
            "UPDATE vledger_events SET state = set_byte(state, 10, "
            "get_byte(state, 10) # 1) WHERE notification_id = %s",
            (4,),
        )
    ],
    "an event deleted": [
        ("DELETE FROM vledger_events WHERE notification_id = %s", (2,))
    ],
    "two events swapped": [
        (
            "UPDATE vledger_events SET notification_id = %s WHERE notification_id = %s",
            pair,
        )
        for pair in (("-1", 3), (3, 6), (6, "-1"))
    ],
}


def verifier(tmp_path: Path) -> Path:
    found = BLOCK.search(DOCS.read_text(encoding="utf-8"))
    assert found is not None, "docs/auditing.md lost its verifier block"
    text = found.group(1)
    assert len(text.splitlines()) <= 40
    script = tmp_path / "verify_export.py"
    script.write_text(text, encoding="utf-8")
    return script


def tamper(url: str, history: list[int], case: str) -> None:
    with triggers_off(url) as conn:
        for statement, positions in TAMPERING[case]:
            ids = [-1 if p == "-1" else history[int(p)] for p in positions]
            conn.execute(statement, ids)


def run_outside(script: Path, export: Path) -> tuple[int, dict[str, Any]]:
    """`-I -S`: no environment, no site-packages, only the standard library."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(export)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.stderr == ""
    return done.returncode, json.loads(done.stdout)


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("case", list(TAMPERING))
def test_the_documented_verifier_agrees_with_audit_verify(
    container: Container,
    history: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    tamper(container.db.url, history, case)
    export = tmp_path / "log.ndjson"
    assert cli.main(["audit", "export", "--to", str(export)]) == 0
    assert f"events written to {export}" in capsys.readouterr().out

    status, outside = run_outside(verifier(tmp_path), export)

    expected = container.audit.chain().summary()
    assert status == (0 if expected["intact"] else 1)
    keys = ("intact", "verified_through", "head_hash", "events", "first_broken")
    assert {k: outside[k] for k in keys} == {k: expected[k] for k in keys}
    assert (case == "intact") == expected["intact"]


@pytest.mark.usefixtures("cli_env")
def test_an_export_after_a_position_verifies_from_its_link(
    container: Container,
    history: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    export = tmp_path / "tail.ndjson"
    after = history[3]
    command = ["audit", "export", "--after", str(after), "--to", str(export)]
    assert cli.main(command) == 0
    lines = export.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["notification_id"] for line in lines] == history[4:]
    status, outside = run_outside(verifier(tmp_path), export)
    expected = container.audit.chain().summary()
    assert status == 0
    assert outside["head_hash"] == expected["head_hash"]
    assert outside["events"] == len(history) - 4


@pytest.mark.usefixtures("cli_env")
def test_an_export_to_standard_output_is_one_json_event_a_line(
    container: Container, history: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", "export"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["notification_id"] for e in events] == history
    assert {"topic", "state", "hash", "prev_hash", "data"} <= events[0].keys()


@pytest.mark.parametrize("after", ["-1", "x", str(2**63)])
def test_an_after_that_is_no_notification_id_is_refused(
    after: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.parser().parse_args(["audit", "export", "--after", after])
    assert exit_.value.code == 2
    assert "not a notification id" in capsys.readouterr().err
