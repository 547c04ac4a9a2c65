// Gauss–Hermite quadrature for Gaussian expectations.
//
// Nodes and weights come from Newton's method on the orthonormal Hermite
// recurrence (the classical `gauher` scheme: asymptotic starting guesses for the
// largest roots, then extrapolation from the previous two roots), which is
// accurate to a few ulps for orders up to several hundred. They are returned in
// the probabilists' normalisation, so that for g ~ N(0, 1)
//
//     E[f(g)] ≈ Σ_i w_i f(x_i),   Σ_i w_i = 1,
//
// exact when f is a polynomial of degree ≤ 2n − 1. Correlated pairs (and small
// d-dimensional vectors) are handled by a tensor product of the 1-D rule after a
// Cholesky factorisation of the covariance.

import { choleskyPsd } from './linalg.ts';
import { tridiagonalEigenvalues } from './spectral.ts';
import { ArgumentError } from '../core/index.ts';

export { choleskyPsd };

/** Nodes (ascending) and weights of the n-point rule for E over N(0, 1). */
export interface GaussHermiteRule {
  readonly n: number;
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/** The largest order accepted: beyond it the recurrence overflows f64 near the end nodes. */
export const MAX_GAUSS_HERMITE_ORDER = 600;

const ruleCache = new Map<number, GaussHermiteRule>();

/**
 * The n-point Gauss–Hermite rule for the standard normal (weight e^{-x²/2}/√(2π)).
 * Cached; the returned arrays must not be modified.
 */
export function gaussHermite(n: number): GaussHermiteRule {
  if (!Number.isInteger(n) || n < 1 || n > MAX_GAUSS_HERMITE_ORDER) {
    throw new ArgumentError(`Gauss–Hermite order must be an integer in [1, ${MAX_GAUSS_HERMITE_ORDER}], got ${n}`);
  }
  let rule = ruleCache.get(n);
  if (!rule) {
    rule = computeRule(n);
    ruleCache.set(n, rule);
  }
  return rule;
}

/**
 * Physicists' rule (weight e^{-x²}): nodes = eigenvalues of the Jacobi matrix
 * (Golub–Welsch), each polished by Newton on the orthonormal recurrence, whose
 * derivative also gives the weight 2/p'_n(x)².
 */
function computeRule(n: number): GaussHermiteRule {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const PIM4 = Math.pow(Math.PI, -0.25);
  const jacobiOff = new Float64Array(n - 1);
  for (let k = 1; k < n; k++) jacobiOff[k - 1] = Math.sqrt(k / 2);
  const eig = tridiagonalEigenvalues(new Float64Array(n), jacobiOff); // ascending
  const m = (n + 1) >> 1;
  for (let i = 0; i < m; i++) {
    let z = eig[n - 1 - i]; // largest first, z ≥ 0
    let pp = 0;
    for (let iter = 0; iter < 4; iter++) {
      // p1 = orthonormal Hermite polynomial of degree n at z, p2 of degree n−1.
      let p1 = PIM4, p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const dz = p1 / pp;
      if (iter === 3 || Math.abs(dz) > 1e-6 * Math.max(1, z)) break; // keep the eigenvalue if Newton misbehaves
      z -= dz;
      if (Math.abs(dz) <= 1e-16 * Math.max(1, z)) {
        let q1 = PIM4, q2 = 0;
        for (let j = 0; j < n; j++) {
          const q3 = q2;
          q2 = q1;
          q1 = z * Math.sqrt(2 / (j + 1)) * q2 - Math.sqrt(j / (j + 1)) * q3;
        }
        pp = Math.sqrt(2 * n) * q2;
        break;
      }
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i];
  }
  if (n % 2 === 1) x[m - 1] = 0;
  // Rescale to the standard normal: x_prob = √2 x_phys, w_prob = w_phys / √π; ascending order.
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    nodes[i] = x[n - 1 - i] * Math.SQRT2;
    weights[i] = w[i] / Math.sqrt(Math.PI);
    total += weights[i];
  }
  // The weights sum to 1 up to rounding; renormalise the last ulps away.
  for (let i = 0; i < n; i++) weights[i] /= total;
  return { n, nodes, weights };
}

/** E[f(mean + sd·g)], g ~ N(0, 1), by the n-point rule. */
export function expectation1d(f: (x: number) => number, mean = 0, variance = 1, n = 64): number {
  if (!(variance >= 0)) throw new ArgumentError(`variance must be ≥ 0, got ${variance}`);
  const { nodes, weights } = gaussHermite(n);
  const sd = Math.sqrt(variance);
  let s = 0;
  for (let i = 0; i < n; i++) s += weights[i] * f(mean + sd * nodes[i]);
  return s;
}


/**
 * E[f(u, v)] for (u, v) ~ N(mean, [[q1, c], [c, q2]]) by the n×n tensor rule in
 * the Cholesky coordinates u = m1 + √q1 g1, v = m2 + (c/√q1) g1 + √(q2 − c²/q1) g2.
 */
export function expectation2d(
  f: (u: number, v: number) => number,
  cov: readonly [readonly [number, number], readonly [number, number]] | readonly (readonly number[])[],
  n = 64,
  mean: readonly number[] = [0, 0],
): number {
  const L = choleskyPsd(cov);
  const { nodes, weights } = gaussHermite(n);
  const [m1, m2] = mean;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const g1 = nodes[i];
    const u = m1 + L[0][0] * g1;
    const vBase = m2 + L[1][0] * g1;
    let inner = 0;
    for (let j = 0; j < n; j++) inner += weights[j] * f(u, vBase + L[1][1] * nodes[j]);
    s += weights[i] * inner;
  }
  return s;
}

/**
 * E[f(x)] for x ~ N(mean, cov) in d dimensions by the tensor rule with n^d points
 * (after Cholesky). Refuses more than 4e7 evaluation points.
 */
export function expectationNd(
  f: (x: Float64Array) => number,
  cov: readonly (readonly number[])[],
  n = 16,
  mean?: readonly number[],
): number {
  const d = cov.length;
  if (Math.pow(n, d) > 4e7) throw new ArgumentError(`tensor Gauss–Hermite with ${n}^${d} points is too large`);
  const L = choleskyPsd(cov);
  const { nodes, weights } = gaussHermite(n);
  const idx = new Array<number>(d).fill(0);
  const x = new Float64Array(d);
  let s = 0;
  for (;;) {
    let w = 1;
    for (let i = 0; i < d; i++) w *= weights[idx[i]];
    for (let i = 0; i < d; i++) {
      let t = mean ? mean[i] : 0;
      for (let k = 0; k <= i; k++) t += L[i][k] * nodes[idx[k]];
      x[i] = t;
    }
    s += w * f(x);
    let k = 0;
    while (k < d && ++idx[k] === n) { idx[k] = 0; k++; }
    if (k === d) break;
  }
  return s;
}

/**
 * Normalised probabilists' Hermite polynomials h_k = He_k/√(k!) at x, k = 0..K,
 * by the stable recurrence h_{k+1} = (x h_k − √k h_{k−1})/√(k+1).
 */
export function normalizedHermite(x: number, K: number, out = new Float64Array(K + 1)): Float64Array {
  out[0] = 1;
  if (K >= 1) out[1] = x;
  for (let k = 1; k < K; k++) out[k + 1] = (x * out[k] - Math.sqrt(k) * out[k - 1]) / Math.sqrt(k + 1);
  return out;
}

/**
 * Normalised Hermite coefficients a_k = E[f(g) h_k(g)], k = 0..K, of f under N(0, 1),
 * by the n-point Gauss–Hermite rule (default max(2K + 40, 120)). Exact for
 * polynomials of degree < 2n − K; for smooth f it converges geometrically in n,
 * for f with a kink only algebraically.
 */
export function hermiteCoefficients(f: (x: number) => number, K: number, n = Math.min(MAX_GAUSS_HERMITE_ORDER, Math.max(2 * K + 40, 120))): Float64Array {
  const { nodes, weights } = gaussHermite(n);
  const a = new Float64Array(K + 1);
  const h = new Float64Array(K + 1);
  for (let i = 0; i < n; i++) {
    const fi = weights[i] * f(nodes[i]);
    if (fi === 0) continue;
    normalizedHermite(nodes[i], K, h);
    for (let k = 0; k <= K; k++) a[k] += fi * h[k];
  }
  return a;
}

// ---------------------------------------------------------------- piecewise rules for kinks

/** Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1]. */
export interface GaussLegendreRule {
  readonly n: number;
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const legendreCache = new Map<number, GaussLegendreRule>();

/** The n-point Gauss–Legendre rule on [−1, 1] (Newton on the Legendre recurrence). Cached. */
export function gaussLegendre(n: number): GaussLegendreRule {
  if (!Number.isInteger(n) || n < 1 || n > 2000) throw new ArgumentError(`Gauss–Legendre order must be an integer in [1, 2000], got ${n}`);
  let rule = legendreCache.get(n);
  if (rule) return rule;
  const nodes = new Float64Array(n), weights = new Float64Array(n);
  const m = (n + 1) >> 1;
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p1 = 1, p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j + 1) * z * p2 - j * p3) / (j + 1);
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) <= 1e-16) break;
    }
    nodes[i] = -z; nodes[n - 1 - i] = z;
    weights[i] = 2 / ((1 - z * z) * pp * pp);
    weights[n - 1 - i] = weights[i];
  }
  rule = { n, nodes, weights };
  legendreCache.set(n, rule);
  return rule;
}

/**
 * ∫_a^b f by Gauss–Legendre on panels of width ≤ `panel` (n points each). With
 * `breaks` inside (a, b), panels never straddle a break, so a piecewise smooth f
 * converges geometrically.
 */
export function integratePiecewise(
  f: (x: number) => number, a: number, b: number, breaks: readonly number[] = [], n = 24, panel = 1,
): number {
  const pts = [a, ...breaks.filter((x) => x > a && x < b).sort((x, y) => x - y), b];
  const { nodes, weights } = gaussLegendre(n);
  let s = 0;
  for (let p = 0; p + 1 < pts.length; p++) {
    const lo = pts[p], hi = pts[p + 1];
    const k = Math.max(1, Math.ceil((hi - lo) / panel));
    const h = (hi - lo) / k;
    for (let j = 0; j < k; j++) {
      const mid = lo + (j + 0.5) * h;
      let t = 0;
      for (let i = 0; i < n; i++) t += weights[i] * f(mid + 0.5 * h * nodes[i]);
      s += 0.5 * h * t;
    }
  }
  return s;
}

/**
 * E[f(mean + sd·g)], g ~ N(0, 1), for f smooth between the given break points
 * (values of x = mean + sd·g where f has a kink or jump): Gauss–Legendre on unit
 * panels of g over [−L, L], L = max(12, √(4·growth) + 10), which captures the
 * Gaussian to f64 precision for f growing no faster than |x|^growth. A smaller
 * `panel` (in units of sd) resolves steep smooth features such as tanh(10 x).
 */
export function expectation1dPiecewise(
  f: (x: number) => number, mean = 0, variance = 1, breaks: readonly number[] = [], growth = 4, n = 24, panel = 1,
): number {
  if (!(variance >= 0)) throw new ArgumentError(`variance must be ≥ 0, got ${variance}`);
  const sd = Math.sqrt(variance);
  if (sd === 0) return f(mean);
  const L = Math.max(12, Math.sqrt(4 * growth) + 10);
  const gBreaks = breaks.map((x) => (x - mean) / sd);
  const c = 1 / Math.sqrt(2 * Math.PI);
  return integratePiecewise((g) => c * Math.exp(-0.5 * g * g) * f(mean + sd * g), -L, L, gBreaks, n, panel);
}

/**
 * Hermite coefficients a_k = E[f(g) h_k(g)], k = 0..K, by piecewise Gauss–Legendre
 * with the given break points of f (in g): geometric convergence for piecewise
 * smooth f, where plain Gauss–Hermite converges only algebraically.
 */
export function hermiteCoefficientsPiecewise(f: (x: number) => number, K: number, breaks: readonly number[] = [], n = 24): Float64Array {
  const L = Math.max(12, Math.sqrt(4 * K + 8) + 10);
  const pts = [-L, ...breaks.filter((x) => x > -L && x < L).sort((x, y) => x - y), L];
  const { nodes, weights } = gaussLegendre(n);
  const a = new Float64Array(K + 1);
  const h = new Float64Array(K + 1);
  const c = 1 / Math.sqrt(2 * Math.PI);
  for (let p = 0; p + 1 < pts.length; p++) {
    const lo = pts[p], hi = pts[p + 1];
    const k = Math.max(1, Math.ceil((hi - lo) / 0.5));
    const width = (hi - lo) / k;
    for (let j = 0; j < k; j++) {
      const mid = lo + (j + 0.5) * width;
      for (let i = 0; i < n; i++) {
        const x = mid + 0.5 * width * nodes[i];
        const wf = 0.5 * width * weights[i] * c * Math.exp(-0.5 * x * x) * f(x);
        if (wf === 0) continue;
        normalizedHermite(x, K, h);
        for (let q = 0; q <= K; q++) a[q] += wf * h[q];
      }
    }
  }
  return a;
}

/**
 * E[f(u, v)] for zero-mean (u, v) with covariance [[q1, c], [c, q2]], in polar
 * coordinates of the whitened pair, with the angle split wherever one of the
 * `kinks` lines α·u + β·v = 0 (through the origin) crosses: exact to f64
 * precision for f piecewise smooth across such lines, e.g. relu, step, abs of
 * linear forms. Radius: Gauss–Legendre panels on [0, R]; angle: Gauss–Legendre
 * on each sector.
 */
export function expectation2dPolar(
  f: (u: number, v: number) => number,
  cov: readonly (readonly number[])[],
  kinks: ReadonlyArray<readonly [number, number]> = [],
  opts: { nAngle?: number; nRadius?: number; radius?: number } = {},
): number {
  const L = choleskyPsd(cov);
  const nA = opts.nAngle ?? 32, nR = opts.nRadius ?? 24, R = opts.radius ?? 13;
  // u = L00 g1, v = L10 g1 + L11 g2. A line α u + β v = 0 is (α L00 + β L10) g1 + β L11 g2 = 0.
  const angles: number[] = [0, 2 * Math.PI];
  for (const [al, be] of kinks) {
    const A = al * L[0][0] + be * L[1][0], B = be * L[1][1];
    if (A === 0 && B === 0) continue;
    // Direction along the line: (−B, A); both its angle and the opposite one.
    let th = Math.atan2(A, -B);
    if (th < 0) th += 2 * Math.PI;
    angles.push(th, (th + Math.PI) % (2 * Math.PI));
  }
  const pts = [...new Set(angles)].sort((x, y) => x - y);
  const ga = gaussLegendre(nA), gr = gaussLegendre(nR);
  // Radial panels: [0, 1], [1, 2], ... up to R (the density r e^{-r²/2} is below 1e-35 at 13).
  let s = 0;
  for (let p = 0; p + 1 < pts.length; p++) {
    const lo = pts[p], hi = pts[p + 1];
    if (hi - lo < 1e-15) continue;
    for (let i = 0; i < nA; i++) {
      const th = 0.5 * (lo + hi) + 0.5 * (hi - lo) * ga.nodes[i];
      const wa = 0.5 * (hi - lo) * ga.weights[i];
      const ct = Math.cos(th), st = Math.sin(th);
      let radial = 0;
      for (let r0 = 0; r0 < R; r0++) {
        for (let j = 0; j < nR; j++) {
          const r = r0 + 0.5 + 0.5 * gr.nodes[j];
          const g1 = r * ct, g2 = r * st;
          radial += 0.5 * gr.weights[j] * r * Math.exp(-0.5 * r * r) * f(L[0][0] * g1, L[1][0] * g1 + L[1][1] * g2);
        }
      }
      s += wa * radial;
    }
  }
  return s / (2 * Math.PI);
}
