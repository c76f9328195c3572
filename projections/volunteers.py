"""Volunteer summaries (hours, star level), the hours list and correction requests."""

from __future__ import annotations

from decimal import Decimal
from functools import singledispatchmethod
from typing import Any, ClassVar

import orjson

from domain.policy import STAR_THRESHOLDS
from domain.volunteer import ERASED, Volunteer
from projections.base import Projection, Tx, event_class
from projections.batch import Appended, Folded

#: `domain.policy.star_level` in SQL, from the same thresholds.
STAR_LEVEL_SQL = (
    "CASE "
    + " ".join(
        f"WHEN verified_hours >= {threshold} THEN {level}"
        for level, threshold in STAR_THRESHOLDS
    )
    + " ELSE 0 END"
)
SET_STAR_LEVELS = (
    f"UPDATE volunteers SET star_level = {STAR_LEVEL_SQL} WHERE id = ANY(%s::uuid[])"  # noqa: S608 - built from constants
)

REGISTERED = Appended(
    "volunteers",
    (
        ("id", "uuid"),
        ("volunteer_number", "text"),
        ("unit_id", "uuid"),
        ("gender", "text"),
        ("birth_year", "integer"),
        ("name_masked", "text"),
        ("id_number_masked", "text"),
        ("phone_masked", "text"),
        ("skills", "text"),  # a JSON list: arrays of arrays cannot be ragged
        ("party_member", "boolean"),
        ("registered_at", "timestamptz"),
        ("updated_position", "bigint"),
    ),
    select="SELECT id, volunteer_number, unit_id, gender, birth_year, name_masked, "
    "id_number_masked, phone_masked, "
    "ARRAY(SELECT jsonb_array_elements_text(skills::jsonb)), party_member, "
    "'active', registered_at, updated_position FROM u",
    stored=(
        "id",
        "volunteer_number",
        "unit_id",
        "gender",
        "birth_year",
        "name_masked",
        "id_number_masked",
        "phone_masked",
        "skills",
        "party_member",
        "status",
        "registered_at",
        "updated_position",
    ),
)
ENTRY = Appended(
    "hour_entries",
    (
        ("record_id", "uuid"),
        ("volunteer_id", "uuid"),
        ("unit_id", "uuid"),
        ("activity_name", "text"),
        ("started_at", "timestamptz"),
        ("ended_at", "timestamptz"),
        ("hours", "numeric"),
        ("status", "text"),
        ("policy_version", "integer"),
        ("rounding", "text"),
        ("location", "text"),
        ("service_recipient", "text"),
        ("content", "text"),
        ("leader", "text"),
        ("activity_id", "uuid"),
        ("order_id", "uuid"),
        ("category", "text"),
        ("subcategory", "text"),
        ("team_id", "uuid"),
        ("recorded_by", "text"),
        ("recorded_at", "timestamptz"),
        ("position", "bigint"),
    ),
)
ENTRY_VERSION = Appended(
    "hour_entry_versions",
    (
        ("record_id", "uuid"),
        ("volunteer_id", "uuid"),
        ("unit_id", "uuid"),
        ("team_id", "uuid"),
        ("category", "text"),
        ("started_at", "timestamptz"),
        ("hours", "numeric"),
        ("valid_from", "timestamptz"),
        ("position", "bigint"),
    ),
)
#: A volunteer's hours and entries, summed over a batch; star levels follow.
HOURS = Folded(
    "volunteers",
    ("id", "uuid"),
    sums=(("verified_hours", "numeric"), ("entry_count", "integer")),
    then=SET_STAR_LEVELS,
)


class VolunteersProjection(Projection):
    name: ClassVar[str] = "volunteers"
    #: 4: entries keyed by volunteer and record id (a record id is per volunteer).
    version: ClassVar[int] = 4
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS volunteers (
        id uuid PRIMARY KEY,
        volunteer_number text NOT NULL UNIQUE,
        unit_id uuid NOT NULL,
        gender text NOT NULL,
        birth_year integer NOT NULL,
        name_masked text NOT NULL,
        id_number_masked text NOT NULL,
        phone_masked text NOT NULL,
        skills text[] NOT NULL,
        party_member boolean NOT NULL,
        status text NOT NULL,
        verified_hours numeric NOT NULL DEFAULT 0,
        star_level integer NOT NULL DEFAULT 0,
        entry_count integer NOT NULL DEFAULT 0,
        registered_at timestamptz NOT NULL,
        updated_position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS volunteers_unit ON volunteers (unit_id);
    -- A record id is unique per volunteer (the domain's rule), not across them.
    CREATE TABLE IF NOT EXISTS hour_entries (
        record_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        activity_name text NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz NOT NULL,
        hours numeric NOT NULL,
        status text NOT NULL,
        policy_version integer NOT NULL,
        rounding text NOT NULL,
        location text NOT NULL,
        service_recipient text NOT NULL,
        content text NOT NULL,
        leader text NOT NULL,
        activity_id uuid,
        order_id uuid,
        category text,
        subcategory text,
        team_id uuid,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL,
        revision integer NOT NULL DEFAULT 1,
        last_change_reason text,
        last_changed_by text,
        last_changed_at timestamptz,
        position bigint NOT NULL,
        PRIMARY KEY (volunteer_id, record_id)
    );
    -- A project's totals: the entries of its activities and orders.
    CREATE INDEX IF NOT EXISTS hour_entries_activity ON hour_entries (activity_id)
        WHERE activity_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS hour_entries_order ON hour_entries (order_id)
        WHERE order_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS hour_entries_volunteer
        ON hour_entries (volunteer_id, started_at DESC);
    -- Each entry as it stood between two recordings: what was on record at any
    -- instant (the assessment as of T).
    CREATE TABLE IF NOT EXISTS hour_entry_versions (
        record_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        team_id uuid,
        category text,
        started_at timestamptz NOT NULL,
        hours numeric NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        position bigint NOT NULL,
        PRIMARY KEY (volunteer_id, record_id, position)
    );
    CREATE TABLE IF NOT EXISTS correction_requests (
        request_id uuid PRIMARY KEY,
        volunteer_id uuid NOT NULL,
        record_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        started_at timestamptz,
        ended_at timestamptz,
        revoke boolean NOT NULL,
        reason text NOT NULL,
        state text NOT NULL,
        requested_at timestamptz NOT NULL,
        decided_at timestamptz,
        decided_by text,
        decision_reason text
    );
    CREATE INDEX IF NOT EXISTS correction_requests_unit
        ON correction_requests (unit_id, state);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Volunteer, "Registered"))
    def _registered(self, event: Any, tx: Tx) -> None:
        tx.append(
            REGISTERED,
            (
                event.originator_id,
                event.volunteer_number,
                event.unit_id,
                event.gender,
                event.birth_year,
                event.name_masked,
                event.id_number_masked,
                event.phone_masked,
                orjson.dumps(list(event.skills)).decode(),
                event.party_member,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Volunteer, "HoursRecorded"))
    def _hours_recorded(self, event: Any, tx: Tx) -> None:
        tx.append(
            ENTRY,
            (
                event.record_id,
                event.originator_id,
                event.unit_id,
                event.activity_name,
                event.started_at,
                event.ended_at,
                event.hours,
                "live",
                event.policy_version,
                event.rounding,
                event.location,
                event.service_recipient,
                event.content,
                event.leader,
                event.activity_id,
                event.order_id,
                getattr(event, "category", None),
                getattr(event, "subcategory", None),
                getattr(event, "team_id", None),
                event.actor,
                event.timestamp,
                tx.position,
            ),
        )
        tx.append(
            ENTRY_VERSION,
            (
                event.record_id,
                event.originator_id,
                event.unit_id,
                getattr(event, "team_id", None),
                getattr(event, "category", None),
                event.started_at,
                event.hours,
                event.timestamp,
                tx.position,
            ),
        )
        self._add_hours(tx, event.originator_id, event.hours, entries=1)

    @apply.register(event_class(Volunteer, "HoursCorrected"))
    def _hours_corrected(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE hour_entries SET started_at = %s, ended_at = %s, hours = %s, "
            "policy_version = %s, rounding = %s, revision = revision + 1, "
            "last_change_reason = %s, last_changed_by = %s, last_changed_at = %s, "
            "position = %s WHERE volunteer_id = %s AND record_id = %s",
            (
                event.started_at,
                event.ended_at,
                event.hours,
                event.policy_version,
                event.rounding,
                event.reason,
                event.actor,
                event.timestamp,
                tx.position,
                event.originator_id,
                event.record_id,
            ),
        )
        self._end_version(tx, event)
        tx.execute(
            "INSERT INTO hour_entry_versions (record_id, volunteer_id, unit_id, "
            "team_id, category, started_at, hours, valid_from, position) "
            "SELECT record_id, volunteer_id, unit_id, team_id, category, %s, %s, %s, "
            "%s FROM hour_entry_versions WHERE volunteer_id = %s AND record_id = %s "
            "ORDER BY position DESC LIMIT 1",
            (
                event.started_at,
                event.hours,
                event.timestamp,
                tx.position,
                event.originator_id,
                event.record_id,
            ),
        )
        self._add_hours(tx, event.originator_id, event.hours - event.previous_hours)
        self._settle_request(tx, event, "accepted")

    @apply.register(event_class(Volunteer, "HoursRevoked"))
    def _hours_revoked(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE hour_entries SET status = 'revoked', revision = revision + 1, "
            "last_change_reason = %s, last_changed_by = %s, last_changed_at = %s, "
            "position = %s WHERE volunteer_id = %s AND record_id = %s",
            (
                event.reason,
                event.actor,
                event.timestamp,
                tx.position,
                event.originator_id,
                event.record_id,
            ),
        )
        self._end_version(tx, event)
        self._add_hours(tx, event.originator_id, -event.hours, entries=-1)
        self._settle_request(tx, event, "accepted")

    @apply.register(event_class(Volunteer, "CorrectionRequested"))
    def _correction_requested(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO correction_requests (request_id, volunteer_id, record_id, "
            "unit_id, started_at, ended_at, revoke, reason, state, requested_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'pending', %s)",
            (
                event.request_id,
                event.originator_id,
                event.record_id,
                event.unit_id,
                event.started_at,
                event.ended_at,
                event.revoke,
                event.reason,
                event.timestamp,
            ),
        )

    @apply.register(event_class(Volunteer, "CorrectionRejected"))
    def _correction_rejected(self, event: Any, tx: Tx) -> None:
        self._settle_request(tx, event, "rejected")

    @apply.register(event_class(Volunteer, "PersonalDataErased"))
    def _personal_data_erased(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE volunteers SET name_masked = %s, id_number_masked = %s, "
            "phone_masked = %s, status = 'inactive', updated_position = %s "
            "WHERE id = %s",
            (ERASED, ERASED, ERASED, tx.position, event.originator_id),
        )

    @apply.register(event_class(Volunteer, "StatusChanged"))
    def _status_changed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE volunteers SET status = %s, updated_position = %s WHERE id = %s",
            (event.status, tx.position, event.originator_id),
        )

    @staticmethod
    def _end_version(tx: Tx, event: Any) -> None:
        tx.execute(
            "UPDATE hour_entry_versions SET valid_to = %s "
            "WHERE volunteer_id = %s AND record_id = %s AND valid_to IS NULL",
            (event.timestamp, event.originator_id, event.record_id),
        )

    @staticmethod
    def _add_hours(tx: Tx, volunteer_id: Any, hours: Decimal, entries: int = 0) -> None:
        tx.fold(HOURS, volunteer_id, sums=(hours, entries))

    @staticmethod
    def _settle_request(tx: Tx, event: Any, state: str) -> None:
        request_id = getattr(event, "request_id", None)
        if request_id is None:
            return
        tx.execute(
            "UPDATE correction_requests SET state = %s, decided_at = %s, "
            "decided_by = %s, decision_reason = %s WHERE request_id = %s",
            (state, event.timestamp, event.actor, event.reason, request_id),
        )
