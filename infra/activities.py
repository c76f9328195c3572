"""Commands for team activities: publish, sign up, check in and out, close."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.access import Actor, Role
from domain.activity import Activity
from domain.errors import ActivityNotFound, Forbidden, InvalidInput, OverlappingEntry
from domain.instants import check_past_instant
from domain.organisation import Team
from domain.reference import SERVICE_CATEGORIES
from domain.volunteer import ServiceDetails, TimeSpan, Volunteer
from infra.core import Decision, LedgerCore, Outcome
from infra.idempotency import IdempotencyKey


@dataclass(frozen=True)
class NewActivity:
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


@dataclass(frozen=True)
class Attend:
    """Who checks in or out: a coordinator names the volunteer (and may give the
    time); a volunteer checks itself in with the activity's code."""

    volunteer_id: UUID | None = None
    code: str | None = None
    at: datetime | None = None


def activity_view(activity: Activity, with_code: bool = False) -> dict[str, Any]:
    view = {
        "id": str(activity.id),
        "team_id": str(activity.team_id),
        "unit_id": str(activity.unit_id),
        "title": activity.title,
        "state": activity.state.value,
        "starts_at": activity.span.started_at.isoformat(),
        "ends_at": activity.span.ended_at.isoformat(),
        "capacity": activity.capacity,
        "signed_up": len(activity.attendance),
    }
    if with_code:
        view["checkin_code"] = activity.checkin_code
    return view


class ActivityCommands(LedgerCore):
    def activity(self, activity_id: UUID) -> Activity:
        return self._load(Activity, activity_id, ActivityNotFound)

    def publish_activity(
        self, cmd: NewActivity, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            team = self._field(Team, cmd.team_id, "team_id")
            actor.check_manages(self.unit(team.unit_id))
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
                self.clock(),
            )
            return Decision([activity], activity_view(activity, with_code=True))

        return self.execute(idem, decide)

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
        actor.check_manages(self.unit(activity.unit_id))
        if volunteer_id is None:
            raise InvalidInput("volunteer_id", "required", "name the volunteer")
        return volunteer_id

    def sign_up(
        self, activity_id: UUID, volunteer_id: UUID | None, actor: Actor
    ) -> Outcome:
        def decide() -> Decision:
            activity = self.activity(activity_id)
            who = self._staff_or_self(actor, activity, volunteer_id)
            volunteer = self._field(Volunteer, who, "volunteer_id")
            activity.check_published("sign up")
            volunteer.sign_up(activity.id, activity.span)
            activity.sign_up(who, actor.label)
            return Decision([activity, volunteer], activity_view(activity))

        return self.execute(None, decide)

    def check_in(self, activity_id: UUID, attend: Attend, actor: Actor) -> Outcome:
        return self._attendance(activity_id, attend, actor, checking_in=True)

    def check_out(self, activity_id: UUID, attend: Attend, actor: Actor) -> Outcome:
        return self._attendance(activity_id, attend, actor, checking_in=False)

    def _attendance(
        self, activity_id: UUID, attend: Attend, actor: Actor, checking_in: bool
    ) -> Outcome:
        def decide() -> Decision:
            activity = self.activity(activity_id)
            who = self._staff_or_self(actor, activity, attend.volunteer_id)
            if actor.role is Role.VOLUNTEER:
                if attend.code is None:
                    raise InvalidInput("code", "required", "give the activity's code")
                if checking_in:
                    activity.check_in_with_code(who, attend.code, self.clock())
                else:
                    activity.check_out_with_code(who, attend.code, self.clock())
            else:
                now = self.clock()
                at = attend.at or now
                check_past_instant("at", at, now, self.clock_skew, "not_in_future")
                if checking_in:
                    activity.check_in(who, at, actor.label)
                else:
                    activity.check_out(who, at, actor.label)
            return Decision([activity], activity_view(activity))

        return self.execute(None, decide)

    def close_activity(self, activity_id: UUID, actor: Actor) -> Outcome:
        """Records an hours entry for each attendee under the rules in force (the same
        path as direct recording), all in one transaction with the closing."""

        def decide() -> Decision:
            activity = self.activity(activity_id)
            actor.check_manages(self.unit(activity.unit_id))
            spans = activity.close(self.clock(), actor.label)
            terms = self.policy().terms
            details = self._activity_details(activity)
            changed: list[Any] = [activity]
            for volunteer_id, span in spans.items():
                volunteer = self.volunteer(volunteer_id)
                account = self.account(volunteer_id)
                try:
                    self.record_entry(
                        volunteer,
                        account,
                        activity.hours_record_id(volunteer_id),
                        activity.unit_id,
                        span,
                        details,
                        terms,
                        actor.label,
                    )
                except OverlappingEntry as error:
                    raise OverlappingEntry(
                        f"volunteer {volunteer_id}: {error.detail}", field="attendees"
                    ) from None
                changed += [volunteer, account]
            result = activity_view(activity)
            result["attendees"] = [str(v) for v in spans]
            result["no_shows"] = [str(v) for v in activity.attendance if v not in spans]
            return Decision(changed, result)

        return self.execute(None, decide)

    def _activity_details(self, activity: Activity) -> ServiceDetails:
        label = next(c.label for c in SERVICE_CATEGORIES if c.code == activity.category)
        return ServiceDetails(
            activity_name=activity.title,
            location=activity.location,
            service_recipient=label,
            content=activity.title,
            leader=activity.leader,
            activity_id=activity.id,
        )

    def cancel_activity(self, activity_id: UUID, reason: str, actor: Actor) -> Outcome:
        def decide() -> Decision:
            activity = self.activity(activity_id)
            actor.check_manages(self.unit(activity.unit_id))
            activity.cancel(reason, actor.label)
            volunteers = [self.volunteer(v) for v in activity.attendance]
            for volunteer in volunteers:
                volunteer.release_sign_up(activity.id)
            return Decision([activity, *volunteers], activity_view(activity))

        return self.execute(None, decide)
