// SVG pictures of particle flows (core/svg.ts panels): d = 2, the particles
// over the targets at each kept step; d = 1, a histogram of the particles over
// the target histogram. Each panel's legend names the targets and the generated points.

import { type Panel, PALETTE, histogram, plotPanels } from '../../core/index.ts';
import type { Matrix } from '../../ntk/index.ts';
import { ArgumentError } from '../../core/index.ts';

export interface SnapshotPlotOptions {
  readonly title?: string;
  readonly columns?: number;
  /** 2-D: plotting box [lo, hi]² (default from the data); 1-D: x range */
  readonly range?: [number, number];
  readonly particleColor?: string;
  /** panel title prefix (default 'step') */
  readonly label?: (step: number) => string;
}

function column(m: Matrix, k: number): Float64Array {
  return Float64Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + k]);
}

function box(ms: Matrix[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const m of ms) for (const v of m.data) { if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  const pad = 0.05 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** Panels of the particles at each snapshot against the targets. */
export function snapshotPanels(snapshots: readonly { step: number; particles: Matrix }[], target: Matrix, opts: SnapshotPlotOptions = {}): Panel[] {
  const range = opts.range ?? box([target, ...snapshots.map((s) => s.particles)]);
  const color = opts.particleColor ?? PALETTE[0];
  const label = opts.label ?? ((s: number) => `step ${s}`);
  if (target.cols === 2) {
    return snapshots.map((s) => ({
      title: label(s.step), xLabel: 'x₁', yLabel: 'x₂', xRange: range, yRange: range,
      series: [
        { label: 'targets', x: column(target, 0), y: column(target, 1), color: '#9a9a9a', style: 'dots' as const, radius: 1.6, opacity: 0.6 },
        { label: 'generated', x: column(s.particles, 0), y: column(s.particles, 1), color, style: 'dots' as const, radius: 1.7, opacity: 0.75 },
      ],
    }));
  }
  if (target.cols !== 1) throw new ArgumentError(`snapshot plots need d = 1 or 2, got ${target.cols}`);
  const bins = 40;
  const th = histogram(target.data, bins, range);
  const tx = th.edges.flatMap((e, i) => (i < bins ? [e, th.edges[i + 1]] : []));
  const ty = th.heights.flatMap((h) => [h, h]);
  return snapshots.map((s) => {
    const ph = histogram(s.particles.data, bins, range);
    return {
      title: label(s.step), xLabel: 'x', yLabel: 'density', xRange: range,
      bars: { edges: ph.edges, heights: ph.heights, color, label: 'generated' },
      series: [{ label: 'targets', x: tx, y: ty, color: '#555555' }],
    };
  });
}

/** One SVG document of snapshot panels. */
export function snapshotSvg(snapshots: readonly { step: number; particles: Matrix }[], target: Matrix, opts: SnapshotPlotOptions = {}): string {
  const panels = snapshotPanels(snapshots, target, opts);
  const cols = opts.columns ?? Math.min(panels.length, 4);
  const square = target.cols === 2;
  // the legend (targets, generated) takes ~96 px right of each panel: wider panels keep the plot square
  return plotPanels(panels, { columns: cols, width: square ? 390 : 400, height: square ? 300 : 260, ...(opts.title ? { title: opts.title } : {}) });
}
