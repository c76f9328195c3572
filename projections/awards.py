"""Awards with their revocations, and the district's list of benefits."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.award import Award, BenefitCatalogue
from projections.base import Projection, Tx, event_class

BENEFIT_FIELDS = (
    "code",
    "label",
    "description",
    "provider",
    "min_star_level",
    "award_title",
)


class AwardsProjection(Projection):
    name: ClassVar[str] = "awards"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS awards (
        id uuid PRIMARY KEY,
        recipient_kind text NOT NULL,
        recipient_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        title text NOT NULL,
        level text NOT NULL,
        awarding_body text NOT NULL,
        awarded_on date NOT NULL,
        citation text NOT NULL,
        revoked boolean NOT NULL DEFAULT false,
        revocation_reason text,
        granted_at timestamptz NOT NULL,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS awards_recipient ON awards (recipient_id);
    CREATE INDEX IF NOT EXISTS awards_unit ON awards (unit_id);
    CREATE TABLE IF NOT EXISTS benefits (
        code text PRIMARY KEY,
        label text NOT NULL,
        description text NOT NULL,
        provider text NOT NULL,
        min_star_level integer,
        award_title text,
        ordinal integer NOT NULL,
        version integer NOT NULL
    );
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Award, "Granted"))
    def _granted(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO awards (id, recipient_kind, recipient_id, unit_id, title, "
            "level, awarding_body, awarded_on, citation, granted_at, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.recipient_kind,
                event.recipient_id,
                event.unit_id,
                event.title,
                event.level,
                event.awarding_body,
                event.awarded_on,
                event.citation,
                event.timestamp,
                tx.position,
            ),
        )

    @apply.register(event_class(Award, "Revoked"))
    def _revoked(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE awards SET revoked = true, revocation_reason = %s, position = %s "
            "WHERE id = %s",
            (event.reason, tx.position, event.originator_id),
        )

    @apply.register(event_class(BenefitCatalogue, "Saved"))
    @apply.register(event_class(BenefitCatalogue, "Revised"))
    def _benefits(self, event: Any, tx: Tx) -> None:
        tx.execute("DELETE FROM benefits")
        columns = [[b[f] for b in event.benefits] for f in BENEFIT_FIELDS]
        tx.execute(
            "INSERT INTO benefits (code, label, description, provider, "
            "min_star_level, award_title, ordinal, version) "
            "SELECT b.*, %s FROM unnest(%s::text[], %s::text[], %s::text[], "
            "%s::text[], %s::integer[], %s::text[]) WITH ORDINALITY AS b",
            (event.originator_version, *columns),
        )
