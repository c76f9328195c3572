"""Reads of the people side: sign-in accounts (and, as they come, registrations,
residents and notifications)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.queries import ReadModels, _within

#: Whose notifications a reader sees, by role (see `Audience`).
INBOX = """
SELECT n.id, n.kind, n.title, n.body, n.subject_id, n.created_at,
       n.recipient_kind, r.read_at IS NOT NULL AS read
FROM {t}.notifications n
LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.reader_id = %(reader)s
WHERE (n.recipient_id = %(person)s
       OR (%(volunteer)s::uuid IS NOT NULL AND n.recipient_kind = 'team'
           AND n.recipient_id IN (SELECT team_id FROM {t}.team_memberships
                                  WHERE volunteer_id = %(volunteer)s
                                  AND left_at IS NULL))
       OR (%(staff)s AND n.recipient_kind = 'unit' AND (%(unit)s::uuid IS NULL
           OR n.recipient_id IN (SELECT id FROM {t}.units
                                 WHERE id = %(unit)s OR %(unit)s = ANY(lineage)))))
  AND (NOT %(unread)s OR r.read_at IS NULL)
"""


@dataclass(frozen=True)
class Audience:
    """Whose notices a reader sees: its own (a volunteer's or a resident's), its
    teams', and for staff their units' (None: every unit)."""

    reader_id: UUID
    person_id: UUID | None = None
    volunteer_id: UUID | None = None
    staff: bool = False
    unit_id: UUID | None = None


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

    def inbox(
        self, audience: Audience, unread_only: bool, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the reader's inbox and the count of all its unread notices,
        in one query (a page past the end counts them on its own)."""
        rows = self.reads.rows(
            "SELECT *, count(*) FILTER (WHERE NOT i.read) OVER () AS unread_total "
            "FROM (" + INBOX + ") i ORDER BY i.created_at DESC, i.id "
            "LIMIT %(limit)s OFFSET %(offset)s",
            self._inbox_params(audience, unread_only)
            | {"limit": limit, "offset": offset},
        )
        if not rows:
            return [], self.unread(audience)
        return rows, int(rows[0]["unread_total"])

    def visible(self, audience: Audience, notification_ids: list[str]) -> list[str]:
        """Which of these notifications the reader sees."""
        rows = self.reads.rows(
            "SELECT id FROM (" + INBOX + ") i WHERE id = ANY(%(ids)s)",
            self._inbox_params(audience, False) | {"ids": notification_ids},
        )
        return [str(r["id"]) for r in rows]

    def unread(self, audience: Audience) -> int:
        row = self.reads.row(
            "SELECT count(*) AS n FROM (" + INBOX + ") i",
            self._inbox_params(audience, True),
        )
        return int(row["n"]) if row else 0

    @staticmethod
    def _inbox_params(audience: Audience, unread_only: bool) -> dict[str, Any]:
        return {
            "reader": audience.reader_id,
            "person": audience.person_id,
            "volunteer": audience.volunteer_id,
            "staff": audience.staff,
            "unit": audience.unit_id,
            "unread": unread_only,
        }

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
