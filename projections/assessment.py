"""The assessment's facts from the read models, as recorded by an instant: a few
grouped queries over the history tables (hour_entry_versions, order_steps,
unit_area_kinds, unit_populations) and the append-only ones. domain/assessment.py
turns them into the report; application/report_replay.py gathers the same facts
from the event log alone, and a test holds the two equal."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from domain.assessment import (
    UNCLASSIFIED,
    ActivityCounts,
    HoursCell,
    LedgerFacts,
    OrderSteps,
    Points,
    TeamFact,
    UnitFact,
    VolunteerCounts,
)
from domain.organisation import AreaKind, UnitKind
from domain.policy import STAR_THRESHOLDS
from domain.reference import CHINA_TIME
from projections.store import SqlStore

#: `domain.policy.star_level` of a sum in SQL.
STAR_OF_TOTAL = (
    "CASE "
    + " ".join(
        f"WHEN coalesce(h.total, 0) >= {threshold} THEN {level}"
        for level, threshold in STAR_THRESHOLDS
    )
    + " ELSE 0 END"
)
#: A version of an entry stood at %(t)s.
STOOD = "valid_from <= %(t)s AND (valid_to IS NULL OR valid_to > %(t)s)"
MONTH = "extract(month FROM {} AT TIME ZONE 'Asia/Shanghai')::int"

UNITS = """
SELECT u.id, u.name, u.kind, u.parent_id, u.lineage,
  (SELECT a.area_kind FROM {t}.unit_area_kinds a
   WHERE a.unit_id = u.id AND a.recorded_at <= %(t)s
   ORDER BY a.position DESC LIMIT 1) AS area_kind,
  (SELECT p.population FROM {t}.unit_populations p
   WHERE p.unit_id = u.id AND p.year = %(year)s AND p.recorded_at <= %(t)s
   ORDER BY p.position DESC LIMIT 1) AS population
FROM {t}.units u WHERE u.registered_at <= %(t)s
"""

VOLUNTEERS = f"""
WITH h AS (
  SELECT volunteer_id,
    sum(hours) FILTER (WHERE started_at >= %(y0)s) AS year,
    sum(hours) AS total
  FROM {{t}}.hour_entry_versions
  WHERE {STOOD} AND started_at < %(y1)s
  GROUP BY volunteer_id)
SELECT v.unit_id, v.party_member,
  coalesce(h.year, 0) > 0 AS serving,
  coalesce(h.year, 0) >= 20 AS twenty,
  {STAR_OF_TOTAL} AS star,
  count(*) AS n
FROM {{t}}.volunteers v LEFT JOIN h ON h.volunteer_id = v.id
WHERE v.registered_at <= %(t)s AND v.registered_at < %(y1)s
GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 - built from constants

ACTIVE = f"""
SELECT v.unit_id, m.month, count(*) AS n
FROM (
  SELECT volunteer_id, {MONTH.format("started_at")} AS month
  FROM {{t}}.hour_entry_versions
  WHERE {STOOD} AND started_at >= %(y0)s AND started_at < %(y1)s
  GROUP BY 1, 2 HAVING sum(hours) > 0) m
JOIN {{t}}.volunteers v ON v.id = m.volunteer_id
WHERE v.registered_at <= %(t)s AND v.registered_at < %(y1)s
GROUP BY 1, 2
"""  # noqa: S608 - built from constants

CLOSED_IN_YEAR = (
    "a.state = 'closed' AND a.closed_at <= %(t)s "
    "AND a.starts_at >= %(y0)s AND a.starts_at < %(y1)s"
)

TEAMS = f"""
SELECT t.id, t.unit_id, t.name, t.service_type, t.registered_at,
  count(a.id) AS activities,
  coalesce(array_agg(DISTINCT {MONTH.format("a.starts_at")})
    FILTER (WHERE a.id IS NOT NULL), '{{{{}}}}') AS months
FROM {{t}}.teams t LEFT JOIN {{t}}.activities a
  ON a.team_id = t.id AND {CLOSED_IN_YEAR}
WHERE t.registered_at <= %(t)s AND t.registered_at < %(y1)s
GROUP BY t.id
"""  # noqa: S608 - built from constants

OWN_ACTIVITIES = f"""
SELECT a.unit_id, count(*) AS all_,
  count(*) FILTER (WHERE a.kind = 'theory_talk') AS theory,
  count(*) FILTER (WHERE a.kind = 'family') AS family,
  count(*) FILTER (WHERE a.kind = 'training') AS training
FROM {{t}}.activities a WHERE {CLOSED_IN_YEAR}
GROUP BY a.unit_id
"""  # noqa: S608 - built from constants

HOURS = f"""
SELECT {MONTH.format("started_at")} AS month,
  coalesce(category, '{UNCLASSIFIED}') AS category, unit_id, sum(hours) AS hours
FROM {{t}}.hour_entry_versions
WHERE {STOOD} AND started_at >= %(y0)s AND started_at < %(y1)s
GROUP BY 1, 2, 3
"""  # noqa: S608 - built from constants

ORDERS = """
SELECT o.id, o.station_id, s.state, s.at
FROM {t}.orders o JOIN {t}.order_steps s ON s.order_id = o.id
WHERE o.placed_at >= %(y0)s AND o.placed_at < %(y1)s AND o.placed_at <= %(t)s
  AND s.at <= %(t)s
ORDER BY o.id, s.position
"""

POINTS = """
SELECT v.unit_id,
  coalesce(sum(e.points) FILTER (WHERE e.kind IN ('earned', 'clawed_back')), 0)
    AS earned,
  -coalesce(sum(e.points) FILTER
    (WHERE e.kind IN ('held', 'redeemed', 'voided', 'expired')), 0) AS redeemed,
  -coalesce(sum(e.points) FILTER (WHERE e.kind = 'donated'), 0) AS donated
FROM {t}.account_entries e JOIN {t}.volunteers v ON v.id = e.volunteer_id
WHERE e.occurred_at <= %(t)s AND e.occurred_at >= %(y0)s AND e.occurred_at < %(y1)s
GROUP BY v.unit_id
"""


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of `year` and of the next one, China time."""
    return datetime(year, 1, 1, tzinfo=CHINA_TIME), datetime(
        year + 1, 1, 1, tzinfo=CHINA_TIME
    )


def first_month(registered_at: datetime, year: int) -> int:
    """The first month a team owes an activity in: its registration's, when it
    was registered during the year."""
    local = registered_at.astimezone(CHINA_TIME)
    return local.month if local.year == year else 1


class AssessmentFacts:
    def __init__(self, db: SqlStore, schema: str) -> None:
        self.db = db
        self.schema = schema

    def _rows(self, template: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        query = sql.SQL(template).format(t=sql.Identifier(self.schema))
        return [dict(r) for r in self.db.fetch_all(query, params)]

    def gather(self, year: int, as_of: datetime) -> LedgerFacts:
        y0, y1 = year_bounds(year)
        params = {"t": as_of, "year": year, "y0": y0, "y1": y1}
        volunteers, stars = self._volunteers(params)
        return LedgerFacts(
            units=self._units(params),
            volunteers=volunteers,
            stars=stars,
            teams=self._teams(params, year),
            own_activities={
                r["unit_id"]: ActivityCounts(
                    r["all_"], r["theory"], r["family"], r["training"]
                )
                for r in self._rows(OWN_ACTIVITIES, params)
            },
            hours=[
                HoursCell(r["month"], r["category"], r["unit_id"], r["hours"])
                for r in self._rows(HOURS, params)
            ],
            orders=self._orders(params),
            points={
                r["unit_id"]: Points(r["earned"], r["redeemed"], r["donated"])
                for r in self._rows(POINTS, params)
            },
            active=self._active(params),
        )

    def _active(self, params: dict[str, Any]) -> dict[UUID, Counter[int]]:
        active: dict[UUID, Counter[int]] = defaultdict(Counter)
        for r in self._rows(ACTIVE, params):
            active[r["unit_id"]][r["month"]] = r["n"]
        return dict(active)

    def _units(self, params: dict[str, Any]) -> dict[UUID, UnitFact]:
        return {
            r["id"]: UnitFact(
                r["id"],
                r["name"],
                UnitKind(r["kind"]),
                r["parent_id"],
                tuple(r["lineage"]),
                AreaKind(r["area_kind"]) if r["area_kind"] else None,
                r["population"],
            )
            for r in self._rows(UNITS, params)
        }

    def _volunteers(
        self, params: dict[str, Any]
    ) -> tuple[dict[UUID, VolunteerCounts], dict[UUID, Counter[int]]]:
        counts: dict[UUID, VolunteerCounts] = defaultdict(VolunteerCounts)
        stars: dict[UUID, Counter[int]] = defaultdict(Counter)
        for r in self._rows(VOLUNTEERS, params):
            party, n = r["party_member"], r["n"]
            counts[r["unit_id"]] += VolunteerCounts(
                registered=n,
                party_members=n if party else 0,
                serving=n if r["serving"] else 0,
                party_serving=n if party and r["serving"] else 0,
                party_twenty_hours=n if party and r["twenty"] else 0,
            )
            stars[r["unit_id"]][r["star"]] += n
        return dict(counts), dict(stars)

    def _teams(self, params: dict[str, Any], year: int) -> list[TeamFact]:
        return [
            TeamFact(
                r["id"],
                r["unit_id"],
                r["name"],
                r["service_type"],
                first_month(r["registered_at"], year),
                r["activities"],
                frozenset(r["months"]),
            )
            for r in self._rows(TEAMS, params)
        ]

    def _orders(self, params: dict[str, Any]) -> list[OrderSteps]:
        steps: dict[UUID, list[tuple[str, datetime]]] = defaultdict(list)
        stations: dict[UUID, UUID] = {}
        for r in self._rows(ORDERS, params):
            steps[r["id"]].append((r["state"], r["at"]))
            stations[r["id"]] = r["station_id"]
        return [order_steps(i, stations[i], s) for i, s in steps.items()]


def order_steps(
    order_id: UUID, station_id: UUID, steps: list[tuple[str, datetime]]
) -> OrderSteps:
    """An order's steps in the order they were recorded."""
    first: dict[str, datetime] = {}
    for state, at in steps:
        first.setdefault(state, at)
    return OrderSteps(order_id, station_id, steps[-1][0], first)
