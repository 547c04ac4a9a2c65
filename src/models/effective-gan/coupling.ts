// The particles' kernel coupling (docs/effective-dynamics.md C.2, C.3b): the velocity
// of particle i is Σ_j Θ_ij ∇f(x_j), with Θ the two-number kernel
// g1 δ_ij + g2 (1 − δ_ij) or a full latent Gram matrix, times 1 (coupling 'sum',
// the likelier reading of the authors' code) or 1/N ('mean', C.2's form).
//
// Two-number form in O(N d): Σ_j Θ_ij v_j = (g1 − g2) v_i + g2 Σ_j v_j.

import type { Matrix } from '../../ntk/index.ts';
import { ArgumentError } from '../../core/index.ts';

export type Coupling = 'sum' | 'mean';
export const COUPLINGS: readonly Coupling[] = ['sum', 'mean'];

export interface TwoNumberKernel {
  readonly kind: 'two-number';
  readonly g1: number;
  readonly g2: number;
}

export interface GramKernel {
  readonly kind: 'gram';
  /** N×N Θ_ij */
  readonly theta: Matrix;
}

export type ParticleKernel = TwoNumberKernel | GramKernel;

/** out_i = c Σ_j Θ_ij v_j for the N×d rows v (c = 1 for 'sum', 1/N for 'mean'). */
export function couple(kernel: ParticleKernel, v: Float64Array, N: number, d: number, coupling: Coupling, out: Float64Array): Float64Array {
  if (v.length !== N * d || out.length !== N * d) throw new ArgumentError(`couple: expected ${N}×${d} rows`);
  const c = coupling === 'mean' ? 1 / N : 1;
  if (kernel.kind === 'two-number') {
    const total = new Float64Array(d);
    for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) total[k] += v[i * d + k];
    const a = c * (kernel.g1 - kernel.g2), b = c * kernel.g2;
    for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) out[i * d + k] = a * v[i * d + k] + b * total[k];
    return out;
  }
  const th = kernel.theta;
  if (th.rows !== N || th.cols !== N) throw new ArgumentError(`couple: Θ is ${th.rows}×${th.cols}, expected ${N}×${N}`);
  const T = th.data;
  if (d === 2) { // the 2-D mixtures: two running sums per row
    for (let i = 0; i < N; i++) {
      const r = i * N;
      let s0 = 0, s1 = 0;
      for (let j = 0; j < N; j++) { const t = T[r + j]; s0 += t * v[2 * j]; s1 += t * v[2 * j + 1]; }
      out[2 * i] = c * s0; out[2 * i + 1] = c * s1;
    }
    return out;
  }
  out.fill(0);
  for (let i = 0; i < N; i++) {
    const oi = i * d, r = i * N;
    for (let j = 0; j < N; j++) {
      const t = c * T[r + j];
      const oj = j * d;
      for (let k = 0; k < d; k++) out[oi + k] += t * v[oj + k];
    }
  }
  return out;
}

/** Eigenvalues of the two-number kernel (C.2): centre of mass g1 + (N−1) g2 (once), relative g1 − g2 (N − 1 times). */
export function twoNumberEigenvalues(g1: number, g2: number, N: number): { centreOfMass: number; relative: number } {
  return { centreOfMass: g1 + (N - 1) * g2, relative: g1 - g2 };
}
