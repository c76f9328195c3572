"""Scenarios end to end on real Postgres, the read models fed in-process and via
Kafka (relay and projector on a real broker): the same projections either way."""

from datetime import timedelta
from decimal import Decimal

from application.hours import CorrectHours
from application.orders import (
    AcceptOrder,
    CompleteOrder,
    DispatchOrder,
    EvaluateOrder,
    PlaceOrder,
    ReviewOrder,
    RewardOrder,
    Served,
    StartOrder,
)
from domain.access import Actor
from infra.feed import EventStoreFeed
from projections import all_projections
from projections.base import ProjectionRunner
from projections.queries import ReadModels
from tests.conftest import NOW
from tests.integration.conftest import Fed
from tests.integration.helpers import make_district, record, register


def snapshot(reads: ReadModels, volunteer_id: object) -> dict[str, object]:
    volunteer = reads.volunteer(volunteer_id)  # type: ignore[arg-type]
    account = reads.account(volunteer_id)  # type: ignore[arg-type]
    entries = reads.account_entries(volunteer_id, 100, 0)  # type: ignore[arg-type]
    assert volunteer is not None
    assert account is not None
    return {
        "hours": volunteer["verified_hours"],
        "stars": volunteer["star_level"],
        "balance": account["balance"],
        "earned": account["earned"],
        "entries": [(e["kind"], e["points"], e["balance_after"]) for e in entries],
    }


def test_hundred_hours_earn_a_star_and_a_revocation_takes_it_back(
    fed: Fed, admin: Actor
) -> None:
    container = fed.container
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    start = NOW - timedelta(days=30)
    records = [
        record(
            container,
            admin,
            volunteer,
            district.station,
            start + timedelta(days=d),
            600,
        )
        for d in range(10)
    ]
    fed.sync()
    after_recording = snapshot(container.reads, volunteer)
    assert after_recording["hours"] == Decimal(100)
    assert after_recording["stars"] == 1
    assert after_recording["balance"] == Decimal(1000)

    revoke = CorrectHours(volunteer, records[0], "重复登记", revoke=True)
    container.commands.run(container.hours.correct, revoke, admin)
    fed.sync()
    after_revoking = snapshot(container.reads, volunteer)
    assert after_revoking["hours"] == Decimal(90)
    assert after_revoking["stars"] == 0
    assert after_revoking["balance"] == Decimal(900)
    assert after_revoking["entries"][0] == ("clawed_back", Decimal(-100), Decimal(900))

    rebuilt = ProjectionRunner(container.db, all_projections(), "rebuild_check")
    rebuilt.create_tables()
    position = 0
    while batch := EventStoreFeed(container.store).read(position):
        rebuilt.apply_batch(batch)
        position = batch[-1].position
    assert (
        snapshot(ReadModels(container.db, "rebuild_check"), volunteer) == after_revoking
    )


def test_a_correction_moves_points_by_the_difference(fed: Fed, admin: Actor) -> None:
    container = fed.container
    district = make_district(container, admin)
    volunteer = register(container, admin, district.station)
    entry = record(
        container, admin, volunteer, district.station, NOW - timedelta(days=2), 120
    )
    shorter = CorrectHours(
        volunteer,
        entry,
        "left early",
        ended_at=NOW - timedelta(days=2) + timedelta(minutes=60),
    )
    outcome = container.commands.run(container.hours.correct, shorter, admin)
    assert str(outcome.result.points_change) == "-10.00"
    fed.sync()
    state = snapshot(container.reads, volunteer)
    assert state["hours"] == Decimal(1)
    assert state["balance"] == Decimal(10)
    assert [kind for kind, _, _ in state["entries"]] == ["clawed_back", "earned"]  # type: ignore[attr-defined]


def test_board_and_ratings_rebuilt_from_empty_equal_the_live_ones(
    fed: Fed, admin: Actor
) -> None:
    container = fed.container

    from uuid import uuid4

    from domain.access import Role

    district = make_district(container, admin)
    volunteers = [
        register(container, admin, district.station, serial=s) for s in (1, 2)
    ]
    resident = Actor(Role.RESIDENT, uuid4(), "居民")
    run, orders = container.commands.run, container.orders
    for stars, volunteer in zip((5, 3), volunteers, strict=True):
        placed = run(
            orders.place,
            PlaceOrder(
                "elderly",
                None,
                "陪老人聊天",
                "每周陪伴",
                district.station,
                "3号楼",
                NOW - timedelta(days=2),
                NOW - timedelta(days=1),
            ),
            resident,
        )
        order_id = placed.result.id
        run(orders.review, ReviewOrder(order_id, True), admin)
        run(orders.dispatch, DispatchOrder(order_id, volunteer_ids=(volunteer,)), admin)
        taker = Actor(Role.VOLUNTEER, uuid4(), "v", volunteer_id=volunteer)
        run(orders.accept, AcceptOrder(order_id), taker)
        run(orders.start, StartOrder(order_id), admin)
        start = NOW - timedelta(days=2)
        served = Served(volunteer, start, start + timedelta(hours=2))
        run(orders.complete, CompleteOrder(order_id, (served,)), admin)
        run(orders.evaluate, EvaluateOrder(order_id, stars), resident)
        run(orders.reward, RewardOrder(order_id, Decimal(10), "好"), admin)
    fed.sync()

    rebuilt = ProjectionRunner(container.db, all_projections(), "rebuild_orders")
    rebuilt.create_tables()
    position = 0
    while batch := EventStoreFeed(container.store).read(position):
        rebuilt.apply_batch(batch)
        position = batch[-1].position
    for table, key in (("orders", "id"), ("ratings", "subject_id")):
        live = container.db.fetch_all(f"SELECT * FROM readmodel.{table} ORDER BY {key}")
        again = container.db.fetch_all(
            f"SELECT * FROM rebuild_orders.{table} ORDER BY {key}"
        )
        assert live == again
        assert len(live) >= 2
