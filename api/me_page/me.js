"use strict";
// A person's own pages (/me/): sign in, then a volunteer's hours, points and star
// level, activities to sign up for, orders to take, messages, teams and
// certificates; a resident's orders and messages. Everything comes from this
// service's /v1 API with the signed-in person's own token.

const STORE = "vledger.me";
const ORDER_STATE = {
  placed: "待审核", reviewed: "待派单", rejected: "未受理", dispatched: "已派单",
  open: "可认领", accepted: "已接单", started: "服务中", completed: "待评价",
  evaluated: "已评价", rewarded: "已奖励", cancelled: "已取消",
};
const ENTRY_STATUS = { live: "", revoked: "已撤销" };
const POINTS_KIND = {
  earned: "获得积分", clawed_back: "更正扣回", redeemed: "兑换", held: "兑换预留",
  hold_redeemed: "预留已兑换", voided: "预留作废退回", expired: "预留过期退回",
  donated: "捐出", received: "受赠",
};
function pointsLabel(line) {
  if (line.kind === "earned") return line.source_kind === "reward" ? "奖单奖励" : "服务时长积分";
  return POINTS_KIND[line.kind] || line.kind;
}

// Reasons people wrote (a correction's, a reward's) are shown; the ledger's own
// bookkeeping words are not.
const peopleWords = (reason) => (/[^\x00-\x7f]/.test(reason || "") ? reason : "");

const STARS = ["未评星", "一星志愿者", "二星志愿者", "三星志愿者", "四星志愿者", "五星志愿者"];
const $ = (id) => document.getElementById(id);
const state = { me: null, view: null };

// -- the session: tokens in this tab's storage, refreshed once on a 401 --------------

function session() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch { return null; }
}

function keep(signedIn) {
  sessionStorage.setItem(STORE, JSON.stringify({
    access: signedIn.access_token, refresh: signedIn.refresh_token,
  }));
}

function forget() { sessionStorage.removeItem(STORE); }

async function refreshed() {
  const current = session();
  if (!current) return false;
  const response = await fetch("/v1/sessions/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: current.refresh }),
  });
  if (!response.ok) { forget(); return false; }
  keep(await response.json());
  return true;
}

// A refusal of the API, said in Chinese (/assets/messages.js): the page never
// shows the API's English detail.
const { Problem, said } = window.vledgerMessages;

async function api(method, path, body, retried = false) {
  const current = session();
  const headers = { "Content-Type": "application/json" };
  if (current) headers.Authorization = `Bearer ${current.access}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Problem(0, {});
  }
  if (response.status === 401 && current && !retried && await refreshed()) {
    return api(method, path, body, true);
  }
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401 && current) { forget(); showSignIn("登录已过期，请重新登录。"); }
  if (!response.ok) throw new Problem(response.status, answer);
  return answer;
}

// -- small helpers ---------------------------------------------------------------------

function say(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const CHINA = { timeZone: "Asia/Shanghai" };
const day = (iso) => new Date(iso).toLocaleDateString("zh-CN", CHINA);
const time = (iso) => new Date(iso).toLocaleString("zh-CN", {
  ...CHINA, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
});
const number = (value) => Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 2 });

function fill(listId, emptyId, items, render) {
  const list = $(listId);
  list.replaceChildren(...items.map(render));
  $(emptyId).hidden = items.length > 0;
}

function row(title, detail, aside) {
  const item = element("li");
  const text = element("div", null, "text");
  text.append(element("div", title, "title"));
  if (detail) text.append(element("div", detail, "detail"));
  item.append(text);
  if (aside) item.append(aside);
  return item;
}

function button(label, action) {
  const node = element("button", label);
  node.type = "button";
  node.addEventListener("click", async () => {
    node.disabled = true;
    try { await action(node); } catch (error) { say(said(error)); node.disabled = false; }
  });
  return node;
}

// -- signing in and out ------------------------------------------------------------

function showOnly(...ids) {
  for (const id of ["sign-in", "register-volunteer", "register-resident", "change-password",
    "overview", "activities", "orders", "inbox", "mine", "registrations", "staff"]) {
    $(id).hidden = !ids.includes(id);
  }
  $("tabs").hidden = !state.me || state.me.must_change_password;
  $("sign-out").hidden = !state.me;
}

function showSignIn(text) {
  state.me = null;
  $("who").textContent = "";
  showOnly("sign-in");
  say(text);
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("");
  try {
    keep(await api("POST", "/v1/sessions", {
      login: $("login").value, password: $("password").value,
    }));
    $("password").value = "";
    await start();
  } catch (error) {
    say(said(error));
  }
});

$("change-password").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("PUT", "/v1/me/password", {
      current_password: $("current-password").value, new_password: $("new-password").value,
    });
    forget();
    showSignIn("密码已更新，请用新密码登录。");
  } catch (error) {
    if (error.rule === "login_unlocked") { forget(); showSignIn(said(error)); return; }
    say(said(error));
  }
});

$("sign-out").addEventListener("click", async () => {
  try { await api("DELETE", "/v1/sessions/current"); } catch { /* signed out anyway */ }
  forget();
  showSignIn("您已退出。");
});

// -- the views ---------------------------------------------------------------------------

async function overview() {
  const id = state.me.volunteer_id;
  const [person, hours, statement] = await Promise.all([
    api("GET", `/v1/volunteers/${id}`),
    api("GET", `/v1/volunteers/${id}/hours?limit=30`),
    api("GET", `/v1/accounts/${id}/entries?limit=30`),
  ]);
  $("who").textContent = `${person.name} · ${person.volunteer_number}`;
  $("star-level").textContent = STARS[person.star_level];
  $("hours").textContent = number(person.verified_hours);
  $("points").textContent = number(person.points_balance);
  const toNext = person.hours_to_next_star;
  const done = Number(person.verified_hours);
  $("star-bar").style.width = toNext === null ? "100%"
    : `${Math.round((100 * done) / (done + Number(toNext)))}%`;
  $("next-star").textContent = toNext === null ? "您已是五星志愿者，感谢您的奉献！"
    : `再服务 ${number(toNext)} 小时即可成为${STARS[person.star_level + 1]}。`;
  fill("entries", "no-entries", hours.items, (entry) => {
    const notes = [ENTRY_STATUS[entry.status] || "", entry.pending_request_id ? "更正审核中" : "",
      entry.revision > 1 && entry.status === "live" ? "已更正" : "",
      entry.revision > 1 && entry.last_change_reason ? `（${entry.last_change_reason}）` : ""];
    return row(entry.activity_name, `${day(entry.started_at)} · ${entry.location} ${notes.join(" ")}`,
      element("span", `${number(entry.hours)} 小时`, "amount"));
  });
  fill("statement", "no-statement", statement, (line) => row(
    pointsLabel(line), [day(line.occurred_at), peopleWords(line.reason)].filter(Boolean).join(" · "),
    element("span", `${Number(line.points) > 0 ? "+" : ""}${number(line.points)}`, "amount"),
  ));
}

async function activities() {
  const list = await api("GET", "/v1/activities?state=published&limit=200");
  const now = Date.now();
  const upcoming = list.filter((a) => new Date(a.starts_at) > now)
    .sort((a, b) => new Date(a.starts_at) - new Date(b.starts_at));
  fill("activity-list", "no-activities", upcoming, (activity) => {
    const mine = activity.attendance.some((a) => a.volunteer_id === state.me.volunteer_id);
    const full = activity.signed_up >= activity.capacity;
    const action = mine ? element("span", "已报名", "done")
      : full ? element("span", "已满", "done")
        : button("报名", async (node) => {
          await api("POST", `/v1/activities/${activity.id}/signups`, {});
          node.replaceWith(element("span", "已报名", "done"));
        });
    return row(activity.title,
      `${time(activity.starts_at)} · ${activity.location} · 已报 ${activity.signed_up}/${activity.capacity}`,
      action);
  });
}

// -- orders: a volunteer's to take; a resident's own, placed here (点单) ---------------

// The steps of the five-order loop as a resident follows them; a state reaches
// every step up to its own.
const ORDER_STEPS = ["已点单", "已受理", "已派单", "已接单", "服务中", "已完成", "已评价"];
const STEP_OF = {
  placed: 0, reviewed: 1, rejected: 1, dispatched: 2, open: 2, accepted: 3,
  started: 4, completed: 5, evaluated: 6, rewarded: 6, cancelled: -1,
};
const CANCELLABLE = ["placed", "reviewed", "dispatched", "open", "accepted", "started"];

// `position`: of a write just answered, so that the list shows it (read your writes).
const after = (position) => (position ? `&min_position=${position}` : "");

async function orders(position) {
  const resident = state.me.role === "resident";
  $("orders-title").textContent = resident ? "我的点单" : "派给我的单和可认领的单";
  $("new-order").hidden = !resident || !$("order-form").hidden;
  const list = await api("GET", `/v1/orders?limit=100${after(position)}`);
  if (resident) await reference();
  fill("order-list", "no-orders", list, (order) => (resident ? myOrder(order) : toTake(order)));
  $("no-orders").textContent = resident ? "还没有点单。需要帮助时点“我要点单”。" : "暂时没有单。";
}

function toTake(order) {
  let action = element("span", ORDER_STATE[order.state] || order.state, `state ${order.state}`);
  if (["dispatched", "open"].includes(order.state)
    && !order.accepted_by.includes(state.me.volunteer_id)) {
    action = button("接单", async (node) => {
      await api("POST", `/v1/orders/${order.id}/accept`);
      node.replaceWith(element("span", "已接单", "done"));
    });
  }
  const contact = order.contact_name ? ` · 联系人 ${order.contact_name} ${order.contact_phone}` : "";
  return row(order.title, `${time(order.window_start)} · ${order.address}${contact}`, action);
}

function myOrder(order) {
  const item = element("li", null, "order");
  const head = element("div", null, "head");
  const text = element("div", null, "text");
  text.append(element("div", order.title, "title"),
    element("div", `${time(order.window_start)} · ${order.address} · ${categoryLabel(order)}`,
      "detail"));
  head.append(text, element("span", ORDER_STATE[order.state] || order.state, `state ${order.state}`));
  item.append(head, progress(order));
  if (order.last_reason && ["rejected", "cancelled"].includes(order.state)) {
    item.append(element("div", `原因：${order.last_reason}`, "note"));
  }
  const tools = element("div", null, "tools");
  if (order.state === "completed") tools.append(evaluation(order));
  if (CANCELLABLE.includes(order.state)) tools.append(cancelling(order));
  if (tools.childElementCount) item.append(tools);
  return item;
}

function progress(order) {
  // Each step up to the order's state is done; a rejected order stops there.
  const steps = element("div", null, "steps");
  const reached = STEP_OF[order.state] ?? -1;
  const shown = order.state === "rejected" ? ["已点单", "未受理"] : ORDER_STEPS;
  if (reached < 0) return steps;
  shown.forEach((label, index) => {
    const step = element("span", label);
    if (order.state === "rejected" && index === 1) step.classList.add("refused");
    else if (index <= reached) step.classList.add("reached");
    steps.append(step);
  });
  return steps;
}

function cancelling(order) {
  return button("取消点单", async (node) => {
    const box = element("span", null, "cancel-box");
    const reason = element("input");
    reason.placeholder = "取消原因（必填）";
    reason.maxLength = 500;
    reason.setAttribute("aria-label", "取消原因");
    box.append(reason, button("确认取消", async (confirm) => {
      if (!reason.value.trim()) { say("请填写取消原因。"); confirm.disabled = false; return; }
      const cancelled = await api("POST", `/v1/orders/${order.id}/cancel`,
        { reason: reason.value });
      await orders(cancelled.position);
      say("点单已取消。");
    }));
    node.replaceWith(box);
    reason.focus();
  });
}

function evaluation(order) {
  const box = element("span", null, "evaluate");
  const stars = element("select");
  stars.setAttribute("aria-label", "评分");
  for (let n = 5; n >= 1; n -= 1) {
    const option = element("option", "★".repeat(n));
    option.value = String(n);
    stars.append(option);
  }
  box.append(stars, button("评价", async () => {
    await api("POST", `/v1/orders/${order.id}/evaluation`, { stars: Number(stars.value) });
    box.replaceWith(element("span", "已评价", "done"));
  }));
  return box;
}

// -- placing an order -----------------------------------------------------------------

async function reference() {
  if (!state.reference) state.reference = await api("GET", "/v1/reference");
  return state.reference;
}

function categoryLabel(order) {
  const category = (state.reference?.service_categories || []).find((c) => c.code === order.category);
  if (!category) return "";
  const sub = category.subcategories.find((s) => s.code === order.subcategory);
  return sub ? `${category.label} · ${sub.label}` : category.label;
}

function fillSubcategories() {
  const category = state.reference.service_categories
    .find((c) => c.code === $("o-category").value);
  const none = element("option", "（不限）");
  none.value = "";
  $("o-subcategory").replaceChildren(none, ...(category?.subcategories || []).map((s) => {
    const option = element("option", s.label);
    option.value = s.code;
    return option;
  }));
}

async function openOrderForm() {
  say("");
  try {
    const [ref] = await Promise.all([reference(), loadPublic()]);
    $("o-category").replaceChildren(...ref.service_categories.map((c) => {
      const option = element("option", c.label);
      option.value = c.code;
      return option;
    }));
    fillSubcategories();
    if (state.me.community_id) $("o-station").value = state.me.community_id;
    const tomorrow = new Date(Date.now() + 86_400_000);
    $("o-day").value = tomorrow.toLocaleDateString("sv-SE", CHINA);
    $("o-day").min = new Date().toLocaleDateString("sv-SE", CHINA);
    $("order-form").hidden = false;
    $("new-order").hidden = true;
    $("o-title").focus();
  } catch (error) { say(said(error)); }
}

function closeOrderForm() {
  $("order-form").hidden = true;
  $("new-order").hidden = false;
}

$("new-order").addEventListener("click", openOrderForm);
$("order-cancel-form").addEventListener("click", closeOrderForm);
$("o-category").addEventListener("change", fillSubcategories);

$("order-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const at = (clock) => `${$("o-day").value}T${clock}:00+08:00`;
  const optional = (id) => $(id).value.trim() || undefined;
  try {
    const placed = await api("POST", "/v1/orders", {
      category: $("o-category").value, subcategory: $("o-subcategory").value || undefined,
      title: $("o-title").value, description: $("o-description").value,
      station_id: $("o-station").value, address: $("o-address").value,
      window_start: at($("o-start").value), window_end: at($("o-end").value),
      contact_name: optional("o-contact-name"), contact_phone: optional("o-contact-phone"),
    });
    $("order-form").reset();
    closeOrderForm();
    await orders(placed.position);
    say("点单已提交，实践站审核后会派志愿者与您联系。");
  } catch (error) { say(said(error)); }
});

async function inbox() {
  const box = await api("GET", "/v1/me/notifications?limit=100");
  showUnread(box.unread);
  fill("notification-list", "no-notifications", box.items, (notice) => {
    const item = row(notice.title, `${notice.body} · ${time(notice.created_at)}`);
    if (!notice.read) {
      item.classList.add("unread");
      item.addEventListener("click", async () => {
        const marked = await api("POST", "/v1/me/notifications/read", { ids: [notice.id] });
        item.classList.remove("unread");
        showUnread(marked.unread);
      }, { once: true });
    }
    return item;
  });
  $("read-all").onclick = async () => {
    const ids = box.items.filter((n) => !n.read).map((n) => n.id);
    if (ids.length) await api("POST", "/v1/me/notifications/read", { ids });
    await inbox();
  };
}

function showUnread(count) {
  $("unread").textContent = count > 99 ? "99+" : String(count);
  $("unread").hidden = count === 0;
}

async function mine() {
  const id = state.me.volunteer_id;
  const [teams, certificates] = await Promise.all([
    api("GET", `/v1/volunteers/${id}/teams`),
    api("GET", `/v1/volunteers/${id}/certificates`),
  ]);
  fill("team-list", "no-teams", teams, (team) => row(
    team.name, `${day(team.joined_at)} 加入`, team.is_leader ? element("span", "队长", "done") : null,
  ));
  fill("certificate-list", "no-certificates", certificates, (c) => row(
    `证明编号 ${c.number}`, `${c.period_from} 至 ${c.period_to} · ${c.issuer_name}`,
    element("span", c.revoked_at ? "已撤销" : `${number(c.hours)} 小时`, "amount"),
  ));
}

async function registrations() {
  const waiting = await api("GET", "/v1/volunteer-registrations?status=pending&limit=100");
  // The queue is masked; each one's clear data is read to check the ID card.
  const people = await Promise.all(
    waiting.map((r) => api("GET", `/v1/volunteer-registrations/${r.id}`)),
  );
  fill("registration-list", "no-registrations", people, (r) => {
    const item = row(`${r.name} · ${r.gender === "male" ? "男" : "女"} · ${r.birth_year} 年生`,
      `身份证 ${r.id_number} · 手机 ${r.phone} · ${r.station_name} · ${day(r.submitted_at)}提交`);
    const actions = element("span", null, "decide");
    actions.append(
      button("核验通过", async () => {
        const approved = await api("POST", `/v1/volunteer-registrations/${r.id}/approval`,
          { identity_checked: true });
        actions.replaceWith(element("span", `已通过 ${approved.volunteer_number}`, "done"));
      }),
      button("不通过", async (node) => {
        const reason = window.prompt("不通过的原因（申请人会看到）：");
        if (!reason) { node.disabled = false; return; }
        await api("POST", `/v1/volunteer-registrations/${r.id}/refusal`, { reason });
        actions.replaceWith(element("span", "未通过", "done"));
      }),
    );
    item.append(actions);
    return item;
  });
}

const VIEWS = { overview, activities, orders, inbox, mine, registrations };

// -- registering oneself (no account yet) ---------------------------------------------

let publicLoaded = false;

async function loadPublic() {
  if (publicLoaded) return;
  const [units, notice] = await Promise.all([
    api("GET", "/v1/public/units"), api("GET", "/v1/public/privacy-notice"),
  ]);
  state.notice = notice;
  for (const select of document.querySelectorAll("select.stations")) {
    select.replaceChildren(...units.filter((u) => u.kind === "station").map((u) => {
      const option = element("option", u.name);
      option.value = u.id;
      return option;
    }));
  }
  for (const node of document.querySelectorAll(".notice-title")) node.textContent = `阅读《${notice.title}》`;
  for (const node of document.querySelectorAll(".notice-name")) node.textContent = notice.title;
  for (const node of document.querySelectorAll(".notice-text")) node.textContent = notice.text;
  publicLoaded = true;
}

async function showRegistration(view) {
  showOnly(view);
  say("");
  try { await loadPublic(); } catch (error) { say(said(error)); }
}

const consent = () => ({ notice_version: state.notice.version, agreed: true });

$("register-volunteer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const skills = $("v-skills").value.split(/[,，、\s]+/).filter(Boolean);
  try {
    const registered = await api("POST", "/v1/public/volunteer-registrations", {
      name: $("v-name").value, gender: $("v-gender").value, birth_date: $("v-birth").value,
      id_number: $("v-id").value, phone: $("v-phone").value, station_id: $("v-station").value,
      skills, login: $("v-login").value, password: $("v-password").value, consent: consent(),
    });
    const station = $("v-station").selectedOptions[0].textContent;
    history.replaceState(null, "", "#");
    showSignIn(`注册已提交，请携带身份证到${station}核验；通过后用登录名 ${$("v-login").value} 登录。`
      + `（登记号 ${registered.id.slice(0, 8)}）`);
  } catch (error) { say(said(error)); }
});

$("r-send-code").addEventListener("click", async () => {
  const sender = $("r-send-code");
  try {
    await api("POST", "/v1/public/phone-codes", { phone: $("r-phone").value });
    say("验证码已发送，10 分钟内有效。");
    sender.disabled = true;
    let left = 60;
    const tick = setInterval(() => {
      left -= 1;
      sender.textContent = left > 0 ? `${left} 秒后重发` : "获取验证码";
      if (left <= 0) { clearInterval(tick); sender.disabled = false; }
    }, 1000);
  } catch (error) { say(said(error)); }
});

$("register-resident").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/v1/public/residents", {
      name: $("r-name").value, phone: $("r-phone").value, community_id: $("r-community").value,
      password: $("r-password").value, phone_code: $("r-code").value, consent: consent(),
    });
    keep(await api("POST", "/v1/sessions", {
      login: $("r-phone").value, password: $("r-password").value,
    }));
    history.replaceState(null, "", "#orders");
    await start();
  } catch (error) { say(said(error)); }
});

// -- where we are -----------------------------------------------------------------------

function allowedViews() {
  return [...document.querySelectorAll("#tabs a")]
    .filter((a) => a.dataset.roles.split(" ").includes(state.me.role))
    .map((a) => a.dataset.view);
}

async function route() {
  if (!state.me || state.me.must_change_password) return;
  const allowed = allowedViews();
  const wanted = location.hash.slice(1);
  const view = allowed.includes(wanted) ? wanted : allowed[0];
  for (const tab of document.querySelectorAll("#tabs a")) {
    tab.hidden = !allowed.includes(tab.dataset.view);
    tab.classList.toggle("active", tab.dataset.view === view);
  }
  if (!view) { showOnly("staff"); return; }
  const staff = ["admin", "coordinator"].includes(state.me.role);
  showOnly(view, ...(staff ? ["staff"] : []));
  say("");
  try { await VIEWS[view](); } catch (error) { if (state.me) say(said(error)); }
}

async function start() {
  if (!session()) {
    const wanted = location.hash.slice(1);
    if (["register-volunteer", "register-resident"].includes(wanted)) await showRegistration(wanted);
    else showSignIn();
    return;
  }
  try { state.me = await api("GET", "/v1/me"); } catch { return; }
  if (!state.me) return;
  $("who").textContent = state.me.name;
  if (state.me.must_change_password) { showOnly("change-password"); say(""); return; }
  if (!["volunteer", "resident"].includes(state.me.role)) {
    $("who").textContent = `${state.me.name}（工作人员）`;
  }
  api("GET", "/v1/me/notifications?unread_only=true&limit=1")
    .then((box) => showUnread(box.unread)).catch(() => {});
  await route();
}

window.addEventListener("hashchange", () => (state.me ? route() : start()));
start();
