// Joint moments of the hidden units of x = A σ(B z): with u_i = w_i·z, (u_1..u_m) is
// N(0, G), G = B Bᵀ, and
//
//   M_{i1..ip} = E[σ(u_{i1}) ⋯ σ(u_{ip})],   p = 1..4
//
// depends on B only through G (docs/method-of-moments.md D.3). A multi-index is a
// pattern: its r distinct units with multiplicities (n_1..n_r), e.g. (i, i, j) → (2, 1).
//
// Polynomial σ — exact: the Gaussian engine (Isserlis) gives E[∏_j σ(u_j)^{n_j}] once per
// pattern as a polynomial in symbols g_ab (the Gram entries), evaluated per entry.
//
// Other σ — Hermite series: φ_j = σ^{n_j} has coefficients c_n(q_j) = E[φ_j(√q_j g) h_n(g)]
// (1-D quadrature); with ρ_ab = G_ab/√(q_a q_b), the diagram formula
//
//   E[∏_j φ_j(u_j)] = Σ_{(m_ab)} ∏_j c_{n_j}(q_j) √(n_j!) ∏_{a<b} ρ_ab^{m_ab} / m_ab!,
//   n_j = Σ_b m_jb,
//
// truncated at n_j ≤ K, is summed by eliminating one unit at a time (≈ 2K⁴ work for r = 4).
// Error bound (rigorous up to the 1-D quadrature): replacing φ_j by its truncation
// φ_{jK} changes the expectation by at most R_j^{K+1} ‖φ_j − φ_{jK}‖₂ ‖Π_{l≠j} ψ_l‖₂, where
// R_j is the multiple correlation of u_j on the other units (E[h_n(u_j) | rest] has norm
// ≤ R_j^n) and ‖Π ψ_l‖₂ ≤ Π ‖ψ_l‖_{2(r−1)} by Hölder; summed over j (telescoping).

import {
  gaussianExpectation, sym, parse, numValue, polyFromExpr, polyTerms, polyToExpr, latex, type Expr, type Poly,
} from '../../symbolic/index.ts';
import {
  hermiteCoefficientsPiecewise, expectation1dPiecewise, normalizedHermite, solve, sortedIndices, setSymmetric,
} from '../../numeric/index.ts';
import type { TwoLayerGenerator } from './generator.ts';
import { SpecError } from '../spec-input.ts';
import { gram } from './generator.ts';

/** Default truncation order of the Hermite series (per unit). */
export const DEFAULT_HERMITE_ORDER = 24;
export const MAX_HERMITE_ORDER = 60;

/** The multiplicities of a sorted multi-index: distinct units and how often each occurs. */
export function patternOf(idx: readonly number[]): { units: number[]; counts: number[] } {
  const units: number[] = [], counts: number[] = [];
  for (const i of idx) {
    if (units.length && units[units.length - 1] === i) counts[counts.length - 1]++;
    else { units.push(i); counts.push(1); }
  }
  return { units, counts };
}

// ------------------------------------------------------------------ exact (Isserlis)

interface PatternFormula {
  readonly poly: Poly;
  /** terms: coefficient and (a, b, exponent) factors over the pattern's units */
  readonly terms: ReadonlyArray<{ coeff: number; factors: ReadonlyArray<readonly [number, number, number]> }>;
}

const gName = (a: number, b: number) => `g${Math.min(a, b) + 1}${Math.max(a, b) + 1}`;

const formulaCache = new Map<string, PatternFormula>();

/** E[∏_j σ(u_j)^{n_j}] as a polynomial in g_ab (Gram entries of the pattern's units), by Isserlis (cached). */
export function patternFormula(polyText: string, counts: readonly number[]): PatternFormula {
  const key = `${polyText}|${counts.join(',')}`;
  const hit = formulaCache.get(key);
  if (hit) return hit;
  if (formulaCache.size > 256) formulaCache.clear();
  const out = computePatternFormula(polyText, counts);
  formulaCache.set(key, out);
  return out;
}

function computePatternFormula(polyText: string, counts: readonly number[]): PatternFormula {
  const r = counts.length;
  const vars = counts.map((_, j) => `u${j + 1}`);
  const cov: Expr[][] = vars.map((_, a) => vars.map((_, b) => sym(gName(a, b))));
  const product = counts.map((n, j) => `((${polyText.replace(/\bt\b/g, vars[j])})^${n})`).join('*');
  const res = gaussianExpectation(parse(product), vars, cov);
  if (!res.exact) throw new Error(`internal: polynomial moment not exact (${res.method})`);
  const poly = polyFromExpr(res.expr);
  const names = new Map<string, readonly [number, number]>();
  for (let a = 0; a < r; a++) for (let b = a; b < r; b++) names.set(gName(a, b), [a, b]);
  const terms = polyTerms(poly).map((t) => ({
    coeff: numValue(t.coeff),
    factors: t.factors.map((f) => {
      const ab = f.atom.kind === 'sym' ? names.get(f.atom.name) : undefined;
      if (!ab) throw new Error(`internal: unexpected factor in a pattern formula`);
      return [ab[0], ab[1], f.exp] as const;
    }),
  }));
  return { poly, terms };
}

/** LaTeX of a pattern formula, e.g. E[σ(u_1)^2 σ(u_2)] = ... in g_{ab}. */
export function patternLatex(polyText: string, counts: readonly number[]): string {
  const lhs = counts.map((n, j) => `\\sigma(u_{${j + 1}})${n > 1 ? `^{${n}}` : ''}`).join('\\,');
  return `\\mathbb{E}\\big[${lhs}\\big] = ${latex(polyToExpr(patternFormula(polyText, counts).poly))}`;
}

// ------------------------------------------------------------------ Hermite series

interface UnitFactor {
  /** c_n √(n!), n = 0..K */
  readonly f: Float64Array;
  readonly norm2: number;
  /** ‖φ − φ_K‖₂ */
  readonly tail: number;
  /** ‖φ‖_s and ‖φ_K‖_s for the Hölder exponents s in use */
  norms: Map<number, { full: number; truncated: number }>;
  readonly coeffs: Float64Array;
  readonly phi: (x: number) => number;
}

function factorial(n: number): number { let r = 1; for (let i = 2; i <= n; i++) r *= i; return r; }

/** Powers ρ^m/m!, m = 0..K. */
function weights(rho: number, K: number): Float64Array {
  const w = new Float64Array(K + 1);
  w[0] = 1;
  for (let m = 1; m <= K; m++) w[m] = (w[m - 1] * rho) / m;
  return w;
}

/** The truncated diagram sum for r ≤ 4 units with factors f_j and pair weights w[a][b]. */
function diagramSum(f: readonly Float64Array[], w: (a: number, b: number) => Float64Array, K: number): number {
  const r = f.length;
  const S = K + 1;
  if (r === 1) return f[0][0];
  if (r === 2) {
    const w01 = w(0, 1);
    let s = 0;
    for (let n = 0; n <= K; n++) s += f[0][n] * f[1][n] * w01[n];
    return s;
  }
  if (r === 3) {
    // unit 0 first: T[d1][d2] = Σ f0(m01 + m02) w01(m01) w02(m02); then the pair (1, 2)
    const w01 = w(0, 1), w02 = w(0, 2), w12 = w(1, 2);
    let s = 0;
    for (let m01 = 0; m01 <= K; m01++) {
      for (let m02 = 0; m01 + m02 <= K; m02++) {
        const t = f[0][m01 + m02] * w01[m01] * w02[m02];
        if (t === 0) continue;
        let inner = 0;
        for (let m = 0; m + Math.max(m01, m02) <= K; m++) inner += f[1][m01 + m] * f[2][m02 + m] * w12[m];
        s += t * inner;
      }
    }
    return s;
  }
  // r = 4: eliminate unit 0 (edges 01, 02, 03), then edges 12 and 13, unit 1, edge 23.
  const w01 = w(0, 1), w02 = w(0, 2), w03 = w(0, 3), w12 = w(1, 2), w13 = w(1, 3), w23 = w(2, 3);
  const T = new Float64Array(S * S * S);
  for (let a = 0; a <= K; a++) {
    for (let b = 0; a + b <= K; b++) {
      for (let c = 0; a + b + c <= K; c++) T[(a * S + b) * S + c] = f[0][a + b + c] * w01[a] * w02[b] * w03[c];
    }
  }
  const U = new Float64Array(S * S * S); // edge 12: (d1, d2) += m
  for (let d1 = 0; d1 <= K; d1++) {
    for (let d2 = 0; d2 <= K; d2++) {
      for (let d3 = 0; d3 <= K; d3++) {
        const t = T[(d1 * S + d2) * S + d3];
        if (t === 0) continue;
        for (let m = 0; d1 + m <= K && d2 + m <= K; m++) U[((d1 + m) * S + d2 + m) * S + d3] += t * w12[m];
      }
    }
  }
  const W = new Float64Array(S * S); // edge 13 then unit 1: W[d2][d3'] = Σ f1(d1 + m) U[d1][d2][d3] w13(m)
  for (let d1 = 0; d1 <= K; d1++) {
    for (let d2 = 0; d2 <= K; d2++) {
      for (let d3 = 0; d3 <= K; d3++) {
        const t = U[(d1 * S + d2) * S + d3];
        if (t === 0) continue;
        for (let m = 0; d1 + m <= K && d3 + m <= K; m++) W[d2 * S + d3 + m] += t * w13[m] * f[1][d1 + m];
      }
    }
  }
  let s = 0; // edge 23 and units 2, 3
  for (let d2 = 0; d2 <= K; d2++) {
    for (let d3 = 0; d3 <= K; d3++) {
      const t = W[d2 * S + d3];
      if (t === 0) continue;
      for (let m = 0; d2 + m <= K && d3 + m <= K; m++) s += t * f[2][d2 + m] * f[3][d3 + m] * w23[m];
    }
  }
  return s;
}

/** Multiple correlation of unit j on the others (correlation matrix C, r×r); 1 when they determine it. */
function multipleCorrelation(C: Float64Array, r: number, j: number): number {
  if (r === 1) return 0;
  const others = [...Array(r).keys()].filter((i) => i !== j);
  const n = others.length;
  const M = new Float64Array(n * n), c = new Float64Array(n);
  others.forEach((a, x) => { c[x] = C[a * r + j]; others.forEach((b, y) => { M[x * n + y] = C[a * r + b]; }); });
  try {
    const beta = solve(M, c, n);
    let R2 = 0;
    for (let x = 0; x < n; x++) R2 += beta[x] * c[x];
    return R2 >= 1 - 1e-12 || !Number.isFinite(R2) ? 1 : Math.sqrt(Math.max(0, R2));
  } catch {
    return 1;
  }
}

export interface UnitMoment {
  readonly value: number;
  /** Bound on |value − exact| (0 for the exact method; includes a quadrature allowance for Hermite). */
  readonly errorBound: number;
  /**
   * Estimate of |value − exact|: the change from truncation order ⌊2K/3⌋ to K (Hermite; 0 for
   * exact). With 3 or 4 distinct units the rigorous bound can be loose or infinite (partial
   * Hermite sums need not converge in L^s, s > 4), and this estimate is the useful number.
   */
  readonly errorEstimate: number;
}

/** Joint moments of the hidden units of one generator, by one of the two methods. */
export class UnitMoments {
  readonly method: 'isserlis' | 'hermite';
  readonly exact: boolean;
  readonly G: Float64Array;
  readonly hermiteOrder: number;
  private readonly factors = new Map<string, UnitFactor>();
  /** σ as a polynomial formula in t (exact method), else null. */
  readonly polyText: string | null;

  constructor(readonly gen: TwoLayerGenerator, opts: { hermiteOrder?: number; forceHermite?: boolean } = {}) {
    this.G = gram(gen);
    const poly = gen.activation.polynomial;
    this.polyText = poly && !opts.forceHermite ? poly.map((c, j) => `(${c})*t^${j}`).join('+') : null;
    this.method = this.polyText ? 'isserlis' : 'hermite';
    this.exact = this.method === 'isserlis';
    this.hermiteOrder = opts.hermiteOrder ?? DEFAULT_HERMITE_ORDER;
  }

  /** The pattern formula of the exact method (polynomial σ), cached per pattern. */
  formula(counts: readonly number[]): PatternFormula {
    if (!this.polyText) throw new Error('internal: formula() needs a polynomial σ');
    return patternFormula(this.polyText, counts);
  }

  private factor(unit: number, power: number): UnitFactor {
    const key = `${unit}:${power}`;
    const hit = this.factors.get(key);
    if (hit) return hit;
    const K = this.hermiteOrder;
    const q = this.G[unit * this.gen.m + unit];
    const sd = Math.sqrt(q);
    const sigma = this.gen.activation.f;
    const phi = (x: number) => sigma(sd * x) ** power;
    const breaks = sd > 0 ? this.gen.activation.kinks.map((t) => t / sd) : [];
    const coeffs = sd > 0 ? hermiteCoefficientsPiecewise(phi, K, breaks) : Float64Array.from({ length: K + 1 }, (_, n) => (n === 0 ? phi(0) : 0));
    const norm2sq = sd > 0 ? expectation1dPiecewise((x) => phi(x) ** 2, 0, 1, breaks, 50) : phi(0) ** 2;
    let captured = 0;
    for (let n = 0; n <= K; n++) captured += coeffs[n] ** 2;
    const tail = Math.sqrt(Math.max(0, norm2sq - captured) + 1e-13 * norm2sq);
    const f = Float64Array.from(coeffs, (c, n) => c * Math.sqrt(factorial(n)));
    const out: UnitFactor = { f, norm2: Math.sqrt(norm2sq), tail, norms: new Map(), coeffs, phi };
    this.factors.set(key, out);
    return out;
  }

  private norms(u: UnitFactor, s: number, breaks: readonly number[]): { full: number; truncated: number } {
    const hit = u.norms.get(s);
    if (hit) return hit;
    const K = this.hermiteOrder;
    const h = new Float64Array(K + 1);
    const phiK = (x: number) => { normalizedHermite(x, K, h); let v = 0; for (let n = 0; n <= K; n++) v += u.coeffs[n] * h[n]; return v; };
    const full = expectation1dPiecewise((x) => Math.abs(u.phi(x)) ** s, 0, 1, breaks, 50) ** (1 / s);
    const truncated = expectation1dPiecewise((x) => Math.abs(phiK(x)) ** s, 0, 1, [], K * s) ** (1 / s);
    // A truncated Hermite series need not converge in L^s for s > 4: its norm can be huge or
    // overflow; the bound then is (validly) infinite.
    const out = { full: Number.isNaN(full) ? Infinity : full, truncated: Number.isNaN(truncated) ? Infinity : truncated };
    u.norms.set(s, out);
    return out;
  }

  /** E[σ(u_{i1}) ⋯ σ(u_{ip})] for a multi-index (any order of indices). */
  moment(idx: readonly number[]): UnitMoment {
    const { units, counts } = patternOf([...idx].sort((a, b) => a - b));
    const m = this.gen.m, G = this.G;
    if (this.polyText) {
      let v = 0;
      for (const t of this.formula(counts).terms) {
        let x = t.coeff;
        for (const [a, b, e] of t.factors) x *= G[units[a] * m + units[b]] ** e;
        v += x;
      }
      return { value: v, errorBound: 0, errorEstimate: 0 };
    }
    const r = units.length, K = this.hermiteOrder;
    const fs = units.map((u, j) => this.factor(u, counts[j]));
    const q = units.map((u) => G[u * m + u]);
    const C = new Float64Array(r * r);
    for (let a = 0; a < r; a++) {
      for (let b = 0; b < r; b++) {
        const den = Math.sqrt(q[a] * q[b]);
        C[a * r + b] = a === b ? 1 : den > 0 ? Math.max(-1, Math.min(1, G[units[a] * m + units[b]] / den)) : 0;
      }
    }
    const value = diagramSum(fs.map((u) => u.f), (a, b) => weights(C[a * r + b], K), K);
    const K0 = Math.floor((2 * K) / 3);
    const coarse = r === 1 ? value : diagramSum(fs.map((u) => u.f), (a, b) => weights(C[a * r + b], K0), K0);
    let bound = 0;
    if (r >= 2) {
      const s = 2 * (r - 1);
      const breaksOf = (j: number) => (q[j] > 0 ? this.gen.activation.kinks.map((t) => t / Math.sqrt(q[j])) : []);
      const ns = fs.map((u, j) => this.norms(u, s, breaksOf(j)));
      for (let j = 0; j < r; j++) {
        let rest = 1;
        for (let l = 0; l < r; l++) if (l !== j) rest *= l < j ? ns[l].truncated : ns[l].full;
        bound += multipleCorrelation(C, r, j) ** (K + 1) * fs[j].tail * rest;
      }
    }
    let scale = 1;
    for (const u of fs) scale *= u.norm2;
    return { value, errorBound: bound + 1e-11 * scale, errorEstimate: Math.abs(value - coarse) + 1e-11 * scale };
  }

  /** The full m^p tensor of unit moments, of their error bounds and of their error estimates. */
  tensor(order: number): { core: Float64Array; errorBound: Float64Array; errorEstimate: Float64Array } {
    const m = this.gen.m;
    const core = new Float64Array(m ** order), err = new Float64Array(m ** order), est = new Float64Array(m ** order);
    for (const idx of sortedIndices(m, order)) {
      const r = this.moment(idx);
      setSymmetric(core, m, idx, r.value);
      if (r.errorBound) setSymmetric(err, m, idx, r.errorBound);
      if (r.errorEstimate) setSymmetric(est, m, idx, r.errorEstimate);
    }
    return { core, errorBound: err, errorEstimate: est };
  }
}

/**
 * Throws a SpecError when E[σ(u_i)^{2p}] is not finite for some unit (the moments of order p
 * and their Monte Carlo standard errors would not exist), checked by 1-D quadrature.
 */
export function checkMomentsFinite(gen: TwoLayerGenerator, order: number, where = 'generator'): void {
  if (gen.activation.polynomial) return;
  const G = gram(gen);
  for (let i = 0; i < gen.m; i++) {
    const q = G[i * gen.m + i], sd = Math.sqrt(q);
    const breaks = sd > 0 ? gen.activation.kinks.map((t) => t / sd) : [];
    const v = expectation1dPiecewise((x) => Math.abs(gen.activation.f(sd * x)) ** (2 * order), 0, 1, breaks, 50);
    if (!(Number.isFinite(v) && v < 1e250)) {
      throw new SpecError(`${where}: E[σ(w_${i + 1}·z)^${2 * order}] is not finite (σ(t) = ${gen.activation.text} grows too fast for moments of order ${order})`);
    }
  }
}

/** The multiplicity patterns of order p (partitions of p into at most p parts, descending). */
export function patternsOfOrder(p: number): number[][] {
  const out: number[][] = [];
  const rec = (left: number, max: number, cur: number[]) => {
    if (left === 0) { out.push(cur.slice()); return; }
    for (let n = Math.min(left, max); n >= 1; n--) { cur.push(n); rec(left - n, n, cur); cur.pop(); }
  };
  rec(p, p, []);
  return out;
}

/** LaTeX of the general Hermite (diagram) formula for E[σ(u_1)⋯σ(u_p)] and the pair case. */
export const GENERAL_FORMULA_LATEX = String.raw`\mathbb{E}\Big[\prod_{j=1}^{p}\sigma(w_{i_j}\!\cdot z)\Big] = \sum_{(m_{ab})_{a<b}} \prod_{j=1}^{p} c_{n_j}\!\big(\lVert w_{i_j}\rVert^2\big)\sqrt{n_j!}\;\prod_{a<b} \frac{\rho_{ab}^{\,m_{ab}}}{m_{ab}!},\quad n_j = \sum_{b\neq j} m_{jb},\quad \rho_{ab} = \frac{\langle w_{i_a}, w_{i_b}\rangle}{\lVert w_{i_a}\rVert\,\lVert w_{i_b}\rVert},\quad c_n(q) = \mathbb{E}\big[\sigma(\sqrt{q}\,g)\,h_n(g)\big]`;
export const PAIR_FORMULA_LATEX = String.raw`\mathbb{E}\big[\sigma(w\cdot z)\,\sigma(w'\cdot z)\big] = \sum_{n\ge 0} c_n\big(\lVert w\rVert^2\big)\,c_n\big(\lVert w'\rVert^2\big)\,\rho^{\,n},\qquad \rho = \frac{\langle w, w'\rangle}{\lVert w\rVert\,\lVert w'\rVert}`;
export const TENSOR_FORMULA_LATEX = String.raw`\mathbb{E}\big[x^{\otimes p}\big] = \sum_{i_1,\dots,i_p=1}^{m} \mathbb{E}\big[\sigma(w_{i_1}\!\cdot z)\cdots\sigma(w_{i_p}\!\cdot z)\big]\; a_{i_1}\otimes\cdots\otimes a_{i_p}`;
