"""Recognition (表彰) and the benefits it brings (礼遇优待).

An award names its recipient (a volunteer, a team, a project or a unit), the
awarding body, the day and the citation; it can be revoked with a reason. The
district keeps one list of benefits (礼遇优待), each earned by a star level or by
holding an award of a given title; which a volunteer enjoys follows from its star
level and its awards."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CopiedCheaply
from domain.errors import IllegalTransition, InvalidInput
from domain.ids import NAMESPACE
from domain.instants import check_day
from domain.order import check_text
from domain.volunteer import check_reason

#: Titles the seeds name, offered as suggestions; any title may be given.
SUGGESTED_TITLES = (
    "最美志愿者",
    "优秀志愿者",
    "优秀志愿服务项目",
    "优秀志愿服务组织",
    "最佳志愿服务项目",
    "最佳志愿服务组织",
    "最美志愿服务社区",
    "志愿服务先进典型",
)
MAX_BENEFITS = 100
BENEFITS_ID = uuid5(NAMESPACE, "benefit-catalogue")


class RecipientKind(StrEnum):
    VOLUNTEER = "volunteer"
    TEAM = "team"
    PROJECT = "project"
    UNIT = "unit"


class AwardLevel(StrEnum):
    NATIONAL = "national"  # 国家级
    PROVINCIAL = "provincial"  # 省级
    CITY = "city"  # 市级
    COUNTY = "county"  # 县（区）级
    TOWN = "town"  # 镇（街道）级


LEVEL_LABELS = {
    AwardLevel.NATIONAL: "国家级",
    AwardLevel.PROVINCIAL: "省级",
    AwardLevel.CITY: "市级",
    AwardLevel.COUNTY: "县（区）级",
    AwardLevel.TOWN: "镇（街道）级",
}


@dataclass(frozen=True)
class Citation:
    """What an award says."""

    title: str
    level: AwardLevel
    awarding_body: str
    awarded_on: date
    citation: str

    def check(self, today: date) -> None:
        check_text("title", self.title, 50)
        check_text("awarding_body", self.awarding_body, 100)
        check_day("awarded_on", self.awarded_on, today, "not_in_future")
        check_text("citation", self.citation, 1000)


class Award(CopiedCheaply, Aggregate):
    @staticmethod
    def create_id(award_id: UUID, **_: Any) -> UUID:
        return award_id

    @event("Granted")
    def __init__(
        self,
        award_id: UUID,
        recipient_kind: str,
        recipient_id: UUID,
        unit_id: UUID,
        title: str,
        level: str,
        awarding_body: str,
        awarded_on: date,
        citation: str,
        actor: str,
    ) -> None:
        self.recipient_kind = RecipientKind(recipient_kind)
        self.recipient_id = recipient_id
        self.unit_id = unit_id
        self.title = title
        self.revoked = False

    @classmethod
    def grant(
        cls,
        award_id: UUID,
        recipient_kind: RecipientKind,
        recipient_id: UUID,
        unit_id: UUID,
        what: Citation,
        today: date,
        actor: str,
    ) -> Award:
        what.check(today)
        return cls(
            award_id=award_id,
            recipient_kind=recipient_kind.value,
            recipient_id=recipient_id,
            unit_id=unit_id,
            title=what.title.strip(),
            level=what.level.value,
            awarding_body=what.awarding_body.strip(),
            awarded_on=what.awarded_on,
            citation=what.citation.strip(),
            actor=actor,
        )

    def revoke(self, reason: str, actor: str) -> None:
        if self.revoked:
            raise IllegalTransition("the award is already revoked", state="revoked")
        check_reason(reason)
        self._revoked(reason=reason.strip(), actor=actor)

    @event("Revoked")
    def _revoked(self, reason: str, actor: str) -> None:
        self.revoked = True


# -- 礼遇优待 ---------------------------------------------------------------------


@dataclass(frozen=True)
class Benefit:
    """One benefit, earned by a star level (at least) or by an award's title."""

    code: str
    label: str
    description: str
    provider: str
    min_star_level: int | None = None
    award_title: str | None = None

    def check(self, index: int) -> None:
        field = f"benefits[{index}]"
        if not self.code.isascii() or not self.code.replace("_", "").isalnum():
            raise InvalidInput(f"{field}.code", "code_format", "letters, digits, _")
        check_text(f"{field}.code", self.code, 40)
        check_text(f"{field}.label", self.label, 50)
        check_text(f"{field}.description", self.description, 500)
        check_text(f"{field}.provider", self.provider, 100)
        if (self.min_star_level is None) == (self.award_title is None):
            raise InvalidInput(
                f"{field}.min_star_level",
                "one_condition",
                "give either min_star_level or award_title",
            )
        if self.min_star_level is not None and not 1 <= self.min_star_level <= 5:
            raise InvalidInput(f"{field}.min_star_level", "star_level_range", "1 to 5")
        if self.award_title is not None:
            check_text(f"{field}.award_title", self.award_title, 50)

    def earned_by(self, star_level: int, award_titles: set[str]) -> bool:
        if self.min_star_level is not None:
            return star_level >= self.min_star_level
        return self.award_title in award_titles


def check_benefits(benefits: list[Benefit]) -> None:
    if len(benefits) > MAX_BENEFITS:
        raise InvalidInput("benefits", "benefits_count", f"at most {MAX_BENEFITS}")
    if len({b.code for b in benefits}) != len(benefits):
        raise InvalidInput("benefits", "codes_distinct", "a code is used twice")
    for index, benefit in enumerate(benefits):
        benefit.check(index)


def benefits_earned(
    benefits: Iterable[Benefit], star_level: int, award_titles: set[str]
) -> list[Benefit]:
    return [b for b in benefits if b.earned_by(star_level, award_titles)]


class BenefitCatalogue(CopiedCheaply, Aggregate):
    """The district's list of 礼遇优待: one per ledger, saved as a whole."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return BENEFITS_ID

    @event("Saved")
    def __init__(self, benefits: list[dict[str, Any]], actor: str) -> None:
        self.benefits = benefits

    @classmethod
    def draw_up(cls, benefits: list[Benefit], actor: str) -> BenefitCatalogue:
        check_benefits(benefits)
        return cls(benefits=[asdict(b) for b in benefits], actor=actor)

    def revise(self, benefits: list[Benefit], actor: str) -> None:
        check_benefits(benefits)
        self._revised(benefits=[asdict(b) for b in benefits], actor=actor)

    @event("Revised")
    def _revised(self, benefits: list[dict[str, Any]], actor: str) -> None:
        self.benefits = benefits
