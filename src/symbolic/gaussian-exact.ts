// Exact Gaussian expectations of polynomials with rational numbers, by counting
// instead of expanding (issue 15: E[(a+b+…+j)^8] over 10 variables built the full
// 24 310-term product and ran for minutes; E[u^100] = 99!! came back as a float
// marked exact; E[u^200 v^200] overflowed).
//
// For x ~ N(μ, Σ) and e a polynomial in x, with every number an exact rational and any
// other symbols (q, c, s, ...) entering polynomially (coefficients, Σ and μ are then
// polynomials in them with BigInt-rational coefficients, big-poly.ts), e is read as a sum of products of powers of affine forms
// L_j = a_j·x + b_j, keeping every affine subexpression (a+b+…+j, u, 2u − v + 1)
// whole instead of expanding it. Writing L_j = m_j + Y_j with m_j = a_j·μ + b_j and
// Y_j = a_j·(x − μ), the Y_j are jointly Gaussian with covariance C_jl = a_jᵀ Σ a_l, so
//   E[Π_j L_j^{k_j}] = Σ_{i ≤ k} Π_j binom(k_j, i_j) m_j^{k_j − i_j} · E[Π_j Y_j^{i_j}],
// and E[Y^i] comes from Isserlis' recursion on the small covariance C,
//   E[Y_p Y^{i'}] = Σ_l C_pl i'_l E[Y^{i' − e_l}],
// memoised on the exponent vector, exactly. (a+…+j)^8 is then one form with
// variance 10: 7!!·10^4 = 1 050 000, at once.

import { type Expr, type Num, call, mul, num, isRational, MINUS_ONE } from './expr.ts';
import { InputError } from '../core/index.ts';
import {
  type BigRational, bigRat, bigFromNum, bigToNum, bigToNumber, bigLogAbs,
} from './exact-rational.ts';
import {
  type BigPoly, BP_ZERO, BP_ONE, bpConst, bpSym, bpAdd, bpMul, bpPow, bpScale, bpIsZero, bpConstValue,
  bpFitsNum, bpToExpr, bpToString,
} from './big-poly.ts';

/** Most product terms the structural (unexpanded) reading of e may have. */
export const MAX_EXACT_TERMS = 100_000;
/** Most exponent states E[Y^i] one term may need (Π_j (k_j + 1) over its forms). */
export const MAX_EXACT_STATES = 2_000_000;
/** Largest total degree of one product term. */
export const MAX_EXACT_DEGREE = 4096;

/** Work beyond the documented limits of the exact path (exit 2, with the estimate). */
export class ExactExpectationLimitError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ExactExpectationLimitError';
  }
}

/** An affine form a·x + b (a over the Gaussian variables; coefficients free of them). */
interface Affine { readonly a: readonly BigPoly[]; readonly b: BigPoly }

/** c · Π_j forms[j]^powers[j] (forms by key). */
interface ProductTerm { readonly coeff: BigPoly; readonly powers: ReadonlyMap<string, number> }

const isConstForm = (f: Affine): boolean => f.a.every(bpIsZero);

/** Not applicable: not a polynomial in the variables with exact rational numbers only. */
class NotApplicable extends Error {}

function affineKey(f: Affine): string {
  return `${f.a.map(bpToString).join(',')}|${bpToString(f.b)}`;
}

/** e read as Σ c Π L_j^{k_j}; forms collects the affine forms by key. */
class Reader {
  readonly forms = new Map<string, Affine>();
  constructor(private readonly vars: readonly string[]) {}

  /** e as an affine form, or undefined when e is not affine (degree > 1) but may be a polynomial. */
  private affine(e: Expr): Affine | undefined {
    const d = this.vars.length;
    const zeros = () => new Array<BigPoly>(d).fill(BP_ZERO);
    switch (e.kind) {
      case 'num': {
        const v = bigFromNum(e);
        if (!v) throw new NotApplicable(); // a float
        return { a: zeros(), b: bpConst(v) };
      }
      case 'sym': {
        const i = this.vars.indexOf(e.name);
        if (i < 0) return { a: zeros(), b: bpSym(e.name) }; // another symbol: a coefficient
        const a = zeros();
        a[i] = BP_ONE;
        return { a, b: BP_ZERO };
      }
      case 'add': {
        const parts = e.terms.map((t) => this.affine(t));
        if (parts.some((p) => p === undefined)) return undefined;
        return (parts as Affine[]).reduce((s, p) => ({ a: s.a.map((x, i) => bpAdd(x, p.a[i])), b: bpAdd(s.b, p.b) }));
      }
      case 'mul': {
        // affine when at most one factor depends on the variables and that one is affine
        let c = BP_ONE;
        let lin: Affine | undefined;
        for (const f of e.factors) {
          const p = this.affine(f);
          if (!p) return undefined;
          if (isConstForm(p)) { c = bpMul(c, p.b); continue; }
          if (lin) return undefined;
          lin = p;
        }
        if (!lin) return { a: zeros(), b: c };
        return { a: lin.a.map((x) => bpMul(x, c)), b: bpMul(lin.b, c) };
      }
      case 'pow': {
        const k = this.intExponent(e.exp);
        if (k === 0) return { a: zeros(), b: BP_ONE };
        const base = this.affine(e.base);
        if (k === 1) return base;
        if (base && isConstForm(base)) {
          if (k > MAX_EXACT_DEGREE) throw new ExactExpectationLimitError(`a power ${k} is above the limit ${MAX_EXACT_DEGREE}`);
          return { a: base.a, b: bpPow(base.b, k) };
        }
        return undefined;
      }
      default:
        throw new NotApplicable(); // pi, functions
    }
  }

  private intExponent(x: Expr): number {
    if (x.kind !== 'num' || x.q !== 1 || !Number.isSafeInteger(x.p) || x.p < 0) throw new NotApplicable();
    return x.p;
  }

  private termOfForm(f: Affine, power: number): ProductTerm[] {
    if (isConstForm(f)) return [{ coeff: bpPow(f.b, power), powers: new Map() }];
    const key = affineKey(f);
    if (!this.forms.has(key)) this.forms.set(key, f);
    return [{ coeff: BP_ONE, powers: new Map([[key, power]]) }];
  }

  /** An expression free of the variables as a coefficient polynomial (cov and mean entries). */
  coefficient(e: Expr): BigPoly {
    const f = this.affine(e);
    if (!f || !isConstForm(f)) throw new NotApplicable();
    return f.b;
  }

  /** e as a list of product terms (bounded by MAX_EXACT_TERMS). */
  terms(e: Expr): ProductTerm[] {
    const aff = this.affine(e);
    if (aff) return this.termOfForm(aff, 1);
    switch (e.kind) {
      case 'add': return collect(e.terms.flatMap((t) => this.terms(t)));
      case 'mul': return e.factors.map((f) => this.terms(f)).reduce((acc, t) => multiply(acc, t));
      case 'pow': {
        const k = this.intExponent(e.exp);
        const base = this.affine(e.base);
        if (base) return this.termOfForm(base, k);
        const ts = this.terms(e.base);
        let r: ProductTerm[] = [{ coeff: BP_ONE, powers: new Map() }];
        for (let i = 0; i < k; i++) r = multiply(r, ts);
        return r;
      }
      default: throw new NotApplicable();
    }
  }
}

function powersKey(p: ReadonlyMap<string, number>): string {
  return [...p.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([k, v]) => `${k}^${v}`).join('*');
}

function collect(ts: ProductTerm[]): ProductTerm[] {
  const m = new Map<string, ProductTerm>();
  for (const t of ts) {
    const k = powersKey(t.powers);
    const old = m.get(k);
    m.set(k, old ? { coeff: bpAdd(old.coeff, t.coeff), powers: old.powers } : t);
  }
  return [...m.values()].filter((t) => !bpIsZero(t.coeff));
}

function multiply(a: ProductTerm[], b: ProductTerm[]): ProductTerm[] {
  if (a.length * b.length > MAX_EXACT_TERMS) {
    throw new ExactExpectationLimitError(`the expectation needs ${a.length}×${b.length} = ${a.length * b.length} product terms, above the limit ${MAX_EXACT_TERMS}`);
  }
  const out: ProductTerm[] = [];
  for (const x of a) {
    for (const y of b) {
      const powers = new Map(x.powers);
      for (const [k, v] of y.powers) powers.set(k, (powers.get(k) ?? 0) + v);
      out.push({ coeff: bpMul(x.coeff, y.coeff), powers });
    }
  }
  return collect(out);
}

/** binom(k, i) for i = 0..k. */
function binomials(k: number): bigint[] {
  const out: bigint[] = [1n];
  for (let i = 1; i <= k; i++) out.push((out[i - 1] * BigInt(k - i + 1)) / BigInt(i));
  return out;
}

/** E[Y^i] for Y ~ N(0, C) (Isserlis recursion, memoised on the exponent vector). */
class CentredMoments {
  private readonly memo = new Map<string, BigPoly>();
  constructor(private readonly C: readonly (readonly BigPoly[])[]) {}

  moment(i: readonly number[]): BigPoly {
    let total = 0;
    for (const x of i) total += x;
    if (total % 2 === 1) return BP_ZERO;
    return this.get(i);
  }

  /** Depth-first with an explicit stack (no recursion limit): a state is evaluated once all the states it needs are memoised. */
  private get(i: readonly number[]): BigPoly {
    const key = i.join(',');
    const hit = this.memo.get(key);
    if (hit) return hit;
    const stack: number[][] = [i.slice()];
    while (stack.length) {
      const cur = stack[stack.length - 1];
      const ck = cur.join(',');
      if (this.memo.has(ck)) { stack.pop(); continue; }
      const p = cur.findIndex((x) => x > 0);
      let total = 0;
      for (const x of cur) total += x;
      if (p < 0) { this.memo.set(ck, BP_ONE); stack.pop(); continue; }
      if (total % 2 === 1) { this.memo.set(ck, BP_ZERO); stack.pop(); continue; }
      const rest = cur.slice();
      rest[p]--;
      let pending = false;
      let sum = BP_ZERO;
      for (let l = 0; l < rest.length; l++) {
        if (rest[l] === 0 || bpIsZero(this.C[p][l])) continue;
        const lower = rest.slice();
        lower[l]--;
        const v = this.memo.get(lower.join(','));
        if (v === undefined) { stack.push(lower); pending = true; continue; }
        if (!pending) sum = bpAdd(sum, bpMul(bpScale(this.C[p][l], bigRat(rest[l])), v));
      }
      if (pending) continue;
      this.memo.set(ck, sum);
      stack.pop();
    }
    return this.memo.get(key)!;
  }
}

/** The exact value of an expectation, with its f64 views. */
export interface ExactExpectation {
  /** the exact value: a polynomial in the symbols other than the variables (a constant for numeric inputs) */
  readonly value: BigPoly;
  /** exact decimal text: "p", "p/q", or the polynomial, e.g. "688905+306180*s" */
  readonly text: string;
  /** the value when it is a constant (no symbols) */
  readonly constant: BigRational | undefined;
  /** the constant as an exact Num when numerator and denominator are safe integers */
  readonly num: Num | undefined;
  /** the constant's nearest f64 (±Infinity beyond the f64 range; NaN when symbolic) */
  readonly float: number;
}

/**
 * E[e] for x = vars ~ N(mean, cov) computed exactly, when e is a polynomial in vars and
 * every number in e, cov and mean is an exact rational; other symbols may appear
 * polynomially (not under functions, not in denominators). Undefined otherwise
 * (functions, pi, floats, negative or symbolic powers: the general engine handles
 * those). The covariance is taken as given (the caller validates it). Throws
 * ExactExpectationLimitError beyond the documented limits.
 */
export function exactPolynomialExpectation(
  e: Expr, vars: readonly string[], cov: readonly (readonly Expr[])[], mean?: readonly Expr[],
): ExactExpectation | undefined {
  let Sigma: BigPoly[][], mu: BigPoly[], terms: ProductTerm[], reader: Reader;
  try {
    reader = new Reader(vars);
    Sigma = cov.map((row) => row.map((x) => reader.coefficient(x)));
    mu = vars.map((_, i) => (mean ? reader.coefficient(mean[i]) : BP_ZERO));
    terms = reader.terms(e);
  } catch (err) {
    if (err instanceof NotApplicable) return undefined;
    throw err;
  }
  let total = BP_ZERO;
  // moments are shared between terms that use the same forms
  const engines = new Map<string, CentredMoments>();
  for (const t of terms) {
    const keys = [...t.powers.keys()].sort();
    const forms = keys.map((k) => reader.forms.get(k)!);
    const ks = keys.map((k) => t.powers.get(k)!);
    const degree = ks.reduce((s, k) => s + k, 0);
    if (degree > MAX_EXACT_DEGREE) throw new ExactExpectationLimitError(`a term of degree ${degree} is above the limit ${MAX_EXACT_DEGREE}`);
    const states = ks.reduce((s, k) => s * (k + 1), 1);
    if (states > MAX_EXACT_STATES) throw new ExactExpectationLimitError(`a term needs ${states} moment states (Π (k_j + 1) over its ${ks.length} linear forms), above the limit ${MAX_EXACT_STATES}`);
    const m = forms.map((f) => f.a.reduce((s, a, i) => bpAdd(s, bpMul(a, mu[i])), f.b));
    const engineKey = keys.join(';');
    let eng = engines.get(engineKey);
    if (!eng) {
      const Sa = forms.map((f) => Sigma.map((row) => row.reduce((s, x, j) => bpAdd(s, bpMul(x, f.a[j])), BP_ZERO)));
      const C = forms.map((f) => forms.map((_, l) => f.a.reduce((s, a, i) => bpAdd(s, bpMul(a, Sa[l][i])), BP_ZERO)));
      eng = new CentredMoments(C);
      engines.set(engineKey, eng);
    }
    const binoms = ks.map(binomials);
    // Σ over i ≤ k: Π binom(k_j, i_j) m_j^{k_j − i_j} E[Y^i]
    const mPowers = m.map((mj, j) => {
      const out: BigPoly[] = [BP_ONE];
      for (let r = 1; r <= ks[j]; r++) out.push(bpIsZero(mj) ? BP_ZERO : bpMul(out[r - 1], mj));
      return out;
    });
    const i = new Array<number>(ks.length).fill(0);
    let sum = BP_ZERO;
    for (;;) {
      let c: BigPoly = BP_ONE;
      for (let j = 0; j < ks.length && !bpIsZero(c); j++) {
        c = bpMul(bpScale(c, bigRat(binoms[j][i[j]])), mPowers[j][ks[j] - i[j]]);
      }
      if (!bpIsZero(c)) {
        const y = eng.moment(i);
        if (!bpIsZero(y)) sum = bpAdd(sum, bpMul(c, y));
      }
      let j = 0;
      while (j < ks.length && i[j] === ks[j]) { i[j] = 0; j++; }
      if (j === ks.length) break;
      i[j]++;
    }
    total = bpAdd(total, bpMul(t.coeff, sum));
  }
  const constant = bpConstValue(total);
  return {
    value: total, text: bpToString(total), constant,
    num: constant ? bigToNum(constant) : undefined,
    float: constant ? bigToNumber(constant) : NaN,
  };
}

/** What a GaussianExpectationResult carries for an exact value (see exactExpectationResult). */
export interface ExactResultFields {
  readonly expr: Expr;
  readonly exact: boolean;
  /** the exact value as decimal text ("p" or "p/q"), present when expr is not exact */
  readonly exactValue?: string;
  /** absolute error of expr as a number (present when expr is a float) */
  readonly errorEstimate?: number;
}

/**
 * An exact expectation as result fields: the exact Num when numerator and denominator
 * are safe integers (exact: true); otherwise exact: false with the exact value as text
 * (`exactValue`) and, as the expression, the nearest f64 (errorEstimate: half an ulp,
 * |v|·2^-53) or, beyond the f64 range, ±exp(ln|v|) with ln|v| as a float.
 */
export function exactExpectationResult(r: ExactExpectation): ExactResultFields {
  if (!r.constant) {
    // symbolic: exact when every coefficient fits an exact Num
    const exact = bpFitsNum(r.value);
    return exact ? { expr: bpToExpr(r.value), exact } : { expr: bpToExpr(r.value), exact, exactValue: r.text };
  }
  if (r.num) return { expr: r.num, exact: true };
  if (Number.isFinite(r.float)) {
    return { expr: num(r.float), exact: false, exactValue: r.text, errorEstimate: Math.abs(r.float) * 2 ** -53 };
  }
  const e = call('exp', num(bigLogAbs(r.constant)));
  return { expr: r.constant.n < 0n ? mul(MINUS_ONE, e) : e, exact: false, exactValue: r.text };
}

/**
 * Whether every number in the expressions is an exact rational (no float literal or
 * float mean): then a float coefficient in a result can only come from an overflow
 * beyond 2^53, and the result must not be called exact.
 */
export function allNumbersExact(es: readonly Expr[]): boolean {
  const stack = [...es];
  while (stack.length) {
    const e = stack.pop()!;
    switch (e.kind) {
      case 'num': if (!isRational(e)) return false; break;
      case 'add': stack.push(...e.terms); break;
      case 'mul': stack.push(...e.factors); break;
      case 'pow': stack.push(e.base, e.exp); break;
      case 'call': stack.push(...e.args); break;
      default: break;
    }
  }
  return true;
}
