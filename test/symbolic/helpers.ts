// Shared test helpers for the symbolic layer: an arbitrary over the whole grammar
// and a first-order rounding-error bound for f64 evaluation of an Expr.

import { ArgumentError } from '../../src/core/index.ts';
import fc from 'fast-check';
import {
  type Expr, type FnName, FUNCTIONS, CONSTANTS, add, sub, mul, div, neg, pow, call, sym, rat, num, numValue, isExact, PI,
  children, polyFromExpr, polyIsZero,
} from '../../src/symbolic/index.ts';
import { F64_FUNCTIONS } from '../../src/symbolic/index.ts';

export const EPS = Number.EPSILON;

const isZeroNum = (e: Expr) => e.kind === 'num' && e.p === 0;

/** pow, avoiding 0^negative and exact-number overflow (which the constructor refuses). */
function safePow(a: Expr, k: Expr): Expr {
  try { return pow(a, k); } catch (err) {
    if ((err instanceof ArgumentError || err instanceof RangeError)) return pow(isZeroNum(a) ? rat(2) : a, rat(2));
    throw err;
  }
}

/** a/b, with b replaced by 7 where the constructors refuse the division (b = 0, b = 0^(1/2)). */
function safeDiv(a: Expr, b: Expr): Expr {
  try { return div(a, isZeroNum(b) ? rat(7) : b); } catch (err) {
    if (err instanceof ArgumentError) return div(a, rat(7));
    throw err;
  }
}

export interface ArbOptions {
  vars?: readonly string[];
  depth?: number;
  /** Allow float leaves (else exact rationals only). */
  floats?: boolean;
  /** Functions to draw from (default: all of the grammar). */
  functions?: readonly FnName[];
  /** Allow symbolic (non-numeric) exponents. */
  symbolicPowers?: boolean;
}

export const ALL_FUNCTIONS = Object.keys(FUNCTIONS) as FnName[];

/** Random expressions built through the expr.ts constructors, bounded depth. */
export function exprArb(opts: ArbOptions = {}): fc.Arbitrary<Expr> {
  const vars = opts.vars ?? ['x', 'y', 'z'];
  const fns = opts.functions ?? ALL_FUNCTIONS;
  const unary = fns.filter((f) => FUNCTIONS[f] === 1);
  const binary = fns.filter((f) => FUNCTIONS[f] === 2);
  const leafs: fc.Arbitrary<Expr>[] = [
    fc.integer({ min: -5, max: 5 }).map((k) => rat(k)),
    fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: 1, max: 6 })).map(([p, q]) => rat(p, q)),
    fc.constantFrom(...vars).map(sym),
    fc.constantFrom(...vars).map(sym),
    fc.constant(PI),
  ];
  if (opts.floats ?? true) {
    // decimals such as 1.234567 (inexact in binary, so they stay floats); no subnormals
    leafs.push(fc.integer({ min: -3_000_000, max: 3_000_000 }).map((k) => num(k / 1e6)));
  }
  const leaf = fc.oneof(...leafs);
  const cache = new Map<number, fc.Arbitrary<Expr>>();
  const at = (d: number): fc.Arbitrary<Expr> => {
    if (d <= 0) return leaf;
    const hit = cache.get(d);
    if (hit) return hit;
    const s = at(d - 1);
    const nodes: fc.Arbitrary<Expr>[] = [
      fc.tuple(s, s).map(([a, b]) => add(a, b)),
      fc.tuple(s, s).map(([a, b]) => sub(a, b)),
      fc.tuple(s, s).map(([a, b]) => mul(a, b)),
      fc.tuple(s, s).map(([a, b]) => safeDiv(a, b)),
      s.map(neg),
      fc.tuple(s, fc.integer({ min: -2, max: 3 })).map(([a, k]) => safePow(a, rat(k))),
      fc.tuple(s, fc.constantFrom(rat(1, 2), rat(3, 2), rat(-1, 2))).map(([a, k]) => safePow(a, k)),
    ];
    if (opts.symbolicPowers ?? true) nodes.push(fc.tuple(s, s).map(([a, b]) => safePow(a, b)));
    if (unary.length) nodes.push(fc.tuple(fc.constantFrom(...unary), s).map(([f, a]) => call(f, a)));
    if (unary.length) nodes.push(fc.tuple(fc.constantFrom(...unary), s).map(([f, a]) => call(f, a)));
    if (binary.length) nodes.push(fc.tuple(fc.constantFrom(...binary), s, s).map(([f, a, b]) => call(f, a, b)));
    const arb = fc.oneof({ depthSize: 'small' }, leaf, ...nodes);
    cache.set(d, arb);
    return arb;
  };
  return at(opts.depth ?? 3);
}

/**
 * Whether e has a negative power of a sum or product that expands to 0, such as
 * 1/(x-x) (random expressions draw these): diff and simplify refuse e with an
 * ArgumentError 'division by zero'. Decided independently of diff: expansion of
 * every such base.
 */
export function dividesByZero(e: Expr): boolean {
  const visit = (n: Expr): boolean => {
    if (children(n).some(visit)) return true;
    if (n.kind !== 'pow' || n.exp.kind !== 'num' || n.exp.p >= 0 || (n.base.kind !== 'add' && n.base.kind !== 'mul')) return false;
    try {
      return polyIsZero(polyFromExpr(n.base));
    } catch (err) {
      if (err instanceof ArgumentError) return true; // a zero denominator inside the base
      throw err;
    }
  };
  return visit(e);
}

/** A random point for the given variables, on a grid of step 2^-20 in [lo, hi] (0 included). */
export function envArb(vars: readonly string[] = ['x', 'y', 'z'], lo = -2, hi = 2): fc.Arbitrary<Record<string, number>> {
  const g = 2 ** 20;
  const coord = fc.integer({ min: Math.ceil(lo * g), max: Math.floor(hi * g) }).map((k) => k / g);
  return fc.tuple(...vars.map(() => coord)).map((vs) => {
    const env: Record<string, number> = {};
    vars.forEach((v, i) => { env[v] = vs[i]; });
    return env;
  });
}

/** f64 derivative of each function of the grammar, for the error bound. */
const DERIV: Record<Exclude<FnName, 'min' | 'max'>, (a: number) => number> = {
  exp: Math.exp,
  log: (a) => 1 / a,
  sqrt: (a) => 0.5 / Math.sqrt(a),
  abs: () => 1,
  sin: Math.cos,
  cos: (a) => -Math.sin(a),
  tanh: (a) => 1 - Math.tanh(a) ** 2,
  erf: (a) => 1.1283791670955126 * Math.exp(-a * a),
  relu: (a) => (a > 0 ? 1 : 0),
  step: () => 0,
  sigmoid: (a) => { const s = F64_FUNCTIONS.sigmoid(a); return s * (1 - s); },
  softplus: (a) => F64_FUNCTIONS.sigmoid(a),
  arcsin: (a) => 1 / Math.sqrt(1 - a * a),
  arccos: (a) => -1 / Math.sqrt(1 - a * a),
};

/** Intrinsic error of each library function, in ulps of its result. */
const FN_ULPS: Partial<Record<FnName, number>> = { erf: 4, sigmoid: 4, softplus: 4 };

/**
 * Value of e at env and a first-order bound `err` on the absolute rounding error
 * of its f64 evaluation (running error analysis: each operation adds one rounding
 * of its result, each input error is propagated by the local derivative).
 * err is Infinity where the linearisation cannot be trusted: at a jump of step
 * within the uncertainty of its argument, or where a derivative varies by more
 * than 2x across the uncertainty interval (singularities).
 */
export function evalWithError(e: Expr, env: Record<string, number>): { value: number; err: number } {
  const go = (x: Expr): { v: number; E: number } => {
    switch (x.kind) {
      case 'num': { const v = numValue(x); return { v, E: isExact(x) && x.q === 1 ? 0 : Math.abs(v) * EPS }; }
      case 'const': return { v: CONSTANTS[x.name], E: CONSTANTS[x.name] * EPS };
      case 'sym': return { v: env[x.name], E: 0 };
      case 'add': {
        const cs = x.terms.map(go);
        let v = 0, E = 0, absSum = 0;
        for (const c of cs) { v += c.v; E += c.E; absSum += Math.abs(c.v); }
        return { v, E: E + (cs.length - 1) * rnd(absSum) };
      }
      case 'mul': {
        const cs = x.factors.map(go);
        let v = 1, rel = 0;
        for (const c of cs) v *= c.v;
        let E = 0;
        for (let i = 0; i < cs.length; i++) {
          let others = 1;
          for (let j = 0; j < cs.length; j++) if (j !== i) others *= Math.abs(cs[j].v);
          E += cs[i].E * others;
          rel += 1;
        }
        return { v, E: E + (rel - 1) * rnd(v) };
      }
      case 'pow': {
        const b = go(x.base), k = go(x.exp);
        const v = Math.pow(b.v, k.v);
        const d = (bb: number) => k.v * Math.pow(bb, k.v - 1);
        const db = worst(d, b.v, b.E);
        let E = db * b.E + rnd(v);
        if (k.E > 0) {
          if (b.v < 0) return { v, E: Infinity };
          E += Math.abs(v * Math.log(b.v)) * k.E;
        }
        return { v, E };
      }
      case 'call': {
        const as = x.args.map(go);
        const v = F64_FUNCTIONS[x.fn](...as.map((a) => a.v));
        if (x.fn === 'min' || x.fn === 'max') return { v, E: Math.max(as[0].E, as[1].E) };
        const a = as[0];
        if (x.fn === 'step' && Math.abs(a.v) <= 2 * a.E) return { v, E: Infinity };
        const D = worst(DERIV[x.fn], a.v, a.E);
        return { v, E: D * a.E + (FN_ULPS[x.fn] ?? 1) * rnd(v) };
      }
    }
  };
  const r = go(e);
  return { value: r.v, err: r.E };
}

/** One rounding of v: half an ulp, at least the subnormal spacing (rounded up to 1 ulp). */
const rnd = (v: number) => Math.max(Math.abs(v) * EPS, Number.MIN_VALUE);

/** max |f'| over [a - 2E, a + 2E] (three samples); Infinity if it is not finite, or is
 *  large and varies more than 2x there (a singularity the samples may straddle). */
function worst(fp: (a: number) => number, a: number, E: number): number {
  const d0 = Math.abs(fp(a));
  if (E === 0) return Number.isFinite(d0) ? d0 : 0;
  const d1 = Math.abs(fp(a - 2 * E)), d2 = Math.abs(fp(a + 2 * E));
  const m = Math.max(d0, d1, d2), n = Math.min(d0, d1, d2);
  if (!Number.isFinite(m) || Number.isNaN(d1) || Number.isNaN(d2) || m > 2 * n + 1) return Infinity;
  return m;
}

/** Expression builders re-exported for fixed examples in tests. */
export { add, sub, mul, div, neg, pow, call, sym, rat, num };
