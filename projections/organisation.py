"""Units (with their lineage, for scope queries) and teams."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.organisation import Team, Unit
from projections.base import Projection, Tx, event_class


class OrganisationProjection(Projection):
    name: ClassVar[str] = "organisation"
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS units (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        parent_id uuid,
        lineage uuid[] NOT NULL,
        population integer,
        registered_at timestamptz NOT NULL,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS units_parent ON units (parent_id);
    CREATE INDEX IF NOT EXISTS units_lineage ON units USING gin (lineage);
    CREATE TABLE IF NOT EXISTS teams (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        unit_id uuid NOT NULL,
        service_type text NOT NULL,
        service_type_name text,
        registered_at timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS teams_unit ON teams (unit_id);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Unit, "Registered"))
    def _unit_registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO units (id, name, kind, parent_id, lineage, population, "
            "registered_at, position) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.name,
                event.kind,
                event.parent_id,
                list(event.lineage),
                event.population,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Team, "Registered"))
    def _team_registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO teams (id, name, unit_id, service_type, service_type_name, "
            "registered_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.name,
                event.unit_id,
                event.service_type,
                event.service_type_name,
                event.timestamp,
            ),
        )
