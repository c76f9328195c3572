"""Reads of the people side: sign-in accounts (and, as they come, registrations,
residents and notifications)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.queries import ReadModels, _within


class PeopleReads:
    def __init__(self, reads: ReadModels) -> None:
        self.reads = reads

    def login(self, login_id: UUID) -> dict[str, Any] | None:
        return self.reads.row("SELECT * FROM {t}.logins WHERE id = %s", (login_id,))

    def registration(self, registration_id: UUID) -> dict[str, Any] | None:
        return self.reads.row(
            "SELECT r.*, u.name AS station_name, u.lineage "
            "FROM {t}.volunteer_registrations r "
            "JOIN {t}.units u ON u.id = r.station_id WHERE r.id = %s",
            (registration_id,),
        )

    def registrations(
        self, within_unit: UUID | None, status: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        where, params = _within("r.station_id", within_unit)
        if status is not None:
            where.append("r.status = %s")
            params.append(status)
        return self.reads.rows(
            "SELECT r.*, u.name AS station_name FROM {t}.volunteer_registrations r "
            "JOIN {t}.units u ON u.id = r.station_id WHERE "
            + " AND ".join(where)
            + " ORDER BY r.submitted_at, r.id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )

    def logins(
        self,
        within_unit: UUID | None,
        role: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        where, params = _within("l.unit_id", within_unit)
        for column, value in (("l.role", role), ("l.status", status)):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        return self.reads.rows(
            "SELECT l.* FROM {t}.logins l WHERE "
            + " AND ".join(where)
            + " ORDER BY l.opened_at DESC, l.id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
