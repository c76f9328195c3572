from datetime import date
from uuid import uuid4

import pytest

from domain.award import (
    Award,
    AwardLevel,
    Benefit,
    BenefitCatalogue,
    Citation,
    RecipientKind,
    benefits_earned,
)
from domain.errors import IllegalTransition, InvalidInput

TODAY = date(2026, 6, 1)
CITATION = Citation("最美志愿者", AwardLevel.COUNTY, "文明实践中心", TODAY, "事迹")
BUS = Benefit("free_bus", "免费公交", "市内公交", "公交公司", min_star_level=3)
CHECK = Benefit("health", "体检", "每年一次", "医院", award_title="最美志愿者")


def test_an_award_is_granted_once_and_revoked_once() -> None:
    award = Award.grant(
        uuid4(), RecipientKind.VOLUNTEER, uuid4(), uuid4(), CITATION, TODAY, "c"
    )
    award.revoke("事迹不实", "c")
    with pytest.raises(IllegalTransition):
        award.revoke("again", "c")


def test_an_award_is_not_dated_in_the_future() -> None:
    later = Citation("最美志愿者", AwardLevel.CITY, "市文明办", date(2026, 6, 2), "x")
    with pytest.raises(InvalidInput) as error:
        Award.grant(uuid4(), RecipientKind.TEAM, uuid4(), uuid4(), later, TODAY, "c")
    assert error.value.field == "awarded_on"


def test_benefits_are_earned_by_star_level_or_by_an_award_title() -> None:
    assert benefits_earned([BUS, CHECK], 2, set()) == []
    assert benefits_earned([BUS, CHECK], 3, set()) == [BUS]
    assert benefits_earned([BUS, CHECK], 0, {"最美志愿者"}) == [CHECK]


@pytest.mark.parametrize(
    ("benefit", "field"),
    [
        (Benefit("a b", "x", "x", "x", min_star_level=1), "benefits[0].code"),
        (Benefit("a", "x", "x", "x"), "benefits[0].min_star_level"),
        (Benefit("a", "x", "x", "x", 1, "最美志愿者"), "benefits[0].min_star_level"),
        (Benefit("a", "x", "x", "x", min_star_level=6), "benefits[0].min_star_level"),
        (Benefit("a", "", "x", "x", min_star_level=1), "benefits[0].label"),
    ],
)
def test_a_benefit_names_the_field_it_breaks(benefit: Benefit, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        BenefitCatalogue.draw_up([benefit], "admin")
    assert error.value.field == field
