// Running forward error bound of compiled code, computed in f64 next to the
// exact value. It walks the lowered Op DAG, so it follows the operations in
// the order the emitted code performs them.
//
// Each node carries (v, e): v its exact value (evaluated in f64, which is
// exact to ~2^-52 relative, negligible against f32's 2^-24) and e a bound on
// |computed − v|. Propagation is not first order: for an operation f the
// deviation caused by argument errors is the exact range of f over the box
// [a − e_a, a + e_a] × ..., found from its corners and interior critical
// points (every function here is monotone in each argument, or has known
// extrema). The operation's own rounding then adds ulps·u·(|v| + deviation)
// plus an absolute `eta` for underflow (flush-to-zero included). Arguments
// whose box leaves the function's domain (log of an interval reaching 0,
// division by an interval containing 0, f32 overflow) give e = ∞.

import type { Expr, FnName } from '../symbolic/index.ts';
import { F64_FUNCTIONS } from '../symbolic/index.ts';
import { Lowering, declare, type Op } from './lower.ts';
import { F32_MAX } from './emit.ts';

export interface ErrorModel {
  /** unit roundoff: 2^-24 for f32, 2^-53 for f64 */
  readonly u: number;
  /** rounding of an input or constant to the working precision */
  readonly round: (x: number) => number;
  /** absolute error allowance per operation for underflow */
  readonly eta: number;
  /** largest finite value; beyond it the bound is ∞ */
  readonly max: number;
  /** error of +, −, ×, ÷ in units of u (1 = correctly rounded) */
  readonly basic: number;
  /** error of Math.pow and of each function, in units of u of its result */
  readonly pow: number;
  readonly fn: Readonly<Record<FnName, number>>;
}

/**
 * Budgets of the GPU.js dialect's own f32 helpers, in units of u = 2^-24.
 * They are twice the largest error measured over a dense grid of f32 inputs
 * (test/compile/helpers.test.ts checks the measurement stays below them):
 * erf 4.4u, sigmoid 2.9u, softplus 3.5u at the time of writing.
 */
export const F32_HELPER_BUDGET = { erf: 10, sigmoid: 6, softplus: 8 } as const;

/**
 * IEEE f32 as the GPU.js 'webasm' and 'cpu' backends compute it: +−×÷ and
 * sqrt correctly rounded (WebAssembly f32 ops; 'cpu' computes in f64 and
 * rounds the result once, which is no worse); Math.exp/log/sin/... evaluated
 * in f64 and rounded to f32 once (gpu.js imports them from JS Math), so 1u
 * each. abs/min/max/relu/step are exact. GLSL on real GPUs allows more
 * (e.g. 2.5 ulp division, absolute 2^-11 for sin/cos) and needs its own model.
 */
export const F32_WASM_MODEL: ErrorModel = {
  u: 2 ** -24,
  round: Math.fround,
  eta: 2 ** -126,
  max: F32_MAX,
  basic: 1,
  pow: 1,
  fn: {
    exp: 1, log: 1, sqrt: 1, abs: 0, sin: 1, cos: 1, tanh: 1, arcsin: 1, arccos: 1, min: 0, max: 0,
    relu: 0, step: 0, ...F32_HELPER_BUDGET,
  },
};

/**
 * The f64 twin: inputs and constants exact, +−×÷ and sqrt correctly rounded,
 * V8's Math functions within 1 ulp (2u), special.ts's erf/sigmoid/softplus
 * within a few ulps (budget 8u).
 */
export const F64_MODEL: ErrorModel = {
  u: 2 ** -53,
  round: (x) => x,
  eta: 2 ** -1022,
  max: Number.MAX_VALUE,
  basic: 1,
  pow: 2,
  fn: {
    exp: 2, log: 2, sqrt: 1, abs: 0, sin: 2, cos: 2, tanh: 2, arcsin: 2, arccos: 2, min: 0, max: 0,
    relu: 0, step: 0, erf: 8, sigmoid: 8, softplus: 8,
  },
};

export interface Bounded {
  /** exact value (f64) */
  readonly value: number;
  /** bound on |computed − value|; ∞ where the computation may leave its domain */
  readonly bound: number;
}

const INCREASING = new Set<FnName>(['exp', 'log', 'sqrt', 'tanh', 'erf', 'relu', 'step', 'sigmoid', 'softplus', 'arcsin']);

/** Domain of each one-argument function as a closed or open interval test. */
function inDomain(fn: FnName, lo: number, hi: number): boolean {
  switch (fn) {
    case 'log': return lo > 0;
    case 'sqrt': return lo >= 0;
    case 'arcsin': case 'arccos': return lo >= -1 && hi <= 1;
    default: return true;
  }
}

/** Range [min, max] of a one-argument function over [lo, hi] (inside its domain). */
function range1(fn: FnName, lo: number, hi: number): [number, number] {
  const f = F64_FUNCTIONS[fn];
  if (INCREASING.has(fn)) return [f(lo), f(hi)];
  if (fn === 'arccos') return [f(hi), f(lo)];
  if (fn === 'abs') {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return lo <= 0 && hi >= 0 ? [0, m] : [Math.min(Math.abs(lo), Math.abs(hi)), m];
  }
  // sin, cos: endpoints plus every critical point inside
  if (hi - lo >= 2 * Math.PI) return [-1, 1];
  let mn = Math.min(f(lo), f(hi)), mx = Math.max(f(lo), f(hi));
  const offset = fn === 'sin' ? Math.PI / 2 : 0; // critical points offset + jπ
  for (let j = Math.ceil((lo - offset) / Math.PI); offset + j * Math.PI <= hi; j++) {
    const v = f(offset + j * Math.PI);
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  return [mn, mx];
}

/** Range of t^k over [lo, hi], k ≥ 2. */
function rangePow(k: number, lo: number, hi: number): [number, number] {
  const a = lo ** k, b = hi ** k;
  let mn = Math.min(a, b), mx = Math.max(a, b);
  if (k % 2 === 0 && lo < 0 && hi > 0) mn = 0;
  return [mn, mx];
}

/**
 * Forward error analysis of one lowering under a model. Reuse one instance
 * for many points: it keeps per-node scratch arrays.
 */
export class ErrorAnalysis {
  private readonly v: Float64Array;
  private readonly e: Float64Array;
  private readonly stamp: Int32Array;
  private epoch = 0;
  private values: ArrayLike<number> = [];
  private inputErrors: ArrayLike<number> | undefined;

  constructor(readonly lowering: Lowering, readonly model: ErrorModel = F32_WASM_MODEL) {
    const n = lowering.nodes.length;
    this.v = new Float64Array(n);
    this.e = new Float64Array(n);
    this.stamp = new Int32Array(n);
  }

  /**
   * Values and error bounds of `roots` at a point. `values[slot]` are the
   * exact inputs; `inputErrors[slot]`, if given, bound the error already in
   * each input (default: its rounding to the working precision).
   */
  evaluate(roots: readonly Op[], values: ArrayLike<number>, inputErrors?: ArrayLike<number>): Bounded[] {
    if (this.lowering.nodes.length !== this.v.length) throw new Error('lowering grew after ErrorAnalysis was built');
    this.epoch++;
    this.values = values;
    this.inputErrors = inputErrors;
    return roots.map((r) => {
      this.visit(r);
      return { value: this.v[r.id], bound: this.e[r.id] };
    });
  }

  private visit(n: Op): void {
    if (this.stamp[n.id] === this.epoch) return;
    const [value, bound] = this.compute(n);
    this.v[n.id] = value;
    const tooBig = Math.abs(value) + bound > this.model.max;
    this.e[n.id] = Number.isNaN(value) ? NaN : tooBig ? Infinity : bound;
    this.stamp[n.id] = this.epoch;
  }

  private arg(n: Op): [number, number] {
    this.visit(n);
    return [this.v[n.id], this.e[n.id]];
  }

  /** own rounding of a result of magnitude ≤ mag */
  private rounding(mag: number, ulps: number): number {
    return ulps === 0 ? 0 : ulps * this.model.u * mag + this.model.eta;
  }

  private compute(n: Op): [number, number] {
    const m = this.model;
    switch (n.op) {
      case 'num': return [n.value, Math.abs(m.round(n.value) - n.value)];
      case 'ref': {
        const x = this.values[n.slot];
        const e = this.inputErrors ? this.inputErrors[n.slot] : Math.abs(m.round(x) - x);
        return [x, e];
      }
      case 'neg': { const [a, ea] = this.arg(n.a); return [-a, ea]; }
      case 'sum': {
        let [v, e] = this.arg(n.terms[0]);
        if (n.minus[0]) v = -v;
        for (let i = 1; i < n.terms.length; i++) {
          const [b, eb] = this.arg(n.terms[i]);
          v = n.minus[i] ? v - b : v + b;
          const p = e + eb;
          e = p + this.rounding(Math.abs(v) + p, m.basic);
        }
        return [v, e];
      }
      case 'prod': {
        let [v, e] = this.arg(n.factors[0]);
        for (let i = 1; i < n.factors.length; i++) {
          const [b, eb] = this.arg(n.factors[i]);
          const p = Math.abs(v) * eb + Math.abs(b) * e + e * eb;
          v *= b;
          e = p + this.rounding(Math.abs(v) + p, m.basic);
        }
        return [v, e];
      }
      case 'div': {
        const [a, ea] = this.arg(n.a), [b, eb] = this.arg(n.b);
        const v = a / b;
        if (!(eb < Math.abs(b))) return [v, Infinity];
        const p = (Math.abs(a) * eb + Math.abs(b) * ea) / (Math.abs(b) * (Math.abs(b) - eb));
        return [v, p + this.rounding(Math.abs(v) + p, m.basic)];
      }
      case 'ipow': {
        const [a, ea] = this.arg(n.a);
        const v = a ** n.k;
        const [lo, hi] = rangePow(n.k, a - ea, a + ea);
        const p = Math.max(hi - v, v - lo);
        // binary exponentiation: the product of k−1 rounding factors (1+δ)
        const g = ((n.k - 1) * m.basic * m.u) / (1 - (n.k - 1) * m.basic * m.u);
        if (!(g >= 0 && g < 1)) return [v, Infinity];
        return [v, p + g * (Math.abs(v) + p) + m.eta];
      }
      case 'pow': {
        const [a, ea] = this.arg(n.a), [b, eb] = this.arg(n.b);
        const v = Math.pow(a, b);
        if (!(a - ea > 0)) return [v, Infinity];
        // a^b = exp(b·ln a) with b·ln a bilinear: extremes at the corners
        const corners = [(a - ea) ** (b - eb), (a - ea) ** (b + eb), (a + ea) ** (b - eb), (a + ea) ** (b + eb)];
        const p = Math.max(...corners.map((c) => Math.abs(c - v)));
        return [v, p + this.rounding(Math.abs(v) + p, m.pow)];
      }
      case 'call': {
        const ulps = m.fn[n.fn];
        if (n.args.length === 2) {
          // min, max: nondecreasing in each argument
          const [a, ea] = this.arg(n.args[0]), [b, eb] = this.arg(n.args[1]);
          const f = F64_FUNCTIONS[n.fn];
          const v = f(a, b);
          const p = Math.max(f(a + ea, b + eb) - v, v - f(a - ea, b - eb));
          return [v, p + this.rounding(Math.abs(v) + p, ulps)];
        }
        const [a, ea] = this.arg(n.args[0]);
        const v = F64_FUNCTIONS[n.fn](a);
        const lo = a - ea, hi = a + ea;
        if (!inDomain(n.fn, lo, hi)) return [v, Infinity];
        const [mn, mx] = range1(n.fn, lo, hi);
        const p = Math.max(mx - v, v - mn);
        return [v, p + this.rounding(Math.abs(v) + p, ulps)];
      }
    }
  }
}

/**
 * Error bounds of compiled `exprs` (lowered exactly as `compile` lowers them,
 * slots in the order inputs then params) at a point: `at(values)` with
 * values[slot], optional inputErrors[slot] (default: rounding of each input).
 */
export function boundEvaluator(
  exprs: readonly Expr[], names: { inputs: readonly string[]; params?: readonly string[] },
  model: ErrorModel = F32_WASM_MODEL,
): (values: ArrayLike<number>, inputErrors?: ArrayLike<number>) => Bounded[] {
  const lowering = new Lowering(declare([
    { role: 'input', names: names.inputs }, { role: 'param', names: names.params ?? [] },
  ]));
  const roots = exprs.map((e) => lowering.lower(e));
  const analysis = new ErrorAnalysis(lowering, model);
  return (values, inputErrors) => analysis.evaluate(roots, values, inputErrors);
}
