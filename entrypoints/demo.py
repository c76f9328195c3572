"""A believable demo district, seeded deterministically through the real commands.

The same seed gives the same units, teams, volunteers and hours (and, on a fresh
database, the same ids and volunteer numbers)."""

from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from application.activities import Attend, CloseActivity, PublishActivity, SignUp
from application.executor import C, Handler, Outcome, R
from application.hours import CorrectHours, RecordHours
from application.kiosks import RegisterKiosk, SetKioskPin
from application.orders import (
    AcceptOrder,
    CancelOrder,
    CompleteOrder,
    DispatchOrder,
    EvaluateOrder,
    PlaceOrder,
    ReviewOrder,
    RewardOrder,
    Served,
    StartOrder,
)
from application.organisation import RegisterUnit
from application.services import Container
from application.supermarket import ListItem
from application.teams import RegisterTeam
from application.volunteers import RegisterVolunteer
from domain.access import Actor, Role
from domain.errors import UnitNotFound
from domain.identity import Gender, id_check_char
from domain.ids import NAMESPACE
from domain.order import OrderState
from domain.organisation import UnitKind
from domain.reference import CHINA_TIME, TEAM_TYPES
from domain.volunteer import ServiceDetails

log = logging.getLogger(__name__)

DEMO_SEED = 20221105
REGION_CODE = "371203"  # 钢城区
WINDOW_START = datetime(2026, 4, 1, tzinfo=CHINA_TIME)  # activities in local daytime
WINDOW_DAYS = 180
TOKENS_FILE = "demo-tokens.json"

INSTITUTES = {
    "艾山街道新时代文明实践所": ["双泉社区实践站", "府前社区实践站", "钢都社区实践站"],
    "里辛街道新时代文明实践所": ["里辛社区实践站", "北港社区实践站", "南港村实践站"],
    "汶源街道新时代文明实践所": ["汶源社区实践站", "大王庄实践站", "花园社区实践站"],
    "颜庄镇新时代文明实践所": ["颜庄村实践站", "澜头村实践站", "黄庄村实践站"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
]
SKILLS = [
    "急救",
    "心理咨询",
    "法律咨询",
    "书法",
    "摄影",
    "驾驶",
    "电脑维修",
    "理发",
    "文艺表演",
    "外语",
    "家电维修",
    "中医推拿",
]
ACTIVITIES = [
    ("社区环境清扫", "辖区居民", "清理楼道和公共区域卫生"),
    ("理论政策宣讲", "社区群众", "宣讲党的二十大精神"),
    ("敬老院陪伴", "辖区老人", "陪老人聊天、读报、理发"),
    ("义诊进社区", "社区群众", "测血压、血糖并提供健康咨询"),
    ("交通文明劝导", "过往群众", "路口文明交通劝导"),
    ("关爱留守儿童", "留守儿童", "课业辅导和亲情陪伴"),
    ("法律咨询服务", "社区群众", "解答婚姻、继承等法律问题"),
    ("垃圾分类宣传", "社区居民", "入户宣传垃圾分类知识"),
    ("智慧助老课堂", "辖区老人", "教老人使用智能手机"),
]
DURATIONS = [60, 90, 120, 150, 180, 240]


def demo_id(*parts: object) -> UUID:
    return uuid5(NAMESPACE, "demo/" + "/".join(str(p) for p in parts))


CENTER_NAME = "钢城区新时代文明实践中心"
CENTER_ID = demo_id("unit", CENTER_NAME)


#: Days after WINDOW_START: hour entries use [0, 180), activities [180, 200),
#: orders [200, 215), each in its own slot, so no two of them ever overlap.
ACTIVITY_DAY, ORDER_DAY, DEMO_DAYS = 180, 200, 215
SLOT_HOURS = (9, 13, 17)  # local start times of the slots of a day
#: Final states the demo walks its orders to, round robin: every state.
ORDER_TARGETS = tuple(state.value for state in OrderState)
ORDERS = [
    ("elderly", "daily_care", "帮独居老人打扫卫生", "老人行动不便，需要打扫厨房"),
    ("elderly", "digital_help", "教老人用手机挂号", "想学会用手机预约医院"),
    ("children", "living_aid", "留守儿童课业辅导", "孩子三年级数学跟不上"),
    ("hardship", "legal_aid", "咨询赡养纠纷", "子女不履行赡养义务"),
    ("psychological", "expert_visits", "独居老人心理疏导", "老伴去世后情绪低落"),
    ("public", "environment", "小区垃圾分类指导", "楼道垃圾乱放"),
]


@dataclass
class DemoSummary:
    units: int = 0
    teams: int = 0
    volunteers: int = 0
    entries: int = 0
    activities: int = 0
    orders: int = 0
    goods: int = 0


def slot(index: int, first_day: int) -> datetime:
    day, part = divmod(index, len(SLOT_HOURS))
    return WINDOW_START + timedelta(days=first_day + day, hours=SLOT_HOURS[part])


class DemoSeeder:
    def __init__(self, container: Container, seed: int = DEMO_SEED) -> None:
        self.c = container
        self.rng = random.Random(seed)
        self.admin = Actor(Role.ADMIN, demo_id("seed-actor"), "demo-seed")
        self.summary = DemoSummary()
        self.teams: dict[UUID, list[UUID]] = {}
        self.members: dict[UUID, list[UUID]] = {}

    def run(
        self, handler: Handler[C, R], command: C, actor: Actor | None = None
    ) -> Outcome[R]:
        return self.c.commands.run(handler, command, actor or self.admin)

    def is_seeded(self) -> bool:
        try:
            self.c.aggregates.unit(CENTER_ID)
        except UnitNotFound:
            return False
        return True

    def seed(self, volunteers: int = 300, orders: int = 33) -> DemoSummary:
        stations = self._organisation()
        for index in range(volunteers):
            self._volunteer(index, self.rng.choice(stations))
        self._activities()
        staffed = [s for s in stations if self.members.get(s)]
        for index in range(orders):
            self._order(index, self.rng.choice(staffed))
        self._supermarket(stations[0])
        return self.summary

    def _supermarket(self, station: UUID) -> None:
        """Goods at the first station, and a kiosk PIN for the demo volunteer."""
        for name, price, stock, limit in DEMO_GOODS:
            self.run(
                self.c.catalog.list,
                ListItem(
                    station,
                    name,
                    Decimal(price),
                    stock,
                    limit,
                    item_id=demo_id("item", name),
                ),
            )
            self.summary.goods += 1
        self.run(self.c.kiosks.set_pin, SetKioskPin(demo_id("volunteer", 0), DEMO_PIN))

    def _unit(
        self, name: str, kind: UnitKind, parent: UUID | None, population: int
    ) -> UUID:
        unit_id = demo_id("unit", name)
        self.run(
            self.c.organisation.register_unit,
            RegisterUnit(name, kind, parent, population, unit_id=unit_id),
        )
        self.summary.units += 1
        return unit_id

    def _teams(self, unit_id: UUID, unit_name: str, count: int) -> None:
        for team_type in self.rng.sample(TEAM_TYPES, count):
            name = f"{unit_name[:4]}{team_type.label}志愿服务队"
            team_id = demo_id("team", name)
            self.run(
                self.c.teams.register,
                RegisterTeam(name, unit_id, team_type.code, team_id=team_id),
            )
            self.teams.setdefault(unit_id, []).append(team_id)
            self.summary.teams += 1

    def _organisation(self) -> list[UUID]:
        center = self._unit(CENTER_NAME, UnitKind.CENTER, None, 300_000)
        self._teams(center, "钢城区", len(TEAM_TYPES))
        stations = []
        for institute_name, station_names in INSTITUTES.items():
            institute = self._unit(
                institute_name,
                UnitKind.INSTITUTE,
                center,
                self.rng.randint(40, 90) * 1000,
            )
            self._teams(institute, institute_name, 5)
            for station_name in station_names:
                station = self._unit(
                    station_name,
                    UnitKind.STATION,
                    institute,
                    self.rng.randint(3, 12) * 1000,
                )
                self._teams(station, station_name, 3)
                stations.append(station)
        return stations

    def _volunteer(self, index: int, station: UUID) -> None:
        rng = self.rng
        gender = rng.choice(list(Gender))
        birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))
        serial = 2 * (index % 499) + (1 if gender is Gender.MALE else 0)
        first17 = f"{REGION_CODE}{birth:%Y%m%d}{serial:03d}"
        volunteer_id = demo_id("volunteer", index)
        self.run(
            self.c.volunteers.register,
            RegisterVolunteer(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                gender=gender,
                birth_date=birth,
                id_number=first17 + id_check_char(first17),
                phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                unit_id=station,
                skills=rng.sample(SKILLS, rng.randint(0, 3)),
                party_member=rng.random() < 0.3,
                volunteer_id=volunteer_id,
            ),
        )
        self.summary.volunteers += 1
        self.members.setdefault(station, []).append(volunteer_id)
        veteran = index % 25 == 0
        count = rng.randint(35, 60) if veteran else rng.randint(0, 12)
        days = sorted(rng.sample(range(WINDOW_DAYS), count))
        for n, day in enumerate(days):
            self._entry(volunteer_id, station, index, n, day)
        if count > 2 and index % 40 == 1:
            self._revoke_first_entry(volunteer_id, index)

    def _entry(
        self, volunteer_id: UUID, station: UUID, index: int, n: int, day: int
    ) -> None:
        name, recipient, content = self.rng.choice(ACTIVITIES)
        start = WINDOW_START + timedelta(days=day, hours=self.rng.randint(8, 17))
        end = start + timedelta(minutes=self.rng.choice(DURATIONS))
        details = ServiceDetails(
            name,
            "新时代文明实践站",
            recipient,
            content,
            self.rng.choice(SURNAMES) + "站长",
        )
        self.run(
            self.c.hours.record,
            RecordHours(
                volunteer_id,
                station,
                start,
                end,
                details,
                record_id=demo_id("entry", index, n),
            ),
        )
        self.summary.entries += 1

    def _revoke_first_entry(self, volunteer_id: UUID, index: int) -> None:
        self.run(
            self.c.hours.correct,
            CorrectHours(
                volunteer_id, demo_id("entry", index, 0), "重复登记", revoke=True
            ),
        )

    # -- activities ------------------------------------------------------------

    def _activities(self) -> None:
        """Each station team runs one activity; most who sign up come."""
        index = 0
        for station, teams in self.teams.items():
            members = self.members.get(station, [])
            for team_id in teams:
                if len(members) >= 3:
                    self._activity(index, team_id, members)
                    index += 1

    def _activity(self, index: int, team_id: UUID, members: list[UUID]) -> None:
        activities, rng = self.c.activities, self.rng
        title, _, _ = rng.choice(ACTIVITIES)
        start = slot(index, ACTIVITY_DAY)
        published = self.run(
            activities.publish,
            PublishActivity(
                team_id,
                title,
                "public",
                None,
                "新时代文明实践站",
                rng.choice(SURNAMES) + "队长",
                start,
                start + timedelta(hours=2),
                10,
                activity_id=demo_id("activity", index),
            ),
        )
        activity_id = published.result.id
        for volunteer_id in rng.sample(members, min(len(members), rng.randint(3, 8))):
            self.run(activities.sign_up, SignUp(activity_id, volunteer_id))
            if rng.random() < 0.85:
                arrived = start + timedelta(minutes=rng.randint(-10, 20))
                self.run(
                    activities.check_in, Attend(activity_id, volunteer_id, at=arrived)
                )
        self.run(activities.close, CloseActivity(activity_id))
        self.summary.activities += 1

    # -- orders (五单) -----------------------------------------------------------

    def _order(self, index: int, station: UUID) -> None:
        """Walks one order to its target state, so the board shows every state."""
        target = ORDER_TARGETS[index % len(ORDER_TARGETS)]
        resident = Actor(Role.RESIDENT, demo_id("resident", index % 4), "居民")
        category, subcategory, title, description = self.rng.choice(ORDERS)
        start = slot(index, ORDER_DAY)
        orders = self.c.orders
        order_id = self.run(
            orders.place,
            PlaceOrder(
                category,
                subcategory,
                title,
                description,
                station,
                "社区" + str(self.rng.randint(1, 30)) + "号楼",
                start,
                start + timedelta(hours=3),
                order_id=demo_id("order", index),
            ),
            resident,
        ).result.id
        self.summary.orders += 1
        steps = ORDER_TARGETS.index(target)
        if target == "cancelled":
            self.run(orders.cancel, CancelOrder(order_id, "已自行解决"), resident)
            return
        if target == "placed":
            return
        if target == "rejected":
            self.run(orders.review, ReviewOrder(order_id, False, "不在本站服务范围"))
            return
        self.run(orders.review, ReviewOrder(order_id, True))
        if target == "reviewed":
            return
        volunteer_id = self.rng.choice(self.members[station])
        volunteer = Actor(
            Role.VOLUNTEER,
            demo_id("token", volunteer_id),
            "v",
            volunteer_id=volunteer_id,
        )
        if target == "open":
            self.run(orders.dispatch, DispatchOrder(order_id, open_for_claiming=True))
            return
        self.run(
            orders.dispatch, DispatchOrder(order_id, volunteer_ids=(volunteer_id,))
        )
        if target == "dispatched":
            return
        self.run(orders.accept, AcceptOrder(order_id), volunteer)
        if steps >= ORDER_TARGETS.index("started"):
            self.run(orders.start, StartOrder(order_id))
        if steps >= ORDER_TARGETS.index("completed"):
            served = Served(volunteer_id, start, start + timedelta(hours=2))
            self.run(orders.complete, CompleteOrder(order_id, (served,)))
        if steps >= ORDER_TARGETS.index("evaluated"):
            stars = self.rng.choice((3, 4, 5, 5, 5))
            self.run(
                orders.evaluate,
                EvaluateOrder(order_id, stars, "志愿者很热心"),
                resident,
            )
        if target == "rewarded":
            self.run(orders.reward, RewardOrder(order_id, Decimal(20), "群众好评"))


#: (name, points, stock, daily limit) of the demo station's credit supermarket.
DEMO_GOODS = (
    ("洗衣液", 30, 40, None),
    ("大米 5kg", 80, 20, 1),
    ("食用油", 60, 25, None),
    ("鸡蛋 10枚", 15, 60, 2),
)
#: The demo volunteer's kiosk PIN; a demo only, never a real PIN.
DEMO_PIN = "258025"


def issue_demo_tokens(container: Container, path: Path) -> dict[str, Any]:
    """One token per role, written to `path` (mode 0600)."""
    center = container.aggregates.unit(CENTER_ID)
    institute = demo_id("unit", next(iter(INSTITUTES)))
    station = demo_id("unit", next(iter(INSTITUTES.values()))[0])
    scopes: dict[Role, dict[str, UUID | None]] = {
        Role.ADMIN: {},
        Role.COORDINATOR: {"unit_id": institute},
        Role.VOLUNTEER: {"volunteer_id": demo_id("volunteer", 0)},
        Role.RESIDENT: {"token_id": demo_id("resident", 0)},
        Role.AUDITOR: {},
    }
    tokens: dict[str, Any] = {"center_id": str(center.id)}
    for role, scope in scopes.items():
        issued = container.tokens.issue(role, f"demo-{role.value}", **scope)
        tokens[role.value] = {
            "token": issued.token,
            **{k: str(v) for k, v in scope.items() if k != "token_id" and v},
        }
    seed_actor = Actor(Role.ADMIN, demo_id("seed-actor"), "demo-seed")
    kiosk = container.commands.run(
        container.kiosks.register,
        RegisterKiosk(station, "演示信用超市 1号机"),
        seed_actor,
    ).result
    demo_volunteer = container.aggregates.volunteer(demo_id("volunteer", 0))
    tokens[Role.KIOSK.value] = {
        "token": kiosk.token,
        "unit_id": str(station),
        "page": f"/kiosk/#token={kiosk.token}",
        "volunteer_number": demo_volunteer.volunteer_number,
        "pin": DEMO_PIN,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(tokens, handle, indent=2, ensure_ascii=False)
    return tokens


def ensure_demo(container: Container) -> Path:
    """Seeds the demo district on first start; issues tokens when none are on file."""
    home = container.settings.home
    home.mkdir(parents=True, exist_ok=True)
    seeder = DemoSeeder(container)
    if not seeder.is_seeded():
        log.info("seeding the demo district ...")
        summary = seeder.seed()
        log.info("demo seeded: %s", summary)
        if container.projector is not None:
            container.projector.catch_up()  # serve the demo with read models ready
    path = home / TOKENS_FILE
    if not path.exists():
        issue_demo_tokens(container, path)
    return path
