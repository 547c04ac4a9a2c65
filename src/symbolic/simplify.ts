// Our own simplifier: local exact identities, the polynomial normal form of poly.ts,
// merging of powers of positive bases, and cancellation of common polynomial factors.
//
// Contract: the result equals the input at every point where the input is defined
// (finite) in real f64 semantics. Identities that fail somewhere on the input's
// domain are never used: sqrt(x^2) is abs(x), not x; exp(log(x)) stays; x^a*x^b is
// merged only for bases known to be positive. Like the polynomial normal form
// (x/x = 1), cancellation may extend the domain at removable singularities.

import { ArgumentError } from '../core/index.ts';
import {
  type Expr, type Num, type FnName, ZERO, ONE, HALF, PI, add, mul, pow, neg, call, rat, num, bigNum,
  bigBitLength, numValue, numAbs, numCompare, isExact, isRational, equal, size, mapChildren, freeSymbols,
} from './expr.ts';
import { F64_FUNCTIONS, evaluate } from './evaluate.ts';
import { print } from './print.ts';
import {
  type Poly, expand, polyFromExpr, polyToExpr, polyAdd, polyMul, polyPow, polyConst, polyDivExact,
  polyTermFactors, polyMonomial, polyIsZero,
} from './poly.ts';

// ---------- sign knowledge ----------

/** e > 0 wherever it is defined (known structurally). */
export function isPositive(e: Expr): boolean {
  switch (e.kind) {
    case 'num': return e.p > 0;
    case 'const': return true;
    case 'sym': return false;
    case 'add': return e.terms.every(isNonNegative) && e.terms.some(isPositive);
    case 'mul': return e.factors.every(isPositive);
    case 'pow': return isPositive(e.base);
    case 'call':
      return e.fn === 'exp' || e.fn === 'sigmoid' || e.fn === 'softplus'
        || ((e.fn === 'min' || e.fn === 'max') && e.args.every(isPositive))
        || ((e.fn === 'relu' || e.fn === 'sqrt' || e.fn === 'abs') && isPositive(e.args[0]));
  }
}

/** e >= 0 wherever it is defined (known structurally). */
export function isNonNegative(e: Expr): boolean {
  if (isPositive(e)) return true;
  switch (e.kind) {
    case 'num': return e.p >= 0;
    case 'add': return e.terms.every(isNonNegative);
    case 'mul': return e.factors.every(isNonNegative);
    case 'pow':
      return isNonNegative(e.base) || (e.exp.kind === 'num' && isExact(e.exp) && e.exp.q === 1 && e.exp.p % 2 === 0);
    case 'call':
      return e.fn === 'sqrt' || e.fn === 'abs' || e.fn === 'relu' || e.fn === 'step' || e.fn === 'arccos'
        || ((e.fn === 'min' || e.fn === 'max') && e.args.every(isNonNegative));
    default: return false;
  }
}

/** Whether e prints with a leading minus (a negative number or coefficient). */
function looksNegative(e: Expr): boolean {
  return (e.kind === 'num' && e.p < 0) || (e.kind === 'mul' && e.factors[0].kind === 'num' && e.factors[0].p < 0);
}

// ---------- exact numbers ----------

/** Largest s with s^2 | n, for n a safe non-negative integer (trial division up to 10^5). */
function squarePart(n: number): { outside: number; inside: number } {
  let outside = 1, inside = n;
  for (let d = 2; d <= 100_000 && d * d <= inside; d++) {
    while (inside % (d * d) === 0) { inside /= d * d; outside *= d; }
  }
  return { outside, inside };
}

/** floor(sqrt(n)) for a BigInt n >= 0 (Newton's iteration from a power of two above it). */
function bigIsqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bigBitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** sqrt of an exact non-negative rational as (a/b)*sqrt(c) with c squarefree-ish integer. */
function exactSqrt(n: Num): Expr | undefined {
  if (n.big) {
    // the big form: exact only when numerator and denominator are perfect squares
    if (n.p < 0) return undefined;
    const a = bigIsqrt(n.big.num), b = bigIsqrt(n.big.den);
    return a * a === n.big.num && b * b === n.big.den ? bigNum(a, b) : undefined;
  }
  if (!isExact(n) || n.p < 0) return undefined;
  // sqrt(p/q) = sqrt(p q) / q
  const pq = n.p * n.q;
  if (!Number.isSafeInteger(pq)) return undefined;
  const { outside, inside } = squarePart(pq);
  const coeff = rat(outside, n.q);
  return inside === 1 ? coeff : mul(coeff, call('sqrt', rat(inside)));
}

const isInt = (e: Expr): e is Num => e.kind === 'num' && isExact(e) && e.q === 1;

/** k with e = k*pi/2 for an integer k, else undefined. */
function halfPiMultiple(e: Expr): number | undefined {
  if (e.kind === 'num' && e.p === 0) return 0;
  if (e.kind === 'const') return 2;
  if (e.kind === 'mul' && e.factors.length === 2 && e.factors[1].kind === 'const' && e.factors[0].kind === 'num') {
    const c = e.factors[0];
    if (isExact(c) && (c.q === 1 || c.q === 2)) return (c.p * 2) / c.q;
  }
  return undefined;
}

// ---------- local rewriting ----------

const ODD: ReadonlySet<FnName> = new Set(['sin', 'tanh', 'erf', 'arcsin']);

function foldCall(fn: FnName, args: readonly Expr[]): Expr | undefined {
  if (!args.every((a) => a.kind === 'num')) return undefined;
  const ns = args as readonly Num[];
  const exact = ns.every(isRational);
  const v = ns.map(numValue);
  if (exact) {
    const a = ns[0];
    switch (fn) {
      case 'abs': return numAbs(a);
      case 'relu': return a.p > 0 ? a : ZERO;
      case 'step': return a.p > 0 ? ONE : a.p < 0 ? ZERO : HALF;
      case 'min': return numCompare(ns[0], ns[1]) <= 0 ? ns[0] : ns[1];
      case 'max': return numCompare(ns[0], ns[1]) >= 0 ? ns[0] : ns[1];
      case 'sqrt': return exactSqrt(a);
      case 'exp': return a.p === 0 ? ONE : undefined;
      case 'log': return a.p === 1 && a.q === 1 ? ZERO : undefined;
      case 'sin': case 'tanh': case 'erf': case 'arcsin': return a.p === 0 ? ZERO : undefined;
      case 'cos': return a.p === 0 ? ONE : undefined;
      case 'sigmoid': return a.p === 0 ? HALF : undefined;
      case 'softplus': return a.p === 0 ? call('log', rat(2)) : undefined;
      case 'arccos':
        if (a.p === 1 && a.q === 1) return ZERO;
        if (a.p === 0) return mul(HALF, PI);
        if (a.p === -1 && a.q === 1) return PI;
        return undefined;
    }
  }
  // Any float argument: evaluate in f64 (like SymPy's evalf of a float argument).
  const r = F64_FUNCTIONS[fn](...v);
  return Number.isFinite(r) ? num(r) : undefined;
}

/** One rewrite at the root of e (children are already simplified). */
function rewrite(e: Expr): Expr {
  if (e.kind === 'call') {
    const folded = foldCall(e.fn, e.args);
    if (folded) return folded;
    const a = e.args[0];
    switch (e.fn) {
      case 'log':
        if (a.kind === 'call' && a.fn === 'exp') return a.args[0];
        break;
      case 'exp':
        if (a.kind === 'call' && a.fn === 'log' && isPositive(a.args[0])) return a.args[0];
        break;
      case 'abs':
        if (isNonNegative(a)) return a;
        if (looksNegative(a)) return rewrite(call('abs', neg(a)));
        if (a.kind === 'call' && ODD.has(a.fn) && looksNegative(a.args[0])) return rewrite(call('abs', call(a.fn, neg(a.args[0]))));
        break;
      case 'sqrt': {
        // sqrt(x^(2k)) = |x|^k
        if (a.kind === 'pow' && isInt(a.exp) && a.exp.p % 2 === 0) {
          return rewrite(pow(rewrite(call('abs', a.base)), rat(a.exp.p / 2)));
        }
        if (a.kind === 'mul' && a.factors[0].kind === 'num' && isExact(a.factors[0]) && a.factors[0].p > 0) {
          // sqrt((s^2 r/q^2) x) = (s/q) sqrt(r x) for a rational c = p/q > 0 (same domain)
          const c = a.factors[0];
          const pq = c.p * c.q;
          if (Number.isSafeInteger(pq)) {
            const { outside, inside } = squarePart(pq);
            if (outside !== c.q) return mul(rat(outside, c.q), call('sqrt', mul(rat(inside), ...a.factors.slice(1))));
          }
        }
        break;
      }
      case 'relu':
        if (isNonNegative(a)) return a;
        if (a.kind === 'call' && a.fn === 'relu') return a;
        break;
      case 'sin': case 'cos': {
        const k = halfPiMultiple(a);
        if (k !== undefined) {
          const m = ((k % 4) + 4) % 4;
          return e.fn === 'sin' ? rat([0, 1, 0, -1][m]) : rat([1, 0, -1, 0][m]);
        }
        if (looksNegative(a)) return e.fn === 'sin' ? neg(call('sin', neg(a))) : call('cos', neg(a));
        break;
      }
      case 'tanh': case 'erf': case 'arcsin':
        if (looksNegative(a)) return neg(call(e.fn, neg(a)));
        break;
      case 'min': case 'max':
        if (equal(e.args[0], e.args[1])) return e.args[0];
        break;
      default: break;
    }
    return e;
  }
  if (e.kind === 'pow') {
    const { base, exp } = e;
    if (base.kind === 'call' && base.fn === 'exp') return rewrite(call('exp', simplifyLocal(mul(base.args[0], exp))));
    if (base.kind === 'num' && exp.kind === 'num' && isRational(base) && isExact(exp) && exp.q === 2 && base.p > 0) {
      const r = exactSqrt(base);
      if (r && r.kind === 'num') return pow(r, rat(exp.p));
    }
    if (exp.kind === 'num' && isExact(exp) && exp.p === 1 && exp.q === 2) return rewrite(call('sqrt', base));
    if (base.kind === 'call' && base.fn === 'sqrt' && isInt(exp) && exp.p % 2 === 0 && isNonNegative(base.args[0])) {
      return pow(base.args[0], rat(exp.p / 2));
    }
    if (base.kind === 'call' && base.fn === 'abs' && isInt(exp) && exp.p % 2 === 0) return pow(base.args[0], exp);
    if (base.kind === 'pow' && exp.kind === 'num' && isExact(exp) && exp.q !== 1 && isInt(base.exp)
        && base.exp.p % exp.q === 0 && (base.exp.p / exp.q) % 2 === 0) {
      // (x^(2m))^(p/q) with q | 2m: = |x|^(2m p/q)
      return rewrite(pow(rewrite(call('abs', base.base)), rat((base.exp.p / exp.q) * exp.p)));
    }
    return e;
  }
  return e;
}

/** Children first, then the local identities at each node. */
function simplifyLocal(e: Expr): Expr {
  const s = mapChildren(e, simplifyLocal);
  return rewrite(s);
}

// ---------- merging powers of positive bases ----------

/** In every product: exp(a)*exp(b) -> exp(a+b), c^a*c^b -> c^(a+b) for c > 0 known. */
function mergePositivePowers(e: Expr): Expr {
  const s = mapChildren(e, mergePositivePowers);
  if (s.kind !== 'mul') return s;
  const out: Expr[] = [];
  const expArgs: Expr[] = [];
  const groups: Array<{ base: Expr; exps: Expr[] }> = [];
  for (const f of s.factors) {
    if (f.kind === 'call' && f.fn === 'exp') { expArgs.push(f.args[0]); continue; }
    if (f.kind === 'pow' && f.base.kind === 'call' && f.base.fn === 'exp') { expArgs.push(mul(f.base.args[0], f.exp)); continue; }
    const [b, k] = f.kind === 'pow' ? [f.base, f.exp] : [f, ONE];
    if (f.kind !== 'num' && isPositive(b)) {
      const g = groups.find((x) => equal(x.base, b));
      if (g) { g.exps.push(k); continue; }
      groups.push({ base: b, exps: [k] });
      continue;
    }
    out.push(f);
  }
  // sqrt(a)*sqrt(b) = sqrt(a*b) when a, b >= 0 (known)
  const roots = out.filter((f) => f.kind === 'call' && f.fn === 'sqrt' && isNonNegative(f.args[0]));
  if (roots.length > 1) {
    for (const r of roots) out.splice(out.indexOf(r), 1);
    out.push(call('sqrt', simplifyLocal(expand(mul(...roots.map((r) => (r as Extract<Expr, { kind: 'call' }>).args[0]))))));
  }
  // sqrt(a)^k*sqrt(b)^k = sqrt(a*b)^k for positive a, b
  const byExp = new Map<string, Array<{ base: Expr; exps: Expr[] }>>();
  for (const g of groups) {
    if (g.base.kind === 'call' && g.base.fn === 'sqrt' && g.exps.length === 1 && g.exps[0].kind === 'num') {
      const k = print(g.exps[0]);
      byExp.set(k, [...(byExp.get(k) ?? []), g]);
    }
  }
  for (const gs of byExp.values()) {
    if (gs.length < 2) continue;
    const args = gs.map((g) => (g.base as Extract<Expr, { kind: 'call' }>).args[0]);
    for (const g of gs.slice(1)) groups.splice(groups.indexOf(g), 1);
    gs[0].base = call('sqrt', simplifyLocal(expand(mul(...args))));
  }
  const merged = groups.map((g) => (g.exps.length === 1 ? pow(g.base, g.exps[0]) : pow(g.base, expand(add(...g.exps)))));
  if (expArgs.length > 1) merged.push(call('exp', expand(add(...expArgs))));
  else if (expArgs.length === 1) merged.push(call('exp', expArgs[0]));
  return mul(...out, ...merged);
}

// ---------- cancellation of common polynomial factors ----------

const MAX_CANCEL_TERMS = 2000;

/**
 * e over a common denominator with whole denominator factors cancelled where they
 * divide the numerator exactly: x/(x+y) + y/(x+y) -> 1, (x^2-1)/(x-1) -> 1+x.
 * Denominator factors are taken as they appear (not factored further). Returns e
 * unchanged when there is nothing to do or the numerator would be too large.
 */
export function cancel(e: Expr): Expr {
  const p = polyFromExpr(e);
  // denominator factors: key -> base polynomial and the highest multiplicity
  const dens = new Map<string, { base: Poly; baseExpr: Expr; mult: number }>();
  const denOf = (atom: Expr, exp: number): { key: string; baseExpr: Expr; mult: number } | undefined => {
    if (exp < 0) return { key: print(atom), baseExpr: atom, mult: -exp };
    if (atom.kind === 'pow' && atom.exp.kind === 'num' && atom.exp.p === -1 && atom.exp.q === 1) {
      return { key: print(atom.base), baseExpr: atom.base, mult: exp };
    }
    return undefined;
  };
  const terms = [...p.terms.values()].map((t) => polyTermFactors(t).map((f) => ({ ...f, den: denOf(f.atom, f.exp) })));
  for (const fs of terms) {
    for (const f of fs) {
      if (!f.den) continue;
      const old = dens.get(f.den.key);
      if (!old) dens.set(f.den.key, { base: polyFromExpr(f.den.baseExpr), baseExpr: f.den.baseExpr, mult: f.den.mult });
      else old.mult = Math.max(old.mult, f.den.mult);
    }
  }
  if (dens.size === 0) return e;
  // numerator: every term times the common denominator
  let numer = polyConst(0);
  const coeffs = [...p.terms.values()].map((t) => t.coeff);
  for (let i = 0; i < terms.length; i++) {
    let t = polyMonomial(coeffs[i], terms[i].filter((f) => !f.den).map(({ atom, exp }) => ({ atom, exp })));
    for (const [key, d] of dens) {
      const here = terms[i].find((f) => f.den?.key === key)?.den?.mult ?? 0;
      if (d.mult > here) t = polyMul(t, polyPow(d.base, d.mult - here));
    }
    numer = polyAdd(numer, t);
    if (numer.terms.size > MAX_CANCEL_TERMS) return e;
  }
  if (polyIsZero(numer)) return ZERO;
  for (const d of dens.values()) {
    while (d.mult > 0) {
      const q = polyDivExact(numer, d.base);
      if (!q) break;
      numer = q;
      d.mult--;
    }
  }
  const denominators = [...dens.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .filter(([, d]) => d.mult > 0).map(([, d]) => pow(d.baseExpr, rat(-d.mult)));
  return mul(polyToExpr(numer), ...denominators);
}

// ---------- common factors ----------

/**
 * A sum with the atom powers common to all its terms taken out:
 * exp(-x^2/2) - x^2*exp(-x^2/2) -> (1-x^2)*exp(-x^2/2). An exact identity.
 */
export function factorCommon(e: Expr): Expr {
  const p = polyFromExpr(e);
  if (p.terms.size < 2) return e;
  const ts = [...p.terms.values()];
  const common = new Map<string, { atom: Expr; exp: number }>();
  polyTermFactors(ts[0]).forEach((f) => common.set(print(f.atom), { ...f }));
  for (const t of ts.slice(1)) {
    const here = new Map(polyTermFactors(t).map((f) => [print(f.atom), f.exp] as [string, number]));
    for (const [k, c] of common) {
      const x = here.get(k);
      if (x === undefined || Math.sign(x) !== Math.sign(c.exp)) common.delete(k);
      else c.exp = c.exp > 0 ? Math.min(c.exp, x) : Math.max(c.exp, x);
    }
  }
  if (common.size === 0) return e;
  const g = [...common.values()];
  const inv = polyMonomial(ONE, g.map((f) => ({ atom: f.atom, exp: -f.exp })));
  const rest = polyToExpr(polyMul(p, inv));
  return mul(rest, ...g.map((f) => pow(f.atom, rat(f.exp))));
}

// ---------- the canonical form and simplify ----------

/**
 * A canonical form: local identities, full expansion, merged positive powers,
 * repeated to a fixed point (at most 4 rounds). Two expressions equal as
 * (generalised) polynomials over the same atoms get structurally equal forms.
 */
export function canonical(e: Expr): Expr {
  let cur = simplifyLocal(e);
  for (let i = 0; i < 4; i++) {
    const next = simplifyLocal(expand(mergePositivePowers(expand(cur))));
    if (equal(next, cur)) return cur;
    cur = next;
  }
  return cur;
}

function tryCancel(e: Expr): Expr | undefined {
  try { return cancel(e); } catch (err) {
    if (err instanceof ArgumentError || err instanceof RangeError) return undefined;
    throw err;
  }
}

/** The cancelled form's numerator expanded, its denominators kept as powers of sums. */
function canonicalOrSelf(e: Expr): Expr {
  return simplifyLocal(e);
}

/** Nodes counted. */
function cost(e: Expr): number { return size(e); }

/**
 * Simplify: the smallest (by node count) of the locally simplified expression, its
 * canonical expanded form, that form with common atom powers factored out, and that
 * form over a common denominator with common factors cancelled (ties go to the
 * canonical form). The result equals e wherever e is defined.
 */
export function simplify(e: Expr): Expr {
  const local = simplifyLocal(e);
  const canon = canonical(local);
  let best = canon;
  const consider = (c: Expr) => { if (cost(c) < cost(best)) best = c; };
  consider(local);
  consider(factorCommon(canon));
  const c = tryCancel(canon);
  if (c) consider(canonicalOrSelf(c));
  return best;
}

// ---------- zero tests ----------

export interface ZeroTest {
  readonly zero: boolean;
  /** 'symbolic': the canonical form is 0; 'numeric': decided by evaluation at random points. */
  readonly decidedBy: 'symbolic' | 'numeric';
  /** For a numeric 'not zero': a point where the value is clearly nonzero. */
  readonly witness?: Readonly<Record<string, number>>;
  readonly pointsChecked: number;
}

/** mulberry32: a small deterministic generator, so verdicts are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sum of the absolute values of e's top-level terms (a scale for rounding errors). */
function termScale(e: Expr, env: Record<string, number>): number {
  const ts = e.kind === 'add' ? e.terms : [e];
  let s = 0;
  for (const t of ts) s += Math.abs(evaluate(t, env));
  return s;
}

/**
 * Whether e is identically zero. First symbolically (canonical form is 0); else
 * numerically at up to 24 seeded random points where e is defined: zero when every
 * value is within 1e-9 of the scale of its terms (a heuristic relative tolerance,
 * well above f64 rounding for expressions of moderate size).
 */
export function zeroTest(e: Expr, opts: { points?: number; seed?: number } = {}): ZeroTest {
  let c: Expr;
  try { c = canonical(e); } catch (err) {
    if (!(err instanceof ArgumentError || err instanceof RangeError)) throw err;
    c = e;
  }
  if (!(c.kind === 'num')) c = tryCancel(c) ?? c;
  if (c.kind === 'num' && c.p === 0) return { zero: true, decidedBy: 'symbolic', pointsChecked: 0 };
  // a float constant may be rounding residue: only an exact nonzero number is decisive
  if (c.kind === 'num' && isRational(c)) return { zero: false, decidedBy: 'symbolic', pointsChecked: 0 };
  // numerically on the input itself (the canonical form may be defined on a larger domain)
  const vars = [...freeSymbols(e)].sort();
  const rand = rng(opts.seed ?? 0x5eed);
  const want = opts.points ?? 24;
  let checked = 0;
  const tries = vars.length === 0 ? 1 : want * 8;
  for (let k = 0; k < tries && checked < want; k++) {
    const env: Record<string, number> = Object.create(null);
    // alternate between [-2, 2] and (0, 3] so functions defined only for positive arguments get points
    for (const v of vars) env[v] = k % 2 ? 3 * rand() + 1e-3 : 4 * rand() - 2;
    const value = evaluate(e, env);
    if (!Number.isFinite(value)) continue;
    const scale = termScale(e, env);
    if (!Number.isFinite(scale)) continue;
    checked++;
    if (Math.abs(value) > 1e-9 * (1 + scale)) return { zero: false, decidedBy: 'numeric', witness: env, pointsChecked: checked };
  }
  return { zero: checked > 0, decidedBy: 'numeric', pointsChecked: checked };
}

/** zeroTest(e).zero: e is identically zero (symbolically, else numerically). */
export function isZero(e: Expr): boolean {
  return zeroTest(e).zero;
}

/** Whether a and b are equal as functions: zeroTest(a - b), with how it was decided. */
export function equivalence(a: Expr, b: Expr, opts: { points?: number; seed?: number } = {}): ZeroTest {
  return zeroTest(add(a, neg(b)), opts);
}

/** a and b are equal as functions (symbolically, else numerically at random points). */
export function equivalent(a: Expr, b: Expr): boolean {
  return equivalence(a, b).zero;
}
