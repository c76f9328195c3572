"""The project library: projects with their reviews, progress notices and the
history of their brand title (what the assessment reads as of an instant)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.project import Project
from projections.base import Projection, Tx, event_class

PLAN_COLUMNS = (
    "name, category, subcategory, goals, places, starts_on, ends_on, team_ids, "
    "budget_note"
)


def plan_values(plan: dict[str, Any]) -> tuple[Any, ...]:
    return (
        plan["name"],
        plan["category"],
        plan["subcategory"],
        plan["goals"],
        list(plan["places"]),
        plan["starts_on"],
        plan["ends_on"],
        list(plan["team_ids"]),
        plan["budget_note"],
    )


class ProjectsProjection(Projection):
    name: ClassVar[str] = "projects"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS projects (
        id uuid PRIMARY KEY,
        unit_id uuid NOT NULL,
        name text NOT NULL,
        category text NOT NULL,
        subcategory text,
        goals text NOT NULL,
        places text[] NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        team_ids uuid[] NOT NULL,
        budget_note text NOT NULL,
        state text NOT NULL,
        round integer NOT NULL DEFAULT 1,
        brand boolean NOT NULL DEFAULT false,
        decision_note text,
        summary text,
        proposed_at timestamptz NOT NULL,
        admitted_at timestamptz,
        closed_at timestamptz,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS projects_unit ON projects (unit_id);
    CREATE TABLE IF NOT EXISTS project_reviews (
        project_id uuid NOT NULL,
        round integer NOT NULL,
        reviewer text NOT NULL,
        score integer NOT NULL,
        opinion text NOT NULL,
        reviewed_at timestamptz NOT NULL,
        position bigint NOT NULL,
        PRIMARY KEY (project_id, position)
    );
    CREATE TABLE IF NOT EXISTS project_progress (
        project_id uuid NOT NULL,
        title text NOT NULL,
        text text NOT NULL,
        published_at timestamptz NOT NULL,
        position bigint NOT NULL,
        PRIMARY KEY (project_id, position)
    );
    -- Every designation and withdrawal: the brand projects standing at an instant.
    CREATE TABLE IF NOT EXISTS project_brands (
        project_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        brand boolean NOT NULL,
        note text NOT NULL,
        at timestamptz NOT NULL,
        position bigint NOT NULL,
        PRIMARY KEY (project_id, position)
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Project, "Proposed"))
    def _proposed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO projects (id, unit_id, {PLAN_COLUMNS}, state, proposed_at, "  # noqa: S608
            "position) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "'proposed', %s, %s)",
            (
                event.originator_id,
                event.unit_id,
                *plan_values(event.plan),
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Project, "Reviewed"))
    def _reviewed(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO project_reviews (project_id, round, reviewer, score, "
            "opinion, reviewed_at, position) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.round,
                event.reviewer,
                event.score,
                event.opinion,
                event.timestamp,
                tx.position,
            ),
        )
        self._touch(tx, event, "round = round")

    @apply.register(event_class(Project, "Admitted"))
    def _admitted(self, event: Any, tx: Tx) -> None:
        self._touch(
            tx,
            event,
            "state = 'admitted', decision_note = %s, admitted_at = %s",
            event.opinion,
            event.timestamp,
        )

    @apply.register(event_class(Project, "Returned"))
    def _returned(self, event: Any, tx: Tx) -> None:
        self._touch(tx, event, "state = 'returned', decision_note = %s", event.reason)

    @apply.register(event_class(Project, "Revised"))
    def _revised(self, event: Any, tx: Tx) -> None:
        assignments = ", ".join(f"{c.strip()} = %s" for c in PLAN_COLUMNS.split(","))
        self._touch(
            tx,
            event,
            f"{assignments}, state = 'proposed', round = round + 1",
            *plan_values(event.plan),
        )

    @apply.register(event_class(Project, "ProgressPublished"))
    def _progress(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO project_progress (project_id, title, text, published_at, "
            "position) VALUES (%s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.title,
                event.text,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Project, "Closed"))
    def _closed(self, event: Any, tx: Tx) -> None:
        self._touch(
            tx,
            event,
            "state = 'closed', summary = %s, closed_at = %s",
            event.summary,
            event.timestamp,
        )

    @apply.register(event_class(Project, "BrandDesignated"))
    def _brand_designated(self, event: Any, tx: Tx) -> None:
        self._brand(tx, event, True, event.citation)

    @apply.register(event_class(Project, "BrandWithdrawn"))
    def _brand_withdrawn(self, event: Any, tx: Tx) -> None:
        self._brand(tx, event, False, event.reason)

    def _brand(self, tx: Tx, event: Any, brand: bool, note: str) -> None:
        tx.execute(
            "INSERT INTO project_brands (project_id, unit_id, brand, note, at, "
            "position) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.unit_id,
                brand,
                note,
                event.timestamp,
                tx.position,
            ),
        )
        self._touch(tx, event, "brand = %s", brand)

    @staticmethod
    def _touch(tx: Tx, event: Any, assignments: str, *values: Any) -> None:
        tx.execute(
            f"UPDATE projects SET {assignments}, position = %s WHERE id = %s",  # noqa: S608
            (*values, tx.position, event.originator_id),
        )
