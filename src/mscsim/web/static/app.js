/* mscsim web app: hash-routed views over the REST API (/api). Everything shown is computed by
   the server; this file only requests, validates nothing itself, and draws (plots.js). */
"use strict";
(function () {
  const P = window.MscPlots, fmt = P.fmt;
  const view = document.getElementById("view");
  const tokenInput = document.getElementById("token");
  tokenInput.value = localStorage.getItem("mscsim-token") || "";
  tokenInput.addEventListener("change", () => localStorage.setItem("mscsim-token", tokenInput.value));
  let timer = null;

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  async function api(path, opts) {
    opts = opts || {};
    const headers = Object.assign({}, opts.headers || {});
    if (tokenInput.value) headers.Authorization = "Bearer " + tokenInput.value;
    const r = await fetch("/api" + path, Object.assign({}, opts, { headers: headers }));
    const body = r.headers.get("content-type") === "application/json" ? await r.json() : await r.text();
    if (!r.ok) {
      let msg = body && body.detail !== undefined ? body.detail : body;
      if (Array.isArray(msg)) msg = msg.map((d) => (d.loc || []).filter((l) => l !== "body")
        .join(".") + ": " + d.msg).join("; ");
      throw new Error(`${r.status}: ${typeof msg === "string" ? msg : JSON.stringify(msg)}`);
    }
    return body;
  }
  function card(title, html) {
    const s = document.createElement("section");
    s.className = "card";
    s.innerHTML = (title ? `<h2>${esc(title)}</h2>` : "") + (html || "");
    view.appendChild(s);
    return s;
  }
  function figure(parent, svg, caption, id) {
    const f = document.createElement("figure");
    if (id) f.id = id;
    f.appendChild(svg);
    const c = document.createElement("figcaption");
    c.textContent = caption;
    f.appendChild(c);
    parent.appendChild(f);
    return f;
  }

  /* ---------- new run ---------- */
  async function newRun() {
    view.innerHTML = "";
    const scenarios = await api("/scenarios");
    const form = card("Launch a virtual trial", `
      <form id="run-form">
        <div class="row">
          <label>Scenario <select id="f-scenario">${scenarios.map((s) =>
            `<option value="${esc(s.name)}">${esc(s.name)}: ${esc(s.title || "")}</option>`).join("")}
          </select></label>
          <label>Job <select id="f-kind"><option value="trial">trial run</option>
            <option value="power">power curve</option><option value="validate">observed vs predicted</option>
          </select></label>
        </div>
        <div class="row">
          <label>Seed <input id="f-seed" type="number" min="0" placeholder="scenario's"></label>
          <label>Replicates <input id="f-replicates" type="number" min="1" placeholder="scenario's"></label>
          <label>Sample size <input id="f-n" type="number" min="2" placeholder="scenario's"></label>
          <label>Power: sizes <input id="f-sizes" placeholder="e.g. 24,48,96"></label>
        </div>
        <h3>Arms</h3><table id="f-arms"></table>
        <p><button type="submit" id="f-submit">Launch</button> <span id="f-error" class="error"></span></p>
      </form>`);
    card("Upload a scenario (YAML)", `<input type="file" id="f-upload" accept=".yaml,.yml">
      <span id="u-msg" class="muted"></span>`);
    const sel = form.querySelector("#f-scenario");
    async function loadArms() {
      const sc = await api("/scenarios/" + encodeURIComponent(sel.value));
      form.querySelector("#f-n").placeholder = sc.sample_size;
      form.querySelector("#f-seed").placeholder = sc.seed;
      form.querySelector("#f-replicates").placeholder = sc.replicates;
      form.querySelector("#f-arms").innerHTML = "<tr><th>arm</th><th>product</th><th>dose per infusion</th>" +
        "<th>unit</th><th>infusion days</th></tr>" + sc.arms.map((a) => `<tr data-arm="${esc(a.name)}">
        <td>${esc(a.name)}</td><td>${esc(a.product)}</td>
        <td><input class="a-dose" value="${a.dose_per_infusion}" data-orig="${a.dose_per_infusion}"></td>
        <td>${esc(a.dose_unit)}</td>
        <td><input class="a-days" value="${a.infusion_days.join(",")}" data-orig="${a.infusion_days.join(",")}"></td></tr>`).join("");
    }
    sel.addEventListener("change", loadArms);
    await loadArms();
    form.querySelector("form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const num = (id) => { const v = form.querySelector(id).value; return v === "" ? null : Number(v); };
      const body = { scenario: sel.value, kind: form.querySelector("#f-kind").value };
      for (const [k, id] of [["seed", "#f-seed"], ["replicates", "#f-replicates"], ["sample_size", "#f-n"]]) {
        if (num(id) !== null) body[k] = num(id);
      }
      const sizes = form.querySelector("#f-sizes").value.trim();
      if (sizes) body.sizes = sizes.split(",").map(Number);
      const arms = [];
      form.querySelectorAll("tr[data-arm]").forEach((tr) => {
        const d = tr.querySelector(".a-dose"), days = tr.querySelector(".a-days"), e = { name: tr.dataset.arm };
        if (d.value !== d.dataset.orig) e.dose_per_infusion = Number(d.value);
        if (days.value !== days.dataset.orig) e.infusion_days = days.value.split(",").filter((s) => s.trim()).map(Number);
        if (Object.keys(e).length > 1) arms.push(e);
      });
      if (arms.length) body.arms = arms;
      const err = form.querySelector("#f-error");
      err.textContent = "";
      try {
        const r = await api("/runs", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body) });
        location.hash = "#/runs/" + r.id;
      } catch (e) { err.textContent = e.message; }
    });
    view.querySelector("#f-upload").addEventListener("change", async (ev) => {
      const file = ev.target.files[0], msg = view.querySelector("#u-msg");
      try {
        const r = await api("/scenarios", { method: "POST", headers: { "Content-Type": "application/yaml" },
          body: await file.text() });
        msg.textContent = `uploaded as ${r.id} (${r.scenario})`;
        const o = document.createElement("option");
        o.value = r.id; o.textContent = `${r.id}: ${r.title}`;
        sel.appendChild(o); sel.value = r.id; await loadArms();
      } catch (e) { msg.textContent = e.message; msg.className = "error"; }
    });
  }

  /* ---------- one run ---------- */
  function summaryTables(s) {
    const arms = Object.entries(s.arms).map(([a, v]) => `<tr><td>${esc(a)}</td><td class="num">${v.n}</td>
      <td class="num">${v.deaths}</td><td class="num">${fmt(v.survival_day28)}</td>
      <td class="num">${v.patients_with_sae}</td><td class="num">${v.patients_with_infusion_ae}</td></tr>`).join("");
    const eps = s.endpoints.map((e) => `<tr><td>${esc(e.label || e.name)}</td><td>${esc(e.measure)}</td>
      <td class="num">${fmt(e.estimate)}</td><td class="num">${fmt(e.ci_low)} to ${fmt(e.ci_high)}</td>
      <td class="num">${fmt(e.p_value)}</td></tr>`).join("");
    return `<table id="arm-table"><tr><th>arm</th><th>n</th><th>deaths</th><th>survival d28</th>
      <th>SAE pts</th><th>infusion-AE pts</th></tr>${arms}</table>
      <h3>Endpoints (replicate 0)</h3><table id="endpoint-table"><tr><th>endpoint</th><th>measure</th>
      <th>estimate</th><th>95% CI</th><th>p</th></tr>${eps}</table>`;
  }
  const RATIO = /ratio/i;
  function trialPlots(parent, pl) {
    const grid = document.createElement("div");
    grid.className = "plots";
    parent.appendChild(grid);
    figure(grid, P.km(pl.km), "Kaplan-Meier: overall survival by arm (shaded: 95% CI). " +
      "Click a legend entry to hide an arm.", "km-plot");
    const ratio = pl.forest.filter((f) => RATIO.test(f.measure));
    const diff = pl.forest.filter((f) => !RATIO.test(f.measure));
    const lab = (f) => Object.assign({}, f, { label: f.label || f.name });
    if (ratio.length) figure(grid, P.forest(ratio.map(lab), { log: true, ref: 1, xlabel: "ratio (log scale)" }),
      "Forest: ratio measures, treatment vs control", "forest-plot");
    if (diff.length) figure(grid, P.forest(diff.map(lab), { ref: 0, xlabel: "difference" }),
      "Forest: differences, treatment vs control");
    for (const [code, b] of Object.entries(pl.biomarkers)) {
      const series = {};
      for (const [a, v] of Object.entries(b.arms)) series[a] = { x: v.day, y: v.median };
      figure(grid, P.lines(series, { xlabel: "day", ylabel: `${code} (${b.unit})`, cls: "plot-biomarker" }),
        `${code}: median by arm and visit day`);
    }
    figure(grid, P.consort(pl.consort), "CONSORT-like participant flow", "consort-plot");
  }
  function powerPlot(parent, pl) {
    const series = {};
    for (const [ep, v] of Object.entries(pl.power.power)) series[ep] = { x: pl.power.n, y: v };
    figure(parent, P.lines(series, { xlabel: "total sample size", ylabel: "power", ymin: 0, ymax: 1,
      cls: "plot-power" }), "Power (share of virtual trials with p < 0.05) by sample size", "power-plot");
  }
  async function runView(id) {
    view.innerHTML = "";
    const head = card("Job " + id.slice(0, 8), `<p id="run-status"></p><progress id="run-progress" max="1" value="0">
      </progress>`);
    const body = document.createElement("div");
    view.appendChild(body);
    async function poll() {
      let j;
      try { j = await api("/runs/" + id); } catch (e) { head.querySelector("#run-status").textContent = e.message; return; }
      const st = head.querySelector("#run-status");
      st.innerHTML = `<span class="status-${esc(j.status)}" id="status-text">${esc(j.status)}</span> · ${esc(j.kind)} of
        ${esc(j.request.scenario)} · ${j.progress.done}/${j.progress.total} replicates` +
        (j.error ? ` · <span class="error">${esc(j.error)}</span>` : "");
      const pr = head.querySelector("#run-progress");
      pr.max = Math.max(1, j.progress.total); pr.value = j.progress.done;
      if (j.status === "queued" || j.status === "running") { timer = setTimeout(poll, 500); return; }
      if (j.status === "interrupted" || j.status === "failed") {
        const b = document.createElement("button");
        b.textContent = "Resubmit"; b.className = "secondary";
        b.addEventListener("click", async () => {
          try { const r = await api(`/runs/${id}/resubmit`, { method: "POST" }); location.hash = "#/runs/" + r.id; }
          catch (e) { st.textContent = e.message; }
        });
        head.appendChild(b);
      }
      if (j.status !== "done") return;
      pr.value = pr.max;
      const files = Object.entries(j.files || {}).map(([n, u]) => `<a href="${esc(u)}">${esc(n)}</a>`).join(" · ");
      const pl = await api(`/runs/${id}/plots`);
      if (j.kind === "trial") {
        const s = card("Results: " + j.summary.scenario + ", seed " + j.summary.seed, summaryTables(j.summary) +
          `<p class="muted">Files: ${files}</p>`);
        s.id = "results";
        view.insertBefore(s, body);
        trialPlots(body, pl);
      } else if (j.kind === "power") {
        view.insertBefore(Object.assign(card("Power curve", `<p class="muted">Files: ${files}</p>`),
          { id: "results" }), body);
        powerPlot(body, pl);
      } else {
        const rows = j.result.results.map((r) => `<tr><td>${esc(r.endpoint)}</td><td>${esc(r.quantity)}</td>
          <td class="num">${fmt(r.observed)}</td><td class="num">${fmt(r.predicted_median)}</td>
          <td class="num">${fmt(r.pi_low)} to ${fmt(r.pi_high)}</td><td class="num">${fmt(r.percentile)}</td></tr>`).join("");
        card("Observed vs predicted", `<table><tr><th>endpoint</th><th>quantity</th><th>observed</th>
          <th>predicted median</th><th>90% PI</th><th>percentile</th></tr>${rows}</table>
          <p class="muted">Files: ${files}</p>`).id = "results";
      }
    }
    await poll();
  }

  /* ---------- lists, compare, evidence ---------- */
  async function runsView() {
    view.innerHTML = "";
    const jobs = await api("/runs");
    card("Jobs of this server", `<table id="jobs-table"><tr><th>job</th><th>kind</th><th>scenario</th>
      <th>status</th><th>created</th></tr>${jobs.map((j) => `<tr><td><a href="#/runs/${esc(j.job_id)}">
      ${esc(j.job_id.slice(0, 8))}</a></td><td>${esc(j.kind)}</td><td>${esc(j.request.scenario)}</td>
      <td class="status-${esc(j.status)}">${esc(j.status)}</td><td>${esc(j.created)}</td></tr>`).join("")}</table>`);
    const hist = await api("/history");
    card("All recorded trial runs (command line and server)", `<table><tr><th>run</th><th>scenario</th>
      <th>seed</th><th>replicates</th><th>n</th><th>created</th><th>folder</th></tr>${hist.map((r) =>
      `<tr><td>${r.run_id}</td><td>${esc(r.scenario)}</td><td>${r.seed}</td><td>${r.replicates}</td>
      <td>${r.sample_size}</td><td>${esc(r.created)}</td><td class="muted">${esc(r.folder)}</td></tr>`).join("")}</table>`);
  }
  async function compareView(a, b) {
    view.innerHTML = "";
    const done = (await api("/runs")).filter((j) => j.status === "done" && j.kind === "trial");
    const opts = done.map((j) => `<option value="${esc(j.job_id)}">${esc(j.job_id.slice(0, 8))}
      ${esc(j.request.scenario)} seed ${esc(j.request.seed === null ? "default" : j.request.seed)}</option>`).join("");
    const c = card("Compare two trial runs", `<select id="c-a">${opts}</select> vs <select id="c-b">${opts}</select>
      <button id="c-go">Compare</button>`);
    if (a) c.querySelector("#c-a").value = a;
    if (b) c.querySelector("#c-b").value = b;
    c.querySelector("#c-go").addEventListener("click", () => {
      location.hash = `#/compare/${c.querySelector("#c-a").value}/${c.querySelector("#c-b").value}`;
    });
    if (!a || !b) return;
    const grid = document.createElement("div");
    grid.className = "plots";
    view.appendChild(grid);
    for (const id of [a, b]) {
      const j = await api("/runs/" + id), pl = await api(`/runs/${id}/plots`);
      const s = document.createElement("section");
      s.className = "card";
      s.innerHTML = `<h2>${esc(id.slice(0, 8))}: ${esc(j.summary.scenario)}, seed ${j.summary.seed}</h2>` +
        summaryTables(j.summary);
      figure(s, P.km(pl.km), "Kaplan-Meier: overall survival");
      grid.appendChild(s);
    }
  }
  async function evidenceView(outcome) {
    view.innerHTML = "";
    outcome = outcome || "mortality";
    const m = await api("/evidence/meta?outcome=" + encodeURIComponent(outcome));
    const c = card("Evidence base: published MSC-COVID trials", `<label>Outcome <select id="e-outcome">
      ${["mortality", "sae", "ae"].map((o) => `<option ${o === outcome ? "selected" : ""}>${o}</option>`).join("")}
      </select></label> <p>${esc(m.method)} ${esc(m.measure)}: pooled ${fmt(m.exp ? m.exp.estimate : m.estimate)}
      (95% CI ${fmt(m.exp ? m.exp.ci_low : m.ci_low)} to ${fmt(m.exp ? m.exp.ci_high : m.ci_high)}),
      k = ${m.k}, I² = ${fmt(m.i2)}%, p = ${fmt(m.p)}</p>`);
    c.querySelector("#e-outcome").addEventListener("change", (ev) => { location.hash = "#/evidence/" + ev.target.value; });
    const log = ["RR", "OR"].includes(m.measure);
    const ex = (v) => (log ? Math.exp(v) : v);
    const rows = m.studies.map((s) => ({ label: `${s.study}`, estimate: ex(s.effect), ci_low: ex(s.ci_low),
      ci_high: ex(s.ci_high) }));
    const pooled = { estimate: ex(m.estimate), ci_low: ex(m.ci_low), ci_high: ex(m.ci_high) };
    figure(c, P.forest(rows, { log: log, ref: log ? 1 : 0, pooled: pooled, xlabel: m.measure }),
      `Forest plot: ${outcome}, ${m.measure} per study and pooled (${m.method})`, "evidence-forest");
  }

  async function route() {
    clearTimeout(timer);
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    document.querySelectorAll("nav a").forEach((n) => n.classList.toggle("active",
      n.getAttribute("href") === "#/" + (parts[0] || "")));
    try {
      if (parts[0] === "runs" && parts[1]) await runView(parts[1]);
      else if (parts[0] === "runs") await runsView();
      else if (parts[0] === "compare") await compareView(parts[1], parts[2]);
      else if (parts[0] === "evidence") await evidenceView(parts[1]);
      else await newRun();
    } catch (e) {
      view.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }
  }
  window.addEventListener("hashchange", route);
  route();
})();
