"""The printable certificate in a real headless Chromium: it renders, and it prints
to a single A4 page."""

from __future__ import annotations

import io
import os
import re
from datetime import date, timedelta
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, expect

from application.certificates import IssueCertificate
from application.services import Container
from domain.access import Actor
from domain.certificate import Period
from tests.browser.conftest import serving
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register

A4_POINTS = (595, 842)


def test_the_certificate_page_renders_and_prints_on_one_a4_page(
    browser: Browser, container: Container, admin: Actor
) -> None:
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    record(container, admin, volunteer, district.station, NOW - timedelta(days=3), 240)
    period = Period(date(2026, 5, 1), date(2026, 6, 1))
    command = IssueCertificate(volunteer, period, "李站长", "0634-1", handler="赵干事")
    issued = container.commands.run(container.certificates.issue, command, admin).result
    with serving(container) as url:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(
            f"{url}/v1/certificates/{issued.number}.html"
            f"?code={issued.verification_code}"
        )
        expect(page.locator("h1")).to_have_text("志愿服务证明")
        expect(page.locator("table")).to_contain_text("王小明")
        expect(page.locator("table")).to_contain_text("4 小时")
        qr = Image.open(io.BytesIO(page.locator(".verify svg").screenshot()))
        if shots := os.environ.get("VLEDGER_SCREENSHOTS"):
            page.screenshot(path=str(Path(shots) / "certificate.png"), full_page=True)
        pdf = page.pdf(format="A4")
        context.close()
    decoded = [code.text for code in zxingcpp.read_barcodes(qr)]
    assert decoded == [
        f"http://127.0.0.1:8000/v1/certificates/{issued.number}.html"
        f"?code={issued.verification_code}"
    ]
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    assert len(pages) == 1, "the certificate should fit one page"
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    for width, height in boxes:  # A4 is 595 x 842 points; Chromium rounds up
        assert abs(float(width) - A4_POINTS[0]) < 2
        assert abs(float(height) - A4_POINTS[1]) < 2
