// Polynomials in named symbols with exact BigInt-rational coefficients: the coefficient
// ring of the exact Gaussian expectations (gaussian-exact.ts) when the covariance, the
// mean or the coefficients hold symbols (q, c, s, ...). Immutable; a term's key lists
// its symbols in name order, "q^2*s".

import { type Expr, type Num, sym, call, num, ONE, MINUS_ONE } from './expr.ts';
import { type Poly, polyAdd, polyMonomial, polyToExpr } from './poly.ts';
import {
  type BigRational, BIG_ONE, bigAdd, bigMul, bigIsZero, bigPow, bigToNum, bigToNumber, bigToString, bigLogAbs, bigRat,
} from './exact-rational.ts';

export interface BigTerm {
  /** symbols with positive exponents, by name */
  readonly vars: ReadonlyArray<readonly [string, number]>;
  readonly c: BigRational;
}

/** A polynomial: terms by key (immutable). */
export type BigPoly = ReadonlyMap<string, BigTerm>;

export const BP_ZERO: BigPoly = new Map();

function keyOf(vars: ReadonlyArray<readonly [string, number]>): string {
  let s = '';
  for (const [v, e] of vars) s += (s ? '*' : '') + (e === 1 ? v : `${v}^${e}`);
  return s;
}

export function bpConst(c: BigRational): BigPoly {
  return bigIsZero(c) ? BP_ZERO : new Map([['', { vars: [], c }]]);
}

export const BP_ONE: BigPoly = bpConst(BIG_ONE);

export function bpSym(name: string): BigPoly {
  return new Map([[name, { vars: [[name, 1] as const], c: BIG_ONE }]]);
}

export const bpIsZero = (a: BigPoly): boolean => a.size === 0;

/** The constant value, or undefined when a holds symbols. */
export function bpConstValue(a: BigPoly): BigRational | undefined {
  if (a.size === 0) return { n: 0n, d: 1n };
  if (a.size === 1) return a.get('')?.c;
  return undefined;
}

function addInto(m: Map<string, BigTerm>, key: string, vars: BigTerm['vars'], c: BigRational): void {
  const old = m.get(key);
  if (!old) { if (!bigIsZero(c)) m.set(key, { vars, c }); return; }
  const s = bigAdd(old.c, c);
  if (bigIsZero(s)) m.delete(key); else m.set(key, { vars: old.vars, c: s });
}

export function bpAdd(a: BigPoly, b: BigPoly): BigPoly {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const m = new Map(a);
  for (const [k, t] of b) addInto(m, k, t.vars, t.c);
  return m;
}

export function bpScale(a: BigPoly, c: BigRational): BigPoly {
  if (bigIsZero(c)) return BP_ZERO;
  if (c.n === 1n && c.d === 1n) return a;
  const m = new Map<string, BigTerm>();
  for (const [k, t] of a) m.set(k, { vars: t.vars, c: bigMul(t.c, c) });
  return m;
}

function mergeVars(x: BigTerm['vars'], y: BigTerm['vars']): Array<readonly [string, number]> {
  const out: Array<readonly [string, number]> = [];
  let i = 0, j = 0;
  while (i < x.length && j < y.length) {
    if (x[i][0] === y[j][0]) { out.push([x[i][0], x[i][1] + y[j][1]]); i++; j++; }
    else if (x[i][0] < y[j][0]) out.push(x[i++]);
    else out.push(y[j++]);
  }
  while (i < x.length) out.push(x[i++]);
  while (j < y.length) out.push(y[j++]);
  return out;
}

export function bpMul(a: BigPoly, b: BigPoly): BigPoly {
  if (a.size === 0 || b.size === 0) return BP_ZERO;
  const ca = bpConstValue(a);
  if (ca) return bpScale(b, ca);
  const cb = bpConstValue(b);
  if (cb) return bpScale(a, cb);
  const m = new Map<string, BigTerm>();
  for (const x of a.values()) {
    for (const y of b.values()) {
      const vars = mergeVars(x.vars, y.vars);
      addInto(m, keyOf(vars), vars, bigMul(x.c, y.c));
    }
  }
  return m;
}

export function bpPow(a: BigPoly, k: number): BigPoly {
  const c = bpConstValue(a);
  if (c) return bpConst(bigPow(c, k));
  let r = BP_ONE;
  for (let i = 0; i < k; i++) r = bpMul(r, a);
  return r;
}

/** Whether every coefficient fits an exact Num (at most MAX_EXACT_DIGITS digits). */
export function bpFitsNum(a: BigPoly): boolean {
  for (const t of a.values()) if (!bigToNum(t.c)) return false;
  return true;
}

/**
 * The polynomial as an Expr in the order of polyToExpr. Coefficients that fit are exact
 * Nums; others the nearest float, or beyond the f64 range ±exp(ln|c|) (an atom factor).
 */
export function bpToExpr(a: BigPoly): Expr {
  const parts: Poly[] = [];
  for (const t of a.values()) {
    const factors = t.vars.map(([v, e]) => ({ atom: sym(v) as Expr, exp: e }));
    const exact = bigToNum(t.c);
    let coeff: Num;
    if (exact) coeff = exact;
    else {
      const f = bigToNumber(t.c);
      if (Number.isFinite(f)) coeff = num(f);
      else {
        coeff = t.c.n < 0n ? MINUS_ONE : ONE;
        factors.push({ atom: call('exp', num(bigLogAbs(t.c))), exp: 1 });
      }
    }
    parts.push(polyMonomial(coeff, factors));
  }
  return polyToExpr(polyAdd(...parts));
}

/** Exact text: terms by total degree then name, e.g. "688905+306180*s+51030*s^2". */
export function bpToString(a: BigPoly): string {
  if (a.size === 0) return '0';
  const deg = (t: BigTerm) => t.vars.reduce((s, [, e]) => s + e, 0);
  const terms = [...a.entries()].sort((x, y) => deg(x[1]) - deg(y[1]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let s = '';
  for (const [k, t] of terms) {
    const neg = t.c.n < 0n;
    const mag = bigToString(neg ? bigRat(-t.c.n, t.c.d) : t.c);
    const coeff = k === '' ? mag : mag === '1' ? '' : `${t.c.d === 1n ? mag : `(${mag})`}*`;
    s += `${neg ? '-' : s ? '+' : ''}${coeff}${k}`;
  }
  return s;
}
