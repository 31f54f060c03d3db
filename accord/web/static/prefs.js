// The preference form's live feedback: sliders and numbers move together, shares add up to 100,
// and the server scores the current plans with the edited numbers (debounced). The form posts
// normally without this script; nothing here decides anything the server does not check again.
"use strict";

(function () {
  const form = document.getElementById("prefs");
  if (!form) return;
  const status = document.getElementById("live-status");

  function shares() {
    const nums = [...form.querySelectorAll("input[name^='w.']")];
    const vals = nums.map(n => Math.max(0, parseFloat(n.value) || 0));
    const total = vals.reduce((a, b) => a + b, 0);
    document.getElementById("weight-total").textContent = (Math.round(total * 10) / 10) + "%";
    nums.forEach((n, k) => {
      const el = form.querySelector(".share[data-i='" + n.name.slice(2) + "']");
      if (el) el.textContent = total > 0 ? (Math.round(1000 * vals[k] / total) / 10) + "%" : "—";
    });
  }

  function cell(r) {
    const td = document.createElement("td");
    if (!r) { td.innerHTML = '<span class="muted">—</span>'; return td; }
    const m = document.createElement("meter");
    m.min = 0; m.max = 1; m.value = r.utility;
    const b = document.createElement("b");
    if (r.verdict) {  // a plan with open issues: a range, accepts in all/some/none
      b.textContent = r.utility.toFixed(3) + " to " + r.high.toFixed(3);
      td.append(m, " ", b, " accepts in " + r.verdict + " of the completions of its open issues");
    } else {
      b.textContent = r.utility.toFixed(3);
      td.append(m, " ", b, " " + (r.accepts ? "accepts" : "refuses"));
    }
    if (r.red_lines.length) {
      const s = document.createElement("span");
      s.className = "error";
      s.textContent = " (red line: " + r.red_lines.join(", ") + ")";
      td.append(s);
    }
    return td;
  }

  let timer = null, seq = 0;
  async function refresh() {
    const mine = ++seq;
    if (status) status.textContent = "scoring…";
    const body = new URLSearchParams(new FormData(form));
    const res = await fetch(form.dataset.preview, {method: "POST", body, credentials: "same-origin",
      headers: {"X-CSRF-Token": form.elements["csrf_token"].value, "Accept": "application/json"}});
    if (mine !== seq) return;  // a newer edit is on its way
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok || !data) { if (status) status.textContent = (data && data.detail) || "preview failed"; return; }
    for (const r of data.plans) {
      const tr = document.querySelector("#preview-table tr[data-plan='" + CSS.escape(r.id) + "']");
      if (!tr) continue;
      const td = cell(r.edited);
      td.className = "edited";
      tr.replaceChild(td, tr.querySelector("td.edited"));
    }
    const ul = document.getElementById("preview-problems");
    ul.textContent = "";
    for (const p of data.problems) {
      const li = document.createElement("li");
      li.className = "error"; li.textContent = p; ul.append(li);
    }
    if (status) status.textContent = data.problems.length ? "fix the marked numbers" : "preview updated";
    document.body.dataset.previewSeq = String(mine);
  }

  form.addEventListener("input", (ev) => {
    const t = ev.target;
    if (t.type === "range" && t.dataset.for) form.elements[t.dataset.for].value = t.value;
    else if (t.name && t.name.startsWith("w.")) {
      const s = form.querySelector("input[type=range][data-for='" + t.name + "']");
      if (s) s.value = t.value;
    }
    shares();
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  shares();
})();
