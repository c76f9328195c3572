"""Reads of the programme's read models: the project library with what its work
added up to, plans against what was held, the public schedule, awards, benefits,
trainings and insurance cover."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain.reference import CHINA_TIME
from projections.queries import ReadModels, _within

#: What a project's activities and orders added up to: closed activities, the
#: volunteers and hours of the live entries they produced, residents' ratings.
PROJECT_TOTALS = """
WITH entries AS (
  SELECT e.volunteer_id, e.hours FROM {t}.activities a
  JOIN {t}.hour_entries e ON e.activity_id = a.id
  WHERE a.project_id = %(p)s AND a.state = 'closed' AND e.status <> 'revoked'
  UNION ALL
  SELECT e.volunteer_id, e.hours FROM {t}.orders o
  JOIN {t}.hour_entries e ON e.order_id = o.id
  WHERE o.project_id = %(p)s AND e.status <> 'revoked')
SELECT
  (SELECT count(*) FROM {t}.activities
   WHERE project_id = %(p)s AND state = 'closed') AS activities,
  (SELECT count(*) FROM {t}.orders WHERE project_id = %(p)s) AS orders,
  (SELECT count(DISTINCT volunteer_id) FROM entries) AS volunteers,
  (SELECT coalesce(sum(hours), 0) FROM entries) AS hours,
  (SELECT count(stars) FROM {t}.orders WHERE project_id = %(p)s) AS evaluations,
  (SELECT round(avg(stars), 2) FROM {t}.orders WHERE project_id = %(p)s)
    AS average_stars
"""


def china_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants from the start of `first` to the end of `last`, China time."""
    start = datetime.combine(first, time(), CHINA_TIME)
    return start, datetime.combine(last + timedelta(days=1), time(), CHINA_TIME)


class ProgrammeReads:
    def __init__(self, reads: ReadModels) -> None:
        self.reads = reads

    # -- the project library ----------------------------------------------------

    def project(self, project_id: UUID) -> dict[str, Any] | None:
        return self.reads.row(
            "SELECT p.*, u.name AS unit_name, u.lineage FROM {t}.projects p "
            "JOIN {t}.units u ON u.id = p.unit_id WHERE p.id = %s",
            (project_id,),
        )

    def projects(
        self,
        within_unit: UUID | None,
        states: list[str] | None,
        brand: bool | None,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        where, params = _within("p.unit_id", within_unit)
        if states is not None:
            where.append("p.state = ANY(%s)")
            params.append(states)
        if brand is not None:
            where.append("p.brand = %s")
            params.append(brand)
        return self.reads.rows(
            "SELECT p.*, u.name AS unit_name FROM {t}.projects p "  # noqa: S608 - conditions are constants
            "JOIN {t}.units u ON u.id = p.unit_id WHERE "
            + " AND ".join(where)
            + " ORDER BY p.brand DESC, p.proposed_at DESC, p.id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    def project_reviews(self, project_id: UUID) -> list[dict[str, Any]]:
        return self.reads.rows(
            "SELECT * FROM {t}.project_reviews WHERE project_id = %s ORDER BY position",
            (project_id,),
        )

    def project_progress(self, project_id: UUID) -> list[dict[str, Any]]:
        return self.reads.rows(
            "SELECT title, text, published_at FROM {t}.project_progress "
            "WHERE project_id = %s ORDER BY position",
            (project_id,),
        )

    def project_totals(self, project_id: UUID) -> dict[str, Any]:
        row = self.reads.row(PROJECT_TOTALS, {"p": project_id})
        assert row is not None  # noqa: S101 - an aggregate query returns one row
        return row

    # -- plans and the public schedule ---------------------------------------------

    def plan(self, unit_id: UUID, period: str) -> dict[str, Any] | None:
        return self.reads.row(
            "SELECT * FROM {t}.activity_plans WHERE unit_id = %s AND period = %s",
            (unit_id, period),
        )

    def plan_items(self, unit_id: UUID, period: str) -> list[dict[str, Any]]:
        """The plan's items, each with the closed activity that held it (its team,
        that day), if any."""
        return self.reads.rows(PLAN_REPORT, {"u": unit_id, "period": period})

    def unplanned(
        self, unit_id: UUID, period: str, first: date, last: date
    ) -> list[dict[str, Any]]:
        """Closed activities of the unit in the period that no item stands for."""
        t0, t1 = china_days(first, last)
        params = {"u": unit_id, "period": period, "t0": t0, "t1": t1}
        return self.reads.rows(UNPLANNED, params)

    def schedule(self, unit_id: UUID, first: date, last: date) -> list[dict[str, Any]]:
        """From the first day to the last, China time."""
        t0, t1 = china_days(first, last)
        params = {"u": unit_id, "d0": first, "d1": last, "t0": t0, "t1": t1}
        return self.reads.rows(SCHEDULE, params)

    def public_units(self) -> list[dict[str, Any]]:
        return self.reads.rows(
            "SELECT id, name, kind, parent_id, fixed_day_kind, fixed_day "
            "FROM {t}.units ORDER BY array_length(lineage, 1) NULLS FIRST, name"
        )

    # -- awards and benefits --------------------------------------------------------

    def awards(
        self,
        within_unit: UUID | None,
        recipient_id: UUID | None,
        kind: str | None,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        where, params = _within("a.unit_id", within_unit)
        for column, value in (
            ("a.recipient_id", recipient_id),
            ("a.recipient_kind", kind),
        ):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        return self.reads.rows(
            "SELECT a.* FROM {t}.awards a WHERE "  # noqa: S608 - constant conditions
            + " AND ".join(where)
            + " ORDER BY a.awarded_on DESC, a.position DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    def standing_awards(
        self, recipient_id: UUID, by_day: date | None = None
    ) -> list[dict[str, Any]]:
        """The recipient's awards not revoked, given on or before `by_day`."""
        return self.reads.rows(
            "SELECT * FROM {t}.awards WHERE recipient_id = %s AND NOT revoked "
            "AND (%s::date IS NULL OR awarded_on <= %s) "
            "ORDER BY awarded_on, position",
            (recipient_id, by_day, by_day),
        )

    def benefits(self) -> list[dict[str, Any]]:
        return self.reads.rows("SELECT * FROM {t}.benefits ORDER BY ordinal")

    # -- trainings and insurance ---------------------------------------------------

    def trainings(self, volunteer_id: UUID) -> list[dict[str, Any]]:
        """The training activities (kind training) the volunteer signed up for."""
        return self.reads.rows(TRAININGS, (volunteer_id,))

    def training_report(self, unit_id: UUID, year: int) -> list[dict[str, Any]]:
        """Per unit of the subtree: trainings held, volunteers and team leaders
        who attended one in the year (China time)."""
        t0, t1 = china_days(date(year, 1, 1), date(year, 12, 31))
        return self.reads.rows(TRAINING_REPORT, {"u": unit_id, "t0": t0, "t1": t1})

    def policies(
        self, within_unit: UUID | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        where, params = _within("p.unit_id", within_unit)
        return self.reads.rows(
            "SELECT p.*, (SELECT count(*) FROM {t}.insurance_cover c "  # noqa: S608
            "WHERE c.policy_id = p.id AND c.to_day IS NULL) AS covered "
            "FROM {t}.insurance_policies p WHERE "
            + " AND ".join(where)
            + " ORDER BY p.starts_on DESC, p.id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    def policy(self, policy_id: UUID) -> dict[str, Any] | None:
        return self.reads.row(
            "SELECT p.*, (SELECT count(*) FROM {t}.insurance_cover c "
            "WHERE c.policy_id = p.id AND c.to_day IS NULL) AS covered "
            "FROM {t}.insurance_policies p WHERE p.id = %s",
            (policy_id,),
        )

    def cover(
        self, policy_id: UUID | None = None, volunteer_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        """Stretches of cover of a policy, or of a volunteer, with the policy."""
        return self.reads.rows(
            "SELECT c.policy_id, c.volunteer_id, v.volunteer_number, c.from_day, "
            "c.to_day, p.insurer, p.policy_number, p.starts_on, p.ends_on "
            "FROM {t}.insurance_cover c "
            "JOIN {t}.insurance_policies p ON p.id = c.policy_id "
            "JOIN {t}.volunteers v ON v.id = c.volunteer_id "
            "WHERE (%(p)s::uuid IS NULL OR c.policy_id = %(p)s) "
            "AND (%(v)s::uuid IS NULL OR c.volunteer_id = %(v)s) "
            "ORDER BY v.volunteer_number, c.position",
            {"p": policy_id, "v": volunteer_id},
        )

    def uninsured(
        self, within_unit: UUID | None, first: date, last: date
    ) -> list[dict[str, Any]]:
        """Volunteers of the subtree who served on a day no cover spanned."""
        y0, y1 = china_days(first, last)
        return self.reads.rows(UNINSURED, {"u": within_unit, "y0": y0, "y1": y1})

    def team_names(self, team_ids: list[UUID]) -> dict[UUID, str]:
        rows = self.reads.rows(
            "SELECT id, name FROM {t}.teams WHERE id = ANY(%s)", (team_ids,)
        )
        return {r["id"]: r["name"] for r in rows}


#: China date of an activity's start.
DAY_OF = "(a.starts_at AT TIME ZONE 'Asia/Shanghai')::date"

#: Plan items of a team on a day are held by its activities of that day in turn:
#: the first item (by start time) by the first activity, the second by the second
#: (a morning and an afternoon session of one title are two items).
ITEM_ORDER = "PARTITION BY i.team_id, i.day ORDER BY i.start_time NULLS FIRST, i.title"
ACTIVITY_ORDER = f"PARTITION BY a.team_id, {DAY_OF} ORDER BY a.starts_at, a.id"

PLAN_REPORT = f"""
WITH items AS (
  SELECT i.*, row_number() OVER ({ITEM_ORDER}, i.item_id) AS nth
  FROM {{t}}.activity_plans p JOIN {{t}}.plan_items i ON i.plan_id = p.id
  WHERE p.unit_id = %(u)s AND p.period = %(period)s),
held AS (
  SELECT a.id, a.title, a.team_id, {DAY_OF} AS day,
    row_number() OVER ({ACTIVITY_ORDER}) AS nth
  FROM {{t}}.activities a
  WHERE a.unit_id = %(u)s AND a.state = 'closed'
    AND {DAY_OF} IN (SELECT day FROM items))
SELECT i.item_id, i.title, i.day, i.start_time, i.end_time, i.team_id,
  t.name AS team_name, i.category, i.place,
  held.id AS activity_id, held.title AS activity_title
FROM items i
LEFT JOIN {{t}}.teams t ON t.id = i.team_id
LEFT JOIN held ON held.team_id = i.team_id AND held.day = i.day
  AND held.nth = i.nth
ORDER BY i.day, i.start_time NULLS FIRST, i.title
"""  # noqa: S608 - built from constants

UNPLANNED = f"""
WITH planned AS (
  SELECT i.team_id, i.day, count(*) AS items
  FROM {{t}}.activity_plans p JOIN {{t}}.plan_items i ON i.plan_id = p.id
  WHERE p.unit_id = %(u)s AND p.period = %(period)s GROUP BY i.team_id, i.day),
held AS (
  SELECT a.*, {DAY_OF} AS day, row_number() OVER ({ACTIVITY_ORDER}) AS nth
  FROM {{t}}.activities a
  WHERE a.unit_id = %(u)s AND a.state = 'closed'
    AND a.starts_at >= %(t0)s AND a.starts_at < %(t1)s)
SELECT held.id AS activity_id, held.title, held.day, held.team_id,
  t.name AS team_name, held.category
FROM held
LEFT JOIN {{t}}.teams t ON t.id = held.team_id
LEFT JOIN planned ON planned.team_id = held.team_id AND planned.day = held.day
WHERE held.nth > coalesce(planned.items, 0)
ORDER BY held.starts_at
"""  # noqa: S608 - built from constants

#: A station's month for the public: its activities (not cancelled) and the
#: planned items its teams' activities of the day do not stand for yet (in turn,
#: as above; an item in both the annual and the monthly plan counts once).
#: Nobody's name: the leader of an activity is left out.
SCHEDULE = f"""
WITH planned AS (
  SELECT DISTINCT ON (i.team_id, i.day, i.title, i.start_time) i.*
  FROM {{t}}.plan_items i
  WHERE i.unit_id = %(u)s AND i.day BETWEEN %(d0)s AND %(d1)s
  ORDER BY i.team_id, i.day, i.title, i.start_time, i.item_id),
items AS (
  SELECT i.*, row_number() OVER ({ITEM_ORDER}, i.item_id) AS nth FROM planned i),
held AS (
  SELECT a.team_id, {DAY_OF} AS day, count(*) AS activities
  FROM {{t}}.activities a
  WHERE a.unit_id = %(u)s AND a.state <> 'cancelled'
    AND a.starts_at >= %(t0)s AND a.starts_at < %(t1)s
  GROUP BY a.team_id, {DAY_OF})
SELECT 'activity' AS source, a.id, a.title, {DAY_OF} AS day,
  to_char(a.starts_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS start_time,
  to_char(a.ends_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS end_time,
  a.starts_at, a.ends_at, a.team_id, t.name AS team_name, a.category,
  a.location AS place, a.kind, a.state
FROM {{t}}.activities a LEFT JOIN {{t}}.teams t ON t.id = a.team_id
WHERE a.unit_id = %(u)s AND a.state <> 'cancelled'
  AND a.starts_at >= %(t0)s AND a.starts_at < %(t1)s
UNION ALL
SELECT 'plan', i.item_id, i.title, i.day, i.start_time, i.end_time, NULL, NULL,
  i.team_id, t.name, i.category, i.place, NULL, 'planned'
FROM items i
LEFT JOIN {{t}}.teams t ON t.id = i.team_id
LEFT JOIN held ON held.team_id = i.team_id AND held.day = i.day
WHERE i.nth > coalesce(held.activities, 0)
ORDER BY day, start_time NULLS FIRST, title
"""  # noqa: S608 - built from constants

#: Live entries on days (China time) no stretch of cover of the volunteer spanned.
UNINSURED = """
WITH served AS (
  SELECT e.volunteer_id, e.hours,
    (e.started_at AT TIME ZONE 'Asia/Shanghai')::date AS day
  FROM {t}.hour_entries e
  WHERE e.status <> 'revoked'
    AND e.started_at >= %(y0)s AND e.started_at < %(y1)s)
SELECT v.id AS volunteer_id, v.volunteer_number, v.name_masked, v.unit_id,
  count(*) AS entries, sum(s.hours) AS hours,
  min(s.day) AS first_day, max(s.day) AS last_day
FROM served s JOIN {t}.volunteers v ON v.id = s.volunteer_id
WHERE (%(u)s::uuid IS NULL OR v.unit_id IN (
    SELECT id FROM {t}.units WHERE id = %(u)s OR %(u)s = ANY(lineage)))
  AND NOT EXISTS (
    SELECT 1 FROM {t}.insurance_cover c
    JOIN {t}.insurance_policies p ON p.id = c.policy_id
    WHERE c.volunteer_id = s.volunteer_id
      AND s.day BETWEEN greatest(p.starts_on, c.from_day)
        AND least(p.ends_on, coalesce(c.to_day, p.ends_on)))
GROUP BY v.id ORDER BY v.volunteer_number
"""

TRAININGS = """
SELECT a.id AS activity_id, a.title, a.unit_id, u.name AS unit_name, a.starts_at,
  a.ends_at, a.state, t.status, t.record_id
FROM {t}.activity_attendance t
JOIN {t}.activities a ON a.id = t.activity_id
JOIN {t}.units u ON u.id = a.unit_id
WHERE t.volunteer_id = %s AND a.kind = 'training'
ORDER BY a.starts_at DESC
"""

#: Per unit of a subtree, for a year: trainings it held, its volunteers who attended
#: one (whoever held it), and its teams' leaders who did (seed 001: 骨干志愿者培训).
TRAINING_REPORT = """
WITH trained AS (
  SELECT DISTINCT t.volunteer_id FROM {t}.activity_attendance t
  JOIN {t}.activities a ON a.id = t.activity_id
  WHERE a.kind = 'training' AND a.state = 'closed' AND t.status = 'attended'
    AND a.starts_at >= %(t0)s AND a.starts_at < %(t1)s),
units AS (
  SELECT u.id, u.name, u.kind, u.lineage FROM {t}.units u
  WHERE u.id = %(u)s OR %(u)s = ANY(u.lineage))
SELECT s.id AS unit_id, s.name AS unit_name, s.kind,
  (SELECT count(*) FROM {t}.activities a WHERE a.unit_id = s.id
     AND a.kind = 'training' AND a.state = 'closed'
     AND a.starts_at >= %(t0)s AND a.starts_at < %(t1)s) AS trainings_held,
  (SELECT count(*) FROM {t}.volunteers v WHERE v.unit_id = s.id) AS volunteers,
  (SELECT count(*) FROM {t}.volunteers v JOIN trained r ON r.volunteer_id = v.id
   WHERE v.unit_id = s.id) AS volunteers_trained,
  (SELECT count(*) FROM {t}.teams m WHERE m.unit_id = s.id
     AND m.leader_id IS NOT NULL) AS team_leaders,
  (SELECT count(*) FROM {t}.teams m JOIN trained r ON r.volunteer_id = m.leader_id
   WHERE m.unit_id = s.id) AS team_leaders_trained
FROM units s ORDER BY array_length(s.lineage, 1) NULLS FIRST, s.name
"""
