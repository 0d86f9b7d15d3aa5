// A small SVG line chart: a few series over time, with a y axis and a legend. Enough for the
// overview's rates; no library needed for this.

const NS = 'http://www.w3.org/2000/svg';
const W = 560;
const H = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A rounded-up axis top for {@code max}: 1, 2 or 5 times a power of ten. */
function niceTop(max) {
  if (max <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function label(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(v % 1e6 ? 1 : 0) + 'M';
  if (v >= 1e3) return (v / 1e3).toFixed(v % 1e3 ? 1 : 0) + 'k';
  return String(Math.round(v * 100) / 100);
}

/**
 * Draws {@code series} ([{name, color, points: [[timeMillis, value]...]}]) into a new SVG.
 * {@code unit} goes after the axis numbers' title.
 */
export function lineChart(title, series, unit) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  const all = series.flatMap(s => s.points);
  if (all.length < 2) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted' },
      'collecting… (a sample every few seconds)'));
    return root;
  }
  const t0 = Math.min(...all.map(p => p[0]));
  const t1 = Math.max(...all.map(p => p[0]));
  const top = niceTop(Math.max(...all.map(p => p[1])));
  const x = t => PAD.left + (W - PAD.left - PAD.right) * (t1 === t0 ? 1 : (t - t0) / (t1 - t0));
  const y = v => H - PAD.bottom - (H - PAD.top - PAD.bottom) * (v / top);
  for (const f of [0, 0.5, 1]) {
    root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(top * f), y2: y(top * f), class: 'grid' }));
    root.append(svg('text', { x: PAD.left - 4, y: y(top * f) + 4, 'text-anchor': 'end', class: 'axis' }, label(top * f)));
  }
  const minutes = Math.round((t1 - t0) / 60000);
  root.append(svg('text', { x: PAD.left, y: H - 4, class: 'axis' },
    minutes >= 1 ? `${minutes} min ago` : `${Math.round((t1 - t0) / 1000)} s ago`));
  root.append(svg('text', { x: W - PAD.right, y: H - 4, 'text-anchor': 'end', class: 'axis' }, `now (${unit})`));
  let lx = PAD.left + 70;
  for (const s of series) {
    if (s.points.length) {
      const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
      root.append(svg('path', { d, stroke: s.color, fill: 'none', 'stroke-width': 1.8, 'data-series': s.name }));
    }
    root.append(svg('rect', { x: lx, y: H - 13, width: 10, height: 10, fill: s.color }));
    root.append(svg('text', { x: lx + 13, y: H - 4, class: 'axis' }, s.name));
    lx += 20 + s.name.length * 7;
  }
  return root;
}
