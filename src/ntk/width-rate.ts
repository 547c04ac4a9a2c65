// Finite width against infinite width: the relative Frobenius error of the
// empirical NTK of seeded finite networks to the closed form, and its fitted
// rate in the width (theory: width^(-1/2)).

import { Rng } from '../numeric/index.ts';
import { logLogFit, type LinearFit } from '../numeric/index.ts';
import { parseArchitecture } from './parse.ts';
import { kernels } from './kernels.ts';
import { empiricalNtk, finiteNetwork } from './finite.ts';

/** ‖a − b‖_F / ‖b‖_F */
export function relativeFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let t = 0; t < a.length; t++) { num += (a[t] - b[t]) ** 2; den += b[t] ** 2; }
  return Math.sqrt(num / den);
}

/** n seeded standard-normal input rows in R^d. */
export function gaussianRows(n: number, d: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

export interface WidthRate {
  widths: number[];
  /** mean over seeds of the relative Frobenius error of the empirical NTK Gram matrix */
  errors: number[];
  fit: LinearFit;
}

/**
 * The empirical NTK's error against the closed form over several widths and seeds.
 * `spec(width)` is the architecture string at that width (the width matters to the
 * closed form only in the standard parameterization).
 */
export function empiricalNtkWidthRate(spec: (width: number) => string, opts: {
  widths: number[]; seeds: number; inputs?: number; d?: number; seed?: number;
}): WidthRate {
  const d = opts.d ?? 4;
  const X = gaussianRows(opts.inputs ?? 6, d, opts.seed ?? 21);
  const errors = opts.widths.map((w) => {
    const arch = parseArchitecture(spec(w));
    const closed = kernels(arch, X).ntk!.data;
    let sum = 0;
    for (let s = 0; s < opts.seeds; s++) {
      sum += relativeFrobenius(empiricalNtk(finiteNetwork(arch, { d, width: w, seed: 7000 + 31 * s + w }), X).data, closed);
    }
    return sum / opts.seeds;
  });
  return { widths: opts.widths, errors, fit: logLogFit(opts.widths, errors) };
}
