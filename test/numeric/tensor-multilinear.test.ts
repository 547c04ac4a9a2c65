// multilinearProduct through the tiled A·Bᵀ kernel against the plain mode-product loop it
// replaced, bit for bit, over orders 1–4 and sizes around the 4×4 tiles; and one mode
// product against the (dm)^p definition within its rounding bound.

import { describe, expect, it } from 'vitest';
import { Rng, multilinearProduct } from '../../src/numeric/index.ts';

/** The previous implementation: one mode at a time, next[i, q] = Σ_j A[i, j]·cur[q, j] from +0. */
function naiveMultilinear(core: Float64Array, m: number, A: Float64Array, d: number, order: number): Float64Array {
  let cur = Float64Array.from(core);
  for (let r = 0; r < order; r++) {
    const rest = cur.length / m;
    const next = new Float64Array(d * rest);
    for (let i = 0; i < d; i++) {
      for (let q = 0; q < rest; q++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += A[i * m + j] * cur[q * m + j];
        next[i * rest + q] = s;
      }
    }
    cur = next;
  }
  return cur;
}

describe('multilinearProduct', () => {
  const cases: [number, number, number][] = [];
  for (const order of [1, 2, 3, 4]) for (const [m, d] of [[1, 1], [1, 5], [3, 1], [5, 7], [10, 6], [4, 9]]) cases.push([order, m, d]);

  it.each(cases)('order %i, m = %i, d = %i: bit-identical to the plain mode products', (order, m, d) => {
    const rng = new Rng(order * 1000 + m * 31 + d);
    const core = rng.fillNormal(new Float64Array(m ** order));
    const A = rng.fillNormal(new Float64Array(d * m));
    for (let t = 0; t < A.length; t += 3) A[t] = 0;
    const got = multilinearProduct(core, m, A, d, order), want = naiveMultilinear(core, m, A, d, order);
    expect(got.length).toBe(want.length);
    for (let t = 0; t < want.length; t++) if (!Object.is(got[t], want[t])) expect([t, got[t]]).toEqual([t, want[t]]);
  });

  it('order 2 equals A·M·Aᵀ by the definition within (γ_(2m+2) + γ_(m²+2))·Σ|terms|', () => {
    // mode products: two sums of m products of three factors, γ_(2m+2); the reference: one sum of m² such terms, γ_(m²+2)
    const m = 5, d = 6, rng = new Rng(9);
    const M = rng.fillNormal(new Float64Array(m * m)), A = rng.fillNormal(new Float64Array(d * m));
    const got = multilinearProduct(M, m, A, d, 2);
    const u = 2 ** -53, gamma = (n: number): number => (n * u) / (1 - n * u);
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < d; k++) {
        let s = 0, abs = 0;
        for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) { const v = M[a * m + b] * A[i * m + a] * A[k * m + b]; s += v; abs += Math.abs(v); }
        expect(Math.abs(got[i * d + k] - s)).toBeLessThanOrEqual((gamma(2 * m + 2) + gamma(m * m + 2)) * abs);
      }
    }
  });
});
