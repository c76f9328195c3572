// The credit-supermarket kiosk (信用超市): identify, pick goods, redeem, receipt.
// Plain JavaScript against the public API; the device token stays in localStorage.
"use strict";

const TOKEN_KEY = "vledger.kioskToken";
const IDLE_MS = 90_000;
const RETRIES = 5;

//: What a refusal means at a kiosk, where it differs from every page's words.
const MESSAGES = {
  unauthorized: () => "设备令牌无效或已停用，请重新设置。",
};

const state = { token: null, session: null, volunteer: null, catalog: [], basket: new Map(),
  idle: null };
const $ = (id) => document.getElementById(id);

function show(section) {
  for (const id of ["setup", "identify", "shop", "confirm", "receipt"]) {
    $(id).hidden = id !== section;
  }
  $("sign-out").hidden = !state.session;
  if (section !== "setup" && section !== "identify") resetIdle(); else clearTimeout(state.idle);
}

function say(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

// In Chinese, never the API's English detail (/assets/messages.js).
function explain(problem, status) {
  const words = window.vledgerMessages;
  if (!status && !problem?.status) return words.UNREACHABLE;
  const message = MESSAGES[problem?.rule];
  return message ? message(problem) : words.explainProblem(problem, status);
}

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "kiosk-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function call(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json",
      ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    localStorage.removeItem(TOKEN_KEY);
    state.token = null;
    show("setup");
  }
  return { status: response.status, data };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A flaky network: resend with the same Idempotency-Key, so nothing is spent twice.
async function callWithRetries(method, path, body, headers) {
  let last = null;
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    try {
      last = await call(method, path, body, headers);
      const busy = last.status === 503 ||
        (last.status === 409 && last.data?.rule === "idempotency_key_not_in_progress");
      if (!busy) return last;
    } catch (error) {
      last = null;
    }
    await sleep(500 * (attempt + 1));
  }
  return last ?? { status: 0, data: null };
}

function stars(volunteer) {
  if (!volunteer.star_level) return "尚未评星";
  return `${volunteer.star_label} ${"★".repeat(volunteer.star_level)}`;
}

function resetIdle() {
  clearTimeout(state.idle);
  state.idle = setTimeout(signOut, IDLE_MS);
}

// -- device setup --------------------------------------------------------------

function start() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    localStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, "", location.pathname);
    // A new device token (even on an open page): whoever was identified is gone.
    state.session = null;
    state.volunteer = null;
  }
  state.token = localStorage.getItem(TOKEN_KEY);
  show(state.token ? "identify" : "setup");
}

function saveToken() {
  const token = $("device-token").value.trim();
  if (!token) return say("请输入设备令牌");
  localStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  say("");
  show("identify");
}

// -- identify ------------------------------------------------------------------

function keypad(event) {
  const key = event.target.dataset.key;
  if (!key) return;
  const field = document.activeElement === $("volunteer-number") ? $("volunteer-number")
    : $("pin");
  if (key === "clear") field.value = "";
  else if (key === "back") field.value = field.value.slice(0, -1);
  else if (field.id !== "pin" || field.value.length < 6) field.value += key;
}

async function identify(event) {
  event.preventDefault();
  const number = $("volunteer-number").value.trim();
  if (!number) return refused("请输入志愿者编号。", $("volunteer-number"));
  if (!/^\d{6}$/.test($("pin").value)) return refused("请输入 6 位数字密码。", $("pin"));
  say("");
  $("identify-button").disabled = true;
  try {
    const result = await call("POST", "/v1/kiosk/identify", {
      volunteer_number: number, pin: $("pin").value,
    });
    if (result.status !== 201) {
      const field = result.data?.rule?.startsWith("volunteer_number")
        ? $("volunteer-number") : $("pin");
      return refused(explain(result.data, result.status), field);
    }
    state.session = result.data.session;
    state.volunteer = result.data.volunteer;
    $("pin").value = "";
    await openShop();
  } catch (error) {
    refused(explain(null, 0), $("pin"));
  } finally {
    $("identify-button").disabled = false;
  }
}

// Every refusal clears the PIN: the keypad takes a new one, and nothing sends the
// refused PIN again (each wrong one spends an attempt).
function refused(text, field) {
  say(text);
  $("pin").value = "";
  field.focus();
}

// -- shop ----------------------------------------------------------------------

async function openShop() {
  const result = await call("GET", "/v1/kiosk/catalog");
  if (result.status !== 200) return say(explain(result.data, result.status));
  state.catalog = result.data;
  state.basket.clear();
  $("who-name").textContent = state.volunteer.name_masked;
  $("who-star").textContent = stars(state.volunteer);
  $("who-balance").textContent = state.volunteer.balance;
  renderCatalog();
  show("shop");
  await showBenefits();
}

// The 礼遇优待 the volunteer's star level and awards bring (none: hidden).
async function showBenefits() {
  $("benefits").hidden = true;
  const result = await call("GET", `/v1/volunteers/${state.volunteer.id}/benefits`,
    undefined, { "X-Kiosk-Session": state.session });
  if (result.status !== 200 || result.data.benefits.length === 0) return;
  const list = $("benefit-list");
  list.replaceChildren(...result.data.benefits.map((benefit) => {
    const item = document.createElement("li");
    const label = document.createElement("strong");
    label.textContent = benefit.label;
    item.append(label, `：${benefit.description}（${benefit.provider}）`);
    return item;
  }));
  $("benefits").hidden = false;
}

function renderCatalog() {
  const list = $("catalog");
  list.replaceChildren(...state.catalog.map((item) => {
    const li = document.createElement("li");
    li.dataset.itemId = item.id;
    const quantity = state.basket.get(item.id) || 0;
    li.innerHTML = `<div class="name"></div><div class="price"></div><div class="stock"></div>
      <div class="qty"><button type="button" class="less" aria-label="减少">-</button>
      <output></output><button type="button" class="more" aria-label="增加">+</button></div>`;
    li.querySelector(".name").textContent = item.name;
    li.querySelector(".price").textContent = `${item.price_points} 积分`;
    li.querySelector(".stock").textContent = item.stock > 0
      ? `库存 ${item.stock}${item.daily_limit ? ` · 每人每日限 ${item.daily_limit}` : ""}`
      : "已售罄";
    li.querySelector("output").textContent = quantity;
    li.querySelector(".less").disabled = quantity === 0;
    li.querySelector(".more").disabled = quantity >= maxQuantity(item);
    return li;
  }));
  const total = basketTotal();
  $("basket-total").textContent = total;
  $("checkout").disabled = total === 0 || total > state.volunteer.balance;
  say(total > state.volunteer.balance ? "积分不足" : "");
}

function maxQuantity(item) {
  return item.daily_limit ? Math.min(item.stock, item.daily_limit) : item.stock;
}

function basketTotal() {
  let total = 0;
  for (const item of state.catalog) total += (state.basket.get(item.id) || 0) * item.price_points;
  return Math.round(total * 100) / 100;
}

function changeQuantity(event) {
  const button = event.target.closest("button");
  const li = event.target.closest("li");
  if (!button || !li) return;
  const item = state.catalog.find((i) => i.id === li.dataset.itemId);
  const now = state.basket.get(item.id) || 0;
  const next = button.classList.contains("more") ? now + 1 : now - 1;
  if (next <= 0) state.basket.delete(item.id);
  else state.basket.set(item.id, Math.min(next, maxQuantity(item)));
  renderCatalog();
}

function basketLines() {
  return state.catalog.filter((item) => state.basket.has(item.id)).map((item) => ({
    item, quantity: state.basket.get(item.id),
  }));
}

function renderLines(list, lines) {
  list.replaceChildren(...lines.map((line) => {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = `${line.name} × ${line.quantity}`;
    const points = document.createElement("span");
    points.textContent = `${line.points} 积分`;
    li.append(name, points);
    return li;
  }));
}

function checkout() {
  const lines = basketLines().map(({ item, quantity }) => ({
    name: item.name, quantity, points: Math.round(item.price_points * quantity * 100) / 100,
  }));
  const total = basketTotal();
  renderLines($("confirm-lines"), lines);
  $("confirm-total").textContent = total;
  $("confirm-after").textContent = Math.round((state.volunteer.balance - total) * 100) / 100;
  state.key = newKey(); // one key per confirmed basket, reused by every retry
  say("");
  show("confirm");
}

async function redeem() {
  $("redeem").disabled = true;
  try {
    const items = basketLines().map(({ item, quantity }) => ({ item_id: item.id, quantity }));
    const result = await callWithRetries("POST", "/v1/redemptions",
      { volunteer_id: state.volunteer.id, items },
      { "Idempotency-Key": state.key, "X-Kiosk-Session": state.session });
    if (result.status !== 201) {
      say(explain(result.data, result.status));
      if (result.data?.rule === "kiosk_session_valid") return endSession();
      return openShop();
    }
    state.volunteer.balance = result.data.balance;
    renderLines($("receipt-lines"), result.data.lines);
    $("receipt-points").textContent = result.data.points;
    $("receipt-balance").textContent = result.data.balance;
    $("receipt-id").textContent = result.data.id.slice(0, 8).toUpperCase();
    $("receipt-time").textContent = new Date().toLocaleString("zh-CN");
    show("receipt");
  } finally {
    $("redeem").disabled = false;
  }
}

// -- leaving -------------------------------------------------------------------

function endSession() {
  state.session = null;
  state.volunteer = null;
  state.basket.clear();
  $("volunteer-number").value = "";
  $("pin").value = "";
  show("identify");
}

async function signOut() {
  const session = state.session;
  endSession();
  say("");
  if (session) {
    try { await call("POST", "/v1/kiosk/sign-out", undefined, { "X-Kiosk-Session": session }); }
    catch (error) { /* the session expires by itself */ }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("save-token").addEventListener("click", saveToken);
  $("identify-form").addEventListener("submit", identify);
  document.querySelector(".keypad").addEventListener("click", keypad);
  document.querySelector(".keypad").addEventListener("mousedown", (e) => e.preventDefault());
  $("catalog").addEventListener("click", changeQuantity);
  $("checkout").addEventListener("click", checkout);
  $("back").addEventListener("click", () => show("shop"));
  $("redeem").addEventListener("click", redeem);
  $("done").addEventListener("click", signOut);
  $("sign-out").addEventListener("click", signOut);
  document.addEventListener("pointerdown", () => { if (state.session) resetIdle(); });
  window.addEventListener("hashchange", start);
  start();
});
