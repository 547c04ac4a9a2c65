// Moment tensors of a two-layer generator, E[x^{⊗p}] = M_p ×₁ A ⋯ ×_p A (M_p the unit
// moments, unit-moments.ts), with an entrywise error bound for the Hermite method, and
// their Monte Carlo estimates with standard errors.

import {
  type Rng, multilinearProduct, frobenius, empiricalMomentTensor, sortedIndices, setSymmetric,
} from '../../numeric/index.ts';
import type { TwoLayerGenerator } from './generator.ts';
import { sampleGenerator } from './generator.ts';
import { UnitMoments } from './unit-moments.ts';

export interface MomentTensor {
  readonly order: number;
  /** Full d^order tensor. */
  readonly tensor: Float64Array;
  /** Entrywise bound on |tensor − exact| (all zero for the exact method). */
  readonly errorBound: Float64Array;
  /** ‖errorBound‖_F: a bound on the Frobenius error of `tensor` (may be loose or infinite, see UnitMoment). */
  readonly frobeniusErrorBound: number;
  /** Entrywise error estimate (unit estimates carried through |A|; zero for exact). */
  readonly errorEstimate: Float64Array;
  readonly frobeniusErrorEstimate: number;
  /** Entrywise min(errorBound, 2·errorEstimate): the uncertainty used for comparisons. */
  readonly uncertainty: Float64Array;
}

export interface GeneratorMoments {
  readonly method: 'isserlis' | 'hermite';
  readonly exact: boolean;
  readonly hermiteOrder?: number;
  /** Index k-1 holds E[x^{⊗k}], k = 1..order. */
  readonly tensors: readonly MomentTensor[];
}

/** E[x^{⊗k}] for k = 1..order (order ≤ 4). */
export function generatorMoments(
  gen: TwoLayerGenerator, order: number, opts: { hermiteOrder?: number; forceHermite?: boolean; units?: UnitMoments } = {},
): GeneratorMoments {
  const units = opts.units ?? new UnitMoments(gen, opts);
  const absA = Float64Array.from(gen.A, Math.abs);
  const tensors: MomentTensor[] = [];
  for (let p = 1; p <= order; p++) {
    const { core, errorBound, errorEstimate } = units.tensor(p);
    const tensor = multilinearProduct(core, gen.m, gen.A, gen.d, p);
    const err = units.exact ? new Float64Array(tensor.length) : multilinearProduct(errorBound, gen.m, absA, gen.d, p);
    const est = units.exact ? new Float64Array(tensor.length) : multilinearProduct(errorEstimate, gen.m, absA, gen.d, p);
    const uncertainty = err.map((b, i) => Math.min(b, 2 * est[i]));
    tensors.push({ order: p, tensor, errorBound: err, frobeniusErrorBound: frobenius(err), errorEstimate: est, frobeniusErrorEstimate: frobenius(est), uncertainty });
  }
  return { method: units.method, exact: units.exact, hermiteOrder: units.exact ? undefined : units.hermiteOrder, tensors };
}

export interface MonteCarloMoments {
  readonly n: number;
  /** Index k-1: the sample mean of x^{⊗k} (full tensor) and the standard error of each entry. */
  readonly tensors: ReadonlyArray<{ readonly mean: Float64Array; readonly standardError: Float64Array }>;
}

/**
 * Sample means of x^{⊗k}, k = 1..order, over n samples, with the standard error of
 * each entry (sample standard deviation / √n), accumulated on the sorted entries.
 */
export function monteCarloMoments(gen: TwoLayerGenerator, order: number, n: number, rng: Rng): MonteCarloMoments {
  const d = gen.d;
  const x = sampleGenerator(gen, n, rng);
  const tensors = [];
  for (let p = 1; p <= order; p++) {
    const idx = sortedIndices(d, p);
    const s1 = new Float64Array(idx.length), s2 = new Float64Array(idx.length);
    for (let s = 0; s < n; s++) {
      const row = s * d;
      for (let q = 0; q < idx.length; q++) {
        let v = 1;
        for (const i of idx[q]) v *= x[row + i];
        s1[q] += v;
        s2[q] += v * v;
      }
    }
    const mean = new Float64Array(d ** p), se = new Float64Array(d ** p);
    idx.forEach((ix, q) => {
      const mu = s1[q] / n;
      const variance = Math.max(0, (s2[q] - n * mu * mu) / (n - 1));
      setSymmetric(mean, d, ix, mu);
      setSymmetric(se, d, ix, Math.sqrt(variance / n));
    });
    tensors.push({ mean, standardError: se });
  }
  return { n, tensors };
}

/** Sample moment tensors (no standard errors): (1/n) Σ x_s^{⊗k}, k = 1..order. */
export function sampleMoments(x: ArrayLike<number>, n: number, d: number, order: number): Float64Array[] {
  return Array.from({ length: order }, (_, p) => empiricalMomentTensor(x, n, d, p + 1));
}
