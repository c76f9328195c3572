"""The log fold (one streamed scan of stored events) and the aggregate fold (the
domain's own event handlers) must agree on every volunteer and account, now and as
of any instant, over a history that uses every way points and hours move."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.access import Actor, Role
from infra.commands import Correction
from infra.container import Container
from infra.redemptions import Donation, Line, NewItem, NewRedemption
from tests.conftest import NOW, Clock
from tests.integration.helpers import make_district, record, register


def busy_history(container: Container, admin: Actor, clock: Clock) -> datetime:
    """Hours, corrections, revocations, redemptions, holds confirmed, voided and
    expired, and donations to a volunteer and to a station fund. Returns an instant
    in the middle of it."""
    ledger = container.ledger
    district = make_district(container, admin)
    people = [register(container, admin, district.station, serial=n) for n in (1, 2, 3)]
    records = [
        record(container, admin, who, district.station, NOW - timedelta(days=d), 300)
        for who in people
        for d in (2, 3, 4)
    ]
    ledger.correct_hours(
        people[0],
        records[0],
        Correction(
            "记录有误", NOW - timedelta(days=2), NOW - timedelta(days=2, hours=-2)
        ),
        admin,
    )
    time.sleep(0.01)
    middle = datetime.now(UTC)
    time.sleep(0.01)
    ledger.correct_hours(people[1], records[3], Correction("重复", revoke=True), admin)
    item = UUID(
        ledger.list_item(
            NewItem(district.station, "洗衣液", Decimal(30), 50), admin
        ).result["id"]
    )

    def buy(who: UUID, hold: bool = False) -> UUID:
        order = NewRedemption(who, (Line(item, 1),), hold)
        themselves = Actor(Role.VOLUNTEER, uuid4(), "志愿者", volunteer_id=who)
        return UUID(ledger.redeem(order, themselves).result["id"])

    buy(people[0])
    ledger.confirm_redemption(buy(people[0], hold=True), admin)
    ledger.void_redemption(buy(people[2], hold=True), "改主意", admin)
    expiring = buy(people[2], hold=True)
    clock.advance(timedelta(hours=1))
    ledger.expire_holds([expiring])
    ledger.donate(
        Donation(people[0], Decimal(15), "给妈妈", to_volunteer_id=people[1]), admin
    )
    ledger.donate(
        Donation(people[2], Decimal(5), "公益", fund_station_id=district.station), admin
    )
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
