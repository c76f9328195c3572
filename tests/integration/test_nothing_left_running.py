"""`make test` fails when the suite leaves a process running (tests/run_suite.py),
and says so of none when it leaves nothing: checked on a small suite of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil

LEAVES = """
import subprocess, sys


def test_that_starts_a_server_and_forgets_it():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                     start_new_session=True)
"""

CLEAN = """
import subprocess, sys


def test_that_stops_what_it_starts():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    child.terminate()
    child.wait()
"""


def run_suite(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_small.py").write_text(text)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.run_suite",
            "-q",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_small.py"),
        ],
        cwd=Path(__file__).parents[2],
        env={**os.environ, "LEDGER_SUITE_GRACE_SECONDS": "3"},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_a_process_left_running_fails_the_run_and_is_stopped(tmp_path: Path) -> None:
    done = run_suite(tmp_path, LEAVES)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "left running by the suite:" in done.stderr
    assert "time.sleep(600)" in done.stderr
    pid = int(done.stderr.split("by the suite: ")[1].split()[0])
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"


def test_a_suite_that_stops_what_it_starts_passes(tmp_path: Path) -> None:
    done = run_suite(tmp_path, CLEAN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing the suite started is still running" in done.stderr
