"""Certificates issued, for the staff who issue and revoke them."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.certificate import Certificate
from projections.base import Projection, Tx, event_class


class CertificatesProjection(Projection):
    name: ClassVar[str] = "certificates"
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS certificates (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        volunteer_id uuid NOT NULL,
        volunteer_number text NOT NULL,
        issuer_unit_id uuid NOT NULL,
        issuer_name text NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        hours numeric NOT NULL,
        issued_on date NOT NULL,
        issued_by text NOT NULL,
        revoked_at timestamptz,
        revoked_by text,
        revocation_reason text,
        position bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS certificates_issuer ON certificates (issuer_unit_id);
    CREATE INDEX IF NOT EXISTS certificates_volunteer ON certificates (volunteer_id);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(Certificate, "Issued"))
    def _issued(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO certificates (id, number, volunteer_id, volunteer_number, "
            "issuer_unit_id, issuer_name, period_from, period_to, hours, issued_on, "
            "issued_by, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.number,
                event.volunteer_id,
                event.volunteer_number,
                event.issuer_unit_id,
                event.issuer_name,
                event.period_from,
                event.period_to,
                event.hours,
                event.issued_on,
                event.actor,
                tx.position,
            ),
        )

    @apply.register(event_class(Certificate, "Revoked"))
    def _revoked(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE certificates SET revoked_at = %s, revoked_by = %s, "
            "revocation_reason = %s, position = %s WHERE id = %s",
            (
                event.timestamp,
                event.actor,
                event.reason,
                tx.position,
                event.originator_id,
            ),
        )
