"""A person's own pages (`/me/`) in headless Chromium, on a phone (390×844) and a
desktop: signing in, a first sign-in's password change, a volunteer's hours, star
level and points, signing up for an activity, taking an open order, messages, teams;
a resident evaluating a served order; registering as a volunteer or a resident.
Nothing is loaded from outside."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from application.activities import PublishActivity
from application.logins import OpenLogin
from application.orders import (
    AcceptOrder,
    CompleteOrder,
    DispatchOrder,
    PlaceOrder,
    ReviewOrder,
    Served,
    StartOrder,
    TakeOrder,
)
from application.registrations import SELF_SERVICE
from application.residents import RegisterResident
from application.services import Container
from application.teams import AddMember, RegisterTeam
from domain.access import Actor, Role
from domain.identity import Gender
from domain.resident import OrderChannel
from projections.queries import OrderFilter
from tests.browser.conftest import confined_context, screenshots, serving
from tests.conftest import NOW
from tests.factories import id_number
from tests.integration.helpers import (
    BIRTH,
    District,
    make_district,
    record,
    register,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "双泉社区秋天2026"


@dataclass
class People:
    url: str
    district: District
    volunteer: UUID
    outside: list[str]
    context: BrowserContext
    shots: Path

    def open(self, viewport: dict[str, int] = PHONE) -> Page:
        page = self.context.new_page()
        page.set_viewport_size(viewport)
        # The page compares activities with the browser's clock: the tests' "now".
        page.clock.set_fixed_time(NOW)
        page.goto(f"{self.url}/me/")
        return page

    def shot(self, page: Page, name: str) -> None:
        path = self.shots / f"me-{name}.png"
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000


def sign_in(page: Page, login: str, password: str = PASSWORD) -> None:
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("#sign-in button[type=submit]").click()


def a_volunteer_with_work(container: Container, admin: Actor) -> tuple[District, UUID]:
    """A volunteer with 120 hours on record, a login, a team; an activity tomorrow;
    an order open for claiming at its station; a resident's order served."""
    district = make_district(container, admin)
    station = district.station

    def run(handler: Any, command: Any, actor: Actor = admin) -> Any:
        return container.commands.run(handler, command, actor).result

    volunteer = register(container, admin, station)
    for day in range(10):
        start = NOW - timedelta(days=20 - day)
        record(container, admin, volunteer, station, start, 12 * 60)
    team = run(
        container.teams.register,
        RegisterTeam("双泉环保队", station, "sanitation_environment"),
    ).id
    run(container.teams.add, AddMember(team, volunteer))
    run(
        container.activities.publish,
        PublishActivity(
            team,
            "周末河道清理",
            "public",
            "environment",
            "汶河岸边",
            "李队长",
            NOW + timedelta(days=1),
            NOW + timedelta(days=1, hours=2),
            10,
        ),
    )
    run(
        container.logins.open,
        OpenLogin(
            "xiaoming", Role.VOLUNTEER, volunteer_id=volunteer, password=PASSWORD
        ),
    )
    a_served_order(container, admin, district, volunteer)
    open_order = run(
        container.orders.take,
        TakeOrder(
            order("帮忙取药", station), "张大爷", "13700001111", OrderChannel.VISIT
        ),
    ).id
    run(container.orders.review, ReviewOrder(open_order, True))
    run(
        container.orders.dispatch,
        DispatchOrder(open_order, open_for_claiming=True),
    )
    assert container.projector is not None
    container.projector.catch_up()
    return district, volunteer


def order(title: str, station: UUID) -> PlaceOrder:
    return PlaceOrder(
        "elderly",
        "daily_care",
        title,
        "老人行动不便",
        station,
        "双泉社区3号楼",
        NOW - timedelta(hours=8),
        NOW - timedelta(hours=2),
    )


def a_served_order(
    container: Container, admin: Actor, district: District, volunteer: UUID
) -> UUID:
    """李大妈's need, taken by phone and served; her login to evaluate it."""

    def run(handler: Any, command: Any, actor: Actor = admin) -> Any:
        return container.commands.run(handler, command, actor).result

    served = run(
        container.orders.take,
        TakeOrder(
            order("帮独居老人打扫卫生", district.station),
            "李大妈",
            "13912345678",
            OrderChannel.PHONE_CALL,
        ),
    )
    order_id = served.id
    run(container.orders.review, ReviewOrder(order_id, True))
    run(container.orders.dispatch, DispatchOrder(order_id, volunteer_ids=(volunteer,)))
    helper = Actor(Role.VOLUNTEER, volunteer, "小明", volunteer_id=volunteer)
    run(container.orders.accept, AcceptOrder(order_id), helper)
    run(container.orders.start, StartOrder(order_id))
    span = Served(volunteer, NOW - timedelta(hours=6), NOW - timedelta(hours=4))
    run(container.orders.complete, CompleteOrder(order_id, (span,)))
    return UUID(str(served.resident_id))


@pytest.fixture
def people(
    browser: Browser, container: Container, admin: Actor, tmp_path: Path
) -> Iterator[People]:
    district, volunteer = a_volunteer_with_work(container, admin)
    shots = screenshots(tmp_path)
    with serving(container) as url:
        context, outside = confined_context(browser, url)
        yield People(url, district, volunteer, outside, context, shots)
        context.close()


def test_a_volunteer_sees_its_record_and_takes_part(people: People) -> None:
    page = people.open()
    expect(page.locator("#sign-in")).to_be_visible()
    sign_in(page, "xiaoming", "wrong-password")
    expect(page.locator("#message")).to_have_text("登录名或密码不正确。")
    sign_in(page, "xiaoming")
    expect(page.locator("#star-level")).to_have_text("一星志愿者")
    # 120 hours recorded, and 2 of the order it served.
    expect(page.locator("#hours")).to_have_text("122")
    expect(page.locator("#next-star")).to_have_text(
        "再服务 178 小时即可成为二星志愿者。"
    )
    expect(page.locator("#entries li")).to_have_count(11)
    expect(page.locator("#who")).to_contain_text("王小明")
    people.shot(page, "overview-phone")

    page.locator("#tabs a[data-view=activities]").click()
    activity = page.locator("#activity-list li").first
    expect(activity).to_contain_text("周末河道清理")
    activity.get_by_role("button", name="报名").click()
    expect(activity.locator(".done")).to_have_text("已报名")
    people.shot(page, "activities-phone")

    page.locator("#tabs a[data-view=orders]").click()
    claimable = page.locator("#order-list li", has_text="帮忙取药")
    claimable.get_by_role("button", name="接单").click()
    expect(claimable.locator(".done")).to_have_text("已接单")

    page.locator("#tabs a[data-view=inbox]").click()
    notices = page.locator("#notification-list li")
    expect(notices.filter(has_text="报名成功")).to_have_count(1)
    expect(page.locator("#unread")).not_to_be_hidden()
    people.shot(page, "inbox-phone")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator("#notification-list li.unread")).to_have_count(0)
    expect(page.locator("#unread")).to_be_hidden()

    page.locator("#tabs a[data-view=mine]").click()
    expect(page.locator("#team-list")).to_contain_text("双泉环保队")
    expect(page.locator("#no-certificates")).to_be_visible()

    page.set_viewport_size(DESKTOP)
    page.locator("#tabs a[data-view=overview]").click()
    expect(page.locator("#star-level")).to_have_text("一星志愿者")
    people.shot(page, "overview-desktop")
    page.locator("#sign-out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    assert people.outside == []


def test_a_first_sign_in_asks_for_a_new_password(
    people: People, container: Container, admin: Actor
) -> None:
    opened = container.commands.run(
        container.logins.open,
        OpenLogin("lizhan", Role.COORDINATOR, "李站长", people.district.station),
        admin,
    ).result
    page = people.open()
    sign_in(page, "lizhan", str(opened.one_time_password))
    expect(page.locator("#change-password")).to_be_visible()
    expect(page.locator("#tabs")).to_be_hidden()
    people.shot(page, "change-password-phone")
    page.fill("#current-password", str(opened.one_time_password))
    page.fill("#new-password", PASSWORD)
    page.locator("#change-password button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("密码已更新，请用新密码登录。")
    sign_in(page, "lizhan")
    expect(page.locator("#notification-list")).to_contain_text("帮独居老人打扫卫生")
    expect(page.locator("#who")).to_have_text("李站长（工作人员）")  # not 李**
    expect(page.locator("#staff")).to_contain_text("办公室页面")
    page.get_by_role("link", name="办公室页面").click()  # the same session there
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("#breadcrumb")).to_contain_text("双泉站")
    expect(page.locator("#who")).to_have_text("协调员 · 李站长")
    assert people.outside == []


def test_a_resident_evaluates_what_was_served(
    people: People, container: Container
) -> None:
    registered_resident(people, container)
    page = people.open()
    sign_in(page, "13912345678")
    served = page.locator("#order-list li", has_text="帮独居老人打扫卫生")
    expect(served.locator(".evaluate")).to_be_visible()
    people.shot(page, "resident-orders-phone")
    served.locator("select").select_option("4")
    served.get_by_role("button", name="评价").click()
    expect(served.locator(".done")).to_have_text("已评价")
    page.locator("#tabs a[data-view=inbox]").click()
    expect(page.locator("#notification-list")).to_contain_text("服务已完成，请您评价")
    assert people.outside == []


def test_a_volunteer_registers_on_the_page_and_signs_in_once_approved(
    people: People, container: Container, admin: Actor
) -> None:
    page = people.open()
    page.get_by_role("link", name="志愿者注册").click()
    form = page.locator("#register-volunteer")
    expect(form).to_be_visible()
    expect(page.locator("#v-station option")).to_have_count(1)
    page.fill("#v-name", "赵小红")
    page.select_option("#v-gender", "female")
    page.fill("#v-birth", "1990-03-07")
    page.fill("#v-id", "370102199003070011")  # a wrong check digit
    page.fill("#v-phone", "13600001111")
    page.fill("#v-skills", "急救，心理疏导")
    page.fill("#v-login", "xiaohong")
    page.fill("#v-password", PASSWORD)
    page.check("#v-consent")
    form.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("身份证号校验位不正确，请核对。")
    page.fill("#v-id", id_number(BIRTH, Gender.FEMALE, 3))
    people.shot(page, "register-volunteer-phone")
    form.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_contain_text(
        "注册已提交，请携带身份证到双泉站核验"
    )
    sign_in(page, "xiaohong")
    expect(page.locator("#message")).to_have_text("您的注册正在等待实践站审核。")

    container.commands.run(
        container.logins.open,
        OpenLogin(
            "lizhan",
            Role.COORDINATOR,
            "李站长",
            people.district.station,
            None,
            PASSWORD,
        ),
        admin,
    )
    staff = people.open()  # another tab: a session of its own
    sign_in(staff, "lizhan")
    staff.locator("#tabs a[data-view=registrations]").click()
    waiting = staff.locator("#registration-list li")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("赵小红")  # the clear data, to check the ID card
    expect(waiting).to_contain_text(id_number(BIRTH, Gender.FEMALE, 3))
    people.shot(staff, "registrations-phone")
    waiting.get_by_role("button", name="核验通过").click()
    expect(waiting.locator(".done")).to_contain_text("已通过 V")

    sign_in(page, "xiaohong")
    expect(page.locator("#star-level")).to_have_text("未评星")
    expect(page.locator("#next-star")).to_have_text(
        "再服务 100 小时即可成为一星志愿者。"
    )
    assert people.outside == []


def test_a_resident_registers_with_an_sms_code_on_the_page(
    people: People, container: Container
) -> None:
    page = people.open()
    page.get_by_role("link", name="居民注册（点单）").click()
    page.fill("#r-name", "孙大爷")
    page.fill("#r-phone", "13500002222")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#message")).to_have_text("验证码已发送，10 分钟内有效。")
    expect(page.locator("#r-send-code")).to_be_disabled()
    text = wait_for_sms(container, "13500002222")
    page.fill("#r-code", text.split("验证码是 ")[1][:6])
    page.fill("#r-password", PASSWORD)
    page.check("#r-consent")
    people.shot(page, "register-resident-phone")
    page.locator("#register-resident button[type=submit]").click()
    expect(page.locator("#orders-title")).to_have_text("我的点单")
    expect(page.locator("#no-orders")).to_be_visible()
    assert people.outside == []


def wait_for_sms(container: Container, phone: str) -> str:
    """The code's text, once the background delivery after the request sent it
    (a generous deadline for a busy machine)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        container.deliveries.deliver_due()
        if (text := container.sms_log.last_to(phone)) is not None:
            return text
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {phone}")


def registered_resident(people: People, container: Container) -> None:
    """李大妈 registers with her phone (staff took a need of hers before)."""
    container.phone_codes.send("13912345678", "test")
    container.deliveries.deliver_due()
    text = container.sms_log.last_to("13912345678")
    assert text is not None
    container.commands.run(
        container.residents.register,
        RegisterResident(
            "李大妈",
            "13912345678",
            people.district.station,
            PASSWORD,
            text.split("验证码是 ")[1][:6],
            "2026-12",
            True,
        ),
        SELF_SERVICE,
    )


def test_a_resident_orders_on_the_phone_follows_it_and_cancels_it(
    people: People, container: Container
) -> None:
    registered_resident(people, container)
    page = people.open()
    sign_in(page, "13912345678")
    expect(page.locator("#who")).to_have_text("李大妈")  # her own name, in clear
    page.get_by_role("button", name="我要点单").click()
    form = page.locator("#order-form")
    expect(form).to_be_visible()
    expect(page.locator("#o-category option")).to_have_count(5)
    page.select_option("#o-category", label="为老")
    expect(page.locator("#o-subcategory")).to_contain_text("生活照料")
    page.select_option("#o-subcategory", label="生活照料")
    page.fill("#o-title", "帮我买菜送上楼")
    page.fill("#o-description", "腿脚不便，每周买一次菜")
    page.fill("#o-address", "双泉社区5号楼1单元301")
    page.fill("#o-start", "10:00")
    page.fill("#o-end", "09:00")  # ends before it starts
    page.fill("#o-contact-name", "李小军")
    page.fill("#o-contact-phone", "13811112222")
    people.shot(page, "resident-order-form-phone")
    form.get_by_role("button", name="提交点单").click()
    expect(page.locator("#message")).to_have_text("结束时间应晚于开始时间。")
    page.fill("#o-end", "11:30")
    form.get_by_role("button", name="提交点单").click()
    expect(page.locator("#message")).to_contain_text("点单已提交")
    expect(form).to_be_hidden()
    placed = page.locator("#order-list li", has_text="帮我买菜送上楼")
    expect(placed.locator(".state")).to_have_text("待审核")
    expect(placed.locator(".steps .reached")).to_have_text(["已点单"])
    expect(placed).to_contain_text("为老 · 生活照料")
    served = page.locator("#order-list li", has_text="帮独居老人打扫卫生")
    expect(served.locator(".steps .reached")).to_have_count(6)  # up to 已完成
    expect(served.locator(".evaluate")).to_be_visible()
    people.shot(page, "resident-orders-progress-phone")

    placed.get_by_role("button", name="取消点单").click()
    placed.get_by_role("button", name="确认取消").click()
    expect(page.locator("#message")).to_have_text("请填写取消原因。")
    placed.get_by_label("取消原因").fill("家里人回来了")
    placed.get_by_role("button", name="确认取消").click()
    cancelled = page.locator("#order-list li", has_text="帮我买菜送上楼")
    expect(cancelled.locator(".state")).to_have_text("已取消")
    expect(cancelled.locator(".note")).to_have_text("原因：家里人回来了")
    expect(cancelled.get_by_role("button", name="取消点单")).to_have_count(0)
    people.shot(page, "resident-order-cancelled-phone")
    # The station's staff see whom to call.
    board = container.reads.orders(OrderFilter(state="cancelled"), 10, 0)
    assert [o["title"] for o in board] == ["帮我买菜送上楼"]
    contact = container.vault.contact(board[0]["id"])
    assert contact is not None
    assert json.loads(contact) == {"name": "李小军", "phone": "13811112222"}
    assert people.outside == []


def test_guessing_is_slowed_in_chinese_with_the_wait(people: People) -> None:
    page = people.open()
    for _ in range(4):  # three free failures, then each one makes the next wait
        sign_in(page, "xiaoming", "wrong-password")
        expect(page.locator("#message")).to_have_text("登录名或密码不正确。")
    sign_in(page, "xiaoming")
    expect(page.locator("#message")).to_have_text("尝试次数过多，请 2 秒后再试。")
    people.shot(page, "slowed-phone")
    assert people.outside == []
