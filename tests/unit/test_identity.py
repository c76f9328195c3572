from datetime import date

import pytest

from domain.errors import InvalidInput
from domain.identity import (
    Gender,
    PersonalData,
    check_id_number,
    check_phone,
    id_check_char,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_phone,
)
from tests.factories import id_number

BIRTH = date(1990, 3, 7)


def test_check_character_follows_gb_11643_for_a_published_example() -> None:
    # The standard's worked example: 11010519491231002 -> X
    assert id_check_char("11010519491231002") == "X"


def test_a_valid_number_with_matching_birth_date_and_gender_passes() -> None:
    check_id_number(id_number(BIRTH, Gender.FEMALE), BIRTH, Gender.FEMALE)


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("37120319900307001", "id_number_length"),
        ("3712031990030700123", "id_number_length"),
        ("37120319900307A01X", "id_number_format"),
        ("37120319900307001x", "id_number_format"),
    ],
)
def test_malformed_numbers_are_refused_with_their_rule(number: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_id_number(number, BIRTH, Gender.MALE)
    assert caught.value.rule == rule
    assert caught.value.field == "id_number"


def test_a_wrong_check_digit_is_refused() -> None:
    valid = id_number(BIRTH)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    with pytest.raises(InvalidInput) as caught:
        check_id_number(wrong, BIRTH, Gender.MALE)
    assert caught.value.rule == "id_number_check_digit"


def test_a_number_whose_birth_date_differs_from_birth_date_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_id_number(id_number(BIRTH), date(1990, 3, 8), Gender.MALE)
    assert caught.value.rule == "id_number_birth_date"


def test_a_number_whose_gender_digit_differs_from_gender_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_id_number(id_number(BIRTH, Gender.MALE), BIRTH, Gender.FEMALE)
    assert caught.value.rule == "gender_matches_id_number"
    assert caught.value.field == "gender"


@pytest.mark.parametrize("phone", ["13812345678", "19900001111", "0634-6123456"])
def test_mobile_and_landline_numbers_are_accepted(phone: str) -> None:
    check_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "abc", "138123456789"])
def test_other_phone_numbers_are_refused(phone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_phone(phone)
    assert caught.value.rule == "phone_format"


def test_country_prefix_and_spaces_are_normalised_away() -> None:
    assert normalise_phone("+86 138 1234 5678") == "13812345678"


def test_masks_hide_the_middle_of_each_identifier() -> None:
    assert mask_id_number("37120319900307001X") == "3712**********001X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"


def test_masked_identity_contains_no_clear_value() -> None:
    person = PersonalData("王小明", id_number(BIRTH), "13812345678", BIRTH)
    masked = person.masked
    assert person.id_number not in masked.id_number
    assert person.phone not in masked.phone
    assert person.name not in masked.name
