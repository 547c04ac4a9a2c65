// Any activation written as a formula in x: `elementwise("x*tanh(x)")`.
//
// φ is parsed (symbols {x}) and differentiated symbolically (symbolic/diff.ts).
// The dual E[φ(u)φ(v)], E[φ'(u)φ'(v)] and the diagonal E[φ(u)²] come from the
// Gaussian-expectation engine (symbolic/gaussian.ts) with a symbolic covariance
// [[q1, c], [c, q2]] when it finds an exact closed form; otherwise from tensor
// Gauss–Hermite quadrature in the Cholesky coordinates
//   u = √s1·g1,  v = √s2·(ρ g1 + √(1 − ρ²) g2),
// with the order chosen per variance band (decades of max(s1, s2)) by an order
// study: n is doubled until the rules of orders n and 2n agree to `tolerance`
// (relative to max(1, |E|)) at the band's largest variance and correlations
// −0.99 … 0.99; the largest difference seen over the bands used is reported.
// The method and accuracy are in `method`, `exact` and `accuracy`.

import { type Expr, sym } from '../symbolic/index.ts';
import { parse } from '../symbolic/index.ts';
import { diff } from '../symbolic/index.ts';
import { print } from '../symbolic/index.ts';
import { substitute } from '../symbolic/index.ts';
import { gaussianExpectation } from '../symbolic/index.ts';
import { compile, twinFunction } from '../compile/index.ts';
import { gaussHermite, MAX_GAUSS_HERMITE_ORDER } from '../numeric/index.ts';
import { type Activation, type DualExprs, ActivationError } from './activations.ts';

export interface ElementwiseOptions {
  /** target relative accuracy of the quadrature duals (default 1e-10) */
  readonly tolerance?: number;
  /** largest 2-D Gauss–Hermite order per axis (default 256) */
  readonly maxOrder?: number;
  /** skip the Gaussian engine and use quadrature (for tests; default false) */
  readonly forceQuadrature?: boolean;
}

/** How an elementwise dual was computed, and how accurate it is. */
export interface ElementwiseAccuracy {
  /** 'closed-form' (Gaussian engine, exact) or 'quadrature' */
  readonly method: 'closed-form' | 'quadrature';
  /** the engine's method names when closed-form (e.g. 'closed-form+isserlis') */
  readonly engineMethod?: string;
  /** Gauss–Hermite order per axis (quadrature) */
  readonly order?: number;
  /** max over probes of |E_n − E_2n| / max(1, |E_2n|) for K, K̇ and k (quadrature) */
  readonly estimatedError?: number;
  /** whether the estimate met the tolerance */
  readonly converged?: boolean;
}

export interface ElementwiseActivation extends Activation {
  readonly name: 'elementwise';
  readonly formula: string;
  /** φ' as an Expr in x (symbolic/diff.ts) */
  readonly derivative: Expr;
  readonly accuracy: ElementwiseAccuracy;
  /**
   * Quadrature duals only: the Gauss–Hermite order per axis of the pairs with max(s1, s2) =
   * variance (the diagonal E[φ(u)²] uses 4× it, at most MAX_GAUSS_HERMITE_ORDER); studies the
   * variance's band first if no pair has used it yet.
   */
  readonly orderAt?: (variance: number) => number;
}

/** The compiled f64 twin of a compile-layer kernel, called directly: (X, P, Y, B) fills Y for B points. */
type TwinFn = (X: Float64Array, P: Float64Array, Y: Float64Array, B: number) => Float64Array;

const NO_PARAMS = new Float64Array(1);

/**
 * The f64 twin of exprs over the given inputs (one compiled function for all of them, so common
 * subexpressions such as tanh(x) in φ and φ' are computed once): `at` fills out[k] with the k-th
 * value at B points whose inputs lie one after the other in x (out interleaved the same way).
 * The twin is the compile layer's checked source (twinFunction), called without per-call checks
 * or allocations: the buffers are sized by the callers here.
 */
function twin(exprs: readonly Expr[], inputs: readonly string[]): { readonly at: (x: Float64Array, out: Float64Array, B: number) => void } {
  const kernel = compile(exprs, { inputs, backend: 'f64' });
  const f = twinFunction<TwinFn>(kernel.f64.source);
  return { at: (x, out, B) => { f(x, NO_PARAMS, out, B); } };
}

/** A scalar function of one input (named `input`) through a twin (one point, no allocation). */
function scalar(e: Expr, input = 'x'): (x: number) => number {
  const t = twin([e], [input]);
  const x = new Float64Array(1), y = new Float64Array(1);
  return (v) => { x[0] = v; t.at(x, y, 1); return y[0]; };
}

interface QuadratureDual {
  /** [E φ(u)φ(v), E φ'(u)φ'(v)] by the n×n tensor rule, into out */
  pair(S: number, s1: number, s2: number, n: number, out: Float64Array): void;
  /** E φ(u)² by the n-point rule */
  single(q: number, n: number): number;
}

/**
 * The tensor Gauss–Hermite rules of φ (twin `fphi`) and of φ together with φ' (twin `both`,
 * values interleaved [φ, φ'] per node). Node buffers are kept per order.
 */
function quadrature(fphi: ReturnType<typeof twin>, both: ReturnType<typeof twin>): QuadratureDual {
  const bufs = new Map<number, { u: Float64Array; v: Float64Array; fu: Float64Array; fv: Float64Array }>();
  const buf = (n: number) => {
    let b = bufs.get(n);
    if (!b) {
      b = { u: new Float64Array(n), v: new Float64Array(n * n), fu: new Float64Array(2 * n), fv: new Float64Array(2 * n * n) };
      bufs.set(n, b);
    }
    return b;
  };
  return {
    pair(S, s1, s2, n, out) {
      const { nodes, weights } = gaussHermite(n);
      const a = Math.sqrt(Math.max(s1, 0)), b = Math.sqrt(Math.max(s2, 0));
      let rho = a > 0 && b > 0 ? S / (a * b) : 0;
      if (rho > 1) rho = 1; else if (rho < -1) rho = -1;
      const rc = Math.sqrt((1 - rho) * (1 + rho));
      const B = buf(n);
      const { u, v, fu, fv } = B;
      for (let i = 0; i < n; i++) {
        u[i] = a * nodes[i];
        for (let j = 0; j < n; j++) v[i * n + j] = b * (rho * nodes[i] + rc * nodes[j]);
      }
      both.at(u, fu, n);
      both.at(v, fv, n * n);
      let s = 0, sd = 0;
      for (let i = 0; i < n; i++) {
        let inner = 0, innerd = 0;
        const o = 2 * i * n;
        for (let j = 0; j < n; j++) {
          const w = weights[j];
          inner += w * fv[o + 2 * j];
          innerd += w * fv[o + 2 * j + 1];
        }
        s += weights[i] * fu[2 * i] * inner;
        sd += weights[i] * fu[2 * i + 1] * innerd;
      }
      out[0] = s;
      out[1] = sd;
    },
    single(q, n) {
      const { nodes, weights } = gaussHermite(n);
      const a = Math.sqrt(Math.max(q, 0));
      const B = buf(n);
      for (let i = 0; i < n; i++) B.u[i] = a * nodes[i];
      fphi.at(B.u, B.fu, n);
      let s = 0;
      for (let i = 0; i < n; i++) s += weights[i] * B.fu[i] * B.fu[i];
      return s;
    },
  };
}

const PROBE_RHO = [-0.99, -0.5, 0, 0.3, 0.9, 0.99];


/** Order and its estimated error for one variance band. */
interface BandOrder { readonly order: number; readonly estimatedError: number }

/** Variance bands (…, 0.01], (0.01, 0.1], …, (100, 1000], (1000, …): band b has upper edge 10^(b − 3). */
function bandOf(s: number): number {
  if (!(s > 1e-3)) return 0;
  return Math.min(7, Math.max(0, Math.ceil(Math.log10(s) - 1e-12) + 3));
}

function bandEdge(b: number): number {
  return b >= 7 ? Infinity : b < 0 ? 0 : 10 ** (b - 3);
}

/**
 * The order study of one band: at the band's upper variance (and a third of it for
 * the second variable), correlations PROBE_RHO, double n from 16 until the 2-D rules
 * of orders n and 2n (and the 1-D diagonal rules of orders 2n, 4n) agree to `tolerance`
 * relative to max(1, |value|), or n reaches maxOrder.
 */
function orderStudy(Q: QuadratureDual, tolerance: number, maxOrder: number): (band: number) => BandOrder {
  const lo = new Float64Array(2), hi = new Float64Array(2);
  return (b) => {
    const top = Number.isFinite(bandEdge(b)) ? bandEdge(b) : 1e4;
    const pairs: Array<[number, number]> = [[top, top], [top, top / 3]];
    let n = 16;
    for (;;) {
      const n2 = Math.min(2 * n, MAX_GAUSS_HERMITE_ORDER);
      let worst = 0;
      for (const [s1, s2] of pairs) {
        const d1 = Q.single(s1, Math.min(2 * n, MAX_GAUSS_HERMITE_ORDER)), d2 = Q.single(s1, Math.min(2 * n2, MAX_GAUSS_HERMITE_ORDER));
        worst = Math.max(worst, Math.abs(d1 - d2) / Math.max(1, Math.abs(d2)));
        for (const rho of PROBE_RHO) {
          const S = rho * Math.sqrt(s1 * s2);
          Q.pair(S, s1, s2, n, lo);
          Q.pair(S, s1, s2, n2, hi);
          for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(lo[k] - hi[k]) / Math.max(1, Math.abs(hi[k])));
        }
      }
      if (!(worst <= tolerance) && worst < Infinity && n < maxOrder && n2 > n) { n = Math.min(2 * n, maxOrder); continue; }
      return { order: n, estimatedError: worst === worst ? worst : Infinity };
    }
  };
}

/** Tries the Gaussian engine on E[F(u)G(v)] (or E[F(u)²] with one variable); exact results only. */
function engineDual(phi: Expr, dphi: Expr): { dual: DualExprs; diag: Expr; method: string } | undefined {
  const u = sym('u'), v = sym('v'), q1 = sym('q1'), q2 = sym('q2'), c = sym('c'), q = sym('q');
  const at = (e: Expr, s: Expr) => substitute(e, { x: s });
  try {
    const cov = [[q1, c], [c, q2]];
    const K = gaussianExpectation({ kind: 'mul', factors: [at(phi, u), at(phi, v)] } as Expr, ['u', 'v'], cov);
    if (!K.exact) return undefined;
    const Kd = gaussianExpectation({ kind: 'mul', factors: [at(dphi, u), at(dphi, v)] } as Expr, ['u', 'v'], cov);
    if (!Kd.exact) return undefined;
    const k = gaussianExpectation({ kind: 'pow', base: at(phi, u), exp: { kind: 'num', p: 2, q: 1 } } as Expr, ['u'], [[q]]);
    if (!k.exact) return undefined;
    const methods = [...new Set([K.method, Kd.method, k.method].flatMap((m) => m.split('+')))].join('+');
    return { dual: { K: K.expr, Kdot: Kd.expr }, diag: k.expr, method: methods };
  } catch {
    return undefined;
  }
}

/**
 * An activation from a formula in x, e.g. elementwise("x*tanh(x)"). Its dual is
 * the Gaussian engine's closed form when one exists, else order-studied quadrature;
 * `method` and `accuracy` say which and how accurate.
 */
export function elementwise(formula: string, opts: ElementwiseOptions = {}): ElementwiseActivation {
  if (typeof formula !== 'string') throw new ActivationError(`elementwise needs a formula string, got ${typeof formula}`);
  const tolerance = opts.tolerance ?? 1e-10;
  const maxOrder = Math.min(opts.maxOrder ?? 256, MAX_GAUSS_HERMITE_ORDER);
  if (!(tolerance > 0)) throw new ActivationError(`elementwise: tolerance must be > 0, got ${tolerance}`);
  const expr = parse(formula, { symbols: ['x'] });
  const derivative = diff(expr, 'x');
  const phi = scalar(expr);
  const dphi = scalar(derivative);
  const spec = `elementwise(${JSON.stringify(formula)})`;
  const found = opts.forceQuadrature ? undefined : engineDual(expr, derivative);
  if (found) {
    // one point through the twin of (K, K̇) per entry, into buffers kept here (no allocation)
    const dualTwin = twin([found.dual.K, found.dual.Kdot], ['q1', 'q2', 'c']);
    const at = new Float64Array(3), kk = new Float64Array(2);
    const k = scalar(found.diag, 'q');
    const rename = (e: Expr, map: Record<string, Expr>) => substitute(e, map);
    return {
      name: 'elementwise', args: [], spec, formula, expr, derivative,
      phi: (x) => phi(x), dphi: (x) => dphi(x),
      method: `closed-form (Gaussian engine: ${found.method})`, exact: true,
      accuracy: { method: 'closed-form', engineMethod: found.method },
      dual: (S, s1, s2, out) => {
        at[0] = s1; at[1] = s2; at[2] = S;
        dualTwin.at(at, kk, 1);
        out[0] = kk[0];
        out[1] = kk[1];
      },
      diag: (q) => k(q),
      dualExprs: (a, b, c) => ({
        K: rename(found.dual.K, { q1: a, q2: b, c }),
        Kdot: rename(found.dual.Kdot, { q1: a, q2: b, c }),
      }),
      diagExpr: (q) => rename(found.diag, { q }),
    };
  }
  const Q = quadrature(twin([expr], ['x']), twin([expr, derivative], ['x']));
  const study = orderStudy(Q, tolerance, maxOrder);
  const used = new Map<number, BandOrder>();
  const band = (s: number): BandOrder => {
    const b = bandOf(s);
    let o = used.get(b);
    if (!o) {
      o = study(b);
      if (!(o.estimatedError < Infinity)) {
        throw new ActivationError(`elementwise ${print(expr)}: the Gaussian expectations are not finite at variance ${bandEdge(b)} (does φ grow too fast?)`);
      }
      used.set(b, o);
    }
    return o;
  };
  band(1); // the unit-variance band is studied up front: fails early for bad formulas
  const summary = (): ElementwiseAccuracy => {
    let order = 0, estimatedError = 0;
    for (const o of used.values()) { order = Math.max(order, o.order); estimatedError = Math.max(estimatedError, o.estimatedError); }
    return { method: 'quadrature', order, estimatedError, converged: estimatedError <= tolerance };
  };
  const describe = (): string => {
    const a = summary();
    const bands = [...used.keys()].sort((x, y) => x - y).map((b) => `${bandEdge(b - 1)}–${bandEdge(b)}: order ${used.get(b)!.order}`);
    return `quadrature (2-D Gauss–Hermite by variance band [${bands.join('; ')}]; |E_n − E_2n| ≤ ${a.estimatedError!.toExponential(1)} relative at probes`
      + `${a.converged ? '' : `, above the tolerance ${tolerance}`})`;
  };
  return {
    name: 'elementwise', args: [], spec, formula, expr, derivative,
    phi: (x) => phi(x), dphi: (x) => dphi(x),
    get method() { return describe(); },
    exact: false,
    get accuracy() { return summary(); },
    dual: (S, s1, s2, out) => { Q.pair(S, s1, s2, band(Math.max(s1, s2)).order, out); },
    diag: (q) => Q.single(q, Math.min(4 * band(q).order, MAX_GAUSS_HERMITE_ORDER)),
    orderAt: (variance) => band(variance).order,
  };
}
