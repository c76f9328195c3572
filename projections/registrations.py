"""Registrations of one's own waiting for (or decided by) their station, and the
residents who order services, by their community."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.registration import VolunteerRegistration, volunteer_id_for
from domain.resident import Resident
from projections.base import Projection, Tx, event_class


class RegistrationsProjection(Projection):
    name: ClassVar[str] = "registrations"
    version: ClassVar[int] = 1
    ddl: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS volunteer_registrations (
        id uuid PRIMARY KEY,
        station_id uuid NOT NULL,
        volunteer_id uuid NOT NULL,
        login_id uuid NOT NULL,
        status text NOT NULL,
        name_masked text NOT NULL,
        id_number_masked text NOT NULL,
        phone_masked text NOT NULL,
        gender text NOT NULL,
        birth_year integer NOT NULL,
        skills text[] NOT NULL,
        party_member boolean NOT NULL,
        notice_version text,
        submitted_at timestamptz NOT NULL,
        decided_at timestamptz,
        decided_by text,
        reason text
    );
    CREATE INDEX IF NOT EXISTS volunteer_registrations_station
        ON volunteer_registrations (station_id, status);
    CREATE TABLE IF NOT EXISTS residents (
        id uuid PRIMARY KEY,
        community_id uuid NOT NULL,
        name_masked text NOT NULL,
        phone_masked text NOT NULL,
        login_id uuid,
        notice_version text,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS residents_community ON residents (community_id);
    """

    @singledispatchmethod
    def apply(self, event: object, tx: Tx) -> None:
        """Other events are passed over."""

    @apply.register(event_class(VolunteerRegistration, "Submitted"))
    def _submitted(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO volunteer_registrations (id, station_id, volunteer_id, "
            "login_id, status, name_masked, id_number_masked, phone_masked, gender, "
            "birth_year, skills, party_member, submitted_at) VALUES "
            "(%s, %s, %s, %s, 'pending', %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.station_id,
                volunteer_id_for(event.originator_id),
                event.login_id,
                event.name_masked,
                event.id_number_masked,
                event.phone_masked,
                event.gender,
                event.birth_year,
                list(event.skills),
                event.party_member,
                event.timestamp,
            ),
        )

    @apply.register(event_class(VolunteerRegistration, "ConsentGiven"))
    def _consented(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE volunteer_registrations SET notice_version = %s WHERE id = %s",
            (event.notice_version, event.originator_id),
        )

    @apply.register(event_class(VolunteerRegistration, "Approved"))
    def _approved(self, event: Any, tx: Tx) -> None:
        self._decided(tx, event, "approved", None)

    @apply.register(event_class(VolunteerRegistration, "Refused"))
    def _refused(self, event: Any, tx: Tx) -> None:
        self._decided(tx, event, "refused", event.reason)

    @staticmethod
    def _decided(tx: Tx, event: Any, status: str, reason: str | None) -> None:
        tx.execute(
            "UPDATE volunteer_registrations SET status = %s, decided_at = %s, "
            "decided_by = %s, reason = %s WHERE id = %s",
            (status, event.timestamp, event.actor, reason, event.originator_id),
        )

    @apply.register(event_class(Resident, "Recorded"))
    def _resident(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "INSERT INTO residents (id, community_id, name_masked, phone_masked, "
            "recorded_at, recorded_by) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                event.originator_id,
                event.community_id,
                event.name_masked,
                event.phone_masked,
                event.timestamp,
                event.actor,
            ),
        )

    @apply.register(event_class(Resident, "LoginOpened"))
    def _resident_login(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE residents SET login_id = %s, community_id = %s WHERE id = %s",
            (event.login_id, event.community_id, event.originator_id),
        )

    @apply.register(event_class(Resident, "ConsentGiven"))
    def _resident_consent(self, event: Any, tx: Tx) -> None:
        tx.execute(
            "UPDATE residents SET notice_version = %s WHERE id = %s",
            (event.notice_version, event.originator_id),
        )
