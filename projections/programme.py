"""Reads of the programme's read models: the project library with what its work
added up to, plans against what was held, the public schedule, awards, benefits,
trainings and insurance cover."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.queries import ReadModels, _within

#: What a project's activities and orders added up to: closed activities, the
#: volunteers and hours of the live entries they produced, residents' ratings.
PROJECT_TOTALS = """
WITH work AS (
  SELECT id AS activity_id, NULL::uuid AS order_id FROM {t}.activities
  WHERE project_id = %(p)s AND state = 'closed'
  UNION ALL
  SELECT NULL, id FROM {t}.orders WHERE project_id = %(p)s),
entries AS (
  SELECT e.volunteer_id, e.hours FROM {t}.hour_entries e JOIN work w
    ON e.activity_id = w.activity_id OR e.order_id = w.order_id
  WHERE e.status <> 'revoked')
SELECT
  (SELECT count(*) FROM work WHERE activity_id IS NOT NULL) AS activities,
  (SELECT count(*) FROM work WHERE order_id IS NOT NULL) AS orders,
  (SELECT count(DISTINCT volunteer_id) FROM entries) AS volunteers,
  (SELECT coalesce(sum(hours), 0) FROM entries) AS hours,
  (SELECT count(stars) FROM {t}.orders WHERE project_id = %(p)s) AS evaluations,
  (SELECT round(avg(stars), 2) FROM {t}.orders WHERE project_id = %(p)s)
    AS average_stars
"""


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

    def team_names(self, team_ids: list[UUID]) -> dict[UUID, str]:
        rows = self.reads.rows(
            "SELECT id, name FROM {t}.teams WHERE id = ANY(%s)", (team_ids,)
        )
        return {r["id"]: r["name"] for r in rows}
