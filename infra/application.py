"""The Ledger: one eventsourcing Application holding every aggregate, so the whole
history has one total order. Each command has one shape: load, decide, save."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.access import Actor, Role
from domain.account import CreditAccount
from domain.errors import (
    DomainError,
    DuplicateIdNumber,
    EntryNotFound,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    SingleCenter,
    UnitNotFound,
    VolunteerNotFound,
)
from domain.identity import (
    MaskedIdentity,
    PersonalData,
    check_birth_date,
    check_id_number,
    check_name,
    check_phone,
    normalise_id_number,
    normalise_phone,
)
from domain.ids import account_id_for
from domain.organisation import Team, Unit, UnitKind
from domain.policy import POLICY_ID, PointsPolicy, check_points_per_hour, default_policy
from domain.volunteer import TimeSpan, Volunteer
from infra import claims
from infra.commands import (
    Correction,
    NewHours,
    NewTeam,
    NewUnit,
    NewVolunteer,
    PolicyChange,
)
from infra.db import Database
from infra.idempotency import IdempotencyKey, IdempotencyStore
from infra.recorder import EVENTS_TABLE, DateAsISO, LedgerRecorder, SideWrite
from infra.vault import Vault

MAX_ATTEMPTS = 5
MAX_SKILLS = 20
A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Outcome:
    """A command's response body and the notification id of its last event."""

    result: dict[str, Any]
    position: int | None
    replayed: bool = False


@dataclass
class Decision:
    aggregates: Sequence[Aggregate]
    result: dict[str, Any]
    side_writes: list[SideWrite] = field(default_factory=list)
    claim_conflict: DomainError | None = None


class ConcurrentWrites(RuntimeError):
    """Another writer kept winning the race for the same aggregate."""


class Ledger(Application[UUID]):
    name = "vledger"

    def __init__(
        self,
        env: dict[str, str],
        *,
        db: Database,
        vault: Vault,
        clock: Callable[[], datetime],
        clock_skew: timedelta,
    ) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self.clock_skew = clock_skew
        self.idempotency = IdempotencyStore(db)
        self.save_listeners: list[Callable[[int], None]] = []
        super().__init__(env)

    # -- wiring ------------------------------------------------------------------

    def construct_recorder(self) -> LedgerRecorder:
        datastore = self.factory.datastore  # type: ignore[attr-defined]
        recorder = LedgerRecorder(datastore=datastore, events_table_name=EVENTS_TABLE)
        recorder.create_table()
        return recorder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # -- loading -----------------------------------------------------------------

    def _load(self, cls: type[A], aggregate_id: UUID, error: type[NotFound]) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise error(f"no {cls.__name__.lower()} {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise error(f"no {cls.__name__.lower()} {aggregate_id}")
        return aggregate

    def unit(self, unit_id: UUID) -> Unit:
        return self._load(Unit, unit_id, UnitNotFound)

    def volunteer(self, volunteer_id: UUID) -> Volunteer:
        return self._load(Volunteer, volunteer_id, VolunteerNotFound)

    def account(self, volunteer_id: UUID) -> CreditAccount:
        return self._load(
            CreditAccount, account_id_for(volunteer_id), VolunteerNotFound
        )

    def policy(self) -> PointsPolicy:
        try:
            return self._load(PointsPolicy, POLICY_ID, NotFound)
        except NotFound:
            self.ensure_policy()
            return self._load(PointsPolicy, POLICY_ID, NotFound)

    def ensure_policy(self) -> None:
        """Records the default policy once, the first time the ledger starts."""
        try:
            self.repository.get(POLICY_ID)
        except AggregateNotFoundError:
            # Another process may record it first; then its policy stands.
            with contextlib.suppress(IntegrityError):
                self._save([default_policy()], [])

    # -- executing commands ------------------------------------------------------

    def execute(
        self, idem: IdempotencyKey | None, decide: Callable[[], Decision]
    ) -> Outcome:
        """Runs `decide` and saves what it changed in one transaction, together with
        the idempotency record; retries on a concurrent write to the same aggregate.
        Each attempt first looks for a stored response: the concurrent writer may
        have been another copy of this very request."""
        for _ in range(MAX_ATTEMPTS):
            if idem is not None and (earlier := self._replay(idem)) is not None:
                return earlier
            try:
                decision = decide()
            except DomainError:
                # A refusal (say, record_id already used) may come from the
                # winning copy of this request committing just now.
                if idem is not None and (earlier := self._replay(idem)) is not None:
                    return earlier
                raise
            side_writes = list(decision.side_writes)
            if idem is not None:
                side_writes.append(self._remember(idem, decision))
            try:
                position = self._save(decision.aggregates, side_writes)
            except IntegrityError as error:
                constraint = _violated_constraint(error)
                if constraint == claims.CONSTRAINT and decision.claim_conflict:
                    raise decision.claim_conflict from None
                continue
            return Outcome(decision.result, position)
        raise ConcurrentWrites("too many concurrent writes; try again")

    def _save(
        self, aggregates: Sequence[Aggregate], side_writes: list[SideWrite]
    ) -> int:
        recordings = self.save(*aggregates, side_writes=side_writes)
        position = max((r.notification.id for r in recordings), default=0)
        for listener in self.save_listeners:
            listener(position)
        return position

    def _remember(self, idem: IdempotencyKey, decision: Decision) -> SideWrite:
        last = next(
            (a for a in reversed(decision.aggregates) if a.pending_events), None
        )
        return self.idempotency.remember(
            idem,
            decision.result,
            last.id if last else None,
            last.version if last else None,
        )

    def _replay(self, idem: IdempotencyKey) -> Outcome | None:
        stored = self.idempotency.lookup(idem)
        if stored is None:
            return None
        if stored.fingerprint != idem.fingerprint:
            raise IdempotencyKeyReused(
                f"key {idem.key!r} was already used for a different request",
                field=idem.field,
            )
        return Outcome(stored.response, stored.position, replayed=True)

    # -- organisation ------------------------------------------------------------

    def register_unit(
        self, cmd: NewUnit, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            parent = (
                self._unit_field(cmd.parent_id, "parent_id") if cmd.parent_id else None
            )
            if parent is None:
                actor.check_role(Role.ADMIN)
            else:
                actor.check_manages(parent)
            unit = Unit.register(
                cmd.unit_id or uuid4(),
                cmd.name,
                cmd.kind,
                parent,
                cmd.population,
                actor.label,
            )
            decision = Decision([unit], unit_view(unit))
            if unit.kind is UnitKind.CENTER:
                decision.side_writes.append(claims.claim("center", b"center", unit.id))
                decision.claim_conflict = SingleCenter(
                    "the district already has a center", field="kind"
                )
            return decision

        return self.execute(idem, decide)

    def register_team(
        self, cmd: NewTeam, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            actor.check_manages(self._unit_field(cmd.unit_id))
            team = Team.register(
                cmd.team_id or uuid4(),
                cmd.name,
                cmd.unit_id,
                cmd.service_type,
                cmd.service_type_name,
                actor.label,
            )
            return Decision([team], team_view(team))

        return self.execute(idem, decide)

    def _unit_field(self, unit_id: UUID, field: str = "unit_id") -> Unit:
        """A unit named in a request body: unknown is the client's input error."""
        try:
            return self.unit(unit_id)
        except UnitNotFound:
            raise InvalidInput(field, "unit_exists", f"no unit {unit_id}") from None

    # -- volunteers --------------------------------------------------------------

    def register_volunteer(
        self, cmd: NewVolunteer, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            actor.check_manages(self._unit_field(cmd.unit_id))
            person = self._check_person(cmd)
            skills = _check_skills(cmd.skills)
            volunteer_id = cmd.volunteer_id or uuid4()
            masked = person.masked
            volunteer = Volunteer(
                volunteer_id=volunteer_id,
                volunteer_number=self._next_volunteer_number(),
                unit_id=cmd.unit_id,
                gender=cmd.gender.value,
                birth_year=person.birth_date.year,
                name_masked=masked.name,
                id_number_masked=masked.id_number,
                phone_masked=masked.phone,
                skills=skills,
                party_member=cmd.party_member,
                actor=actor.label,
            )
            account = CreditAccount(volunteer_id=volunteer_id)
            id_digest = self.vault.blind_index("id_number", person.id_number)
            return Decision(
                [volunteer, account],
                volunteer_registered_view(volunteer, cmd, masked, skills),
                side_writes=[
                    self.vault.store(volunteer_id, person),
                    claims.claim("id_number", id_digest, volunteer_id),
                ],
                claim_conflict=DuplicateIdNumber(
                    "a volunteer with this ID number is already registered",
                    field="id_number",
                ),
            )

        return self.execute(idem, decide)

    def _check_person(self, cmd: NewVolunteer) -> PersonalData:
        check_name(cmd.name)
        id_number = normalise_id_number(cmd.id_number)
        check_birth_date(cmd.birth_date, self.clock().date())
        check_id_number(id_number, cmd.birth_date, cmd.gender)
        phone = normalise_phone(cmd.phone)
        check_phone(phone)
        return PersonalData(cmd.name.strip(), id_number, phone, cmd.birth_date)

    def _next_volunteer_number(self) -> str:
        row = self.db.fetch_one("SELECT nextval('volunteer_number_seq') AS n")
        if row is None:
            raise RuntimeError("volunteer_number_seq returned nothing")
        return f"V{row['n']:08d}"

    def set_volunteer_status(
        self, volunteer_id: UUID, active: bool, reason: str, actor: Actor
    ) -> Outcome:
        def decide() -> Decision:
            volunteer = self.volunteer(volunteer_id)
            actor.check_manages(self.unit(volunteer.unit_id))
            if active:
                volunteer.reactivate(reason, actor.label)
            else:
                volunteer.deactivate(reason, actor.label)
            return Decision(
                [volunteer], {"id": str(volunteer.id), "status": volunteer.status.value}
            )

        return self.execute(None, decide)

    # -- hours and points --------------------------------------------------------

    def record_hours(
        self,
        volunteer_id: UUID,
        cmd: NewHours,
        actor: Actor,
        idem: IdempotencyKey | None = None,
    ) -> Outcome:
        record_id = cmd.record_id or uuid4()

        def decide() -> Decision:
            actor.check_manages(self._unit_field(cmd.unit_id))
            volunteer = self.volunteer(volunteer_id)
            terms = self.policy().terms
            entry = volunteer.record_hours(
                record_id,
                cmd.unit_id,
                TimeSpan(cmd.started_at, cmd.ended_at),
                cmd.details,
                terms,
                self.clock(),
                self.clock_skew,
                actor.label,
            )
            account = self.account(volunteer_id)
            points = account.settle_source(
                record_id,
                "hours",
                terms.points_for(entry.hours),
                terms.version,
                "hours recorded",
                actor.label,
            )
            result = {
                "record_id": str(record_id),
                "volunteer_id": str(volunteer_id),
                "hours": str(entry.hours),
                "points_earned": str(points),
                "policy_version": terms.version,
            }
            return Decision([volunteer, account], result)

        return self.execute(idem, decide)

    def correct_hours(
        self,
        volunteer_id: UUID,
        record_id: UUID,
        cmd: Correction,
        actor: Actor,
        idem: IdempotencyKey | None = None,
    ) -> Outcome:
        """Coordinators correct or revoke at once; the volunteer only asks."""

        def decide() -> Decision:
            volunteer = self.volunteer(volunteer_id)
            if record_id not in volunteer.entries:
                raise EntryNotFound(
                    f"no entry {record_id} for volunteer {volunteer_id}"
                )
            if actor.is_self(volunteer_id):
                return self._request_correction(volunteer, record_id, cmd)
            actor.check_manages(self.unit(volunteer.entries[record_id].unit_id))
            if cmd.revoke and (cmd.started_at or cmd.ended_at):
                raise InvalidInput(
                    "revoke", "revoke_or_times", "give either new times or revoke"
                )
            if cmd.revoke:
                volunteer.revoke_hours(record_id, cmd.reason, actor.label)
            else:
                volunteer.correct_hours(
                    record_id,
                    cmd.started_at,
                    cmd.ended_at,
                    cmd.reason,
                    self.policy().terms,
                    self.clock(),
                    self.clock_skew,
                    actor.label,
                )
            return self._settle_entry(volunteer, record_id, cmd.reason, actor)

        return self.execute(idem, decide)

    def _request_correction(
        self, volunteer: Volunteer, record_id: UUID, cmd: Correction
    ) -> Decision:
        request = volunteer.request_correction(
            uuid4(),
            record_id,
            cmd.started_at,
            cmd.ended_at,
            cmd.revoke,
            cmd.reason,
            self.clock(),
            self.clock_skew,
        )
        return Decision(
            [volunteer],
            {
                "record_id": str(record_id),
                "status": "requested",
                "request_id": str(request.request_id),
            },
        )

    def decide_correction(
        self,
        volunteer_id: UUID,
        request_id: UUID,
        accept: bool,
        reason: str,
        actor: Actor,
    ) -> Outcome:
        def decide() -> Decision:
            volunteer = self.volunteer(volunteer_id)
            request = volunteer.pending_request(request_id)
            actor.check_manages(self.unit(volunteer.entries[request.record_id].unit_id))
            if not accept:
                volunteer.reject_correction(request_id, reason, actor.label)
                return Decision(
                    [volunteer],
                    {
                        "request_id": str(request_id),
                        "record_id": str(request.record_id),
                        "status": "rejected",
                    },
                )
            volunteer.accept_correction(
                request_id,
                self.policy().terms,
                self.clock(),
                self.clock_skew,
                actor.label,
            )
            decision = self._settle_entry(
                volunteer,
                request.record_id,
                f"accepted request: {request.reason}",
                actor,
            )
            decision.result["request_id"] = str(request_id)
            return decision

        return self.execute(None, decide)

    def _settle_entry(
        self, volunteer: Volunteer, record_id: UUID, reason: str, actor: Actor
    ) -> Decision:
        """Moves the entry's points to what its corrected hours are worth."""
        entry = volunteer.entries[record_id]
        terms = self.policy().terms
        target = Decimal(0) if entry.revoked else terms.points_for(entry.hours)
        account = self.account(volunteer.id)
        change = account.settle_source(
            record_id, "hours", target, terms.version, reason, actor.label
        )
        return Decision(
            [volunteer, account],
            {
                "record_id": str(record_id),
                "status": "revoked" if entry.revoked else "corrected",
                "hours": str(0 if entry.revoked else entry.hours),
                "points_change": str(change),
                "balance": str(account.balance),
            },
        )

    # -- policy ------------------------------------------------------------------

    def change_policy(self, cmd: PolicyChange, actor: Actor) -> Outcome:
        def decide() -> Decision:
            actor.check_role(Role.ADMIN)
            check_points_per_hour(cmd.points_per_hour)
            policy = self.policy()
            policy.change(cmd.points_per_hour, cmd.rounding, actor.label)
            return Decision([policy], policy_view(policy))

        return self.execute(None, decide)


def _check_skills(skills: list[str]) -> list[str]:
    cleaned = [s.strip() for s in skills]
    if len(cleaned) > MAX_SKILLS:
        raise InvalidInput("skills", "skills_count", f"at most {MAX_SKILLS} skills")
    for skill in cleaned:
        if not skill or len(skill) > 50:
            raise InvalidInput(
                "skills", "skill_format", "each skill is 1-50 characters"
            )
    return cleaned


def _violated_constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def unit_view(unit: Unit) -> dict[str, Any]:
    return {
        "id": str(unit.id),
        "name": unit.name,
        "kind": unit.kind.value,
        "parent_id": str(unit.parent_id) if unit.parent_id else None,
        "population": unit.population,
    }


def team_view(team: Team) -> dict[str, Any]:
    return {
        "id": str(team.id),
        "name": team.name,
        "unit_id": str(team.unit_id),
        "service_type": team.service_type,
        "service_type_name": team.service_type_name,
    }


def volunteer_registered_view(
    volunteer: Volunteer, cmd: NewVolunteer, masked: MaskedIdentity, skills: list[str]
) -> dict[str, Any]:
    """The registration response. It is stored for idempotent replays, so it holds
    masked values only: clear personal data lives in the vault alone."""
    return {
        "id": str(volunteer.id),
        "volunteer_number": volunteer.volunteer_number,
        "unit_id": str(volunteer.unit_id),
        "name_masked": masked.name,
        "id_number_masked": masked.id_number,
        "phone_masked": masked.phone,
        "gender": cmd.gender.value,
        "birth_year": cmd.birth_date.year,
        "skills": skills,
        "party_member": cmd.party_member,
        "status": volunteer.status.value,
    }


def policy_view(policy: PointsPolicy) -> dict[str, Any]:
    return {
        "version": policy.terms_version,
        "points_per_hour": str(policy.points_per_hour),
        "rounding": policy.rounding.value,
    }
