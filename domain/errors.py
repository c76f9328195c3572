"""Domain errors. Each names the rule it enforces so that callers can report it."""

from __future__ import annotations


class StaleRead(Exception):
    """Aggregates that change together were read at versions that disagree (one of
    them was loaded before a concurrent command saved both). Never reported: the
    executor decides again on fresh copies."""


class DomainError(Exception):
    """`rule` is a stable machine-readable name; `field` names the input at fault."""

    rule: str = "domain_rule"
    #: When set, the client may retry after this many seconds (Retry-After).
    retry_after_seconds: int | None = None

    def __init__(
        self, detail: str, *, field: str | None = None, **extra: object
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        #: Extra members for the problem body, e.g. an order's current state.
        self.extra = extra


class InvalidInput(DomainError):
    """The input breaks a validation rule; nothing was written."""

    def __init__(self, field: str, rule: str, detail: str) -> None:
        super().__init__(detail, field=field)
        self.rule = rule


class NotFound(DomainError):
    rule = "not_found"


class UnitNotFound(NotFound):
    rule = "unit_exists"


class TeamNotFound(NotFound):
    rule = "team_exists"


class MembershipNotFound(NotFound):
    rule = "membership_exists"


class VolunteerNotFound(NotFound):
    rule = "volunteer_exists"


class EntryNotFound(NotFound):
    rule = "entry_exists"


class CorrectionRequestNotFound(NotFound):
    rule = "correction_request_exists"


class Conflict(DomainError):
    """The request is valid on its own but conflicts with recorded facts."""

    rule = "conflict"


class AlreadyMember(Conflict):
    rule = "not_already_member"


class ApplicationPending(Conflict):
    rule = "one_pending_application"


class DuplicateIdNumber(Conflict):
    rule = "id_number_unique"


class SingleCenter(Conflict):
    rule = "single_center"


class OverlappingEntry(Conflict):
    rule = "no_overlapping_entries"


class EntryRevoked(Conflict):
    rule = "entry_is_live"


class VolunteerInactive(Conflict):
    rule = "volunteer_is_active"


class VolunteerAlreadyInState(Conflict):
    rule = "volunteer_status_changes"


class PersonalDataErased(Conflict):
    """The volunteer's personal data is erased: it stays an anonymous record."""

    rule = "personal_data_present"


class IdTaken(Conflict):
    """A client-chosen id for something new already names something recorded."""

    rule = "id_unique"


class RecordIdReused(Conflict):
    rule = "record_id_unique"


class CorrectionAlreadyDecided(Conflict):
    rule = "correction_request_pending"


class CorrectionAlreadyRequested(Conflict):
    rule = "one_pending_request_per_entry"


class IdempotencyKeyReused(Conflict):
    rule = "idempotency_key_matches_request"


class IdempotencyKeyInProgress(Conflict):
    """Another request with the same key has not finished; retry shortly."""

    rule = "idempotency_key_not_in_progress"
    retry_after_seconds = 1


class TooManyAttempts(DomainError):
    """Wrong guesses are rate-limited (a kiosk PIN); retry after a while."""

    rule = "attempts_within_limit"

    def __init__(self, detail: str, *, field: str, retry_after_seconds: int) -> None:
        super().__init__(detail, field=field, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class IllegalTransition(Conflict):
    """The command is not allowed in the aggregate's current state."""

    rule = "state_allows_command"


class ActivityFull(Conflict):
    rule = "activity_capacity"


class AlreadySignedUp(Conflict):
    rule = "one_signup_per_volunteer"


class OverlappingSignUp(Conflict):
    rule = "no_overlapping_signups"


class NotSignedUp(Conflict):
    rule = "signup_required"


class AttendanceConflict(Conflict):
    rule = "attendance_sequence"


class EvaluationWindowClosed(Conflict):
    rule = "evaluation_within_30_days"


class ActivityNotFound(NotFound):
    rule = "activity_exists"


class RedemptionNotFound(NotFound):
    rule = "redemption_exists"


class KioskNotFound(NotFound):
    rule = "kiosk_exists"


class CertificateNotFound(NotFound):
    """An unknown number and a wrong code answer alike: nothing to learn from it."""

    rule = "certificate_exists"


class OrderNotFound(NotFound):
    rule = "order_exists"


class ProjectNotFound(NotFound):
    rule = "project_exists"


class AlreadyReviewed(Conflict):
    rule = "one_review_per_reviewer"


class ReviewOfOwnUnit(Conflict):
    """An expert never reviews a project of its own unit (seed 003: 专家评审)."""

    rule = "reviewer_of_another_unit"


class ReviewsMissing(Conflict):
    rule = "reviewed_before_decision"


class AwardNotFound(NotFound):
    rule = "award_exists"


class PolicyNotFound(NotFound):
    rule = "insurance_policy_exists"


class DuplicatePolicyNumber(Conflict):
    rule = "policy_number_unique"


class NotCovered(Conflict):
    rule = "volunteer_covered"


class Unauthenticated(DomainError):
    """The credentials (a password, a refresh token) do not identify anyone."""

    rule = "unauthenticated"


class Forbidden(DomainError):
    """The actor is not allowed to do this."""

    rule = "forbidden"


class OutOfScope(Forbidden):
    rule = "unit_scope"


class ItemAtAnotherStation(Forbidden):
    """A kiosk sells only its own station's goods; a basket, one station's."""

    rule = "item_at_this_station"
