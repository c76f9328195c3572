"""The demo district's programme (issue 15), planned as dated steps beside the rest
of its history (entrypoints/demo.py): the project library with its reviews and
brand projects, each station's fixed activity day and monthly plans (December's
still ahead), awards, the benefits list, and the centre's accident insurance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from application.awards import GrantAward, SaveBenefits
from application.insurance import ChangeCover, RegisterPolicy
from application.plans import SavePlan, SetFixedDay
from application.projects import (
    CloseProject,
    DecideProject,
    ProposeProject,
    PublishProgress,
    ReviewProject,
    ReviseProject,
    SetBrand,
)
from domain.access import Actor, Role
from domain.award import AwardLevel, Benefit, Citation, RecipientKind
from domain.insurance import PolicyTerms
from domain.plan import FixedDayKind, PlannedActivity
from domain.project import ProjectPlan
from domain.reference import CHINA_TIME
from entrypoints.demo_calendar import CENTER_ID, day, demo_id

if TYPE_CHECKING:
    from entrypoints.demo import DemoSeeder

#: (name, category, subcategory, goals) of the projects a unit may propose.
PROJECT_IDEAS = [
    ("银龄助餐", "elderly", "daily_care", "为 80 岁以上独居老人每周送餐两次"),
    ("智慧助老课堂", "elderly", "digital_help", "教老年人使用智能手机办事、就医"),
    ("四点半课堂", "children", "social_practice", "放学后为双职工家庭孩子辅导作业"),
    ("理论宣讲轻骑兵", "public", "theory_talks", "把党的创新理论送进社区、田间"),
    ("心灵驿站", "psychological", "expert_visits", "心理专家定期进社区开展疏导"),
    ("法律明白人", "hardship", "legal_aid", "为困难群众提供法律咨询和援助"),
    ("清洁家园", "public", "environment", "每月开展一次河道和楼院清洁"),
    ("爱心助残", "hardship", "disability_support", "为残疾人提供康复陪护和出行帮助"),
]
#: Brand projects held by each institute (the last falls short of 3) and which
#: stations hold one (seed 003: centre 5, institute 3, station 1).
INSTITUTE_BRANDS = (3, 3, 3, 2)
BENEFITS = (
    Benefit(
        "park", "公园景区免费游览", "凭志愿者证免费游览区属公园景区", "区文旅局", 1
    ),
    Benefit(
        "priority", "政务服务优先办理", "在区政务服务中心优先办理", "区行政审批局", 2
    ),
    Benefit("bus", "免费乘坐公交", "凭志愿者证免费乘坐区内公交", "区公交公司", 3),
    Benefit(
        "health",
        "免费健康体检",
        "每年一次免费健康体检",
        "区人民医院",
        award_title="最美志愿者",
    ),
)
PLAN_PLACE = "新时代文明实践站"
FIXED_DAY = 3  # each station team 0 meets on the 3rd: the fixed activity day


@dataclass
class _Project:
    id: UUID
    unit_id: UUID
    team_ids: tuple[UUID, ...]
    admitted: datetime


class DemoProgramme:
    def __init__(self, seeder: DemoSeeder) -> None:
        self.s = seeder
        self.c = seeder.c
        self.projects: list[_Project] = []
        self.by_team: dict[UUID, _Project] = {}
        #: Planned items of each station's month: (station, year, month) -> items.
        self.items: dict[tuple[UUID, int, int], list[PlannedActivity]] = defaultdict(
            list
        )

    # -- the project library --------------------------------------------------------

    def library(self) -> None:
        """Proposed in the first days of April, reviewed by an expert of another
        unit, admitted by the level above (one returned and revised first);
        brands designated on 1 May; progress notices; one closed in October."""

        institutes = list(self.s.stations_of)
        experts = [self._expert(i, unit) for i, unit in enumerate(institutes)]
        center_teams = self.s.teams[CENTER_ID]
        for n in range(6):
            self._project(CENTER_ID, (center_teams[n],), n, experts[n % 4], n < 5)
        for i, (institute, stations) in enumerate(self.s.stations_of.items()):
            teams = self.s.teams[institute]
            for n in range(3):
                brand = n < INSTITUTE_BRANDS[i]
                expert = experts[(i + 1) % 4]
                self._project(institute, (teams[n],), 6 + n + i, expert, brand)
            for k, station in enumerate(stations):
                team = self.s.teams[station][0]
                brand = (i + k) % 4 != 3
                returned = i == 0 and k == 0
                expert = experts[(i + 1) % 4]
                self._project(station, (team,), i + k, expert, brand, returned)
        for n, project in enumerate(self.projects[:6]):
            for month in range(1, 7, 2):
                when = day(30 * month + 27, 16) + timedelta(minutes=n)
                notice = PublishProgress(
                    project.id, f"{month + 4}月进展", "按计划开展服务，群众反映良好"
                )
                self.s.at(when, self.c.projects.publish_progress, notice)
        closing = CloseProject(self.projects[5].id, "项目周期结束，共开展服务 24 次")
        self.s.at(day(200, 10), self.c.projects.close, closing)

    def _expert(self, n: int, unit: UUID) -> Actor:

        return Actor(
            Role.COORDINATOR, demo_id("expert", n), f"评审专家{n + 1}", unit_id=unit
        )

    def _project(
        self,
        unit_id: UUID,
        team_ids: tuple[UUID, ...],
        idea: int,
        expert: Actor,
        brand: bool,
        returned: bool = False,
    ) -> None:

        name, category, subcategory, goals = PROJECT_IDEAS[idea % len(PROJECT_IDEAS)]
        project_id = demo_id("project", len(self.projects))
        plan = ProjectPlan(
            name,
            category,
            subcategory,
            goals,
            (PLAN_PLACE,),
            date(2026, 4, 1),
            date(2026, 12, 31),
            team_ids,
            "街道专项经费",
        )
        n = len(self.projects)
        minute = timedelta(minutes=n)
        projects = self.c.projects
        self.s.at(
            day(1, 10) + minute,
            projects.propose,
            ProposeProject(unit_id, plan, project_id),
        )
        review = ReviewProject(project_id, 80 + n % 15, "需求明确，措施可行")
        self.s.at(day(3, 10) + minute, projects.review, review, expert)
        admitted = day(5, 10) + minute
        if returned:
            back = DecideProject(project_id, False, "请细化服务对象和频次")
            self.s.at(admitted, projects.decide, back)
            detailed = replace(plan, goals=goals + "，每周二、五各一次")
            self.s.at(day(8, 10), projects.revise, ReviseProject(project_id, detailed))
            again = ReviewProject(project_id, 90, "修改后目标具体")
            self.s.at(day(9, 10), projects.review, again, expert)
            admitted = day(11, 10)
        self.s.at(
            admitted, projects.decide, DecideProject(project_id, True, "同意入库")
        )
        if brand:
            citation = SetBrand(project_id, True, "服务常态化，群众口碑好")
            self.s.at(day(30, 10) + minute, projects.set_brand, citation)
        project = _Project(project_id, unit_id, team_ids, admitted)
        self.projects.append(project)
        for team in team_ids:
            self.by_team[team] = project

    def project_for(self, team_id: UUID, published: datetime) -> UUID | None:
        """The admitted project the team runs, for its activities from then on."""
        project = self.by_team.get(team_id)
        if project is None or published <= project.admitted + timedelta(minutes=1):
            return None
        return project.id

    def station_project(self, station: UUID, at: datetime) -> UUID | None:
        """A station's own project, for the orders it dispatches after admission."""
        for project in self.projects:
            if project.unit_id == station and at > project.admitted:
                return project.id
        return None

    # -- plans and the fixed activity day ------------------------------------------

    def planned(
        self, team_id: UUID, station: UUID, start: datetime, title: str, category: str
    ) -> None:
        """A station activity as its month's plan lists it (the plan is saved
        before the month begins)."""

        local = start.astimezone(CHINA_TIME)
        key = (station, local.year, local.month)
        n = len(self.items[key])
        self.items[key].append(
            PlannedActivity(
                demo_id("plan-item", station, local.year, local.month, n),
                title,
                local.date(),
                team_id,
                category,
                PLAN_PLACE,
                f"{local:%H:%M}",
                f"{local + timedelta(hours=2):%H:%M}",
            )
        )

    def plans(self) -> None:
        """Each station's fixed day (the 3rd) and monthly plans: what its teams
        held, one volunteer market on the 25th that was never held, and
        December's plan, saved on 25 November, still ahead."""

        for station, teams in self.s.stations():
            fixed = SetFixedDay(station, FixedDayKind.MONTHLY, FIXED_DAY)
            self.s.at(day(0, 12), self.c.plans.set_fixed_day, fixed)
            for n, team in enumerate(teams):
                title = ("理论政策宣讲", "家庭文明活动", "志愿服务")[n]
                when = datetime(2026, 12, FIXED_DAY + 8 * n, 14, 30, tzinfo=CHINA_TIME)
                self.planned(team, station, when, f"{title}（12月）", "public")
        for (station, year, month), items in sorted(self.items.items()):
            market = PlannedActivity(
                demo_id("plan-market", station, year, month),
                "志愿服务集市",
                date(year, month, 25),
                self.s.teams[station][2],
                "public",
                "实践站广场",
            )
            saved = datetime(year, month, 1, 10, tzinfo=CHINA_TIME) - timedelta(days=6)
            saved = max(saved, day(0, 12))
            command = SavePlan(station, f"{year}-{month:02d}", (*items, market))
            self.s.at(saved, self.c.plans.save, command)

    # -- awards, benefits and insurance --------------------------------------------

    def recognition(self) -> None:
        """The benefits list in April; awards in October (the demo volunteer is a
        最美志愿者, so the kiosk shows a benefit)."""

        self.s.at(day(1, 9), self.c.awards.save_benefits, SaveBenefits(BENEFITS))
        when = day(190, 10)
        awarded_on = when.astimezone(CHINA_TIME).date()
        body = "钢城区新时代文明实践中心"

        def award(kind: RecipientKind, recipient: UUID, title: str, n: int) -> None:
            what = Citation(
                title, AwardLevel.COUNTY, body, awarded_on, "表现突出，事迹感人"
            )
            command = GrantAward(kind, recipient, what, demo_id("award", n))
            self.s.at(when + timedelta(minutes=n), self.c.awards.grant, command)

        for n in range(0, min(self.s.summary.volunteers, 100), 20):
            award(RecipientKind.VOLUNTEER, demo_id("volunteer", n), "最美志愿者", n)
        for n, project in enumerate(self.projects[:2]):
            award(RecipientKind.PROJECT, project.id, "优秀志愿服务项目", 100 + n)
        for n, (station, teams) in enumerate(self.s.stations()[:2]):
            award(RecipientKind.TEAM, teams[1], "优秀志愿服务组织", 200 + n)
            award(RecipientKind.UNIT, station, "最美志愿服务社区", 300 + n)

    def insurance(self) -> None:
        """The centre's policy from 1 April; volunteers are named in two batches
        (8 April and 1 May), so those who served in between were not covered."""

        policy_id = demo_id("policy", 2026)
        terms = PolicyTerms(
            "中国人寿钢城支公司",
            "P2026371203000088",
            date(2026, 4, 1),
            date(2027, 3, 31),
        )
        self.s.at(
            day(0, 8) + timedelta(minutes=30),
            self.c.insurance.register,
            RegisterPolicy(CENTER_ID, terms, policy_id),
        )
        named: set[UUID] = set()
        for batch in (day(7, 18), day(30, 18)):
            ready = [
                v
                for people in self.s.members.values()
                for registered, v in people
                if registered < batch and v not in named
            ]
            named.update(ready)
            for start in range(0, len(ready), 500):
                cover = ChangeCover(
                    policy_id, tuple(ready[start : start + 500]), batch.date()
                )
                self.s.at(batch, self.c.insurance.cover, cover)
