"use strict";
// The office's dashboard: the assessment (GET /v1/reports/assessment) of a unit
// drawn with Plotly (served by this service from the plotly package: no CDN).

const TOKEN_KEY = "vledger-office-token";
// A person signed in on /me/ in this tab: its access token, refreshed when it expires.
const PERSON_KEY = "vledger.me";
const KIND = { center: "中心", institute: "所", station: "站" };
const STARS = ["未定级", "一星", "二星", "三星", "四星", "五星"];
const STATUS = { met: "达标", not_met: "未达标", no_data: "无数据" };
const COLOR = { met: "#2e9d4f", not_met: "#d0392b", no_data: "#aaaaaa" };
const CATEGORY_COLORS = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#95a5a6"];
const FONT = { family: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif", size: 13 };
const CONFIG = { displayModeBar: false, responsive: true, locale: "zh-CN" };
const ROLES = ["admin", "coordinator", "auditor"];
const NOTES = {
  "no population recorded for the year": "本年度未登记常住人口",
  "no registered volunteers": "暂无注册志愿者",
  "no registered party members": "暂无党员志愿者",
  "no teams": "暂无队伍",
  "area kind (community or village) not set": "未设置社区或农村类型",
};
// The teams drawn at most (the fewest activities first).
const TEAMS_SHOWN = 20;
const ROLE_NAMES = { admin: "管理员", coordinator: "协调员", auditor: "审计员" };

const state = {
  token: null,
  me: null,
  home: null, // the unit the reader starts at (its scope, or the top unit)
  unitId: null,
  units: new Map(), // every unit seen in a report: {unit_id, name, kind, parent_id}
  categories: new Map([["unclassified", "未分类"]]),
  report: null,
};

const $ = (id) => document.getElementById(id);

// A refusal, said in Chinese (/assets/messages.js), never the API's English detail.
const { Problem, said } = window.vledgerMessages;

function personSession() {
  try { return JSON.parse(sessionStorage.getItem(PERSON_KEY) || "null"); } catch { return null; }
}

async function refreshPerson() {
  const person = personSession();
  if (!person || person.access !== state.token) return false;
  const response = await fetch("/v1/sessions/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: person.refresh }),
  });
  if (!response.ok) return false;
  const signedIn = await response.json();
  sessionStorage.setItem(PERSON_KEY, JSON.stringify({
    access: signedIn.access_token, refresh: signedIn.refresh_token,
  }));
  state.token = signedIn.access_token;
  return true;
}

async function api(path, retried = false) {
  const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
  let response;
  try { response = await fetch(path, { headers }); } catch { throw new Problem(0, {}); }
  if (response.status === 401 && !retried && await refreshPerson()) return api(path, true);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Problem(response.status, body);
  return body;
}

function explain(error) {
  if (error.status === 401) return "访问令牌无效或已撤销，请重新输入。";
  if (error.status === 403) return "您的账号无权查看该单位的考核数据。";
  if (error.rule === "population_recorded")
    return "该单位尚未登记本年度常住人口，请先登记人口后再查看考核；可从下方进入下级单位。";
  if (error.field === "as_of") return "“截至”日期不能晚于今天。";
  if (error.field === "year") return "所选年度超出可查询范围。";
  return `加载失败：${said(error)}`;
}

/** Who reads the board: a person by name; a machine's token is nobody's name. */
function reader(me) {
  const role = ROLE_NAMES[me.role] || me.role;
  return me.person ? `${role} · ${me.name}` : `${role}（令牌访问）`;
}

function say(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

function show(section) {
  $("sign-in").hidden = section !== "sign-in";
  $("board").hidden = section !== "board";
  $("controls").hidden = section !== "board";
}

// -- starting -------------------------------------------------------------------

async function start() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  state.token = sessionStorage.getItem(TOKEN_KEY) || (personSession() || {}).access || null;
  const link = new URLSearchParams(location.search);
  fillYears(link.get("year"));
  if (link.get("as_of")) $("as-of").value = link.get("as_of");
  state.asked = link.get("unit");
  bind();
  if (!state.token) return show("sign-in");
  try {
    await enter();
  } catch (error) {
    say(explain(error));
    if (error.status === 401) signOut(false);
  }
}

async function enter() {
  state.me = await api("/v1/me");
  if (!ROLES.includes(state.me.role)) {
    signOut(false);
    say("考核看板仅供管理员、协调员和审计员使用。");
    return;
  }
  const reference = await api("/v1/reference");
  for (const c of reference.service_categories) state.categories.set(c.code, c.label);
  if (state.me.unit_id) {
    state.home = state.me.unit_id;
  } else {
    const tops = await api("/v1/units");
    if (!tops.length) return say("尚未登记任何单位。");
    state.home = tops[0].id;
  }
  $("who").textContent = reader(state.me);
  show("board");
  await open(state.asked || state.home);
}

function fillYears(asked) {
  const now = new Date().getFullYear();
  const years = new Set([now + 1, now, now - 1, now - 2, now - 3, now - 4, now - 5]);
  if (/^\d{4}$/.test(asked || "") && asked >= 2000 && asked <= now) years.add(Number(asked));
  for (const y of [...years].sort((a, b) => b - a)) $("year").add(new Option(`${y} 年`, String(y)));
  $("year").value = years.has(Number(asked)) ? String(Number(asked)) : String(now);
}

// -- the tree of units ------------------------------------------------------------

function remember(u) {
  const unit = { unit_id: u.id || u.unit_id, name: u.name, kind: u.kind, parent_id: u.parent_id };
  if (u.lineage) unit.lineage = u.lineage;
  state.units.set(unit.unit_id, { ...state.units.get(unit.unit_id), ...unit });
  return state.units.get(unit.unit_id);
}

async function unit(id) {
  const known = state.units.get(id);
  if (known && known.lineage) return known;
  return remember(await api(`/v1/units/${id}`));
}

async function children(id) {
  const known = [...state.units.values()].filter((u) => u.parent_id === id);
  if (state.report && state.report.unit_id === id) return known;
  return (await api(`/v1/units/${id}/children`)).map(remember);
}

/** The units from where the reader starts down to `id`. */
async function path(id) {
  const here = await unit(id);
  const above = here.lineage || [];
  const from = above.indexOf(state.home);
  const ids = from >= 0 ? [...above.slice(from), id] : [id];
  return Promise.all(ids.map(unit));
}

function bind() {
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    if (!state.token) return;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    say("");
    try {
      await enter();
    } catch (error) {
      say(explain(error));
      if (error.status === 401) signOut(false);
    }
  });
  $("sign-out").addEventListener("click", () => signOut(true));
  $("refresh").addEventListener("click", () => open(state.unitId));
  $("year").addEventListener("change", () => open(state.unitId));
  $("as-of").addEventListener("change", () => open(state.unitId));
  $("unit-select").addEventListener("change", (e) => open(e.target.value));
}

function signOut(clear) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  show("sign-in");
  if (clear) say("");
}

// -- one unit's report ----------------------------------------------------------

async function open(unitId) {
  const query = new URLSearchParams({ unit_id: unitId, year: $("year").value });
  if ($("as-of").value) query.set("as_of", $("as-of").value);
  const link = new URLSearchParams({ unit: unitId, year: $("year").value });
  if ($("as-of").value) link.set("as_of", $("as-of").value);
  history.replaceState(null, "", `${location.pathname}?${link}`);
  document.body.dataset.loading = "true";
  state.unitId = unitId;
  state.report = null;
  try {
    const report = await api(`/v1/reports/assessment?${query}`);
    state.report = report;
    for (const u of report.units) remember(u);
    say("");
    $("figures").hidden = false;
    await render(report);
  } catch (error) {
    say(explain(error));
    $("figures").hidden = true;
    try {
      await renderPicker(unitId);
      renderChildren(await children(unitId));
    } catch (again) {
      say(explain(again));
    }
  } finally {
    document.body.dataset.loading = "false";
  }
}

async function render(report) {
  const unit = report.units[0];
  await renderPicker(unit.unit_id);
  renderKpis(report, unit);
  const drawn = [
    ...renderTargets(unit),
    drawHours(report),
    drawStars(report),
    drawFunnel(report),
    drawTeams(report),
  ];
  renderChildren(report.units.filter((u) => u.parent_id === unit.unit_id));
  await Promise.all(drawn);
  document.body.dataset.rendered = String(Date.now());
}

async function renderPicker(unitId) {
  const trail = await path(unitId);
  const crumbs = $("breadcrumb");
  crumbs.replaceChildren(
    ...trail.map((u, i) => {
      const li = document.createElement("li");
      if (i === trail.length - 1) {
        li.textContent = u.name;
      } else {
        const a = document.createElement("a");
        a.href = "#";
        a.textContent = u.name;
        a.addEventListener("click", (e) => { e.preventDefault(); open(u.unit_id); });
        li.append(a);
      }
      return li;
    })
  );
  const select = $("unit-select");
  select.replaceChildren();
  const walk = (id, depth) => {
    const u = state.units.get(id);
    if (!u) return;
    select.add(new Option(`${"　".repeat(depth)}${u.name}（${KIND[u.kind] || u.kind}）`, id));
    const below = [...state.units.values()].filter((c) => c.parent_id === id);
    below.sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
    for (const c of below) walk(c.unit_id, depth + 1);
  };
  walk(state.home, 0);
  select.value = unitId;
}

function renderKpis(report, unit) {
  const target = (code) => unit.targets.find((t) => t.code === code);
  const registered = target("volunteer_share")?.numerator;
  const hours = report.hours.reduce((sum, c) => sum + Number(c.hours), 0);
  const active = Math.max(0, ...monthly(report.active_volunteers));
  const kpis = [
    ["注册志愿者", registered ?? "—"],
    ["本年服务时长（小时）", hours.toLocaleString("zh-CN")],
    ["单月最多活跃志愿者", active.toLocaleString("zh-CN")],
    ["获得积分", Number(report.points.earned).toLocaleString("zh-CN")],
    ["兑换积分", Number(report.points.redeemed).toLocaleString("zh-CN")],
    ["捐赠积分", Number(report.points.donated).toLocaleString("zh-CN")],
  ];
  $("kpis").replaceChildren(
    ...kpis.map(([label, value]) => {
      const div = document.createElement("div");
      div.className = "kpi";
      div.innerHTML = `<div class="value"></div><div class="label"></div>`;
      div.querySelector(".value").textContent = value;
      div.querySelector(".label").textContent = label;
      return div;
    })
  );
}

// -- the targets as gauges ------------------------------------------------------

function isShare(t) {
  return t.denominator !== null || Number(t.threshold) <= 1;
}

function renderTargets(unit) {
  const box = $("targets");
  box.replaceChildren();
  const counts = { met: 0, not_met: 0, no_data: 0 };
  const drawn = unit.targets.map((t) => {
    counts[t.status] += 1;
    const card = document.createElement("div");
    card.className = `target ${t.status}`;
    card.dataset.code = t.code;
    card.innerHTML = `<h3></h3><span class="status"></span><div class="gauge chart"></div><p class="detail"></p>`;
    card.querySelector("h3").textContent = t.label;
    card.querySelector(".status").textContent = STATUS[t.status];
    card.querySelector(".detail").textContent = detail(t);
    box.append(card);
    return drawGauge(card.querySelector(".gauge"), t);
  });
  $("targets-summary").textContent =
    `共 ${unit.targets.length} 项：达标 ${counts.met} 项，未达标 ${counts.not_met} 项，无数据 ${counts.no_data} 项`;
  return drawn;
}

function detail(t) {
  if (t.status === "no_data") return NOTES[t.note] || t.note || "暂无数据";
  if (t.denominator !== null) return `${t.numerator} / ${t.denominator}，标准 ${percent(t.threshold)}`;
  return `实际 ${Number(t.value)}，标准 ${Number(t.threshold)}`;
}

function percent(value) {
  return `${(Number(value) * 100).toFixed(1).replace(/\.0$/, "")}%`;
}

function drawGauge(div, t) {
  const share = isShare(t);
  const scale = share ? 100 : 1;
  const value = t.value === null ? 0 : Number(t.value) * scale;
  const threshold = Number(t.threshold) * scale;
  const top = share ? 100 : Math.max(threshold * 1.5, value * 1.1, 1);
  return Plotly.newPlot(
    div,
    [{
      type: "indicator",
      mode: t.value === null ? "gauge" : "gauge+number",
      value,
      number: { suffix: share ? "%" : "", valueformat: share ? ".1f" : "d", font: { size: 28 } },
      gauge: {
        axis: { range: [0, top], tickfont: { size: 10 } },
        bar: { color: COLOR[t.status], thickness: 0.6 },
        bgcolor: "#f2f2f2",
        borderwidth: 0,
        threshold: { line: { color: "#222", width: 3 }, thickness: 0.85, value: threshold },
      },
    }],
    { margin: { t: 16, b: 8, l: 24, r: 24 }, font: FONT, paper_bgcolor: "rgba(0,0,0,0)" },
    CONFIG
  );
}

// -- the figures beside the targets ----------------------------------------------

const MONTHS = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);

/** An axis of whole counts (people, teams): no ticks between integers. */
function countAxis(values, extra) {
  const top = Math.max(1, ...values);
  return { rangemode: "tozero", tickformat: ",d", dtick: Math.max(1, Math.ceil(top / 5)), ...extra };
}

/** {1: n, …, 12: n} as twelve numbers. */
function monthly(byMonth) {
  return MONTHS.map((_, i) => Number(byMonth[i + 1] || 0));
}

/** The last month of the report's year the report reaches (China time): 12 for a
 * year before its `as_of`, none for a year after it. */
function lastMonth(report) {
  const [year, month] = new Date(report.as_of)
    .toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }).split("-").map(Number);
  if (report.year < year) return 12;
  return report.year === year ? month : 0;
}

/** Monthly figures up to the cut-off; months after it are not drawn (not zeros). */
function untilCutOff(values, report) {
  const last = lastMonth(report);
  return values.map((value, i) => (i < last ? value : null));
}

function drawHours(report) {
  const byCategory = new Map();
  for (const cell of report.hours) {
    const months = byCategory.get(cell.category) || new Array(12).fill(0);
    months[cell.month - 1] += Number(cell.hours);
    byCategory.set(cell.category, months);
  }
  const codes = [...state.categories.keys()].filter((c) => byCategory.has(c));
  for (const c of byCategory.keys()) if (!codes.includes(c)) codes.push(c);
  const traces = codes.map((code, i) => ({
    type: "bar",
    name: state.categories.get(code) || code,
    x: MONTHS,
    y: byCategory.get(code),
    marker: { color: CATEGORY_COLORS[i % CATEGORY_COLORS.length] },
    hovertemplate: "%{x} %{y} 小时<extra>%{fullData.name}</extra>",
  }));
  traces.push({
    type: "scatter",
    mode: "lines+markers",
    name: "活跃志愿者（人）",
    x: MONTHS,
    y: untilCutOff(monthly(report.active_volunteers), report),
    yaxis: "y2",
    line: { color: "#34495e", width: 3 },
  });
  return Plotly.newPlot(
    $("chart-hours"),
    traces,
    {
      barmode: "stack",
      font: FONT,
      margin: { t: 10, b: 40, l: 60, r: 60 },
      yaxis: { title: { text: "服务时长（小时）" }, rangemode: "tozero" },
      yaxis2: countAxis(monthly(report.active_volunteers), {
        title: { text: "活跃志愿者（人）" }, overlaying: "y", side: "right", showgrid: false,
      }),
      legend: { orientation: "h", y: -0.15 },
    },
    CONFIG
  );
}

function drawStars(report) {
  const counts = STARS.map((_, level) => Number(report.star_levels[level] || 0));
  return Plotly.newPlot(
    $("chart-stars"),
    [{
      type: "bar",
      x: STARS,
      y: counts,
      text: counts.map(String),
      textposition: "outside",
      marker: { color: ["#bdc3c7", "#f9e79f", "#f7dc6f", "#f5b041", "#eb984e", "#dc7633"] },
      hovertemplate: "%{x}：%{y} 人<extra></extra>",
    }],
    { font: FONT, margin: { t: 20, b: 40, l: 50, r: 10 }, yaxis: countAxis(counts, { title: { text: "人数" } }) },
    CONFIG
  );
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(1)} 小时`;
  return `${(seconds / 86400).toFixed(1)} 天`;
}

function drawFunnel(report) {
  const steps = report.funnel;
  const div = $("chart-funnel");
  $("funnel-steps").textContent = steps.map((s) => s.label).join("→");
  Plotly.purge(div);
  if (!steps.some((s) => s.reached > 0)) {
    div.innerHTML = `<p class="empty">暂无数据：这段时间没有点单。</p>`;
    return Promise.resolve();
  }
  div.replaceChildren();
  return Plotly.newPlot(
    div,
    [{
      type: "funnel",
      y: steps.map((s) => s.label),
      x: steps.map((s) => s.reached),
      text: steps.map((s, i) => (i === 0 ? `${s.reached} 单` : `${s.reached} 单 · 中位 ${duration(s.median_seconds)}`)),
      textinfo: "text",
      marker: { color: ["#b83227", "#c0392b", "#d35400", "#e67e22", "#f39c12", "#f1c40f"] },
      hovertemplate: "%{y}：%{x} 单<extra></extra>",
    }],
    { font: FONT, margin: { t: 10, b: 20, l: 80, r: 10 } },
    CONFIG
  );
}

function drawTeams(report) {
  const div = $("chart-teams");
  const all = report.units.flatMap((u) => u.teams_below_standard.map((t) => ({ ...t, unit: u.name })));
  all.sort((a, b) => a.activities - b.activities || a.unit.localeCompare(b.unit, "zh-CN"));
  const teams = all.slice(0, TEAMS_SHOWN);
  $("teams-count").textContent = all.length > teams.length
    ? `共 ${all.length} 支，显示活动最少的 ${teams.length} 支` : `共 ${all.length} 支`;
  Plotly.purge(div);
  div.style.height = "";
  if (!teams.length) {
    div.innerHTML = `<p class="empty">本单位及下级单位没有全年活动不足应开展次数的队伍。</p>`;
    return Promise.resolve();
  }
  div.replaceChildren();
  div.style.height = `${Math.max(220, 70 + 44 * teams.length)}px`;
  // The unit and the team on two lines, the axis as wide as its longest label.
  return Plotly.newPlot(
    div,
    [{
      type: "bar",
      orientation: "h",
      y: teams.map((t) => `${t.name}<br><span style="font-size:11px">${t.unit}</span>`),
      x: teams.map((t) => t.activities),
      text: teams.map((t) => `${t.activities} / ${t.due} 次`),
      textposition: "outside",
      cliponaxis: false,
      marker: { color: "#d0392b" },
      customdata: teams.map((t) => t.due),
      hovertemplate: "%{y}：%{x} 次，应开展 %{customdata} 次<extra></extra>",
    }],
    {
      font: FONT,
      margin: { t: 10, b: 40, l: 10, r: 40 },
      yaxis: { autorange: "reversed", automargin: true },
      xaxis: { range: [0, 13], title: { text: "已开展 / 应开展（次）；虚线为 12 次" } },
      shapes: [{ type: "line", x0: 12, x1: 12, yref: "paper", y0: 0, y1: 1, line: { color: "#222", width: 2, dash: "dot" } }],
    },
    CONFIG
  );
}

function renderChildren(below) {
  const body = $("children").querySelector("tbody");
  body.replaceChildren(
    ...below.map((u) => {
      const count = (s) => (u.targets ? u.targets.filter((t) => t.status === s).length : "—");
      const tr = document.createElement("tr");
      tr.dataset.unitId = u.unit_id;
      for (const [text, cls] of [
        [u.name, ""],
        [KIND[u.kind] || u.kind, ""],
        [count("met"), "good"],
        [count("not_met"), count("not_met") > 0 ? "bad" : ""],
        [count("no_data"), ""],
      ]) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      tr.addEventListener("click", () => open(u.unit_id));
      return tr;
    })
  );
  $("children").hidden = !below.length;
  $("no-children").hidden = !!below.length;
}

start();
