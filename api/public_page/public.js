"use strict";
// The public page: each unit's monthly activity schedule (公布每月活动的时间安排表)
// and its library projects with their progress (项目公示). No token, no names:
// it reads only /v1/public/… of this service.

const KIND = { center: "中心", institute: "所", station: "站" };
const STATE = { published: "已发布", closed: "已结束", planned: "计划", not_held: "未开展" };
const CATEGORY = {};
const WEEKDAYS = "日一二三四五六";
const $ = (id) => document.getElementById(id);
const state = { units: [], unit: null, month: null, tab: "schedule" };

// A refusal in Chinese (/assets/messages.js), never the API's English detail.
const { Problem, said } = window.vledgerMessages;

async function get(path) {
  let response;
  try { response = await fetch(path); } catch { throw new Problem(0, {}); }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Problem(response.status, body);
  return body;
}

function say(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// -- where we are: ?unit=…&month=2026-12#projects --------------------------------

function readLocation() {
  const query = new URLSearchParams(location.search);
  state.unit = query.get("unit");
  const asked = query.get("month");
  state.month = validMonth(asked) ? asked : null;
  state.badMonth = asked && !state.month ? asked : null;
  state.tab = location.hash === "#projects" ? "projects" : "schedule";
}

// 2000-01 to 2099-12: a month a person may ask for in the address.
function validMonth(month) {
  const found = /^(20\d{2})-(0[1-9]|1[0-2])$/.exec(month || "");
  return Boolean(found);
}

function writeLocation() {
  const query = new URLSearchParams();
  if (state.unit) query.set("unit", state.unit);
  if (state.month) query.set("month", state.month);
  history.replaceState(null, "", `?${query}#${state.tab}`);
}

function thisMonth() {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" })
    .formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}`;
}

function shiftMonth(month, by) {
  const [year, number] = month.split("-").map(Number);
  const index = year * 12 + number - 1 + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

// -- units -------------------------------------------------------------------------

async function loadUnits() {
  state.units = await get("/v1/public/units");
  const children = new Map();
  for (const unit of state.units) {
    const siblings = children.get(unit.parent_id) || [];
    children.set(unit.parent_id, [...siblings, unit]);
  }
  // Each unit under its parent, indented by depth.
  const select = $("unit");
  const add = (parent, depth) => {
    for (const unit of children.get(parent) || []) {
      const option = element("option", `${"　".repeat(depth)}${unit.name}（${KIND[unit.kind]}）`);
      option.value = unit.id;
      select.append(option);
      add(unit.id, depth + 1);
    }
  };
  add(null, 0);
  if (!state.units.some((u) => u.id === state.unit)) {
    const station = state.units.find((u) => u.kind === "station");
    state.unit = (station || state.units[0] || {}).id || null;
  }
  select.value = state.unit;
}

async function loadCategories() {
  // The five-fors labels (GET /v1/reference is public).
  const reference = await get("/v1/reference");
  for (const category of reference.service_categories || []) CATEGORY[category.code] = category.label;
}

// -- the schedule ------------------------------------------------------------------

async function showSchedule() {
  const month = state.month || thisMonth();
  const [year, number] = month.split("-");
  $("month-title").textContent = `${year}年${Number(number)}月`;
  const base = `/v1/public/units/${state.unit}/schedule`;
  $("subscribe").href = `${base}.ics`;
  const schedule = await get(`${base}?month=${month}`);
  $("fixed-day").textContent = schedule.fixed_day ? `固定活动日：${schedule.fixed_day}` : "";
  $("fixed-day").hidden = !schedule.fixed_day;
  const rows = schedule.entries.map((entry) => {
    const row = element("tr", undefined, entry.source === "plan" ? "plan" : "");
    const date = `${Number(entry.day.slice(5, 7))}月${Number(entry.day.slice(8))}日 周${WEEKDAYS[weekday(entry.day)]}`;
    const time = entry.start_time ? `${entry.start_time}–${entry.end_time}` : "全天";
    const status = element("span", STATE[entry.state] || entry.state, `state ${entry.state}`);
    for (const text of [date, time, entry.title, entry.team_name || "—", entry.category_label, entry.place]) {
      row.append(element("td", text));
    }
    const cell = element("td");
    cell.append(status);
    row.append(cell);
    return row;
  });
  $("entries").querySelector("tbody").replaceChildren(...rows);
  $("entries").hidden = rows.length === 0;
  $("no-entries").hidden = rows.length > 0;
}

function weekday(isoDay) {
  const [y, m, d] = isoDay.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

// -- the project library -------------------------------------------------------------

async function showProjects() {
  $("project").hidden = true;
  $("project-list").hidden = false;
  const projects = await get(`/v1/public/projects?unit_id=${state.unit}&limit=200`);
  const items = projects.map((project) => {
    const item = element("li");
    const link = element("a", project.name);
    link.href = "#projects";
    link.addEventListener("click", (event) => { event.preventDefault(); showProject(project.id); });
    item.append(link);
    if (project.brand) item.append(element("span", "品牌", "brand"));
    const when = `${project.starts_on} 至 ${project.ends_on}`;
    item.append(element("div", `${project.unit_name} · ${CATEGORY[project.category] || project.category} · ${when}`, "meta"));
    item.append(element("div", project.state === "closed" ? "已结项" : "实施中", "meta"));
    return item;
  });
  $("project-list").replaceChildren(...items);
  $("no-projects").hidden = items.length > 0;
}

async function showProject(id) {
  const project = await get(`/v1/public/projects/${id}`);
  $("project-list").hidden = true;
  $("no-projects").hidden = true;
  $("project").hidden = false;
  $("project-name").replaceChildren(project.name);
  if (project.brand) $("project-name").append(element("span", "品牌项目", "brand"));
  const facts = [
    ["申报单位", project.unit_name],
    ["服务类别", CATEGORY[project.category] || project.category],
    ["项目目标", project.goals],
    ["服务地点", project.places.join("、")],
    ["实施周期", `${project.starts_on} 至 ${project.ends_on}`],
    ["实施队伍", project.teams.map((t) => t.name).join("、")],
    ["状态", project.state === "closed" ? `已结项：${project.summary || ""}` : "实施中"],
  ];
  $("project-facts").replaceChildren(...facts.flatMap(([term, value]) => [element("dt", term), element("dd", value)]));
  const t = project.totals;
  const totals = [
    ["开展活动", `${t.activities} 次`],
    ["服务订单", `${t.orders} 单`],
    ["参与志愿者", `${t.volunteers} 人`],
    ["服务时长", `${t.hours} 小时`],
    ["群众评价", t.average_stars === null ? "暂无" : `${t.average_stars} 星（${t.evaluations} 条）`],
  ];
  $("project-totals").replaceChildren(...totals.map(([label, value]) => {
    const box = element("div", undefined, "total");
    box.append(element("div", value, "value"), element("div", label, "label"));
    return box;
  }));
  const notices = project.progress.map((notice) => {
    const item = element("li");
    item.append(element("strong", notice.title), element("time", notice.published_at.slice(0, 10)));
    item.append(element("div", notice.text));
    return item;
  });
  $("project-progress").replaceChildren(...notices);
  $("no-progress").hidden = notices.length > 0;
}

// -- the page ------------------------------------------------------------------------

async function render() {
  say(state.badMonth ? `没有“${state.badMonth}”这个月份，已显示本月。月份写作 2026-12。` : "");
  state.badMonth = null;
  writeLocation();
  $("tab-schedule").classList.toggle("active", state.tab === "schedule");
  $("tab-projects").classList.toggle("active", state.tab === "projects");
  $("schedule").hidden = state.tab !== "schedule";
  $("projects").hidden = state.tab !== "projects";
  if (!state.unit) return say("暂无单位信息。");
  try {
    if (state.tab === "schedule") await showSchedule();
    else await showProjects();
  } catch (error) {
    say(`加载失败：${said(error)}`);
  }
}


async function start() {
  readLocation();
  try {
    await Promise.all([loadUnits(), loadCategories()]);
  } catch (error) {
    return say(`加载失败：${said(error)}`);
  }
  $("unit").addEventListener("change", () => { state.unit = $("unit").value; render(); });
  $("previous").addEventListener("click", () => { state.month = shiftMonth(state.month || thisMonth(), -1); render(); });
  $("next").addEventListener("click", () => { state.month = shiftMonth(state.month || thisMonth(), 1); render(); });
  $("back").addEventListener("click", showProjects);
  window.addEventListener("hashchange", () => { state.tab = location.hash === "#projects" ? "projects" : "schedule"; render(); });
  await render();
}

document.addEventListener("DOMContentLoaded", start);
