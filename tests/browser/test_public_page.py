"""The public page (`/public/`) in headless Chromium: a station's month of
activities and plans, the months around it, the project library with a brand
project's totals and notices, on a phone and a desktop, with nothing loaded from
outside and no token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from application.activities import CloseActivity, PublishActivity
from application.plans import SavePlan, SetFixedDay
from application.projects import (
    DecideProject,
    ProposeProject,
    PublishProgress,
    ReviewProject,
    SetBrand,
)
from application.services import Container
from application.teams import RegisterTeam
from domain.access import Actor, Role
from domain.plan import FixedDayKind, PlannedActivity
from domain.project import ProjectPlan
from tests.browser.conftest import confined_context, screenshots, serving
from tests.conftest import NOW, Clock
from tests.integration.helpers import District, make_district

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Public:
    url: str
    district: District
    outside: list[str]
    context: BrowserContext
    shots: Path

    def open(self, query: str) -> Page:
        page = self.context.new_page()
        page.goto(f"{self.url}/public/{query}")
        return page

    def shot(self, page: Page, name: str) -> None:
        path = self.shots / f"public-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000


def a_station_with_a_month(
    container: Container, admin: Actor, clock: Clock
) -> District:
    """A station whose team holds one planned activity on 1 June and plans one
    more on the 20th, and runs a brand project with a progress notice."""
    district = make_district(container, admin)

    def run(handler, command, actor: Actor = admin):  # type: ignore[no-untyped-def]
        return container.commands.run(handler, command, actor).result

    station = district.station
    team = run(
        container.teams.register,
        RegisterTeam("双泉环保队", station, "sanitation_environment"),
    ).id
    plan = ProjectPlan(
        "清洁家园",
        "public",
        "environment",
        "每月开展一次河道和楼院清洁",
        ("双泉社区",),
        date(2026, 3, 1),
        date(2026, 12, 31),
        (team,),
    )
    project = run(container.projects.propose, ProposeProject(station, plan)).id
    expert = Actor(Role.COORDINATOR, uuid4(), "专家", unit_id=district.other_institute)
    run(container.projects.review, ReviewProject(project, 90, "可行"), expert)
    run(container.projects.decide, DecideProject(project, True, "入库"))
    run(container.projects.set_brand, SetBrand(project, True, "群众口碑好"))
    notice = PublishProgress(project, "五月进展", "清理河道两公里")
    run(container.projects.publish_progress, notice)
    run(container.plans.set_fixed_day, SetFixedDay(station, FixedDayKind.MONTHLY, 3))
    items = (
        PlannedActivity(uuid4(), "河道清理", date(2026, 6, 1), team, "public", "汶河"),
        PlannedActivity(
            uuid4(),
            "楼院清洁",
            date(2026, 6, 20),
            team,
            "public",
            "3号楼",
            "09:00",
            "11:00",
        ),
    )
    run(container.plans.save, SavePlan(station, "2026-06", items))
    may = PlannedActivity(
        uuid4(), "楼院清洁", date(2026, 5, 20), team, "public", "3号楼"
    )
    run(container.plans.save, SavePlan(station, "2026-05", (may,)))
    activity = run(
        container.activities.publish,
        PublishActivity(
            team,
            "河道清理",
            "public",
            "environment",
            "汶河岸边",
            "李队长",
            NOW - timedelta(minutes=10),
            NOW + timedelta(hours=1),
            10,
            project_id=project,
        ),
    ).id
    clock.advance(timedelta(hours=2))
    run(container.activities.close, CloseActivity(activity))
    assert container.projector is not None
    container.projector.catch_up()
    return district


@pytest.fixture
def public(
    browser: Browser,
    container: Container,
    admin: Actor,
    clock: Clock,
    tmp_path: Path,
) -> Iterator[Public]:
    district = a_station_with_a_month(container, admin, clock)
    shots = screenshots(tmp_path)
    with serving(container) as url:
        context, outside = confined_context(browser, url, viewport=DESKTOP)
        yield Public(url, district, outside, context, shots)
        context.close()


def test_a_station_s_month_shows_activities_plans_and_a_calendar_feed(
    public: Public,
) -> None:
    station: UUID = public.district.station
    page = public.open(f"?unit={station}&month=2026-06#schedule")
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("河道清理")
    expect(rows.nth(0)).to_contain_text("已结束")
    expect(rows.nth(1)).to_contain_text("楼院清洁")
    expect(rows.nth(1)).to_contain_text("09:00–11:00")
    expect(rows.nth(1)).to_contain_text("计划")
    expect(page.locator("#month-title")).to_have_text("2026年6月")
    expect(page.locator("#fixed-day")).to_have_text("固定活动日：每月3日")
    expect(page.locator("#entries")).not_to_contain_text("李队长")
    href = page.locator("#subscribe").get_attribute("href")
    assert href == f"/v1/public/units/{station}/schedule.ics"
    feed = page.request.get(f"{public.url}{href}?month=2026-06")
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text().count("BEGIN:VEVENT") == 2
    page.set_viewport_size(PHONE)
    public.shot(page, "schedule-phone")
    page.set_viewport_size(DESKTOP)
    public.shot(page, "schedule-desktop")

    page.locator("#next").click()
    expect(page.locator("#month-title")).to_have_text("2026年7月")
    expect(page.locator("#no-entries")).to_be_visible()
    assert "month=2026-07" in page.url
    assert public.outside == []


def test_the_project_library_shows_a_brand_project_with_its_work(
    public: Public,
) -> None:
    page = public.open(f"?unit={public.district.institute}#projects")
    cards = page.locator("#project-list li")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("清洁家园")
    expect(cards.first.locator(".brand")).to_have_text("品牌")
    cards.first.locator("a").click()
    expect(page.locator("#project-name")).to_contain_text("品牌项目")
    totals = page.locator("#project-totals")
    expect(totals).to_contain_text("1 次")  # one activity held under it
    expect(page.locator("#project-facts")).to_contain_text("双泉环保队")
    expect(page.locator("#project-progress")).to_contain_text("清理河道两公里")
    public.shot(page, "project-desktop")
    page.locator("#back").click()
    expect(cards).to_have_count(1)
    page.select_option("#unit", str(public.district.other_institute))
    expect(page.locator("#no-projects")).to_be_visible()
    assert public.outside == []


def test_a_month_that_is_not_one_is_said_in_chinese_and_this_month_shown(
    public: Public,
) -> None:
    page = public.context.new_page()
    page.clock.set_fixed_time(NOW)  # June 2026, as the service's clock
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{public.url}/public/?unit={public.district.station}&month=2026-99")
    expect(page.locator("#message")).to_have_text(
        "没有“2026-99”这个月份，已显示本月。月份写作 2026-12。"
    )
    expect(page.locator("#month-title")).to_have_text("2026年6月")
    expect(page.locator("#entries tbody tr")).to_have_count(2)
    # A planned item whose day has passed with nothing held reads so.
    page.locator("#previous").click()
    expect(page.locator("#month-title")).to_have_text("2026年5月")
    expect(page.locator("#message")).to_be_hidden()
    past = page.locator("#entries tbody tr", has_text="楼院清洁")
    expect(past.locator(".state")).to_have_text("未开展")
    public.shot(page, "not-held-desktop")
    # The page's own icon loads under its own policy; nothing was refused.
    icon = page.request.get(f"{public.url}/favicon.ico")
    assert icon.headers["content-type"] == "image/svg+xml"
    assert errors == []
    assert public.outside == []
