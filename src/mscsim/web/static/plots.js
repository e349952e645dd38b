/* Hand-rolled SVG plots for the mscsim web app: they draw data computed by the server
   (mscsim.app) and compute nothing. No external library, no CDN. */
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = ["#1f6feb", "#d1495b", "#2a9d8f", "#e9a03b", "#6f42c1", "#6c757d"];

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, attrs) {
    const t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function tip(node, s) { el("title", {}, node).textContent = s; return node; }
  function fmt(v, d) { return v === null || v === undefined ? "NA" : Number(v).toPrecision(d || 3); }
  function scale(d0, d1, r0, r1) {
    const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
    return (v) => r0 + (v - d0) * k;
  }
  function ticks(lo, hi, n) {
    const step0 = (hi - lo) / (n || 5) || 1;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }
  function frame(w, h, cls) {
    return el("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: cls, role: "img" });
  }
  function axes(svg, x, y, xt, yt, box, xlabel, ylabel, yfmt) {
    for (const v of yt) {
      el("line", { x1: box.l, x2: box.r, y1: y(v), y2: y(v), class: "grid" }, svg);
      text(svg, box.l - 6, y(v) + 4, yfmt ? yfmt(v) : String(v), { "text-anchor": "end" });
    }
    for (const v of xt) text(svg, x(v), box.b + 15, String(v), { "text-anchor": "middle" });
    el("line", { x1: box.l, x2: box.r, y1: box.b, y2: box.b, class: "axis" }, svg);
    el("line", { x1: box.l, x2: box.l, y1: box.t, y2: box.b, class: "axis" }, svg);
    text(svg, (box.l + box.r) / 2, box.b + 32, xlabel, { "text-anchor": "middle" });
    text(svg, 12, (box.t + box.b) / 2, ylabel,
      { "text-anchor": "middle", transform: `rotate(-90 12 ${(box.t + box.b) / 2})` });
  }
  /* A clickable legend: clicking an entry hides or shows the series with that key. */
  function legend(svg, keys, x0, y0) {
    keys.forEach((k, i) => {
      const g = el("g", { class: "legend", "data-key": k }, svg);
      el("rect", { x: x0, y: y0 + i * 16 - 9, width: 12, height: 10, fill: COLORS[i % 6] }, g);
      text(g, x0 + 17, y0 + i * 16, k);
      g.addEventListener("click", () => {
        svg.querySelectorAll(`[data-series="${k}"]`).forEach((n) => n.classList.toggle("hidden"));
        g.classList.toggle("off");
      });
    });
  }

  /* Kaplan-Meier curves: {arm: {time, survival, ci_low, ci_high, n}} */
  function km(data, title) {
    const W = 520, H = 320, box = { l: 52, r: 400, t: 16, b: 270 };
    const svg = frame(W, H, "plot-km");
    const arms = Object.keys(data);
    const tmax = Math.max(1, ...arms.map((a) => Math.max(...data[a].time)));
    const x = scale(0, tmax, box.l, box.r), y = scale(0, 1, box.b, box.t);
    axes(svg, x, y, ticks(0, tmax, 6), [0, 0.25, 0.5, 0.75, 1], box, "days after enrollment",
      title || "survival");
    arms.forEach((a, i) => {
      const d = data[a], c = COLORS[i % 6];
      let band = "", line = `M${x(d.time[0])},${y(d.survival[0])}`;
      for (let j = 1; j < d.time.length; j++) {
        line += `H${x(d.time[j])}V${y(d.survival[j])}`;
      }
      const up = d.time.map((t, j) => `${x(t)},${y(d.ci_high[j])}`);
      const lo = d.time.map((t, j) => `${x(t)},${y(d.ci_low[j])}`).reverse();
      band = `M${up.join("L")}L${lo.join("L")}Z`;
      el("path", { d: band, fill: c, "fill-opacity": 0.12, stroke: "none", "data-series": a }, svg);
      tip(el("path", { d: line, fill: "none", stroke: c, "stroke-width": 2, "data-series": a,
        class: "km-curve" }, svg), `${a}: n=${d.n}, S(end)=${fmt(d.survival[d.survival.length - 1])}`);
      d.time.forEach((t, j) => tip(el("circle", { cx: x(t), cy: y(d.survival[j]), r: 3, fill: c,
        "fill-opacity": 0.01, "data-series": a }, svg),
        `${a}: day ${fmt(t)}, S=${fmt(d.survival[j])} (${fmt(d.ci_low[j])}-${fmt(d.ci_high[j])})`));
    });
    legend(svg, arms, box.r + 14, box.t + 10);
    return svg;
  }

  /* Forest plot: rows [{label, estimate, ci_low, ci_high}], ratio measures on a log axis. */
  function forest(rows, opts) {
    opts = opts || {};
    const ok = rows.filter((r) => r.estimate !== null && r.ci_low !== null && r.ci_high !== null &&
      (!opts.log || (r.ci_low > 0 && r.ci_high > 0 && isFinite(r.ci_high))));
    const W = 640, rowH = 20, H = 60 + rowH * (ok.length + (opts.pooled ? 1 : 0));
    const box = { l: 230, r: 470, t: 12, b: H - 36 };
    const svg = frame(W, H, "plot-forest");
    const tr = opts.log ? Math.log : (v) => v;
    const vals = ok.flatMap((r) => [tr(r.ci_low), tr(r.ci_high)]).concat([tr(opts.ref)]);
    if (opts.pooled) vals.push(tr(opts.pooled.ci_low), tr(opts.pooled.ci_high));
    const lo = Math.min(...vals), hi = Math.max(...vals), pad = (hi - lo) * 0.05 || 1;
    const x = scale(lo - pad, hi + pad, box.l, box.r);
    el("line", { x1: x(tr(opts.ref)), x2: x(tr(opts.ref)), y1: box.t, y2: box.b, class: "axis",
      "stroke-dasharray": "3 3" }, svg);
    ok.forEach((r, i) => {
      const yy = box.t + rowH * (i + 0.8);
      text(svg, 4, yy + 4, r.label.length > 34 ? r.label.slice(0, 33) + "…" : r.label);
      el("line", { x1: x(tr(r.ci_low)), x2: x(tr(r.ci_high)), y1: yy, y2: yy, stroke: "#333" }, svg);
      tip(el("rect", { x: x(tr(r.estimate)) - 4, y: yy - 4, width: 8, height: 8, fill: COLORS[0],
        class: "forest-point" }, svg), `${r.label}: ${fmt(r.estimate)} (${fmt(r.ci_low)}, ${fmt(r.ci_high)})`);
      text(svg, box.r + 8, yy + 4, `${fmt(r.estimate)} [${fmt(r.ci_low)}, ${fmt(r.ci_high)}]`);
    });
    if (opts.pooled) {
      const p = opts.pooled, yy = box.t + rowH * (ok.length + 0.8);
      text(svg, 4, yy + 4, "Pooled", { "font-weight": "bold" });
      const d = `M${x(tr(p.ci_low))},${yy}L${x(tr(p.estimate))},${yy - 6}L${x(tr(p.ci_high))},${yy}` +
        `L${x(tr(p.estimate))},${yy + 6}Z`;
      tip(el("path", { d: d, fill: COLORS[1] }, svg), `pooled ${fmt(p.estimate)} (${fmt(p.ci_low)}, ${fmt(p.ci_high)})`);
      text(svg, box.r + 8, yy + 4, `${fmt(p.estimate)} [${fmt(p.ci_low)}, ${fmt(p.ci_high)}]`);
    }
    el("line", { x1: box.l, x2: box.r, y1: box.b, y2: box.b, class: "axis" }, svg);
    const xt = ticks(lo - pad, hi + pad, 4);
    for (const v of xt) text(svg, x(v), box.b + 14, opts.log ? fmt(Math.exp(v), 2) : String(v),
      { "text-anchor": "middle" });
    text(svg, (box.l + box.r) / 2, box.b + 30, opts.xlabel || "", { "text-anchor": "middle" });
    return svg;
  }

  /* Lines: {series: {key: {x: [], y: []}}}, e.g. biomarker medians or a power curve. */
  function lines(series, o) {
    const W = 420, H = 260, box = { l: 52, r: 300, t: 16, b: 212 };
    const svg = frame(W, H, o.cls || "plot-lines");
    const keys = Object.keys(series);
    const xs = keys.flatMap((k) => series[k].x), ys = keys.flatMap((k) => series[k].y)
      .filter((v) => v !== null && isFinite(v));
    const y0 = o.ymin !== undefined ? o.ymin : Math.min(...ys), y1 = o.ymax !== undefined ? o.ymax :
      Math.max(...ys);
    const x = scale(Math.min(...xs), Math.max(...xs), box.l, box.r), y = scale(y0, y1 || 1, box.b, box.t);
    axes(svg, x, y, ticks(Math.min(...xs), Math.max(...xs), 5), ticks(y0, y1 || 1, 4), box,
      o.xlabel, o.ylabel, (v) => fmt(v, 3));
    keys.forEach((k, i) => {
      const s = series[k], c = COLORS[i % 6];
      const pts = s.x.map((v, j) => [v, s.y[j]]).filter((p) => p[1] !== null && isFinite(p[1]));
      el("path", { d: "M" + pts.map((p) => `${x(p[0])},${y(p[1])}`).join("L"), fill: "none",
        stroke: c, "stroke-width": 2, "data-series": k }, svg);
      pts.forEach((p) => tip(el("circle", { cx: x(p[0]), cy: y(p[1]), r: 3, fill: c,
        "data-series": k }, svg), `${k}: ${o.xlabel} ${fmt(p[0])}, ${fmt(p[1])}`));
    });
    legend(svg, keys, box.r + 14, box.t + 10);
    return svg;
  }

  /* CONSORT-like flow: {screened, excluded: {reason: n}, enrolled, arms: {arm: n}} */
  function consort(c) {
    const arms = Object.keys(c.arms), W = 520, H = 250;
    const svg = frame(W, H, "plot-consort");
    function boxAt(x, y, w, lines) {
      el("rect", { x: x, y: y, width: w, height: 16 * lines.length + 10, rx: 4, fill: "#fff",
        stroke: "#8a94a6" }, svg);
      lines.forEach((s, i) => text(svg, x + 8, y + 18 + 16 * i, s));
    }
    const excl = Object.entries(c.excluded || {});
    boxAt(150, 6, 220, [`Screened: ${c.screened}`]);
    boxAt(330, 52, 185, [`Excluded: ${excl.reduce((s, e) => s + e[1], 0)}`]
      .concat(excl.slice(0, 4).map((e) => `  ${e[0]}: ${e[1]}`)));
    el("line", { x1: 260, x2: 260, y1: 32, y2: 150, class: "axis" }, svg);
    el("line", { x1: 260, x2: 330, y1: 70, y2: 70, class: "axis" }, svg);
    boxAt(150, 150, 220, [`Randomized: ${c.enrolled}`]);
    const w = W / arms.length;
    arms.forEach((a, i) => {
      el("line", { x1: 260, x2: w * i + w / 2, y1: 176, y2: 200, class: "axis" }, svg);
      boxAt(w * i + 8, 200, w - 16, [`${a}: ${c.arms[a]}`]);
    });
    return svg;
  }

  window.MscPlots = { km: km, forest: forest, lines: lines, consort: consort, fmt: fmt };
})();
