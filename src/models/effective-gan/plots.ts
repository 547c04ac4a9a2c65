// SVG figures of the effective-gan theory: the collapse heat map, the frequency-principle
// boundaries, the damping scan and trajectories, the kernel concentration, particles.

import { type Panel, type Series, PALETTE, plotPanels } from '../../core/index.ts';
import type { Matrix } from '../../ntk/index.ts';
import type { PhaseDiagram } from './phase.ts';
import type { DampingScan, Trajectory } from './damping.ts';
import type { Concentration } from './latent-kernel.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f2 = (v: number) => v.toFixed(2);

/** Blue (0, coverage) → pale yellow → dark red (1, collapse); grey for NaN (diverged). */
function colour(v: number): string {
  if (Number.isNaN(v)) return '#bbbbbb';
  const t = Math.min(1, Math.max(0, v));
  const a = [49, 54, 149], b = [255, 255, 191], c = [165, 0, 38];
  const mix = (p: number[], q: number[], u: number) => p.map((x, i) => Math.round(x + (q[i] - x) * u));
  const rgb = t < 0.5 ? mix(a, b, t / 0.5) : mix(b, c, (t - 0.5) / 0.5);
  return `rgb(${rgb.join(',')})`;
}

/** Column positions on a log axis, the value 0 placed one step left of the smallest positive value. */
function logPositions(values: readonly number[]): number[] {
  const pos = values.filter((v) => v > 0).map(Math.log10);
  const lo = pos.length ? Math.min(...pos) : 0;
  const step = pos.length > 1 ? (Math.max(...pos) - lo) / (pos.length - 1) : 1;
  return values.map((v) => (v > 0 ? Math.log10(v) : lo - Math.max(step, 0.3)));
}

/** The collapse diagram: cells coloured by diversity / log M, log axes, the 1/N boundary dashed. */
export function phaseHeatMap(p: PhaseDiagram, title: string): string {
  const W = 720, H = 480, m = { left: 80, right: 120, top: 40, bottom: 56 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const nx = p.ratios.length, ny = p.lrDs.length;
  const cw = pw / nx, ch = ph / ny;
  const order = p.ratios.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  const yorder = p.lrDs.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  const parts: string[] = [];
  yorder.forEach((iy, ry) => order.forEach((ix, rx) => {
    const v = p.collapse[iy][ix];
    const x = m.left + rx * cw, y = m.top + ph - (ry + 1) * ch;
    parts.push(`<rect x="${f2(x)}" y="${f2(y)}" width="${f2(cw + 0.3)}" height="${f2(ch + 0.3)}" fill="${colour(v)}"><title>g2/g1 = ${p.ratios[ix]}, η_D = ${p.lrDs[iy]}: ${Number.isNaN(v) ? 'diverged' : v.toFixed(3)}</title></rect>`);
    if (cw > 34 && ch > 16) parts.push(`<text x="${f2(x + cw / 2)}" y="${f2(y + ch / 2 + 4)}" text-anchor="middle" font-size="10" fill="${v > 0.3 && v < 0.7 ? '#000' : '#fff'}">${Number.isNaN(v) ? 'div' : v.toFixed(2)}</text>`);
  }));
  // the linear-theory boundary, interpolated on the log column positions
  const xs = logPositions(order.map((i) => p.ratios[i]));
  const bx = Math.log10(p.linearBoundary);
  let px: number | undefined;
  for (let k = 0; k + 1 < xs.length; k++) {
    if (bx >= xs[k] && bx <= xs[k + 1]) px = m.left + (k + 0.5 + (bx - xs[k]) / (xs[k + 1] - xs[k])) * cw;
  }
  if (px !== undefined) {
    parts.push(`<line x1="${f2(px)}" y1="${m.top}" x2="${f2(px)}" y2="${m.top + ph}" stroke="#000" stroke-width="2" stroke-dasharray="6,4"/>`);
    parts.push(`<text x="${f2(px + 4)}" y="${m.top + 14}" font-size="11">g2/g1 = 1/(N+1)</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  order.forEach((ix, rx) => parts.push(`<text x="${f2(m.left + (rx + 0.5) * cw)}" y="${m.top + ph + 16}" text-anchor="middle" font-size="11">${p.ratios[ix]}</text>`));
  yorder.forEach((iy, ry) => parts.push(`<text x="${m.left - 6}" y="${f2(m.top + ph - (ry + 0.5) * ch + 4)}" text-anchor="end" font-size="11">${p.lrDs[iy]}</text>`));
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle" font-size="12">g2/g1 (log scale; first column 0)</text>`);
  parts.push(`<text transform="translate(18,${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">critic learning rate η_D (log scale)</text>`);
  for (let k = 0; k <= 10; k++) {
    const y = m.top + ph - (k / 10) * ph;
    parts.push(`<rect x="${m.left + pw + 20}" y="${f2(y - ph / 10)}" width="18" height="${f2(ph / 10 + 0.3)}" fill="${colour(k / 10)}"/>`);
  }
  parts.push(`<text x="${m.left + pw + 44}" y="${m.top + 10}" font-size="11">1 collapse</text>`);
  parts.push(`<text x="${m.left + pw + 44}" y="${m.top + ph}" font-size="11">0 coverage</text>`);
  parts.push(`<text x="${m.left + pw + 20}" y="${m.top + ph + 30}" font-size="10">diversity / log M</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

/** The collapse boundary of a diagram: for each η_D, the smallest g2/g1 whose collapse exceeds `level` (NaN if none). */
export function collapseBoundary(p: PhaseDiagram, level = 0.5): number[] {
  const order = p.ratios.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  return p.lrDs.map((_, iy) => {
    const hit = order.find(([, ix]) => p.collapse[iy][ix] > level);
    return hit ? hit[0] : NaN;
  });
}

/** Frequency principle: the collapse boundary of several critics on one figure. */
export function boundaryFigure(diagrams: ReadonlyArray<{ label: string; diagram: PhaseDiagram }>, title: string): string {
  // g2/g1 = 0 is drawn at −3 and "no collapse up to the largest g2/g1" at 0 (= g2/g1 of 1)
  const series: Series[] = diagrams.flatMap(({ label, diagram }, k) => {
    const b = collapseBoundary(diagram);
    const x = b.map((v) => (Number.isNaN(v) ? 0 : Math.log10(Math.max(v, 1e-3))));
    const y = diagram.lrDs.map(Math.log10);
    const color = PALETTE[k % PALETTE.length];
    return [
      { label, x, y, color, style: 'line' as const },
      { label: '', x, y, color, style: 'dots' as const, radius: 4 },
    ];
  });
  const N = diagrams[0]?.diagram.N ?? 2;
  const ys = diagrams.flatMap((d) => d.diagram.lrDs.map(Math.log10));
  series.push({ label: 'g2/g1 = 1/(N+1)', x: [Math.log10(1 / (N + 1)), Math.log10(1 / (N + 1))], y: [Math.min(...ys), Math.max(...ys)], color: '#000', dash: '6,4' });
  return plotPanels([{
    title, xLabel: 'log10 g2/g1 where collapse > 0.5 begins (−3: already at g2 = 0; 0: none up to the last column)', yLabel: 'log10 η_D', series,
    xRange: [-3.1, 0.1],
  }], { width: 680, height: 440 });
}

/** Convergence time against λ (log axes) with the derived λ_c, one panel per scan. */
export function dampingFigure(scans: readonly DampingScan[]): string {
  const panels: Panel[] = scans.map((s) => {
    const ok = s.lambdas.map((l, i) => [Math.log10(l), s.times[i]] as const).filter((q) => Number.isFinite(q[1]));
    const tmax = Math.max(...ok.map((q) => q[1]));
    return {
      title: `η_G=${s.setting.lrG}, η_D=${s.setting.lrD}, g=${s.g.toPrecision(3)} (${s.setting.mode})`,
      xLabel: 'log10 λ', yLabel: `steps to ε = ${s.eps}`,
      series: [
        { label: 'measured', x: ok.map((q) => q[0]), y: ok.map((q) => q[1]), color: PALETTE[0] },
        { label: `derived λ_c = ${s.lambdaC.toPrecision(3)}`, x: [Math.log10(s.lambdaC), Math.log10(s.lambdaC)], y: [0, tmax], color: PALETTE[1], dash: '6,4' },
        { label: `measured optimum ${s.lambdaOpt.toPrecision(3)}`, x: [Math.log10(s.lambdaOpt)], y: [s.timeOpt], color: PALETTE[2], style: 'dots', radius: 4 },
      ],
    };
  });
  return plotPanels(panels, { columns: Math.min(3, panels.length), title: 'Convergence time against the penalty strength: the optimum is critical damping' });
}

/** log10 distance to the mode over steps for under-, critically and over-damped λ. */
export function trajectoriesFigure(runs: ReadonlyArray<{ label: string; run: Trajectory }>, title: string): string {
  return plotPanels([{
    title, xLabel: 'particle step', yLabel: 'log10 rms |x − y| / start',
    series: runs.map(({ label, run }, k) => ({ label, x: run.step, y: run.distance.map((v) => Math.log10(Math.max(v, 1e-300))), color: PALETTE[k % PALETTE.length] })),
  }], { width: 640, height: 420 });
}

/** Spread of the latent kernel against d_z (log-log) with the fitted slope. */
export function concentrationFigure(c: Concentration, label: string): string {
  const x = c.points.map((p) => Math.log10(p.dz));
  const series: Series[] = [
    { label: `off-diagonal spread (slope ${c.offFit.slope.toFixed(3)})`, x, y: c.points.map((p) => Math.log10(p.offSpread)), color: PALETTE[0], style: 'dots', radius: 4 },
    { label: 'fit', x, y: x.map((v) => (c.offFit.intercept + c.offFit.slope * v * Math.LN10) / Math.LN10), color: PALETTE[0] },
    { label: 'slope −1/2', x, y: x.map((v, i) => Math.log10(c.points[0].offSpread) - 0.5 * (v - x[0]) + 0 * i), color: '#888', dash: '4,4' },
  ];
  if (c.diagFit) series.push({ label: `diagonal spread (slope ${c.diagFit.slope.toFixed(3)})`, x, y: c.points.map((p) => Math.log10(p.diagSpread)), color: PALETTE[1], style: 'dots', radius: 4 });
  return plotPanels([{ title: `${label}: Θ_ij on ${c.law} latents concentrates (g2/g1 = ${c.two.ratio.toFixed(4)})`, xLabel: 'log10 d_z', yLabel: 'log10 spread / g1', series }], { width: 640, height: 420 });
}

/** 2-D particles over the targets at the snapshot steps. */
export function particlesFigure(snaps: ReadonlyArray<{ step: number; X: Matrix }>, targets: Matrix, title: string): string {
  const panels: Panel[] = snaps.map((s) => ({
    title: `step ${s.step}`, xLabel: 'x1', yLabel: 'x2', xRange: [-3, 3], yRange: [-3, 3],
    series: [
      { label: 'targets', x: Array.from({ length: targets.rows }, (_, i) => targets.data[2 * i]), y: Array.from({ length: targets.rows }, (_, i) => targets.data[2 * i + 1]), color: '#999', style: 'dots', radius: 2 },
      { label: 'particles', x: Array.from({ length: s.X.rows }, (_, i) => s.X.data[2 * i]), y: Array.from({ length: s.X.rows }, (_, i) => s.X.data[2 * i + 1]), color: PALETTE[1], style: 'dots', radius: 2.5 },
    ],
  }));
  return plotPanels(panels, { columns: Math.min(3, panels.length), title });
}
