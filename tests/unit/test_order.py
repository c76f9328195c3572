from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    EvaluationWindowClosed,
    Forbidden,
    IllegalTransition,
    InvalidInput,
)
from domain.order import OrderState, Participation, ServiceOrder
from domain.volunteer import TimeSpan

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RESIDENT = uuid4()


def placed() -> ServiceOrder:
    return ServiceOrder.place(
        uuid4(),
        RESIDENT,
        uuid4(),
        "elderly",
        "daily_care",
        "帮老人打扫",
        "独居老人家中需要打扫",
        "双泉社区3号楼",
        NOW,
        NOW + timedelta(hours=4),
        "resident",
        NOW,
    )


def dispatched_to(*volunteers: UUID) -> ServiceOrder:
    order = placed()
    order.review(True, "", "coordinator")
    order.dispatch(None, list(volunteers), False, "coordinator")
    return order


def served(order: ServiceOrder, volunteer: UUID) -> Participation:
    return Participation(volunteer, TimeSpan(NOW, NOW + timedelta(hours=2)))


def completed(volunteer: UUID) -> ServiceOrder:
    order = dispatched_to(volunteer)
    order.accept(volunteer, False, "v")
    order.start("v")
    order.complete([served(order, volunteer)], NOW + timedelta(hours=3), "coordinator")
    return order


def test_an_order_walks_the_five_steps() -> None:
    volunteer = uuid4()
    order = completed(volunteer)
    order.evaluate(RESIDENT, 5, "很好", NOW + timedelta(days=1))
    order.reward(Decimal(20), "表扬", "admin")
    assert order.state is OrderState.REWARDED
    names = [type(e).__name__ for e in order.collect_events()]
    assert names == [
        "Placed",
        "Reviewed",
        "Dispatched",
        "Accepted",
        "Started",
        "Completed",
        "Evaluated",
        "Rewarded",
    ]


def test_evaluating_before_completion_is_illegal_and_names_the_state() -> None:
    order = dispatched_to(uuid4())
    with pytest.raises(IllegalTransition) as caught:
        order.evaluate(RESIDENT, 5, "", NOW)
    assert caught.value.extra == {"state": "dispatched"}


def test_an_order_is_evaluated_once() -> None:
    order = completed(uuid4())
    order.evaluate(RESIDENT, 4, "", NOW + timedelta(days=1))
    with pytest.raises(IllegalTransition):
        order.evaluate(RESIDENT, 5, "", NOW + timedelta(days=1))


def test_evaluations_close_thirty_days_after_completion() -> None:
    order = completed(uuid4())
    with pytest.raises(EvaluationWindowClosed):
        order.evaluate(RESIDENT, 5, "", NOW + timedelta(days=31))


def test_only_the_resident_who_placed_it_evaluates() -> None:
    order = completed(uuid4())
    with pytest.raises(Forbidden):
        order.evaluate(uuid4(), 5, "", NOW + timedelta(days=1))


@pytest.mark.parametrize("stars", [0, 6])
def test_stars_are_one_to_five(stars: int) -> None:
    with pytest.raises(InvalidInput):
        completed(uuid4()).evaluate(RESIDENT, stars, "", NOW + timedelta(days=1))


def test_a_volunteer_accepts_only_what_was_dispatched_to_it() -> None:
    order = dispatched_to(uuid4())
    with pytest.raises(IllegalTransition):
        order.accept(uuid4(), True, "stranger")


def test_an_open_order_is_claimed_by_a_volunteer_in_scope_only() -> None:
    order = placed()
    order.review(True, "", "c")
    order.dispatch(None, [], True, "c")
    with pytest.raises(IllegalTransition):
        order.accept(uuid4(), False, "far away")
    order.accept(uuid4(), True, "neighbour")
    assert order.state is OrderState.ACCEPTED


def test_the_last_decline_sends_the_order_back_to_dispatch() -> None:
    first, second = uuid4(), uuid4()
    order = dispatched_to(first, second)
    order.decline(first, "出差", "v1")
    assert order.state is OrderState.DISPATCHED
    order.decline(second, "生病", "v2")
    assert order.state is OrderState.REVIEWED
    order.dispatch(None, [uuid4()], False, "c")


def test_a_declined_volunteer_can_no_longer_accept() -> None:
    first, second = uuid4(), uuid4()
    order = dispatched_to(first, second)
    order.decline(first, "没空", "v1")
    with pytest.raises(IllegalTransition):
        order.accept(first, False, "v1")


def test_completing_a_cancelled_order_is_illegal() -> None:
    volunteer = uuid4()
    order = dispatched_to(volunteer)
    order.cancel("不需要了", "resident")
    with pytest.raises(IllegalTransition) as caught:
        order.complete([served(order, volunteer)], NOW, "c")
    assert caught.value.extra == {"state": "cancelled"}


def test_a_completed_order_cannot_be_cancelled() -> None:
    with pytest.raises(IllegalTransition):
        completed(uuid4()).cancel("late", "resident")


def test_participants_must_have_accepted_a_volunteer_order() -> None:
    volunteer = uuid4()
    order = dispatched_to(volunteer)
    order.accept(volunteer, False, "v")
    order.start("v")
    with pytest.raises(InvalidInput) as caught:
        order.complete([served(order, uuid4())], NOW, "c")
    assert caught.value.rule == "participants_accepted"


def test_a_team_order_is_accepted_by_its_coordinator() -> None:
    order = placed()
    order.review(True, "", "c")
    order.dispatch(uuid4(), [], False, "c")
    with pytest.raises(Forbidden):
        order.accept(uuid4(), True, "v")
    order.accept(None, False, "team coordinator")
    assert order.state is OrderState.ACCEPTED


def test_dispatch_names_exactly_one_target() -> None:
    order = placed()
    order.review(True, "", "c")
    with pytest.raises(InvalidInput) as caught:
        order.dispatch(uuid4(), [uuid4()], False, "c")
    assert caught.value.rule == "one_dispatch_target"


def test_a_rejection_needs_a_reason_and_ends_the_order() -> None:
    order = placed()
    with pytest.raises(InvalidInput):
        order.review(False, " ", "c")
    order.review(False, "不在服务范围", "c")
    assert order.state is OrderState.REJECTED
    with pytest.raises(IllegalTransition):
        order.cancel("x", "resident")


def test_unknown_categories_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        ServiceOrder.place(
            uuid4(),
            RESIDENT,
            uuid4(),
            "elderly",
            "legal_aid",
            "t",
            "d",
            "a",
            NOW,
            NOW + timedelta(hours=1),
            "r",
            NOW,
        )
    assert caught.value.rule == "subcategory_of_category"
