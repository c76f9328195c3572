"""Team activities: publish, sign up, check in and out, close (hours for each
attendee), cancel."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from application.hours import record_entry
from application.projects import running_project
from domain.access import Actor, Role
from domain.activity import Activity, ActivityState
from domain.errors import ActivityNotFound, Forbidden, InvalidInput, OverlappingEntry
from domain.organisation import Team
from domain.reference import REGULAR_ACTIVITY, SERVICE_CATEGORIES
from domain.volunteer import ServiceDetails, TimeSpan, Volunteer


@dataclass(frozen=True)
class PublishActivity:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "activity_id"
    team_id: UUID
    title: str
    category: str
    subcategory: str | None
    location: str
    leader: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    activity_id: UUID | None = None
    kind: str = REGULAR_ACTIVITY
    project_id: UUID | None = None


@dataclass(frozen=True)
class SignUp:
    activity_id: UUID
    volunteer_id: UUID | None = None


@dataclass(frozen=True)
class Attend:
    """Who checks in or out: a coordinator names the volunteer (and may give the
    time); a volunteer checks itself in with the activity's code."""

    activity_id: UUID
    volunteer_id: UUID | None = None
    code: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class CloseActivity:
    activity_id: UUID


@dataclass(frozen=True)
class CancelActivity:
    activity_id: UUID
    reason: str


@dataclass(frozen=True)
class ActivityStatus:
    id: UUID
    team_id: UUID
    unit_id: UUID
    title: str
    state: ActivityState
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signed_up: int
    #: For the staff who published it (the publishing answer only).
    checkin_code: str | None = None
    #: Who attended and who did not (the closing answer only).
    attendees: list[UUID] | None = None
    no_shows: list[UUID] | None = None

    @classmethod
    def of(cls, activity: Activity) -> ActivityStatus:
        return cls(
            activity.id,
            activity.team_id,
            activity.unit_id,
            activity.title,
            activity.state,
            activity.span.started_at,
            activity.span.ended_at,
            activity.capacity,
            len(activity.attendance),
        )


class Activities:
    def __init__(self, aggregates: Aggregates, clock: Clock) -> None:
        self.aggregates = aggregates
        self.clock = clock

    def _activity(self, activity_id: UUID) -> Activity:
        return self.aggregates.get(Activity, activity_id, ActivityNotFound)

    def publish(self, cmd: PublishActivity, actor: Actor) -> Decision[ActivityStatus]:
        team = self.aggregates.named(Team, cmd.team_id, "team_id")
        unit = self.aggregates.unit(team.unit_id)
        actor.check_manages(unit)
        if cmd.project_id is not None:
            running_project(self.aggregates, cmd.project_id, unit, team.id)
        activity = Activity.publish(
            cmd.activity_id or uuid4(),
            team.id,
            team.unit_id,
            cmd.title,
            cmd.category,
            cmd.subcategory,
            cmd.location,
            cmd.leader,
            TimeSpan(cmd.starts_at, cmd.ends_at),
            cmd.capacity,
            f"{secrets.randbelow(10**6):06d}",
            actor.label,
            self.clock.now(),
            cmd.kind,
            cmd.project_id,
        )
        status = ActivityStatus.of(activity)
        return Decision([activity], replace(status, checkin_code=activity.checkin_code))

    def sign_up(self, cmd: SignUp, actor: Actor) -> Decision[ActivityStatus]:
        activity = self._activity(cmd.activity_id)
        who = self._staff_or_self(actor, activity, cmd.volunteer_id)
        volunteer = self.aggregates.named(Volunteer, who, "volunteer_id")
        activity.check_published("sign up")
        volunteer.sign_up(activity.id, activity.span)
        activity.sign_up(who, actor.label)
        return Decision([activity, volunteer], ActivityStatus.of(activity))

    def check_in(self, cmd: Attend, actor: Actor) -> Decision[ActivityStatus]:
        return self._attendance(cmd, actor, checking_in=True)

    def check_out(self, cmd: Attend, actor: Actor) -> Decision[ActivityStatus]:
        return self._attendance(cmd, actor, checking_in=False)

    def _attendance(
        self, cmd: Attend, actor: Actor, checking_in: bool
    ) -> Decision[ActivityStatus]:
        activity = self._activity(cmd.activity_id)
        who = self._staff_or_self(actor, activity, cmd.volunteer_id)
        now = self.clock.now()
        if actor.role is not Role.VOLUNTEER:
            activity.attend_for(
                who, cmd.at, now, self.clock.skew, checking_in, actor.label
            )
        elif cmd.code is None:
            raise InvalidInput("code", "required", "give the activity's code")
        else:
            activity.attend_with_code(who, cmd.code, now, checking_in)
        return Decision([activity], ActivityStatus.of(activity))

    def close(self, cmd: CloseActivity, actor: Actor) -> Decision[ActivityStatus]:
        """Records an hours entry for each attendee under the rules in force (the
        same path as direct recording), all in one transaction with the closing."""
        activity = self._activity(cmd.activity_id)
        actor.check_manages(self.aggregates.unit(activity.unit_id))
        spans = activity.close(self.clock.now(), actor.label)
        terms = self.aggregates.policy().terms
        details = _details(activity)
        changed: list[Aggregate] = [activity]
        for volunteer_id, span in spans.items():
            volunteer = self.aggregates.volunteer(volunteer_id)
            account = self.aggregates.account(volunteer_id)
            try:
                record_entry(
                    volunteer,
                    account,
                    activity.hours_record_id(volunteer_id),
                    activity.unit_id,
                    span,
                    details,
                    terms,
                    self.clock,
                    actor.label,
                )
            except OverlappingEntry as error:
                raise OverlappingEntry(
                    f"volunteer {volunteer_id}: {error.detail}", field="attendees"
                ) from None
            changed += [volunteer, account]
        status = replace(
            ActivityStatus.of(activity),
            attendees=list(spans),
            no_shows=[v for v in activity.attendance if v not in spans],
        )
        return Decision(changed, status)

    def cancel(self, cmd: CancelActivity, actor: Actor) -> Decision[ActivityStatus]:
        activity = self._activity(cmd.activity_id)
        actor.check_manages(self.aggregates.unit(activity.unit_id))
        activity.cancel(cmd.reason, actor.label)
        volunteers = [self.aggregates.volunteer(v) for v in activity.attendance]
        for volunteer in volunteers:
            volunteer.release_sign_up(activity.id)
        return Decision([activity, *volunteers], ActivityStatus.of(activity))

    def _staff_or_self(
        self, actor: Actor, activity: Activity, volunteer_id: UUID | None
    ) -> UUID:
        """The volunteer acted for: the actor itself, or one a coordinator names."""
        if actor.role is Role.VOLUNTEER:
            if (
                volunteer_id not in (None, actor.volunteer_id)
                or actor.volunteer_id is None
            ):
                raise Forbidden("a volunteer acts only for itself")
            return actor.volunteer_id
        actor.check_manages(self.aggregates.unit(activity.unit_id))
        if volunteer_id is None:
            raise InvalidInput("volunteer_id", "required", "name the volunteer")
        return volunteer_id


def _details(activity: Activity) -> ServiceDetails:
    category = next(c for c in SERVICE_CATEGORIES if c.code == activity.category)
    return ServiceDetails(
        activity_name=activity.title,
        location=activity.location,
        service_recipient=category.recipient,
        content=activity.title,
        leader=activity.leader,
        activity_id=activity.id,
        category=activity.category,
        subcategory=activity.subcategory,
        team_id=activity.team_id,
    )
