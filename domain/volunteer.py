"""The Volunteer aggregate: registration facts and the timesheet of service entries.

Public command methods run their `check_*` invariants, then trigger one private
`@event` method. Event bodies only change state, so replaying history never
re-runs a check that depends on the clock or on rules changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.entry_book import Entry as Entry  # re-exported: entries are the timesheet
from domain.entry_book import EntryBook
from domain.entry_book import TimeSpan as TimeSpan
from domain.errors import (
    CorrectionAlreadyDecided,
    CorrectionAlreadyRequested,
    CorrectionRequestNotFound,
    EntryNotFound,
    EntryRevoked,
    InvalidInput,
    OverlappingEntry,
    OverlappingSignUp,
    PersonalDataErased,
    RecordIdReused,
    VolunteerAlreadyInState,
    VolunteerInactive,
)
from domain.instants import check_not_before_earliest, check_past_instant
from domain.policy import PolicyTerms
from domain.reference import check_classification

MAX_ENTRY_SPAN = timedelta(hours=24)
MAX_REASON_LENGTH = 500


class VolunteerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class RequestState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ServiceDetails:
    """What Art. 7 of the 2012 record rules asks each entry to state."""

    activity_name: str
    location: str
    service_recipient: str
    content: str
    leader: str
    activity_id: UUID | None = None
    order_id: UUID | None = None
    #: The five-fors category (seed 000) and the team the service was for; older
    #: entries have none and are reported as unclassified.
    category: str | None = None
    subcategory: str | None = None
    team_id: UUID | None = None


@dataclass(frozen=True)
class CorrectionRequest:
    request_id: UUID
    record_id: UUID
    started_at: datetime | None
    ended_at: datetime | None
    revoke: bool
    reason: str
    state: RequestState = RequestState.PENDING


#: What an erased person's name, ID number and phone read as, everywhere.
ERASED = "已删除"


def check_span(span: TimeSpan, now: datetime, clock_skew: timedelta) -> None:
    for name in ("started_at", "ended_at"):
        check_not_before_earliest(name, getattr(span, name))
    if span.ended_at <= span.started_at:
        raise InvalidInput("ended_at", "end_after_start", "must be after started_at")
    if span.ended_at - span.started_at > MAX_ENTRY_SPAN:
        raise InvalidInput(
            "ended_at", "span_at_most_24h", "an entry may span at most 24 hours"
        )
    check_past_instant("ended_at", span.ended_at, now, clock_skew)


MAX_SKILLS = 20
MAX_SKILL_LENGTH = 50


def clean_skills(skills: list[str]) -> list[str]:
    """A volunteer's skills, trimmed: at most 20, each 1 to 50 characters."""
    cleaned = [s.strip() for s in skills]
    if len(cleaned) > MAX_SKILLS:
        raise InvalidInput("skills", "skills_count", f"at most {MAX_SKILLS} skills")
    if any(not s or len(s) > MAX_SKILL_LENGTH for s in cleaned):
        raise InvalidInput(
            "skills", "skill_format", f"each skill is 1-{MAX_SKILL_LENGTH} characters"
        )
    return cleaned


def check_revoke_or_times(
    revoke: bool, started_at: datetime | None, ended_at: datetime | None
) -> None:
    """A correction gives new times or revokes the entry, never both."""
    if revoke and (started_at or ended_at):
        raise InvalidInput(
            "revoke", "revoke_or_times", "either new times or a revocation"
        )


def check_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput("reason", "reason_required", "must not be blank")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(
            "reason", "reason_length", f"must be at most {MAX_REASON_LENGTH} characters"
        )


def check_details(details: ServiceDetails) -> None:
    for name in ("activity_name", "location", "service_recipient", "content", "leader"):
        value = getattr(details, name)
        if not value.strip():
            raise InvalidInput(name, f"{name}_required", "must not be blank")
        if len(value) > 500:
            raise InvalidInput(name, f"{name}_length", "must be at most 500 characters")
    check_classification(details.category, details.subcategory)


def check_new_entry(
    entries: EntryBook,
    record_id: UUID,
    span: TimeSpan,
    details: ServiceDetails,
    now: datetime,
    clock_skew: timedelta,
) -> None:
    """What recording hours requires of the entries they join: a record id not
    used before, details and a span within the rules, no overlap with a live entry.
    (`Volunteer.record_hours`, and the bulk import for the rows of a file.)"""
    if record_id in entries:
        raise RecordIdReused(
            f"record {record_id} already exists with other content", field="record_id"
        )
    check_details(details)
    check_span(span, now, clock_skew)
    check_no_overlap(entries, span)


def check_no_overlap(
    entries: EntryBook, span: TimeSpan, ignoring: UUID | None = None
) -> None:
    clash = entries.overlapping(span, ignoring)
    if clash is not None:
        raise OverlappingEntry(
            f"overlaps live entry {clash.record_id} "
            f"({clash.span.started_at.isoformat()} to "
            f"{clash.span.ended_at.isoformat()})",
            field="started_at",
        )


class Volunteer(CopiedCheaply, Aggregate):
    """A registered volunteer. Clear personal data never enters these events."""

    flat_copied = frozenset({"requests", "signups"})

    @staticmethod
    def create_id(volunteer_id: UUID, **_: Any) -> UUID:
        return volunteer_id

    @event("Registered")
    def __init__(
        self,
        volunteer_id: UUID,
        volunteer_number: str,
        unit_id: UUID,
        gender: str,
        birth_year: int,
        name_masked: str,
        id_number_masked: str,
        phone_masked: str,
        skills: list[str],
        party_member: bool,
        actor: str,
    ) -> None:
        self.volunteer_number = volunteer_number
        self.unit_id = unit_id
        self.name_masked = name_masked
        self.id_number_masked = id_number_masked
        self.phone_masked = phone_masked
        self.erased = False
        self.status = VolunteerStatus.ACTIVE
        self.entries = EntryBook()
        self.requests: dict[UUID, CorrectionRequest] = {}
        self.signups: dict[UUID, TimeSpan] = {}

    # -- invariants ---------------------------------------------------------

    def check_active(self) -> None:
        if self.status is not VolunteerStatus.ACTIVE:
            raise VolunteerInactive(f"volunteer {self.id} is inactive")

    def check_no_overlap(self, span: TimeSpan, ignoring: UUID | None = None) -> None:
        check_no_overlap(self.entries, span, ignoring)

    def live_entry(self, record_id: UUID) -> Entry:
        entry = self.entries.get(record_id)
        if entry is None:
            raise EntryNotFound(f"no entry {record_id} for volunteer {self.id}")
        if entry.revoked:
            raise EntryRevoked(f"entry {record_id} was revoked")
        return entry

    def pending_request(self, request_id: UUID) -> CorrectionRequest:
        request = self.requests.get(request_id)
        if request is None:
            raise CorrectionRequestNotFound(f"no correction request {request_id}")
        if request.state is not RequestState.PENDING:
            raise CorrectionAlreadyDecided(
                f"request {request_id} was already {request.state.value}"
            )
        return request

    def check_no_pending_request(self, record_id: UUID) -> None:
        for request in self.requests.values():
            if request.record_id == record_id and request.state is RequestState.PENDING:
                raise CorrectionAlreadyRequested(
                    f"request {request.request_id} for this entry is still pending"
                )

    def live_entries(self) -> list[Entry]:
        return self.entries.live()

    @property
    def verified_hours(self) -> Decimal:
        return self.entries.live_hours

    # -- hours ----------------------------------------------------------------

    def record_hours(
        self,
        record_id: UUID,
        unit_id: UUID,
        span: TimeSpan,
        details: ServiceDetails,
        terms: PolicyTerms,
        now: datetime,
        clock_skew: timedelta,
        actor: str,
    ) -> Entry:
        self.check_active()
        check_new_entry(self.entries, record_id, span, details, now, clock_skew)
        self._hours_recorded(
            record_id=record_id,
            unit_id=unit_id,
            started_at=span.started_at,
            ended_at=span.ended_at,
            hours=terms.hours_for(span.minutes),
            policy_version=terms.version,
            rounding=terms.rounding.value,
            activity_name=details.activity_name,
            location=details.location,
            service_recipient=details.service_recipient,
            content=details.content,
            leader=details.leader,
            activity_id=details.activity_id,
            order_id=details.order_id,
            category=details.category,
            subcategory=details.subcategory,
            team_id=details.team_id,
            actor=actor,
        )
        return self.entries[record_id]

    @event("HoursRecorded")
    def _hours_recorded(
        self,
        record_id: UUID,
        unit_id: UUID,
        started_at: datetime,
        ended_at: datetime,
        hours: Decimal,
        policy_version: int,
        rounding: str,
        activity_name: str,
        location: str,
        service_recipient: str,
        content: str,
        leader: str,
        activity_id: UUID | None,
        order_id: UUID | None,
        actor: str,
        category: str | None = None,
        subcategory: str | None = None,
        team_id: UUID | None = None,
    ) -> None:
        self.entries.put(
            Entry(
                record_id,
                unit_id,
                TimeSpan(started_at, ended_at),
                hours,
                policy_version,
                activity_name=activity_name,
            )
        )

    def correct_hours(
        self,
        record_id: UUID,
        started_at: datetime | None,
        ended_at: datetime | None,
        reason: str,
        terms: PolicyTerms,
        now: datetime,
        clock_skew: timedelta,
        actor: str,
        request_id: UUID | None = None,
    ) -> Entry:
        entry = self.live_entry(record_id)
        check_reason(reason)
        span = TimeSpan(
            started_at or entry.span.started_at, ended_at or entry.span.ended_at
        )
        if span == entry.span:
            raise InvalidInput(
                "started_at", "correction_changes_times", "the times are unchanged"
            )
        check_span(span, now, clock_skew)
        self.check_no_overlap(span, ignoring=record_id)
        self._hours_corrected(
            record_id=record_id,
            unit_id=entry.unit_id,
            started_at=span.started_at,
            ended_at=span.ended_at,
            hours=terms.hours_for(span.minutes),
            previous_hours=entry.hours,
            policy_version=terms.version,
            rounding=terms.rounding.value,
            reason=reason,
            request_id=request_id,
            actor=actor,
        )
        return self.entries[record_id]

    @event("HoursCorrected")
    def _hours_corrected(
        self,
        record_id: UUID,
        unit_id: UUID,
        started_at: datetime,
        ended_at: datetime,
        hours: Decimal,
        previous_hours: Decimal,
        policy_version: int,
        rounding: str,
        reason: str,
        request_id: UUID | None,
        actor: str,
    ) -> None:
        self.entries.put(
            replace(
                self.entries[record_id],
                span=TimeSpan(started_at, ended_at),
                hours=hours,
                policy_version=policy_version,
            )
        )
        self._settle_request(request_id, RequestState.ACCEPTED)

    def revoke_hours(
        self, record_id: UUID, reason: str, actor: str, request_id: UUID | None = None
    ) -> Entry:
        entry = self.live_entry(record_id)
        check_reason(reason)
        self._hours_revoked(
            record_id=record_id,
            unit_id=entry.unit_id,
            hours=entry.hours,
            reason=reason,
            request_id=request_id,
            actor=actor,
        )
        return entry

    @event("HoursRevoked")
    def _hours_revoked(
        self,
        record_id: UUID,
        unit_id: UUID,
        hours: Decimal,
        reason: str,
        request_id: UUID | None,
        actor: str,
    ) -> None:
        self.entries.put(replace(self.entries[record_id], revoked=True))
        self._settle_request(request_id, RequestState.ACCEPTED)

    # -- correction requests (asked by the volunteer, decided by a coordinator) --

    def request_correction(
        self,
        request_id: UUID,
        record_id: UUID,
        started_at: datetime | None,
        ended_at: datetime | None,
        revoke: bool,
        reason: str,
        now: datetime,
        clock_skew: timedelta,
    ) -> CorrectionRequest:
        entry = self.live_entry(record_id)
        self.check_no_pending_request(record_id)
        check_reason(reason)
        check_revoke_or_times(revoke, started_at, ended_at)
        if not revoke:
            if not (started_at or ended_at):
                raise InvalidInput(
                    "started_at", "correction_changes_times", "give new times or revoke"
                )
            span = TimeSpan(
                started_at or entry.span.started_at, ended_at or entry.span.ended_at
            )
            check_span(span, now, clock_skew)
        self._correction_requested(
            request_id=request_id,
            record_id=record_id,
            unit_id=entry.unit_id,
            started_at=started_at,
            ended_at=ended_at,
            revoke=revoke,
            reason=reason,
        )
        return self.requests[request_id]

    @event("CorrectionRequested")
    def _correction_requested(
        self,
        request_id: UUID,
        record_id: UUID,
        unit_id: UUID,
        started_at: datetime | None,
        ended_at: datetime | None,
        revoke: bool,
        reason: str,
    ) -> None:
        self.requests[request_id] = CorrectionRequest(
            request_id, record_id, started_at, ended_at, revoke, reason
        )

    def accept_correction(
        self,
        request_id: UUID,
        terms: PolicyTerms,
        now: datetime,
        clock_skew: timedelta,
        actor: str,
    ) -> Entry:
        request = self.pending_request(request_id)
        reason = f"accepted request: {request.reason}"
        if request.revoke:
            return self.revoke_hours(request.record_id, reason, actor, request_id)
        return self.correct_hours(
            request.record_id,
            request.started_at,
            request.ended_at,
            reason,
            terms,
            now,
            clock_skew,
            actor,
            request_id,
        )

    def reject_correction(self, request_id: UUID, reason: str, actor: str) -> None:
        request = self.pending_request(request_id)
        check_reason(reason)
        self._correction_rejected(
            request_id=request_id,
            record_id=request.record_id,
            reason=reason,
            actor=actor,
        )

    @event("CorrectionRejected")
    def _correction_rejected(
        self, request_id: UUID, record_id: UUID, reason: str, actor: str
    ) -> None:
        self._settle_request(request_id, RequestState.REJECTED)

    def _settle_request(self, request_id: UUID | None, state: RequestState) -> None:
        if request_id is not None:
            self.requests[request_id] = replace(self.requests[request_id], state=state)

    # -- activity sign-ups ----------------------------------------------------

    def sign_up(self, activity_id: UUID, span: TimeSpan) -> None:
        """Remembers the sign-up so that two of them never overlap."""
        self.check_active()
        for other_id, other in self.signups.items():
            if other.overlaps(span):
                raise OverlappingSignUp(
                    f"overlaps the sign-up for activity {other_id}", field="activity_id"
                )
        self._signed_up(
            activity_id=activity_id, starts_at=span.started_at, ends_at=span.ended_at
        )

    @event("SignedUpForActivity")
    def _signed_up(
        self, activity_id: UUID, starts_at: datetime, ends_at: datetime
    ) -> None:
        self.signups[activity_id] = TimeSpan(starts_at, ends_at)

    def release_sign_up(self, activity_id: UUID) -> None:
        if activity_id in self.signups:
            self._sign_up_released(activity_id=activity_id)

    @event("SignUpReleased")
    def _sign_up_released(self, activity_id: UUID) -> None:
        del self.signups[activity_id]

    # -- status ---------------------------------------------------------------

    def deactivate(self, reason: str, actor: str) -> None:
        if self.status is VolunteerStatus.INACTIVE:
            raise VolunteerAlreadyInState("volunteer is already inactive")
        check_reason(reason)
        self._status_changed(
            status=VolunteerStatus.INACTIVE.value, reason=reason, actor=actor
        )

    def reactivate(self, reason: str, actor: str) -> None:
        self.check_not_erased()
        if self.status is VolunteerStatus.ACTIVE:
            raise VolunteerAlreadyInState("volunteer is already active")
        check_reason(reason)
        self._status_changed(
            status=VolunteerStatus.ACTIVE.value, reason=reason, actor=actor
        )

    def set_kiosk_pin(self, actor: str) -> None:
        """Records that a kiosk PIN was set. The PIN itself never enters an event:
        its keyed digest is kept beside the ledger (infra/kiosk_pins.py)."""
        self.check_active()
        self._kiosk_pin_set(actor=actor)

    @event("KioskPinSet")
    def _kiosk_pin_set(self, actor: str) -> None:
        """The fact itself is the record (who set a PIN, when); no state follows."""

    @event("StatusChanged")
    def _status_changed(self, status: str, reason: str, actor: str) -> None:
        self.status = VolunteerStatus(status)

    # -- erasure (PIPL Art. 47) -----------------------------------------------

    def check_not_erased(self) -> None:
        if self.erased:
            raise PersonalDataErased(
                f"volunteer {self.id}'s personal data is erased; the record stays "
                "anonymous"
            )

    def erase_personal_data(self, reason: str, actor: str) -> None:
        """The person's name, ID number and phone are destroyed (their vault key is
        shredded beside this event); hours, points and stars stay, anonymous. The
        volunteer becomes inactive for good: nobody can be identified to serve."""
        self.check_not_erased()
        check_reason(reason)
        self._personal_data_erased(reason=reason, actor=actor)

    @event("PersonalDataErased")
    def _personal_data_erased(self, reason: str, actor: str) -> None:
        self.erased = True
        self.name_masked = self.id_number_masked = self.phone_masked = ERASED
        self.status = VolunteerStatus.INACTIVE
