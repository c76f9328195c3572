"""Text that can be stored. Every way in (the API's request models, the CSV import)
holds its input to this rule, so no event carries text a read model cannot hold."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

#: Control characters other than tab and line breaks cannot be stored in read models.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable_problem(text: str) -> tuple[str, str] | None:
    """The rule `text` breaks and why, or None when it can be stored."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "utf8", "must be valid UTF-8 text"
    if CONTROL_CHARACTERS.search(text):
        return "no_control_characters", "must not contain control characters"
    return None


def check_storable(field: str, text: str) -> None:
    if (problem := storable_problem(text)) is not None:
        raise InvalidInput(field, *problem)
