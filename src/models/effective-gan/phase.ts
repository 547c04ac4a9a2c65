// The mode-collapse diagram (docs/effective-dynamics.md C.1, C.4): the order parameter
// after T particle steps over a grid of g2/g1 (two-number kernel) and η_D, averaged
// over seeds. A cell whose runs all diverge is NaN and counted in `diverged`.

import { IntegrationError } from '../../core/index.ts';
import { runSpec } from './run.ts';
import type { EffectiveGanSpec } from './spec.ts';

export interface PhaseDiagram {
  readonly ratios: readonly number[];
  readonly lrDs: readonly number[];
  /** mean diversity / log M per cell, [iLrD][iRatio]; NaN where every seed diverged */
  readonly collapse: number[][];
  /** mean diversity (nats) per cell */
  readonly diversity: number[][];
  /** mean nearest-mode distance per cell */
  readonly quality: number[][];
  /** diverged runs per cell */
  readonly diverged: number[][];
  readonly seeds: number;
  readonly N: number;
  /** linear-theory boundary: the collective term N g2 equals the individual g1 − g2 → g2/g1 = 1/(N + 1) ≈ 1/N */
  readonly linearBoundary: number;
  readonly seconds: number;
}

export function phaseDiagram(s: EffectiveGanSpec, onProgress?: (fraction: number, label: string) => void): PhaseDiagram {
  const start = performance.now();
  const spec: EffectiveGanSpec = { ...s, kernelSource: 'two-number' };
  const mk = () => s.lrDs.map(() => s.ratios.map(() => 0));
  const collapse = mk(), diversity = mk(), quality = mk(), diverged = mk();
  const cells = s.ratios.length * s.lrDs.length;
  let done = 0;
  s.lrDs.forEach((lrD, iy) => s.ratios.forEach((ratio, ix) => {
    let c = 0, dv = 0, q = 0, ok = 0;
    for (let k = 0; k < s.seeds; k++) {
      try {
        const r = runSpec(spec, { ratio, lrD, seed: s.seed + k });
        c += r.order.collapse; dv += r.order.diversity; q += r.order.quality; ok++;
      } catch (err) {
        if (!(err instanceof IntegrationError)) throw err;
        diverged[iy][ix]++;
      }
    }
    collapse[iy][ix] = ok ? c / ok : NaN;
    diversity[iy][ix] = ok ? dv / ok : NaN;
    quality[iy][ix] = ok ? q / ok : NaN;
    done++;
    onProgress?.(done / cells, `cell ${done} of ${cells}`);
  }));
  return {
    ratios: s.ratios, lrDs: s.lrDs, collapse, diversity, quality, diverged, seeds: s.seeds, N: s.N,
    linearBoundary: 1 / (s.N + 1), seconds: (performance.now() - start) / 1000,
  };
}

/** The diagram as text: one row per η_D (largest first), collapse ×100 per g2/g1 column. */
export function phaseLines(p: PhaseDiagram, title: string): string[] {
  const fmt = (v: number) => (Number.isNaN(v) ? '  div' : String(Math.round(100 * v)).padStart(5));
  const lines = [
    title,
    `collapse = diversity / log M (0: every mode covered, 100: all particles on one mode), ${p.seeds} seed(s) per cell; linear-theory boundary g2/g1 ≈ 1/(N+1) = ${p.linearBoundary.toPrecision(3)}`,
    `${'eta_D \\ g2/g1'.padEnd(14)}${p.ratios.map((r) => String(r).padStart(7)).join('')}`,
  ];
  for (let iy = p.lrDs.length - 1; iy >= 0; iy--) {
    lines.push(`${String(p.lrDs[iy]).padEnd(14)}${p.collapse[iy].map((v) => `  ${fmt(v)}`).join('')}`);
  }
  return lines;
}
