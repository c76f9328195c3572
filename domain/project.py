"""The project library (项目库) and brand projects (品牌项目), seed 003 §三.3.

A unit proposes a volunteer-service project (征集); experts review it, each with a
score and an opinion (专家评审), never one of their own unit's projects; the unit
above admits it to the library (入库) or returns it for improvement (完善), after
which the proposer revises and it is reviewed again. An admitted project publishes
its progress (公示) and closes with a summary. The level above may designate an
admitted project a brand project (品牌项目) and withdraw the title."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import (
    AlreadyReviewed,
    IllegalTransition,
    InvalidInput,
    ReviewOfOwnUnit,
    ReviewsMissing,
)
from domain.instants import PLAN_HORIZON, check_day
from domain.order import check_text
from domain.reference import CHINA_TIME, check_category
from domain.volunteer import check_reason

#: A project's period spans at most this many days (a multi-year programme is
#: proposed again for its next period).
MAX_PERIOD_DAYS = 5 * 366
MAX_PLACES = 20
MAX_TEAMS = 20
#: Reviews the current round needs before the unit above decides.
MIN_REVIEWS = 1


class ProjectState(StrEnum):
    PROPOSED = "proposed"  # 申报, awaiting review and decision
    RETURNED = "returned"  # 退回完善
    ADMITTED = "admitted"  # 入库
    CLOSED = "closed"  # 结项


#: The states in which a project is in the library and shown to the public.
PUBLISHED_STATES = frozenset({ProjectState.ADMITTED, ProjectState.CLOSED})


@dataclass(frozen=True)
class ProjectPlan:
    """What a proposal says, checked as a whole."""

    name: str
    category: str
    subcategory: str | None
    goals: str
    places: tuple[str, ...]
    starts_on: date
    ends_on: date
    team_ids: tuple[UUID, ...]
    budget_note: str = ""

    def check(self, today: date) -> None:
        check_text("name", self.name, 100)
        check_category(self.category, self.subcategory)
        check_text("goals", self.goals, 2000)
        if not 1 <= len(self.places) <= MAX_PLACES:
            raise InvalidInput("places", "places_count", f"1 to {MAX_PLACES} places")
        for place in self.places:
            check_text("places", place, 200)
        latest = today + PLAN_HORIZON
        check_day("starts_on", self.starts_on, latest)
        check_day("ends_on", self.ends_on, latest)
        if self.ends_on < self.starts_on:
            raise InvalidInput("ends_on", "end_after_start", "must not be before start")
        if (self.ends_on - self.starts_on).days > MAX_PERIOD_DAYS:
            raise InvalidInput("ends_on", "period_length", "at most five years")
        if not 1 <= len(self.team_ids) <= MAX_TEAMS:
            raise InvalidInput("team_ids", "teams_count", f"1 to {MAX_TEAMS} teams")
        if len(set(self.team_ids)) != len(self.team_ids):
            raise InvalidInput("team_ids", "teams_distinct", "a team is named twice")
        if len(self.budget_note) > 500:
            raise InvalidInput("budget_note", "budget_note_length", "at most 500")

    def as_event(self) -> dict[str, Any]:
        return {
            "name": self.name.strip(),
            "category": self.category,
            "subcategory": self.subcategory,
            "goals": self.goals.strip(),
            "places": [p.strip() for p in self.places],
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "team_ids": list(self.team_ids),
            "budget_note": self.budget_note.strip(),
        }


def check_score(score: int) -> None:
    if not 0 <= score <= 100:
        raise InvalidInput("score", "score_range", "0 to 100")


class Project(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(project_id: UUID, **_: Any) -> UUID:
        return project_id

    @event("Proposed")
    def __init__(
        self, project_id: UUID, unit_id: UUID, plan: dict[str, Any], actor: str
    ) -> None:
        self.unit_id = unit_id
        self.plan = plan
        self.state = ProjectState.PROPOSED
        self.round = 1
        #: Who reviewed the current round (login or token ids).
        self.reviewers: set[str] = set()
        self.brand = False

    @classmethod
    def propose(
        cls,
        project_id: UUID,
        unit_id: UUID,
        plan: ProjectPlan,
        actor: str,
        now: datetime,
    ) -> Project:
        plan.check(now.astimezone(CHINA_TIME).date())
        return cls(
            project_id=project_id, unit_id=unit_id, plan=plan.as_event(), actor=actor
        )

    @property
    def team_ids(self) -> list[UUID]:
        return [UUID(str(t)) for t in self.plan["team_ids"]]

    def check_state(self, command: str, *allowed: ProjectState) -> None:
        if self.state not in allowed:
            raise IllegalTransition(
                f"cannot {command}: the project is {self.state.value}",
                state=self.state.value,
            )

    # -- review and decision (评审, 入库 or 退回) --------------------------------------

    class Reviewed(Aggregate.Event):
        """An expert's review. `reviewer_id` is who reviewed (a login, or a
        machine token): one review a round each is kept by it; `reviewer` is the
        role and name shown."""

        class_version = 2
        reviewer: str
        reviewer_id: str
        round: int
        score: int
        opinion: str
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 named the reviewer by role and masked name only; who it
            was is the id that ends the actor's label (role:name:id)."""
            state["reviewer_id"] = str(state["actor"]).rsplit(":", 1)[-1]

    def review(
        self,
        reviewer_id: str,
        reviewer: str,
        reviewer_unit_id: UUID | None,
        score: int,
        opinion: str,
        actor: str,
    ) -> None:
        self.check_state("review", ProjectState.PROPOSED)
        if reviewer_unit_id == self.unit_id:
            raise ReviewOfOwnUnit(
                "a reviewer may not review a project of its own unit", field="reviewer"
            )
        if reviewer_id in self.reviewers:
            raise AlreadyReviewed(
                f"{reviewer} ({reviewer_id}) already reviewed this round",
                field="reviewer",
            )
        check_score(score)
        check_text("opinion", opinion, 2000)
        self._reviewed(
            reviewer=reviewer,
            reviewer_id=reviewer_id,
            round=self.round,
            score=score,
            opinion=opinion.strip(),
            actor=actor,
        )

    @event(Reviewed)
    def _reviewed(
        self,
        reviewer: str,
        reviewer_id: str,
        round: int,
        score: int,
        opinion: str,
        actor: str,
    ) -> None:
        self.reviewers.add(reviewer_id)

    def admit(self, opinion: str, actor: str) -> None:
        self.check_state("admit", ProjectState.PROPOSED)
        if len(self.reviewers) < MIN_REVIEWS:
            raise ReviewsMissing("an expert must review the project first")
        check_text("opinion", opinion, 2000)
        self._admitted(opinion=opinion.strip(), actor=actor)

    @event("Admitted")
    def _admitted(self, opinion: str, actor: str) -> None:
        self.state = ProjectState.ADMITTED

    def return_for_improvement(self, reason: str, actor: str) -> None:
        self.check_state("return", ProjectState.PROPOSED)
        check_reason(reason)
        self._returned(reason=reason.strip(), actor=actor)

    @event("Returned")
    def _returned(self, reason: str, actor: str) -> None:
        self.state = ProjectState.RETURNED

    def revise(self, plan: ProjectPlan, actor: str, now: datetime) -> None:
        self.check_state("revise", ProjectState.RETURNED)
        plan.check(now.astimezone(CHINA_TIME).date())
        self._revised(plan=plan.as_event(), actor=actor)

    @event("Revised")
    def _revised(self, plan: dict[str, Any], actor: str) -> None:
        self.plan = plan
        self.state = ProjectState.PROPOSED
        self.round += 1
        self.reviewers = set()

    # -- running it (公示, 结项) ----------------------------------------------------

    def publish_progress(self, title: str, text: str, actor: str) -> None:
        self.check_state("publish progress", ProjectState.ADMITTED)
        check_text("title", title, 100)
        check_text("text", text, 4000)
        self._progress_published(title=title.strip(), text=text.strip(), actor=actor)

    @event("ProgressPublished")
    def _progress_published(self, title: str, text: str, actor: str) -> None:
        pass

    def close(self, summary: str, actor: str) -> None:
        self.check_state("close", ProjectState.ADMITTED)
        check_text("summary", summary, 4000)
        self._closed(summary=summary.strip(), actor=actor)

    @event("Closed")
    def _closed(self, summary: str, actor: str) -> None:
        self.state = ProjectState.CLOSED

    def check_takes_work(self) -> None:
        """Activities and orders join a project while it runs (admitted)."""
        if self.state is not ProjectState.ADMITTED:
            raise InvalidInput(
                "project_id",
                "project_admitted",
                f"the project is {self.state.value}, not admitted to the library",
            )

    # -- brand (品牌项目) -----------------------------------------------------------

    def designate_brand(self, citation: str, actor: str) -> None:
        self.check_state("designate a brand", ProjectState.ADMITTED)
        if self.brand:
            raise IllegalTransition("already a brand project", state="brand")
        check_text("citation", citation, 500)
        self._brand_designated(
            unit_id=self.unit_id, citation=citation.strip(), actor=actor
        )

    @event("BrandDesignated")
    def _brand_designated(self, unit_id: UUID, citation: str, actor: str) -> None:
        self.brand = True

    def withdraw_brand(self, reason: str, actor: str) -> None:
        if not self.brand:
            raise IllegalTransition("not a brand project", state=self.state.value)
        check_reason(reason)
        self._brand_withdrawn(unit_id=self.unit_id, reason=reason.strip(), actor=actor)

    @event("BrandWithdrawn")
    def _brand_withdrawn(self, unit_id: UUID, reason: str, actor: str) -> None:
        self.brand = False
