"""The office's exports from the read models: for each kind, its columns (a stable
English key and the Chinese header people read) and one query over the read models
for a unit's subtree and a period, read through a server-side cursor so that a
two-million-row export never sits in memory.

Personal data appears as the read models hold it, masked: the clear values live in
the vault and never leave it through an export. Free text a resident typed (an
order's address and description) is left out for the same reason."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Protocol
from uuid import UUID

from psycopg import sql

from domain import labels


class ExportKind(StrEnum):
    HOURS = "hours"
    ACTIVITIES = "activities"
    ATTENDANCE = "attendance"
    ORDERS = "orders"
    REDEMPTIONS = "redemptions"
    DONATIONS = "donations"
    ROSTERS = "rosters"


@dataclass(frozen=True)
class Export:
    kind: ExportKind
    #: The sheet's name, and the file's.
    title: str
    #: (key, Chinese header) in the order of the query's columns.
    columns: tuple[tuple[str, str], ...]
    query: str
    #: key -> the Chinese words for a coded column's values (people read them).
    labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)

    @cached_property
    def _words(self) -> tuple[Mapping[Any, str] | None, ...]:
        """Each column's words, or None: worked out once, used on every row."""
        return tuple(self.labels.get(key) for key, _ in self.columns)

    def labelled(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.labels:
            return row
        return tuple(
            value if words is None else words.get(value, value)
            for words, value in zip(self._words, row, strict=True)
        )


#: The unit of the row lies in the subtree of %(unit)s.
IN_SUBTREE = "(u.id = %(unit)s OR %(unit)s = ANY(u.lineage))"
IN_PERIOD = "{0} >= %(start)s AND {0} < %(end)s"

HOURS = Export(
    ExportKind.HOURS,
    "工时明细",
    (
        ("record_id", "记录编号"),
        ("volunteer_number", "志愿者编号"),
        ("name_masked", "姓名"),
        ("unit_name", "服务单位"),
        ("team_name", "队伍"),
        ("category", "服务类别"),
        ("subcategory", "服务子类"),
        ("activity_name", "服务项目"),
        ("started_at", "开始时间"),
        ("ended_at", "结束时间"),
        ("hours", "时长（小时）"),
        ("status", "状态"),
        ("location", "地点"),
        ("service_recipient", "服务对象"),
        ("content", "服务内容"),
        ("leader", "负责人"),
        ("policy_version", "积分规则版本"),
    ),
    f"""
SELECT e.record_id, v.volunteer_number, v.name_masked, u.name AS unit_name,
  t.name AS team_name, coalesce(e.category, 'unclassified') AS category,
  e.subcategory, e.activity_name, e.started_at, e.ended_at, e.hours, e.status,
  e.location, e.service_recipient, e.content, e.leader, e.policy_version
FROM {{t}}.hour_entries e
JOIN {{t}}.units u ON u.id = e.unit_id
JOIN {{t}}.volunteers v ON v.id = e.volunteer_id
LEFT JOIN {{t}}.teams t ON t.id = e.team_id
WHERE {IN_SUBTREE} AND {IN_PERIOD.format("e.started_at")}
ORDER BY e.started_at, e.record_id
""",  # noqa: S608 - built from constants
    {
        "category": labels.CATEGORIES,
        "subcategory": labels.SUBCATEGORIES,
        "status": labels.ENTRY_STATUS,
        "service_recipient": labels.RECIPIENTS_OF_CATEGORY_LABELS,
    },
)

ACTIVITIES = Export(
    ExportKind.ACTIVITIES,
    "活动",
    (
        ("activity_id", "活动编号"),
        ("title", "活动名称"),
        ("kind", "活动类型"),
        ("category", "服务类别"),
        ("unit_name", "单位"),
        ("team_name", "队伍"),
        ("location", "地点"),
        ("leader", "负责人"),
        ("starts_at", "开始时间"),
        ("ends_at", "结束时间"),
        ("capacity", "名额"),
        ("state", "状态"),
        ("signed_up", "报名人数"),
        ("attended", "出勤人数"),
        ("no_shows", "缺勤人数"),
        ("closed_at", "结项时间"),
    ),
    f"""
SELECT a.id AS activity_id, a.title, a.kind, a.category, u.name AS unit_name,
  t.name AS team_name, a.location, a.leader, a.starts_at, a.ends_at, a.capacity,
  a.state, a.signed_up, a.attended, a.no_shows, a.closed_at
FROM {{t}}.activities a
JOIN {{t}}.units u ON u.id = a.unit_id
JOIN {{t}}.teams t ON t.id = a.team_id
WHERE {IN_SUBTREE} AND {IN_PERIOD.format("a.starts_at")}
ORDER BY a.starts_at, a.id
""",  # noqa: S608 - built from constants
    {
        "kind": labels.ACTIVITY_KIND_LABELS,
        "category": labels.CATEGORIES,
        "state": labels.ACTIVITY_STATES,
    },
)

ATTENDANCE = Export(
    ExportKind.ATTENDANCE,
    "活动出勤",
    (
        ("activity_id", "活动编号"),
        ("title", "活动名称"),
        ("starts_at", "活动开始"),
        ("unit_name", "单位"),
        ("volunteer_number", "志愿者编号"),
        ("name_masked", "姓名"),
        ("status", "出勤状态"),
        ("signed_up_at", "报名时间"),
        ("checked_in_at", "签到时间"),
        ("checked_out_at", "签退时间"),
        ("record_id", "工时记录编号"),
    ),
    f"""
SELECT a.id AS activity_id, a.title, a.starts_at, u.name AS unit_name,
  v.volunteer_number, v.name_masked, p.status, p.signed_up_at, p.checked_in_at,
  p.checked_out_at, p.record_id
FROM {{t}}.activity_attendance p
JOIN {{t}}.activities a ON a.id = p.activity_id
JOIN {{t}}.units u ON u.id = a.unit_id
JOIN {{t}}.volunteers v ON v.id = p.volunteer_id
WHERE {IN_SUBTREE} AND {IN_PERIOD.format("a.starts_at")}
ORDER BY a.starts_at, a.id, v.volunteer_number
""",  # noqa: S608 - built from constants
    {"status": labels.ATTENDANCE},
)

ORDERS = Export(
    ExportKind.ORDERS,
    "派单看板",
    (
        ("order_id", "订单编号"),
        ("state", "状态"),
        ("station_name", "站点"),
        ("category", "服务类别"),
        ("subcategory", "服务子类"),
        ("title", "需求"),
        ("window_start", "期望开始"),
        ("window_end", "期望结束"),
        ("team_name", "承接队伍"),
        ("participants", "参与人数"),
        ("placed_at", "点单时间"),
        ("reviewed_at", "审核时间"),
        ("dispatched_at", "派单时间"),
        ("accepted_at", "接单时间"),
        ("started_at", "开始服务"),
        ("completed_at", "完成时间"),
        ("evaluated_at", "评单时间"),
        ("rewarded_at", "奖单时间"),
        ("closed_at", "关闭时间"),
        ("stars", "评价星级"),
        ("reward_points", "奖励积分"),
    ),
    f"""
SELECT o.id AS order_id, o.state, u.name AS station_name, o.category,
  o.subcategory, o.title, o.window_start, o.window_end, t.name AS team_name,
  cardinality(o.participants) AS participants, o.placed_at, o.reviewed_at,
  o.dispatched_at, o.accepted_at, o.started_at, o.completed_at, o.evaluated_at,
  o.rewarded_at, o.closed_at, o.stars, o.reward_points
FROM {{t}}.orders o
JOIN {{t}}.units u ON u.id = o.station_id
LEFT JOIN {{t}}.teams t ON t.id = o.team_id
WHERE {IN_SUBTREE} AND {IN_PERIOD.format("o.placed_at")}
ORDER BY o.placed_at, o.id
""",  # noqa: S608 - built from constants
    {
        "state": labels.ORDER_STATES,
        "category": labels.CATEGORIES,
        "subcategory": labels.SUBCATEGORIES,
    },
)

REDEMPTIONS = Export(
    ExportKind.REDEMPTIONS,
    "积分兑换",
    (
        ("redemption_id", "兑换编号"),
        ("placed_at", "兑换时间"),
        ("station_name", "站点"),
        ("volunteer_number", "志愿者编号"),
        ("name_masked", "姓名"),
        ("items", "物品"),
        ("points", "积分"),
        ("state", "状态"),
    ),
    f"""
SELECT r.id AS redemption_id, r.placed_at, u.name AS station_name,
  v.volunteer_number, v.name_masked,
  (SELECT string_agg((l->>'name') || ' × ' || (l->>'quantity'), '；')
   FROM jsonb_array_elements(r.lines) l) AS items,
  r.points, r.state
FROM {{t}}.redemptions r
JOIN {{t}}.units u ON u.id = r.station_id
JOIN {{t}}.volunteers v ON v.id = r.volunteer_id
WHERE {IN_SUBTREE} AND {IN_PERIOD.format("r.placed_at")}
ORDER BY r.placed_at, r.id
""",  # noqa: S608 - built from constants
    {"state": labels.REDEMPTION_STATES},
)

DONATIONS = Export(
    ExportKind.DONATIONS,
    "积分捐赠",
    (
        ("donation_id", "捐赠编号"),
        ("occurred_at", "时间"),
        ("volunteer_number", "志愿者编号"),
        ("name_masked", "姓名"),
        ("unit_name", "所属单位"),
        ("direction", "方向"),
        ("points", "积分"),
        ("reason", "说明"),
    ),
    f"""
SELECT e.source_id AS donation_id, e.occurred_at, v.volunteer_number,
  v.name_masked, u.name AS unit_name,
  CASE e.kind WHEN 'donated' THEN '捐出' ELSE '受赠' END AS direction,
  abs(e.points) AS points, e.reason
FROM {{t}}.account_entries e
JOIN {{t}}.volunteers v ON v.id = e.volunteer_id
JOIN {{t}}.units u ON u.id = v.unit_id
WHERE e.source_kind = 'donation' AND {IN_SUBTREE}
  AND {IN_PERIOD.format("e.occurred_at")}
ORDER BY e.occurred_at, e.position
""",  # noqa: S608 - built from constants
)

ROSTERS = Export(
    ExportKind.ROSTERS,
    "队伍名册",
    (
        ("unit_name", "单位"),
        ("team_name", "队伍"),
        ("service_type", "队伍类型"),
        ("affiliation", "隶属"),
        ("department", "部门"),
        ("volunteer_number", "志愿者编号"),
        ("name_masked", "姓名"),
        ("is_leader", "队长"),
        ("joined_at", "入队时间"),
        ("joined_via", "入队方式"),
        ("left_at", "离队时间"),
        ("left_reason", "离队原因"),
    ),
    f"""
SELECT u.name AS unit_name, t.name AS team_name, t.service_type, t.affiliation,
  t.department, v.volunteer_number, v.name_masked,
  (t.leader_id = m.volunteer_id AND m.left_at IS NULL) AS is_leader,
  m.joined_at, m.joined_via, m.left_at, m.left_reason
FROM {{t}}.team_memberships m
JOIN {{t}}.teams t ON t.id = m.team_id
JOIN {{t}}.units u ON u.id = t.unit_id
JOIN {{t}}.volunteers v ON v.id = m.volunteer_id
WHERE {IN_SUBTREE} AND m.joined_at < %(end)s
  AND (m.left_at IS NULL OR m.left_at >= %(start)s)
ORDER BY u.name, t.name, m.joined_at, v.volunteer_number
""",  # noqa: S608 - built from constants
    {
        "service_type": labels.TEAM_TYPE_LABELS,
        "affiliation": labels.AFFILIATIONS,
        "is_leader": labels.YES_NO,
        "joined_via": labels.JOINED_VIA,
    },
)

EXPORTS: dict[ExportKind, Export] = {
    e.kind: e
    for e in (HOURS, ACTIVITIES, ATTENDANCE, ORDERS, REDEMPTIONS, DONATIONS, ROSTERS)
}


class Streams(Protocol):
    def stream(self, query: Any, params: Any = None) -> Iterator[dict[str, Any]]:
        """Rows of a query read in batches through a server-side cursor."""
        ...


class ExportRows:
    def __init__(self, db: Streams, schema: str) -> None:
        self.db = db
        self.schema = schema

    def query(self, export: Export) -> sql.Composed:
        """The export's query over this ledger's read models (%(unit)s, %(start)s
        and %(end)s to bind)."""
        return sql.SQL(export.query).format(t=sql.Identifier(self.schema))

    def rows(
        self, export: Export, unit_id: UUID, start: datetime, end: datetime
    ) -> Iterator[tuple[Any, ...]]:
        """The export's rows for the unit's subtree and [start, end), in the order
        of its columns."""
        keys = [key for key, _ in export.columns]
        params = {"unit": unit_id, "start": start, "end": end}
        rows = self.db.stream(self.query(export), params)
        first = next(rows, None)
        if first is None:
            return
        if list(first) != keys:  # the query's columns are the export's, in order
            raise RuntimeError(f"export {export.kind}: columns {list(first)} != {keys}")
        yield export.labelled(tuple(first.values()))
        for row in rows:
            yield export.labelled(tuple(row.values()))
