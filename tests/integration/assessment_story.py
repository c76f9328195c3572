"""A small district for the assessment's tests and the dashboard's: a station with
three volunteers (two party members), two teams, three closed activities, one
cancelled, and one order through 评单."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from application.activities import CloseActivity, PublishActivity
from application.orders import (
    AcceptOrder,
    CompleteOrder,
    DispatchOrder,
    EvaluateOrder,
    PlaceOrder,
    ReviewOrder,
    Served,
    StartOrder,
)
from application.organisation import RecordPopulation, SetAreaKind
from application.reports import AssessmentQuery, Source
from application.services import Container
from application.teams import RegisterTeam
from domain.access import Actor, Role
from domain.assessment import Assessment, TargetResult
from domain.organisation import AreaKind
from tests.conftest import NOW
from tests.integration.helpers import District, make_district, record, register


def targets(report: Assessment, unit: UUID) -> dict[str, TargetResult]:
    (found,) = [u for u in report.units if u.unit_id == unit]
    return {t.code: t for t in found.targets}


def both(container: Container, actor: Actor, query: AssessmentQuery) -> Assessment:
    """The report from the read models, after checking that the log agrees."""
    container.projector.catch_up()  # type: ignore[union-attr]
    as_of = query.as_of or datetime.now(UTC)
    from_models = container.reports.assessment(
        AssessmentQuery(query.unit_id, query.year, as_of), actor
    )
    from_log = container.reports.assessment(
        AssessmentQuery(query.unit_id, query.year, as_of, Source.EVENT_LOG), actor
    )
    for ours, theirs in zip(from_models.units, from_log.units, strict=True):
        assert ours.targets == theirs.targets
    assert from_models == from_log
    return from_models


#: The story's year: its hours, activities and order fall in it.
YEAR = NOW.year


class Story:
    """A station with three volunteers (two party members), two teams, three closed
    activities, one cancelled, and one order through 评单."""

    def __init__(self, container: Container, admin: Actor) -> None:
        self.c, self.admin = container, admin
        self.district: District = make_district(container, admin)
        station = self.district.station
        self.run(
            container.organisation.record_population,
            RecordPopulation(station, YEAR, 20),
        )
        self.run(
            container.organisation.set_area_kind, SetAreaKind(station, AreaKind.VILLAGE)
        )
        self.keen = register(container, admin, station, 1)
        self.light = register(container, admin, station, 2)
        self.idle = register(container, admin, station, 3, party_member=False)
        day = NOW - timedelta(days=20)
        self.long = [
            record(container, admin, self.keen, station, day + timedelta(days=d), 720)
            for d in range(2)
        ]  # 24 h
        record(container, admin, self.light, station, day, 120)
        founded = (NOW - timedelta(days=60)).date()  # before its activities
        self.teams = [
            self.run(
                container.teams.register,
                RegisterTeam(name, station, kind, founded_on=founded),
            ).id
            for name, kind in (("助老队", "elderly_care"), ("宣讲队", "theory_policy"))
        ]
        for kind in ("theory_talk", "family", "regular"):
            self.activity(self.teams[1], kind, close=True)
        self.activity(self.teams[0], "regular", close=False)
        self.order()

    def run(self, handler: object, command: object) -> object:
        return self.c.commands.run(handler, command, self.admin).result  # type: ignore[arg-type]

    def activity(self, team: UUID, kind: str, close: bool) -> None:
        start = NOW - timedelta(days=40)
        published = self.run(
            self.c.activities.publish,
            PublishActivity(
                team,
                "政策宣讲进村",
                "public",
                "theory_talks",
                "村委会",
                "李队长",
                start,
                start + timedelta(hours=2),
                30,
                kind=kind,
            ),
        )
        if close:
            self.run(self.c.activities.close, CloseActivity(published.id))  # type: ignore[attr-defined]

    def order(self) -> None:
        resident = Actor(Role.RESIDENT, uuid4(), "居民")
        run, orders = self.c.commands.run, self.c.orders
        placed = run(
            orders.place,
            PlaceOrder(
                "elderly",
                None,
                "陪老人聊天",
                "每周陪伴",
                self.district.station,
                "3号楼",
                NOW - timedelta(days=3),
                NOW - timedelta(days=2),
            ),
            resident,
        ).result.id
        run(orders.review, ReviewOrder(placed, True), self.admin)
        run(
            orders.dispatch,
            DispatchOrder(placed, volunteer_ids=(self.light,)),
            self.admin,
        )
        taker = Actor(Role.VOLUNTEER, uuid4(), "v", volunteer_id=self.light)
        run(orders.accept, AcceptOrder(placed), taker)
        run(orders.start, StartOrder(placed), self.admin)
        start = NOW - timedelta(days=3)
        served = Served(self.light, start, start + timedelta(hours=1))
        run(orders.complete, CompleteOrder(placed, (served,)), self.admin)
        run(orders.evaluate, EvaluateOrder(placed, 5), resident)
