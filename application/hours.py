"""Service hours: recording, corrections, and volunteers' correction requests.
`record_entry` is the one way hours and their points are recorded, for direct
entries, completed orders, closed activities and imported rows alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor
from domain.account import CreditAccount
from domain.errors import EntryNotFound
from domain.ids import account_id_for
from domain.organisation import Team
from domain.policy import POLICY_ID, PolicyTerms
from domain.volunteer import (
    Entry,
    ServiceDetails,
    TimeSpan,
    Volunteer,
    check_revoke_or_times,
)
from infra.idempotency import IdempotencyKey, fingerprint

CLASSIFICATION = ("category", "subcategory", "team_id")
#: Where a record_id is kept as the idempotency key of a recording.
RECORD_SCOPE = "hours-record"


@dataclass(frozen=True)
class RecordHours:
    volunteer_id: UUID
    unit_id: UUID
    started_at: datetime
    ended_at: datetime
    details: ServiceDetails
    record_id: UUID | None = None

    def natural_key(self) -> IdempotencyKey | None:
        """A record_id makes a retry safe without an Idempotency-Key: the same
        record_id with the same entry answers the first response. Record ids are
        the volunteer's own, so the key is the volunteer's and the record id."""
        if self.record_id is None:
            return None
        return IdempotencyKey(
            RECORD_SCOPE,
            f"{self.volunteer_id}/{self.record_id}",
            fingerprint(
                self.volunteer_id,
                self.unit_id,
                self.started_at,
                self.ended_at,
                self._fingerprinted_details(),
            ),
            field="record_id",
        )

    def _fingerprinted_details(self) -> dict[str, Any]:
        """The details; the classification only when given, so that an
        unclassified retry keeps the fingerprint it had before entries had one."""
        details = asdict(self.details)
        for name in CLASSIFICATION:
            if details[name] is None:
                del details[name]
        return details


@dataclass(frozen=True)
class CorrectHours:
    volunteer_id: UUID
    record_id: UUID
    reason: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    revoke: bool = False


@dataclass(frozen=True)
class DecideCorrection:
    volunteer_id: UUID
    request_id: UUID
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class HoursRecorded:
    record_id: UUID
    volunteer_id: UUID
    hours: Decimal
    points_earned: Decimal
    policy_version: int


@dataclass(frozen=True)
class CorrectionMade:
    record_id: UUID
    status: Literal["corrected", "revoked", "requested", "rejected"]
    hours: Decimal | None = None
    points_change: Decimal | None = None
    balance: Decimal | None = None
    request_id: UUID | None = None


def record_entry(
    volunteer: Volunteer,
    account: CreditAccount,
    record_id: UUID,
    unit_id: UUID,
    span: TimeSpan,
    details: ServiceDetails,
    terms: PolicyTerms,
    clock: Clock,
    actor: str,
) -> tuple[Entry, Decimal]:
    """Records hours and credits their points."""
    entry = volunteer.record_hours(
        record_id, unit_id, span, details, terms, clock.now(), clock.skew, actor
    )
    points = account.settle_source(
        record_id,
        "hours",
        terms.points_for(entry.hours),
        terms.version,
        "hours recorded",
        actor,
    )
    return entry, points


class Hours:
    def __init__(self, aggregates: Aggregates, clock: Clock) -> None:
        self.aggregates = aggregates
        self.clock = clock

    def record(self, cmd: RecordHours, actor: Actor) -> Decision[HoursRecorded]:
        """Hours follow the rounding rule in force and earn points at the rate in
        force; both versions are recorded on the entry."""
        record_id = cmd.record_id or uuid4()
        team_id = cmd.details.team_id
        loaded = self.aggregates.load(
            cmd.unit_id,
            cmd.volunteer_id,
            POLICY_ID,
            account_id_for(cmd.volunteer_id),
            *([team_id] if team_id else []),
        )
        actor.check_manages(self.aggregates.named_unit(cmd.unit_id, loaded=loaded))
        if team_id is not None:
            self.aggregates.named(Team, team_id, "team_id", loaded)
        volunteer = self.aggregates.volunteer(cmd.volunteer_id, loaded)
        terms = self.aggregates.policy(loaded).terms
        account = self.aggregates.account(cmd.volunteer_id, loaded)
        entry, points = record_entry(
            volunteer,
            account,
            record_id,
            cmd.unit_id,
            TimeSpan(cmd.started_at, cmd.ended_at),
            cmd.details,
            terms,
            self.clock,
            actor.label,
        )
        return Decision(
            [volunteer, account],
            HoursRecorded(record_id, volunteer.id, entry.hours, points, terms.version),
        )

    def correct(self, cmd: CorrectHours, actor: Actor) -> Decision[CorrectionMade]:
        """Coordinators correct or revoke at once; the volunteer only asks."""
        volunteer = self.aggregates.volunteer(cmd.volunteer_id)
        if cmd.record_id not in volunteer.entries:
            raise EntryNotFound(
                f"no entry {cmd.record_id} for volunteer {cmd.volunteer_id}"
            )
        if actor.is_self(cmd.volunteer_id):
            return self._request_correction(volunteer, cmd)
        unit_id = volunteer.entries[cmd.record_id].unit_id
        actor.check_manages(self.aggregates.unit(unit_id))
        check_revoke_or_times(cmd.revoke, cmd.started_at, cmd.ended_at)
        if cmd.revoke:
            volunteer.revoke_hours(cmd.record_id, cmd.reason, actor.label)
        else:
            volunteer.correct_hours(
                cmd.record_id,
                cmd.started_at,
                cmd.ended_at,
                cmd.reason,
                self.aggregates.policy().terms,
                self.clock.now(),
                self.clock.skew,
                actor.label,
            )
        return self._settle_entry(volunteer, cmd.record_id, cmd.reason, actor)

    def _request_correction(
        self, volunteer: Volunteer, cmd: CorrectHours
    ) -> Decision[CorrectionMade]:
        request = volunteer.request_correction(
            uuid4(),
            cmd.record_id,
            cmd.started_at,
            cmd.ended_at,
            cmd.revoke,
            cmd.reason,
            self.clock.now(),
            self.clock.skew,
        )
        return Decision(
            [volunteer],
            CorrectionMade(cmd.record_id, "requested", request_id=request.request_id),
        )

    def decide_correction(
        self, cmd: DecideCorrection, actor: Actor
    ) -> Decision[CorrectionMade]:
        volunteer = self.aggregates.volunteer(cmd.volunteer_id)
        request = volunteer.pending_request(cmd.request_id)
        unit_id = volunteer.entries[request.record_id].unit_id
        actor.check_manages(self.aggregates.unit(unit_id))
        if not cmd.accept:
            volunteer.reject_correction(cmd.request_id, cmd.reason, actor.label)
            return Decision(
                [volunteer],
                CorrectionMade(
                    request.record_id, "rejected", request_id=cmd.request_id
                ),
            )
        volunteer.accept_correction(
            cmd.request_id,
            self.aggregates.policy().terms,
            self.clock.now(),
            self.clock.skew,
            actor.label,
        )
        return self._settle_entry(
            volunteer,
            request.record_id,
            f"accepted request: {request.reason}",
            actor,
            cmd.request_id,
        )

    def _settle_entry(
        self,
        volunteer: Volunteer,
        record_id: UUID,
        reason: str,
        actor: Actor,
        request_id: UUID | None = None,
    ) -> Decision[CorrectionMade]:
        """Moves the entry's points to what its corrected hours are worth."""
        entry = volunteer.entries[record_id]
        terms = self.aggregates.policy().terms
        target = Decimal(0) if entry.revoked else terms.points_for(entry.hours)
        account = self.aggregates.account(volunteer.id)
        change = account.settle_source(
            record_id, "hours", target, terms.version, reason, actor.label
        )
        return Decision(
            [volunteer, account],
            CorrectionMade(
                record_id,
                "revoked" if entry.revoked else "corrected",
                Decimal(0) if entry.revoked else entry.hours,
                change,
                account.balance,
                request_id,
            ),
        )
