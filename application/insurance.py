"""Accident insurance policies of a unit and the volunteers they cover."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor
from domain.errors import DuplicatePolicyNumber, InvalidInput, PolicyNotFound
from domain.insurance import InsurancePolicy, PolicyTerms
from domain.reference import CHINA_TIME
from domain.volunteer import Volunteer
from infra import claims


@dataclass(frozen=True)
class RegisterPolicy:
    unit_id: UUID
    terms: PolicyTerms
    policy_id: UUID | None = None


@dataclass(frozen=True)
class ChangeCover:
    """Name volunteers on a policy (from a day), or release them (on a day)."""

    policy_id: UUID
    volunteer_ids: tuple[UUID, ...]
    day: date | None = None


@dataclass(frozen=True)
class PolicyStatus:
    id: UUID
    unit_id: UUID
    covered: int
    #: Volunteers this write named or released.
    changed: list[UUID]


class Insurance:
    def __init__(self, aggregates: Aggregates, clock: Clock) -> None:
        self.aggregates = aggregates
        self.clock = clock

    def _today(self) -> date:
        return self.clock.now().astimezone(CHINA_TIME).date()

    def register(self, cmd: RegisterPolicy, actor: Actor) -> Decision[PolicyStatus]:
        """One policy number per insurer in the district."""
        unit = self.aggregates.named_unit(cmd.unit_id)
        actor.check_manages(unit)
        policy = InsurancePolicy.register(
            cmd.policy_id or uuid4(), unit.id, cmd.terms, self._today(), actor.label
        )
        key = f"{cmd.terms.insurer.strip()}\x00{cmd.terms.policy_number.strip()}"
        return Decision(
            [policy],
            PolicyStatus(policy.id, unit.id, 0, []),
            side_writes=[
                claims.claim(
                    "insurance_policy", hashlib.sha256(key.encode()).digest(), policy.id
                )
            ],
            claim_conflict=DuplicatePolicyNumber(
                "this insurer's policy number is already registered",
                field="policy_number",
            ),
        )

    def cover(self, cmd: ChangeCover, actor: Actor) -> Decision[PolicyStatus]:
        """Volunteers of the policy's unit and the units below it."""
        policy = self._policy(cmd.policy_id, actor)
        self._check_volunteers(policy, cmd.volunteer_ids)
        added = policy.cover(
            list(cmd.volunteer_ids), cmd.day, self._today(), actor.label
        )
        status = PolicyStatus(policy.id, policy.unit_id, len(policy.covered), added)
        return Decision([policy], status)

    def release(self, cmd: ChangeCover, actor: Actor) -> Decision[PolicyStatus]:
        policy = self._policy(cmd.policy_id, actor)
        policy.release(list(cmd.volunteer_ids), cmd.day, self._today(), actor.label)
        status = PolicyStatus(
            policy.id, policy.unit_id, len(policy.covered), list(cmd.volunteer_ids)
        )
        return Decision([policy], status)

    def _policy(self, policy_id: UUID, actor: Actor) -> InsurancePolicy:
        policy = self.aggregates.get(InsurancePolicy, policy_id, PolicyNotFound)
        actor.check_manages(self.aggregates.unit(policy.unit_id))
        return policy

    def _check_volunteers(
        self, policy: InsurancePolicy, volunteer_ids: tuple[UUID, ...]
    ) -> None:
        loaded = self.aggregates.load(*volunteer_ids)
        unit = self.aggregates.unit(policy.unit_id)
        for volunteer_id in volunteer_ids:
            volunteer = self.aggregates.named(
                Volunteer, volunteer_id, "volunteer_ids", loaded
            )
            if volunteer.unit_id == unit.id:
                continue
            if unit.id not in self.aggregates.unit(volunteer.unit_id).lineage:
                raise InvalidInput(
                    "volunteer_ids",
                    "volunteer_in_unit",
                    f"volunteer {volunteer_id} is not of the policy's unit or below",
                )
