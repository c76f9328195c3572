from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidInput
from domain.plan import (
    ActivityPlan,
    FixedDay,
    FixedDayKind,
    Period,
    PlanKind,
    PlannedActivity,
    plan_id,
)

UNIT = uuid4()


def planned(day: date, **changes: object) -> PlannedActivity:
    fields: dict[str, object] = {
        "item_id": uuid4(),
        "title": "理论宣讲",
        "day": day,
        "team_id": uuid4(),
        "category": "public",
        "place": "文明实践站",
        "start": "09:00",
        "end": "10:30",
    }
    fields.update(changes)
    return PlannedActivity(**fields)  # type: ignore[arg-type]


def test_a_period_is_a_year_or_a_month_with_its_days() -> None:
    year, month = Period.parse("2026"), Period.parse("2026-02")
    assert (year.kind, year.first_day, year.last_day) == (
        PlanKind.ANNUAL,
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert (month.kind, month.last_day) == (PlanKind.MONTHLY, date(2026, 2, 28))
    for bad in ("2026-13", "26", "2026-1", "1999", "9999"):
        with pytest.raises(InvalidInput):
            Period.parse(bad)


def test_a_plan_keeps_its_identity_per_unit_and_period_and_revises() -> None:
    period = Period.parse("2026-06")
    plan = ActivityPlan.draw_up(UNIT, period, [planned(date(2026, 6, 5))], "c")
    assert plan.id == plan_id(UNIT, period)
    plan.revise([planned(date(2026, 6, 6)), planned(date(2026, 6, 7))], "c")
    assert [i["day"] for i in plan.items] == [date(2026, 6, 6), date(2026, 6, 7)]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (planned(date(2026, 7, 1)), "items[0].day"),
        (planned(date(2026, 6, 1), start="9:00"), "items[0].start"),
        (planned(date(2026, 6, 1), end=None), "items[0].end"),
        (planned(date(2026, 6, 1), end="08:00"), "items[0].end"),
        (planned(date(2026, 6, 1), title=""), "items[0].title"),
        (planned(date(2026, 6, 1), category="x"), "items[0].category"),
    ],
)
def test_an_item_names_the_field_it_breaks(item: PlannedActivity, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        ActivityPlan.draw_up(UNIT, Period.parse("2026-06"), [item], "c")
    assert error.value.field == field


def test_a_fixed_day_reads_in_chinese_and_knows_its_days() -> None:
    monthly, weekly = (
        FixedDay(FixedDayKind.MONTHLY, 5),
        FixedDay(FixedDayKind.WEEKLY, 6),
    )
    assert (monthly.label, weekly.label) == ("每月5日", "每周六")
    assert monthly.falls_on(date(2026, 12, 5))
    assert weekly.falls_on(date(2026, 12, 5))  # a Saturday
    with pytest.raises(InvalidInput):
        FixedDay(FixedDayKind.WEEKLY, 8).check()
