"""The assessment's facts from the read models, as recorded by an instant: a few
grouped queries over the history tables (hour_entry_versions, order_steps,
unit_area_kinds, unit_populations) and the append-only ones. domain/assessment.py
turns them into the report; application/report_replay.py gathers the same facts
from the event log alone, and a test holds the two equal."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import DictRow

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
#: The month (1-12, China time) of an instant of the year: a binary search among
#: the months' first instants, cheaper than a time-zone conversion per row.
MONTH = "width_bucket({}, %(months)s::timestamptz[])"
#: Per volunteer: served in month m (hours are never negative, so "some hours"
#: is "a sum above 0"), a flag each, cheaper to keep than a group per month.
SERVED_IN_MONTHS = ",\n    ".join(
    f"bool_or(month = {m} AND hours > 0) AS m{m}" for m in range(1, 13)
)
#: Volunteers with hours in each month, as twelve counts.
ACTIVE_IN_MONTHS = ", ".join(f"count(*) FILTER (WHERE h.m{m})" for m in range(1, 13))

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

#: One scan of the entries for the volunteers' counts, star levels and months
#: served: one group per volunteer (month 0: before the year).
VOLUNTEERS = f"""
WITH e AS (
  SELECT volunteer_id, hours,
    CASE WHEN started_at < %(y0)s THEN 0 ELSE {MONTH.format("started_at")} END
      AS month
  FROM {{t}}.hour_entry_versions
  WHERE {STOOD} AND started_at < %(y1)s),
h AS (
  SELECT volunteer_id,
    sum(hours) FILTER (WHERE month > 0) AS year,
    sum(hours) AS total,
    {SERVED_IN_MONTHS}
  FROM e GROUP BY volunteer_id)
SELECT v.unit_id, v.party_member,
  coalesce(h.year, 0) > 0 AS serving,
  coalesce(h.year, 0) >= 20 AS twenty,
  {STAR_OF_TOTAL} AS star,
  count(*) AS n,
  ARRAY[{ACTIVE_IN_MONTHS}] AS active
FROM {{t}}.volunteers v LEFT JOIN h ON h.volunteer_id = v.id
WHERE v.registered_at <= %(t)s AND v.registered_at < %(y1)s
GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 - built from constants

CLOSED_IN_YEAR = (
    "a.state = 'closed' AND a.closed_at <= %(t)s "
    "AND a.starts_at >= %(y0)s AND a.starts_at < %(y1)s"
)

#: The first instant of the day a team was founded (China time).
FOUNDED = "(t.founded_on::timestamp AT TIME ZONE 'Asia/Shanghai')"

#: Teams on record by T and founded before the year ended, with the activities
#: they held in the year since they were founded.
TEAMS = f"""
SELECT t.id, t.unit_id, t.name, t.service_type, t.founded_on,
  count(a.id) AS activities,
  coalesce(array_agg(DISTINCT {MONTH.format("a.starts_at")})
    FILTER (WHERE a.id IS NOT NULL), '{{{{}}}}') AS months
FROM {{t}}.teams t LEFT JOIN {{t}}.activities a
  ON a.team_id = t.id AND {CLOSED_IN_YEAR} AND a.starts_at >= {FOUNDED}
WHERE t.registered_at <= %(t)s AND {FOUNDED} < %(y1)s
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


#: The last designation or withdrawal of each project by the cut-off.
BRANDS = """
SELECT unit_id, count(*) AS n FROM (
  SELECT DISTINCT ON (project_id) unit_id, brand FROM {t}.project_brands
  WHERE at <= %(t)s AND at < %(y1)s ORDER BY project_id, position DESC) b
WHERE brand GROUP BY unit_id
"""

#: What the report's few big groupings may hold in memory per sort or hash (the
#: server's default, 4 MB, sends a district's per-volunteer months to disk).
WORK_MEM = "128MB"
Read = Callable[[str], list[dict[str, Any]]]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of `year` and of the next one, China time."""
    return datetime(year, 1, 1, tzinfo=CHINA_TIME), datetime(
        year + 1, 1, 1, tzinfo=CHINA_TIME
    )


def month_starts(year: int) -> list[datetime]:
    """The first instant of each month of `year`, China time."""
    return [datetime(year, month, 1, tzinfo=CHINA_TIME) for month in range(1, 13)]


def first_month(founded_on: date, year: int) -> int:
    """The first month of `year` a team owes an activity in: the month it was
    founded, when that was during the year."""
    return founded_on.month if founded_on.year == year else 1


class AssessmentFacts:
    def __init__(self, db: SqlStore, schema: str) -> None:
        self.db = db
        self.schema = schema

    def _reader(self, cur: Cursor[DictRow], params: dict[str, Any]) -> Read:
        def read(template: str) -> list[dict[str, Any]]:
            query = sql.SQL(template).format(t=sql.Identifier(self.schema))
            return [dict(r) for r in cur.execute(query, params).fetchall()]

        return read

    def gather(self, year: int, as_of: datetime) -> LedgerFacts:
        """The facts, read in one snapshot (a repeatable-read transaction), with
        room to group a district's entries in memory rather than on disk."""
        y0, y1 = year_bounds(year)
        params = {
            "t": as_of,
            "year": year,
            "y0": y0,
            "y1": y1,
            "months": month_starts(year),
        }
        with self.db.transaction() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            return self._facts(self._reader(cur, params), year)

    def _facts(self, read: Read, year: int) -> LedgerFacts:
        volunteers, stars, active = self._volunteers(read)
        return LedgerFacts(
            units=self._units(read),
            volunteers=volunteers,
            stars=stars,
            teams=self._teams(read, year),
            own_activities={
                r["unit_id"]: ActivityCounts(
                    r["all_"], r["theory"], r["family"], r["training"]
                )
                for r in read(OWN_ACTIVITIES)
            },
            hours=[
                HoursCell(r["month"], r["category"], r["unit_id"], r["hours"])
                for r in read(HOURS)
            ],
            orders=self._orders(read),
            points={
                r["unit_id"]: Points(r["earned"], r["redeemed"], r["donated"])
                for r in read(POINTS)
            },
            active=active,
            brands={r["unit_id"]: r["n"] for r in read(BRANDS)},
        )

    def _units(self, read: Read) -> dict[UUID, UnitFact]:
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
            for r in read(UNITS)
        }

    def _volunteers(
        self, read: Read
    ) -> tuple[
        dict[UUID, VolunteerCounts], dict[UUID, Counter[int]], dict[UUID, Counter[int]]
    ]:
        """Counts, star levels and volunteers active in each month, by unit."""
        counts: dict[UUID, VolunteerCounts] = defaultdict(VolunteerCounts)
        stars: dict[UUID, Counter[int]] = defaultdict(Counter)
        active: dict[UUID, Counter[int]] = defaultdict(Counter)
        for r in read(VOLUNTEERS):
            active[r["unit_id"]].update(
                {month: n for month, n in enumerate(r["active"], 1) if n}
            )
            party, n = r["party_member"], r["n"]
            counts[r["unit_id"]] += VolunteerCounts(
                registered=n,
                party_members=n if party else 0,
                serving=n if r["serving"] else 0,
                party_serving=n if party and r["serving"] else 0,
                party_twenty_hours=n if party and r["twenty"] else 0,
            )
            stars[r["unit_id"]][r["star"]] += n
        return dict(counts), dict(stars), dict(active)

    def _teams(self, read: Read, year: int) -> list[TeamFact]:
        return [
            TeamFact(
                r["id"],
                r["unit_id"],
                r["name"],
                r["service_type"],
                first_month(r["founded_on"], year),
                r["activities"],
                frozenset(r["months"]),
            )
            for r in read(TEAMS)
        ]

    def _orders(self, read: Read) -> list[OrderSteps]:
        steps: dict[UUID, list[tuple[str, datetime]]] = defaultdict(list)
        stations: dict[UUID, UUID] = {}
        for r in read(ORDERS):
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
