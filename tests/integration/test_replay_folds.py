"""The log fold (one streamed scan of stored events) and the aggregate fold (the
domain's own event handlers) must agree on every volunteer and account, now and as
of any instant, over a history that uses every way points and hours move."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from application.hours import CorrectHours
from application.services import Container
from application.supermarket import (
    ConfirmRedemption,
    Donate,
    Line,
    ListItem,
    Redeem,
    VoidRedemption,
)
from domain.access import Actor, Role
from tests.conftest import NOW, Clock
from tests.integration.helpers import make_district, record, register


def busy_history(container: Container, admin: Actor, clock: Clock) -> datetime:
    """Hours, corrections, revocations, redemptions, holds confirmed, voided and
    expired, and donations to a volunteer and to a station fund. Returns an instant
    in the middle of it."""
    run, shop = container.commands.run, container.redemptions
    district = make_district(container, admin)
    people = [register(container, admin, district.station, serial=n) for n in (1, 2, 3)]
    records = [
        record(container, admin, who, district.station, NOW - timedelta(days=d), 300)
        for who in people
        for d in (2, 3, 4)
    ]
    corrected = CorrectHours(
        people[0],
        records[0],
        "记录有误",
        NOW - timedelta(days=2),
        NOW - timedelta(days=2, hours=-2),
    )
    run(container.hours.correct, corrected, admin)
    time.sleep(0.01)
    middle = datetime.now(UTC)
    time.sleep(0.01)
    revoked = CorrectHours(people[1], records[3], "重复", revoke=True)
    run(container.hours.correct, revoked, admin)
    listing = ListItem(district.station, "洗衣液", Decimal(30), 50)
    item = run(container.catalog.list, listing, admin).result.id

    def themselves(who: UUID) -> Actor:
        return Actor(Role.VOLUNTEER, uuid4(), "志愿者", volunteer_id=who)

    def buy(who: UUID, hold: bool = False) -> UUID:
        order = Redeem(who, (Line(item, 1),), hold)
        return run(shop.redeem, order, themselves(who)).result.id

    buy(people[0])
    held = ConfirmRedemption(buy(people[0], hold=True))
    run(shop.confirm, held, themselves(people[0]))
    run(shop.void, VoidRedemption(buy(people[2], hold=True), "改主意"), admin)
    expiring = buy(people[2], hold=True)
    clock.advance(timedelta(hours=1))
    container.sweeper.expire_holds([expiring])
    gift = Donate(people[0], Decimal(15), "给妈妈", to_volunteer_id=people[1])
    run(container.donations.donate, gift, admin)
    alms = Donate(people[2], Decimal(5), "公益", fund_station_id=district.station)
    run(container.donations.donate, alms, admin)
    return middle


def by_aggregates(container: Container, at: datetime | None) -> tuple[list, list]:
    volunteers = [v["volunteer_id"] for v in container.audit.replay(None).star_levels()]
    standings, balances = [], []
    for volunteer in volunteers:
        one = container.audit.volunteer_as_of(volunteer, at)
        standings += one.star_levels()
        balances += one.balances()
    return standings, balances


def test_the_log_fold_and_the_aggregate_fold_agree_now_and_as_of(
    container: Container, admin: Actor, clock: Clock
) -> None:
    middle = busy_history(container, admin, clock)
    for at in (None, middle):
        whole = container.audit.replay(at)
        standings, balances = by_aggregates(container, at)
        assert whole.star_levels() == sorted(
            standings, key=lambda r: r["volunteer_number"]
        )
        volunteer_balances = [
            b
            for b in whole.balances()
            if b["owner_id"] in {s["volunteer_id"] for s in standings}
        ]
        assert volunteer_balances == sorted(balances, key=lambda r: str(r["owner_id"]))
    final = container.audit.replay()
    assert any(b["held"] == 0 and b["redeemed"] == 60 for b in final.balances())
    assert container.projector is not None
    container.projector.catch_up()
    assert container.audit.differences(final) == []
