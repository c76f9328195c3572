"""Accident insurance (人身意外伤害综合保险, seed 002): a unit's policies and the
volunteers each covers.

A volunteer named on a policy is covered from the day it was named (or a later day
given), never before the policy starts, until the policy ends or the volunteer is
released from it. Service on a day no policy covered is "serving without cover"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import InvalidInput, NotCovered
from domain.instants import check_day
from domain.order import check_text

MAX_POLICY_DAYS = 5 * 366
MAX_NAMED = 5000


@dataclass(frozen=True)
class PolicyTerms:
    insurer: str
    policy_number: str
    starts_on: date
    ends_on: date

    def check(self, today: date) -> None:
        check_text("insurer", self.insurer, 100)
        check_text("policy_number", self.policy_number, 64)
        latest = today + timedelta(days=731)
        check_day("starts_on", self.starts_on, latest)
        check_day("ends_on", self.ends_on, latest)
        if self.ends_on < self.starts_on:
            raise InvalidInput("ends_on", "end_after_start", "must not be before start")
        if (self.ends_on - self.starts_on).days > MAX_POLICY_DAYS:
            raise InvalidInput("ends_on", "period_length", "at most five years")


def check_named(volunteer_ids: list[UUID]) -> None:
    if not 1 <= len(volunteer_ids) <= MAX_NAMED:
        raise InvalidInput("volunteer_ids", "volunteers_count", f"1 to {MAX_NAMED}")
    if len(set(volunteer_ids)) != len(volunteer_ids):
        raise InvalidInput("volunteer_ids", "unique_volunteers", "listed twice")


class InsurancePolicy(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(policy_id: UUID, **_: Any) -> UUID:
        return policy_id

    @event("Registered")
    def __init__(
        self,
        policy_id: UUID,
        unit_id: UUID,
        insurer: str,
        policy_number: str,
        starts_on: date,
        ends_on: date,
        actor: str,
    ) -> None:
        self.unit_id = unit_id
        self.starts_on = starts_on
        self.ends_on = ends_on
        #: Who is covered now, from which day.
        self.covered: dict[UUID, date] = {}

    @classmethod
    def register(
        cls, policy_id: UUID, unit_id: UUID, terms: PolicyTerms, today: date, actor: str
    ) -> InsurancePolicy:
        terms.check(today)
        return cls(
            policy_id=policy_id,
            unit_id=unit_id,
            insurer=terms.insurer.strip(),
            policy_number=terms.policy_number.strip(),
            starts_on=terms.starts_on,
            ends_on=terms.ends_on,
            actor=actor,
        )

    def cover(
        self, volunteer_ids: list[UUID], from_day: date | None, today: date, actor: str
    ) -> list[UUID]:
        """Names volunteers on the policy from `from_day` (default today, and never
        before the policy starts); those already covered are left as they are.
        Returns the newly covered."""
        check_named(volunteer_ids)
        day = max(from_day or today, self.starts_on)
        if day > self.ends_on:
            raise InvalidInput("from_day", "within_policy", "after the policy ends")
        added = [v for v in volunteer_ids if v not in self.covered]
        if added:
            self._covered(volunteer_ids=added, from_day=day, actor=actor)
        return added

    @event("VolunteersCovered")
    def _covered(self, volunteer_ids: list[UUID], from_day: date, actor: str) -> None:
        for volunteer_id in volunteer_ids:
            self.covered[volunteer_id] = from_day

    def release(
        self, volunteer_ids: list[UUID], on_day: date | None, today: date, actor: str
    ) -> None:
        """Cover ends after `on_day` (default today)."""
        check_named(volunteer_ids)
        if missing := [v for v in volunteer_ids if v not in self.covered]:
            raise NotCovered(
                f"not covered by this policy: {missing[0]}", field="volunteer_ids"
            )
        day = on_day or today
        if any(day < self.covered[v] for v in volunteer_ids):
            raise InvalidInput("on_day", "after_cover_began", "before the cover began")
        if day > self.ends_on:
            raise InvalidInput("on_day", "within_policy", "after the policy ends")
        self._released(volunteer_ids=volunteer_ids, on_day=day, actor=actor)

    @event("VolunteersReleased")
    def _released(self, volunteer_ids: list[UUID], on_day: date, actor: str) -> None:
        for volunteer_id in volunteer_ids:
            del self.covered[volunteer_id]
