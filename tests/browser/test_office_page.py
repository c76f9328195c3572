"""The office dashboard (`/office/`) in headless Chromium against the real API: every
chart drawn with the report's data and nothing loaded from outside, the unit picker
walking the tree, and who may look."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from application.organisation import RecordPopulation
from application.services import Container
from domain.access import Actor, Role
from tests.browser.conftest import confined_context, screenshots, serving
from tests.integration.assessment_story import YEAR, Story

CHINA = timezone(timedelta(hours=8))

#: What Plotly drew in each chart: traces, and the sum of what the marks stand for
#: (bar heights, funnel widths, gauge values), read from the chart's own data.
DRAWN = """
() => [...document.querySelectorAll('.chart')].map((el) => {
  const traces = el._fullData || [];
  const amount = traces.reduce((sum, t) => {
    if (t.type === 'indicator') return sum + (t.value > 0 ? t.value : 0);
    const values = t.type === 'funnel' || t.orientation === 'h' ? t.x : t.y;
    return sum + (values || []).reduce((a, v) => a + (Number(v) || 0), 0);
  }, 0);
  return {
    chart: el.id || el.closest('.target').dataset.code,
    svg: el.querySelectorAll('svg.main-svg').length,
    marks: el.querySelectorAll('.trace, .indicator, g.point').length,
    traces: traces.length,
    amount,
  };
})
"""


@dataclass
class Office:
    url: str
    story: Story
    outside: list[str]
    context: BrowserContext
    shots: Path

    def open(self, token: str, query: str = "") -> Page:
        page = self.context.new_page()
        page.goto(f"{self.url}/office/{query}#token={token}")
        return page

    def shot(self, page: Page, name: str) -> Path:
        path = self.shots / f"office-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        return path


@pytest.fixture
def office(
    browser: Browser, container: Container, admin: Actor, tmp_path: Path
) -> Iterator[Office]:
    story = Story(container, admin)
    for unit, population in (
        (story.district.center, 300),
        (story.district.institute, 100),
    ):
        story.run(
            container.organisation.record_population,
            RecordPopulation(unit, YEAR, population),
        )
    assert container.projector is not None
    container.projector.catch_up()
    shots = screenshots(tmp_path)
    with serving(container) as url:
        context, outside = confined_context(
            browser, url, viewport={"width": 1366, "height": 900}
        )
        yield Office(url, story, outside, context, shots)
        context.close()


def token(container: Container, role: Role, **scope: Any) -> str:
    return container.tokens.issue(role, f"测试{role.value}", **scope).token


def rendered(page: Page) -> None:
    done = page.locator("body[data-rendered][data-loading='false']")
    expect(done).to_be_attached(timeout=60_000)


def drawn(page: Page) -> dict[str, dict[str, Any]]:
    return {c["chart"]: c for c in page.evaluate(DRAWN)}


def test_every_chart_of_the_district_is_drawn_with_data_and_nothing_from_outside(
    office: Office,
) -> None:
    story = office.story
    page = office.open(token(story.c, Role.ADMIN), f"?year={YEAR}")
    rendered(page)

    expect(page.locator("#breadcrumb li")).to_have_count(1)
    expect(page.locator("#breadcrumb")).to_contain_text("中心")
    charts = drawn(page)
    for name in ("chart-hours", "chart-stars", "chart-funnel", "chart-teams"):
        assert charts[name]["svg"] >= 1, charts[name]
        assert charts[name]["marks"] >= 1, charts[name]
        assert charts[name]["amount"] > 0, charts[name]
    assert charts["chart-hours"]["amount"] == 27 + 2  # hours, and 2 active in May
    assert charts["chart-stars"]["amount"] == 3  # three volunteers, no star yet
    assert charts["chart-funnel"]["amount"] == 5  # one order through five steps
    assert charts["chart-teams"]["amount"] == 3  # the station's 助老队 0, 宣讲队 3
    gauges = {k: v for k, v in charts.items() if not k.startswith("chart-")}
    assert set(gauges) == {
        "volunteer_share",
        "serving_share",
        "party_participation",
        "party_twenty_hours",
        "standard_teams",
        "team_activities",
        "trainings",
        "family_activities",
        "brand_projects",
    }
    assert all(g["svg"] >= 1 and g["traces"] == 1 for g in gauges.values())
    assert gauges["volunteer_share"]["amount"] == pytest.approx(1.0)  # 3 of 300
    expect(page.locator(".target.not_met")).not_to_have_count(0)
    expect(page.locator("#kpis")).to_contain_text("注册志愿者")
    office.shot(page, "centre")
    assert office.outside == []


def test_the_picker_walks_down_the_tree_and_back(office: Office) -> None:
    story = office.story
    page = office.open(token(story.c, Role.AUDITOR), f"?year={YEAR}")
    rendered(page)

    page.locator("#children tbody tr", has_text="艾山所").click()
    expect(page.locator("#breadcrumb li")).to_have_count(2)
    expect(page.locator("#breadcrumb li").last).to_have_text("艾山所")
    page.select_option("#unit-select", str(story.district.station))
    expect(page.locator("#breadcrumb li")).to_have_count(3)
    expect(page.locator("#breadcrumb li").last).to_have_text("双泉站")
    rendered(page)
    charts = drawn(page)
    assert charts["teams"]["amount"] == 2  # two teams, fewer than three
    assert charts["chart-teams"]["amount"] == 3  # 助老队 0, 宣讲队 3 activities
    expect(page.locator("#no-children")).to_be_visible()
    assert f"unit={story.district.station}" in page.url
    office.shot(page, "station")

    page.locator("#breadcrumb a", has_text="中心").click()
    expect(page.locator("#breadcrumb li")).to_have_count(1)
    assert office.outside == []


def test_a_coordinator_starts_at_its_unit_and_sees_nothing_above(
    office: Office,
) -> None:
    story = office.story
    station = story.district.station
    page = office.open(
        token(story.c, Role.COORDINATOR, unit_id=station), f"?year={YEAR}"
    )
    rendered(page)
    expect(page.locator("#breadcrumb li")).to_have_count(1)
    expect(page.locator("#breadcrumb")).to_have_text("双泉站")
    expect(page.locator("#unit-select option")).to_have_count(1)
    expect(page.locator("#who")).to_contain_text("协调员")

    above = office.open(
        token(story.c, Role.COORDINATOR, unit_id=station),
        f"?year={YEAR}&unit={story.district.center}",
    )
    expect(above.locator("#message")).to_contain_text("无权查看")


def test_a_missing_population_is_explained_and_the_tree_still_opens(
    office: Office,
) -> None:
    story = office.story
    unit = story.district.other_institute
    page = office.open(token(story.c, Role.ADMIN), f"?year={YEAR}&unit={unit}")
    expect(page.locator("#message")).to_contain_text("尚未登记本年度常住人口")
    expect(page.locator("#figures")).to_be_hidden()
    expect(page.locator("#breadcrumb")).to_contain_text("里辛所")
    office.shot(page, "no-population")


def test_volunteers_and_unknown_tokens_are_turned_away(office: Office) -> None:
    story = office.story
    volunteer = token(story.c, Role.VOLUNTEER, volunteer_id=story.keen)
    page = office.open(volunteer)
    expect(page.locator("#message")).to_contain_text("仅供管理员、协调员和审计员")
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#controls")).to_be_hidden()
    expect(page.locator("#board")).to_be_hidden()

    page.fill("#token", "not-a-token")
    page.click("#sign-in-form button")
    expect(page.locator("#message")).to_contain_text("访问令牌无效")
    office.shot(page, "sign-in")


#: Each y-axis label of a chart: whether it lies wholly inside the chart.
LABELS_INSIDE = """
(id) => {
  const chart = document.getElementById(id).getBoundingClientRect();
  return [...document.querySelectorAll(`#${id} .ytick text`)].map((t) => {
    const box = t.getBoundingClientRect();
    const inside = box.left >= chart.left - 0.5 && box.width > 0;
    return { text: t.textContent, inside };
  });
}
"""
#: The active-volunteer line's values, month by month.
ACTIVE_LINE = """
() => document.getElementById('chart-hours')._fullData
  .find((t) => t.type === 'scatter').y
"""


def test_on_a_phone_everything_fits_and_reads_who_is_looking(office: Office) -> None:
    story = office.story
    page = office.open(token(story.c, Role.ADMIN), f"?year={YEAR}")
    page.set_viewport_size({"width": 390, "height": 844})
    rendered(page)
    # A machine's token is nobody: the header names the role only.
    expect(page.locator("#who")).to_have_text("管理员（令牌访问）")
    box = page.locator("#sign-out").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    labels = page.evaluate(LABELS_INSIDE, "chart-teams")
    assert sorted(label["text"] for label in labels) == ["助老队双泉站", "宣讲队双泉站"]
    assert all(label["inside"] for label in labels), labels
    funnel = page.evaluate(
        "document.getElementById('chart-funnel')._fullData[0].y.join('→')"
    )
    expect(page.locator("#funnel-steps")).to_have_text(funnel)
    assert funnel.count("→") == 5  # six steps named, six drawn
    office.shot(page, "centre-phone")
    assert office.outside == []


def test_a_year_the_report_does_not_reach_draws_no_line_and_says_no_orders(
    office: Office,
) -> None:
    story = office.story
    center = story.district.center
    story.run(
        story.c.organisation.record_population, RecordPopulation(center, YEAR + 1, 300)
    )
    story.c.projector.catch_up()  # type: ignore[union-attr]
    page = office.open(token(story.c, Role.ADMIN), f"?year={YEAR + 1}")
    rendered(page)
    expect(page.locator("#chart-funnel .empty")).to_have_text(
        "暂无数据：这段时间没有点单。"
    )
    assert page.evaluate(ACTIVE_LINE) == [None] * 12  # not twelve zeros
    page.select_option("#year", str(YEAR))
    rendered(page)
    line = page.evaluate(ACTIVE_LINE)
    assert line[4] == 2  # May
    assert all(value is not None for value in line[: datetime.now(CHINA).month])
    office.shot(page, "next-year")
