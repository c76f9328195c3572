"""The assessment's facts folded from the event log alone, as recorded by an
instant: one streamed scan, each stream cut at its first event stamped after the
instant (as application/replay.py does for hours and points). Neither the
projections nor their tables are used, so a report from this fold that equals the
report from the read models checks both."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from psycopg import Connection, sql
from psycopg.rows import DictRow, tuple_row

from domain.account import CreditAccount
from domain.activity import Activity
from domain.assessment import (
    UNCLASSIFIED,
    ActivityCounts,
    HoursCell,
    LedgerFacts,
    Points,
    TeamFact,
    UnitFact,
    VolunteerCounts,
)
from domain.instants import year_of
from domain.order import ServiceOrder
from domain.organisation import AreaKind, Team, Unit, UnitKind
from domain.policy import star_level
from domain.project import Project
from domain.reference import CHINA_TIME, REGULAR_ACTIVITY
from domain.volunteer import Volunteer
from infra.recorder import EVENTS_TABLE
from projections.assessment import first_month, order_steps, year_bounds

Data = dict[str, Any]
Step = Callable[[UUID, datetime, Data], None]
SCAN_ROWS = 20_000
#: The aggregates whose events the report reads.
WATCHED = (Unit, Team, Volunteer, Activity, ServiceOrder, CreditAccount, Project)


def _topic(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}."


def _uuid(value: Any) -> UUID | None:
    return None if value is None else UUID(value["_data_"])


def _id(value: Any) -> UUID:
    return UUID(value["_data_"])


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(value["_data_"])


def _decimal(value: Any) -> Decimal:
    return Decimal(value["_data_"])


@dataclass
class _Entry:
    volunteer_id: UUID
    unit_id: UUID
    category: str | None
    started_at: datetime
    hours: Decimal


@dataclass
class _Order:
    station_id: UUID
    placed_at: datetime
    steps: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass
class _Activity:
    team_id: UUID
    unit_id: UUID
    kind: str
    starts_at: datetime
    closed: bool = False


class ReportFold:
    """What the report needs of every stream, as it stood at `as_of`."""

    def __init__(self, year: int, as_of: datetime) -> None:
        self.year, self.as_of = year, as_of
        self.y0, self.y1 = year_bounds(year)
        self.units: dict[UUID, Data] = {}
        self.teams: dict[UUID, Data] = {}
        self.volunteers: dict[UUID, Data] = {}
        self.entries: dict[UUID, _Entry] = {}
        self.activities: dict[UUID, _Activity] = {}
        self.orders: dict[UUID, _Order] = {}
        self.owners: dict[UUID, UUID] = {}
        self.points: dict[UUID, Points] = {}
        self.cut: set[UUID] = set()
        #: Each project's unit and whether it held the brand title at the cut-off.
        self.brands: dict[UUID, tuple[UUID, bool]] = {}
        self.read = 0
        self.steps: dict[str, Callable[[UUID, datetime, Data], None]] = {}
        self._teach()

    # -- the scan ---------------------------------------------------------------------

    def run(self, conn: Connection[DictRow], stop: int) -> None:
        prefixes = [_topic(t) for t in WATCHED]
        query = sql.SQL(
            "SELECT notification_id, originator_id, topic, "
            "convert_from(state, 'UTF8') FROM {} WHERE notification_id <= %s "
            "AND topic LIKE ANY(%s) ORDER BY notification_id"
        ).format(sql.Identifier(EVENTS_TABLE))
        with (
            conn.transaction(),
            conn.cursor(name="report_scan", row_factory=tuple_row) as cur,
        ):
            cur.itersize = SCAN_ROWS
            cur.execute(query, (stop, [p + "%" for p in prefixes]))
            for _, stream, topic, state in cur:
                self.read += 1
                self.fold(stream, topic, orjson.loads(state))

    def fold(self, stream: UUID, topic: str, data: Data) -> None:
        if stream in self.cut:
            return
        at = _time(data["timestamp"])
        if at > self.as_of:
            self.cut.add(stream)
            return
        step = self.steps.get(topic)
        if step is not None:
            step(stream, at, data)

    def _teach(self) -> None:
        """One step per event type the report reads; the others pass by."""
        steps: dict[tuple[type, str], Step] = {
            (Unit, "Registered"): self._unit_registered,
            (Unit, "AreaKindSet"): self._area_kind_set,
            (Unit, "PopulationRecorded"): self._population_recorded,
            (Team, "Registered"): self._team_registered,
            (Volunteer, "Registered"): self._volunteer_registered,
            (Volunteer, "HoursRecorded"): self._hours_recorded,
            (Volunteer, "HoursCorrected"): self._hours_corrected,
            (Volunteer, "HoursRevoked"): self._hours_revoked,
            (Activity, "Published"): self._activity_published,
            (Activity, "Closed"): self._activity_closed,
            (CreditAccount, "Opened"): self._account_opened,
            (Project, "BrandDesignated"): self._brand(True),
            (Project, "BrandWithdrawn"): self._brand(False),
        }
        steps |= {(ServiceOrder, n): self._order_step(n) for n in ORDER_STEPS}
        steps |= {(CreditAccount, n): self._points_moved(n) for n in POINT_MOVES}
        self.steps = {_topic(cls) + name: step for (cls, name), step in steps.items()}

    # -- organisation -------------------------------------------------------------

    def _unit_registered(self, stream: UUID, at: datetime, d: Data) -> None:
        self.units[stream] = {
            "name": d["name"],
            "kind": UnitKind(d["kind"]),
            "parent_id": _uuid(d["parent_id"]),
            "lineage": tuple(_id(u) for u in d["lineage"]),
            "area_kind": d.get("area_kind"),
            "populations": {},
        }
        if d["population"] is not None:
            self.units[stream]["populations"][year_of(at)] = d["population"]

    def _area_kind_set(self, stream: UUID, at: datetime, d: Data) -> None:
        self.units[stream]["area_kind"] = d["area_kind"]

    def _population_recorded(self, stream: UUID, at: datetime, d: Data) -> None:
        self.units[stream]["populations"][d["year"]] = d["population"]

    def _team_registered(self, stream: UUID, at: datetime, d: Data) -> None:
        founded = d.get("founded_on")  # version 1 teams were founded that day
        self.teams[stream] = {
            "unit_id": _id(d["unit_id"]),
            "name": d["name"],
            "service_type": d["service_type"],
            "founded_on": (
                at.astimezone(CHINA_TIME).date()
                if founded is None
                else date.fromisoformat(founded["_data_"])
            ),
        }

    # -- volunteers and hours ----------------------------------------------------------

    def _volunteer_registered(self, stream: UUID, at: datetime, d: Data) -> None:
        self.volunteers[stream] = {
            "unit_id": _id(d["unit_id"]),
            "party_member": d["party_member"],
            "registered_at": at,
        }

    def _hours_recorded(self, stream: UUID, at: datetime, d: Data) -> None:
        self.entries[_id(d["record_id"])] = _Entry(
            stream,
            _id(d["unit_id"]),
            d.get("category"),
            _time(d["started_at"]),
            _decimal(d["hours"]),
        )

    def _hours_corrected(self, stream: UUID, at: datetime, d: Data) -> None:
        entry = self.entries[_id(d["record_id"])]
        entry.started_at = _time(d["started_at"])
        entry.hours = _decimal(d["hours"])

    def _hours_revoked(self, stream: UUID, at: datetime, d: Data) -> None:
        self.entries.pop(_id(d["record_id"]), None)

    # -- activities and orders --------------------------------------------------------

    def _activity_published(self, stream: UUID, at: datetime, d: Data) -> None:
        self.activities[stream] = _Activity(
            _id(d["team_id"]),
            _id(d["unit_id"]),
            d.get("kind", REGULAR_ACTIVITY),
            _time(d["starts_at"]),
        )

    def _activity_closed(self, stream: UUID, at: datetime, d: Data) -> None:
        self.activities[stream].closed = True

    def _brand(self, brand: bool) -> Step:
        def step(stream: UUID, at: datetime, d: Data) -> None:
            if at < self.y1:
                self.brands[stream] = (_id(d["unit_id"]), brand)

        return step

    def _order_step(self, name: str) -> Callable[[UUID, datetime, Data], None]:
        def step(stream: UUID, at: datetime, d: Data) -> None:
            if name == "Placed":
                self.orders[stream] = _Order(_id(d["station_id"]), at)
            state = ORDER_STEPS[name](d)
            if state is not None:
                self.orders[stream].steps.append((state, at))

        return step

    # -- points ---------------------------------------------------------------------

    def _account_opened(self, stream: UUID, at: datetime, d: Data) -> None:
        self.owners[stream] = _id(d["volunteer_id"])

    def _points_moved(self, name: str) -> Callable[[UUID, datetime, Data], None]:
        def step(stream: UUID, at: datetime, d: Data) -> None:
            if not self.y0 <= at < self.y1:
                return
            owner = self.owners[stream]
            moved = POINT_MOVES[name](_decimal(d["points"]) if "points" in d else None)
            self.points[owner] = self.points.get(owner, Points()) + moved

        return step

    # -- the facts --------------------------------------------------------------------

    def facts(self) -> LedgerFacts:
        counts, stars = self._volunteer_facts()
        active = self._active()
        return LedgerFacts(
            units=self._unit_facts(),
            volunteers=counts,
            stars=stars,
            teams=self._team_facts(),
            own_activities=self._own_activities(),
            hours=self._hours_cells(),
            orders=[
                order_steps(i, o.station_id, o.steps)
                for i, o in self.orders.items()
                if self.y0 <= o.placed_at < self.y1
            ],
            points=self._points_by_unit(),
            active=active,
            brands=dict(Counter(u for u, brand in self.brands.values() if brand)),
        )

    def _in_year(self, at: datetime) -> bool:
        return self.y0 <= at < self.y1

    def _unit_facts(self) -> dict[UUID, UnitFact]:
        return {
            i: UnitFact(
                i,
                u["name"],
                u["kind"],
                u["parent_id"],
                u["lineage"],
                AreaKind(u["area_kind"]) if u["area_kind"] else None,
                u["populations"].get(self.year),
            )
            for i, u in self.units.items()
        }

    def _volunteer_facts(
        self,
    ) -> tuple[dict[UUID, VolunteerCounts], dict[UUID, Counter[int]]]:
        year: dict[UUID, Decimal] = defaultdict(Decimal)
        total: dict[UUID, Decimal] = defaultdict(Decimal)
        for e in self.entries.values():
            if e.started_at < self.y1:
                total[e.volunteer_id] += e.hours
                if e.started_at >= self.y0:
                    year[e.volunteer_id] += e.hours
        counts: dict[UUID, VolunteerCounts] = defaultdict(VolunteerCounts)
        stars: dict[UUID, Counter[int]] = defaultdict(Counter)
        for i, v in self.volunteers.items():
            if v["registered_at"] >= self.y1:
                continue
            hours, party = year.get(i, Decimal(0)), v["party_member"]
            counts[v["unit_id"]] += VolunteerCounts(
                1,
                int(party),
                int(hours > 0),
                int(party and hours > 0),
                int(party and hours >= 20),
            )
            stars[v["unit_id"]][star_level(total.get(i, Decimal(0)))] += 1
        return dict(counts), dict(stars)

    def _active(self) -> dict[UUID, Counter[int]]:
        """Volunteers with hours in each month, by the unit they belong to."""
        hours: dict[tuple[UUID, int], Decimal] = defaultdict(Decimal)
        for e in self.entries.values():
            if self._in_year(e.started_at):
                month = e.started_at.astimezone(CHINA_TIME).month
                hours[(e.volunteer_id, month)] += e.hours
        active: dict[UUID, Counter[int]] = defaultdict(Counter)
        for (volunteer_id, month), total in hours.items():
            volunteer = self.volunteers.get(volunteer_id)
            if total > 0 and volunteer and volunteer["registered_at"] < self.y1:
                active[volunteer["unit_id"]][month] += 1
        return dict(active)

    def _closed_in_year(self) -> list[_Activity]:
        return [
            a
            for a in self.activities.values()
            if a.closed and self._in_year(a.starts_at)
        ]

    def _team_facts(self) -> list[TeamFact]:
        """Teams founded before the year ended, with the activities they held in
        the year since they were founded."""
        held: dict[UUID, list[_Activity]] = defaultdict(list)
        for a in self._closed_in_year():
            team = self.teams.get(a.team_id)
            if team and a.starts_at.astimezone(CHINA_TIME).date() >= team["founded_on"]:
                held[a.team_id].append(a)
        return [
            TeamFact(
                i,
                t["unit_id"],
                t["name"],
                t["service_type"],
                first_month(t["founded_on"], self.year),
                len(held[i]),
                frozenset(a.starts_at.astimezone(CHINA_TIME).month for a in held[i]),
            )
            for i, t in self.teams.items()
            if t["founded_on"].year <= self.year
        ]

    def _own_activities(self) -> dict[UUID, ActivityCounts]:
        kinds: dict[UUID, Counter[str]] = defaultdict(Counter)
        for a in self._closed_in_year():
            kinds[a.unit_id][a.kind] += 1
        return {
            unit: ActivityCounts(
                sum(k.values()), k["theory_talk"], k["family"], k["training"]
            )
            for unit, k in kinds.items()
        }

    def _hours_cells(self) -> list[HoursCell]:
        cells: dict[tuple[int, str, UUID], Decimal] = defaultdict(Decimal)
        for e in self.entries.values():
            if self._in_year(e.started_at):
                month = e.started_at.astimezone(CHINA_TIME).month
                cells[(month, e.category or UNCLASSIFIED, e.unit_id)] += e.hours
        return [HoursCell(m, c, u, h) for (m, c, u), h in cells.items()]

    def _points_by_unit(self) -> dict[UUID, Points]:
        by_unit: dict[UUID, Points] = {}
        for owner, points in self.points.items():
            volunteer = self.volunteers.get(owner)
            if volunteer is not None:
                unit = volunteer["unit_id"]
                by_unit[unit] = by_unit.get(unit, Points()) + points
        return by_unit


def _state(state: str) -> Callable[[Data], str | None]:
    return lambda _: state


#: Each order event and the state it leaves the order in (None: unchanged).
ORDER_STEPS: dict[str, Callable[[Data], str | None]] = {
    "Placed": _state("placed"),
    "Reviewed": lambda d: "reviewed" if d["accepted"] else "rejected",
    "Dispatched": lambda d: "open" if d["open_for_claiming"] else "dispatched",
    "Accepted": _state("accepted"),
    "Declined": lambda d: "reviewed" if d["back_to_dispatch"] else None,
    "Started": _state("started"),
    "Completed": _state("completed"),
    "Evaluated": _state("evaluated"),
    "Rewarded": _state("rewarded"),
    "Cancelled": _state("cancelled"),
}

ZERO = Decimal(0)
#: How each account event moves the year's earned, redeemed and donated points.
POINT_MOVES: dict[str, Callable[[Decimal | None], Points]] = {
    "PointsCredited": lambda p: Points(earned=p or ZERO),
    "PointsClawedBack": lambda p: Points(earned=-(p or ZERO)),
    "PointsHeld": lambda p: Points(redeemed=p or ZERO),
    "PointsRedeemed": lambda p: Points(redeemed=p or ZERO),
    "HoldCommitted": lambda p: Points(),
    "HoldReleased": lambda p: Points(redeemed=-(p or ZERO)),
    "PointsDonated": lambda p: Points(donated=p or ZERO),
    "PointsReceived": lambda p: Points(),
}
