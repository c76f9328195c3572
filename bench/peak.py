"""`python -m bench.peak FILE COMMAND…`: runs COMMAND and writes its own peak
resident memory (KiB) to FILE, exiting with its status.

Linux keeps a process's resident high-water mark across `execve`, so a command
forked straight from a benchmark holding hundreds of MiB reports at least that much
as its own peak. Forked from this small process instead, it reports its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    peak_file, *command = sys.argv[1:]
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    Path(peak_file).write_text(str(usage.ru_maxrss), encoding="utf-8")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
