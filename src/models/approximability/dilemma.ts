// The dilemma of docs/approximability.md E.1: for p = q = N(0, I/d), W1 between two
// n-samples stays of order one for n polynomial in d (it decays like n^(-1/d)), while the
// restricted IPM of the one-neuron ReLU class decays like n^(-1/2).
//
// The empirical restricted IPM along a direction u is exact: H(c) = mean_i ReLU(a_i + c) −
// mean_j ReLU(b_j + c) (a = Xu, b = Yu) is piecewise linear with breakpoints −a_i, −b_j,
// and w(c)|H(c)| (w = min(1, D/|c|)) is monotone between breakpoints and ±D, so its sup
// is at one of them (a sweep over the sorted breakpoints). The sup over u is taken over
// `directions` random unit vectors (a lower bound on the sup over the sphere).

import { Rng, w1Samples } from '../../numeric/index.ts';

/** sup_c w(c)|H(c)| for the projections a, b (exact; see the module comment). */
export function empiricalReluIpm1d(a: Float64Array, b: Float64Array, D: number): number {
  const n = a.length, m = b.length;
  const pts = new Float64Array(n + m), wts = new Float64Array(n + m);
  const idx = Array.from({ length: n + m }, (_, i) => i);
  for (let i = 0; i < n; i++) { pts[i] = -a[i]; wts[i] = 1 / n; }
  for (let j = 0; j < m; j++) { pts[n + j] = -b[j]; wts[n + j] = -1 / m; }
  idx.sort((x, y) => pts[x] - pts[y]);
  const candidates: number[] = [];
  for (const i of idx) candidates.push(pts[i]);
  // evaluate H at every breakpoint and at ±D by a sweep (H = 0 left of all breakpoints)
  const extra = D > 0 ? [-D, D] : [0];
  const all = Float64Array.from([...candidates, ...extra]).sort();
  let best = 0, H = 0, slope = 0, prev = all[0], k = 0;
  for (const c of all) {
    H += slope * (c - prev);
    prev = c;
    while (k < idx.length && pts[idx[k]] <= c) { slope += wts[idx[k]]; k++; }
    const w = Math.abs(c) <= D ? 1 : D / Math.abs(c);
    best = Math.max(best, w * Math.abs(H));
  }
  return best;
}

/** Restricted IPM between the rows of X and Y (n×d, m×d) over random directions. */
export function empiricalReluIpm(X: Float64Array, Y: Float64Array, d: number, D: number, directions: number, rng: Rng): number {
  const n = X.length / d, m = Y.length / d;
  const u = new Float64Array(d), a = new Float64Array(n), b = new Float64Array(m);
  let best = 0;
  for (let k = 0; k < directions; k++) {
    rng.fillNormal(u);
    const nu = Math.hypot(...u);
    for (let i = 0; i < d; i++) u[i] /= nu;
    for (let s = 0; s < n; s++) { let t = 0; for (let i = 0; i < d; i++) t += X[s * d + i] * u[i]; a[s] = t; }
    for (let s = 0; s < m; s++) { let t = 0; for (let i = 0; i < d; i++) t += Y[s * d + i] * u[i]; b[s] = t; }
    best = Math.max(best, empiricalReluIpm1d(a, b, D));
  }
  return best;
}

export interface DilemmaResult {
  readonly d: number;
  readonly ns: number[];
  /** mean over repeats of W1(p̂ⁿ, q̂ⁿ) (exact transport) */
  readonly w1: number[];
  /** mean over repeats of the restricted IPM between the same samples */
  readonly ipm: number[];
}

export function dilemmaRun(opts: { d: number; ns: number[]; repeats: number; directions: number; D?: number; seed: number }): DilemmaResult {
  const { d } = opts;
  const rng = new Rng(opts.seed);
  const w1: number[] = [], ipm: number[] = [];
  const sd = 1 / Math.sqrt(d);
  for (const n of opts.ns) {
    let sw = 0, si = 0;
    for (let r = 0; r < opts.repeats; r++) {
      const X = new Float64Array(n * d), Y = new Float64Array(n * d);
      rng.fillNormal(X, 0, sd); rng.fillNormal(Y, 0, sd);
      sw += w1Samples(X, n, Y, n, d);
      si += empiricalReluIpm(X, Y, d, opts.D ?? 1, opts.directions, rng);
    }
    w1.push(sw / opts.repeats); ipm.push(si / opts.repeats);
  }
  return { d, ns: opts.ns, w1, ipm };
}
