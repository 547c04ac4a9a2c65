// Sparse multivariate (Laurent) polynomials with exact rational coefficients
// (floats where a coefficient is a float) over "atoms": symbols, pi, and every
// non-polynomial subexpression (calls, powers with non-integer or symbolic
// exponents, negative powers of sums). An atom is identified by a canonical key,
// print() of the atom after its children were expanded, and interned to a small
// integer id so monomial keys stay short.

import {
  type Expr, type Num, ZERO, ONE, MINUS_ONE, rat, numAdd, numMul, numPowInt, numEqual, isExact, isRational,
  add, mul, pow, call, dependsOn,
} from './expr.ts';
import { print } from './print.ts';
import { ArgumentError, InputError } from '../core/index.ts';

// ---------- atom table (process-wide, append-only) ----------

const atomIds = new Map<string, number>();
const atomExprs: Expr[] = [];
const atomKeys: string[] = [];

/** The id of an atom, interning it if new. `e` must already be normalised. */
function internAtom(e: Expr): number {
  const key = e.kind === 'sym' ? e.name : print(e);
  let id = atomIds.get(key);
  if (id === undefined) {
    id = atomExprs.length;
    atomIds.set(key, id);
    atomExprs.push(e);
    atomKeys.push(key);
  }
  return id;
}

// ---------- types ----------

/** One term: coeff * prod atom(ids[i])^exps[i]; ids strictly increasing, exps nonzero integers. */
export interface PolyTerm {
  readonly ids: readonly number[];
  readonly exps: readonly number[];
  readonly coeff: Num;
}

/** A polynomial: its terms keyed by monomial. Treat as immutable. */
export interface Poly {
  readonly terms: ReadonlyMap<string, PolyTerm>;
}

/** A term as atoms and exponents, for callers that walk a polynomial. */
export interface PolyTermView {
  readonly coeff: Num;
  readonly factors: ReadonlyArray<{ readonly atom: Expr; readonly key: string; readonly exp: number }>;
}

function monoKey(ids: readonly number[], exps: readonly number[]): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) s += (i ? ',' : '') + ids[i] + ':' + exps[i];
  return s;
}

function isZeroNum(n: Num): boolean { return n.p === 0; }

/** Adds c * monomial into a mutable term map. */
function accumulate(m: Map<string, PolyTerm>, key: string, ids: readonly number[], exps: readonly number[], c: Num): void {
  const old = m.get(key);
  if (old === undefined) {
    if (!isZeroNum(c)) m.set(key, { ids, exps, coeff: c });
    return;
  }
  const s = numAdd(old.coeff, c);
  if (isZeroNum(s)) m.delete(key);
  else m.set(key, { ids: old.ids, exps: old.exps, coeff: s });
}

const EMPTY: Poly = { terms: new Map() };

// ---------- constructors ----------

/** The constant polynomial n. */
export function polyConst(n: Num | number): Poly {
  const c = typeof n === 'number' ? rat(n) : n;
  if (isZeroNum(c)) return EMPTY;
  return { terms: new Map([['', { ids: [], exps: [], coeff: c }]]) };
}

/** The polynomial consisting of one atom (a symbol name, or any normalised Expr). */
export function polyAtom(atom: Expr | string, exp = 1): Poly {
  const e: Expr = typeof atom === 'string' ? { kind: 'sym', name: atom } : atom;
  if (exp === 0) return polyConst(ONE);
  const id = internAtom(e);
  return { terms: new Map([[monoKey([id], [exp]), { ids: [id], exps: [exp], coeff: ONE }]]) };
}

/** The polynomial x for a symbol name x. */
export const polyVar = (name: string): Poly => polyAtom(name);

// ---------- arithmetic ----------

/** a + b (any number of summands). */
export function polyAdd(...ps: Poly[]): Poly {
  if (ps.length === 0) return EMPTY;
  if (ps.length === 1) return ps[0];
  const m = new Map(ps[0].terms);
  for (let i = 1; i < ps.length; i++) {
    for (const [k, t] of ps[i].terms) accumulate(m, k, t.ids, t.exps, t.coeff);
  }
  return { terms: m };
}

/** c * p for a number c. */
export function polyScale(p: Poly, c: Num | number): Poly {
  const k = typeof c === 'number' ? rat(c) : c;
  if (isZeroNum(k)) return EMPTY;
  if (k.p === 1 && k.q === 1) return p;
  const m = new Map<string, PolyTerm>();
  for (const [key, t] of p.terms) {
    const s = numMul(t.coeff, k);
    if (!isZeroNum(s)) m.set(key, { ids: t.ids, exps: t.exps, coeff: s });
  }
  return { terms: m };
}

export const polyNeg = (p: Poly): Poly => polyScale(p, MINUS_ONE);
export const polySub = (a: Poly, b: Poly): Poly => polyAdd(a, polyNeg(b));

/** The product of two terms' monomials, accumulated into m. */
function mulInto(m: Map<string, PolyTerm>, a: PolyTerm, b: PolyTerm): void {
  const c = numMul(a.coeff, b.coeff);
  const ai = a.ids, ae = a.exps, bi = b.ids, be = b.exps;
  if (bi.length === 0) { accumulate(m, monoKey(ai, ae), ai, ae, c); return; }
  if (ai.length === 0) { accumulate(m, monoKey(bi, be), bi, be, c); return; }
  const ids: number[] = [], exps: number[] = [];
  let i = 0, j = 0, key = '';
  const push = (id: number, e: number) => {
    if (e === 0) return;
    key += (ids.length ? ',' : '') + id + ':' + e;
    ids.push(id); exps.push(e);
  };
  while (i < ai.length && j < bi.length) {
    if (ai[i] === bi[j]) { push(ai[i], ae[i] + be[j]); i++; j++; }
    else if (ai[i] < bi[j]) { push(ai[i], ae[i]); i++; }
    else { push(bi[j], be[j]); j++; }
  }
  for (; i < ai.length; i++) push(ai[i], ae[i]);
  for (; j < bi.length; j++) push(bi[j], be[j]);
  accumulate(m, key, ids, exps, c);
}

// ---------- expansion limits ----------

/** Most terms one expansion (an integer power of a sum) may produce; beyond it the power is refused with the estimate. */
export const MAX_POLY_TERMS = 200_000;
/** Most term-by-term products one polyMul may form (about 10–20 s of work). */
export const MAX_POLY_PRODUCTS = 20_000_000;

/** An expansion beyond MAX_POLY_TERMS / MAX_POLY_PRODUCTS (an input error: exit 2, with the estimate). */
export class PolyExpansionError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'PolyExpansionError';
  }
}

/** At most `max` characters of a polynomial's text, for messages. */
function shortText(p: Poly, max = 60): string {
  const text = print(polyToExpr(p));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** a * b (any number of factors). */
export function polyMul(...ps: Poly[]): Poly {
  if (ps.length === 0) return polyConst(ONE);
  let r = ps[0];
  for (let k = 1; k < ps.length; k++) {
    const b = ps[k];
    if (r.terms.size === 0 || b.terms.size === 0) return EMPTY;
    if (r.terms.size * b.terms.size > MAX_POLY_PRODUCTS) {
      throw new PolyExpansionError(`multiplying out polynomials of ${r.terms.size} and ${b.terms.size} terms needs ${r.terms.size * b.terms.size} products, above the limit ${MAX_POLY_PRODUCTS}`);
    }
    const m = new Map<string, PolyTerm>();
    for (const ta of r.terms.values()) for (const tb of b.terms.values()) mulInto(m, ta, tb);
    r = { terms: m };
  }
  return r;
}

/** A single-term polynomial's reciprocal, or undefined when p has several terms. */
function invertMonomial(p: Poly): Poly | undefined {
  if (p.terms.size !== 1) return undefined;
  const t = p.terms.values().next().value as PolyTerm;
  const exps = t.exps.map((e) => -e);
  return { terms: new Map([[monoKey(t.ids, exps), { ids: t.ids, exps, coeff: numPowInt(t.coeff, -1) }]]) };
}

/**
 * p^k for an integer k. Negative k is allowed when p is a single term, or p is
 * then kept as the atom (p)^-1 raised to |k|.
 */
export function polyPow(p: Poly, k: number): Poly {
  if (!Number.isSafeInteger(k)) throw new ArgumentError(`polyPow needs an integer exponent, got ${k}`);
  if (k === 0) return polyConst(ONE);
  if (k === 1) return p;
  if (k < 0) {
    if (p.terms.size === 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
    const inv = invertMonomial(p) ?? polyAtom(pow(polyToExpr(p), MINUS_ONE));
    return polyPow(inv, -k);
  }
  if (p.terms.size <= 1) {
    if (p.terms.size === 0) return EMPTY;
    const t = p.terms.values().next().value as PolyTerm;
    const exps = t.exps.map((e) => e * k);
    return { terms: new Map([[monoKey(t.ids, exps), { ids: t.ids, exps, coeff: numPowInt(t.coeff, k) }]]) };
  }
  const bound = powTermBound(p, k);
  if (bound > MAX_POLY_TERMS) {
    throw new PolyExpansionError(`expanding (${shortText(p)})^${k} would give up to ${bound >= 1e15 ? bound.toExponential(1) : bound} terms, above the limit ${MAX_POLY_TERMS}`);
  }
  const ts = [...p.terms.values()];
  if (disjointAtoms(ts)) return multinomialPow(ts, k);
  // Repeated multiplication by the (small) base beats squaring for sparse inputs.
  let r = p;
  for (let i = 1; i < k; i++) r = polyMul(r, p);
  return r;
}

/**
 * An upper bound on the number of terms of p^k (p with t ≥ 2 terms): the number of
 * ways to pick k of the t terms with repetition, C(k + t − 1, t − 1), and the number of
 * exponent vectors in the box the result's exponents lie in, Π_atoms (k·(max − min) + 1)
 * (min and max of the atom's exponent over p's terms, 0 for a term without it).
 */
export function powTermBound(p: Poly, k: number): number {
  const ts = [...p.terms.values()];
  const t = ts.length;
  if (t <= 1 || k <= 1) return t;
  // C(k + t − 1, t − 1) as a float (it only has to be compared with the limit)
  let choose = 1;
  const r = Math.min(t - 1, k);
  for (let i = 1; i <= r && choose <= 1e300; i++) choose = (choose * (k + t - 1 - r + i)) / i;
  const lo = new Map<number, number>(), hi = new Map<number, number>();
  for (const term of ts) {
    term.ids.forEach((id, i) => {
      lo.set(id, Math.min(lo.get(id) ?? 0, term.exps[i]));
      hi.set(id, Math.max(hi.get(id) ?? 0, term.exps[i]));
    });
  }
  let box = 1;
  for (const [id, l] of lo) {
    box *= k * (hi.get(id)! - l) + 1;
    if (box > 1e300) break;
  }
  return Math.round(Math.min(choose, box));
}

/** Whether no atom appears in two of the terms (then distinct choices give distinct monomials). */
function disjointAtoms(ts: readonly PolyTerm[]): boolean {
  const seen = new Set<number>();
  for (const t of ts) {
    for (const id of t.ids) {
      if (seen.has(id)) return false;
      seen.add(id);
    }
  }
  return true;
}

/**
 * (Σ_i c_i m_i)^k = Σ_{|α| = k} k!/(α_1!⋯α_t!) Π_i c_i^{α_i} m_i^{α_i}, by counting: every
 * composition α of k into t parts once, the multinomial coefficient as a product of
 * binomials built incrementally, no intermediate products. Only for terms whose atoms
 * are disjoint, so that each α gives its own monomial.
 */
function multinomialPow(ts: readonly PolyTerm[], k: number): Poly {
  const t = ts.length;
  const m = new Map<string, PolyTerm>();
  const alpha = new Array<number>(t).fill(0);
  const emit = (coeff: Num) => {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < t; i++) {
      if (alpha[i] === 0) continue;
      const term = ts[i];
      for (let j = 0; j < term.ids.length; j++) pairs.push([term.ids[j], term.exps[j] * alpha[i]]);
    }
    pairs.sort((x, y) => x[0] - y[0]);
    const ids = pairs.map((x) => x[0]), exps = pairs.map((x) => x[1]);
    accumulate(m, monoKey(ids, exps), ids, exps, coeff);
  };
  const rec = (i: number, left: number, coeff: Num) => {
    if (i === t - 1) {
      alpha[i] = left;
      emit(numMul(coeff, numPowInt(ts[i].coeff, left)));
      return;
    }
    // binom(left, a) for a = left, left − 1, …, 0: b ← b·a/(left − a + 1)
    let b: Num = ONE;
    for (let a = left; a >= 0; a--) {
      alpha[i] = a;
      rec(i + 1, left - a, numMul(numMul(coeff, b), numPowInt(ts[i].coeff, a)));
      if (a > 0) b = numMul(b, rat(a, left - a + 1));
    }
    alpha[i] = 0;
  };
  rec(0, k, ONE);
  return { terms: m };
}

/** Whether every coefficient is an exact rational (no float from a literal or an overflow). */
export function polyIsExact(p: Poly): boolean {
  for (const t of p.terms.values()) if (!isRational(t.coeff)) return false;
  return true;
}

// ---------- queries ----------

export const polyIsZero = (p: Poly): boolean => p.terms.size === 0;

/** The constant value of p if p has no atoms, else undefined. */
export function polyConstValue(p: Poly): Num | undefined {
  if (p.terms.size === 0) return ZERO;
  if (p.terms.size === 1) {
    const t = p.terms.get('');
    if (t) return t.coeff;
  }
  return undefined;
}

/** Same terms and coefficients. */
export function polyEqual(a: Poly, b: Poly): boolean {
  if (a.terms.size !== b.terms.size) return false;
  for (const [k, t] of a.terms) {
    const u = b.terms.get(k);
    if (!u || !numEqual(u.coeff, t.coeff)) return false;
  }
  return true;
}

/** The terms in output order, as atoms and exponents. */
export function polyTerms(p: Poly): PolyTermView[] {
  return sortedTerms(p).map((t) => ({
    coeff: t.coeff,
    factors: t.f.map(([id, exp]) => ({ atom: atomExprs[id], key: atomKeys[id], exp })),
  }));
}

/** The highest exponent of atom `name` (a symbol) in p; 0 when absent. */
export function polyDegree(p: Poly, name: string): number {
  const id = atomIds.get(name);
  if (id === undefined) return 0;
  let d = 0;
  for (const t of p.terms.values()) {
    const i = t.ids.indexOf(id);
    if (i >= 0 && t.exps[i] > d) d = t.exps[i];
  }
  return d;
}

// ---------- ordering and conversion to Expr ----------

interface SortedTerm { coeff: Num; f: Array<[number, number]>; deg: number }

/** Graded order: constant first, then total degree ascending, then lex on atom keys
 *  (the one with the higher exponent of the first differing atom first). */
function compareMonomials(a: SortedTerm, b: SortedTerm): number {
  const ca = a.f.length === 0, cb = b.f.length === 0;
  if (ca || cb) return ca === cb ? 0 : ca ? -1 : 1;
  if (a.deg !== b.deg) return a.deg - b.deg;
  let i = 0, j = 0;
  while (i < a.f.length || j < b.f.length) {
    const ka = i < a.f.length ? atomKeys[a.f[i][0]] : undefined;
    const kb = j < b.f.length ? atomKeys[b.f[j][0]] : undefined;
    if (ka !== undefined && kb !== undefined && ka === kb) {
      if (a.f[i][1] !== b.f[j][1]) return b.f[j][1] - a.f[i][1];
      i++; j++;
    } else if (kb === undefined || (ka !== undefined && ka < kb)) {
      return a.f[i][1] > 0 ? -1 : 1;
    } else {
      return b.f[j][1] > 0 ? 1 : -1;
    }
  }
  return 0;
}

function sortedTerms(p: Poly): SortedTerm[] {
  const ts: SortedTerm[] = [];
  for (const t of p.terms.values()) {
    const f: Array<[number, number]> = t.ids.map((id, i) => [id, t.exps[i]]);
    f.sort((x, y) => (atomKeys[x[0]] < atomKeys[y[0]] ? -1 : atomKeys[x[0]] > atomKeys[y[0]] ? 1 : 0));
    let deg = 0;
    for (const e of t.exps) deg += e;
    ts.push({ coeff: t.coeff, f, deg });
  }
  return ts.sort(compareMonomials);
}

/** The polynomial as an Expr, terms in the deterministic output order. */
export function polyToExpr(p: Poly): Expr {
  return polyToExprFlagged(p).expr;
}

/** Also says whether printing merged a power of an atom into a different atom (e.g.
 *  (x^(1/4))^2 = x^(1/2)), so that expanding the result again would re-key it. */
function polyToExprFlagged(p: Poly): { expr: Expr; reducible: boolean } {
  const ts = sortedTerms(p);
  let reducible = false;
  // within a term, negative powers go last so the term prints as a quotient
  const ordered = (f: Array<[number, number]>) => (f.some(([, e]) => e < 0) ? [...f.filter(([, e]) => e > 0), ...f.filter(([, e]) => e < 0)] : f);
  const expr = add(...ts.map((t) => mul(t.coeff, ...ordered(t.f).map(([id, e]) => {
    const a = atomExprs[id];
    const r = pow(a, rat(e));
    if (e !== 1 && a.kind === 'pow' && !(r.kind === 'pow' && r.base === a)) {
      // The constructor merged (b^r)^e into b^(r e). That is the same atom on re-expansion
      // for 1/(sum) and for roots b^(1/q) with gcd(e, q) = 1; otherwise flag it.
      const k = a.exp;
      const sameAtom = k.kind === 'num' && isExact(k)
        && ((k.p === -1 && k.q === 1 && a.base.kind === 'add') || (k.p === 1 && gcd(e, k.q) === 1));
      if (!sameAtom) reducible = true;
    }
    return r;
  }))));
  return { expr, reducible };
}

function gcd(a: number, b: number): number {
  a = Math.abs(a); b = Math.abs(b);
  while (b) { const t = a % b; a = b; b = t; }
  return a;
}

// ---------- conversion from Expr ----------

const MAX_EXPAND_POWER = 10_000;

/** e as a polynomial over its atoms, expanding products and integer powers. */
export function polyFromExpr(e: Expr): Poly {
  switch (e.kind) {
    case 'num': return polyConst(e);
    case 'sym': return polyAtom(e);
    case 'const': return polyAtom(e);
    case 'add': return polyAdd(...e.terms.map(polyFromExpr));
    case 'mul': return polyMul(...e.factors.map(polyFromExpr));
    case 'call': return polyAtom(call(e.fn, ...e.args.map(expand)));
    case 'pow': {
      const base = polyFromExpr(e.base);
      const ex = polyFromExpr(e.exp);
      const k = polyConstValue(ex);
      if (k !== undefined && isExact(k) && Math.abs(k.p) <= MAX_EXPAND_POWER) {
        if (k.q === 1) return polyPow(base, k.p);
        if (k.p < 0 && polyIsZero(base)) throw new ArgumentError('division by zero: 0 raised to a negative power');
        // b^(p/q) = (b^(1/q))^p (same real domain), so roots of one base combine.
        return polyPow(polyAtom(pow(polyToExpr(base), rat(1, k.q))), k.p);
      }
      const b = polyConstValue(base);
      if (b !== undefined && b.p === 1 && b.q === 1) return polyConst(ONE);
      return polyAtom(pow(polyToExpr(base), k ?? polyToExpr(ex)));
    }
  }
}

/** Full expansion with like terms collected; atoms' arguments are expanded too. */
export function expand(e: Expr): Expr {
  const r = polyToExprFlagged(polyFromExpr(e));
  // one more pass re-normalises roots such as (x^(1/4))^2 = x^(1/2); it is then stable
  return r.reducible ? polyToExpr(polyFromExpr(r.expr)) : r.expr;
}

// ---------- polynomial in chosen variables ----------

/** e is not polynomial in the requested variables; `offending` is the culprit. */
export class NotPolynomialError extends InputError {
  constructor(readonly offending: Expr, readonly vars: readonly string[], reason: string) {
    super(`not a polynomial in ${vars.join(', ')}: ${print(offending)} ${reason}`);
    this.name = 'NotPolynomialError';
  }
}

/** e as a polynomial in `vars`, with coefficients free of them. */
export interface PolyIn {
  readonly vars: readonly string[];
  /** Distinct exponent vectors (aligned with vars), constant first, then by total degree. */
  readonly terms: ReadonlyArray<{ readonly exps: number[]; readonly coeff: Expr }>;
}

/**
 * e as a polynomial in the named variables with Expr coefficients free of them.
 * Throws NotPolynomialError naming the offending subexpression (exp(u), u^(1/2), 1/u, ...).
 */
export function polyIn(e: Expr, vars: readonly string[]): PolyIn {
  const p = polyFromExpr(e);
  const varIndex = new Map<number, number>();
  vars.forEach((v, i) => varIndex.set(internAtom({ kind: 'sym', name: v }), i));
  const groups = new Map<string, { exps: number[]; coeff: Map<string, PolyTerm> }>();
  for (const t of p.terms.values()) {
    const exps = new Array<number>(vars.length).fill(0);
    const ids: number[] = [], es: number[] = [];
    t.ids.forEach((id, i) => {
      const vi = varIndex.get(id);
      if (vi !== undefined) {
        if (t.exps[i] < 0) {
          throw new NotPolynomialError(pow(atomExprs[id], rat(t.exps[i])), vars, `has a negative power of ${vars[vi]}`);
        }
        exps[vi] = t.exps[i];
      } else {
        const atom = atomExprs[id];
        const bad = vars.find((v) => dependsOn(atom, v));
        if (bad !== undefined) throw new NotPolynomialError(atom, vars, `depends on ${bad} non-polynomially`);
        ids.push(id); es.push(t.exps[i]);
      }
    });
    const gk = exps.join(',');
    let g = groups.get(gk);
    if (!g) { g = { exps, coeff: new Map() }; groups.set(gk, g); }
    accumulate(g.coeff, monoKey(ids, es), ids, es, t.coeff);
  }
  const terms = [...groups.values()]
    .filter((g) => g.coeff.size > 0)
    .map((g) => ({ exps: g.exps, coeff: polyToExpr({ terms: g.coeff }) }));
  const deg = (x: number[]) => x.reduce((s, v) => s + v, 0);
  terms.sort((a, b) => {
    const d = deg(a.exps) - deg(b.exps);
    if (d) return d;
    for (let i = 0; i < a.exps.length; i++) if (a.exps[i] !== b.exps[i]) return b.exps[i] - a.exps[i];
    return 0;
  });
  return { vars, terms };
}

/** Rebuilds the Expr sum of coeff * prod vars^exps from a PolyIn. */
export function fromPolyIn(p: PolyIn): Expr {
  return add(...p.terms.map((t) => mul(t.coeff, ...t.exps.map((k, i) => pow({ kind: 'sym', name: p.vars[i] }, rat(k))))));
}

// ---------- exact division ----------

/** Lex comparison of two monomials on atom ids (a monomial order, used for division). */
function lexCompare(a: PolyTerm, b: PolyTerm): number {
  let i = 0, j = 0;
  while (i < a.ids.length || j < b.ids.length) {
    const ia = i < a.ids.length ? a.ids[i] : Infinity, ib = j < b.ids.length ? b.ids[j] : Infinity;
    if (ia === ib) {
      if (a.exps[i] !== b.exps[j]) return a.exps[i] - b.exps[j];
      i++; j++;
    } else if (ia < ib) return a.exps[i];
    else return -b.exps[j];
  }
  return 0;
}

function leadingTerm(p: Poly): PolyTerm | undefined {
  let best: PolyTerm | undefined;
  for (const t of p.terms.values()) if (!best || lexCompare(t, best) > 0) best = t;
  return best;
}

/** t / u for monomials, or undefined when some exponent would become negative. */
function divideTerm(t: PolyTerm, u: PolyTerm): PolyTerm | undefined {
  const ids: number[] = [], exps: number[] = [];
  let j = 0;
  for (let i = 0; i < t.ids.length; i++) {
    while (j < u.ids.length && u.ids[j] < t.ids[i]) {
      if (u.exps[j] > 0) return undefined;
      j++;
    }
    let e = t.exps[i];
    if (j < u.ids.length && u.ids[j] === t.ids[i]) { e -= u.exps[j]; j++; }
    if (e < 0 && t.exps[i] >= 0) return undefined;
    if (e !== 0) { ids.push(t.ids[i]); exps.push(e); }
  }
  for (; j < u.ids.length; j++) if (u.exps[j] > 0) return undefined;
  return { ids, exps, coeff: numMul(t.coeff, numPowInt(u.coeff, -1)) };
}

/** Per atom id, the range of each atom's exponent over a polynomial's terms (0 where absent). */
function exponentRanges(p: Poly): Map<number, [number, number]> {
  const ranges = new Map<number, [number, number]>();
  for (const t of p.terms.values()) for (const id of t.ids) if (!ranges.has(id)) ranges.set(id, [0, 0]);
  for (const [id, range] of ranges) {
    let lo = Infinity, hi = -Infinity;
    for (const t of p.terms.values()) {
      const i = t.ids.indexOf(id), e = i < 0 ? 0 : t.exps[i];
      if (e < lo) lo = e;
      if (e > hi) hi = e;
    }
    range[0] = lo; range[1] = hi;
  }
  return ranges;
}

/** The exponent box of q in n = q·d, per atom of n or d: [min n − min d, max n − max d]. */
function quotientBox(n: Poly, d: Poly): Map<number, [number, number]> {
  const rn = exponentRanges(n), rd = exponentRanges(d);
  const box = new Map<number, [number, number]>();
  for (const id of new Set([...rn.keys(), ...rd.keys()])) {
    const a = rn.get(id) ?? [0, 0], b = rd.get(id) ?? [0, 0];
    box.set(id, [a[0] - b[0], a[1] - b[1]]);
  }
  return box;
}

function insideBox(t: PolyTerm, box: Map<number, [number, number]>): boolean {
  for (const [id, [lo, hi]] of box) {
    const i = t.ids.indexOf(id), e = i < 0 ? 0 : t.exps[i];
    if (e < lo || e > hi) return false;
  }
  return true;
}

/**
 * n / d when d divides n exactly as polynomials over their atoms (exact rational
 * coefficients only), else undefined. `maxSteps` bounds the work.
 */
export function polyDivExact(n: Poly, d: Poly, maxSteps = 10_000): Poly | undefined {
  const ld = leadingTerm(d);
  if (!ld) throw new ArgumentError('division by the zero polynomial');
  const exactCoeffs = (p: Poly) => [...p.terms.values()].every((t) => isRational(t.coeff));
  if (!exactCoeffs(n) || !exactCoeffs(d)) return undefined;
  // n = q·d exactly gives, atom by atom, min exp(n) = min exp(q) + min exp(d) and the same
  // for max (an absent atom has exponent 0): a quotient term outside that box proves d ∤ n.
  // The box also ends the division where exponents may be negative, whose leading terms
  // could otherwise descend without end (with ever longer exact coefficients).
  const box = quotientBox(n, d);
  let r = n;
  const q = new Map<string, PolyTerm>();
  for (let step = 0; r.terms.size > 0; step++) {
    if (step >= maxSteps) return undefined;
    const lr = leadingTerm(r)!;
    const t = divideTerm(lr, ld);
    if (!t || !insideBox(t, box)) return undefined;
    const tp: Poly = { terms: new Map([[monoKey(t.ids, t.exps), t]]) };
    accumulate(q, monoKey(t.ids, t.exps), t.ids, t.exps, t.coeff);
    r = polySub(r, polyMul(tp, d));
  }
  return { terms: q };
}

/** The atoms and exponents of a term, and the interned atom of an Expr (for callers
 *  that rebuild polynomials, such as cancellation in simplify). */
export function polyTermFactors(t: PolyTerm): Array<{ atom: Expr; exp: number }> {
  return t.ids.map((id, i) => ({ atom: atomExprs[id], exp: t.exps[i] }));
}

/** A single-term polynomial from a coefficient and atom powers. */
export function polyMonomial(coeff: Num, factors: ReadonlyArray<{ atom: Expr; exp: number }>): Poly {
  let p = polyConst(coeff);
  for (const f of factors) p = polyMul(p, polyAtom(f.atom, f.exp));
  return p;
}
