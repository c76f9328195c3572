"""The kiosk web page in a real headless Chromium (Debian's), driven by Playwright,
against the real API on a loopback port and a real Postgres. Never skipped: without
a browser these tests fail (`make test` installs it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Browser, Page, expect

from application.awards import GrantAward, SaveBenefits
from application.kiosks import RegisterKiosk, SetKioskPin
from application.services import Container
from application.supermarket import ListItem
from domain.access import Actor
from domain.award import AwardLevel, Benefit, Citation, RecipientKind
from domain.reference import CHINA_TIME
from tests.browser.conftest import serving
from tests.conftest import NOW
from tests.integration.helpers import make_district, record, register

PIN = "258025"


@dataclass(frozen=True)
class Station:
    url: str
    container: Container
    volunteer: UUID
    number: str
    kiosk_token: str


@pytest.fixture
def station(container: Container, admin: Actor) -> Iterator[Station]:
    """A station with two goods, a volunteer with 100 points and a PIN, a
    registered kiosk, and the API serving on a loopback port."""
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    record(
        container, admin, volunteer, district.station, NOW - timedelta(hours=30), 600
    )
    for name, price, stock in (("洗衣液", 30, 5), ("大米 5kg", 80, 2)):
        listing = ListItem(district.station, name, Decimal(price), stock)
        container.commands.run(container.catalog.list, listing, admin)
    container.commands.run(container.kiosks.set_pin, SetKioskPin(volunteer, PIN), admin)
    device = RegisterKiosk(district.station, "1号机")
    kiosk = container.commands.run(container.kiosks.register, device, admin)
    assert container.projector is not None
    container.projector.catch_up()
    with serving(container) as url:
        yield Station(
            url,
            container,
            volunteer,
            container.aggregates.volunteer(volunteer).volunteer_number,
            kiosk.result.token,
        )


@pytest.fixture
def page(browser: Browser, station: Station) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN")
    opened = context.new_page()
    opened.goto(f"{station.url}/kiosk/#token={station.kiosk_token}")
    yield opened
    context.close()


def type_on_keypad(page: Page, field: str, digits: str) -> None:
    page.click(field)
    for digit in digits:
        page.click(f".keypad button[data-key='{digit}']")


def identify(page: Page, number: str, pin: str) -> None:
    type_on_keypad(page, "#volunteer-number", number.removeprefix("V").lstrip("0"))
    type_on_keypad(page, "#pin", pin)
    page.click("#identify-button")


def test_a_volunteer_buys_an_item_at_the_kiosk_page_and_the_balance_follows(
    page: Page, station: Station
) -> None:
    identify(page, station.number, PIN)
    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#who-name")).to_have_text("王**")
    expect(page.locator("#who-balance")).to_have_text("100")
    soap = page.locator("#catalog li", has_text="洗衣液")
    soap.locator("button.more").click()
    soap.locator("button.more").click()
    expect(page.locator("#basket-total")).to_have_text("60")
    page.click("#checkout")
    expect(page.locator("#confirm-after")).to_have_text("40")
    page.click("#redeem")
    expect(page.locator("#receipt")).to_be_visible()
    expect(page.locator("#receipt-lines")).to_contain_text("洗衣液 × 2")
    expect(page.locator("#receipt-balance")).to_have_text("40")
    assert station.container.aggregates.account(station.volunteer).balance == 40
    page.click("#done")
    expect(page.locator("#identify")).to_be_visible()
    identify(page, station.number, PIN)
    expect(page.locator("#who-balance")).to_have_text("40")
    expect(page.locator("#catalog li", has_text="洗衣液")).to_contain_text("库存 3")


def test_a_wrong_pin_is_explained_in_chinese_and_nothing_opens(
    page: Page, station: Station
) -> None:
    identify(page, station.number, "975310")
    expect(page.locator("#message")).to_have_text("密码错误，还可尝试 4 次。")
    expect(page.locator("#shop")).to_be_hidden()
    # The refused PIN is gone: the keypad takes a new one, and nothing sends the
    # old one again (which would spend another attempt).
    expect(page.locator("#pin")).to_have_value("")
    for digit in "975311":
        page.click(f".keypad button[data-key='{digit}']")
    expect(page.locator("#pin")).to_have_value("975311")
    page.click("#identify-button")
    expect(page.locator("#message")).to_have_text("密码错误，还可尝试 3 次。")
    expect(page.locator("#pin")).to_have_value("")
    page.click("#identify-button")  # an empty PIN is not sent
    expect(page.locator("#message")).to_have_text("请输入 6 位数字密码。")
    type_on_keypad(page, "#pin", PIN)
    page.click("#identify-button")
    expect(page.locator("#shop")).to_be_visible()


def test_every_refusal_is_said_in_chinese_with_what_to_do(
    page: Page, station: Station
) -> None:
    page.click("#identify-button")
    expect(page.locator("#message")).to_have_text("请输入志愿者编号。")
    page.fill("#volunteer-number", "abc")
    type_on_keypad(page, "#pin", PIN)
    page.click("#identify-button")
    expect(page.locator("#message")).to_have_text(
        "志愿者编号格式不正确，例如 V00000012 或 12。"
    )
    page.fill("#volunteer-number", "99999")
    type_on_keypad(page, "#pin", PIN)
    page.click("#identify-button")
    expect(page.locator("#message")).to_have_text("未找到该志愿者编号。")


def test_a_basket_beyond_the_balance_cannot_be_checked_out(
    page: Page, station: Station
) -> None:
    identify(page, station.number, PIN)
    rice = page.locator("#catalog li", has_text="大米")
    rice.locator("button.more").click()
    rice.locator("button.more").click()
    expect(page.locator("#basket-total")).to_have_text("160")
    expect(page.locator("#checkout")).to_be_disabled()
    expect(page.locator("#message")).to_have_text("积分不足")
    expect(rice.locator("button.more")).to_be_disabled()  # only 2 in stock


def test_the_page_is_served_with_a_strict_content_security_policy(
    page: Page, station: Station
) -> None:
    response = page.goto(f"{station.url}/kiosk")
    assert response is not None
    assert response.url == f"{station.url}/kiosk/"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#identify")).to_be_visible()  # the token was kept


def test_a_token_added_to_the_address_of_an_open_page_sets_the_device_up(
    browser: Browser, station: Station
) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{station.url}/kiosk/")
    expect(page.locator("#setup")).to_be_visible()
    page.evaluate("token => { location.hash = 'token=' + token; }", station.kiosk_token)
    expect(page.locator("#identify")).to_be_visible()
    identify(page, station.number, PIN)
    expect(page.locator("#shop")).to_be_visible()
    context.close()


def test_the_volunteers_star_level_is_named_not_a_bare_star(
    page: Page, station: Station, admin: Actor
) -> None:
    container = station.container
    unit = container.aggregates.volunteer(station.volunteer).unit_id
    for day in range(3, 8):  # five 20-hour entries: 110 hours with the first
        start = NOW - timedelta(days=day)
        record(container, admin, station.volunteer, unit, start, 20 * 60)
    assert container.projector is not None
    container.projector.catch_up()
    identify(page, station.number, PIN)
    expect(page.locator("#who-star")).to_have_text("一星志愿者 ★")
    if shots := os.environ.get("VLEDGER_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "kiosk-shop-star.png"))


def test_the_shop_shows_the_benefits_the_volunteer_enjoys(
    page: Page, station: Station, admin: Actor
) -> None:
    container = station.container
    identify(page, station.number, PIN)
    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#benefits")).to_be_hidden()  # no list yet: nothing shown
    page.locator("#sign-out").click()
    benefits = (
        Benefit("bus", "免费乘坐公交", "区内公交", "区公交公司", min_star_level=3),
        Benefit(
            "health", "免费健康体检", "每年一次", "区人民医院", award_title="最美志愿者"
        ),
    )
    container.commands.run(
        container.awards.save_benefits, SaveBenefits(benefits), admin
    )
    today = NOW.astimezone(CHINA_TIME).date()
    award = Citation("最美志愿者", AwardLevel.COUNTY, "文明实践中心", today, "事迹")
    grant = GrantAward(RecipientKind.VOLUNTEER, station.volunteer, award)
    container.commands.run(container.awards.grant, grant, admin)
    assert container.projector is not None
    container.projector.catch_up()
    identify(page, station.number, PIN)
    items = page.locator("#benefit-list li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("免费健康体检：每年一次（区人民医院）")
    if shots := os.environ.get("VLEDGER_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "kiosk-shop-benefits.png"))
