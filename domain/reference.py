"""Reference data from the district documents (seeds 000 and 003)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

#: The district's clock: days (daily limits, service dates, "by 30 November") are
#: counted in China Standard Time.
CHINA_TIME = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Code:
    code: str
    label: str


#: The 17 team types the district centre runs (seed 003).
TEAM_TYPES: tuple[Code, ...] = (
    Code("theory_policy", "理论政策宣讲"),
    Code("culture_arts", "文化文艺服务"),
    Code("social_science", "社科普及惠民"),
    Code("education_support", "助学支教"),
    Code("health_fitness", "医疗健身"),
    Code("science_popularisation", "科学普及"),
    Code("legal_services", "法律服务"),
    Code("sanitation_environment", "卫生环保"),
    Code("poverty_relief", "扶难解困"),
    Code("civility_advocacy", "文明倡导"),
    Code("mental_care", "心理关爱"),
    Code("emergency_rescue", "应急救援"),
    Code("convenience_services", "便民服务"),
    Code("elderly_care", "敬老爱老"),
    Code("minors_care", "关爱未成年人"),
    Code("healthy_lifestyle", "美德健康生活方式"),
    Code("custom_reform", "移风易俗"),
)
OTHER_TEAM_TYPE = "other"
TEAM_TYPE_CODES = frozenset(t.code for t in TEAM_TYPES)


@dataclass(frozen=True)
class ServiceCategory:
    code: str
    label: str
    subcategories: tuple[Code, ...]
    #: Whom its service is for (服务对象), as an activity of it records its hours.
    recipient: str = "社会公众"


#: The "five fors" (五为) service categories and their sub-types (seed 000).
SERVICE_CATEGORIES: tuple[ServiceCategory, ...] = (
    ServiceCategory(
        "elderly",
        "为老",
        (
            Code("daily_care", "生活照料"),
            Code("companionship", "精神陪伴"),
            Code("recreation_health", "文体健康"),
            Code("digital_help", "智慧助老"),
            Code("active_ageing", "老有所为"),
        ),
        "老年人",
    ),
    ServiceCategory(
        "children",
        "为小",
        (
            Code("ideals_talks", "理想信念宣讲"),
            Code("living_aid", "生活救助"),
            Code("mental_health_education", "心理健康教育"),
            Code("social_practice", "社会实践"),
            Code("job_training", "就业培训"),
        ),
        "未成年人",
    ),
    ServiceCategory(
        "hardship",
        "为困难群体",
        (
            Code("policy_outreach", "送优惠政策"),
            Code("living_support", "生活帮扶"),
            Code("disability_support", "爱心助残"),
            Code("medical_aid", "医疗救助"),
            Code("skills_training", "技能提升"),
            Code("legal_aid", "法律援助"),
        ),
        "困难群众",
    ),
    ServiceCategory(
        "psychological",
        "为需要心理疏导和情感慰藉群体",
        (
            Code("expert_visits", "心理专家“五进”"),
            Code("mental_health_training", "心理健康培训"),
        ),
        "需要心理疏导的群众",
    ),
    ServiceCategory(
        "public",
        "为社会公共需要",
        (
            Code("theory_talks", "理论宣讲"),
            Code("emergency_rescue", "应急救援"),
            Code("environment", "生态环保"),
            Code("epidemic_control", "疫情防控"),
            Code("community_governance", "基层治理"),
            Code("civility_customs", "文明风尚"),
        ),
    ),
)

#: The kinds of activity that seed 003 counts apart: theory and policy talks (≥ 4 a
#: year in a community, ≥ 2 in a village), family civility activities (≥ 3 a
#: year) and concentrated trainings (≥ 2 a year at the centre).
ACTIVITY_KINDS: tuple[Code, ...] = (
    Code("regular", "常规活动"),
    Code("theory_talk", "理论政策宣讲"),
    Code("family", "家庭文明活动"),
    Code("training", "集中培训"),
)
REGULAR_ACTIVITY = "regular"
ACTIVITY_KIND_CODES = frozenset(k.code for k in ACTIVITY_KINDS)


def check_activity_kind(kind: str) -> None:
    from domain.errors import InvalidInput

    if kind not in ACTIVITY_KIND_CODES:
        raise InvalidInput(
            "kind", "activity_kind_known", "must be one of the activity kind codes"
        )


def check_classification(category: str | None, subcategory: str | None) -> None:
    """An hours entry may be unclassified (older entries are); a sub-category
    needs its category."""
    from domain.errors import InvalidInput

    if category is None:
        if subcategory is not None:
            raise InvalidInput(
                "subcategory", "subcategory_needs_category", "give the category too"
            )
        return
    check_category(category, subcategory)


def check_category(category: str, subcategory: str | None) -> None:
    """The category must be one of the five fors; a sub-category must belong to it."""
    from domain.errors import InvalidInput

    found = next((c for c in SERVICE_CATEGORIES if c.code == category), None)
    if found is None:
        raise InvalidInput(
            "category", "category_known", "must be one of the five-fors codes"
        )
    if subcategory is not None and subcategory not in {
        s.code for s in found.subcategories
    }:
        raise InvalidInput(
            "subcategory",
            "subcategory_of_category",
            f"is not a sub-category of {category}",
        )
