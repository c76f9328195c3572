"""The Chinese words people read for the domain's codes: in exports and reports
(the API itself answers the codes, which are stable)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.activity import ActivityState
from domain.order import OrderState
from domain.organisation import TeamAffiliation
from domain.redemption import RedemptionState
from domain.reference import ACTIVITY_KINDS, SERVICE_CATEGORIES, TEAM_TYPES

CATEGORIES: Mapping[str, str] = {
    "unclassified": "未分类",
    **{c.code: c.label for c in SERVICE_CATEGORIES},
}
#: Sub-category codes are unique across the categories.
SUBCATEGORIES: Mapping[str, str] = {
    s.code: s.label for c in SERVICE_CATEGORIES for s in c.subcategories
}
#: Hours recorded by an activity named its category where its recipients belong;
#: read as the category's recipients.
RECIPIENTS_OF_CATEGORY_LABELS: Mapping[str, str] = {
    c.label: c.recipient for c in SERVICE_CATEGORIES
}
TEAM_TYPE_LABELS: Mapping[str, str] = {
    "other": "其他",
    **{t.code: t.label for t in TEAM_TYPES},
}
ACTIVITY_KIND_LABELS: Mapping[str, str] = {k.code: k.label for k in ACTIVITY_KINDS}
ACTIVITY_STATES: Mapping[str, str] = {
    ActivityState.PUBLISHED: "已发布",
    ActivityState.CLOSED: "已结项",
    ActivityState.CANCELLED: "已取消",
}
ATTENDANCE: Mapping[str, str] = {
    "signed_up": "已报名",
    "checked_in": "已签到",
    "checked_out": "已签退",
    "attended": "已出勤",
    "no_show": "缺勤",
}
ORDER_STATES: Mapping[str, str] = {
    OrderState.PLACED: "待审核",
    OrderState.REVIEWED: "待派单",
    OrderState.REJECTED: "未受理",
    OrderState.DISPATCHED: "已派单",
    OrderState.OPEN: "可认领",
    OrderState.ACCEPTED: "已接单",
    OrderState.STARTED: "服务中",
    OrderState.COMPLETED: "待评价",
    OrderState.EVALUATED: "已评价",
    OrderState.REWARDED: "已奖励",
    OrderState.CANCELLED: "已取消",
}
REDEMPTION_STATES: Mapping[str, str] = {
    RedemptionState.HELD: "预留中",
    RedemptionState.COMMITTED: "已兑换",
    RedemptionState.VOIDED: "已作废",
    RedemptionState.EXPIRED: "已过期",
}
ENTRY_STATUS: Mapping[str, str] = {"live": "有效", "revoked": "已撤销"}
AFFILIATIONS: Mapping[str, str] = {
    TeamAffiliation.BRIGADE: "总队直属",
    TeamAffiliation.DEPARTMENT: "部门（行业）",
    TeamAffiliation.UNIT: "所站自建",
}
JOINED_VIA: Mapping[str, str] = {"application": "本人申请", "added": "工作人员添加"}
YES_NO: Mapping[bool, str] = {True: "是", False: "否"}
#: Why a target has no data (the assessment's `note`), as the office reads it.
ASSESSMENT_NOTES: Mapping[str, str] = {
    "no population recorded for the year": "本年度未登记常住人口",
    "no registered volunteers": "暂无注册志愿者",
    "no registered party members": "暂无党员志愿者",
    "no teams": "暂无队伍",
    "area kind (community or village) not set": "未设置社区或农村类型",
}
