from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidInput, NotCovered
from domain.insurance import InsurancePolicy, PolicyTerms

TODAY = date(2026, 6, 1)
TERMS = PolicyTerms("人寿", "P1", date(2026, 1, 1), date(2026, 12, 31))


def policy() -> InsurancePolicy:
    return InsurancePolicy.register(uuid4(), uuid4(), TERMS, TODAY, "c")


def test_cover_starts_no_earlier_than_the_policy_and_names_each_once() -> None:
    insured = policy()
    a, b = uuid4(), uuid4()
    assert insured.cover([a], date(2025, 6, 1), TODAY, "c") == [a]
    assert insured.covered[a] == date(2026, 1, 1)
    assert insured.cover([a, b], None, TODAY, "c") == [b]
    assert insured.covered[b] == TODAY


def test_release_needs_cover_and_a_day_after_it_began() -> None:
    insured = policy()
    a = uuid4()
    with pytest.raises(NotCovered):
        insured.release([a], None, TODAY, "c")
    insured.cover([a], date(2026, 5, 1), TODAY, "c")
    with pytest.raises(InvalidInput) as error:
        insured.release([a], date(2026, 4, 30), TODAY, "c")
    assert error.value.field == "on_day"
    insured.release([a], None, TODAY, "c")
    assert insured.covered == {}


def test_cover_after_the_policy_ends_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        policy().cover([uuid4()], date(2027, 1, 1), TODAY, "c")
    assert error.value.field == "from_day"


def test_release_after_the_policy_ends_is_refused() -> None:
    insured = policy()
    a = uuid4()
    insured.cover([a], None, TODAY, "c")
    with pytest.raises(InvalidInput) as error:
        insured.release([a], date(9999, 12, 31), TODAY, "c")
    assert (error.value.field, error.value.rule) == ("on_day", "within_policy")
