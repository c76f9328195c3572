"""`make test`'s pytest, then a check that nothing the suite started still runs.

Every process the suite starts inherits SUITE_RUN set to this run's own id, also
those that detach from it (an embedded Postgres, a broker): once pytest has exited,
a process still carrying the id is named, stopped, and fails the run. Other work on
the machine never carries it, so a busy machine cannot make the check misfire.

    python -m tests.run_suite [PYTEST ARGS]"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from uuid import uuid4

import psutil

#: Not VLEDGER_*: the tests strip those from the processes they start.
SUITE_RUN = "LEDGER_SUITE_RUN"
#: Servers stop in the suite's exit handlers, which may still be running.
GRACE_SECONDS = float(os.environ.get("LEDGER_SUITE_GRACE_SECONDS", "60"))
LEFT_OVER = 3


def carrying(run: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(SUITE_RUN) == run:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def left_over(run: str, grace: float = GRACE_SECONDS) -> list[psutil.Process]:
    deadline = time.monotonic() + grace
    while (found := carrying(run)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def main(argv: Sequence[str]) -> int:
    run = uuid4().hex
    env = {**os.environ, SUITE_RUN: run}
    status = subprocess.call([sys.executable, "-m", "pytest", *argv], env=env)
    found = left_over(run)
    for process in found:
        try:
            command = " ".join(process.cmdline())[:160]
            print(
                f"left running by the suite: {process.pid} {command}", file=sys.stderr
            )
            process.terminate()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(found, timeout=10)
    if found and status == 0:
        return LEFT_OVER
    if not found:
        print("nothing the suite started is still running", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
