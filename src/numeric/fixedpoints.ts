// Fixed points of x' = F(x): damped Newton from several starts, deduplication, and the
// linear-stability classification from the Jacobian's eigenvalues.

import { SingularMatrixError } from './errors.ts';
import { eigenvalues, luFactor, luSolve, type Complex } from './linalg.ts';
import { Rng } from './rng.ts';
import { ArgumentError } from '../core/index.ts';

/** Fills `out` from `x`: F(x) (length n) or the Jacobian (n×n row-major, ∂F_i/∂x_j at [i·n + j]). */
export type VectorFn = (x: Float64Array, out: Float64Array) => void;

export interface NewtonOptions {
  /** Converged when ‖F(x)‖∞ ≤ tol. Default 1e-10. */
  tol?: number;
  /** Stop when a step changes x by less than stepTol·(1 + ‖x‖∞). Default 1e-14. */
  stepTol?: number;
  /** Default 100. */
  maxIter?: number;
}

export interface NewtonResult {
  x: Float64Array;
  /** ‖F(x)‖∞ at the returned point. */
  residual: number;
  iterations: number;
  converged: boolean;
  /** Why it stopped when not converged. */
  reason?: string;
}

const SQRT_EPS = 1.4901161193847656e-8;
const ARMIJO = 1e-4;

const normInf = (v: Float64Array) => {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (!(a <= m)) m = a; // NaN propagates
  }
  return m;
};
const halfSquaredNorm = (v: Float64Array) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return 0.5 * s;
};

/** Forward-difference Jacobian of F at x, steps √ε·max(|x_j|, 1). */
export function finiteDifferenceJacobian(F: VectorFn, x: Float64Array, out?: Float64Array, fx?: Float64Array): Float64Array {
  const n = x.length;
  const J = out ?? new Float64Array(n * n);
  const f0 = fx ?? new Float64Array(n);
  if (!fx) F(x, f0);
  const xh = x.slice(), f1 = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const h = SQRT_EPS * Math.max(Math.abs(x[j]), 1);
    xh[j] = x[j] + h;
    const step = xh[j] - x[j]; // the step actually representable
    F(xh, f1);
    for (let i = 0; i < n; i++) J[i * n + j] = (f1[i] - f0[i]) / step;
    xh[j] = x[j];
  }
  return J;
}

/**
 * Newton's method for F(x) = 0 with a backtracking (Armijo) line search on ½‖F‖². Where the
 * Jacobian is singular, a Levenberg–Marquardt step (JᵀJ + μI)d = −JᵀF is taken instead.
 * `J` may be omitted (forward differences).
 */
export function newton(F: VectorFn, J: VectorFn | undefined, x0: ArrayLike<number>, opts: NewtonOptions = {}): NewtonResult {
  const tol = opts.tol ?? 1e-10, stepTol = opts.stepTol ?? 1e-14, maxIter = opts.maxIter ?? 100;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let f = new Float64Array(n);
  const jac = new Float64Array(n * n), negF = new Float64Array(n);
  let xTrial = new Float64Array(n), fTrial = new Float64Array(n);
  F(x, f);
  let phi = halfSquaredNorm(f);
  const done = (iterations: number, reason?: string): NewtonResult => {
    const residual = normInf(f);
    const converged = residual <= tol;
    return { x, residual, iterations, converged, ...(converged ? {} : { reason: reason ?? 'not converged' }) };
  };
  if (!Number.isFinite(phi)) return done(0, 'F is not finite at the starting point');

  for (let it = 1; it <= maxIter; it++) {
    if (J) J(x, jac); else finiteDifferenceJacobian(F, x, jac, f);
    for (let i = 0; i < n; i++) negF[i] = -f[i];
    let d: Float64Array;
    try {
      d = luSolve(luFactor(jac, n), negF);
    } catch (e) {
      if (!(e instanceof SingularMatrixError)) throw e;
      if (normInf(f) <= tol) return done(it - 1);
      d = levenbergMarquardtStep(jac, f, n);
    }
    if (normInf(f) <= tol) {
      // Converged: one more full step polishes the root to rounding level if it lowers the residual.
      for (let i = 0; i < n; i++) xTrial[i] = x[i] + d[i];
      F(xTrial, fTrial);
      if (normInf(fTrial) <= normInf(f)) { [x, xTrial] = [xTrial, x]; [f, fTrial] = [fTrial, f]; }
      return done(it - 1);
    }
    // Directional derivative of ½‖F‖² along d is (JᵀF)·d; for a Newton step it equals −‖F‖².
    let slope = 0;
    for (let i = 0; i < n; i++) {
      let jd = 0;
      for (let j = 0; j < n; j++) jd += jac[i * n + j] * d[j];
      slope += f[i] * jd;
    }
    if (!(slope < 0)) return done(it, 'no descent direction (Jacobian singular at a non-root minimum of ‖F‖)');
    let lambda = 1, accepted = false;
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i < n; i++) xTrial[i] = x[i] + lambda * d[i];
      F(xTrial, fTrial);
      const phiTrial = halfSquaredNorm(fTrial);
      if (Number.isFinite(phiTrial) && phiTrial <= phi + ARMIJO * lambda * slope) { accepted = true; break; }
      lambda *= 0.5;
    }
    if (!accepted) return done(it, 'line search failed');
    let stepSize = 0;
    for (let i = 0; i < n; i++) stepSize = Math.max(stepSize, Math.abs(lambda * d[i]));
    [x, xTrial] = [xTrial, x];
    [f, fTrial] = [fTrial, f];
    phi = halfSquaredNorm(f);
    if (stepSize <= stepTol * (1 + normInf(x))) return done(it, 'step below stepTol');
  }
  return done(maxIter, `no convergence in ${maxIter} iterations`);
}

/** Solves (JᵀJ + μI) d = −JᵀF with μ = 1e-8·max(diag JᵀJ) (floored), for a singular J. */
function levenbergMarquardtStep(jac: Float64Array, f: Float64Array, n: number): Float64Array {
  const jtj = new Float64Array(n * n), jtf = new Float64Array(n);
  let maxDiag = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += jac[i * n + a] * jac[i * n + b];
      jtj[a * n + b] = s;
    }
    maxDiag = Math.max(maxDiag, jtj[a * n + a]);
    let s = 0;
    for (let i = 0; i < n; i++) s += jac[i * n + a] * f[i];
    jtf[a] = -s;
  }
  const mu = Math.max(1e-8 * maxDiag, 1e-300);
  for (let a = 0; a < n; a++) jtj[a * n + a] += mu;
  return luSolve(luFactor(jtj, n), jtf);
}

// ---------------------------------------------------------------- classification

export type FixedPointKind =
  | 'stable node' | 'unstable node' | 'stable focus' | 'unstable focus' | 'saddle' | 'center-like' | 'degenerate';

/**
 * Linear-stability class from the Jacobian's eigenvalues. With scale = max(1, max|λ|), a real
 * part counts as zero when |Re λ| ≤ tol·scale and an eigenvalue as complex when |Im λ| > tol·scale.
 * - no zero real parts: all Re < 0 → stable (focus if any complex pair, else node); all Re > 0 →
 *   unstable focus/node; mixed signs → saddle;
 * - some zero real parts: mixed signs among the rest → saddle; all zero-real ones purely imaginary
 *   (nonzero), none zero, the rest Re < 0 → center-like; anything else (a zero eigenvalue, or
 *   centre directions alongside unstable ones) → degenerate.
 */
export function classifyFixedPoint(eigs: Complex[], tol = 1e-8): FixedPointKind {
  if (eigs.length === 0) return 'degenerate';
  const scale = Math.max(1, ...eigs.map((z) => Math.hypot(z.re, z.im)));
  const zeroTol = tol * scale;
  let neg = 0, pos = 0, zeroReal = 0, zeroEig = 0, complexPart = false;
  for (const z of eigs) {
    if (Math.abs(z.im) > zeroTol) complexPart = true;
    if (z.re < -zeroTol) neg++;
    else if (z.re > zeroTol) pos++;
    else {
      zeroReal++;
      if (Math.abs(z.im) <= zeroTol) zeroEig++;
    }
  }
  if (zeroReal === 0) {
    if (pos === 0) return complexPart ? 'stable focus' : 'stable node';
    if (neg === 0) return complexPart ? 'unstable focus' : 'unstable node';
    return 'saddle';
  }
  if (pos > 0 && neg > 0) return 'saddle';
  if (zeroEig === 0 && pos === 0) return 'center-like';
  return 'degenerate';
}

// ---------------------------------------------------------------- search from many starts

export interface FixedPoint {
  x: Float64Array;
  residual: number;
  iterations: number;
  /** Jacobian at x (n×n row-major). */
  jacobian: Float64Array;
  eigenvalues: Complex[];
  kind: FixedPointKind;
}

/** Random starts: `count` points uniform in the box [lower, upper] (seeded). */
export interface RandomStarts {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  count: number;
  seed: number | bigint;
}

export interface FindFixedPointsOptions extends NewtonOptions {
  /** Two roots closer than dedupTol·(1 + ‖x‖∞) in max-norm are the same root. Default 1e-6. */
  dedupTol?: number;
  /** Tolerance of classifyFixedPoint. Default 1e-8. */
  classifyTol?: number;
}

/**
 * Runs Newton from every start, keeps converged roots, merges duplicates (keeping the smallest
 * residual), and classifies each root by the eigenvalues of its Jacobian. Sorted lexicographically by x.
 */
export function findFixedPoints(
  F: VectorFn, J: VectorFn | undefined, starts: ArrayLike<number>[] | RandomStarts, opts: FindFixedPointsOptions = {},
): FixedPoint[] {
  const startPoints = Array.isArray(starts) ? starts : randomStarts(starts as RandomStarts);
  const dedupTol = opts.dedupTol ?? 1e-6;
  const found: NewtonResult[] = [];
  for (const x0 of startPoints) {
    const r = newton(F, J, x0, opts);
    if (!r.converged) continue;
    const scale = 1 + normInf(r.x);
    const same = found.findIndex((q) => {
      let d = 0;
      for (let i = 0; i < q.x.length; i++) d = Math.max(d, Math.abs(q.x[i] - r.x[i]));
      return d <= dedupTol * scale;
    });
    if (same < 0) found.push(r);
    else if (r.residual < found[same].residual) found[same] = r;
  }
  found.sort((a, b) => {
    for (let i = 0; i < a.x.length; i++) if (a.x[i] !== b.x[i]) return a.x[i] - b.x[i];
    return 0;
  });
  return found.map((r) => {
    const n = r.x.length;
    const jacobian = new Float64Array(n * n);
    if (J) J(r.x, jacobian); else finiteDifferenceJacobian(F, r.x, jacobian);
    const eigs = eigenvalues(jacobian, n);
    return { x: r.x, residual: r.residual, iterations: r.iterations, jacobian, eigenvalues: eigs, kind: classifyFixedPoint(eigs, opts.classifyTol) };
  });
}

function randomStarts({ lower, upper, count, seed }: RandomStarts): Float64Array[] {
  if (lower.length !== upper.length) throw new ArgumentError('findFixedPoints: lower and upper differ in length');
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Float64Array.from(lower, (lo, i) => lo + (upper[i] - lo) * rng.uniform()));
}
