from decimal import Decimal
from uuid import uuid4

from domain.account import CreditAccount
from domain.ids import account_id_for


def test_an_account_id_is_derived_from_the_volunteer_id() -> None:
    volunteer_id = uuid4()
    assert CreditAccount(volunteer_id=volunteer_id).id == account_id_for(volunteer_id)


def test_settling_a_source_twice_credits_it_once() -> None:
    account = CreditAccount(volunteer_id=uuid4())
    source = uuid4()
    account.settle_source(source, "hours", Decimal(30), 1, "recorded", "c")
    assert account.settle_source(source, "hours", Decimal(30), 1, "retry", "c") == 0
    assert account.balance == 30


def test_a_lower_target_claws_back_the_difference() -> None:
    account = CreditAccount(volunteer_id=uuid4())
    source = uuid4()
    account.settle_source(source, "hours", Decimal(30), 1, "recorded", "c")
    assert (
        account.settle_source(source, "hours", Decimal(10), 1, "corrected", "c") == -20
    )
    names = [type(e).__name__ for e in account.collect_events()]
    assert names == ["Opened", "PointsCredited", "PointsClawedBack"]
    assert account.balance == 10


def test_a_clawback_after_spending_leaves_the_account_owing() -> None:
    account = CreditAccount(volunteer_id=uuid4())
    source = uuid4()
    account.settle_source(source, "hours", Decimal(30), 1, "recorded", "c")
    account.balance -= 25  # spent elsewhere (redemptions arrive in a later issue)
    account.settle_source(source, "hours", Decimal(0), 1, "revoked", "c")
    assert account.balance == -25
    assert account.owes
