"""The project library: propose, review, admit or return, revise, publish progress,
close; brand projects designated and withdrawn by the level above."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from application.teams import check_teams_in_unit
from domain.access import Actor, Role
from domain.errors import InvalidInput, ProjectNotFound
from domain.organisation import Unit
from domain.project import Project, ProjectPlan, ProjectState


@dataclass(frozen=True)
class ProposeProject:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "project_id"
    unit_id: UUID
    plan: ProjectPlan
    project_id: UUID | None = None


@dataclass(frozen=True)
class ReviseProject:
    project_id: UUID
    plan: ProjectPlan


@dataclass(frozen=True)
class ReviewProject:
    project_id: UUID
    score: int
    opinion: str


@dataclass(frozen=True)
class DecideProject:
    """The unit above admits the project to the library or returns it."""

    project_id: UUID
    admit: bool
    text: str


@dataclass(frozen=True)
class PublishProgress:
    project_id: UUID
    title: str
    text: str


@dataclass(frozen=True)
class CloseProject:
    project_id: UUID
    summary: str


@dataclass(frozen=True)
class SetBrand:
    """Designate (with a citation) or withdraw (with a reason) the brand title."""

    project_id: UUID
    brand: bool
    text: str


@dataclass(frozen=True)
class ProjectStatus:
    id: UUID
    unit_id: UUID
    name: str
    state: ProjectState
    round: int
    brand: bool

    @classmethod
    def of(cls, project: Project) -> ProjectStatus:
        return cls(
            project.id,
            project.unit_id,
            project.plan["name"],
            project.state,
            project.round,
            project.brand,
        )


def running_project(
    aggregates: Aggregates, project_id: UUID, unit: Unit, team_id: UUID | None
) -> Project:
    """A project an activity or an order joins: admitted, at or above the unit of
    the work, and run by the team doing it (when a team does it)."""
    project = aggregates.named(Project, project_id, "project_id")
    project.check_takes_work()
    if project.unit_id != unit.id and project.unit_id not in unit.lineage:
        raise InvalidInput(
            "project_id",
            "project_covers_unit",
            "the project belongs to a unit that does not cover this one",
        )
    if team_id is not None and team_id not in project.team_ids:
        raise InvalidInput(
            "project_id", "team_runs_project", "the team does not run this project"
        )
    return project


class Projects:
    def __init__(self, aggregates: Aggregates, clock: Clock) -> None:
        self.aggregates = aggregates
        self.clock = clock

    def project(self, project_id: UUID) -> Project:
        return self.aggregates.get(Project, project_id, ProjectNotFound)

    def propose(self, cmd: ProposeProject, actor: Actor) -> Decision[ProjectStatus]:
        unit = self.aggregates.named_unit(cmd.unit_id)
        actor.check_manages(unit)
        check_teams_in_unit(self.aggregates, unit, cmd.plan.team_ids, "team_ids")
        project = Project.propose(
            cmd.project_id or uuid4(),
            unit.id,
            cmd.plan,
            actor.label,
            self.clock.now(),
        )
        return Decision([project], ProjectStatus.of(project))

    def revise(self, cmd: ReviseProject, actor: Actor) -> Decision[ProjectStatus]:
        project = self.project(cmd.project_id)
        unit = self.aggregates.unit(project.unit_id)
        actor.check_manages(unit)
        check_teams_in_unit(self.aggregates, unit, cmd.plan.team_ids, "team_ids")
        project.revise(cmd.plan, actor.label, self.clock.now())
        return Decision([project], ProjectStatus.of(project))

    def review(self, cmd: ReviewProject, actor: Actor) -> Decision[ProjectStatus]:
        """Any staff member of another unit reviews as an expert, once a round."""
        actor.check_role(Role.ADMIN, Role.COORDINATOR)
        project = self.project(cmd.project_id)
        project.review(
            str(actor.token_id),
            f"{actor.role.value}:{actor.name}",
            actor.unit_id,
            cmd.score,
            cmd.opinion,
            actor.label,
        )
        return Decision([project], ProjectStatus.of(project))

    def decide(self, cmd: DecideProject, actor: Actor) -> Decision[ProjectStatus]:
        project = self.project(cmd.project_id)
        self._check_level_above(project, actor)
        if cmd.admit:
            project.admit(cmd.text, actor.label)
        else:
            project.return_for_improvement(cmd.text, actor.label)
        return Decision([project], ProjectStatus.of(project))

    def publish_progress(
        self, cmd: PublishProgress, actor: Actor
    ) -> Decision[ProjectStatus]:
        project = self.project(cmd.project_id)
        actor.check_manages(self.aggregates.unit(project.unit_id))
        project.publish_progress(cmd.title, cmd.text, actor.label)
        return Decision([project], ProjectStatus.of(project))

    def close(self, cmd: CloseProject, actor: Actor) -> Decision[ProjectStatus]:
        project = self.project(cmd.project_id)
        actor.check_manages(self.aggregates.unit(project.unit_id))
        project.close(cmd.summary, actor.label)
        return Decision([project], ProjectStatus.of(project))

    def set_brand(self, cmd: SetBrand, actor: Actor) -> Decision[ProjectStatus]:
        project = self.project(cmd.project_id)
        self._check_level_above(project, actor)
        if cmd.brand:
            project.designate_brand(cmd.text, actor.label)
        else:
            project.withdraw_brand(cmd.text, actor.label)
        return Decision([project], ProjectStatus.of(project))

    def _check_level_above(self, project: Project, actor: Actor) -> None:
        """The unit above decides; an admin decides for the centre's projects."""
        unit = self.aggregates.unit(project.unit_id)
        if unit.parent_id is None:
            actor.check_role(Role.ADMIN)
            return
        actor.check_manages(self.aggregates.unit(unit.parent_id))
