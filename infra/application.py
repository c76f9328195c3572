"""The Ledger: one eventsourcing Application holding every aggregate, so the whole
history has one total order. Each command has one shape: load, decide, save."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.access import Actor, Role
from domain.account import CreditAccount
from domain.errors import (
    DuplicateIdNumber,
    EntryNotFound,
    SingleCenter,
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
from domain.policy import POLICY_ID, PointsPolicy, check_points_per_hour
from domain.volunteer import (
    ERASED,
    TimeSpan,
    Volunteer,
    check_revoke_or_times,
    clean_skills,
)
from infra import claims
from infra.activities import ActivityCommands
from infra.certificates import CertificateCommands
from infra.commands import (
    Correction,
    NewHours,
    NewTeam,
    NewUnit,
    NewVolunteer,
    PolicyChange,
)
from infra.core import ConcurrentWrites, Decision, LedgerCore, Outcome
from infra.idempotency import IdempotencyKey, redact_stored_responses
from infra.kiosks import KioskCommands, forget_kiosk_pin
from infra.orders import OrderCommands
from infra.redemptions import DonationCommands, RedemptionCommands

__all__ = ["ConcurrentWrites", "Decision", "Ledger", "Outcome"]


class Ledger(
    OrderCommands,
    ActivityCommands,
    RedemptionCommands,
    DonationCommands,
    KioskCommands,
    CertificateCommands,
    LedgerCore,
):
    name = "vledger"

    # -- organisation ------------------------------------------------------------

    def register_unit(
        self, cmd: NewUnit, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            parent = (
                self.requested_unit(cmd.parent_id, "parent_id")
                if cmd.parent_id
                else None
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
            actor.check_manages(self.requested_unit(cmd.unit_id))
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

    # -- volunteers --------------------------------------------------------------

    def register_volunteer(
        self, cmd: NewVolunteer, actor: Actor, idem: IdempotencyKey | None = None
    ) -> Outcome:
        def decide() -> Decision:
            actor.check_manages(self.requested_unit(cmd.unit_id))
            person = self._check_person(cmd)
            skills = clean_skills(cmd.skills)
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

    def erase_personal_data(
        self, volunteer_id: UUID, reason: str, actor: Actor
    ) -> Outcome:
        """PIPL Art. 47: an admin erases a person's personal data. The event (who,
        why) commits with the side writes that destroy it: the vault key and record
        shredded, the blind indexes and the ID-number claim dropped, the kiosk PIN
        forgotten, the masked values in stored responses replaced."""

        def decide() -> Decision:
            actor.check_role(Role.ADMIN)
            volunteer = self.volunteer(volunteer_id)
            masked = (
                volunteer.name_masked,
                volunteer.id_number_masked,
                volunteer.phone_masked,
            )
            volunteer.erase_personal_data(reason, actor.label)
            return Decision(
                [volunteer],
                {
                    "id": str(volunteer.id),
                    "erased": volunteer.erased,
                    "status": volunteer.status.value,
                },
                side_writes=[
                    self.vault.shred(volunteer_id),
                    claims.release("id_number", volunteer_id),
                    forget_kiosk_pin(volunteer_id),
                    redact_stored_responses(
                        [volunteer_id, account_id_for(volunteer_id)], masked, ERASED
                    ),
                ],
            )

        return self.execute(None, decide)

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
            loaded = self.load(
                cmd.unit_id, volunteer_id, POLICY_ID, account_id_for(volunteer_id)
            )
            actor.check_manages(self.requested_unit(cmd.unit_id, loaded=loaded))
            volunteer = self.volunteer(volunteer_id, loaded)
            terms = self.policy(loaded).terms
            account = self.account(volunteer_id, loaded)
            entry, points = self.record_entry(
                volunteer,
                account,
                record_id,
                cmd.unit_id,
                TimeSpan(cmd.started_at, cmd.ended_at),
                cmd.details,
                terms,
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
            check_revoke_or_times(cmd.revoke, cmd.started_at, cmd.ended_at)
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
