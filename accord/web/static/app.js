// accord workspace: the little JavaScript the pages need. Forms marked data-api are sent to the
// JSON API with the CSRF header; the job page polls its job and draws the plot with plotly.js.
"use strict";

function cookie(name) {
  const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
  return m ? decodeURIComponent(m[1]) : "";
}

async function api(method, url, body) {
  const opts = {method, headers: {"Accept": "application/json", "X-CSRF-Token": cookie("accord_csrf")},
                credentials: "same-origin"};
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  return {ok: res.ok, status: res.status, data};
}

function formBody(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    let v = el.value;
    if (el.dataset.list !== undefined) {  // checkboxes sharing a name: the list of checked values
      if (!(el.name in out)) out[el.name] = [];
      if (el.checked) out[el.name].push(el.dataset.type === "int" ? parseInt(el.value, 10) : el.value);
      continue;
    }
    if (el.type === "checkbox") v = el.checked;
    else if (el.dataset.type === "int") v = parseInt(v, 10);
    else if (el.dataset.type === "bool") v = v === "true";
    else if (v === "" && el.tagName === "SELECT") continue;
    else if (v === "" && el.dataset.optional !== undefined) continue;
    out[el.name] = v;
  }
  for (const k of Object.keys(out)) if (Array.isArray(out[k]) && !out[k].length) delete out[k];
  return out;
}

function describe(res) {
  const d = res.data || {};
  let msg = d.detail || ("request failed (" + res.status + ")");
  if (Array.isArray(d.problems)) msg += ":\n" + d.problems.join("\n");
  if (Array.isArray(d.errors)) msg += ": " + d.errors.map(e => e.loc.join(".") + " " + e.msg).join("; ");
  return msg;
}

function wireForms() {
  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const status = form.querySelector(".form-status");
      if (status) { status.textContent = "working…"; status.className = "form-status"; }
      const res = await api(form.dataset.method || "POST", form.dataset.api, formBody(form));
      if (!res.ok) {
        if (status) { status.textContent = describe(res); status.className = "form-status error"; }
        return;  // the text stays in the form: nothing typed is lost
      }
      if (status) status.textContent = "saved";
      if (form.dataset.showUrl && res.data && res.data.url) {
        const out = document.getElementById("invite-url");
        if (out) { out.value = res.data.url; out.select(); }
        if (status) status.textContent = "link created: it works once; send it to the invitee";
        return;
      }
      if (form.dataset.stay) { form.reset(); if (status) status.textContent = form.dataset.done || "done"; return; }
      if (form.dataset.redirectScenario && res.data && res.data.scenario_id) location.href = "/scenarios/" + res.data.scenario_id;
      else if (form.dataset.redirect) location.href = form.dataset.redirect;
      else if (form.dataset.redirectId && res.data && res.data.id) location.href = form.dataset.redirectId + res.data.id;
      else location.reload();
    });
  }
  for (const input of document.querySelectorAll("input[type=file][data-fill-text]")) {
    input.addEventListener("change", async () => {
      const file = input.files[0];
      if (!file) return;
      const form = input.form;
      form.elements[input.dataset.fillText].value = await file.text();
      form.elements[input.dataset.fillName].value = file.name;
    });
  }
  const out = document.getElementById("sign-out");
  if (out) out.addEventListener("click", async () => { await api("DELETE", "/api/session"); location.href = "/login"; });
}

function num(x) { return typeof x === "number" ? x : null; }

let NAMES = {};
function nm(pid) { return NAMES[pid] || pid; }

function drawPlot(result) {
  const el = document.getElementById("plot");
  if (!el || !window.Plotly || !result) return;
  if (result.accept && result.stated) {  // robustness: acceptance with its 95% interval, by party
    const ps = Object.keys(result.accept).filter(p => num(result.accept[p]) !== null);
    if (!ps.length) return;
    const ci = result.accept_ci95 || {};
    Plotly.newPlot(el, [{type: "bar", x: ps.map(nm), y: ps.map(p => result.accept[p]), name: "accepts",
      error_y: {type: "data", symmetric: false,
                array: ps.map(p => ci[p] ? ci[p][1] - result.accept[p] : 0),
                arrayminus: ps.map(p => ci[p] ? result.accept[p] - ci[p][0] : 0)}}],
      {margin: {t: 40}, height: 360, title: {text: "Share of draws in which each party accepts " + (result.plan || "")},
       yaxis: {range: [0, 1], tickformat: ".0%", title: {text: "accepts"}}}, {displaylogo: false, responsive: true});
    return;
  }
  const layout = {margin: {t: 40}, height: 460};
  if (result.solve) {
    const parties = result.parties || [];
    if (parties.length < 2) return;
    const [a, b] = parties;
    const plans = (result.plans || []).filter(p => num(p.utilities[a]) !== null && num(p.utilities[b]) !== null);
    const pk = (result.solve.packages || []).filter(p => p.utilities && num(p.utilities[a]) !== null);
    const traces = [
      {x: plans.map(p => p.utilities[a]), y: plans.map(p => p.utilities[b]), text: plans.map(p => p.id),
       mode: "markers+text", textposition: "top center", type: "scatter", name: "plans"},
      {x: pk.map(p => p.utilities[a]), y: pk.map(p => p.utilities[b]), mode: "markers", type: "scatter",
       marker: {size: 16, symbol: "star"}, name: result.solve.method + " solution"},
    ];
    const d = result.solve.disagreement || {};
    if (num(d[a]) !== null && num(d[b]) !== null)
      traces.push({x: [d[a]], y: [d[b]], mode: "markers", type: "scatter", name: "walk-away", marker: {symbol: "x", size: 12}});
    layout.title = {text: "Utility space: " + nm(a) + " vs " + nm(b)};
    layout.xaxis = {title: {text: "utility of " + nm(a)}, range: [0, 1.05]};
    layout.yaxis = {title: {text: "utility of " + nm(b)}, range: [0, 1.05]};
    Plotly.newPlot(el, traces, layout, {displaylogo: false, responsive: true});
  } else if (Array.isArray(result.plans)) {
    const parties = result.parties_scored || [];
    const traces = parties.map(pid => ({
      type: "bar", name: nm(pid), x: result.plans.map(p => p.id),
      y: result.plans.map(p => { const v = (p.parties || []).find(q => q.id === pid); return v ? v.utility : null; }),
    }));
    layout.title = {text: "Utility of each plan, by party"};
    layout.yaxis = {range: [0, 1], title: {text: "utility"}};
    Plotly.newPlot(el, traces, layout, {displaylogo: false, responsive: true});
  }
}

function summarise(result) {
  const el = document.getElementById("summary");
  const meta = document.getElementById("job-meta");
  if (!el || !result || (meta && meta.dataset.hasView === "yes")) return;  // the page has its tables
  el.textContent = "";
  if (result.solve) {
    const s = result.solve;
    const p = document.createElement("p");
    p.textContent = s.method + " (" + s.engine + "): " + (s.optimal ? "proven optimal" : "not proven optimal") +
      (s.message ? ". " + s.message : "");
    el.appendChild(p);
    for (const pkg of s.packages || []) {
      const pre = document.createElement("pre");
      pre.textContent = Object.entries(pkg.choices || {}).map(([k, v]) => k + ": " + v).join("\n");
      el.appendChild(pre);
    }
  }
}

async function pollJob() {
  const meta = document.getElementById("job-meta");
  if (!meta) return;
  let job = JSON.parse(document.getElementById("job-data").textContent);
  const names = document.getElementById("job-names");
  if (names) NAMES = JSON.parse(names.textContent);
  const wasRunning = job.status === "queued" || job.status === "running";
  const show = (j) => {
    document.getElementById("job-status").textContent = j.status;
    document.getElementById("job-progress").value = j.progress;
    if (j.error) document.getElementById("job-error").textContent = j.error;
    if (j.result) {
      document.getElementById("job-result").textContent = JSON.stringify(j.result, null, 2);
      summarise(j.result);
      drawPlot(j.result);
    }
  };
  show(job);
  while (job.status === "queued" || job.status === "running") {
    await new Promise(r => setTimeout(r, 400));
    let res;
    try {
      res = await api("GET", "/api/scenarios/" + meta.dataset.sid + "/jobs/" + meta.dataset.job);
    } catch (e) {  // the server is gone (restarting?): keep asking, slowly
      document.getElementById("job-error").textContent = "the server does not answer; retrying…";
      await new Promise(r => setTimeout(r, 2000));
      continue;
    }
    document.getElementById("job-error").textContent = "";
    if (!res.ok) break;
    job = res.data;
    show(job);
  }
  // a job that finished while the page was open: reload once to get its tables
  // (and one that failed or was interrupted: to get its re-run button)
  if (wasRunning && ((job.status === "done" && meta.dataset.hasView === "no") ||
                     job.status === "failed" || job.status === "interrupted")) { location.reload(); return; }
  document.body.dataset.jobDone = job.status;
}

// Tabs: every panel is in the page (so it reads without JavaScript); show the one in the hash.
function wireTabs() {
  const nav = document.querySelector("nav.tabs[data-panels]");
  if (!nav) return;
  const panels = [...document.querySelectorAll("section.panel")];
  const show = () => {
    const want = (location.hash || "#overview").slice(1);
    const hit = panels.find(p => p.id === want) ? want : "overview";
    for (const p of panels) p.hidden = p.id !== hit;
    for (const a of nav.querySelectorAll("a")) a.classList.toggle("on", a.getAttribute("href") === "#" + hit);
    document.body.dataset.tab = hit;
  };
  window.addEventListener("hashchange", show);
  show();
}

// A line-numbered editor: a textarea with a gutter of line numbers that scrolls with it.
function wireEditors() {
  for (const area of document.querySelectorAll("textarea[data-gutter]")) {
    const gutter = document.createElement("pre");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(gutter, area);
    area.parentNode.classList.add("editor");
    let shown = 0;
    const number = () => {
      const n = area.value.split("\n").length;
      if (n !== shown) { shown = n; gutter.textContent = Array.from({length: n}, (_, i) => i + 1).join("\n") + "\n"; }
      gutter.scrollTop = area.scrollTop;
    };
    area.addEventListener("input", number);
    area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
    number();
  }
}

// The scenario list's search box: hide rows that do not contain every word typed.
function wireSearch() {
  const box = document.getElementById("scenario-search");
  const table = document.getElementById("scenario-list");
  if (!box || !table) return;
  box.addEventListener("input", () => {
    const words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      const text = row.textContent.toLowerCase();
      row.hidden = !words.every(w => text.includes(w));
      if (!row.hidden) shown++;
    }
    const count = document.getElementById("scenario-count");
    if (count) count.textContent = shown + " of " + table.tBodies[0].rows.length;
  });
}

// Solve form: the baseline plan matters only for maxmin-gain.
function wireSolveForm() {
  const form = document.getElementById("run-solve");
  if (!form) return;
  const method = form.elements.method, base = form.querySelector(".baseline");
  const sync = () => { if (base) base.hidden = method.value !== "maxmin-gain"; };
  method.addEventListener("change", sync);
  sync();
}

document.addEventListener("DOMContentLoaded", () => {
  wireForms(); wireTabs(); wireEditors(); wireSearch(); wireSolveForm(); pollJob();
});
