"""PIN rules and the volunteer numbers typed at a kiosk keypad."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.kiosk import check_pin, normalise_volunteer_number


@pytest.mark.parametrize("pin", ["258025", "480361", "000100", "135790"])
def test_six_digit_pins_that_are_not_obvious_are_accepted(pin: str) -> None:
    check_pin(pin)


@pytest.mark.parametrize(
    ("pin", "rule"),
    [
        ("12345", "pin_format"),
        ("1234567", "pin_format"),
        ("12a456", "pin_format"),
        ("１２３４５６", "pin_format"),
        ("000000", "pin_not_trivial"),
        ("123456", "pin_not_trivial"),
        ("987654", "pin_not_trivial"),
    ],
)
def test_malformed_or_obvious_pins_are_refused(pin: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_pin(pin)
    assert (refused.value.field, refused.value.rule) == ("pin", rule)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("V00000012", "V00000012"), ("v12", "V00000012"), (" 12 ", "V00000012")],
)
def test_a_typed_volunteer_number_is_normalised(typed: str, number: str) -> None:
    assert normalise_volunteer_number(typed) == number


@pytest.mark.parametrize("typed", ["", "V", "X12", "V123456789", "٣٤"])
def test_a_volunteer_number_that_cannot_be_one_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_volunteer_number(typed)
    assert refused.value.rule == "volunteer_number_format"
