"""The privacy notice people consent to when they register themselves (PIPL Art. 14,
17: the handler, purposes, ways, kinds of data, how long, and the person's rights).
A new text gets a new version; a consent names the version it was given to."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidInput


@dataclass(frozen=True)
class PrivacyNotice:
    version: str
    title: str
    text: str


PRIVACY_NOTICE = PrivacyNotice(
    version="2026-12",
    title="志愿服务个人信息处理告知书",
    text=(
        "一、处理者：本区新时代文明实践中心（志愿服务记录系统）。\n"
        "二、目的：志愿者注册与身份核验、志愿服务记录与证明、积分与礼遇、"
        "服务需求的派单与回访；居民点单、派单进度与评价。\n"
        "三、个人信息：姓名、性别、出生日期、身份证号码、手机号码、技能、所在社区；"
        "身份证号码与手机号码加密保存，页面、导出与事件记录中只显示打码后的信息。\n"
        "四、方式：由所选实践站的工作人员核验身份；服务记录按《志愿服务记录与证明"
        "出具办法》保存，不可篡改；不向第三方提供，法律法规另有规定的除外。\n"
        "五、期限：志愿服务记录长期保存；未通过审核的注册信息在拒绝时删除。\n"
        "六、您的权利：查询、更正您的信息，撤回同意，申请删除个人信息"
        "（删除后服务记录以匿名方式保留）；请联系所在实践站或区中心。"
    ),
)


def check_consent(notice_version: str, agreed: bool) -> None:
    """Consent is to the notice in force, and given: never assumed."""
    if notice_version != PRIVACY_NOTICE.version:
        raise InvalidInput(
            "consent.notice_version",
            "notice_version_current",
            f"consent to the notice in force, version {PRIVACY_NOTICE.version} "
            "(GET /v1/public/privacy-notice)",
        )
    if not agreed:
        raise InvalidInput(
            "consent.agreed", "consent_given", "registration needs the consent"
        )
