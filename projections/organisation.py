"""Units (with their lineage, for scope queries, their area kind and their yearly
populations) and teams with their rosters. Memberships and populations keep when
they were recorded, so that a roster or a population can be read as of an instant."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.instants import year_of
from domain.organisation import Team, Unit
from projections.base import Projection, Tx, event_class


class OrganisationProjection(Projection):
    name: ClassVar[str] = "organisation"
    version: ClassVar[int] = 5
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS units (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        parent_id uuid,
        lineage uuid[] NOT NULL,
        population integer,
        area_kind text,
        fixed_day_kind text,
        fixed_day integer,
        registered_at timestamptz NOT NULL,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS units_parent ON units (parent_id);
    CREATE INDEX IF NOT EXISTS units_lineage ON units USING gin (lineage);
    CREATE TABLE IF NOT EXISTS unit_area_kinds (
        unit_id uuid NOT NULL,
        area_kind text NOT NULL,
        recorded_at timestamptz NOT NULL,
        position bigint PRIMARY KEY
    );
    CREATE TABLE IF NOT EXISTS unit_populations (
        unit_id uuid NOT NULL,
        year integer NOT NULL,
        population integer NOT NULL,
        recorded_at timestamptz NOT NULL,
        position bigint NOT NULL,
        PRIMARY KEY (unit_id, year, position)
    );
    CREATE TABLE IF NOT EXISTS teams (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        unit_id uuid NOT NULL,
        service_type text NOT NULL,
        service_type_name text,
        affiliation text NOT NULL,
        department text,
        leader_id uuid,
        phone_masked text,
        members integer NOT NULL DEFAULT 0,
        registered_at timestamptz NOT NULL,
        founded_on date NOT NULL
    );
    CREATE INDEX IF NOT EXISTS teams_unit ON teams (unit_id);
    CREATE TABLE IF NOT EXISTS team_memberships (
        team_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        joined_at timestamptz NOT NULL,
        joined_via text NOT NULL,
        left_at timestamptz,
        left_reason text,
        removed boolean,
        position bigint NOT NULL,
        PRIMARY KEY (team_id, volunteer_id, position)
    );
    CREATE INDEX IF NOT EXISTS team_memberships_volunteer
        ON team_memberships (volunteer_id);
    CREATE TABLE IF NOT EXISTS team_applications (
        team_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        state text NOT NULL,
        applied_at timestamptz NOT NULL,
        decided_at timestamptz,
        decided_by text,
        reason text,
        position bigint NOT NULL,
        PRIMARY KEY (team_id, volunteer_id, position)
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Unit, "Registered"))
    def _unit_registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO units (id, name, kind, parent_id, lineage, population, "
            "area_kind, registered_at, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.name,
                event.kind,
                event.parent_id,
                list(event.lineage),
                event.population,
                getattr(event, "area_kind", None),
                event.timestamp,
                tx.position,
            ),
        )
        if event.population is not None:
            self._population(tx, event, year_of(event.timestamp), event.population)
        if getattr(event, "area_kind", None) is not None:
            self._area_kind(tx, event)

    @apply.register(event_class(Unit, "AreaKindSet"))
    def _area_kind_set(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE units SET area_kind = %s, position = %s WHERE id = %s",
            (event.area_kind, tx.position, event.originator_id),
        )
        self._area_kind(tx, event)

    @apply.register(event_class(Unit, "FixedActivityDaySet"))
    def _fixed_day_set(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE units SET fixed_day_kind = %s, fixed_day = %s, position = %s "
            "WHERE id = %s",
            (event.kind, event.day, tx.position, event.originator_id),
        )

    @staticmethod
    def _area_kind(tx: Tx, event: Any) -> None:
        tx.execute(
            "INSERT INTO unit_area_kinds (unit_id, area_kind, recorded_at, position) "
            "VALUES (%s, %s, %s, %s)",
            (event.originator_id, event.area_kind, event.timestamp, tx.position),
        )

    @apply.register(event_class(Unit, "PopulationRecorded"))
    def _population_recorded(self, event: Any, tx: Tx) -> None:
        self._population(tx, event, event.year, event.population)

    @staticmethod
    def _population(tx: Tx, event: Any, year: int, population: int) -> None:
        tx.execute(
            "INSERT INTO unit_populations (unit_id, year, population, recorded_at, "
            "position) VALUES (%s, %s, %s, %s, %s)",
            (event.originator_id, year, population, event.timestamp, tx.position),
        )

    @apply.register(event_class(Team, "Registered"))
    def _team_registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO teams (id, name, unit_id, service_type, service_type_name, "
            "affiliation, department, registered_at, founded_on) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.name,
                event.unit_id,
                event.service_type,
                event.service_type_name,
                event.affiliation,
                event.department,
                event.timestamp,
                event.founded_on,
            ),
        )

    @apply.register(event_class(Team, "MembershipApplied"))
    def _applied(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO team_applications (team_id, volunteer_id, state, "
            "applied_at, position) VALUES (%s, %s, 'pending', %s, %s)",
            (event.originator_id, event.volunteer_id, event.timestamp, tx.position),
        )

    @apply.register(event_class(Team, "ApplicationRefused"))
    def _refused(self, event: Any, tx: Tx) -> None:
        self._decide_application(tx, event, "refused", event.reason)

    @apply.register(event_class(Team, "MemberJoined"))
    def _joined(self, event: Any, tx: Tx) -> None:
        self._decide_application(tx, event, "approved", None)
        tx.execute(
            "INSERT INTO team_memberships (team_id, volunteer_id, joined_at, "
            "joined_via, position) VALUES (%s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.volunteer_id,
                event.timestamp,
                event.via,
                tx.position,
            ),
        )
        self._count_members(tx, event, +1)

    @apply.register(event_class(Team, "MemberLeft"))
    def _left(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE team_memberships SET left_at = %s, left_reason = %s, "
            "removed = %s WHERE team_id = %s AND volunteer_id = %s "
            "AND left_at IS NULL",
            (
                event.timestamp,
                event.reason,
                event.removed,
                event.originator_id,
                event.volunteer_id,
            ),
        )
        tx.execute(
            "UPDATE teams SET leader_id = NULL WHERE id = %s AND leader_id = %s",
            (event.originator_id, event.volunteer_id),
        )
        self._count_members(tx, event, -1)

    @apply.register(event_class(Team, "LeaderAppointed"))
    def _leader_appointed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE teams SET leader_id = %s WHERE id = %s",
            (event.volunteer_id, event.originator_id),
        )

    @apply.register(event_class(Team, "ContactSet"))
    def _contact_set(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE teams SET phone_masked = %s WHERE id = %s",
            (event.phone_masked, event.originator_id),
        )

    @staticmethod
    def _decide_application(tx: Tx, event: Any, state: str, reason: Any) -> None:
        tx.execute(
            "UPDATE team_applications SET state = %s, decided_at = %s, "
            "decided_by = %s, reason = %s WHERE team_id = %s AND volunteer_id = %s "
            "AND state = 'pending'",
            (
                state,
                event.timestamp,
                event.actor,
                reason,
                event.originator_id,
                event.volunteer_id,
            ),
        )

    @staticmethod
    def _count_members(tx: Tx, event: Any, change: int) -> None:
        tx.execute(
            "UPDATE teams SET members = members + %s WHERE id = %s",
            (change, event.originator_id),
        )
