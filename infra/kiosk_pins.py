"""Volunteers' kiosk PINs, and identification at a kiosk with them.

A volunteer identifies with the volunteer number and a six-digit PIN. The PIN is
kept beside the ledger as an HMAC under a key derived from the master key (a stolen
database alone cannot be brute-forced), never in an event. A right PIN opens a short
kiosk session that a redemption must present; wrong ones are counted and locked
out."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow

from domain.access import Actor, Role
from domain.errors import InvalidInput, TooManyAttempts
from domain.kiosk import (
    KIOSK_PIN_RULES,
    PinAttemptRules,
    PinNotSet,
    WrongPin,
    normalise_volunteer_number,
)
from domain.volunteer import VolunteerStatus
from infra.db import Database
from infra.kiosk_sessions import KioskSessions
from infra.recorder import SideWrite
from infra.vault import Vault
from projections.queries import ReadModels

SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosk_pins (
    volunteer_id uuid PRIMARY KEY,
    digest bytea NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    locked_until timestamptz
);
CREATE TABLE IF NOT EXISTS kiosk_pin_failures (
    kiosk_id uuid NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS kiosk_pin_failures_kiosk
    ON kiosk_pin_failures (kiosk_id, at);
"""


def forget_kiosk_pin(volunteer_id: UUID) -> SideWrite:
    return SideWrite("DELETE FROM kiosk_pins WHERE volunteer_id = %s", (volunteer_id,))


def store_kiosk_pin(vault: Vault, volunteer_id: UUID, pin: str) -> SideWrite:
    """Keeps the PIN's digest; a new PIN clears any lockout."""
    return SideWrite(
        "INSERT INTO kiosk_pins (volunteer_id, digest) VALUES (%s, %s) "
        "ON CONFLICT (volunteer_id) DO UPDATE SET digest = EXCLUDED.digest, "
        "failures = 0, locked_until = NULL",
        (volunteer_id, _pin_digest(vault, volunteer_id, pin)),
    )


def _pin_digest(vault: Vault, volunteer_id: UUID, pin: str) -> bytes:
    return vault.blind_index("kiosk_pin", f"{volunteer_id}:{pin}")


@dataclass(frozen=True)
class Identified:
    volunteer_id: UUID
    session: str
    expires_at: datetime
    volunteer: dict[str, Any]  # the read model's row: number, masked name, stars


class KioskIdentification:
    """Volunteer number + PIN at a kiosk, with wrong attempts rate-limited per
    volunteer and per kiosk. Counting commits even when the answer is a refusal."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        reads: ReadModels,
        sessions: KioskSessions,
        rules: PinAttemptRules = KIOSK_PIN_RULES,
    ) -> None:
        self.db = db
        self.vault = vault
        self.reads = reads
        self.sessions = sessions
        self.rules = rules

    def identify(self, kiosk: Actor, volunteer_number: str, pin: str) -> Identified:
        """`kiosk` is a kiosk device or a staff member's counter: both redeem only
        inside the session a right PIN opens."""
        kiosk.check_role(Role.KIOSK, Role.ADMIN, Role.COORDINATOR)
        volunteer_number = normalise_volunteer_number(volunteer_number)
        now = self.sessions.clock()
        # Read before the transaction: it must not wait for a second connection.
        volunteer = self.reads.volunteer_by_number(volunteer_number)
        with self.db.transaction() as cur:
            verdict = self._check(cur, kiosk, volunteer, pin, now)
            if not isinstance(verdict, Exception):
                volunteer_id = UUID(str(verdict["id"]))
                session, expires_at = self.sessions.open(cur, kiosk, volunteer_id)
        if isinstance(verdict, Exception):
            raise verdict
        return Identified(volunteer_id, session, expires_at, verdict)

    def _check(
        self,
        cur: Cursor[DictRow],
        kiosk: Actor,
        volunteer: dict[str, Any] | None,
        pin: str,
        now: datetime,
    ) -> dict[str, Any] | Exception:
        """The identified volunteer's row, or the refusal to raise once the counters of
        wrong attempts are committed."""
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            (f"kiosk-pin:{kiosk.token_id}",),
        )
        if (wait := self._kiosk_lockout(cur, kiosk, now)) is not None:
            return wait
        if volunteer is None or volunteer["status"] != VolunteerStatus.ACTIVE:
            self._count_kiosk_failure(cur, kiosk, now)
            return InvalidInput(
                "volunteer_number",
                "volunteer_number_known",
                "no active volunteer has this number",
            )
        volunteer_id = UUID(str(volunteer["id"]))
        cur.execute(
            "SELECT digest, failures, locked_until FROM kiosk_pins "
            "WHERE volunteer_id = %s FOR UPDATE",
            (volunteer_id,),
        )
        stored = cur.fetchone()
        if stored is None:
            return PinNotSet(
                "this volunteer has no kiosk PIN yet; a coordinator or the "
                "volunteer sets one",
                field="volunteer_number",
            )
        if stored["locked_until"] is not None and stored["locked_until"] > now:
            return self._locked(stored["locked_until"] - now)
        digest = _pin_digest(self.vault, volunteer_id, pin)
        if hmac.compare_digest(bytes(stored["digest"]), digest):
            cur.execute(
                "UPDATE kiosk_pins SET failures = 0, locked_until = NULL "
                "WHERE volunteer_id = %s",
                (volunteer_id,),
            )
            return volunteer
        self._count_kiosk_failure(cur, kiosk, now)
        return self._count_volunteer_failure(cur, volunteer_id, stored, now)

    def _kiosk_lockout(
        self, cur: Cursor[DictRow], kiosk: Actor, now: datetime
    ) -> TooManyAttempts | None:
        cur.execute(
            "SELECT count(*) AS n, min(at) AS first FROM kiosk_pin_failures "
            "WHERE kiosk_id = %s AND at > %s",
            (kiosk.token_id, now - self.rules.window),
        )
        row = cur.fetchone()
        if row is None or row["n"] < self.rules.per_kiosk:
            return None
        return self._locked(row["first"] + self.rules.window - now, field="kiosk")

    def _count_kiosk_failure(
        self, cur: Cursor[DictRow], kiosk: Actor, now: datetime
    ) -> None:
        cur.execute(
            "INSERT INTO kiosk_pin_failures (kiosk_id, at) VALUES (%s, %s)",
            (kiosk.token_id, now),
        )
        cur.execute(
            "DELETE FROM kiosk_pin_failures WHERE kiosk_id = %s AND at < %s",
            (kiosk.token_id, now - self.rules.window),
        )

    def _count_volunteer_failure(
        self, cur: Cursor[DictRow], volunteer_id: UUID, stored: Any, now: datetime
    ) -> Exception:
        failures = stored["failures"] + 1
        if failures >= self.rules.per_volunteer:
            cur.execute(
                "UPDATE kiosk_pins SET failures = 0, locked_until = %s "
                "WHERE volunteer_id = %s",
                (now + self.rules.lockout, volunteer_id),
            )
            return self._locked(self.rules.lockout)
        cur.execute(
            "UPDATE kiosk_pins SET failures = %s WHERE volunteer_id = %s",
            (failures, volunteer_id),
        )
        left = self.rules.per_volunteer - failures
        return WrongPin(
            f"wrong PIN; {left} attempts left before a lockout",
            field="pin",
            attempts_left=left,
        )

    @staticmethod
    def _locked(wait: timedelta, field: str = "pin") -> TooManyAttempts:
        seconds = max(1, int(wait.total_seconds() + 0.999))
        return TooManyAttempts(
            f"too many wrong PINs; try again in {seconds} s",
            field=field,
            retry_after_seconds=seconds,
        )
