// Kansa's analyst UI: a small page over the /v1 API. The token stays in
// this tab's sessionStorage; every text from the API is set with
// textContent (never parsed as HTML).
"use strict";

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function token() { return sessionStorage.getItem("kansa-token"); }

async function api(method, path, body) {
  const headers = { "Authorization": "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const ct = r.headers.get("content-type") || "";
  const data = ct.includes("json") ? await r.json() : await r.text();
  if (r.status === 401) { logout(); throw new Error("please log in again"); }
  if (!r.ok) throw new Error((data && data.error && data.error.message) || ("HTTP " + r.status));
  return data;
}

function logout() {
  sessionStorage.removeItem("kansa-token");
  $("#nav").hidden = true;
  $("#view").hidden = true;
  $("#login-view").hidden = false;
}

async function login(ev) {
  ev.preventDefault();
  const t = $("#token").value.trim();
  sessionStorage.setItem("kansa-token", t);
  try {
    const me = await api("GET", "/v1/me");
    $("#login-error").textContent = "";
    $("#who").textContent = me.user + " (" + me.role + ")";
    $("#login-view").hidden = true;
    $("#nav").hidden = false;
    $("#view").hidden = false;
    if (!location.hash || location.hash === "#/") location.hash = "#/queue";
    else route();
  } catch (e) {
    sessionStorage.removeItem("kansa-token");
    $("#login-error").textContent = "Log in failed: " + e.message;
  }
}

function view(title, ...children) {
  const v = $("#view");
  v.replaceChildren(el("h2", {}, title), ...children);
  return v;
}

function errorBox(e) { return el("p", { class: "error", role: "alert" }, e.message || String(e)); }

function badge(text) { return el("span", { class: "badge " + text }, text); }

// ------------------------------------------------------------ alert queue
async function queue() {
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.id === "nav-queue");
  view("Alert queue", el("p", { class: "muted" }, "loading…"));
  try {
    const open = await api("GET", "/v1/cases?status=open");
    const pending = await api("GET", "/v1/cases?status=pending_approval");
    const rows = [...pending, ...open].map((c) => {
      const last = c.alerts[c.alerts.length - 1];
      return el("tr", { class: "clickable", "data-case": c.id, onclick: () => { location.hash = "#/case/" + c.id; } },
        el("td", {}, c.id), el("td", {}, c.subject), el("td", {}, badge(c.status)),
        el("td", {}, c.alerts.filter((a) => !a.suppressed).length),
        el("td", {}, last ? last.summary : ""), el("td", {}, c.assignee || ""));
    });
    view("Alert queue",
      el("p", { class: "muted" }, rows.length + " cases waiting"),
      el("table", { id: "queue" },
        el("thead", {}, el("tr", {}, ...["Case", "Subject", "Status", "Alerts", "Latest", "Assignee"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...rows)));
  } catch (e) { view("Alert queue", errorBox(e)); }
}

// --------------------------------------------------------------- one case
function pathPicture(decision, event) {
  // The funds' path the decision saw: customer → event → counterparty
  // address, with the risk the decision recorded.
  const W = 640, H = 120;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("id", "path-" + decision.event);
  svg.setAttribute("role", "img");
  const node = (x, label, sub, color) => {
    const g = document.createElementNS(svg.namespaceURI, "g");
    const r = document.createElementNS(svg.namespaceURI, "rect");
    r.setAttribute("x", x); r.setAttribute("y", 30); r.setAttribute("width", 180); r.setAttribute("height", 50);
    r.setAttribute("rx", 6); r.setAttribute("fill", color); r.setAttribute("stroke", "#15324b");
    const t = document.createElementNS(svg.namespaceURI, "text");
    t.setAttribute("x", x + 8); t.setAttribute("y", 50);
    t.textContent = label.length > 24 ? label.slice(0, 23) + "…" : label;
    const full = document.createElementNS(svg.namespaceURI, "title"); full.textContent = label; g.append(full);
    const s = document.createElementNS(svg.namespaceURI, "text");
    s.setAttribute("x", x + 8); s.setAttribute("y", 68); s.textContent = (sub || "").slice(0, 30);
    g.append(r, t, s); svg.append(g);
  };
  const arrow = (x1, x2, label) => {
    const l = document.createElementNS(svg.namespaceURI, "line");
    l.setAttribute("x1", x1); l.setAttribute("y1", 55); l.setAttribute("x2", x2); l.setAttribute("y2", 55);
    l.setAttribute("stroke", "#15324b"); l.setAttribute("stroke-width", 2);
    const t = document.createElementNS(svg.namespaceURI, "text");
    t.setAttribute("x", x1 + 4); t.setAttribute("y", 48); t.textContent = label;
    svg.append(l, t);
  };
  const out = event.type === "withdrawal" || event.type === "transfer";
  const amount = (event.amount || "") + " " + (event.asset || "");
  const risky = ["hold", "block"].includes(decision.outcome) ? "#fbd5d5" : "#fde8c8";
  const cust = "customer " + (event.customer || "?");
  const addr = event.address || event.wallet || "(no address)";
  if (out) {
    node(10, cust, event.country ? "from " + event.country : "", "#eef1f4");
    arrow(190, 450, amount);
    node(450, addr, decision.outcome.toUpperCase(), risky);
  } else {
    node(10, addr, decision.outcome.toUpperCase(), risky);
    arrow(190, 450, amount);
    node(450, cust, event.country ? "in " + event.country : "", "#eef1f4");
  }
  return svg;
}

function explanation(d) {
  const items = [];
  for (const f of d.fired || []) items.push(el("li", {}, "rule " + f.scenario + "/" + f.rule + ": " + f.reason));
  for (const c of d.controls || []) items.push(el("li", {}, c.control + " (" + c.outcome + "): " + c.detail));
  for (const a of d.alerts || []) items.push(el("li", {}, "alert " + a.kind + ": " + a.detail));
  return el("ul", { class: "explanation" }, ...items);
}

async function showCase(id) {
  for (const a of document.querySelectorAll("nav a")) a.classList.remove("active");
  view("Case " + id, el("p", { class: "muted" }, "loading…"));
  let c;
  try { c = await api("GET", "/v1/cases/" + id); } catch (e) { view("Case " + id, errorBox(e)); return; }
  const msg = el("p", { id: "case-message", role: "status" });
  const act = async (method, path, body) => {
    try { await api(method, path, body); await showCase(id); }
    catch (e) { msg.className = "error"; msg.textContent = e.message; }
  };
  const alerts = el("div", { class: "card" }, el("h3", {}, "Alerts"));
  for (const a of c.alerts) {
    const box = el("div", { class: "alert" },
      el("p", {}, a.at + " · " + a.source + (a.suppressed ? " · suppressed" : "") + " · " + a.summary));
    alerts.append(box);
    if (a.event) {
      try {
        const d = await api("GET", "/v1/decisions/" + encodeURIComponent(a.event));
        box.append(el("p", {}, "Decision on event ", el("code", {}, a.event), ": ", badge(d.outcome), " score " + d.score,
          d.released ? " · released by " + d.released.requested_by + " and " + d.released.decided_by : ""));
        box.append(explanation(d));
        box.append(pathPicture(d, d.received || { type: d.type, customer: d.customer }));
      } catch (e) { box.append(errorBox(e)); }
    }
  }
  const notes = el("div", { class: "card" }, el("h3", {}, "Notes"),
    ...c.notes.map((n) => el("p", {}, n.at + " " + n.by + ": " + n.text)),
    c.status === "closed" ? null : el("form", { class: "inline", id: "note-form", onsubmit: (ev) => { ev.preventDefault(); act("POST", "/v1/cases/" + id + "/notes", { text: $("#note-text").value }); } },
      el("input", { id: "note-text", placeholder: "note", size: 60 }), el("button", { type: "submit", id: "add-note" }, "Add note")));
  const actions = el("div", { class: "card", id: "actions" }, el("h3", {}, "Decision"));
  if (c.status === "open") {
    actions.append(el("form", { class: "inline", id: "close-form", onsubmit: (ev) => {
      ev.preventDefault();
      const body = { verdict: $("#verdict").value, reason: $("#close-reason").value };
      const days = $("#suppress-days").value.trim();
      if (days) { body.suppress_days = Number(days); body.suppress_reason = $("#close-reason").value; }
      act("POST", "/v1/cases/" + id + "/close", body);
    } },
      el("select", { id: "verdict" }, el("option", { value: "false_positive" }, "false positive"), el("option", { value: "true_match" }, "true match")),
      el("input", { id: "close-reason", placeholder: "reason", size: 40, required: "" }),
      el("input", { id: "suppress-days", placeholder: "suppress days (≤180)", size: 18 }),
      el("button", { type: "submit", id: "request-close" }, "Request closing")));
  } else if (c.status === "pending_approval") {
    actions.append(el("p", {}, "Closing as " + c.pending.verdict + " requested by " + c.pending.requested_by + ": " + c.pending.reason),
      el("button", { id: "approve", type: "button", onclick: () => act("POST", "/v1/cases/" + id + "/approve") }, "Approve"), " ",
      el("button", { id: "reject", class: "secondary", type: "button", onclick: () => act("POST", "/v1/cases/" + id + "/reject", { reason: prompt("Why?") || "" }) }, "Reject"));
  } else {
    const cl = c.closure;
    actions.append(el("p", { class: "ok", id: "closure" }, "Closed as " + cl.verdict + " — requested by " + cl.requested_by + ", approved by " + cl.approved_by + ": " + cl.reason));
    if (c.suppression) actions.append(el("p", {}, "Suppressed until " + c.suppression.until + ": " + c.suppression.reason));
  }
  actions.append(msg);
  view("Case " + c.id, el("p", {}, c.subject + " ", badge(c.status), c.assignee ? " · assigned to " + c.assignee : ""), actions, alerts, notes);
}

// -------------------------------------------------------------- screening
function screen() {
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.id === "nav-screen");
  const out = el("div", { id: "screen-results" });
  const form = el("form", { class: "inline", id: "screen-form", onsubmit: async (ev) => {
    ev.preventDefault();
    out.replaceChildren(el("p", { class: "muted" }, "screening…"));
    const body = { name: $("#screen-name").value, limit: 10 };
    if ($("#screen-dob").value.trim()) body.dob = $("#screen-dob").value.trim();
    if ($("#screen-country").value.trim()) body.country = $("#screen-country").value.trim();
    try {
      const r = await api("POST", "/v1/screen", body);
      if (!r.matches.length) { out.replaceChildren(el("p", {}, "No match for " + r.name + ".")); return; }
      out.replaceChildren(el("table", { id: "matches" },
        el("thead", {}, el("tr", {}, ...["Score", "Listed as", "Matched name", "Entity", "Why"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...r.matches.map((m) => el("tr", {},
          el("td", {}, m.score.toFixed(2)), el("td", {}, m.name), el("td", {}, m.matched_name),
          el("td", {}, m.entity_id),
          el("td", {}, el("ul", {}, el("li", {}, "name " + m.name_score.toFixed(2) + ": " + m.explanation.name.query_form + " ↔ " + m.explanation.name.candidate_form),
            ...(m.explanation.contributions || []).map((c) => el("li", {}, c.feature + " " + (c.effect >= 0 ? "+" : "") + c.effect.toFixed(2) + (c.detail ? " (" + c.detail + ")" : ""))))))))));
    } catch (e) { out.replaceChildren(errorBox(e)); }
  } },
    el("input", { id: "screen-name", placeholder: "name in any script", size: 40, required: "" }),
    el("input", { id: "screen-dob", placeholder: "date of birth", size: 12 }),
    el("input", { id: "screen-country", placeholder: "country", size: 8 }),
    el("button", { type: "submit", id: "screen-go" }, "Screen"));
  view("Screening", form, out);
}

// ------------------------------------------------------------------ lists
async function lists() {
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.id === "nav-lists");
  try {
    const r = await api("GET", "/v1/lists");
    view("List versions", el("table", { id: "lists" },
      el("thead", {}, el("tr", {}, ...["#", "Source", "Version", "Published", "Entities", "Imported", "Active"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...r.snapshots.map((s) => el("tr", {},
        el("td", {}, s.id), el("td", {}, s.source), el("td", {}, s.version),
        el("td", {}, s.published ? [s.published.year, s.published.month, s.published.day].filter(Boolean).join("-") : ""),
        el("td", {}, s.counts ? s.counts.entities : ""), el("td", {}, s.imported_at), el("td", {}, s.active ? "active" : ""))))));
  } catch (e) { view("List versions", errorBox(e)); }
}

function route() {
  if (!token()) { logout(); return; }
  const h = location.hash;
  const m = h.match(/^#\/case\/(\d+)$/);
  if (m) showCase(m[1]);
  else if (h === "#/screen") screen();
  else if (h === "#/lists") lists();
  else queue();
}

$("#login-form").addEventListener("submit", login);
$("#logout").addEventListener("click", logout);
window.addEventListener("hashchange", route);
if (token()) {
  api("GET", "/v1/me").then((me) => {
    $("#who").textContent = me.user + " (" + me.role + ")";
    $("#login-view").hidden = true; $("#nav").hidden = false; $("#view").hidden = false; route();
  }).catch(logout);
}
