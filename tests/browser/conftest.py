"""Browser tests: Debian's Chromium driven by Playwright against the real API on a
loopback port. Never skipped: without a browser they fail (`make test` installs it)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Route, sync_playwright

from api.app import create_app
from application.services import Container
from tests.broker import free_port

#: As the workplace runs Chromium as root on a closed network: no sandbox, and no
#: background connections that the network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("VLEDGER_TEST_CHROMIUM") or shutil.which("chromium")
    if path is None or not Path(path).exists():
        pytest.fail(
            "Chromium is missing: `make test` installs Debian's chromium, or set "
            "VLEDGER_TEST_CHROMIUM to a Chromium binary"
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def confined_context(
    browser: Browser, url: str, **options: Any
) -> tuple[BrowserContext, list[str]]:
    """A Chinese-locale context that reaches only the service at `url`: any other
    request is aborted and listed (the pages must work on an intranet)."""
    context = browser.new_context(locale="zh-CN", **options)
    outside: list[str] = []

    def only_this_service(route: Route) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_service)
    return context, outside


def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: VLEDGER_SCREENSHOTS, to look at them, or the test's
    own directory."""
    return Path(os.environ.get("VLEDGER_SCREENSHOTS") or tmp_path)


@contextmanager
def serving(container: Container) -> Iterator[str]:
    """The API (with its lifespan: projector, sweeper) on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the API did not start")
        threading.Event().wait(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
