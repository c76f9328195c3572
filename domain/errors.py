"""Domain errors. Each names the rule it enforces so that callers can report it."""

from __future__ import annotations


class DomainError(Exception):
    """`rule` is a stable machine-readable name; `field` names the input at fault."""

    rule: str = "domain_rule"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


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


class VolunteerNotFound(NotFound):
    rule = "volunteer_exists"


class EntryNotFound(NotFound):
    rule = "entry_exists"


class CorrectionRequestNotFound(NotFound):
    rule = "correction_request_exists"


class Conflict(DomainError):
    """The request is valid on its own but conflicts with recorded facts."""

    rule = "conflict"


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


class RecordIdReused(Conflict):
    rule = "record_id_unique"


class CorrectionAlreadyDecided(Conflict):
    rule = "correction_request_pending"


class CorrectionAlreadyRequested(Conflict):
    rule = "one_pending_request_per_entry"


class IdempotencyKeyReused(Conflict):
    rule = "idempotency_key_matches_request"


class Forbidden(DomainError):
    """The actor is not allowed to do this."""

    rule = "forbidden"


class OutOfScope(Forbidden):
    rule = "unit_scope"
