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
import { rat, type Num } from './expr.ts';

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
