"""Who may call which route: one table, checked before anything else a route does.

Each route names the roles that may call it at all, and what narrows it further (the
unit scope of a coordinator, a volunteer's own record, a kiosk's identified session);
the narrowing is checked where the data is (use cases and read helpers), the role
here. A route missing from the table refuses to start the app, and
tests/api/test_authorization_api.py calls every route of the OpenAPI document with
every role against this table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.access import Role

#: What a signed-in person whose password must change may still call.
WHILE_PASSWORD_MUST_CHANGE = frozenset(
    {
        ("PUT", "/v1/me/password"),
        ("GET", "/v1/me"),
        ("DELETE", "/v1/sessions/current"),
    }
)

ADMIN, COORDINATOR, VOLUNTEER = Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER
RESIDENT, KIOSK, AUDITOR = Role.RESIDENT, Role.KIOSK, Role.AUDITOR
EVERY_ROLE = frozenset(Role)
STAFF = frozenset({ADMIN, COORDINATOR})
STAFF_READERS = frozenset({ADMIN, COORDINATOR, AUDITOR})
AUDITORS = frozenset({ADMIN, AUDITOR})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    #: What narrows the roles, for the reader of the table and of docs/api.md.
    narrowed: str = ""

    @property
    def public(self) -> bool:
        return not self.roles


PUBLIC = Rule(frozenset(), "no token: anyone")


def rule(roles: Iterable[Role], narrowed: str = "") -> Rule:
    return Rule(frozenset(roles), narrowed)


IN_SCOPE = "coordinators in their unit and below"
SELF = "a volunteer only itself"
ABOVE = "coordinators of the unit above the project's; an admin for the centre's"

#: (method, path template) -> who may call it.
ACCESS: dict[tuple[str, str], Rule] = {
    # organisation
    ("POST", "/v1/units"): rule(STAFF, IN_SCOPE + "; a centre needs an admin"),
    ("GET", "/v1/units"): rule(EVERY_ROLE),
    ("GET", "/v1/units/{unit_id}"): rule(EVERY_ROLE),
    ("GET", "/v1/me"): rule(EVERY_ROLE),
    ("GET", "/v1/me/notifications"): rule(EVERY_ROLE, "one's own inbox"),
    ("POST", "/v1/me/notifications/read"): rule(EVERY_ROLE, "one's own inbox"),
    ("GET", "/v1/units/{unit_id}/children"): rule(EVERY_ROLE),
    ("PUT", "/v1/units/{unit_id}/area-kind"): rule(STAFF, IN_SCOPE),
    ("PUT", "/v1/units/{unit_id}/populations/{year}"): rule(STAFF, IN_SCOPE),
    # teams and rosters
    ("POST", "/v1/teams"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/teams"): rule(EVERY_ROLE),
    ("GET", "/v1/teams/{team_id}"): rule(
        EVERY_ROLE, "the clear contact phone: staff in scope"
    ),
    ("GET", "/v1/teams/{team_id}/members"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/teams/{team_id}/applications"): rule(STAFF_READERS, IN_SCOPE),
    ("POST", "/v1/teams/{team_id}/applications"): rule({VOLUNTEER}, SELF),
    ("POST", "/v1/teams/{team_id}/applications/{volunteer_id}/approval"): rule(
        STAFF, IN_SCOPE
    ),
    ("POST", "/v1/teams/{team_id}/applications/{volunteer_id}/refusal"): rule(
        STAFF, IN_SCOPE
    ),
    ("POST", "/v1/teams/{team_id}/members"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/teams/{team_id}/members/{volunteer_id}/departure"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; {SELF} (leaving)"
    ),
    ("PUT", "/v1/teams/{team_id}/leader"): rule(STAFF, IN_SCOPE),
    ("PUT", "/v1/teams/{team_id}/contact"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/volunteers/{volunteer_id}/teams"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("GET", "/v1/teams/{team_id}/activity-counts"): rule(EVERY_ROLE),
    ("GET", "/v1/reference"): PUBLIC,
    # reports
    ("GET", "/v1/reports/assessment"): rule(STAFF_READERS, IN_SCOPE),
    # exports
    ("GET", "/v1/exports/assessment"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/exports/{kind}"): rule(
        STAFF_READERS, IN_SCOPE + "; personal data masked for every reader"
    ),
    # volunteers and hours
    ("POST", "/v1/volunteers"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/volunteers"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/volunteers/{volunteer_id}"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("POST", "/v1/volunteers/{volunteer_id}/deactivation"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/volunteers/{volunteer_id}/reactivation"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/volunteers/{volunteer_id}/erasure"): rule({ADMIN}),
    ("PUT", "/v1/volunteers/{volunteer_id}/kiosk-pin"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("POST", "/v1/volunteers/{volunteer_id}/hours"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/volunteers/{volunteer_id}/hours"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("POST", "/v1/volunteers/{volunteer_id}/hours/{record_id}/corrections"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; {SELF} (as a request)"
    ),
    (
        "POST",
        "/v1/volunteers/{volunteer_id}/correction-requests/{request_id}/accept",
    ): rule(STAFF, IN_SCOPE),
    (
        "POST",
        "/v1/volunteers/{volunteer_id}/correction-requests/{request_id}/reject",
    ): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/correction-requests"): rule(STAFF_READERS, IN_SCOPE),
    # points
    ("GET", "/v1/accounts/{volunteer_id}"): rule(
        STAFF_READERS | {VOLUNTEER, KIOSK},
        f"{IN_SCOPE}; {SELF}; a kiosk inside the volunteer's identified session",
    ),
    ("GET", "/v1/accounts/{volunteer_id}/entries"): rule(
        STAFF_READERS | {VOLUNTEER, KIOSK},
        f"{IN_SCOPE}; {SELF}; a kiosk inside the volunteer's identified session",
    ),
    ("POST", "/v1/accounts/{volunteer_id}/donations"): rule({ADMIN, VOLUNTEER}, SELF),
    ("GET", "/v1/units/{unit_id}/fund"): rule(
        STAFF_READERS | {KIOSK}, f"{IN_SCOPE}; a kiosk its own station"
    ),
    ("GET", "/v1/units/{unit_id}/fund/entries"): rule(
        STAFF_READERS | {KIOSK}, f"{IN_SCOPE}; a kiosk its own station"
    ),
    # audit and certificates
    ("GET", "/v1/audit/events"): rule(AUDITORS),
    ("GET", "/v1/audit/export"): rule(AUDITORS),
    ("GET", "/v1/audit/streams/{aggregate_id}"): rule(AUDITORS),
    ("GET", "/v1/audit/volunteers/{volunteer_id}"): rule(AUDITORS),
    ("POST", "/v1/audit/replays"): rule(AUDITORS),
    ("GET", "/v1/audit/chain"): rule(AUDITORS),
    ("POST", "/v1/volunteers/{volunteer_id}/certificates"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/certificates"): rule(STAFF_READERS, IN_SCOPE + " (issuers)"),
    ("GET", "/v1/volunteers/{volunteer_id}/certificates"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("POST", "/v1/certificates/{number}/revocation"): rule(
        STAFF, IN_SCOPE + " (of the issuing unit)"
    ),
    ("GET", "/v1/certificates/{number}.html"): PUBLIC,
    ("GET", "/v1/certificates/{number}"): PUBLIC,
    # the five-order loop
    ("POST", "/v1/orders"): rule({RESIDENT}),
    ("GET", "/v1/orders"): rule(
        STAFF_READERS | {RESIDENT, VOLUNTEER},
        f"{IN_SCOPE}; a resident its own; a volunteer those offered to it",
    ),
    ("GET", "/v1/orders/{order_id}"): rule(
        STAFF_READERS | {RESIDENT, VOLUNTEER},
        f"{IN_SCOPE}; a resident its own; a volunteer those offered to it",
    ),
    ("POST", "/v1/orders/{order_id}/review"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/orders/{order_id}/dispatch"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/orders/{order_id}/accept"): rule(
        STAFF | {VOLUNTEER}, "a volunteer it was offered to; a team's coordinator"
    ),
    ("POST", "/v1/orders/{order_id}/decline"): rule(
        STAFF | {VOLUNTEER}, "a volunteer it was offered to; a team's coordinator"
    ),
    ("POST", "/v1/orders/{order_id}/start"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; a volunteer who accepted"
    ),
    ("POST", "/v1/orders/{order_id}/complete"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/orders/{order_id}/evaluation"): rule({RESIDENT}, "its own order"),
    ("POST", "/v1/orders/{order_id}/reward"): rule({ADMIN}),
    ("POST", "/v1/orders/{order_id}/cancel"): rule(
        STAFF | {RESIDENT}, f"{IN_SCOPE}; a resident its own order"
    ),
    ("GET", "/v1/ratings/{kind}/{subject_id}"): rule(EVERY_ROLE),
    # activities
    ("POST", "/v1/activities"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/activities"): rule(EVERY_ROLE, "codes and attendance: staff"),
    ("GET", "/v1/activities/{activity_id}"): rule(
        EVERY_ROLE, "codes and attendance: staff"
    ),
    ("POST", "/v1/activities/{activity_id}/signups"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("POST", "/v1/activities/{activity_id}/checkins"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}, with the activity's code"
    ),
    ("POST", "/v1/activities/{activity_id}/checkouts"): rule(
        STAFF | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}, with the activity's code"
    ),
    ("POST", "/v1/activities/{activity_id}/close"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/activities/{activity_id}/cancel"): rule(STAFF, IN_SCOPE),
    # the project library
    ("POST", "/v1/projects"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/projects"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/projects/{project_id}"): rule(STAFF_READERS, IN_SCOPE),
    ("PUT", "/v1/projects/{project_id}/plan"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/projects/{project_id}/reviews"): rule(
        STAFF, "staff of another unit than the project's"
    ),
    ("POST", "/v1/projects/{project_id}/admission"): rule(STAFF, ABOVE),
    ("POST", "/v1/projects/{project_id}/return"): rule(STAFF, ABOVE),
    ("POST", "/v1/projects/{project_id}/progress"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/projects/{project_id}/close"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/projects/{project_id}/brand"): rule(STAFF, ABOVE),
    ("POST", "/v1/projects/{project_id}/brand/withdrawal"): rule(STAFF, ABOVE),
    ("GET", "/v1/public/projects"): PUBLIC,
    ("GET", "/v1/public/projects/{project_id}"): PUBLIC,
    # plans and the public schedule
    ("PUT", "/v1/units/{unit_id}/plans/{period}"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/units/{unit_id}/plans/{period}"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/units/{unit_id}/plans/{period}/report"): rule(STAFF_READERS, IN_SCOPE),
    ("PUT", "/v1/units/{unit_id}/fixed-activity-day"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/public/units"): PUBLIC,
    ("GET", "/v1/public/units/{unit_id}/schedule"): PUBLIC,
    ("GET", "/v1/public/units/{unit_id}/schedule.ics"): PUBLIC,
    # awards and benefits
    ("POST", "/v1/awards"): rule(
        STAFF, IN_SCOPE + " of the recipient; a unit's award: the level above"
    ),
    ("POST", "/v1/awards/{award_id}/revocation"): rule(
        STAFF, IN_SCOPE + " of the recipient; a unit's award: the level above"
    ),
    ("GET", "/v1/awards"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/volunteers/{volunteer_id}/awards"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("PUT", "/v1/benefits"): rule({ADMIN}),
    ("GET", "/v1/benefits"): rule(EVERY_ROLE),
    ("GET", "/v1/volunteers/{volunteer_id}/benefits"): rule(
        STAFF_READERS | {VOLUNTEER, KIOSK},
        f"{IN_SCOPE}; {SELF}; a kiosk inside the volunteer's identified session",
    ),
    # trainings and insurance
    ("GET", "/v1/volunteers/{volunteer_id}/trainings"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("POST", "/v1/insurance-policies"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/insurance-policies/{policy_id}/cover"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/insurance-policies/{policy_id}/release"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/insurance-policies"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/insurance-policies/{policy_id}"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/volunteers/{volunteer_id}/insurance"): rule(
        STAFF_READERS | {VOLUNTEER}, f"{IN_SCOPE}; {SELF}"
    ),
    ("GET", "/v1/reports/uninsured"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/reports/trainings"): rule(STAFF_READERS, IN_SCOPE),
    # the credit supermarket
    ("POST", "/v1/catalog/items"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/catalog/items/{item_id}/restock"): rule(STAFF, IN_SCOPE),
    ("PUT", "/v1/catalog/items/{item_id}/price"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/kiosk/catalog"): rule(
        STAFF_READERS | {KIOSK, VOLUNTEER}, f"{IN_SCOPE}; a kiosk its own station"
    ),
    ("POST", "/v1/redemptions"): rule(
        STAFF | {KIOSK, VOLUNTEER},
        "the volunteer identified: a kiosk session, the volunteer's own token, "
        "or staff in scope with the volunteer's PIN",
    ),
    ("POST", "/v1/redemptions/{redemption_id}/confirm"): rule(
        STAFF | {KIOSK, VOLUNTEER},
        "spending: the volunteer's kiosk session at the redemption's station "
        f"(a kiosk, or staff {IN_SCOPE} at a counter), or its own token",
    ),
    ("POST", "/v1/redemptions/{redemption_id}/void"): rule(
        STAFF | {KIOSK}, f"{IN_SCOPE}; a kiosk at the redemption's station"
    ),
    ("POST", "/v1/kiosks"): rule(STAFF, IN_SCOPE),
    ("GET", "/v1/kiosks"): rule(STAFF_READERS, IN_SCOPE),
    ("POST", "/v1/kiosks/{kiosk_id}/retire"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/kiosk/identify"): rule(
        STAFF | {KIOSK}, "a kiosk device, or staff at a counter"
    ),
    ("POST", "/v1/kiosk/sign-out"): rule(STAFF | {KIOSK}),
    # signing in and people's logins
    ("POST", "/v1/sessions"): PUBLIC,
    ("POST", "/v1/sessions/refresh"): PUBLIC,
    ("DELETE", "/v1/sessions/current"): rule(EVERY_ROLE, "a signed-in person's own"),
    ("PUT", "/v1/me/password"): rule(EVERY_ROLE, "a signed-in person's own"),
    ("POST", "/v1/logins"): rule(
        STAFF, IN_SCOPE + "; admins' and auditors' logins: an admin"
    ),
    ("GET", "/v1/logins"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/logins/{login_id}"): rule(STAFF_READERS, IN_SCOPE),
    ("POST", "/v1/logins/{login_id}/password-reset"): rule(
        STAFF, IN_SCOPE + ", not one's own"
    ),
    ("POST", "/v1/logins/{login_id}/unlock"): rule(STAFF, IN_SCOPE),
    ("POST", "/v1/logins/{login_id}/disable"): rule(
        STAFF, IN_SCOPE + ", not one's own"
    ),
    ("POST", "/v1/logins/{login_id}/enable"): rule(STAFF, IN_SCOPE),
    # registrations of one's own, and residents
    ("GET", "/v1/public/privacy-notice"): PUBLIC,
    ("POST", "/v1/public/volunteer-registrations"): PUBLIC,
    ("GET", "/v1/public/volunteer-registrations/{registration_id}"): PUBLIC,
    ("POST", "/v1/public/phone-codes"): PUBLIC,
    ("POST", "/v1/public/residents"): PUBLIC,
    ("GET", "/v1/volunteer-registrations"): rule(STAFF_READERS, IN_SCOPE),
    ("GET", "/v1/volunteer-registrations/{registration_id}"): rule(
        STAFF_READERS, IN_SCOPE + "; clear data: admins and coordinators"
    ),
    ("POST", "/v1/volunteer-registrations/{registration_id}/approval"): rule(
        STAFF, IN_SCOPE + " (of the station)"
    ),
    ("POST", "/v1/volunteer-registrations/{registration_id}/refusal"): rule(
        STAFF, IN_SCOPE + " (of the station)"
    ),
    ("POST", "/v1/orders/on-behalf"): rule(STAFF, IN_SCOPE + " (of the station)"),
    # delivering notifications outside
    ("POST", "/v1/webhooks"): rule({ADMIN}),
    ("GET", "/v1/webhooks"): rule(AUDITORS),
    ("POST", "/v1/webhooks/{webhook_id}/retire"): rule({ADMIN}),
    ("GET", "/v1/ops/deliveries"): rule(AUDITORS),
    ("POST", "/v1/ops/deliveries/{delivery_id}/retry"): rule({ADMIN}),
    # operations
    ("GET", "/health"): PUBLIC,
    ("GET", "/metrics"): Rule(
        frozenset(), "no token: counts and lags, no personal data"
    ),
    ("GET", "/v1/ops/status"): rule(AUDITORS),
    ("GET", "/v1/policy"): rule(EVERY_ROLE),
    ("PUT", "/v1/policy"): rule({ADMIN}),
}


def rule_for(method: str, path: str) -> Rule:
    """The route's rule; KeyError for a route the table does not name."""
    return ACCESS[(method.upper(), path)]
