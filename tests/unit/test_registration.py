"""Registrations of one's own and residents, without storage."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.errors import IllegalTransition, InvalidInput
from domain.identity import MaskedIdentity
from domain.privacy import PRIVACY_NOTICE
from domain.registration import (
    RegistrationStatus,
    VolunteerRegistration,
    volunteer_id_for,
)
from domain.resident import Resident, ResidentHasLogin

MASKED = MaskedIdentity("王**", "3701**********0016", "138****5678")


def submitted(version: str = PRIVACY_NOTICE.version, agreed: bool = True) -> Any:
    return VolunteerRegistration.submit(
        uuid4(),
        uuid4(),
        uuid4(),
        "male",
        1990,
        MASKED,
        ["急救"],
        False,
        version,
        agreed,
    )


def test_the_consent_to_the_notice_in_force_is_an_event_of_its_own() -> None:
    registration = submitted()
    events = registration.collect_events()
    assert [type(e).__name__ for e in events] == ["Submitted", "ConsentGiven"]
    assert events[1].notice_version == PRIVACY_NOTICE.version
    assert registration.volunteer_id == volunteer_id_for(registration.id)


@pytest.mark.parametrize(
    ("version", "agreed", "rule"),
    [("2025-01", True, "notice_version_current"), ("2026-12", False, "consent_given")],
)
def test_no_registration_without_consent(version: str, agreed: bool, rule: str) -> None:
    with pytest.raises(InvalidInput) as error:
        submitted(version, agreed)
    assert error.value.rule == rule


def test_a_registration_is_decided_once_after_an_identity_check() -> None:
    registration = submitted()
    with pytest.raises(InvalidInput) as error:
        registration.approve(False, "coordinator:李")
    assert error.value.field == "identity_checked"
    registration.approve(True, "coordinator:李")
    assert registration.status is RegistrationStatus.APPROVED
    with pytest.raises(IllegalTransition):
        registration.refuse("重复", "coordinator:李")


def test_a_refusal_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as error:
        submitted().refuse(" ", "coordinator:李")
    assert error.value.rule == "reason_required"


def test_a_resident_opens_one_login() -> None:
    resident = Resident(
        resident_id=uuid4(),
        community_id=uuid4(),
        name_masked="李**",
        phone_masked="139****5678",
        actor="coordinator:李",
    )
    resident.open_login(uuid4(), uuid4(), "resident:self-service")
    with pytest.raises(ResidentHasLogin):
        resident.open_login(uuid4(), uuid4(), "resident:self-service")
