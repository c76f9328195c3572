"""Waiting for an amount of work, never for an amount of time: tests must hold on a
busy machine, where the same work takes longer."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Generous on purpose: a passing test never waits this long, a busy machine may
#: need many times the usual time.
DEADLINE_SECONDS = 120.0


def wait_for(
    condition: Callable[[], bool],
    what: str,
    timeout: float = DEADLINE_SECONDS,
    interval: float = 0.02,
) -> None:
    """Returns once `condition()` holds; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
