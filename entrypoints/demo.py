"""A believable demo district, seeded deterministically through the real commands.

The same seed gives the same units, teams, volunteers and hours (and, on a fresh
database, the same ids and volunteer numbers)."""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from application.activities import Attend, CloseActivity, PublishActivity, SignUp
from application.executor import C, Decision, Handler, Outcome, R
from application.hours import CorrectHours, RecordHours
from application.kiosks import RegisterKiosk, SetKioskPin
from application.logins import LoginState, OpenLogin
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
from application.residents import RESIDENT_PHONE
from application.services import Container
from application.supermarket import ListItem
from application.teams import (
    AddMember,
    ApplyToTeam,
    AppointLeader,
    DecideApplication,
    PartFromTeam,
    RegisterTeam,
    SetTeamContact,
)
from application.volunteers import RegisterVolunteer
from domain.access import Actor, Role
from domain.errors import UnitNotFound
from domain.identity import Gender, id_check_char, mask_phone
from domain.login import Login
from domain.order import OrderState
from domain.organisation import AreaKind, TeamAffiliation, UnitKind
from domain.privacy import PRIVACY_NOTICE
from domain.recording import recording_at
from domain.reference import CHINA_TIME, REGULAR_ACTIVITY, TEAM_TYPES
from domain.resident import Resident
from domain.volunteer import ServiceDetails
from entrypoints.demo_calendar import CENTER_ID, CENTER_NAME, WINDOW_START, day, demo_id
from entrypoints.demo_programme import DemoProgramme
from infra import claims
from infra.sign_in_guard import LOGIN_NAME_INDEX

log = logging.getLogger(__name__)

DEMO_SEED = 20221105
REGION_CODE = "371203"  # 钢城区
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
#: (name, recipient, content, five-fors category, subcategory) of direct service.
ACTIVITIES = [
    ("社区环境清扫", "辖区居民", "清理楼道和公共区域卫生", "public", "environment"),
    ("理论政策宣讲", "社区群众", "宣讲党的二十大精神", "public", "theory_talks"),
    ("敬老院陪伴", "辖区老人", "陪老人聊天、读报、理发", "elderly", "companionship"),
    ("义诊进社区", "社区群众", "测血压、血糖并提供健康咨询", "hardship", "medical_aid"),
    ("交通文明劝导", "过往群众", "路口文明交通劝导", "public", "civility_customs"),
    ("关爱留守儿童", "留守儿童", "课业辅导和亲情陪伴", "children", "living_aid"),
    ("法律咨询服务", "社区群众", "解答婚姻、继承等法律问题", "hardship", "legal_aid"),
    ("垃圾分类宣传", "社区居民", "入户宣传垃圾分类知识", "public", "environment"),
    ("智慧助老课堂", "辖区老人", "教老人使用智能手机", "elderly", "digital_help"),
    (
        "心理健康讲座",
        "社区居民",
        "情绪管理与心理健康知识",
        "psychological",
        "mental_health_training",
    ),
]
#: What a regular activity is about: anything but a kind the assessment counts (a
#: theory talk is held as one, never as a regular activity titled like it).
REGULAR_TOPICS = [a for a in ACTIVITIES if a[4] != "theory_talks"]
#: What an activity of a counted kind is about: (title, category, subcategory).
KIND_TOPICS = {
    "theory_talk": ("理论政策宣讲", "public", "theory_talks"),
    "family": ("家风家教分享会", "children", "social_practice"),
    "training": ("志愿者集中培训", "public", "community_governance"),
}
#: Direct service lasts at most three hours, from 08:00 or 09:00: mornings only.
DURATIONS = [60, 90, 120, 150, 180]


#: The history runs from 1 April (units, teams, registrations) to 27 November 2026.
WINDOW_DAYS = 240
DEMO_DAYS = WINDOW_DAYS + 1
MONTHS = 8  # April to November
#: Orders are placed from this day on, one a day.
ORDER_DAY = 190
#: A volunteer's day has bands that never overlap: direct service in the morning,
#: orders at midday, station activities in the afternoon, institutes' and the
#: centre's in the evening (hours after the start of the day, China time).
ORDER_HOUR, STATION_HOUR, EVENING_HOUR = 12.5, 14.5, 19
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
#: Centre teams that belong to a department rather than to the brigade itself.
DEPARTMENTS = {
    "health_fitness": "区卫生健康局",
    "legal_services": "区司法局",
    "education_support": "区教育和体育局",
}


@dataclass
class DemoSummary:
    units: int = 0
    teams: int = 0
    volunteers: int = 0
    memberships: int = 0
    entries: int = 0
    activities: int = 0
    orders: int = 0
    goods: int = 0
    steps: int = 0


@dataclass(order=True)
class Step:
    """One command of the history, at the instant it is recorded."""

    at: datetime
    seq: int
    action: Callable[[], object] = field(compare=False)


def month_day(month: int, n: int, hours: float) -> datetime:
    """Day `n` (1-28) of the `month`-th month of the history."""
    first = date(WINDOW_START.year, WINDOW_START.month + month, n)
    return datetime.combine(first, time(), CHINA_TIME) + timedelta(hours=hours)


def place_name(unit_name: str) -> str:
    """The place a unit is named for: 澜头村 of 澜头村实践站, 颜庄镇 of
    颜庄镇新时代文明实践所 (its teams are named after it)."""
    for suffix in ("新时代文明实践所", "新时代文明实践中心", "实践站"):
        unit_name = unit_name.removesuffix(suffix)
    return unit_name


def area_kind(name: str) -> AreaKind:
    """Villages (村, 庄) and towns (镇) are rural; streets' communities urban."""
    rural = any(mark in name for mark in ("村", "庄", "镇"))
    return AreaKind.VILLAGE if rural else AreaKind.COMMUNITY


class DemoSeeder:
    """Plans the district's history as dated steps, then records them in the order
    of their dates, each at its own instant (domain/recording.py): events of April
    carry April timestamps, so an as-of replay shows the district on any day."""

    def __init__(self, container: Container, seed: int = DEMO_SEED) -> None:
        self.c = container
        self.rng = random.Random(seed)
        self.admin = Actor(Role.ADMIN, demo_id("seed-actor"), "demo-seed")
        self.summary = DemoSummary()
        self.steps: list[Step] = []
        self.teams: dict[UUID, list[UUID]] = {}
        self.team_registered: dict[UUID, datetime] = {}
        #: Each station's volunteers with the instant they registered.
        self.members: dict[UUID, list[tuple[datetime, UUID]]] = {}
        #: Each team's members: (joined at, volunteer).
        self.rosters: dict[UUID, list[tuple[datetime, UUID]]] = {}
        self.stations_of: dict[UUID, list[UUID]] = {}
        self.programme = DemoProgramme(self)

    def run(
        self, handler: Handler[C, R], command: C, actor: Actor | None = None
    ) -> Outcome[R]:
        return self.c.commands.run(handler, command, actor or self.admin)

    def at(
        self,
        when: datetime,
        handler: Handler[C, R],
        command: C,
        actor: Actor | None = None,
    ) -> None:
        """Plans `command` to be recorded at `when`."""
        self.steps.append(
            Step(when, len(self.steps), lambda: self.run(handler, command, actor))
        )

    def is_seeded(self) -> bool:
        try:
            self.c.aggregates.unit(CENTER_ID)
        except UnitNotFound:
            return False
        return True

    def seed(
        self,
        volunteers: int = 300,
        orders: int = 33,
        months: int = MONTHS,
        progress: Callable[[int, int], None] | None = None,
    ) -> DemoSummary:
        """Plans, then records, the district's history: `months` of activities."""
        stations = self._organisation()
        for index in range(volunteers):
            self._volunteer(index, self.rng.choice(stations))
        self._leaders()
        self.programme.library()
        self.programme.recognition()
        self.programme.insurance()
        self._activities(months)
        self._upcoming()
        self.programme.plans()
        staffed = [s for s in stations if self.members.get(s)]
        for index in range(orders):
            self._order(index, self.rng.choice(staffed))
        self._supermarket(stations[0])
        self._record(progress)
        return self.summary

    def _record(self, progress: Callable[[int, int], None] | None) -> None:
        steps = sorted(self.steps)
        self.summary.steps = len(steps)
        for done, step in enumerate(steps, start=1):
            with recording_at(step.at):
                step.action()
            if progress is not None and (done % 1000 == 0 or done == len(steps)):
                progress(done, len(steps))

    # -- organisation ----------------------------------------------------------

    def _organisation(self) -> list[UUID]:
        """On 1 April: the units with their populations and area kinds, and
        their teams; station teams leave a contact phone."""
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
                self.stations_of.setdefault(institute, []).append(station)
        return stations

    def _unit(
        self, name: str, kind: UnitKind, parent: UUID | None, population: int
    ) -> UUID:
        unit_id = demo_id("unit", name)
        kind_of_area = None if kind is UnitKind.CENTER else area_kind(name)
        self.at(
            day(0, 8) + timedelta(seconds=self.summary.units),
            self.c.organisation.register_unit,
            RegisterUnit(name, kind, parent, population, unit_id, kind_of_area),
        )
        self.summary.units += 1
        return unit_id

    def _teams(self, unit_id: UUID, unit_name: str, count: int) -> None:
        at_center = unit_id == CENTER_ID
        types = list(TEAM_TYPES) if at_center else self.rng.sample(TEAM_TYPES, count)
        for team_type in types:
            name = f"{place_name(unit_name)}{team_type.label}志愿服务队"
            team_id = demo_id("team", name)
            department = DEPARTMENTS.get(team_type.code) if at_center else None
            affiliation = (
                TeamAffiliation.UNIT
                if not at_center
                else TeamAffiliation.DEPARTMENT
                if department
                else TeamAffiliation.BRIGADE
            )
            when = day(0, 9) + timedelta(seconds=self.summary.teams)
            self.at(
                when,
                self.c.teams.register,
                RegisterTeam(
                    name,
                    unit_id,
                    team_type.code,
                    team_id=team_id,
                    affiliation=affiliation,
                    department=department,
                ),
            )
            if not at_center:
                phone = f"0634-{6_000_000 + self.summary.teams * 137:07d}"
                self.at(
                    when + timedelta(days=1),
                    self.c.teams.set_contact,
                    SetTeamContact(team_id, phone),
                )
            self.teams.setdefault(unit_id, []).append(team_id)
            self.team_registered[team_id] = when
            self.summary.teams += 1

    # -- volunteers, their teams and their hours ---------------------------------

    def _volunteer(self, index: int, station: UUID) -> None:
        """Registered in April; joins one or two of its station's teams (added by
        staff, or by an application that is decided); serves mornings."""
        rng = self.rng
        gender = rng.choice(list(Gender))
        birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))
        serial = 2 * (index % 499) + (1 if gender is Gender.MALE else 0)
        first17 = f"{REGION_CODE}{birth:%Y%m%d}{serial:03d}"
        volunteer_id = demo_id("volunteer", index)
        registered = day(index % 20, 8.5) + timedelta(minutes=index // 20)
        self.at(
            registered,
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
        self.members.setdefault(station, []).append((registered, volunteer_id))
        teams = self._join(index, volunteer_id, station, registered)
        veteran = index % 25 == 0
        count = rng.randint(45, 65) if veteran else rng.randint(0, 12)
        first = index % 20 + 2
        days = sorted(rng.sample(range(first, WINDOW_DAYS - 3), count))
        for n, service_day in enumerate(days):
            self._entry(volunteer_id, station, index, n, service_day, teams)
        if count > 2 and index % 40 == 1:
            recorded = day(days[0], 15)
            self.at(
                recorded + timedelta(days=7),
                self.c.hours.correct,
                CorrectHours(
                    volunteer_id, demo_id("entry", index, 0), "重复登记", revoke=True
                ),
            )

    def _join(
        self, index: int, volunteer_id: UUID, station: UUID, registered: datetime
    ) -> list[tuple[datetime, UUID]]:
        """The teams the volunteer joins, with when; one in fifteen applications
        is refused, and one member in twenty leaves in September."""
        rng, joined = self.rng, []
        volunteer = self._volunteer_actor(volunteer_id)
        wanted = rng.sample(self.teams[station], 2 if rng.random() < 0.3 else 1)
        for team_id in wanted:
            asked = registered + timedelta(days=1, hours=1)
            if rng.random() < 0.25:
                self.at(asked, self.c.teams.apply, ApplyToTeam(team_id), volunteer)
                approve = index % 15 != 7
                decision = DecideApplication(
                    team_id, volunteer_id, approve, "" if approve else "队伍名额已满"
                )
                at = asked + timedelta(days=1)
                self.at(at, self.c.teams.decide, decision)
                if not approve:
                    continue
            else:
                at = asked
                self.at(at, self.c.teams.add, AddMember(team_id, volunteer_id))
            joined.append((at, team_id))
            self.rosters.setdefault(team_id, []).append((at, volunteer_id))
            self.summary.memberships += 1
        if joined and index % 20 == 9:
            _, team_id = joined.pop()
            self.rosters[team_id].pop()
            self.at(
                month_day(5, 10, 9),
                self.c.teams.part,
                PartFromTeam(team_id, volunteer_id, "工作调动，离开本社区"),
                volunteer,
            )
        return joined

    def _leaders(self) -> None:
        """Each team's first member who stays becomes its leader a day later."""
        for team_id, members in self.rosters.items():
            if not members:
                continue
            joined, volunteer_id = min(members)
            self.at(
                joined + timedelta(days=1),
                self.c.teams.appoint_leader,
                AppointLeader(team_id, volunteer_id),
            )

    def _entry(
        self,
        volunteer_id: UUID,
        station: UUID,
        index: int,
        n: int,
        service_day: int,
        teams: list[tuple[datetime, UUID]],
    ) -> None:
        """A morning of direct service, recorded that afternoon; most entries
        carry their category and one of the volunteer's teams."""
        rng = self.rng
        name, recipient, content, category, subcategory = rng.choice(ACTIVITIES)
        start = day(service_day, rng.choice((8, 9)))
        end = start + timedelta(minutes=rng.choice(DURATIONS))
        classified = rng.random() < 0.85
        member_of = [team for joined, team in teams if joined < start]
        team_id = rng.choice(member_of) if member_of and rng.random() < 0.7 else None
        details = ServiceDetails(
            name,
            "新时代文明实践站",
            recipient,
            content,
            rng.choice(SURNAMES) + "站长",
            category=category if classified else None,
            subcategory=subcategory if classified else None,
            team_id=team_id if classified else None,
        )
        self.at(
            day(service_day, 15),
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

    def _volunteer_actor(self, volunteer_id: UUID) -> Actor:
        return Actor(
            Role.VOLUNTEER,
            demo_id("token", volunteer_id),
            "v",
            volunteer_id=volunteer_id,
        )

    # -- activities --------------------------------------------------------------

    def _activities(self, months: int) -> None:
        """Station teams meet every month in the afternoon (some twice a month
        until July: 12 by November), with theory talks and family activities;
        institutes' teams meet every other month in the evening (every other
        institute's first team with theory talks); the centre holds its theory
        talks and two concentrated trainings."""
        for s, (station, teams) in enumerate(self.stations()):
            for t, team_id in enumerate(teams):
                for month in range(months):
                    if s % 4 == 3 and t == 2 and month == 4:
                        continue  # a month missed: the monthly target shows it
                    twice = t == 0 and s % 3 == 0 and month < 4
                    for k in range(2 if twice else 1):
                        kind = self._kind(s, t, month, k)
                        at = month_day(month, 3 + 8 * t + 4 * k, STATION_HOUR)
                        people = self._people(station)
                        self._activity(team_id, at, kind, people, station)
        for i, (institute, stations) in enumerate(self.stations_of.items()):
            people = [p for station in stations for p in self._people(station)]
            for t, team_id in enumerate(self.teams[institute]):
                # The first team of every other institute gives theory talks.
                talks = t == 0 and i % 2 == 0
                kind = "theory_talk" if talks else REGULAR_ACTIVITY
                for month in range(t % 2, months, 2):  # every other month
                    at = month_day(month, 2 + 5 * t, EVENING_HOUR)
                    self._activity(team_id, at, kind, people)
        everyone = [p for s in self.members for p in self._people(s)]
        center_teams = self.teams[CENTER_ID]
        for month in range(months):
            at = month_day(month, 26, EVENING_HOUR)
            self._activity(center_teams[0], at, "theory_talk", everyone)
        for month in (2, 6):
            if month < months:
                at = month_day(month, 28, EVENING_HOUR)
                self._activity(center_teams[1], at, "training", everyone)

    def _upcoming(self) -> None:
        """What volunteers can still sign up for: each station's first team
        publishes two activities ahead of the day the demo is seeded (the 5th and
        the 12th day on); a few volunteers signed up, and one of each station's
        first is full already. Published on the day of seeding, after the
        history (its last day is 27 November 2026)."""
        today = max(self.c.clock.now(), day(WINDOW_DAYS, 20)).astimezone(CHINA_TIME)
        published = datetime.combine(today.date(), time(8), CHINA_TIME)
        for s, (station, teams) in enumerate(self.stations()):
            people = [v for _, v in self._people(station)]
            for k, ahead in enumerate((5, 12)):
                start = published + timedelta(days=ahead, hours=STATION_HOUR - 8)
                title, _, _, category, subcategory = REGULAR_TOPICS[(s + k) % 9]
                full = k == 0 and s % 3 == 0
                activity_id = demo_id("upcoming", station, k)
                self.at(
                    published + timedelta(minutes=s),
                    self.c.activities.publish,
                    PublishActivity(
                        teams[0],
                        title,
                        category,
                        subcategory,
                        "新时代文明实践站",
                        self.rng.choice(SURNAMES) + "队长",
                        start,
                        start + timedelta(hours=2),
                        3 if full else 10,
                        activity_id=activity_id,
                    ),
                )
                for n, volunteer_id in enumerate(people[: 3 if full else 2]):
                    when = published + timedelta(hours=1, minutes=10 * s + n)
                    self.at(
                        when,
                        self.c.activities.sign_up,
                        SignUp(activity_id, volunteer_id),
                    )
                self.summary.activities += 1

    def stations(self) -> list[tuple[UUID, list[UUID]]]:
        return [
            (station, self.teams[station])
            for stations in self.stations_of.values()
            for station in stations
        ]

    def _people(self, station: UUID) -> list[tuple[datetime, UUID]]:
        return self.members.get(station, [])

    @staticmethod
    def _kind(station: int, team: int, month: int, k: int) -> str:
        """Theory talks by each station's first team (four a year at even
        stations, three at odd ones); family activities by its second team."""
        talks = (0, 2, 4, 6) if station % 2 == 0 else (0, 4, 6)
        if team == 0 and k == 0 and month in talks:
            return "theory_talk"
        if team == 1 and month in ((1, 5, 7) if station % 3 else (1, 5)):
            return "family"
        return REGULAR_ACTIVITY

    def _activity(
        self,
        team_id: UUID,
        start: datetime,
        kind: str,
        people: list[tuple[datetime, UUID]],
        station: UUID | None = None,
    ) -> None:
        """Published a week ahead (not before its team), signed up for by those
        registered by then, attended by most, closed an hour after its end; a
        station's activities are in its monthly plan, and a team running a
        library project holds them under it."""
        activities, rng = self.c.activities, self.rng
        title, _, _, category, subcategory = rng.choice(REGULAR_TOPICS)
        if kind in KIND_TOPICS:
            title, category, subcategory = KIND_TOPICS[kind]
        index = self.summary.activities
        activity_id = demo_id("activity", index)
        earliest = self.team_registered[team_id] + timedelta(hours=1)
        published = max(start - timedelta(days=7), earliest)
        self.at(
            published,
            activities.publish,
            PublishActivity(
                team_id,
                title,
                category,
                subcategory,
                "新时代文明实践站",
                rng.choice(SURNAMES) + "队长",
                start,
                start + timedelta(hours=2),
                10,
                activity_id=activity_id,
                kind=kind,
                project_id=self.programme.project_for(team_id, published),
            ),
        )
        if station is not None:
            self.programme.planned(team_id, station, start, title, category)
        ready = [v for registered, v in people if registered < published]
        signed_up = rng.sample(ready, min(len(ready), rng.randint(3, 8)))
        for n, volunteer_id in enumerate(signed_up):
            when = published + timedelta(hours=1, minutes=n)
            self.at(when, activities.sign_up, SignUp(activity_id, volunteer_id))
            if rng.random() < 0.85:
                arrived = start + timedelta(minutes=rng.randint(-10, 20))
                self.at(
                    arrived,
                    activities.check_in,
                    Attend(activity_id, volunteer_id, at=arrived),
                )
        self.at(
            start + timedelta(hours=3), activities.close, CloseActivity(activity_id)
        )
        self.summary.activities += 1

    # -- orders (五单) -----------------------------------------------------------

    def _order(self, index: int, station: UUID) -> None:
        """Walks one order to its target state, so the board shows every state:
        placed in the morning, served the next day at midday, evaluated the day
        after and rewarded two days later."""
        target = ORDER_TARGETS[index % len(ORDER_TARGETS)]
        resident = Actor(Role.RESIDENT, demo_id("resident", index % 4), "居民")
        category, subcategory, title, description = self.rng.choice(ORDERS)
        placed = day(ORDER_DAY + index, 10)
        service = day(ORDER_DAY + index + 1, ORDER_HOUR)
        orders = self.c.orders
        order_id = demo_id("order", index)
        self.at(
            placed,
            orders.place,
            PlaceOrder(
                category,
                subcategory,
                title,
                description,
                station,
                "社区" + str(self.rng.randint(1, 30)) + "号楼",
                service,
                service + timedelta(hours=3),
                order_id=order_id,
            ),
            resident,
        )
        self.summary.orders += 1
        hour = timedelta(hours=1)
        if target == "cancelled":
            self.at(
                placed + hour,
                orders.cancel,
                CancelOrder(order_id, "已自行解决"),
                resident,
            )
            return
        if target == "placed":
            return
        if target == "rejected":
            review = ReviewOrder(order_id, False, "不在本站服务范围")
            self.at(placed + hour, orders.review, review)
            return
        self.at(placed + hour, orders.review, ReviewOrder(order_id, True))
        if target == "reviewed":
            return
        _, volunteer_id = self.rng.choice(self.members[station])
        if target == "open":
            dispatch = DispatchOrder(order_id, open_for_claiming=True)
            self.at(placed + 2 * hour, orders.dispatch, dispatch)
            return
        project = self.programme.station_project(station, placed)
        dispatch = DispatchOrder(
            order_id, volunteer_ids=(volunteer_id,), project_id=project
        )
        self.at(placed + 2 * hour, orders.dispatch, dispatch)
        if target == "dispatched":
            return
        volunteer = self._volunteer_actor(volunteer_id)
        self.at(placed + 3 * hour, orders.accept, AcceptOrder(order_id), volunteer)
        steps = ORDER_TARGETS.index(target)
        if steps >= ORDER_TARGETS.index("started"):
            self.at(service, orders.start, StartOrder(order_id))
        if steps >= ORDER_TARGETS.index("completed"):
            served = Served(volunteer_id, service, service + hour)
            self.at(
                service + 2 * hour, orders.complete, CompleteOrder(order_id, (served,))
            )
        if steps >= ORDER_TARGETS.index("evaluated"):
            stars = self.rng.choice((3, 4, 5, 5, 5))
            evaluation = EvaluateOrder(order_id, stars, "志愿者很热心")
            self.at(service + timedelta(days=1), orders.evaluate, evaluation, resident)
        if target == "rewarded":
            reward = RewardOrder(order_id, Decimal(20), "群众好评")
            self.at(service + timedelta(days=2), orders.reward, reward)

    # -- the credit supermarket ----------------------------------------------------

    def _supermarket(self, station: UUID) -> None:
        """Goods at the first station, and a kiosk PIN for the demo volunteer."""
        opened = day(WINDOW_DAYS - 2, 10)
        for name, price, stock, limit in DEMO_GOODS:
            item = ListItem(
                station,
                name,
                Decimal(price),
                stock,
                limit,
                item_id=demo_id("item", name),
            )
            self.at(opened, self.c.catalog.list, item)
            self.summary.goods += 1
        pin = SetKioskPin(demo_id("volunteer", 0), DEMO_PIN)
        self.at(opened, self.c.kiosks.set_pin, pin)


#: (name, points, stock, daily limit) of the demo station's credit supermarket.
DEMO_GOODS = (
    ("洗衣液", 30, 40, None),
    ("大米 5kg", 80, 20, 1),
    ("食用油", 60, 25, None),
    ("鸡蛋 10枚", 15, 60, 2),
)
#: The demo volunteer's kiosk PIN; a demo only, never a real PIN.
DEMO_PIN = "258025"


#: The demo's people who sign in (POST /v1/sessions), all with DEMO_PASSWORD.
DEMO_LOGINS = {
    Role.ADMIN: "admin",
    Role.COORDINATOR: "coordinator",
    Role.AUDITOR: "auditor",
    Role.VOLUNTEER: "volunteer",
}
#: A demo only: never a real password.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105


def open_demo_login(
    container: Container, role: Role, login: str, scope: dict[str, UUID | None]
) -> dict[str, str]:
    """The demo's login of a role, opened once with the demo password."""
    login_id = demo_id("login", role.value)
    if container.aggregates.find(Login, login_id) is None:
        seed_actor = Actor(Role.ADMIN, demo_id("seed-actor"), "demo-seed")
        command = OpenLogin(
            login,
            role,
            name=f"演示{role.value}",
            unit_id=scope.get("unit_id"),
            volunteer_id=scope.get("volunteer_id"),
            password=DEMO_PASSWORD,
            login_id=login_id,
        )
        container.commands.run(container.logins.open, command, seed_actor)
    return {"login": login, "password": DEMO_PASSWORD}


#: The demo resident's mobile: its login name.
DEMO_RESIDENT_PHONE = "13900000000"


@dataclass(frozen=True)
class DemoResident:
    """The resident who placed the demo's first orders, given a login."""

    container: Container
    community_id: UUID


def _demo_resident_login(cmd: DemoResident, actor: Actor) -> Decision[LoginState]:
    """Residents register themselves with an SMS code; the demo's first one, whose
    orders are on record already, gets its login here."""
    c = cmd.container
    resident_id = demo_id("resident", 0)
    login_id = demo_id("login", Role.RESIDENT.value)
    resident = Resident(
        resident_id=resident_id,
        community_id=cmd.community_id,
        name_masked="李**",
        phone_masked=mask_phone(DEMO_RESIDENT_PHONE),
        actor=actor.label,
    )
    resident.open_login(login_id, cmd.community_id, actor.label)
    resident.consent(PRIVACY_NOTICE.version, agreed=True)
    login = Login.open(
        login_id,
        DEMO_RESIDENT_PHONE,
        Role.RESIDENT,
        "李**",
        actor.label,
        unit_id=cmd.community_id,
        resident_id=resident_id,
        must_change_password=False,
    )
    vault = c.residents.vault
    return Decision(
        [resident, login],
        LoginState.of(login),
        [
            claims.claim(
                RESIDENT_PHONE,
                vault.blind_index(RESIDENT_PHONE, DEMO_RESIDENT_PHONE),
                resident_id,
            ),
            claims.claim(
                LOGIN_NAME_INDEX,
                vault.blind_index(LOGIN_NAME_INDEX, DEMO_RESIDENT_PHONE),
                login_id,
            ),
            vault.store_resident(resident_id, "李秀英", DEMO_RESIDENT_PHONE),
            c.residents.passwords.store(login_id, DEMO_PASSWORD),
        ],
    )


def open_demo_resident(container: Container, community_id: UUID) -> dict[str, str]:
    if container.aggregates.find(Login, demo_id("login", Role.RESIDENT.value)) is None:
        seed_actor = Actor(Role.ADMIN, demo_id("seed-actor"), "demo-seed")
        container.commands.run(
            _demo_resident_login, DemoResident(container, community_id), seed_actor
        )
    return {"login": DEMO_RESIDENT_PHONE, "password": DEMO_PASSWORD}


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
        if role in (Role.ADMIN, Role.COORDINATOR, Role.AUDITOR):
            tokens[role.value]["page"] = f"/office/#token={issued.token}"
        else:
            tokens[role.value]["page"] = "/me/"  # sign in with the login below
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
    for role, name in DEMO_LOGINS.items():
        tokens[role.value] |= open_demo_login(container, role, name, scopes[role])
    tokens[Role.RESIDENT.value] |= open_demo_resident(container, station)
    write_tokens(path, tokens)
    return tokens


def write_tokens(path: Path, tokens: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(tokens, handle, indent=2, ensure_ascii=False)


def with_base(tokens: dict[str, Any], base: str) -> dict[str, Any]:
    """Each role's page as a full address on `base` (where serve listens now)."""
    for entry in tokens.values():
        if isinstance(entry, dict) and "page" in entry:
            page = urlsplit(str(entry["page"]))
            fragment = f"#{page.fragment}" if page.fragment else ""
            entry["page"] = f"{base}{page.path}{fragment}"
    return tokens


def _progress(done: int, total: int) -> None:
    log.info(
        "demo district: %s of %s steps recorded (%d%%)",
        done,
        total,
        100 * done // total,
    )


def ensure_demo(container: Container, base: str | None = None) -> Path:
    """Seeds the demo district on first start; issues tokens when none are on file;
    their pages are full addresses on `base` (default: the settings' public
    address), rewritten when the service moved."""
    home = container.settings.home
    home.mkdir(parents=True, exist_ok=True)
    seeder = DemoSeeder(container)
    if not seeder.is_seeded():
        log.info("seeding the demo district: its history of April to November 2026")
        summary = seeder.seed(progress=_progress)
        log.info("demo seeded: %s", summary)
        if container.projector is not None:
            container.projector.catch_up()  # serve the demo with read models ready
    path = home / TOKENS_FILE
    tokens = (
        json.loads(path.read_text(encoding="utf-8"))
        if path.exists()
        else issue_demo_tokens(container, path)
    )
    write_tokens(path, with_base(tokens, base or container.settings.public_url))
    return path
