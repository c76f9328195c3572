"""The project library (项目库) and brand projects: staff routes, and the public
read-only view of the projects in the library."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    check_reads_unit,
    readable_subtree,
    scoped_key,
)
from api.problems import ApiProblem
from api.routers.common import written
from api.schemas.common import ReasonIn
from api.schemas.projects import (
    CitationIn,
    OpinionIn,
    ProgressIn,
    ProjectIn,
    ProjectOut,
    ProjectPlanIn,
    ProjectReviewIn,
    ProjectSummaryOut,
    ProjectWritten,
    PublicProjectOut,
    SummaryIn,
)
from application.projects import (
    CloseProject,
    DecideProject,
    ProposeProject,
    PublishProgress,
    ReviewProject,
    ReviseProject,
    SetBrand,
)
from application.services import Container
from domain.project import PUBLISHED_STATES, ProjectState

router = APIRouter(prefix="/v1", tags=["projects"])
PUBLISHED = sorted(s.value for s in PUBLISHED_STATES)


@router.post("/projects", status_code=201, response_model=ProjectWritten)
def propose_project(
    body: ProjectIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> ProjectWritten:
    """征集: a unit proposes a project, run by teams of the unit or below it."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = ProposeProject(body.unit_id, body.plan(), body.project_id)
    outcome = container.commands.run(container.projects.propose, command, actor, key)
    return written(ProjectWritten, outcome, response)


@router.put("/projects/{project_id}/plan", response_model=ProjectWritten)
def revise_project(
    project_id: UUID,
    body: ProjectPlanIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """完善: the proposing unit revises a returned project; it is reviewed again."""
    command = ReviseProject(project_id, body.plan())
    outcome = container.commands.run(container.projects.revise, command, actor)
    return written(ProjectWritten, outcome, response)


@router.post(
    "/projects/{project_id}/reviews", status_code=201, response_model=ProjectWritten
)
def review_project(
    project_id: UUID,
    body: ProjectReviewIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """专家评审: staff of another unit score (0–100) and give an opinion, once per
    round each."""
    command = ReviewProject(project_id, body.score, body.opinion)
    outcome = container.commands.run(container.projects.review, command, actor)
    return written(ProjectWritten, outcome, response)


@router.post("/projects/{project_id}/admission", response_model=ProjectWritten)
def admit_project(
    project_id: UUID,
    body: OpinionIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """入库: the unit above admits a reviewed project to the library (an admin
    for the centre's own)."""
    command = DecideProject(project_id, True, body.opinion)
    outcome = container.commands.run(container.projects.decide, command, actor)
    return written(ProjectWritten, outcome, response)


@router.post("/projects/{project_id}/return", response_model=ProjectWritten)
def return_project(
    project_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """退回完善: the unit above returns it with a reason."""
    command = DecideProject(project_id, False, body.reason)
    outcome = container.commands.run(container.projects.decide, command, actor)
    return written(ProjectWritten, outcome, response)


@router.post(
    "/projects/{project_id}/progress", status_code=201, response_model=ProjectWritten
)
def publish_progress(
    project_id: UUID,
    body: ProgressIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """公示: a progress notice of an admitted project, shown on the public page."""
    command = PublishProgress(project_id, body.title, body.text)
    outcome = container.commands.run(
        container.projects.publish_progress, command, actor
    )
    return written(ProjectWritten, outcome, response)


@router.post("/projects/{project_id}/close", response_model=ProjectWritten)
def close_project(
    project_id: UUID,
    body: SummaryIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """结项: closes an admitted project with its summary."""
    command = CloseProject(project_id, body.summary)
    outcome = container.commands.run(container.projects.close, command, actor)
    return written(ProjectWritten, outcome, response)


@router.post("/projects/{project_id}/brand", response_model=ProjectWritten)
def designate_brand(
    project_id: UUID,
    body: CitationIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """品牌项目: the level above designates an admitted project a brand project."""
    command = SetBrand(project_id, True, body.citation)
    outcome = container.commands.run(container.projects.set_brand, command, actor)
    return written(ProjectWritten, outcome, response)


@router.post("/projects/{project_id}/brand/withdrawal", response_model=ProjectWritten)
def withdraw_brand(
    project_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> ProjectWritten:
    """The level above withdraws the brand title, with a reason."""
    command = SetBrand(project_id, False, body.reason)
    outcome = container.commands.run(container.projects.set_brand, command, actor)
    return written(ProjectWritten, outcome, response)


@router.get(
    "/projects", response_model=list[ProjectSummaryOut], dependencies=[ReadAfter]
)
def list_projects(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: UUID | None = None,
    state: ProjectState | None = None,
    brand: bool | None = None,
) -> list[ProjectSummaryOut]:
    """Projects of a unit and the units below it, in every state (coordinators:
    their scope; without unit_id, their own unit)."""
    within = readable_subtree(container, actor, unit_id)
    states = [state.value] if state else None
    rows = container.programme.projects(within, states, brand, page.limit, page.offset)
    return [ProjectSummaryOut.model_validate(r) for r in rows]


@router.get(
    "/projects/{project_id}", response_model=ProjectOut, dependencies=[ReadAfter]
)
def get_project(
    project_id: UUID, container: ContainerDep, actor: ActorDep
) -> ProjectOut:
    """One project with its reviews, progress and what its work added up to."""
    row = _project_row(container, project_id, published_only=False)
    check_reads_unit(container, actor, row["unit_id"])
    return ProjectOut.model_validate(
        {
            **_public_fields(container, row),
            "reviews": container.programme.project_reviews(project_id),
        }
    )


@router.get(
    "/public/projects",
    response_model=list[ProjectSummaryOut],
    dependencies=[ReadAfter],
)
def public_projects(
    container: ContainerDep,
    page: PageDep,
    unit_id: UUID | None = None,
    brand: bool | None = None,
) -> list[ProjectSummaryOut]:
    """The library as the public sees it (no token): admitted and closed projects
    of a unit and below, brand projects first."""
    rows = container.programme.projects(
        unit_id, PUBLISHED, brand, page.limit, page.offset
    )
    return [ProjectSummaryOut.model_validate(r) for r in rows]


@router.get(
    "/public/projects/{project_id}",
    response_model=PublicProjectOut,
    dependencies=[ReadAfter],
)
def public_project(project_id: UUID, container: ContainerDep) -> PublicProjectOut:
    """A project in the library with its progress notices and totals; proposals
    not yet admitted are not found here."""
    row = _project_row(container, project_id, published_only=True)
    return PublicProjectOut.model_validate(_public_fields(container, row))


def _project_row(
    container: Container, project_id: UUID, published_only: bool
) -> dict[str, Any]:
    row = container.programme.project(project_id)
    if row is None or (published_only and row["state"] not in PUBLISHED):
        raise ApiProblem(404, "project_exists", "Not found", f"no project {project_id}")
    return row


def _public_fields(container: Container, row: dict[str, Any]) -> dict[str, Any]:
    names = container.programme.team_names(row["team_ids"])
    return {
        **row,
        "teams": [{"id": t, "name": names.get(t, "")} for t in row["team_ids"]],
        "progress": container.programme.project_progress(row["id"]),
        "totals": container.programme.project_totals(row["id"]),
    }
