"""Residents who order services (点单): registered by themselves with a verified
phone, or recorded by staff who took a need on their behalf (代点单) from a phone
call, a visit or a group chat. Either way one resident per phone number, so that a
resident who registers later finds the orders taken for them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import Conflict, NotFound
from domain.privacy import check_consent


class OrderChannel(StrEnum):
    """How a need reached the station."""

    #: The resident placed it with its own account.
    SELF = "self"
    PHONE_CALL = "phone_call"
    VISIT = "visit"
    GROUP_CHAT = "group_chat"


#: How staff took a need on a resident's behalf (代点单).
ON_BEHALF = frozenset(c for c in OrderChannel if c is not OrderChannel.SELF)


class ResidentNotFound(NotFound):
    rule = "resident_exists"


class ResidentHasLogin(Conflict):
    rule = "one_login_per_resident"


class Resident(CopiedCheaply, Aggregate):
    """Masked name and phone only; the clear ones are in the vault."""

    @staticmethod
    def create_id(resident_id: UUID, **_: Any) -> UUID:
        return resident_id

    @event("Recorded")
    def __init__(
        self,
        resident_id: UUID,
        community_id: UUID,
        name_masked: str,
        phone_masked: str,
        actor: str,
    ) -> None:
        self.community_id = community_id
        self.name_masked = name_masked
        self.phone_masked = phone_masked
        self.login_id: UUID | None = None
        self.notice_version: str | None = None

    def open_login(self, login_id: UUID, community_id: UUID, actor: str) -> None:
        """The resident registered itself: its own login from now on."""
        if self.login_id is not None:
            raise ResidentHasLogin(
                "this phone number has an account already; sign in, or ask the "
                "station to reset its password",
                field="phone",
            )
        self._login_opened(login_id=login_id, community_id=community_id, actor=actor)

    @event("LoginOpened")
    def _login_opened(self, login_id: UUID, community_id: UUID, actor: str) -> None:
        self.login_id = login_id
        self.community_id = community_id

    def consent(self, notice_version: str, agreed: bool) -> None:
        check_consent(notice_version, agreed)
        self._consented(notice_version=notice_version)

    @event("ConsentGiven")
    def _consented(self, notice_version: str) -> None:
        self.notice_version = notice_version
