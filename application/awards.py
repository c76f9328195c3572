"""Awards (表彰) to volunteers, teams, projects and units, and the district's list
of benefits (礼遇优待)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID, uuid4

from application.aggregates import Aggregates, Clock
from application.executor import Decision
from domain.access import Actor, Role
from domain.award import (
    BENEFITS_ID,
    Award,
    Benefit,
    BenefitCatalogue,
    Citation,
    RecipientKind,
)
from domain.errors import AwardNotFound
from domain.organisation import Team, Unit
from domain.project import Project
from domain.reference import CHINA_TIME
from domain.volunteer import Volunteer


@dataclass(frozen=True)
class GrantAward:
    #: The field in which a client may choose the new aggregate's id.
    new_id_field: ClassVar[str] = "award_id"
    recipient_kind: RecipientKind
    recipient_id: UUID
    what: Citation
    award_id: UUID | None = None


@dataclass(frozen=True)
class RevokeAward:
    award_id: UUID
    reason: str


@dataclass(frozen=True)
class SaveBenefits:
    benefits: tuple[Benefit, ...]


@dataclass(frozen=True)
class AwardStatus:
    id: UUID
    recipient_kind: RecipientKind
    recipient_id: UUID
    unit_id: UUID
    title: str
    revoked: bool

    @classmethod
    def of(cls, award: Award) -> AwardStatus:
        return cls(
            award.id,
            award.recipient_kind,
            award.recipient_id,
            award.unit_id,
            award.title,
            award.revoked,
        )


@dataclass(frozen=True)
class BenefitsSaved:
    benefits: int
    version: int


#: What a recipient of each kind is, for a 422 naming `recipient_id`.
RECIPIENTS: dict[RecipientKind, type] = {
    RecipientKind.VOLUNTEER: Volunteer,
    RecipientKind.TEAM: Team,
    RecipientKind.PROJECT: Project,
    RecipientKind.UNIT: Unit,
}


class Awards:
    def __init__(self, aggregates: Aggregates, clock: Clock) -> None:
        self.aggregates = aggregates
        self.clock = clock

    def grant(self, cmd: GrantAward, actor: Actor) -> Decision[AwardStatus]:
        """Staff in scope of the recipient's unit record an award to a volunteer,
        team or project; an award to a unit is recorded by the level above it."""
        unit_id = self._recipient_unit(cmd.recipient_kind, cmd.recipient_id)
        self._check_may_award(actor, cmd.recipient_kind, unit_id)
        today = self.clock.now().astimezone(CHINA_TIME).date()
        award = Award.grant(
            cmd.award_id or uuid4(),
            cmd.recipient_kind,
            cmd.recipient_id,
            unit_id,
            cmd.what,
            today,
            actor.label,
        )
        return Decision([award], AwardStatus.of(award))

    def revoke(self, cmd: RevokeAward, actor: Actor) -> Decision[AwardStatus]:
        award = self.aggregates.get(Award, cmd.award_id, AwardNotFound)
        self._check_may_award(actor, award.recipient_kind, award.unit_id)
        award.revoke(cmd.reason, actor.label)
        return Decision([award], AwardStatus.of(award))

    def save_benefits(self, cmd: SaveBenefits, actor: Actor) -> Decision[BenefitsSaved]:
        actor.check_role(Role.ADMIN)
        catalogue = self.aggregates.find(BenefitCatalogue, BENEFITS_ID)
        if catalogue is not None:
            catalogue.revise(list(cmd.benefits), actor.label)
        else:
            catalogue = BenefitCatalogue.draw_up(list(cmd.benefits), actor.label)
        saved = BenefitsSaved(len(cmd.benefits), catalogue.version)
        return Decision([catalogue], saved)

    def _recipient_unit(self, kind: RecipientKind, recipient_id: UUID) -> UUID:
        recipient: Any = self.aggregates.named(
            RECIPIENTS[kind], recipient_id, "recipient_id"
        )
        if isinstance(recipient, Unit):
            return recipient.id
        unit_id: UUID = recipient.unit_id
        return unit_id

    def _check_may_award(
        self, actor: Actor, kind: RecipientKind, unit_id: UUID
    ) -> None:
        unit = self.aggregates.unit(unit_id)
        if kind is not RecipientKind.UNIT:
            actor.check_manages(unit)
        elif unit.parent_id is None:
            actor.check_role(Role.ADMIN)
        else:
            actor.check_manages(self.aggregates.unit(unit.parent_id))
