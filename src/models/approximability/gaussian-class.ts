// The Gaussian generator class and its one-neuron discriminators (docs/approximability.md E.2.1):
// G = {N(μ, Σ)}, F = {x ↦ ReLU(vᵀx + b) : ‖v‖ ≤ 1, |b| ≤ D}.
//
// For x ~ N(μ, Σ), vᵀx + b ~ N(m, s²) with m = vᵀμ + b, s² = vᵀΣv, so
// E ReLU(vᵀx + b) = g(m, s), a one-dimensional Gaussian expectation E relu(m + s u)
// derived by the symbolic engine (closed form m Φ(m/s) + s φ(m/s)) together with its
// symbolic derivatives ∂g/∂m, ∂g/∂s, compiled once (f64 twin).
//
// Reduction of the sup. ReLU is positively homogeneous: with v = r u (‖u‖ = 1, r ≤ 1)
// and c = b / r, ReLU(vᵀx + b) = r ReLU(uᵀx + c), and r ≤ min(1, D/|c|). So
//   W_F(p, q) = sup_{‖u‖=1, c ∈ ℝ} w(c) |H_u(c)|,  w(c) = min(1, D/|c|),
//   H_u(c) = g(uᵀμ_p + c, s_p(u)) − g(uᵀμ_q + c, s_q(u)).
// The optimiser is multistart projected gradient ascent on the sphere × ℝ (starts: ±
// coordinate axes, ±(μ_p − μ_q), ± extreme eigenvectors of Σ_p − Σ_q, random directions;
// c ∈ {−D, 0, D}) with backtracking line search. Its value is attained, hence a lower
// bound on the sup up to rounding. In d = 2 `gaussianIpmGrid` gives a brute-force grid
// value and a Lipschitz upper bound to compare with.

import { gaussianExpectation, parse, diff, simplify, type Expr } from '../../symbolic/index.ts';
import { compile, type Twin } from '../../compile/index.ts';
import { Rng, symmetricEigen, w1Gaussian1d, w2Gaussian, klGaussian } from '../../numeric/index.ts';

export interface Gaussian {
  readonly d: number;
  readonly mean: Float64Array;
  /** row-major d×d, positive definite */
  readonly cov: Float64Array;
}

export interface ReluExpectation {
  /** E relu(m + s u), u ~ N(0, 1), and its partial derivatives, as derived */
  readonly value: Expr;
  readonly dm: Expr;
  readonly ds: Expr;
  /** how the engine computed it ('closed-form') and whether it is exact */
  readonly method: string;
  readonly exact: boolean;
}

let derived: { expr: ReluExpectation; twin: Twin } | undefined;

/** The symbolic derivation of E relu(m + s u) and its derivatives (cached). */
export function reluExpectation(): ReluExpectation {
  return derivedTwin().expr;
}

function derivedTwin(): { expr: ReluExpectation; twin: Twin } {
  if (derived) return derived;
  const r = gaussianExpectation(parse('relu(m + s*u)'), ['u'], [[parse('1')]]);
  const value = r.expr;
  const expr: ReluExpectation = { value, dm: simplify(diff(value, 'm')), ds: simplify(diff(value, 's')), method: r.method, exact: r.exact };
  const kernel = compile([expr.value, expr.dm, expr.ds], { inputs: ['m', 's'], params: [], backend: 'f64' });
  derived = { expr, twin: kernel.f64 };
  return derived;
}

/** [g, ∂g/∂m, ∂g/∂s] at rows (m, s) of `ms` (length 2B) into `out` (length 3B), through the compiled derivation. */
export function reluExpectationBatch(ms: Float64Array, out?: Float64Array): Float64Array {
  const { twin } = derivedTwin();
  return twin(ms, new Float64Array(0), out ?? new Float64Array((ms.length / 2) * 3)) as Float64Array;
}

function quadForm(S: Float64Array, u: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) { let t = 0; for (let j = 0; j < d; j++) t += S[i * d + j] * u[j]; s += u[i] * t; }
  return s;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[i] * b[i];
  return s;
}

/** Projected 1-D marginals of p and q along u: (m_p, s_p, m_q, s_q) with m = uᵀμ. */
export function projections(p: Gaussian, q: Gaussian, u: ArrayLike<number>): [number, number, number, number] {
  const d = p.d;
  return [dot(u, p.mean, d), Math.sqrt(quadForm(p.cov, u, d)), dot(u, q.mean, d), Math.sqrt(quadForm(q.cov, u, d))];
}

const weight = (c: number, D: number) => (Math.abs(c) <= D ? 1 : D / Math.abs(c));

/** The objective w(c) (E_p − E_q) r ReLU(uᵀx + c) (signed), for a unit u. */
export function reluIpmObjective(p: Gaussian, q: Gaussian, D: number, u: ArrayLike<number>, c: number): number {
  const [mp, sp, mq, sq] = projections(p, q, u);
  const g = reluExpectationBatch(Float64Array.of(mp + c, sp, mq + c, sq));
  return weight(c, D) * (g[0] - g[3]);
}

export interface GaussianIpmOptions {
  /** random start directions beyond the structured ones (default 2d) */
  readonly randomStarts?: number;
  readonly seed?: number;
  /** most gradient iterations per start (default 400) */
  readonly iterations?: number;
}

export interface GaussianIpmResult {
  /** sup found (attained by `direction`, `offset`, so a lower bound on W_F up to rounding) */
  readonly value: number;
  readonly direction: Float64Array;
  /** c = b/r; the discriminator is r ReLU(uᵀx + c) with r = min(1, D/|c|) */
  readonly offset: number;
  readonly scale: number;
  readonly starts: number;
  /** starts whose end value is within 1e-9 (relative) of the best */
  readonly agreeing: number;
  /** norm of the projected gradient at the best point (stationarity) */
  readonly stationarity: number;
  /** max over the end directions of W1 between the 1-D projections: a lower bound on W1(p, q) */
  readonly w1Lower: number;
  /** W1 between the projections on the best direction: W_F ≤ this (each f is a 1-Lipschitz function of uᵀx) */
  readonly w1AlongBest: number;
}

interface Point { u: Float64Array; c: number; v: number }

/** W_F(p, q) for F = {ReLU(vᵀx + b) : ‖v‖ ≤ 1, |b| ≤ D} by multistart projected gradient ascent. */
export function gaussianIpm(p: Gaussian, q: Gaussian, D: number, opts: GaussianIpmOptions = {}): GaussianIpmResult {
  const d = p.d;
  const rng = new Rng(opts.seed ?? 1);
  const iterations = opts.iterations ?? 400;
  const dirs: Float64Array[] = [];
  const push = (v: ArrayLike<number>) => {
    const n = Math.sqrt(dot(v, v, d));
    if (n > 1e-12) { const u = Float64Array.from(v, (x) => x / n); dirs.push(u, u.map((x) => -x)); }
  };
  for (let i = 0; i < d; i++) { const e = new Float64Array(d); e[i] = 1; push(e); }
  push(Float64Array.from(p.mean, (x, i) => x - q.mean[i]));
  const diffCov = Float64Array.from(p.cov, (x, i) => x - q.cov[i]);
  const eig = symmetricEigen(diffCov, d);
  for (const k of [0, d - 1]) push(Float64Array.from({ length: d }, (_, i) => eig.vectors[i * d + k]));
  const nRandom = opts.randomStarts ?? 2 * d;
  for (let k = 0; k < nRandom; k++) { const v = new Float64Array(d); rng.fillNormal(v); push(v); }
  // two smooth regimes: r = 1 with c ∈ [−D, D], and r = D/|c| with c ≥ D (or ≤ −D)
  const regimes: Array<{ c0: number; lo: number; hi: number }> = D > 0
    ? [{ c0: -D, lo: -D, hi: D }, { c0: 0, lo: -D, hi: D }, { c0: D, lo: -D, hi: D }, { c0: 2 * D, lo: D, hi: Infinity }, { c0: -2 * D, lo: -Infinity, hi: -D }]
    : [{ c0: 0, lo: 0, hi: 0 }];
  const ends: Array<Point & { lo: number; hi: number }> = [];
  const buf = new Float64Array(4), out = new Float64Array(6);
  const evalAt = (u: Float64Array, c: number, grad?: { gu: Float64Array; gc: number }): number => {
    const [mp, sp, mq, sq] = projections(p, q, u);
    buf[0] = mp + c; buf[1] = sp; buf[2] = mq + c; buf[3] = sq;
    reluExpectationBatch(buf, out);
    const w = weight(c, D), H = out[0] - out[3];
    if (grad) {
      // ∂H/∂u = g_m(p) μ_p + g_s(p) Σ_p u / s_p − (same for q); ∂H/∂c = g_m(p) − g_m(q)
      for (let i = 0; i < d; i++) {
        let sPu = 0, sQu = 0;
        for (let j = 0; j < d; j++) { sPu += p.cov[i * d + j] * u[j]; sQu += q.cov[i * d + j] * u[j]; }
        grad.gu[i] = w * (out[1] * p.mean[i] + (out[2] * sPu) / sp - out[4] * q.mean[i] - (out[5] * sQu) / sq);
      }
      const dw = Math.abs(c) <= D ? 0 : -D * Math.sign(c) / (c * c);
      grad.gc = w * (out[1] - out[4]) + dw * H;
    }
    return w * H;
  };
  // projected ascent direction (tangent to the sphere; c's component zero when pushing against its bound)
  const ascent = (u: Float64Array, c: number, g: { gu: Float64Array; gc: number }, sign: number, lo: number, hi: number) => {
    const radial = dot(g.gu, u, d);
    const tu = Float64Array.from(g.gu, (x, i) => sign * (x - radial * u[i]));
    let tc = sign * g.gc;
    if ((c <= lo && tc < 0) || (c >= hi && tc > 0) || lo === hi) tc = 0;
    return { tu, tc, norm: Math.sqrt(dot(tu, tu, d) + tc * tc) };
  };
  for (const u0 of dirs) {
    for (const { c0, lo, hi } of regimes) {
      let u = Float64Array.from(u0), c = c0;
      const g = { gu: new Float64Array(d), gc: 0 };
      const sign = Math.sign(evalAt(u, c)) || 1;
      let v = sign * evalAt(u, c, g);
      let step = 1, stalled = 0;
      for (let it = 0; it < iterations; it++) {
        const before = v;
        const { tu, tc, norm } = ascent(u, c, g, sign, lo, hi);
        if (norm < 1e-13) break;
        let accepted = false;
        for (let ls = 0; ls < 50; ls++) {
          const un = Float64Array.from(u, (x, i) => x + step * tu[i]);
          const nn = Math.sqrt(dot(un, un, d));
          for (let i = 0; i < d; i++) un[i] /= nn;
          const cn = Math.min(hi, Math.max(lo, c + step * tc));
          const vn = sign * evalAt(un, cn);
          if (vn >= v + 1e-4 * step * norm * norm) { u = un; c = cn; v = vn; accepted = true; step *= 2; break; }
          step /= 2;
        }
        if (!accepted) break;
        stalled = v - before <= 1e-15 * Math.abs(v) ? stalled + 1 : 0;
        if (stalled >= 3) break;
        evalAt(u, c, g);
      }
      ends.push({ u, c, v, lo, hi });
    }
  }
  let best = ends[0];
  for (const e of ends) if (e.v > best.v) best = e;
  const agreeing = ends.filter((e) => e.v >= best.v - 1e-9 * Math.max(Math.abs(best.v), 1e-300)).length;
  const g = { gu: new Float64Array(d), gc: 0 };
  const bestSign = Math.sign(evalAt(best.u, best.c, g)) || 1;
  const st = ascent(best.u, best.c, g, bestSign, best.lo, best.hi).norm;
  let w1Lower = 0;
  for (const e of [...ends.map((x) => x.u), ...dirs]) {
    const [mp, sp, mq, sq] = projections(p, q, e);
    w1Lower = Math.max(w1Lower, w1Gaussian1d(mp, sp, mq, sq));
  }
  const [mp, sp, mq, sq] = projections(p, q, best.u);
  return {
    value: Math.max(0, best.v), direction: best.u, offset: best.c, scale: weight(best.c, D), starts: ends.length, agreeing,
    stationarity: st, w1Lower, w1AlongBest: w1Gaussian1d(mp, sp, mq, sq),
  };
}

export interface GridResult {
  /** largest objective on the grid (brute force) */
  readonly value: number;
  /** value plus the Lipschitz allowance of the grid's first stage: a rigorous upper bound on W_F */
  readonly upperBound: number;
  readonly evaluations: number;
}

/**
 * Brute-force W_F in d = 2: the objective on a θ × c grid (u = (cos θ, sin θ)), then
 * finer grids around the best cells. The upper bound uses Lipschitz constants of
 * (θ, c) ↦ w(c)(E_p − E_q)ReLU(u_θᵀx + c): in θ, E_p‖x‖ + E_q‖x‖; in c, 1 + H_max/D,
 * H_max = |Δm| + |Δs|/√(2π) bounded by ‖Δμ‖ + (√λmax(Σp) + √λmax(Σq))/√(2π).
 */
export function gaussianIpmGrid(p: Gaussian, q: Gaussian, D: number, opts: { nTheta?: number; nC?: number; refine?: number } = {}): GridResult {
  if (p.d !== 2) throw new RangeError('gaussianIpmGrid is for d = 2');
  const nTheta = opts.nTheta ?? 360, nC = opts.nC ?? 200, refine = opts.refine ?? 8;
  const lam = (S: Float64Array) => symmetricEigen(S, 2).values[1];
  const Ex = (g: Gaussian) => Math.sqrt(g.mean[0] ** 2 + g.mean[1] ** 2 + g.cov[0] + g.cov[3]);
  const Hmax = Math.hypot(p.mean[0] - q.mean[0], p.mean[1] - q.mean[1]) + (Math.sqrt(lam(p.cov)) + Math.sqrt(lam(q.cov))) / Math.sqrt(2 * Math.PI);
  const Ltheta = Ex(p) + Ex(q), Lc = D > 0 ? 1 + Hmax / D : 1;
  let evaluations = 0;
  const evalGrid = (t0: number, t1: number, nt: number, c0: number, c1: number, nc: number) => {
    const ms = new Float64Array(nt * nc * 4);
    const ws = new Float64Array(nt * nc);
    for (let a = 0; a < nt; a++) {
      const th = nt === 1 ? t0 : t0 + ((t1 - t0) * a) / (nt - 1);
      const u = [Math.cos(th), Math.sin(th)];
      const [mp, sp, mq, sq] = projections(p, q, u);
      for (let b = 0; b < nc; b++) {
        const c = nc === 1 ? c0 : c0 + ((c1 - c0) * b) / (nc - 1);
        const k = a * nc + b;
        ms[4 * k] = mp + c; ms[4 * k + 1] = sp; ms[4 * k + 2] = mq + c; ms[4 * k + 3] = sq;
        ws[k] = weight(c, D);
      }
    }
    const g = reluExpectationBatch(ms);
    evaluations += nt * nc;
    const vals = new Float64Array(nt * nc);
    for (let k = 0; k < nt * nc; k++) vals[k] = Math.abs(ws[k] * (g[6 * k] - g[6 * k + 3]));
    return vals;
  };
  // c range: beyond |c| > cMax, w(c)|H| ≤ D·H_max/|c|; a pre-pass on |c| ≤ 2D finds a value v0 and cMax = D·H_max/v0
  let cMax = 0;
  if (D > 0) {
    const pre = evalGrid(0, 2 * Math.PI, Math.max(8, nTheta >> 2), -2 * D, 2 * D, Math.max(8, nC >> 2));
    let v0 = 0;
    for (const v of pre) v0 = Math.max(v0, v);
    cMax = Math.min(1000 * D, Math.max(2 * D, v0 > 0 ? (D * Hmax) / v0 : 1000 * D));
  }
  const ht = (2 * Math.PI) / nTheta, hc = D > 0 ? (2 * cMax) / (nC - 1) : 0;
  const coarse = evalGrid(0, 2 * Math.PI - ht, nTheta, -cMax, cMax, D > 0 ? nC : 1);
  const ncEff = D > 0 ? nC : 1;
  let best = 0;
  for (const v of coarse) best = Math.max(best, v);
  const tail = D > 0 ? (D * Hmax) / cMax : 0;
  const upperBound = Math.max(best + Ltheta * ht / 2 + Lc * hc / 2, tail);
  // refine around the 8 best coarse cells, several levels, each 21 × 21
  const order = Array.from(coarse.keys()).sort((a, b) => coarse[b] - coarse[a]).slice(0, 8);
  for (const k of order) {
    let th = Math.floor(k / ncEff) * ht, c = D > 0 ? -cMax + (k % ncEff) * hc : 0;
    let wt = ht, wc = hc;
    for (let level = 0; level < refine; level++) {
      const vals = evalGrid(th - wt, th + wt, 21, c - wc, c + wc, D > 0 ? 21 : 1);
      let arg = 0;
      for (let i = 1; i < vals.length; i++) if (vals[i] > vals[arg]) arg = i;
      best = Math.max(best, vals[arg]);
      const ncl = D > 0 ? 21 : 1;
      th = th - wt + (2 * wt * Math.floor(arg / ncl)) / 20;
      if (D > 0) c = c - wc + (2 * wc * (arg % ncl)) / 20;
      wt /= 5; wc /= 5;
    }
  }
  return { value: best, upperBound, evaluations };
}

export interface GaussianDistances {
  readonly w2: number;
  readonly klPQ: number;
  readonly klQP: number;
}

/** W2 (an upper bound on W1) and KL both ways, in closed form. */
export function gaussianDistances(p: Gaussian, q: Gaussian): GaussianDistances {
  return {
    w2: w2Gaussian(p.mean, p.cov, q.mean, q.cov, p.d),
    klPQ: klGaussian(p.mean, p.cov, q.mean, q.cov, p.d),
    klQP: klGaussian(q.mean, q.cov, p.mean, p.cov, p.d),
  };
}

/** σ_min and σ_max of a covariance (square roots of its extreme eigenvalues). */
export function sigmaRange(S: Float64Array, d: number): [number, number] {
  const v = symmetricEigen(S, d).values;
  return [Math.sqrt(Math.max(v[0], 0)), Math.sqrt(Math.max(v[d - 1], 0))];
}

/** A random member of G: ‖μ‖ ≤ D·radius, covariance with eigenvalues in [σmin², σmax²] and a random basis. */
export function randomGaussian(rng: Rng, d: number, meanRadius: number, sigmaMin: number, sigmaMax: number): Gaussian {
  const mean = new Float64Array(d);
  rng.fillNormal(mean);
  const n = Math.sqrt(dot(mean, mean, d)) || 1;
  const r = meanRadius * rng.uniform() ** (1 / d);
  for (let i = 0; i < d; i++) mean[i] *= r / n;
  const A = new Float64Array(d * d);
  rng.fillNormal(A);
  const Q = symmetricEigen(Float64Array.from(A, (x, k) => x + A[(k % d) * d + Math.floor(k / d)]), d).vectors;
  const lam = Array.from({ length: d }, () => (sigmaMin + (sigmaMax - sigmaMin) * rng.uniform()) ** 2);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += Q[i * d + k] * lam[k] * Q[j * d + k];
    cov[i * d + j] = s;
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) { const s = 0.5 * (cov[i * d + j] + cov[j * d + i]); cov[i * d + j] = s; cov[j * d + i] = s; }
  return { d, mean, cov };
}
