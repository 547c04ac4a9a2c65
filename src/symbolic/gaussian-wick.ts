// Isserlis/Wick moments and their Stein (Gaussian integration by parts) extension,
// over a covariance whose entries are polynomials in arbitrary atoms.
//
// For y ~ N(0, Σ) and activations φ_a(w_a), w_a = l_a·y + b_a (a = 1..A, A ≤ 2 in
// practice), Gaussian integration by parts gives
//
//   E[y_i y^m' Π_a φ_a^{(k_a)}] = Σ_j Σ_ij m'_j E[y^{m'−e_j} Π φ^{(k)}]
//                                + Σ_a (Σ l_a)_i E[y^{m'} Π φ^{(k + e_a)}].
//
// The recursion is translation invariant in the derivative orders k, so
// E[y^m Π φ_a^{(k_a)}] = Σ_δ R(m)[δ] · E[Π φ_a^{(k_a + δ_a)}] with R(m) depending
// on m only; R is memoised on the exponent vector m. With no activations this is
// exactly the recursive Wick formula E[y_i y^m'] = Σ_j Σ_ij E[∂_j y^m'].
// Each R(m)[δ] is a sparse polynomial (poly.ts) in the covariance atoms.

import {
  type Poly, polyConst, polyFromExpr, polyAdd, polyMul, polyScale, polyIsZero, polyConstValue,
} from './poly.ts';
import type { Expr } from './expr.ts';
import { ArgumentError } from '../core/index.ts';
import { rat, type Num, sym } from './expr.ts';

/** A covariance matrix (or any square array of entries) as polynomials. */
export type PolyMatrix = readonly (readonly Poly[])[];

/** The covariance entries as polynomials in their atoms. */
export function covarianceAsPolys(cov: readonly (readonly Expr[])[]): Poly[][] {
  return cov.map((row) => row.map((e) => polyFromExpr(e)));
}

/** Σ·l for a vector l of polynomials. */
export function matVec(sigma: PolyMatrix, l: readonly Poly[]): Poly[] {
  return sigma.map((row) => polyAdd(...row.map((s, j) => mulPoly(s, l[j]))));
}

/** aᵀ·b for vectors of polynomials. */
export function dot(a: readonly Poly[], b: readonly Poly[]): Poly {
  return polyAdd(...a.map((x, i) => mulPoly(x, b[i])));
}

/** a·b, short-cutting constants and zeros. */
export function mulPoly(a: Poly, b: Poly): Poly {
  if (polyIsZero(a) || polyIsZero(b)) return polyConst(0);
  const ca = polyConstValue(a);
  if (ca !== undefined) return polyScale(b, ca);
  const cb = polyConstValue(b);
  if (cb !== undefined) return polyScale(a, cb);
  return polyMul(a, b);
}

/** A linear combination over derivative-order shifts δ (key: δ joined by ','). */
export type ShiftCombination = Map<string, { shift: number[]; coeff: Poly }>;

function addInto(target: ShiftCombination, shift: number[], coeff: Poly): void {
  if (polyIsZero(coeff)) return;
  const key = shift.join(',');
  const old = target.get(key);
  if (!old) { target.set(key, { shift, coeff }); return; }
  const sum = polyAdd(old.coeff, coeff);
  if (polyIsZero(sum)) target.delete(key);
  else target.set(key, { shift: old.shift, coeff: sum });
}

/**
 * Gaussian integration-by-parts reducer for a fixed covariance and fixed
 * activation directions: `reduce(m)` gives R(m) (see the file header).
 * `sigmaL[a]` is Σ·l_a for activation a.
 */
export class SteinReducer {
  private readonly memo = new Map<string, ShiftCombination>();
  private readonly d: number;
  private readonly nActs: number;

  constructor(private readonly sigma: PolyMatrix, private readonly sigmaL: readonly (readonly Poly[])[] = []) {
    this.d = sigma.length;
    this.nActs = sigmaL.length;
  }

  /** R(m): E[y^m Π φ_a^{(k_a)}] = Σ_δ R(m)[δ] E[Π φ_a^{(k_a+δ_a)}]. */
  reduce(m: readonly number[]): ShiftCombination {
    const key = m.join(',');
    const hit = this.memo.get(key);
    if (hit) return hit;
    const out: ShiftCombination = new Map();
    let total = 0;
    for (const k of m) total += k;
    const i = m.findIndex((k) => k > 0);
    if (i < 0) {
      out.set(new Array(this.nActs).fill(0).join(','), { shift: new Array(this.nActs).fill(0), coeff: polyConst(1) });
    } else if (!(this.nActs === 0 && total % 2 === 1)) {
      const rest = m.slice();
      rest[i]--;
      for (let j = 0; j < this.d; j++) {
        if (rest[j] === 0) continue;
        const sij = this.sigma[i][j];
        if (polyIsZero(sij)) continue;
        const lower = rest.slice();
        lower[j]--;
        const factor = polyScale(sij, rat(rest[j]));
        for (const t of this.reduce(lower).values()) addInto(out, t.shift, mulPoly(factor, t.coeff));
      }
      for (let a = 0; a < this.nActs; a++) {
        const sli = this.sigmaL[a][i];
        if (polyIsZero(sli)) continue;
        for (const t of this.reduce(rest).values()) {
          const shift = t.shift.slice();
          shift[a]++;
          addInto(out, shift, mulPoly(sli, t.coeff));
        }
      }
    }
    this.memo.set(key, out);
    return out;
  }
}

/**
 * Runs f, turning the f64 overflow of a coefficient (rat's "non-finite number") into a
 * message that says what overflowed and where the exact path is.
 */
function withOverflowMessage<T>(degree: number, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ArgumentError && /non-finite number|beyond the limit of \d+ digits/.test(err.message)) {
      throw new ArgumentError(`the Isserlis coefficients of a degree-${degree} Gaussian moment exceed the f64 range (about 1.8e308); `
        + 'polynomials whose numbers are exact rationals (no functions) are computed exactly instead (gaussian-exact.ts)');
    }
    throw err;
  }
}

const degreeOf = (m: readonly number[]) => m.reduce((s, k) => s + k, 0);

/** E[y^m] for y ~ N(0, Σ) (Isserlis), as a polynomial in the covariance atoms. */
export function wickMoment(sigma: PolyMatrix, m: readonly number[]): Poly {
  return withOverflowMessage(degreeOf(m), () => {
    const r = new SteinReducer(sigma).reduce(m);
    const t = r.get('');
    return t ? t.coeff : polyConst(0);
  });
}

/** Σ_t coeff_t E[y^{m_t}] for the terms of a polynomial with polynomial coefficients. */
export function wickExpectation(
  sigma: PolyMatrix, terms: ReadonlyArray<{ readonly exps: readonly number[]; readonly coeff: Poly | Num }>,
): Poly {
  const reducer = new SteinReducer(sigma);
  const parts: Poly[] = [];
  const degree = terms.reduce((d, t) => Math.max(d, degreeOf(t.exps)), 0);
  return withOverflowMessage(degree, () => {
    for (const t of terms) {
      const r = reducer.reduce(t.exps).get('');
      if (!r) continue;
      const c = t.coeff;
      parts.push('kind' in c ? polyScale(r.coeff, c) : mulPoly(c, r.coeff));
    }
    return polyAdd(...parts);
  });
}

// ---------------------------------------------------------------- Isserlis by counting multigraphs

/**
 * Most steps (partial pairing patterns) the counting path takes before leaving the input
 * to the general path (about a second; where it is reached the general path needs far longer).
 */
export const MAX_COUNTED_STEPS = 1_000_000;

/**
 * Most distinct covariance symbols the counting path keys monomials by (a key holds one
 * code unit per symbol); a larger symbolic covariance goes to the general path.
 */
export const MAX_COUNTED_SYMBOLS = 4096;

/**
 * E[Σ_t c_t Π_i x_i^{k_ti}] for x ~ N(0, Σ) by counting instead of recursing: the
 * pairings of the multiset {x_i × k_i} that use n_ij pairs (i, j) number
 *   Π_i k_i! / (Π_i 2^{n_ii} n_ii! · Π_{i<j} n_ij!),
 * so the sum over pairings is a sum over symmetric matrices n ≥ 0 with row sums
 * 2n_ii + Σ_{j≠i} n_ij = k_i, each a monomial Π_{i≤j} Σ_ij^{n_ij}. This path takes
 * the common case: a zero mean, integer coefficients, and covariance entries (upper
 * triangle; the caller has checked symmetry) that are symbols or integers, with every
 * coefficient a safe integer. Returns undefined for anything else, also for work beyond
 * the exact path's limits (`limits`), so that the general path (gaussian-exact.ts) decides
 * those cases and the two always agree. The result is the same Expr the exact path
 * builds: terms in polyToExpr's order, integer Nums.
 */
export function countedIsserlis(
  e: Expr, vars: readonly string[], cov: readonly (readonly Expr[])[], mean: readonly Expr[] | undefined,
  limits: { readonly maxDegree: number; readonly maxStates: number },
): Expr | undefined {
  if (mean && mean.some((m) => !(m.kind === 'num' && m.p === 0 && m.big === undefined))) return undefined;
  const terms = monomialTerms(e, vars);
  if (!terms) return undefined;
  const d = vars.length;
  // covariance entry (i ≤ j): symbol index ≥ 0, or an integer value (sym = -1)
  const names: string[] = [];
  const symbolIndex = new Map<string, number>();
  const entrySym = new Array<number>(d * d).fill(-1);
  const entryVal = new Array<number>(d * d).fill(0);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const c = cov[i][j];
      if (c.kind === 'sym') {
        let s = symbolIndex.get(c.name);
        if (s === undefined) {
          if (names.length === MAX_COUNTED_SYMBOLS) return undefined;
          s = names.length; names.push(c.name); symbolIndex.set(c.name, s);
        }
        entrySym[i * d + j] = s;
      } else if (c.kind === 'num' && c.big === undefined && c.q === 1 && Number.isSafeInteger(c.p)) {
        entryVal[i * d + j] = c.p;
      } else {
        return undefined;
      }
    }
  }
  // symbols in name order, so that an exponent vector reads in polyToExpr's order
  const order = names.map((_, s) => s).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  const rank = new Array<number>(names.length);
  order.forEach((s, r) => { rank[s] = r; });
  for (let k = 0; k < d * d; k++) if (entrySym[k] >= 0) entrySym[k] = rank[entrySym[k]];
  const sortedNames = order.map((s) => names[s]);
  const nSym = names.length;

  // monomial key: its degree, then 0xffff − exponent symbol by symbol, as UTF-16 code
  // units (an exponent is at most half a degree ≤ limits.maxDegree): the keys' string
  // order is polyToExpr's term order
  const collected = new Map<string, number>();
  let steps = 0;
  for (const t of terms) {
    let degree = 0, states = 1;
    for (const k of t.exps) { degree += k; states *= k + 1; }
    if (degree > limits.maxDegree || degree >= 0x20000 || states > limits.maxStates) return undefined;
    if (degree % 2 === 1) continue;
    const active: number[] = [];
    for (let i = 0; i < d; i++) if (t.exps[i] > 0) active.push(i);
    const left = t.exps.slice();
    const key = new Array<number>(nSym + 1).fill(0xffff);
    key[0] = 0;
    // vertex by vertex: the stubs left at active[pos] go to later vertices (neighbour by
    // neighbour, from index nb on) and what remains pairs up within the vertex
    const visit = (pos: number, nb: number, coeff: number): boolean => {
      if (++steps > MAX_COUNTED_STEPS) return false;
      while (pos < active.length && left[active[pos]] === 0) { pos++; nb = pos + 1; }
      if (pos === active.length) {
        const k = String.fromCharCode(...key);
        const s = (collected.get(k) ?? 0) + coeff;
        if (!Number.isSafeInteger(s)) return false;
        collected.set(k, s);
        return true;
      }
      const i = active[pos];
      const r = left[i];
      if (nb === active.length) {
        // the r stubs pair among themselves: (r − 1)!! ways, Σ_ii^{r/2}
        if (r % 2 === 1) return true;
        const f = pairingsWithin(r) * entryPower(i * d + i, r / 2);
        if (f === 0) return true;
        const c = coeff * f;
        if (!Number.isSafeInteger(c) || !Number.isSafeInteger(f)) return false;
        const s = entrySym[i * d + i];
        left[i] = 0;
        if (s >= 0) { key[0] += r / 2; key[s + 1] -= r / 2; }
        const ok = visit(pos + 1, pos + 2, c);
        if (s >= 0) { key[0] -= r / 2; key[s + 1] += r / 2; }
        left[i] = r;
        return ok;
      }
      const j = active[nb];
      const rj = left[j];
      const at = i * d + j;
      const s = entrySym[at];
      const zero = s < 0 && entryVal[at] === 0;
      const most = zero ? 0 : Math.min(r, rj);
      // n pairs (i, j): choose n of i's r stubs, matched in order to n of j's rj stubs
      let ways = 1;
      for (let n = 0; n <= most; n++) {
        if (n > 0) {
          const w = ways * (r - n + 1) * (rj - n + 1); // divisible by n: binom(r, n−1)·(r−n+1) is
          if (!Number.isSafeInteger(w)) return false;
          ways = w / n;
        }
        const f = ways * entryPower(at, n);
        const c = coeff * f;
        if (!Number.isSafeInteger(f) || !Number.isSafeInteger(c)) return false;
        left[i] = r - n; left[j] = rj - n;
        if (s >= 0) { key[0] += n; key[s + 1] -= n; }
        const ok = visit(pos, nb + 1, c);
        if (s >= 0) { key[0] -= n; key[s + 1] += n; }
        left[i] = r; left[j] = rj;
        if (!ok) return false;
      }
      return true;
    };
    const entryPower = (at: number, n: number): number => (entrySym[at] >= 0 ? 1 : entryVal[at] ** n);
    if (!visit(0, 1, t.coeff)) return undefined;
  }
  return countedToExpr(collected, sortedNames);
}

/** (r − 1)!! for even r: the pairings of r items. */
function pairingsWithin(r: number): number {
  let f = 1;
  for (let k = r - 1; k > 1; k -= 2) f *= k;
  return f;
}

/** e as Σ c Π x_i^{k_i} (c a safe integer, nothing but the variables), or undefined. */
function monomialTerms(e: Expr, vars: readonly string[]): Array<{ coeff: number; exps: number[] }> | undefined {
  const index = new Map(vars.map((v, i) => [v, i] as const));
  const term = (t: Expr): { coeff: number; exps: number[] } | undefined => {
    const exps = new Array<number>(vars.length).fill(0);
    let coeff = 1;
    for (const f of t.kind === 'mul' ? t.factors : [t]) {
      if (f.kind === 'num') {
        if (f.big !== undefined || f.q !== 1 || !Number.isSafeInteger(f.p)) return undefined;
        coeff *= f.p;
        if (!Number.isSafeInteger(coeff)) return undefined;
        continue;
      }
      const base = f.kind === 'pow' ? f.base : f;
      const k = f.kind === 'pow' ? f.exp : undefined;
      if (base.kind !== 'sym') return undefined;
      const i = index.get(base.name);
      if (i === undefined) return undefined;
      if (k === undefined) { exps[i] += 1; continue; }
      if (k.kind !== 'num' || k.big !== undefined || k.q !== 1 || !Number.isSafeInteger(k.p) || k.p < 0) return undefined;
      exps[i] += k.p;
    }
    return { coeff, exps };
  };
  const out = [];
  for (const t of e.kind === 'add' ? e.terms : [e]) {
    const r = term(t);
    if (!r) return undefined;
    if (r.coeff !== 0) out.push(r);
  }
  return out;
}

/**
 * The collected monomials (keys as in countedIsserlis) as polyToExpr writes them:
 * constant first, then by total degree, then lexicographically by symbol name with the
 * higher exponent first. The nodes are the ones add/mul/pow/rat return for these
 * arguments (flat, coefficient first unless 1, x^1 = x), built directly: the
 * constructors' generality was most of the time.
 */
function countedToExpr(collected: ReadonlyMap<string, number>, names: readonly string[]): Expr {
  const syms = names.map((n) => sym(n));
  const parts: Expr[] = [];
  for (const key of [...collected.keys()].sort()) {
    const coeff = collected.get(key)!;
    if (coeff === 0) continue;
    const factors: Expr[] = coeff === 1 ? [] : [intNum(coeff)];
    for (let s = 0; s < syms.length; s++) {
      const k = 0xffff - key.charCodeAt(s + 1);
      if (k === 1) factors.push(syms[s]);
      else if (k > 1) factors.push({ kind: 'pow', base: syms[s], exp: intNum(k) });
    }
    parts.push(factors.length === 0 ? intNum(1) : factors.length === 1 ? factors[0] : { kind: 'mul', factors });
  }
  return parts.length === 0 ? intNum(0) : parts.length === 1 ? parts[0] : { kind: 'add', terms: parts };
}

/** The Num rat(n) returns for a safe integer n. */
const intNum = (n: number): Num => ({ kind: 'num', p: n, q: 1 });
