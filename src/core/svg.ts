// Small, dependency-free SVG plots: line/scatter panels, heat maps and histograms.

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  /** 'line' (default) or 'dots' */
  style?: 'line' | 'dots';
  dash?: string;
  /** dot radius in pixels (default 2.6) */
  radius?: number;
  /** dot opacity (default 0.8) */
  opacity?: number;
}

/** A quiver: arrows from (x, y) to (x + u, y + v), in data coordinates. */
export interface Arrows {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  u: ArrayLike<number>;
  v: ArrayLike<number>;
  color: string;
  label?: string;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xRange?: [number, number];
  yRange?: [number, number];
  /** histogram bars drawn under the series */
  bars?: { edges: ArrayLike<number>; heights: ArrayLike<number>; color: string; label: string };
  /** arrows drawn over the series */
  arrows?: Arrows;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** Round tick positions covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= target + 1) ?? 10 * mag;
  const out: number[] = [];
  // by index, at most target + 2 ticks: adding a step below the rounding unit of lo would never end
  const first = Math.ceil(lo / step);
  for (let i = 0; i <= target + 1; i++) {
    const v = (first + i) * step;
    if (v > hi + 1e-9 * span) break;
    out.push(Math.abs(v) < 1e-12 * span ? 0 : v);
  }
  return out;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

function extent(values: number[], pad = 0.05): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (!finite.length) return [0, 1];
  if (hi - lo <= 1e-12 * Math.max(Math.abs(lo), Math.abs(hi))) { lo -= 0.5; hi += 0.5; } // equal up to rounding: a flat line
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

function panelSvg(p: Panel, x0: number, y0: number, w: number, h: number): string {
  const labelled = p.series.filter((s) => s.label !== '').length + (p.bars ? 1 : 0) + (p.arrows?.label ? 1 : 0);
  const m = { left: 58, right: labelled ? 96 : 12, top: 28, bottom: 44 };
  const pw = w - m.left - m.right, ph = h - m.top - m.bottom;
  const xs = p.series.flatMap((s) => Array.from(s.x));
  const ys = p.series.flatMap((s) => Array.from(s.y));
  if (p.bars) { xs.push(...Array.from(p.bars.edges)); ys.push(0, ...Array.from(p.bars.heights)); }
  if (p.arrows) { xs.push(...Array.from(p.arrows.x)); ys.push(...Array.from(p.arrows.y)); }
  const [xl, xh] = p.xRange ?? extent(xs, 0);
  const [yl, yh] = p.yRange ?? extent(ys);
  const sx = (v: number) => x0 + m.left + ((v - xl) / (xh - xl)) * pw;
  const sy = (v: number) => y0 + m.top + ph - ((v - yl) / (yh - yl)) * ph;
  const parts: string[] = [];
  parts.push(`<rect x="${x0 + m.left}" y="${y0 + m.top}" width="${pw}" height="${ph}" fill="white" stroke="#444"/>`);
  for (const t of ticks(xl, xh)) {
    parts.push(`<line x1="${num(sx(t))}" y1="${num(y0 + m.top + ph)}" x2="${num(sx(t))}" y2="${num(y0 + m.top + ph + 4)}" stroke="#444"/>`);
    parts.push(`<text x="${num(sx(t))}" y="${num(y0 + m.top + ph + 16)}" text-anchor="middle" font-size="11">${fmtTick(t)}</text>`);
  }
  for (const t of ticks(yl, yh)) {
    parts.push(`<line x1="${num(x0 + m.left - 4)}" y1="${num(sy(t))}" x2="${num(x0 + m.left + pw)}" y2="${num(sy(t))}" stroke="#ddd"/>`);
    parts.push(`<text x="${num(x0 + m.left - 6)}" y="${num(sy(t) + 4)}" text-anchor="end" font-size="11">${fmtTick(t)}</text>`);
  }
  parts.push(`<text x="${num(x0 + m.left + pw / 2)}" y="${num(y0 + 18)}" text-anchor="middle" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
  parts.push(`<text x="${num(x0 + m.left + pw / 2)}" y="${num(y0 + h - 8)}" text-anchor="middle" font-size="12">${esc(p.xLabel)}</text>`);
  parts.push(`<text transform="translate(${num(x0 + 14)},${num(y0 + m.top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${esc(p.yLabel)}</text>`);
  parts.push(`<clipPath id="c${x0}_${y0}"><rect x="${x0 + m.left}" y="${y0 + m.top}" width="${pw}" height="${ph}"/></clipPath>`);
  const body: string[] = [];
  if (p.bars) {
    const { edges, heights } = p.bars;
    for (let i = 0; i < heights.length; i++) {
      const xa = sx(edges[i]), xb = sx(edges[i + 1]), yt = sy(heights[i]);
      body.push(`<rect x="${num(xa)}" y="${num(yt)}" width="${num(Math.max(0, xb - xa - 0.5))}" height="${num(Math.max(0, sy(yl < 0 ? 0 : yl) - yt))}" fill="${p.bars.color}" opacity="0.55"/>`);
    }
  }
  for (const s of p.series) {
    if (s.style === 'dots') {
      for (let i = 0; i < s.x.length; i++) {
        if (Number.isFinite(s.y[i])) body.push(`<circle cx="${num(sx(s.x[i]))}" cy="${num(sy(s.y[i]))}" r="${s.radius ?? 2.6}" fill="${s.color}" opacity="${s.opacity ?? 0.8}"/>`);
      }
    } else {
      const pts: string[] = [];
      for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.y[i])) pts.push(`${num(sx(s.x[i]))},${num(sy(s.y[i]))}`);
      body.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
  }
  if (p.arrows) {
    const a = p.arrows;
    for (let i = 0; i < a.x.length; i++) {
      const X1 = sx(a.x[i]), Y1 = sy(a.y[i]), X2 = sx(a.x[i] + a.u[i]), Y2 = sy(a.y[i] + a.v[i]);
      const len = Math.hypot(X2 - X1, Y2 - Y1);
      if (!Number.isFinite(len)) continue;
      if (len < 0.5) { body.push(`<circle cx="${num(X1)}" cy="${num(Y1)}" r="0.8" fill="${a.color}"/>`); continue; }
      const head = Math.min(5, 0.4 * len), ux = (X2 - X1) / len, uy = (Y2 - Y1) / len;
      const hx = X2 - head * ux, hy = Y2 - head * uy;
      body.push(`<line x1="${num(X1)}" y1="${num(Y1)}" x2="${num(hx)}" y2="${num(hy)}" stroke="${a.color}" stroke-width="1.1"/>`
        + `<polygon points="${num(X2)},${num(Y2)} ${num(hx - 0.5 * head * uy)},${num(hy + 0.5 * head * ux)} ${num(hx + 0.5 * head * uy)},${num(hy - 0.5 * head * ux)}" fill="${a.color}"/>`);
    }
  }
  parts.push(`<g clip-path="url(#c${x0}_${y0})">${body.join('')}</g>`);
  const legend = [...p.series.filter((s) => s.label !== '').map((s) => ({ label: s.label, color: s.color, dots: s.style === 'dots', dash: s.dash })),
    ...(p.bars ? [{ label: p.bars.label, color: p.bars.color, dots: false, dash: undefined, bar: true }] : []),
    ...(p.arrows?.label ? [{ label: p.arrows.label, color: p.arrows.color, dots: false, dash: undefined }] : [])];
  legend.forEach((l, i) => {
    const lx = x0 + m.left + pw + 6, ly = y0 + m.top + 12 + i * 15;
    const mark = (l as { bar?: boolean }).bar
      ? `<rect x="${lx}" y="${ly - 6}" width="16" height="8" fill="${l.color}" opacity="0.55"/>`
      : l.dots ? `<circle cx="${lx + 8}" cy="${ly - 2}" r="3" fill="${l.color}"/>`
        : `<line x1="${lx}" y1="${ly - 2}" x2="${lx + 16}" y2="${ly - 2}" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`;
    parts.push(`${mark}<text x="${lx + 20}" y="${ly + 2}" font-size="11">${esc(l.label)}</text>`);
  });
  return parts.join('\n');
}

/** Panels laid out in a grid, as one SVG document. */
export function plotPanels(panels: Panel[], opts: { columns?: number; width?: number; height?: number; title?: string } = {}): string {
  const cols = opts.columns ?? panels.length;
  const rows = Math.ceil(panels.length / cols);
  const w = opts.width ?? 380, h = opts.height ?? 300;
  const top = opts.title ? 28 : 0;
  const W = cols * w, H = rows * h + top;
  const body = panels.map((p, i) => panelSvg(p, (i % cols) * w, top + Math.floor(i / cols) * h, w, h));
  const title = opts.title ? `<text x="${W / 2}" y="19" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${title}\n${body.join('\n')}\n</svg>\n`;
}

export interface HeatMap {
  title: string;
  xLabel: string;
  yLabel: string;
  /** cell centres */
  xs: number[];
  ys: number[];
  /** category index per cell, [iy][ix] */
  cells: number[][];
  categories: Array<{ label: string; color: string }>;
  /** curves drawn over the map (e.g. a predicted boundary) */
  overlay?: Series[];
}

/** A categorical heat map (e.g. a phase diagram) with optional overlay curves. */
export function plotHeatMap(map: HeatMap, opts: { width?: number; height?: number } = {}): string {
  const W = opts.width ?? 680, H = opts.height ?? 500;
  const m = { left: 62, right: 190, top: 34, bottom: 46 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const dx = map.xs.length > 1 ? map.xs[1] - map.xs[0] : 1, dy = map.ys.length > 1 ? map.ys[1] - map.ys[0] : 1;
  const xl = map.xs[0] - dx / 2, xh = map.xs[map.xs.length - 1] + dx / 2;
  const yl = map.ys[0] - dy / 2, yh = map.ys[map.ys.length - 1] + dy / 2;
  const sx = (v: number) => m.left + ((v - xl) / (xh - xl)) * pw;
  const sy = (v: number) => m.top + ph - ((v - yl) / (yh - yl)) * ph;
  const parts: string[] = [];
  const cw = pw / map.xs.length, ch = ph / map.ys.length;
  map.cells.forEach((row, iy) => row.forEach((c, ix) => {
    parts.push(`<rect x="${num(m.left + ix * cw)}" y="${num(m.top + ph - (iy + 1) * ch)}" width="${num(cw + 0.3)}" height="${num(ch + 0.3)}" fill="${map.categories[c].color}"/>`);
  }));
  for (const s of map.overlay ?? []) {
    const pts: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      if (Number.isFinite(s.y[i]) && s.y[i] >= yl && s.y[i] <= yh) pts.push(`${num(sx(s.x[i]))},${num(sy(s.y[i]))}`);
    }
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  for (const t of ticks(xl, xh)) parts.push(`<text x="${num(sx(t))}" y="${num(m.top + ph + 16)}" text-anchor="middle" font-size="11">${fmtTick(t)}</text>`);
  for (const t of ticks(yl, yh)) parts.push(`<text x="${num(m.left - 6)}" y="${num(sy(t) + 4)}" text-anchor="end" font-size="11">${fmtTick(t)}</text>`);
  parts.push(`<text x="${num(W / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(map.title)}</text>`);
  parts.push(`<text x="${num(m.left + pw / 2)}" y="${H - 10}" text-anchor="middle" font-size="12">${esc(map.xLabel)}</text>`);
  parts.push(`<text transform="translate(16,${num(m.top + ph / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${esc(map.yLabel)}</text>`);
  const legend = [...map.categories.map((c) => ({ ...c, line: false, dash: undefined as string | undefined })),
    ...(map.overlay ?? []).map((s) => ({ label: s.label, color: s.color, line: true, dash: s.dash }))];
  legend.forEach((c, i) => {
    const lx = m.left + pw + 12, ly = m.top + 10 + i * 18;
    parts.push(c.line
      ? `<line x1="${lx}" y1="${ly}" x2="${lx + 16}" y2="${ly}" stroke="${c.color}" stroke-width="2"${c.dash ? ` stroke-dasharray="${c.dash}"` : ''}/>`
      : `<rect x="${lx}" y="${ly - 7}" width="14" height="14" fill="${c.color}"/>`);
    parts.push(`<text x="${lx + 20}" y="${ly + 4}" font-size="11">${esc(c.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

/** Histogram bin edges and densities (area 1). */
export function histogram(values: ArrayLike<number>, bins: number, range?: [number, number]): { edges: number[]; heights: number[] } {
  const v = Array.from(values);
  const [lo, hi] = range ?? [Math.min(...v), Math.max(...v)];
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) {
    const k = Math.floor(((x - lo) / (hi - lo)) * bins);
    if (k >= 0 && k < bins) counts[k]++;
    else if (x === hi) counts[bins - 1]++;
  }
  const width = (hi - lo) / bins;
  return { edges, heights: counts.map((c) => c / (v.length * width)) };
}
