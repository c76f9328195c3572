"""Where a newcomer finds the service once `vledger serve` is up: the pages' full
addresses, printed when the service answers its health check."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx

from infra.settings import Settings

#: (what a person finds there, path)
PAGES = (
    ("办公室看板 office dashboard", "/office/"),
    ("我的志愿服务 my pages (sign in)", "/me/"),
    ("信用超市 kiosk", "/kiosk/"),
    ("活动公示 public schedule", "/public/"),
    ("API docs", "/docs"),
)
#: How long the announcer waits for the first healthy answer (a demo's first
#: start records its history before it listens).
READY_WITHIN_SECONDS = 1800.0


def base_url(settings: Settings, host: str, port: int) -> str:
    """The address people open: VLEDGER_PUBLIC_BASE_URL, else where serve
    listens (loopback for a server bound to every interface)."""
    if settings.public_base_url:
        return settings.public_url
    return f"http://{_reachable(host)}:{port}"


def _reachable(host: str) -> str:
    """This machine's own address for a server bound to every interface."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


def ready_text(base: str, tokens: Path | None) -> str:
    lines = [f"vledger is ready at {base}"]
    lines += [f"  {label:<32} {base}{path}" for label, path in PAGES]
    if tokens is not None:
        lines.append(f"  demo tokens and sign-ins          {tokens}")
    return "\n".join(lines)


def announce_when_ready(
    host: str, port: int, base: str, tokens: Path | None
) -> threading.Thread:
    """A thread that prints the pages' addresses once the service answers."""

    def wait_then_print() -> None:
        health = f"http://{_reachable(host)}:{port}/health"
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    print(ready_text(base, tokens), file=sys.stdout, flush=True)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)

    thread = threading.Thread(target=wait_then_print, name="announce", daemon=True)
    thread.start()
    return thread
