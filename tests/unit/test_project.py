from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.errors import (
    AlreadyReviewed,
    IllegalTransition,
    InvalidInput,
    ReviewOfOwnUnit,
    ReviewsMissing,
)
from domain.project import Project, ProjectPlan, ProjectState

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
UNIT = uuid4()
PLAN = ProjectPlan(
    "银龄助餐",
    "elderly",
    None,
    "为独居老人送餐",
    ("双泉社区",),
    date(2026, 3, 1),
    date(2026, 12, 31),
    (uuid4(),),
)


def proposed(plan: ProjectPlan = PLAN) -> Project:
    return Project.propose(uuid4(), UNIT, plan, "coordinator", NOW)


def admitted() -> Project:
    project = proposed()
    project.review("expert-1", "admin:专家甲", None, 80, "可行", "admin")
    project.admit("同意入库", "admin")
    return project


def test_a_project_is_reviewed_admitted_runs_and_closes() -> None:
    project = admitted()
    project.publish_progress("一季度", "送餐 240 份", "coordinator")
    project.close("全年送餐 1,020 份", "coordinator")
    assert project.state is ProjectState.CLOSED
    names = [type(e).__name__ for e in project.collect_events()]
    assert names == ["Proposed", "Reviewed", "Admitted", "ProgressPublished", "Closed"]


def test_a_returned_project_is_revised_and_reviewed_again_from_scratch() -> None:
    project = proposed()
    project.review("expert-1", "admin:专家甲", None, 50, "目标不清", "admin")
    project.return_for_improvement("请补充目标", "admin")
    with pytest.raises(IllegalTransition):
        project.admit("入库", "admin")
    project.revise(replace(PLAN, goals="每周送餐两次"), "coordinator", NOW)
    assert (project.state, project.round) == (ProjectState.PROPOSED, 2)
    with pytest.raises(ReviewsMissing):
        project.admit("入库", "admin")
    project.review("expert-1", "admin:专家甲", None, 85, "可行", "admin")  # a new round
    project.admit("入库", "admin")
    assert project.plan["goals"] == "每周送餐两次"


def test_a_reviewer_reviews_once_a_round_and_never_its_own_unit() -> None:
    project = proposed()
    with pytest.raises(ReviewOfOwnUnit):
        project.review("station", "coordinator:站长", UNIT, 90, "好", "coordinator")
    project.review("wang-fang", "coordinator:王*", uuid4(), 90, "好", "coordinator")
    # Another expert who reads the same is another reviewer; the same one is not.
    project.review("wang-qiang", "coordinator:王*", uuid4(), 80, "好", "coordinator")
    with pytest.raises(AlreadyReviewed):
        project.review("wang-fang", "coordinator:王*", uuid4(), 70, "再评", "c")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"category": "nope"}, "category"),
        ({"places": ()}, "places"),
        ({"ends_on": date(2026, 2, 1)}, "ends_on"),
        ({"starts_on": date(1999, 1, 1)}, "starts_on"),
        ({"ends_on": date(9999, 1, 1)}, "ends_on"),
        ({"team_ids": ()}, "team_ids"),
    ],
)
def test_a_proposal_names_the_field_it_breaks(change: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        proposed(replace(PLAN, **change))
    assert error.value.field == field


def test_a_score_is_0_to_100() -> None:
    with pytest.raises(InvalidInput) as error:
        proposed().review("expert-1", "admin:专家", None, 101, "好", "admin")
    assert error.value.field == "score"


def test_only_an_admitted_project_becomes_a_brand_and_loses_it_once() -> None:
    with pytest.raises(IllegalTransition):
        proposed().designate_brand("好", "admin")
    project = admitted()
    project.designate_brand("服务覆盖全镇", "admin")
    with pytest.raises(IllegalTransition):
        project.designate_brand("again", "admin")
    project.withdraw_brand("停办", "admin")
    assert not project.brand
    with pytest.raises(IllegalTransition):
        project.withdraw_brand("again", "admin")


def test_work_joins_only_an_admitted_project() -> None:
    with pytest.raises(InvalidInput) as error:
        proposed().check_takes_work()
    assert (error.value.field, error.value.rule) == ("project_id", "project_admitted")
    admitted().check_takes_work()
