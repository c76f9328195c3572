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
            "SELECT l.* FROM {t}.logins l WHERE "  # noqa: S608 - constant conditions
            + " AND ".join(where)
            + " ORDER BY l.opened_at DESC, l.id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
