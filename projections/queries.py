"""Queries over the read-model tables only; never over aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from projections.store import SqlStore


@dataclass(frozen=True)
class OrderFilter:
    """Which orders a board shows; None means no restriction."""

    within_unit: UUID | None = None
    state: str | None = None
    category: str | None = None
    resident_id: UUID | None = None
    volunteer_id: UUID | None = None
    overdue_before: datetime | None = None
    order_id: UUID | None = None


#: "Now" in an as-of condition: later than anything recorded.
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


class ReadModels:
    def __init__(self, db: SqlStore, schema: str) -> None:
        self.db = db
        self.schema = schema

    def _q(self, template: str) -> sql.Composed:
        """`template` names read-model tables as {t}.name."""
        return sql.SQL(template).format(t=sql.Identifier(self.schema))

    def _one(self, template: str, params: Any = None) -> dict[str, Any] | None:
        row = self.db.fetch_one(self._q(template), params)
        return dict(row) if row else None

    def _all(self, template: str, params: Any = None) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.fetch_all(self._q(template), params)]

    #: For the read helpers of other areas (projections/programme.py).
    row = _one
    rows = _all

    def execute(self, template: str, params: Any = None) -> int:
        """A write into the read models that no event makes (a reminder due by the
        clock); the rows it touched."""
        with self.db.transaction() as cur:
            cur.execute(self._q(template), params)
            return cur.rowcount

    # -- organisation --------------------------------------------------------

    def unit(self, unit_id: UUID) -> dict[str, Any] | None:
        return self._one("SELECT * FROM {t}.units WHERE id = %s", (unit_id,))

    def top_units(self) -> list[dict[str, Any]]:
        return self._all(
            "SELECT * FROM {t}.units WHERE parent_id IS NULL ORDER BY name"
        )

    def children(self, unit_id: UUID) -> list[dict[str, Any]]:
        return self._all(
            "SELECT * FROM {t}.units WHERE parent_id = %s ORDER BY name", (unit_id,)
        )

    def populations(self, unit_id: UUID) -> dict[int, int]:
        """The latest figure recorded for each year."""
        rows = self._all(
            "SELECT DISTINCT ON (year) year, population FROM {t}.unit_populations "
            "WHERE unit_id = %s ORDER BY year, position DESC",
            (unit_id,),
        )
        return {r["year"]: r["population"] for r in rows}

    def team(self, team_id: UUID) -> dict[str, Any] | None:
        return self._one("SELECT * FROM {t}.teams WHERE id = %s", (team_id,))

    def teams(self, unit_id: UUID) -> list[dict[str, Any]]:
        """The teams of one unit."""
        return self._all(
            "SELECT * FROM {t}.teams WHERE unit_id = %s ORDER BY name", (unit_id,)
        )

    def roster(self, team_id: UUID, as_of: datetime | None) -> list[dict[str, Any]]:
        """Members now, or as of an instant: joined by then and not yet left."""
        return self._all(
            "SELECT m.volunteer_id, v.volunteer_number, v.name_masked, "
            "v.party_member, m.joined_at, m.joined_via "
            "FROM {t}.team_memberships m "
            "JOIN {t}.volunteers v ON v.id = m.volunteer_id "
            "WHERE m.team_id = %s AND m.joined_at <= %s "
            "AND (m.left_at IS NULL OR m.left_at > %s) "
            "ORDER BY v.volunteer_number",
            (team_id, as_of or FOREVER, as_of or FOREVER),
        )

    def team_applications(self, team_id: UUID) -> list[dict[str, Any]]:
        return self._all(
            "SELECT a.*, v.volunteer_number, v.name_masked "
            "FROM {t}.team_applications a JOIN {t}.volunteers v "
            "ON v.id = a.volunteer_id WHERE a.team_id = %s AND a.state = 'pending' "
            "ORDER BY a.applied_at",
            (team_id,),
        )

    def volunteer_teams(self, volunteer_id: UUID) -> list[dict[str, Any]]:
        """The teams a volunteer is a member of now, with when it joined."""
        return self._all(
            "SELECT t.id AS team_id, t.name, t.unit_id, t.service_type, "
            "coalesce(t.leader_id = m.volunteer_id, false) AS is_leader, m.joined_at "
            "FROM {t}.team_memberships m JOIN {t}.teams t ON t.id = m.team_id "
            "WHERE m.volunteer_id = %s AND m.left_at IS NULL ORDER BY t.name",
            (volunteer_id,),
        )

    def team_year(self, team_id: UUID, year: int) -> dict[str, Any]:
        """A team's closed activities and live hours in a calendar year (China
        time), by when the service took place."""
        row = self._one(
            "SELECT (SELECT count(*) FROM {t}.activities WHERE team_id = %s "
            "AND state = 'closed' AND extract(year FROM starts_at AT TIME ZONE "
            "'Asia/Shanghai') = %s) AS activities, "
            "(SELECT coalesce(sum(hours), 0) FROM {t}.hour_entries "
            "WHERE team_id = %s AND status = 'live' AND extract(year FROM "
            "started_at AT TIME ZONE 'Asia/Shanghai') = %s) AS hours",
            (team_id, year, team_id, year),
        )
        return row or {"activities": 0, "hours": 0}

    # -- volunteers ----------------------------------------------------------

    _VOLUNTEER = (
        "SELECT v.*, coalesce(a.balance, 0) AS points_balance "
        "FROM {t}.volunteers v LEFT JOIN {t}.accounts a ON a.volunteer_id = v.id "
    )

    def volunteer(self, volunteer_id: UUID) -> dict[str, Any] | None:
        return self._one(self._VOLUNTEER + "WHERE v.id = %s", (volunteer_id,))

    def volunteer_by_number(self, number: str) -> dict[str, Any] | None:
        return self._one(self._VOLUNTEER + "WHERE v.volunteer_number = %s", (number,))

    def volunteer_ids_by_number(self, numbers: set[str]) -> dict[str, UUID]:
        rows = self._all(
            "SELECT id, volunteer_number FROM {t}.volunteers "
            "WHERE volunteer_number = ANY(%s)",
            (sorted(numbers),),
        )
        return {r["volunteer_number"]: r["id"] for r in rows}

    def volunteers(
        self,
        within_unit: UUID | None,
        matching_ids: list[UUID] | None,
        number: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """Volunteers of `within_unit` and the units below it; `matching_ids` and
        `number` (a volunteer-number prefix) narrow the list, either one matching."""
        where, params = _within("v.unit_id", within_unit)
        search = []
        if matching_ids is not None:
            search.append("v.id = ANY(%s)")
            params.append(matching_ids)
        if number:
            search.append("v.volunteer_number LIKE %s")
            params.append(number.replace("%", "").replace("_", "") + "%")
        if search:
            where.append("(" + " OR ".join(search) + ")")
        condition = " AND ".join(where)
        total = self._one(
            f"SELECT count(*) AS n FROM {{t}}.volunteers v WHERE {condition}", params
        )
        rows = self._all(
            self._VOLUNTEER
            + f"WHERE {condition} ORDER BY v.volunteer_number LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        return rows, int(total["n"]) if total else 0

    def hours(
        self, volunteer_id: UUID, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        total = self._one(
            "SELECT count(*) AS n FROM {t}.hour_entries WHERE volunteer_id = %s",
            (volunteer_id,),
        )
        rows = self._all(
            "SELECT e.*, r.request_id AS pending_request_id "
            "FROM {t}.hour_entries e LEFT JOIN {t}.correction_requests r "
            "ON r.volunteer_id = e.volunteer_id AND r.record_id = e.record_id "
            "AND r.state = 'pending' "
            "WHERE e.volunteer_id = %s "
            "ORDER BY e.started_at DESC LIMIT %s OFFSET %s",
            (volunteer_id, limit, offset),
        )
        return rows, int(total["n"]) if total else 0

    def correction_requests(
        self, within_unit: UUID | None, state: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        where, params = _within("r.unit_id", within_unit)
        if state:
            where.append("r.state = %s")
            params.append(state)
        return self._all(
            "SELECT r.* FROM {t}.correction_requests r WHERE "
            + " AND ".join(where)
            + " ORDER BY r.requested_at LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    # -- credit bank -----------------------------------------------------------

    def account(self, volunteer_id: UUID) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM {t}.accounts WHERE volunteer_id = %s", (volunteer_id,)
        )

    def account_entries(
        self, volunteer_id: UUID, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        return self._all(
            "SELECT * FROM {t}.account_entries WHERE volunteer_id = %s "
            "ORDER BY position DESC LIMIT %s OFFSET %s",
            (volunteer_id, limit, offset),
        )

    # -- policy and operations -------------------------------------------------

    def policy(self) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM {t}.policy_versions ORDER BY version DESC LIMIT 1"
        )

    def tracking(self) -> list[dict[str, Any]]:
        return self._all("SELECT * FROM {t}.tracking ORDER BY projection, partition")

    def dead_letter_count(self) -> int:
        row = self._one("SELECT count(*) AS n FROM {t}.dead_letters")
        return int(row["n"]) if row else 0

    # -- orders and ratings ------------------------------------------------------

    def order(self, order_id: UUID) -> dict[str, Any] | None:
        return self._one("SELECT * FROM {t}.orders WHERE id = %s", (order_id,))

    def orders(
        self, board: OrderFilter, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        where, params = _within("o.station_id", board.within_unit)
        for column, value in (
            ("o.state", board.state),
            ("o.category", board.category),
            ("o.resident_id", board.resident_id),
            ("o.id", board.order_id),
        ):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        if board.volunteer_id is not None:
            where.append(
                "(%s = ANY(o.dispatched_to) OR %s = ANY(o.accepted_by) "
                "OR %s = ANY(o.participants) OR (o.state = 'open' AND o.station_id IN "
                "(SELECT unnest(u.lineage || u.id) FROM {t}.units u "
                "JOIN {t}.volunteers v ON v.unit_id = u.id WHERE v.id = %s)))"
            )
            params += [board.volunteer_id] * 4
        if board.overdue_before is not None:
            where.append(
                "o.state IN ('placed', 'reviewed', 'dispatched', 'open') "
                "AND o.placed_at < %s"
            )
            params.append(board.overdue_before)
        return self._all(
            "SELECT o.* FROM {t}.orders o WHERE "
            + " AND ".join(where)
            + " ORDER BY o.placed_at DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    def rating(self, kind: str, subject_id: UUID) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM {t}.ratings WHERE subject_kind = %s AND subject_id = %s",
            (kind, subject_id),
        )

    # -- activities ------------------------------------------------------------

    def activity(self, activity_id: UUID) -> dict[str, Any] | None:
        return self._one("SELECT * FROM {t}.activities WHERE id = %s", (activity_id,))

    def attendance(self, activity_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """Attendance of several activities in one query, by activity."""
        rows = self._all(
            "SELECT * FROM {t}.activity_attendance WHERE activity_id = ANY(%s) "
            "ORDER BY signed_up_at",
            (activity_ids,),
        )
        by_activity: dict[UUID, list[dict[str, Any]]] = {i: [] for i in activity_ids}
        for row in rows:
            by_activity[row["activity_id"]].append(row)
        return by_activity

    def activities(
        self,
        within_unit: UUID | None,
        team_id: UUID | None,
        state: str | None,
        limit: int,
        offset: int,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        where, params = _within("a.unit_id", within_unit)
        filters = (("a.team_id", team_id), ("a.state", state), ("a.kind", kind))
        for column, value in filters:
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        return self._all(
            "SELECT a.* FROM {t}.activities a WHERE "
            + " AND ".join(where)
            + " ORDER BY a.starts_at DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    def team_activity_years(self, team_id: UUID) -> list[dict[str, Any]]:
        """Closed activities per calendar year (China time) of one team."""
        return self._all(
            "SELECT extract(year FROM starts_at AT TIME ZONE 'Asia/Shanghai')::int "
            "AS year, count(*) AS closed FROM {t}.activities "
            "WHERE team_id = %s AND state = 'closed' GROUP BY 1 ORDER BY 1",
            (team_id,),
        )

    # -- credit supermarket -------------------------------------------------------

    def expired_holds(self, now: datetime) -> list[UUID]:
        rows = self._all(
            "SELECT id FROM {t}.redemptions WHERE state = 'held' AND expires_at <= %s "
            "ORDER BY expires_at LIMIT 500",
            (now,),
        )
        return [r["id"] for r in rows]

    def catalog(self, station_id: UUID) -> list[dict[str, Any]]:
        return self._all(
            "SELECT * FROM {t}.catalog_items WHERE station_id = %s ORDER BY name",
            (station_id,),
        )

    def kiosks(self, station_id: UUID) -> list[dict[str, Any]]:
        return self._all(
            "SELECT * FROM {t}.kiosks WHERE station_id = %s ORDER BY active DESC, name",
            (station_id,),
        )

    def certificates(
        self,
        within_unit: UUID | None,
        volunteer_id: UUID | None,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        """Certificates issued by `within_unit` and the units below it, newest
        first; `volunteer_id` narrows them to one holder."""
        where, params = _within("c.issuer_unit_id", within_unit)
        if volunteer_id is not None:
            where.append("c.volunteer_id = %s")
            params.append(volunteer_id)
        condition = " AND ".join(where)
        return self._all(
            f"SELECT * FROM {{t}}.certificates c WHERE {condition} "
            "ORDER BY c.issued_on DESC, c.number DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    # -- audit -------------------------------------------------------------------

    def all_standings(self) -> dict[UUID, dict[str, Any]]:
        """Every volunteer's hours and star level, for comparison with a replay."""
        rows = self._all(
            "SELECT id, volunteer_number, verified_hours, star_level "
            "FROM {t}.volunteers"
        )
        return {r["id"]: r for r in rows}

    def all_balances(self) -> dict[UUID, dict[str, Any]]:
        """Every account's balance, hold and spending, with its entries' sum."""
        rows = self._all(
            "SELECT a.volunteer_id AS owner_id, a.balance, a.held, a.redeemed, "
            "coalesce(s.total, 0) AS entries_total FROM {t}.accounts a "
            "LEFT JOIN (SELECT volunteer_id, sum(points) AS total "
            "FROM {t}.account_entries GROUP BY volunteer_id) s "
            "ON s.volunteer_id = a.volunteer_id"
        )
        return {r["owner_id"]: r for r in rows}


def _within(column: str, unit_id: UUID | None) -> tuple[list[str], list[Any]]:
    """A condition keeping rows whose `column` is `unit_id` or a unit below it."""
    if unit_id is None:
        return ["TRUE"], []
    clause = (
        f"{column} IN (SELECT id FROM {{t}}.units WHERE id = %s OR %s = ANY(lineage))"
    )
    return [clause], [unit_id, unit_id]
