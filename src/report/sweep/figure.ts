// The figure of a merged sweep: a heat map of one metric over two axes (a phase, a
// verdict, or a number binned into colour classes), or curves of a numeric metric
// along one axis (every point as a dot, the mean per axis value as a line). Points that
// share a cell (other axes, replicates) are pooled: the mean of a number, the most
// frequent label of a category.

import { PALETTE, plotHeatMap, plotPanels, type Series } from '../../core/index.ts';
import type { MetricValue, PointRecord } from './point.ts';
import type { Axis, AxisValue, Sweep } from './spec.ts';

const SEQUENTIAL = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#084594'];
const NO_VALUE = { label: 'no value (error)', color: '#bbbbbb' };

function axisOf(sweep: Sweep, name: string): Axis {
  for (const f of sweep.factors) for (const a of f.axes) if (a.name === name) return a;
  throw new Error(`no axis ${name}`);
}

/** Distinct axis values in grid order. */
function distinct(axis: Axis): AxisValue[] {
  const seen = new Set<AxisValue>();
  return axis.values.filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
}

function evenlySpaced(v: readonly number[]): boolean {
  if (v.length < 3) return true;
  const d = v[1] - v[0];
  return v.every((x, i) => i === 0 || Math.abs(x - v[i - 1] - d) <= 1e-9 * Math.max(Math.abs(d), Math.abs(x)));
}

/** Where each distinct value sits on the figure's axis, and the label of that axis. */
function placement(axis: Axis): { values: AxisValue[]; coords: number[]; label: string } {
  const values = distinct(axis);
  const nums = values.every((v) => typeof v === 'number') ? (values as number[]) : undefined;
  if (nums && evenlySpaced(nums)) return { values, coords: nums, label: axis.name };
  if (nums && nums.every((v) => v > 0) && evenlySpaced(nums.map(Math.log10))) return { values, coords: nums.map(Math.log10), label: `log10 ${axis.name}` };
  return { values, coords: values.map((_, i) => i), label: `${axis.name} (index of ${values.slice(0, 6).join(', ')}${values.length > 6 ? ', …' : ''})` };
}

function defaultMetric(sweep: Sweep, metrics: readonly string[]): string | undefined {
  if (sweep.command === 'phase') return 'phase';
  if (sweep.command === 'check') return 'passed';
  return metrics.find((m) => m.startsWith('final.')) ?? metrics[0];
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

function emptyFigure(title: string, why: string): string {
  return plotPanels([{ title, xLabel: '', yLabel: '', series: [], xRange: [0, 1], yRange: [0, 1] }], { title: why });
}

/** The SVG figure of a complete sweep. */
export function sweepFigure(sweep: Sweep, rows: readonly PointRecord[], metrics: readonly string[]): string {
  const metric = sweep.figure?.metric ?? defaultMetric(sweep, metrics);
  const title = `${sweep.theory.id} ${sweep.command}${sweep.theorem ? ` ${sweep.theorem.id}` : ''}: ${metric ?? 'no metric'}`;
  if (metric === undefined) return emptyFigure(title, 'no metric to draw');
  const xName = sweep.figure?.x ?? sweep.factors[0].axes[0].name;
  const yName = sweep.figure ? sweep.figure.y : sweep.factors[1]?.axes[0].name;
  const values = rows.map((r) => r.metrics[metric]);
  const categorical = values.some((v) => typeof v === 'string' || typeof v === 'boolean');
  const x = placement(axisOf(sweep, xName));
  if (yName === undefined && !categorical) return curves(sweep, rows, metric, x, title);
  const y = yName !== undefined ? placement(axisOf(sweep, yName)) : { values: [''], coords: [0], label: '' };
  const xIndex = new Map(x.values.map((v, i) => [v, i]));
  const yIndex = new Map(y.values.map((v, i) => [v, i]));
  const cellValues: MetricValue[][][] = y.values.map(() => x.values.map(() => []));
  rows.forEach((r, k) => {
    const ix = xIndex.get(r.values[xName])!, iy = yName !== undefined ? yIndex.get(r.values[yName])! : 0;
    if (values[k] !== undefined) cellValues[iy][ix].push(values[k]);
  });
  let categories: { label: string; color: string }[];
  let cells: number[][];
  if (categorical) {
    const labels = [...new Set(values.filter((v) => v !== undefined).map(String))].sort();
    categories = [...labels.map((l, i) => ({ label: l, color: PALETTE[i % PALETTE.length] })), NO_VALUE];
    cells = cellValues.map((row) => row.map((list) => {
      if (list.length === 0) return labels.length;
      const counts = new Map<string, number>();
      for (const v of list) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      let best = labels.length, bestCount = 0;
      labels.forEach((l, i) => { const c = counts.get(l) ?? 0; if (c > bestCount) { best = i; bestCount = c; } });
      return best;
    }));
  } else {
    const means = cellValues.map((row) => row.map((list) => {
      const finite = list.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
    }));
    const all = means.flat().filter(Number.isFinite);
    const lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
    const bins = lo === hi ? 1 : SEQUENTIAL.length;
    const edge = (i: number) => lo + ((hi - lo) * i) / bins;
    categories = [...Array.from({ length: bins }, (_, i) => ({ label: bins === 1 ? fmt(lo) : `${fmt(edge(i))} – ${fmt(edge(i + 1))}`, color: SEQUENTIAL[bins === 1 ? 4 : i] })), NO_VALUE];
    cells = means.map((row) => row.map((m) => (Number.isFinite(m) ? Math.min(bins - 1, Math.floor(((m - lo) / (hi - lo || 1)) * bins)) : bins)));
  }
  const noValue = categories.length - 1;
  if (!cells.some((row) => row.includes(noValue))) categories.pop(); // no cell without a value: no legend entry for it
  return plotHeatMap({ title, xLabel: x.label, yLabel: y.label, xs: x.coords, ys: y.coords, cells, categories });
}

function curves(sweep: Sweep, rows: readonly PointRecord[], metric: string, x: ReturnType<typeof placement>, title: string): string {
  const xName = sweep.figure?.x ?? sweep.factors[0].axes[0].name;
  const xIndex = new Map(x.values.map((v, i) => [v, i]));
  const dotsX: number[] = [], dotsY: number[] = [];
  const sums = x.values.map(() => ({ s: 0, n: 0 }));
  for (const r of rows) {
    const v = r.metrics[metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const i = xIndex.get(r.values[xName])!;
    dotsX.push(x.coords[i]);
    dotsY.push(v);
    sums[i].s += v;
    sums[i].n++;
  }
  const meanX: number[] = [], meanY: number[] = [];
  sums.forEach((c, i) => { if (c.n) { meanX.push(x.coords[i]); meanY.push(c.s / c.n); } });
  const series: Series[] = [{ label: 'mean per value', x: meanX, y: meanY, color: PALETTE[0] }];
  if (dotsX.length > meanX.length) series.push({ label: 'points', x: dotsX, y: dotsY, color: PALETTE[1], style: 'dots', radius: 2, opacity: 0.5 });
  if (meanX.length === 0) return emptyFigure(title, `no finite value of ${metric}`);
  return plotPanels([{ title, xLabel: x.label, yLabel: metric, series }], { width: 640, height: 420 });
}
