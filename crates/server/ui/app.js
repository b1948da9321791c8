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

// Amounts in base units, shown in whole coins where the asset is known.
function coins(v, asset) {
  const a = String(asset || "");
  const dec = /BTC$/.test(a) ? 8 : /ETH$/.test(a) ? 18 : /(USDT|USDC)$/.test(a) ? 6 : 0;
  const sym = a.includes(":") ? a.split(":").pop() : a;
  if (!dec) return String(v) + " " + sym;
  const s = String(v).padStart(dec + 1, "0");
  const whole = s.slice(0, s.length - dec), frac = s.slice(s.length - dec).replace(/0+$/, "");
  return whole + (frac ? "." + frac : "") + " " + sym;
}

function short(id) {
  // txid:vout → first 8 … last 4 :vout; addresses likewise.
  const [h, v] = String(id).split(":");
  const s = h.length > 16 ? h.slice(0, 8) + "…" + h.slice(-4) : h;
  return v === undefined ? s : s + ":" + v;
}

function svgEl(svg, tag, attrs, text) {
  const e = document.createElementNS(svg.namespaceURI, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  svg.append(e);
  return e;
}

function box(svg, x, y, w, label, sub, fill, full) {
  const g = svgEl(svg, "g", { class: "node" });
  const r = document.createElementNS(svg.namespaceURI, "rect");
  r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", w); r.setAttribute("height", 40);
  r.setAttribute("rx", 5); r.setAttribute("fill", fill); r.setAttribute("stroke", "#15324b");
  const t = document.createElementNS(svg.namespaceURI, "text");
  t.setAttribute("x", x + 6); t.setAttribute("y", y + 16); t.textContent = label;
  const u = document.createElementNS(svg.namespaceURI, "text");
  u.setAttribute("x", x + 6); u.setAttribute("y", y + 32); u.textContent = sub || "";
  const tip = document.createElementNS(svg.namespaceURI, "title"); tip.textContent = full || label;
  g.append(tip, r, t, u);
}

function tracePicture(t, id) {
  // The trail of a taint trace: one column per hop, one box per reported
  // output (tainted amount, address), lines where funds moved.
  const W = 150, GAP = 40, ROWS = 8;
  const cols = new Map();
  for (const o of t.outputs) {
    if (!cols.has(o.hop)) cols.set(o.hop, []);
    cols.get(o.hop).push(o);
  }
  const hops = [...cols.keys()].sort((a, b) => a - b);
  const rows = Math.min(ROWS, Math.max(...[...cols.values()].map((c) => c.length)));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", Math.max(320, hops.length * (W + GAP) + 20));
  svg.setAttribute("height", 40 + rows * 52 + 20);
  svg.setAttribute("id", id); svg.setAttribute("class", "trace"); svg.setAttribute("role", "img");
  const at = new Map();
  hops.forEach((h, ci) => {
    const x = 10 + ci * (W + GAP);
    svgEl(svg, "text", { x, y: 14 }, h === 0 ? "source" : "hop " + h);
    const col = cols.get(h);
    col.slice(0, ROWS).forEach((o, ri) => {
      const y = 24 + ri * 52, key = o.txid + ":" + o.vout;
      at.set(key, [x, y]);
      const fill = o.stopped ? "#fbd5d5" : h === 0 ? "#fde8c8" : o.spent ? "#eef1f4" : "#d9f2dd";
      box(svg, x, y, W, short(key), coins(o.tainted, t.asset), fill,
        key + "\n" + (o.address || "") + "\ntainted " + coins(o.tainted, t.asset) + " of " + coins(o.value, t.asset) + (o.spent ? "" : " (unspent)"));
    });
    if (col.length > ROWS) svgEl(svg, "text", { x, y: 24 + ROWS * 52 + 8 }, "+" + (col.length - ROWS) + " more");
  });
  for (const f of t.flows || []) {
    const a = at.get(f.from), b = at.get(f.to);
    if (!a || !b) continue;
    const [x1, y1, x2, y2] = a[0] < b[0] ? [a[0] + W, a[1] + 20, b[0], b[1] + 20] : [a[0], a[1] + 20, b[0] + W, b[1] + 20];
    svgEl(svg, "line", { x1, y1, x2, y2, stroke: "#15324b", "stroke-width": 1.5, class: "flow" });
  }
  return svg;
}

function exposurePicture(e, id) {
  // Each explaining path: the labelled source, the transactions between,
  // the address examined (incoming; the other way round for outgoing).
  const paths = [];
  for (const c of e.categories) for (const p of c.top_paths) paths.push([c, p]);
  const shown = paths.slice(0, 6);
  const W = 150, GAP = 30, MAXSTEPS = 4;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("id", id); svg.setAttribute("class", "exposure"); svg.setAttribute("role", "img");
  const longest = Math.max(0, ...shown.map(([, p]) => Math.min(p.steps.length, MAXSTEPS)));
  svg.setAttribute("width", (longest + 2) * (W + GAP)); svg.setAttribute("height", Math.max(1, shown.length) * 56 + 10);
  const incoming = e.direction === "backward";
  shown.forEach(([c, p], i) => {
    const y = 8 + i * 56;
    let steps = p.steps.slice();
    if (steps.length > MAXSTEPS) steps = [...steps.slice(0, 2), "… " + (steps.length - 3) + " more …", steps[steps.length - 1]];
    const nodes = [[c.category + ": " + p.label, short(p.address), "#fbd5d5", p.address + (p.actor ? " (" + p.actor + ")" : "")],
      ...steps.map((s) => [short(s), "", "#eef1f4", s]),
      [short(e.address), coins(p.amount, e.asset) + " · " + p.hops + (p.hops === 1 ? " hop" : " hops"), "#fde8c8", e.address]];
    if (!incoming) nodes.reverse();
    nodes.forEach((n, k) => {
      const x = 10 + k * (W + GAP);
      box(svg, x, y, W, n[0].length > 22 ? n[0].slice(0, 21) + "…" : n[0], n[1], n[2], n[3]);
      if (k > 0) svgEl(svg, "line", { x1: x - GAP, y1: y + 20, x2: x, y2: y + 20, stroke: "#15324b", "stroke-width": 1.5, class: "flow" });
    });
  });
  return svg;
}

function evidenceCard(c) {
  const card = el("div", { class: "card", id: "evidence" }, el("h3", {}, "Evidence"));
  (c.evidence || []).forEach((ev, i) => {
    card.append(el("p", {}, ev.at + " " + ev.by + ": " + ev.kind + " ", el("code", {}, ev.reference)));
    const d = ev.detail || {};
    if (ev.kind === "trace" && d.outputs) {
      card.append(el("p", { class: "muted" }, d.policy + " " + d.direction + ", " + coins(d.source_amount, d.asset) + ": " +
        d.transactions + " transactions, " + d.outputs_touched + " outputs; unspent " + coins(d.unspent, d.asset) +
        ", beyond the horizon " + coins(d.beyond_horizon, d.asset)));
      card.append(tracePicture(d, "trace-" + i));
    } else if (ev.kind === "exposure" && d.categories) {
      card.append(el("p", { class: "muted" }, (d.direction === "backward" ? "incoming" : "outgoing") + " within " + d.hops + " hops of " +
        coins(d.amount, d.asset) + ": " + (d.categories.map((l) => l.category + " " + (l.share * 100).toFixed(1) + "%").join(", ") || "no labelled source")));
      card.append(exposurePicture(d, "exposure-" + i));
    }
  });
  if (c.status !== "closed") {
    card.append(el("form", { class: "inline", id: "trace-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const ref = $("#trace-from").value.trim();
      const kind = $("#trace-kind").value;
      const detail = kind === "trace" ? { policy: $("#trace-policy").value, direction: $("#trace-direction").value } : { direction: $("#trace-direction").value === "backward" ? "incoming" : "outgoing" };
      try { await api("POST", "/v1/cases/" + c.id + "/evidence", { kind, reference: ref, detail }); await showCase(c.id); }
      catch (e) { $("#case-message").className = "error"; $("#case-message").textContent = e.message; }
    } },
      el("select", { id: "trace-kind" }, el("option", { value: "trace" }, "trace"), el("option", { value: "exposure" }, "exposure")),
      el("input", { id: "trace-from", placeholder: "TXID:VOUT or address", size: 50, required: "" }),
      el("select", { id: "trace-policy" }, ...["haircut", "fifo", "poison"].map((p) => el("option", { value: p }, p))),
      el("select", { id: "trace-direction" }, el("option", { value: "forward" }, "forward / outgoing"), el("option", { value: "backward" }, "backward / incoming")),
      el("button", { type: "submit", id: "add-trace" }, "Attach")));
  }
  return card;
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
        if (d.outcome === "hold" && !d.released && c.status !== "closed") {
          box.append(el("form", { class: "inline", onsubmit: (e) => {
            e.preventDefault();
            act("POST", "/v1/requests", { kind: "release_hold", subject: d.event, reason: e.target.querySelector("input").value });
          } }, el("input", { placeholder: "why the withdrawal may go", size: 40, required: "" }),
            el("button", { type: "submit", class: "secondary" }, "Request release"),
            el("span", { class: "muted" }, " a second person approves it under Custody")));
        }
        const ev = d.received || { type: d.type, customer: d.customer };
        box.append(pathPicture(d, ev));
        const addr = ev.address || ev.wallet;
        if (addr) {
          const dir = ev.type === "deposit" ? "incoming" : "outgoing";
          try {
            const e = await api("GET", "/v1/chain/exposure/" + encodeURIComponent(addr) + "?direction=" + dir);
            if (e.categories.length) box.append(el("p", {}, "Where the funds " + (dir === "incoming" ? "came from" : "went") + " on chain:"), exposurePicture(e, "exposure-" + d.event));
          } catch (e) { /* not in the chain graph */ }
        }
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
  view("Case " + c.id, el("p", {}, c.subject + " ", badge(c.status), c.assignee ? " · assigned to " + c.assignee : ""), actions, alerts, evidenceCard(c), notes);
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

// ---------------------------------------------------------------- custody
// Wallets and their breakers, four-eyes requests, the rule pack in force.
async function custody() {
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.id === "nav-custody");
  const msg = el("p", { id: "custody-message", role: "status" });
  const act = async (method, path, body, done) => {
    try { const r = await api(method, path, body); await custody(); $("#custody-message").className = "ok"; $("#custody-message").textContent = done(r); }
    catch (e) { msg.className = "error"; msg.textContent = e.message; }
  };
  let wallets, requests, rules;
  try {
    [wallets, requests, rules] = await Promise.all([
      api("GET", "/v1/wallets"), api("GET", "/v1/requests?status=pending"), api("GET", "/v1/rules")]);
  } catch (e) { view("Custody", errorBox(e)); return; }
  const effect = (r) => "Request " + r.id + " " + r.status + (r.effect && r.effect.length
    ? ": " + r.effect.flatMap((d) => (d.controls || []).map((c) => c.detail)).join("; ") : "");
  const wtable = el("table", { id: "wallets" },
    el("thead", {}, el("tr", {}, ...["Wallet", "Kind", "Asset", "Balance", "Breaker"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...wallets.map((w) => {
      const b = w.breaker;
      const cell = b
        ? el("td", {}, badge("tripped"), " since event " + b.event + ": " + b.reason,
          b.releases.length ? " · released by " + b.releases.join(", ") : "",
          el("form", { class: "inline", onsubmit: (ev) => {
            ev.preventDefault();
            act("POST", "/v1/requests", { kind: "lift_breaker", subject: w.id, reason: ev.target.querySelector("input").value },
              (r) => "Lifting " + w.id + " requested (request " + r.id + "); a second person approves it.");
          } }, el("input", { id: "lift-reason-" + w.id, placeholder: "why it is safe to lift", size: 30, required: "" }),
            el("button", { type: "submit", id: "lift-" + w.id }, "Request lift")))
        : el("td", {}, "running");
      return el("tr", { "data-wallet": w.id }, el("td", {}, w.id), el("td", {}, w.kind || ""), el("td", {}, w.asset || ""), el("td", {}, w.balance || ""), cell);
    })));
  const rtable = requests.length
    ? el("table", { id: "requests" },
      el("thead", {}, el("tr", {}, ...["#", "Kind", "Subject", "Reason", "Requested", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...requests.map((r) => el("tr", { "data-request": r.id },
        el("td", {}, r.id), el("td", {}, r.kind), el("td", {}, el("code", {}, r.subject.length > 20 ? r.subject.slice(0, 12) + "…" : r.subject)),
        el("td", {}, r.reason), el("td", {}, r.requested_by + " · " + r.requested_at),
        el("td", {}, el("button", { type: "button", id: "approve-request-" + r.id, onclick: () => act("POST", "/v1/requests/" + r.id + "/approve", undefined, effect) }, "Approve"), " ",
          el("button", { type: "button", class: "secondary", id: "reject-request-" + r.id, onclick: () => act("POST", "/v1/requests/" + r.id + "/reject", undefined, effect) }, "Reject"))))))
    : el("p", { id: "requests", class: "muted" }, "No request waits for a second person.");
  const pub = rules.published;
  const pack = el("div", { class: "card", id: "rules" }, el("h3", {}, "Rule pack in force: " + rules.pack),
    el("p", { class: "muted" }, pub
      ? "published " + pub.at + " (SHA-256 " + (pub.sha256 || "").slice(0, 12) + "…), requested by " + pub.requested_by + ", approved by " + pub.approved_by
      : "the pack the service started with"),
    el("table", {}, el("thead", {}, el("tr", {}, ...["Scenario", "Rule", "When", "Score / outcome"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rules.rules.map((r) => el("tr", {}, el("td", {}, r.scenario), el("td", {}, r.id), el("td", {}, el("code", {}, r.when)),
        el("td", {}, r.outcome ? r.outcome : String(r.score)))))),
    el("form", { id: "publish-form", onsubmit: (ev) => {
      ev.preventDefault();
      act("POST", "/v1/requests", { kind: "publish_rules", pack: $("#pack-text").value, reason: $("#pack-reason").value },
        (r) => "Publishing requested (request " + r.id + ", SHA-256 " + r.subject.slice(0, 12) + "…); a second person approves it.");
    } }, el("h4", {}, "Propose a new pack (TOML)"),
      el("textarea", { id: "pack-text", rows: 6, cols: 80, required: "" }), el("br", {}),
      el("input", { id: "pack-reason", placeholder: "why", size: 40, required: "" }), " ",
      el("button", { type: "submit", id: "pack-request" }, "Request publication")));
  view("Custody", msg,
    el("div", { class: "card" }, el("h3", {}, "Waiting for a second person"), rtable),
    el("div", { class: "card" }, el("h3", {}, "Wallets"), wtable), pack);
}

function route() {
  if (!token()) { logout(); return; }
  const h = location.hash;
  const m = h.match(/^#\/case\/(\d+)$/);
  if (m) showCase(m[1]);
  else if (h === "#/screen") screen();
  else if (h === "#/lists") lists();
  else if (h === "#/custody") custody();
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
