"""Request and response models of awards (表彰) and benefits (礼遇优待):
the bodies of api/routers/awards.py."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import Request, Response, WholeNumber, Written, example
from domain.award import AwardLevel, Benefit, Citation, RecipientKind


class AwardIn(Request):
    model_config = example(
        {
            "recipient_kind": "volunteer",
            "recipient_id": "5d7e1c2a-3b4f-4e6a-8c9d-0a1b2c3d4e5f",
            "title": "最美志愿者",
            "level": "county",
            "awarding_body": "新泰市新时代文明实践中心",
            "awarded_on": "2026-03-05",
            "citation": "常年服务独居老人，累计服务 600 小时",
        }
    )
    recipient_kind: RecipientKind = Field(
        description="volunteer, team, project or unit"
    )
    recipient_id: UUID = Field(description="The volunteer, team, project or unit.")
    title: str = Field(min_length=1, max_length=50, description="The title (称号)")
    level: AwardLevel = Field(
        description="national, provincial, city, county or town (镇街)"
    )
    awarding_body: str = Field(min_length=1, max_length=100, description="授予单位")
    awarded_on: date = Field(description="The day it was awarded (China time).")
    citation: str = Field(min_length=1, max_length=1000)
    award_id: UUID | None = Field(default=None, description="Client-chosen id.")

    def citation_of(self) -> Citation:
        return Citation(
            self.title, self.level, self.awarding_body, self.awarded_on, self.citation
        )


class AwardWritten(Written):
    id: UUID
    recipient_kind: str = Field(description="volunteer, team, project or unit")
    recipient_id: UUID = Field(description="The volunteer, team, project or unit.")
    unit_id: UUID
    title: str = Field(description="The title (称号)")
    revoked: bool


class AwardOut(Response):
    id: UUID
    recipient_kind: str = Field(description="volunteer, team, project or unit")
    recipient_id: UUID = Field(description="The volunteer, team, project or unit.")
    unit_id: UUID = Field(description="The recipient's unit.")
    title: str = Field(description="The title (称号)")
    level: str = Field(description="national, provincial, city, county or town")
    awarding_body: str
    awarded_on: date
    citation: str
    revoked: bool
    revocation_reason: str | None
    granted_at: datetime = Field(description="When the award was recorded")


class BenefitIn(Request):
    code: str = Field(min_length=1, max_length=40, description="A stable code.")
    label: str = Field(min_length=1, max_length=50, description="名称，如 免费乘车")
    description: str = Field(min_length=1, max_length=500)
    provider: str = Field(min_length=1, max_length=100, description="提供单位")
    min_star_level: WholeNumber | None = Field(
        default=None, ge=1, le=5, description="Earned from this star level up."
    )
    award_title: str | None = Field(
        default=None, max_length=50, description="Earned by holding this title."
    )

    def benefit(self) -> Benefit:
        return Benefit(
            self.code,
            self.label,
            self.description,
            self.provider,
            self.min_star_level,
            self.award_title,
        )


class BenefitsIn(Request):
    model_config = example(
        {
            "benefits": [
                {
                    "code": "free_bus",
                    "label": "免费乘坐公交",
                    "description": "凭志愿者证免费乘坐市内公交",
                    "provider": "市公交公司",
                    "min_star_level": 3,
                },
                {
                    "code": "health_check",
                    "label": "免费健康体检",
                    "description": "每年一次免费健康体检",
                    "provider": "市人民医院",
                    "award_title": "最美志愿者",
                },
            ]
        }
    )
    benefits: list[BenefitIn] = Field(
        max_length=100, description="The whole list: it replaces the last version."
    )


class BenefitsWritten(Written):
    benefits: int = Field(description="How many benefits the list holds.")
    version: int = Field(description="The list's version: 1, then one per save.")


class BenefitOut(Response):
    code: str = Field(description="A stable code.")
    label: str = Field(description="The benefit's name")
    description: str
    provider: str = Field(description="Who provides it (提供单位)")
    min_star_level: int | None = Field(description="Earned from this star level up.")
    award_title: str | None = Field(description="Earned by holding this title.")


class VolunteerBenefitsOut(Response):
    volunteer_id: UUID
    star_level: int
    awards: list[str] = Field(description="Titles of the awards it holds")
    benefits: list[BenefitOut] = Field(description="The benefits it enjoys now")
