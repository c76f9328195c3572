"""The OpenAPI page on an intranet: Swagger UI loads everything from the service
itself, never from a CDN."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from application.services import Container
from tests.browser.conftest import confined_context, serving

REFERENCE = re.compile(r"^/v1/reference$")


def test_the_api_docs_render_with_nothing_from_outside(
    browser: Browser, container: Container
) -> None:
    with serving(container) as url:
        context, outside = confined_context(browser, url)
        page = context.new_page()
        page.goto(url + "/docs")
        expect(page.locator(".swagger-ui .title").first).to_contain_text(
            "volunteer-ledger", timeout=60_000
        )
        expect(page.get_by_text("/v1/volunteers").first).to_be_visible(timeout=60_000)
        reference = page.locator(".opblock-summary-path", has_text=REFERENCE)
        expect(reference).to_have_count(1)  # listed once, under one tag
        if shots := os.environ.get("VLEDGER_SCREENSHOTS"):
            page.screenshot(path=str(Path(shots) / "api-docs.png"), full_page=False)
        context.close()
    assert outside == []
