"""Insurance policies and every stretch of cover of every volunteer."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.insurance import InsurancePolicy
from projections.base import Projection, Tx, event_class


class InsuranceProjection(Projection):
    name: ClassVar[str] = "insurance"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS insurance_policies (
        id uuid PRIMARY KEY,
        unit_id uuid NOT NULL,
        insurer text NOT NULL,
        policy_number text NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        registered_at timestamptz NOT NULL,
        position bigint NOT NULL
    );
    -- A stretch of cover: from_day to to_day (null: to the policy's end).
    CREATE TABLE IF NOT EXISTS insurance_cover (
        policy_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        from_day date NOT NULL,
        to_day date,
        position bigint NOT NULL,
        PRIMARY KEY (policy_id, volunteer_id, position)
    );
    CREATE INDEX IF NOT EXISTS insurance_cover_volunteer
        ON insurance_cover (volunteer_id);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(InsurancePolicy, "Registered"))
    def _registered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO insurance_policies (id, unit_id, insurer, policy_number, "
            "starts_on, ends_on, registered_at, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.unit_id,
                event.insurer,
                event.policy_number,
                event.starts_on,
                event.ends_on,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(InsurancePolicy, "VolunteersCovered"))
    def _covered(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO insurance_cover (policy_id, volunteer_id, from_day, position) "
            "SELECT %s, v, %s, %s FROM unnest(%s::uuid[]) AS v",
            (
                event.originator_id,
                event.from_day,
                tx.position,
                list(event.volunteer_ids),
            ),
        )

    @apply.register(event_class(InsurancePolicy, "VolunteersReleased"))
    def _released(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE insurance_cover SET to_day = %s WHERE policy_id = %s "
            "AND volunteer_id = ANY(%s) AND to_day IS NULL",
            (event.on_day, event.originator_id, list(event.volunteer_ids)),
        )
