// Line charts in plain SVG: a handful of series over time, a shaded band, a "now" marker.
// Small on purpose: the page has four charts of at most a few thousand points each.

const SVG = "http://www.w3.org/2000/svg";
const W = 560, H = 200, PAD = { l: 48, r: 12, t: 10, b: 24 };

function node(name, attrs = {}, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Round tick steps: 1, 2 or 5 times a power of ten, about `n` of them up to `max`. */
function ticks(max, n = 4) {
  const raw = max / n;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= max + step / 2; v += step) out.push(v);
  return out;
}

function timeLabel(ms, spanMs) {
  const d = new Date(ms);
  const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  if (spanMs <= 36 * 3600e3) return hm;
  return `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${hm}`;
}

/**
 * Draws into `el`. `series`: [{name, color, points: [[ms, value|null], ...], dashed, dots}];
 * `band`: {color, points: [[ms, low, high], ...]}; `x`: [minMs, maxMs]; `now`: ms or null.
 * Marks the element with data-points (points drawn) so tests and people can tell "no data".
 */
export function lineChart(el, { series, band = null, x, now = null, format = (v) => `${v}` }) {
  el.replaceChildren();
  const drawn = series.reduce((n, s) => n + s.points.filter((p) => p[1] !== null).length, 0);
  el.dataset.points = String(drawn);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "linechart" });
  el.append(svg);
  if (drawn === 0) {
    svg.append(node("text", { x: W / 2, y: H / 2, class: "nodata", "text-anchor": "middle" }, "no data"));
    return;
  }
  const values = series.flatMap((s) => s.points.map((p) => p[1]).filter((v) => v !== null));
  if (band) values.push(...band.points.map((p) => p[2]));
  const yTicks = ticks(Math.max(...values, 1e-9) * 1.05);
  const yMax = yTicks[yTicks.length - 1];
  const [x0, x1] = x[1] > x[0] ? x : [x[0] - 60e3, x[0] + 60e3];
  const sx = (t) => PAD.l + ((t - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (v) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);

  for (const v of yTicks) {
    svg.append(node("line", { x1: PAD.l, x2: W - PAD.r, y1: sy(v), y2: sy(v), class: "grid" }));
    svg.append(node("text", { x: PAD.l - 6, y: sy(v) + 4, "text-anchor": "end", class: "tick" }, format(v)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = x0 + ((x1 - x0) * i) / 4;
    const anchor = i === 0 ? "start" : i === 4 ? "end" : "middle";
    svg.append(node("text", { x: sx(t), y: H - 6, "text-anchor": anchor, class: "tick" }, timeLabel(t, x1 - x0)));
  }
  if (band && band.points.length) {
    const top = band.points.map((p) => `${sx(p[0])},${sy(p[2])}`);
    const bottom = band.points.map((p) => `${sx(p[0])},${sy(p[1])}`).reverse();
    svg.append(node("polygon", { points: [...top, ...bottom].join(" "), fill: band.color, class: "band" }));
  }
  if (now !== null && now > x0 && now < x1) {
    svg.append(node("line", { x1: sx(now), x2: sx(now), y1: PAD.t, y2: H - PAD.b, class: "now" }));
  }
  for (const s of series) {
    // A gap in the data (null) breaks the line instead of bridging it.
    let d = "";
    let pen = "M";
    for (const [t, v] of s.points) {
      if (v === null) {
        pen = "M";
        continue;
      }
      d += `${pen}${sx(t).toFixed(1)},${sy(v).toFixed(1)}`;
      pen = "L";
    }
    const path = node("path", { d, stroke: s.color, class: s.dashed ? "series dashed" : "series" });
    path.append(node("title", {}, s.name));
    svg.append(path);
    // Few points: dots, so a single minute is visible too.
    if (s.dots !== false && s.points.length <= 90) {
      for (const [t, v] of s.points) {
        if (v === null) continue;
        const dot = node("circle", { cx: sx(t), cy: sy(v), r: 2.5, fill: s.color, class: "dot" });
        dot.append(node("title", {}, `${s.name} ${timeLabel(t, 0)}: ${format(v)}`));
        svg.append(dot);
      }
    }
  }
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const s of series) {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = s.color;
    item.append(swatch, s.name);
    legend.append(item);
  }
  el.append(legend);
}

/**
 * Cumulative distributions in plain SVG: `series`: [{name, color, points: [[value, share], ...]}]
 * with shares rising from 0 to 1; a dashed line marks p75. Marks data-points like lineChart.
 */
export function cdfChart(el, { series, format = (v) => `${v}` }) {
  el.replaceChildren();
  const all = series.flatMap((s) => s.points);
  el.dataset.points = String(all.length);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "linechart" });
  el.append(svg);
  if (!all.length) {
    svg.append(node("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "nodata" }, "no data"));
    return;
  }
  // Up to the larger p99, so that a long tail does not squeeze the curves into a corner.
  const p99 = (s) => (s.points.find((p) => p[1] >= 0.99) || s.points[s.points.length - 1] || [0])[0];
  const max = Math.max(...series.map(p99), 1e-9);
  const xs = (v) => PAD.l + (Math.min(v, max) / max) * (W - PAD.l - PAD.r);
  const ys = (p) => H - PAD.b - p * (H - PAD.t - PAD.b);
  for (const t of ticks(max)) {
    svg.append(node("text", { x: xs(t), y: H - 6, "text-anchor": "middle", class: "tick" }, format(t)));
  }
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(node("line", { x1: PAD.l, x2: W - PAD.r, y1: ys(p), y2: ys(p), class: p === 0.75 ? "now" : "grid" }));
    svg.append(node("text", { x: PAD.l - 6, y: ys(p) + 4, "text-anchor": "end", class: "tick" }, `${p * 100}%`));
  }
  for (const s of series) {
    let d = "";
    let prev = 0;
    for (const [v, share] of s.points) {
      // Steps: the share holds until the next bin.
      d += `${d ? "L" : "M"}${xs(v).toFixed(1)},${ys(prev).toFixed(1)}L${xs(v).toFixed(1)},${ys(share).toFixed(1)}`;
      prev = share;
    }
    svg.append(node("path", { d, fill: "none", stroke: s.color, "stroke-width": 2 }, undefined));
    svg.lastChild.append(node("title", {}, s.name));
  }
}
