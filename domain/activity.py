"""Team activities: published with time, place and capacity; volunteers sign up;
attendance by check-in / check-out; closing records hours for each attendee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import (
    ActivityFull,
    AlreadySignedUp,
    AttendanceConflict,
    IllegalTransition,
    InvalidInput,
    NotSignedUp,
)
from domain.ids import NAMESPACE
from domain.instants import check_past_instant, check_plan_instant
from domain.order import check_text
from domain.reference import REGULAR_ACTIVITY, check_activity_kind, check_category
from domain.volunteer import MAX_ENTRY_SPAN, TimeSpan, check_reason

#: Volunteers may check themselves in from this long before the start.
EARLY_CHECK_IN = timedelta(minutes=30)
#: ... and check out until this long after the end.
LATE_CHECK_OUT = timedelta(hours=2)
MAX_CAPACITY = 10_000


class ActivityState(StrEnum):
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass
class Attendance:
    volunteer_id: UUID
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None


def check_schedule(span: TimeSpan, capacity: int, now: datetime) -> None:
    check_plan_instant("starts_at", span.started_at, now)
    check_plan_instant("ends_at", span.ended_at, now)
    if span.ended_at <= span.started_at:
        raise InvalidInput("ends_at", "end_after_start", "must be after starts_at")
    if span.ended_at - span.started_at > MAX_ENTRY_SPAN:
        raise InvalidInput("ends_at", "span_at_most_24h", "at most 24 hours")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput("capacity", "capacity_range", f"1 to {MAX_CAPACITY}")


class Activity(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(activity_id: UUID, **_: Any) -> UUID:
        return activity_id

    @event("Published")
    def __init__(
        self,
        activity_id: UUID,
        team_id: UUID,
        unit_id: UUID,
        title: str,
        category: str,
        subcategory: str | None,
        location: str,
        leader: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        checkin_code: str,
        actor: str,
        kind: str = REGULAR_ACTIVITY,
        project_id: UUID | None = None,
    ) -> None:
        self.team_id = team_id
        self.project_id = project_id
        self.unit_id = unit_id
        self.title = title
        self.kind = kind
        self.category = category
        self.subcategory = subcategory
        self.location = location
        self.leader = leader
        self.span = TimeSpan(starts_at, ends_at)
        self.capacity = capacity
        self.checkin_code = checkin_code
        self.state = ActivityState.PUBLISHED
        self.attendance: dict[UUID, Attendance] = {}

    @classmethod
    def publish(
        cls,
        activity_id: UUID,
        team_id: UUID,
        unit_id: UUID,
        title: str,
        category: str,
        subcategory: str | None,
        location: str,
        leader: str,
        span: TimeSpan,
        capacity: int,
        checkin_code: str,
        actor: str,
        now: datetime,
        kind: str = REGULAR_ACTIVITY,
        project_id: UUID | None = None,
    ) -> Activity:
        check_text("title", title, 100)
        check_activity_kind(kind)
        check_text("location", location, 200)
        check_text("leader", leader, 64)
        check_category(category, subcategory)
        check_schedule(span, capacity, now)
        return cls(
            activity_id=activity_id,
            team_id=team_id,
            unit_id=unit_id,
            title=title.strip(),
            category=category,
            subcategory=subcategory,
            location=location.strip(),
            leader=leader.strip(),
            starts_at=span.started_at,
            ends_at=span.ended_at,
            capacity=capacity,
            checkin_code=checkin_code,
            actor=actor,
            kind=kind,
            project_id=project_id,
        )

    # -- invariants ---------------------------------------------------------

    def check_published(self, command: str) -> None:
        if self.state is not ActivityState.PUBLISHED:
            raise IllegalTransition(
                f"cannot {command}: the activity is {self.state.value}",
                state=self.state.value,
            )

    def attendance_of(self, volunteer_id: UUID) -> Attendance:
        attendance = self.attendance.get(volunteer_id)
        if attendance is None:
            raise NotSignedUp(f"volunteer {volunteer_id} did not sign up")
        return attendance

    def check_while_running(self, at: datetime) -> None:
        if not self.span.started_at - EARLY_CHECK_IN <= at <= self.span.ended_at:
            raise AttendanceConflict(
                "self check-in is open from 30 minutes before the start to the end"
            )

    # -- sign-up and attendance -----------------------------------------------

    def sign_up(self, volunteer_id: UUID, actor: str) -> None:
        self.check_published("sign up")
        if volunteer_id in self.attendance:
            raise AlreadySignedUp("this volunteer already signed up")
        if len(self.attendance) >= self.capacity:
            raise ActivityFull(f"the activity is full ({self.capacity} places)")
        self._signed_up(volunteer_id=volunteer_id, actor=actor)

    @event("SignedUp")
    def _signed_up(self, volunteer_id: UUID, actor: str) -> None:
        self.attendance[volunteer_id] = Attendance(volunteer_id)

    def check_in(self, volunteer_id: UUID, at: datetime, actor: str) -> None:
        self.check_published("check in")
        attendance = self.attendance_of(volunteer_id)
        if attendance.checked_in_at is not None:
            raise AttendanceConflict("already checked in")
        if not self.span.started_at - EARLY_CHECK_IN <= at <= self.span.ended_at:
            raise InvalidInput("at", "check_in_during_activity", "outside the activity")
        self._checked_in(volunteer_id=volunteer_id, at=at, actor=actor)

    def check_in_with_code(self, volunteer_id: UUID, code: str, now: datetime) -> None:
        if code != self.checkin_code:
            raise InvalidInput("code", "checkin_code", "the check-in code is wrong")
        self.check_while_running(now)
        self.check_in(volunteer_id, now, f"volunteer:{volunteer_id}")

    @event("CheckedIn")
    def _checked_in(self, volunteer_id: UUID, at: datetime, actor: str) -> None:
        self.attendance[volunteer_id].checked_in_at = at

    def check_out(self, volunteer_id: UUID, at: datetime, actor: str) -> None:
        self.check_published("check out")
        attendance = self.attendance_of(volunteer_id)
        if attendance.checked_in_at is None:
            raise AttendanceConflict("check in first")
        if attendance.checked_out_at is not None:
            raise AttendanceConflict("already checked out")
        if not attendance.checked_in_at < at <= self.span.ended_at + LATE_CHECK_OUT:
            raise InvalidInput(
                "at",
                "check_out_after_check_in",
                "after check-in, at most 2 h past the end",
            )
        self._checked_out(volunteer_id=volunteer_id, at=at, actor=actor)

    def attend_with_code(
        self, volunteer_id: UUID, code: str, now: datetime, checking_in: bool
    ) -> None:
        """A volunteer checks itself in or out with the activity's code, now."""
        if checking_in:
            self.check_in_with_code(volunteer_id, code, now)
        else:
            self.check_out_with_code(volunteer_id, code, now)

    def attend_for(
        self,
        volunteer_id: UUID,
        at: datetime | None,
        now: datetime,
        clock_skew: timedelta,
        checking_in: bool,
        actor: str,
    ) -> None:
        """Staff record a volunteer's check-in or check-out at a time that has
        happened (now when they give none)."""
        at = at or now
        check_past_instant("at", at, now, clock_skew, "not_in_future")
        if checking_in:
            self.check_in(volunteer_id, at, actor)
        else:
            self.check_out(volunteer_id, at, actor)

    def check_out_with_code(self, volunteer_id: UUID, code: str, now: datetime) -> None:
        if code != self.checkin_code:
            raise InvalidInput("code", "checkin_code", "the check-in code is wrong")
        self.check_out(volunteer_id, now, f"volunteer:{volunteer_id}")

    @event("CheckedOut")
    def _checked_out(self, volunteer_id: UUID, at: datetime, actor: str) -> None:
        self.attendance[volunteer_id].checked_out_at = at

    # -- closing ----------------------------------------------------------------

    def hours_record_id(self, volunteer_id: UUID) -> UUID:
        return uuid5(NAMESPACE, f"activity-hours/{self.id}/{volunteer_id}")

    def attended_spans(self, now: datetime) -> dict[UUID, TimeSpan]:
        """Who attended and for how long: check-in to check-out; those still there
        are counted to the end, or to now when closing early."""
        spans = {}
        for a in self.attendance.values():
            if a.checked_in_at is not None:
                end = a.checked_out_at or min(self.span.ended_at, now)
                if end > a.checked_in_at:
                    spans[a.volunteer_id] = TimeSpan(a.checked_in_at, end)
        return spans

    def close(self, now: datetime, actor: str) -> dict[UUID, TimeSpan]:
        self.check_published("close")
        if now < self.span.started_at:
            raise IllegalTransition(
                "an activity closes once it has started", state=self.state.value
            )
        spans = self.attended_spans(now)
        self._closed(
            attendees=[
                {
                    "volunteer_id": v,
                    "record_id": self.hours_record_id(v),
                    "started_at": s.started_at,
                    "ended_at": s.ended_at,
                }
                for v, s in spans.items()
            ],
            no_shows=[v for v in self.attendance if v not in spans],
            team_id=self.team_id,
            starts_at=self.span.started_at,
            actor=actor,
        )
        return spans

    @event("Closed")
    def _closed(
        self,
        attendees: list[dict[str, Any]],
        no_shows: list[UUID],
        team_id: UUID,
        starts_at: datetime,
        actor: str,
    ) -> None:
        self.state = ActivityState.CLOSED

    def cancel(self, reason: str, actor: str) -> None:
        self.check_published("cancel")
        check_reason(reason)
        self._cancelled(reason=reason, actor=actor)

    @event("Cancelled")
    def _cancelled(self, reason: str, actor: str) -> None:
        self.state = ActivityState.CANCELLED
