"""Rules that live in the supermarket's and the kiosks' use cases, without a
database: who may settle a redemption, and a secret shown once."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from application.kiosks import RegisterKiosk
from application.supermarket import ConfirmRedemption, Line, ListItem, Redeem
from domain.access import Actor, Role
from domain.account import InsufficientPoints
from domain.errors import OutOfScope, RedemptionNotFound
from domain.kiosk import KioskSessionInvalid
from domain.redemption import Redemption
from infra.idempotency import IdempotencyKey
from tests.usecases.conftest import Ledger
from tests.usecases.test_executor import two_hours


def funded_volunteer(ledger: Ledger) -> UUID:
    volunteer = ledger.volunteer(ledger.station)
    command = two_hours(volunteer, ledger.station)
    ledger.commands.run(ledger.hours.record, command, ledger.admin)  # 20 points
    return volunteer


def held(ledger: Ledger, volunteer: UUID, price: int) -> UUID:
    listing = ListItem(ledger.station, "洗衣液", Decimal(price), 5)
    item = ledger.commands.run(ledger.catalog.list, listing, ledger.admin).result.id
    themselves = Actor(Role.VOLUNTEER, uuid4(), "志愿者", volunteer_id=volunteer)
    order = Redeem(volunteer, (Line(item, 1),), hold=True)
    return ledger.commands.run(ledger.redemptions.redeem, order, themselves).result.id


def test_a_volunteer_spends_its_own_points_and_never_more(ledger: Ledger) -> None:
    volunteer = funded_volunteer(ledger)
    redemption = held(ledger, volunteer, price=15)
    assert ledger.aggregates.account(volunteer).held == 15
    with pytest.raises(InsufficientPoints):
        held(ledger, volunteer, price=10)
    assert ledger.aggregates.account(volunteer).balance == 5
    assert redemption is not None


def test_a_kiosk_of_another_station_is_not_shown_the_redemption(
    ledger: Ledger,
) -> None:
    redemption = held(ledger, funded_volunteer(ledger), price=15)
    elsewhere = Actor(Role.KIOSK, uuid4(), "别站 1号机", unit_id=uuid4())
    with pytest.raises(RedemptionNotFound):
        ledger.commands.run(
            ledger.redemptions.confirm, ConfirmRedemption(redemption), elsewhere
        )
    outsider = Actor(Role.COORDINATOR, uuid4(), "别所", unit_id=uuid4())
    with pytest.raises(OutOfScope):
        ledger.commands.run(
            ledger.redemptions.confirm, ConfirmRedemption(redemption), outsider
        )
    here = Actor(Role.KIOSK, uuid4(), "1号机", unit_id=ledger.station)
    with pytest.raises(KioskSessionInvalid):  # confirming spends: the volunteer
        ledger.commands.run(
            ledger.redemptions.confirm, ConfirmRedemption(redemption), here
        )
    volunteer = ledger.aggregates.get(Redemption, redemption, RedemptionNotFound)
    session = ledger.sessions.open(here, volunteer.volunteer_id)
    confirmed = ledger.commands.run(
        ledger.redemptions.confirm, ConfirmRedemption(redemption, session), here
    )
    assert confirmed.result.state == "committed"
    assert confirmed.result.balance == 5


def test_a_kiosk_token_is_answered_once_and_a_replay_omits_it(ledger: Ledger) -> None:
    key = IdempotencyKey("scope", "kiosk-1", "same-body")
    device = RegisterKiosk(ledger.station, "1号机")
    first = ledger.commands.run(ledger.kiosks.register, device, ledger.admin, key)
    again = ledger.commands.run(ledger.kiosks.register, device, ledger.admin, key)
    assert first.result.token is not None
    assert first.result.token.startswith("vlt_")
    assert again.replayed
    assert again.result.token is None
    assert again.result.id == first.result.id
