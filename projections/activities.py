"""Activities with their sign-ups and attendance."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.activity import Activity
from domain.reference import REGULAR_ACTIVITY
from projections.base import Projection, Tx, event_class


class ActivitiesProjection(Projection):
    name: ClassVar[str] = "activities"
    version: ClassVar[int] = 3
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS activities (
        id uuid PRIMARY KEY,
        team_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        title text NOT NULL,
        kind text NOT NULL,
        project_id uuid,
        category text NOT NULL,
        subcategory text,
        location text NOT NULL,
        leader text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        capacity integer NOT NULL,
        checkin_code text NOT NULL,
        state text NOT NULL,
        signed_up integer NOT NULL DEFAULT 0,
        attended integer NOT NULL DEFAULT 0,
        no_shows integer NOT NULL DEFAULT 0,
        published_at timestamptz NOT NULL,
        closed_at timestamptz,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS activities_team ON activities (team_id, starts_at);
    CREATE INDEX IF NOT EXISTS activities_project ON activities (project_id)
        WHERE project_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS activities_unit ON activities (unit_id, starts_at);
    CREATE TABLE IF NOT EXISTS activity_attendance (
        activity_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        status text NOT NULL,
        signed_up_at timestamptz NOT NULL,
        checked_in_at timestamptz,
        checked_out_at timestamptz,
        record_id uuid,
        PRIMARY KEY (activity_id, volunteer_id)
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Activity, "Published"))
    def _published(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO activities (id, team_id, unit_id, title, kind, project_id, "
            "category, subcategory, location, leader, starts_at, ends_at, capacity, "
            "checkin_code, state, published_at, position) VALUES (%s, %s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'published', %s, %s)",
            (
                event.originator_id,
                event.team_id,
                event.unit_id,
                event.title,
                getattr(event, "kind", REGULAR_ACTIVITY),
                getattr(event, "project_id", None),
                event.category,
                event.subcategory,
                event.location,
                event.leader,
                event.starts_at,
                event.ends_at,
                event.capacity,
                event.checkin_code,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Activity, "SignedUp"))
    def _signed_up(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO activity_attendance (activity_id, volunteer_id, status, "
            "signed_up_at) VALUES (%s, %s, 'signed_up', %s)",
            (event.originator_id, event.volunteer_id, event.timestamp),
        )
        self._touch(tx, event, "signed_up = signed_up + 1")

    @apply.register(event_class(Activity, "CheckedIn"))
    def _checked_in(self, event: Any, tx: Tx) -> None:
        self._attendance(
            tx, event, "status = 'checked_in', checked_in_at = %s", event.at
        )

    @apply.register(event_class(Activity, "CheckedOut"))
    def _checked_out(self, event: Any, tx: Tx) -> None:
        self._attendance(
            tx, event, "status = 'checked_out', checked_out_at = %s", event.at
        )

    @apply.register(event_class(Activity, "Closed"))
    def _closed(self, event: Any, tx: Tx) -> None:
        for attendee in event.attendees:
            tx.execute(
                "UPDATE activity_attendance SET status = 'attended', record_id = %s "
                "WHERE activity_id = %s AND volunteer_id = %s",
                (attendee["record_id"], event.originator_id, attendee["volunteer_id"]),
            )
        tx.execute(
            "UPDATE activity_attendance SET status = 'no_show' "
            "WHERE activity_id = %s AND volunteer_id = ANY(%s)",
            (event.originator_id, list(event.no_shows)),
        )
        tx.execute(
            "UPDATE activities SET state = 'closed', closed_at = %s, attended = %s, "
            "no_shows = %s, position = %s WHERE id = %s",
            (
                event.timestamp,
                len(event.attendees),
                len(event.no_shows),
                tx.position,
                event.originator_id,
            ),
        )

    @apply.register(event_class(Activity, "Cancelled"))
    def _cancelled(self, event: Any, tx: Tx) -> None:
        self._touch(tx, event, "state = 'cancelled'")

    @staticmethod
    def _attendance(tx: Tx, event: Any, assignments: str, at: Any) -> None:
        tx.execute(
            f"UPDATE activity_attendance SET {assignments} "  # noqa: S608
            "WHERE activity_id = %s AND volunteer_id = %s",
            (at, event.originator_id, event.volunteer_id),
        )

    @staticmethod
    def _touch(tx: Tx, event: Any, assignments: str) -> None:
        tx.execute(
            f"UPDATE activities SET {assignments}, position = %s WHERE id = %s",  # noqa: S608
            (tx.position, event.originator_id),
        )
