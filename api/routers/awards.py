"""Awards (表彰) to volunteers, teams, projects and units, and the benefits
(礼遇优待) a star level or an award brings."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import (
    ActorDep,
    ContainerDep,
    IdempotencyHeader,
    PageDep,
    ReadAfter,
    SessionHeader,
    readable_subtree,
    scoped_key,
)
from api.routers.common import written
from api.routers.volunteers import readable_volunteer
from api.schemas.awards import (
    AwardIn,
    AwardOut,
    AwardWritten,
    BenefitOut,
    BenefitsIn,
    BenefitsWritten,
    VolunteerBenefitsOut,
)
from api.schemas.common import ReasonIn
from application.awards import GrantAward, RevokeAward, SaveBenefits
from domain.award import Benefit, RecipientKind, benefits_earned

router = APIRouter(prefix="/v1", tags=["awards and benefits"])


@router.post("/awards", status_code=201, response_model=AwardWritten)
def grant_award(
    body: AwardIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
    idempotency_key: IdempotencyHeader = None,
) -> AwardWritten:
    """表彰: staff in scope of the recipient's unit record an award to a volunteer,
    team or project; an award to a unit is recorded by the level above it."""
    key = scoped_key(actor, request, idempotency_key, body.model_dump(mode="json"))
    command = GrantAward(
        body.recipient_kind, body.recipient_id, body.citation_of(), body.award_id
    )
    outcome = container.commands.run(container.awards.grant, command, actor, key)
    return written(AwardWritten, outcome, response)


@router.post("/awards/{award_id}/revocation", response_model=AwardWritten)
def revoke_award(
    award_id: UUID,
    body: ReasonIn,
    response: Response,
    container: ContainerDep,
    actor: ActorDep,
) -> AwardWritten:
    """Revokes an award with a reason; it stays on record as revoked."""
    command = RevokeAward(award_id, body.reason)
    outcome = container.commands.run(container.awards.revoke, command, actor)
    return written(AwardWritten, outcome, response)


@router.get("/awards", response_model=list[AwardOut], dependencies=[ReadAfter])
def list_awards(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    unit_id: UUID | None = None,
    recipient_id: UUID | None = None,
    recipient_kind: RecipientKind | None = None,
) -> list[AwardOut]:
    """Awards to recipients of a unit and the units below it (coordinators: their
    scope), newest first."""
    within = readable_subtree(container, actor, unit_id)
    kind = recipient_kind.value if recipient_kind else None
    rows = container.programme.awards(
        within, recipient_id, kind, page.limit, page.offset
    )
    return [AwardOut.model_validate(r) for r in rows]


@router.get(
    "/volunteers/{volunteer_id}/awards",
    response_model=list[AwardOut],
    dependencies=[ReadAfter],
)
def volunteer_awards(
    volunteer_id: UUID, container: ContainerDep, actor: ActorDep
) -> list[AwardOut]:
    """The awards on a volunteer's profile, revoked ones included (marked)."""
    readable_volunteer(container, actor, volunteer_id)
    rows = container.programme.awards(None, volunteer_id, "volunteer", 500, 0)
    return [AwardOut.model_validate(r) for r in rows]


@router.put("/benefits", response_model=BenefitsWritten)
def save_benefits(
    body: BenefitsIn, response: Response, container: ContainerDep, actor: ActorDep
) -> BenefitsWritten:
    """礼遇优待: the district's list, as a whole; each entry is earned by a star
    level (at least) or by holding an award of a title."""
    command = SaveBenefits(tuple(b.benefit() for b in body.benefits))
    outcome = container.commands.run(container.awards.save_benefits, command, actor)
    return written(BenefitsWritten, outcome, response)


@router.get("/benefits", response_model=list[BenefitOut], dependencies=[ReadAfter])
def list_benefits(container: ContainerDep, actor: ActorDep) -> list[BenefitOut]:
    """The district's list of benefits and what earns each (any token)."""
    return [BenefitOut.model_validate(b) for b in container.programme.benefits()]


@router.get(
    "/volunteers/{volunteer_id}/benefits",
    response_model=VolunteerBenefitsOut,
    dependencies=[ReadAfter],
)
def volunteer_benefits(
    volunteer_id: UUID,
    container: ContainerDep,
    actor: ActorDep,
    kiosk_session: SessionHeader = None,
) -> VolunteerBenefitsOut:
    """The benefits a volunteer enjoys now, from its star level and the awards it
    holds. A kiosk reads them inside the volunteer's identified session."""
    row = readable_volunteer(container, actor, volunteer_id, kiosk_session)
    titles = [a["title"] for a in container.programme.standing_awards(volunteer_id)]
    catalogue = [
        Benefit(**{k: b[k] for k in Benefit.__dataclass_fields__})
        for b in container.programme.benefits()
    ]
    earned = benefits_earned(catalogue, row["star_level"], set(titles))
    return VolunteerBenefitsOut(
        volunteer_id=volunteer_id,
        star_level=row["star_level"],
        awards=titles,
        benefits=[BenefitOut.model_validate(b) for b in earned],
    )
