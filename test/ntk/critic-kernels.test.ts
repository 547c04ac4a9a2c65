// The generic (layer-by-layer) passes of the MLP critic run on the register-blocked kernels
// of src/ntk/dense-rows.ts and on activation derivatives stored by the forward pass.
// Each of their sums adds the same terms in the same grouping and order as the plain row
// kernels (./dense-rows-reference.ts) with φ', φ'' recomputed from h_l, so the numbers must
// agree to the last bit, the sign of a zero included. The reference here is those passes
// written out with the reference kernels (the critic's passes before the blocking).
import { describe, expect, it } from 'vitest';
import { type CriticActivation, MlpCritic } from '../../src/ntk/index.ts';
import { accumulateWeightGrad, accumulateWeightGrad2, affineRows, backRows } from './dense-rows-reference.ts';
import { Rng, erf } from '../../src/numeric/index.ts';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function derivatives(act: CriticActivation): { phi: (x: number) => number; dphi: (x: number) => number; d2phi: (x: number) => number } {
  switch (act) {
    case 'relu': return { phi: (x) => (x > 0 ? x : 0), dphi: (x) => (x > 0 ? 1 : 0), d2phi: () => 0 };
    case 'tanh': return {
      phi: Math.tanh,
      dphi: (x) => { const t = Math.tanh(x); return 1 - t * t; },
      d2phi: (x) => { const t = Math.tanh(x); return -2 * t * (1 - t * t); },
    };
    case 'linear': return { phi: (x) => x, dphi: () => 1, d2phi: () => 0 };
    case 'erf': return {
      phi: erf,
      dphi: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x),
      d2phi: (x) => -2 * x * TWO_OVER_SQRT_PI * Math.exp(-x * x),
    };
  }
}

/** f, ∇_x f and ∂/∂θ of Σ w_i f_i (+ Σ u_i·∇f_i when u is given) by the dense-rows passes. */
function reference(c: MlpCritic, X: Float64Array, n: number, w: Float64Array, u: Float64Array | null) {
  const P = c.params, L = c.layers, K = L.length;
  const { phi, dphi, d2phi } = derivatives(c.activation);
  const map = (H: Float64Array, fn: (x: number) => number) => H.map(fn);
  const pre: Float64Array[] = [], post: Float64Array[] = [];
  for (let l = 0; l < K; l++) {
    const H = new Float64Array(n * L[l].nOut);
    affineRows(P, L[l], l === 0 ? X : post[l - 1], n, H, true);
    pre.push(H);
    if (l < K - 1) post.push(map(H, phi));
  }
  const delta: Float64Array[] = new Array(K), e: Float64Array[] = new Array(K - 1);
  delta[K - 1] = new Float64Array(n).fill(1);
  for (let l = K - 2; l >= 0; l--) {
    e[l] = new Float64Array(n * L[l].nOut);
    backRows(P, L[l + 1], delta[l + 1], n, e[l]);
    delta[l] = e[l].map((v, t) => dphi(pre[l][t]) * v);
  }
  const g = new Float64Array(n * c.d);
  backRows(P, L[0], delta[0], n, g);
  const hdot: Float64Array[] = [], adot: Float64Array[] = [];
  if (u) {
    for (let l = 0; l < K - 1; l++) {
      const Hd = new Float64Array(n * L[l].nOut);
      affineRows(P, L[l], l === 0 ? u : adot[l - 1], n, Hd, false);
      hdot.push(Hd);
      adot.push(Hd.map((v, t) => dphi(pre[l][t]) * v));
    }
  }
  const grad = new Float64Array(c.size);
  let hbar = Float64Array.from(w.subarray(0, n));
  for (let l = K - 1; l >= 0; l--) {
    const p = L[l];
    if (u) accumulateWeightGrad2(grad, p, hbar, l === 0 ? X : post[l - 1], delta[l], l === 0 ? u : adot[l - 1], n);
    else accumulateWeightGrad(grad, p, hbar, l === 0 ? X : post[l - 1], n);
    if (l === 0) break;
    const prev = new Float64Array(n * p.nIn);
    backRows(P, p, hbar, n, prev);
    const Hp = pre[l - 1];
    hbar = u
      ? prev.map((v, t) => dphi(Hp[t]) * v + d2phi(Hp[t]) * hdot[l - 1][t] * e[l - 1][t])
      : prev.map((v, t) => v * dphi(Hp[t]));
  }
  return { f: pre[K - 1], g, grad };
}

/** Entries that differ as bit patterns (Object.is: −0 ≠ +0, NaN = NaN). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bad = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) bad++;
  return bad;
}

/** Row weights with runs of exact zeros (whole blocks of four, single rows) and a −0. */
function rowWeights(n: number, r: Rng): Float64Array {
  const w = r.fillNormal(new Float64Array(n));
  for (let i = 0; i < n; i++) if (i % 7 === 3 || (i >= 4 && i < 8)) w[i] = 0;
  if (n > 2) w[2] = -0;
  return w;
}

const SHAPES: { d: number; hidden: number[]; act: CriticActivation }[] = [
  { d: 1, hidden: [3], act: 'tanh' },
  { d: 2, hidden: [7, 5], act: 'tanh' },
  { d: 3, hidden: [4, 1, 6], act: 'erf' },
  { d: 5, hidden: [2, 3, 3], act: 'linear' },
  { d: 2, hidden: [6, 5], act: 'relu' },
  { d: 4, hidden: [9, 2, 5], act: 'relu' },
  { d: 6, hidden: [5], act: 'erf' },
];

describe('generic critic passes: blocked kernels = dense-rows kernels, bit for bit', () => {
  for (const s of SHAPES) {
    it(`${s.act}, d = ${s.d}, hidden [${s.hidden.join(', ')}]: f, ∇f, Σ w f and Σ (w f + u·∇f) gradients, 1 to 13 rows, both parameterizations, with and without biases`, () => {
      let checked = 0;
      for (const parameterization of ['standard', 'ntk'] as const) {
        for (const bStd of [0.4, null]) {
          const c = new MlpCritic({ d: s.d, hidden: s.hidden, activation: s.act, parameterization, bStd, seed: 5 + s.d });
          for (let n = 1; n <= 13; n++) {
            const r = new Rng(1000 * s.d + 10 * n + (bStd === null ? 1 : 0));
            const X = r.fillNormal(new Float64Array(n * s.d), 0.3, 1.5);
            const w = rowWeights(n, r);
            const u = r.fillNormal(new Float64Array(n * s.d));
            if (n > 5) u.fill(0, s.d, 2 * s.d);
            const plain = reference(c, X, n, w, null), withU = reference(c, X, n, w, u);
            expect(differing(c.forward(X, n), plain.f)).toBe(0);
            expect(differing(c.inputGradient(X, n), plain.g)).toBe(0);
            expect(differing(c.paramGradient(X, n, w), plain.grad)).toBe(0);
            for (const useU of [false, true]) {
              const grad = new Float64Array(c.size);
              c.objectiveGradient(X, n, (f, g, m, wOut, uOut) => {
                expect(differing(f, plain.f)).toBe(0);
                expect(differing(g, plain.g)).toBe(0);
                wOut.set(w.subarray(0, m));
                uOut.set(u.subarray(0, m * s.d));
                return { value: 0, usesGradient: useU };
              }, grad);
              expect(differing(grad, useU ? withU.grad : plain.grad)).toBe(0);
              checked++;
            }
          }
        }
      }
      expect(checked).toBe(2 * 2 * 13 * 2);
    });
  }
});
