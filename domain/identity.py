"""Personal identifiers: validation (GB 11643-1999) and the masked forms in events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.errors import InvalidInput

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def normalise_id_number(raw: str) -> str:
    return raw.strip().upper()


def check_id_number(id_number: str, birth_date: date, gender: Gender) -> None:
    """Refuses an ID number that is malformed or disagrees with birth date or gender."""
    field = "id_number"
    if len(id_number) != 18:
        raise InvalidInput(field, "id_number_length", "must be 18 characters")
    if not _ID_PATTERN.match(id_number):
        raise InvalidInput(
            field, "id_number_format", "must be 17 digits followed by a digit or X"
        )
    if id_check_char(id_number[:17]) != id_number[17]:
        raise InvalidInput(
            field, "id_number_check_digit", "check digit does not match (GB 11643)"
        )
    if id_number[6:14] != birth_date.strftime("%Y%m%d"):
        raise InvalidInput(
            field,
            "id_number_birth_date",
            "birth date in the number differs from birth_date",
        )
    if _gender_in_id(id_number) != gender:
        raise InvalidInput(
            "gender", "gender_matches_id_number", "gender differs from the ID number"
        )


def _gender_in_id(id_number: str) -> Gender:
    return Gender.MALE if int(id_number[16]) % 2 == 1 else Gender.FEMALE


def normalise_phone(raw: str) -> str:
    phone = re.sub(r"[\s()]", "", raw)
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :].lstrip("-")
    return phone


def check_phone(phone: str, field: str = "phone") -> None:
    if not (_MOBILE_PATTERN.match(phone) or _LANDLINE_PATTERN.match(phone)):
        raise InvalidInput(
            field,
            "phone_format",
            "must be a mainland mobile (11 digits, 13-19...) or an area-coded landline",
        )


def check_birth_date(birth_date: date, today: date) -> None:
    if birth_date >= today:
        raise InvalidInput("birth_date", "birth_date_in_past", "must be before today")
    if birth_date.year < today.year - 120:
        raise InvalidInput(
            "birth_date", "birth_date_plausible", "is more than 120 years ago"
        )


def check_name(name: str, field: str = "name") -> None:
    if not name.strip():
        raise InvalidInput(field, "name_required", "must not be blank")
    if len(name) > 64:
        raise InvalidInput(field, "name_length", "must be at most 64 characters")


def mask_id_number(id_number: str) -> str:
    return id_number[:4] + "*" * 10 + id_number[-4:]


def mask_phone(phone: str) -> str:
    digits = phone.replace("-", "")
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1)


@dataclass(frozen=True)
class PersonalData:
    """The clear personal data of one volunteer; it lives only in the PII vault."""

    name: str
    id_number: str
    phone: str
    birth_date: date

    @property
    def masked(self) -> MaskedIdentity:
        return MaskedIdentity(
            name=mask_name(self.name),
            id_number=mask_id_number(self.id_number),
            phone=mask_phone(self.phone),
        )


@dataclass(frozen=True)
class MaskedIdentity:
    name: str
    id_number: str
    phone: str
