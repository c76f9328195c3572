"""Accident insurance policies of a unit and the volunteers they cover."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor
from domain.errors import DuplicatePolicyNumber, InvalidInput, PolicyNotFound
from domain.instants import check_day
from domain.insurance import InsurancePolicy, PolicyTerms
from domain.reference import CHINA_TIME
from domain.volunteer import Volunteer
from infra import claims
from infra.tabular import Column, Table
from projections.programme import ProgrammeReads


@dataclass(frozen=True)
class RegisterPolicy:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "policy_id"
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
        field = "volunteer_ids"
        loaded = self.aggregates.load(*volunteer_ids)
        units = {
            v: self.aggregates.named(Volunteer, v, field, loaded).unit_id
            for v in volunteer_ids
        }
        unit = self.aggregates.unit(policy.unit_id)
        self.aggregates.check_below(
            unit, units, field, "volunteer", "the policy's unit or below"
        )


#: The longest span the uninsured report covers at once.
MAX_REPORT_DAYS = 366
UNINSURED_COLUMNS = (
    Column("volunteer_number", "志愿者编号"),
    Column("name_masked", "姓名"),
    Column("unit_id", "所属单位"),
    Column("entries", "无保障服务次数"),
    Column("hours", "无保障服务时长"),
    Column("first_day", "首次"),
    Column("last_day", "末次"),
)


@dataclass(frozen=True)
class UninsuredQuery:
    """Who served on a day of [first, last] (China time) with no cover, within a
    unit's subtree (None: the whole district)."""

    first: date
    last: date
    within_unit: UUID | None = None

    def check(self, today: date) -> None:
        check_day("from", self.first, today)
        check_day("to", self.last, today)
        if self.last < self.first:
            raise InvalidInput("to", "end_after_start", "must not be before from")
        if (self.last - self.first).days >= MAX_REPORT_DAYS:
            raise InvalidInput("to", "span_at_most_a_year", "at most 366 days")


def uninsured(
    programme: ProgrammeReads, query: UninsuredQuery, today: date
) -> list[dict[str, Any]]:
    query.check(today)
    unit = query.within_unit
    if unit is not None and programme.reads.unit(unit) is None:
        raise InvalidInput("unit_id", "unit_exists", f"no unit {unit}")
    return programme.uninsured(unit, query.first, query.last)


def uninsured_table(rows: list[dict[str, Any]]) -> Table:
    keys = [c.key for c in UNINSURED_COLUMNS]
    return Table("无保险服务", UNINSURED_COLUMNS, ([r[k] for k in keys] for r in rows))
