// Gaussian expectations E[f(x)] for x ~ N(μ, Σ) with a symbolic covariance.
//
// The input is expanded into terms (poly.ts); terms with the same non-polynomial
// factors are batched, and each batch goes to the first method that applies:
//
//   isserlis         the batch is a polynomial in the variables (coefficients may be
//                    any Exprs free of them): recursive Wick formula
//                    E[x_i m] = Σ_j Σ_ij E[∂m/∂x_j], memoised on exponent vectors.
//   complete-square  polynomial × exp/sin/cos of affine forms:
//                    E[p(x) e^{z·x}] = e^{zᵀΣz/2} E[p(x + Σz)] with z complex for
//                    sin/cos (product-to-sum over the trig factors).
//   closed-form      polynomial × (exp of affine forms) × one or two activations
//                    relu/step/abs/erf/sin/cos (tanh, sigmoid only by symmetry) of
//                    affine forms: Stein's lemma reduces the polynomial, the exp
//                    factors tilt the mean, and the table in gaussian-table.ts
//                    supplies E[φ^{(k)}(w)] (any mean) and E[φ^{(k)}(w1)ψ^{(l)}(w2)]
//                    (zero mean).
//   hermite          otherwise, when the batch is F1(w1)·F2(w2) for two linear forms
//                    w1, w2: Mehler's series Σ_{k≤K} a_k b_k ρ^k with Hermite
//                    coefficients exact where the 1-D problem has a closed form and
//                    from quadrature otherwise (numeric variance then required).
//   quadrature       otherwise, with numeric covariance and coefficients: one
//                    linear form → piecewise Gauss–Legendre in 1-D (unit panels in
//                    standard deviations, widened until the tail is negligible); two
//                    variables with kinks through the origin → a polar rule; three or
//                    four → tensor Gauss–Hermite. Each is run at two orders: the result
//                    carries the higher one (`quadratureOrder`) and an error estimate
//                    (`errorEstimate`: the difference of the two orders, plus the
//                    truncated tail and rounding for the 1-D rule).
//
// Divergence. Before any numeric fallback, the exponent of the batch's exp(P(x))
// factors (P a polynomial with numeric coefficients, after the mean is substituted)
// is compared with the Gaussian's: with A the quadratic part of P (P = xᵀAx + ...),
// E[e^P] is infinite when Σ − 2ΣAΣ (congruent to Σ⁻¹ − 2A on the support of x) has a
// negative eigenvalue, or is singular on the support; in 1-D, when the coefficient of
// u² is ≥ 1/(2σ²). When P has degree > 2 it is infinite when the top-degree part is
// positive in some direction of the support. The other factors must then be ones that
// cannot cancel the growth (polynomials, erf, tanh, abs, sin, cos, at most one
// relu/step half-space; sigmoid/softplus only in the strict case), else the check is
// silent and the quadrature's own tail test speaks. Either way the error says 'diverges'.
//
// Each result says which method(s) ran and whether it is exact.

import { InputError } from '../core/index.ts';
import {
  type Expr, type Num, add, mul, pow, div, call, sym, rat, num, numAdd, numMul, numPowInt, ZERO, ONE, MINUS_ONE, HALF, PI,
  dependsOn, freeSymbols, isZero, isExact, numValue, mapChildren, equal,
} from './expr.ts';
import { print } from './print.ts';
import { substitute } from './substitute.ts';
import { checkSymbolName } from './parse.ts';
import { evaluate } from './evaluate.ts';
import {
  type Poly, polyFromExpr, polyToExpr, polyTerms, polyAdd, polyMul, polyScale, polyConst, polyAtom,
  polyPow, polyIsZero, polyConstValue, polyEqual, polyIn,
  polyIsExact,
} from './poly.ts';
import {
  exactPolynomialExpectation, exactExpectationResult, allNumbersExact, MAX_EXACT_DEGREE, MAX_EXACT_STATES,
} from './gaussian-exact.ts';
import {
  type PolyMatrix, SteinReducer, covarianceAsPolys, matVec, dot, mulPoly, wickExpectation, countedIsserlis,
} from './gaussian-wick.ts';
import { type ActKind, singleMoment, pairMoment, sqrtExpr, parity } from './gaussian-table.ts';
import {
  normalizedHermiteExpr, numericHermiteCoefficients, numericValue, freshSymbol, kinkPoints,
} from './gaussian-hermite.ts';
import { integratePiecewise, expectationNd, expectation2dPolar } from '../numeric/index.ts';
import { symmetricEigen } from '../numeric/index.ts';

export interface GaussianExpectationOptions {
  /** Mean vector (default zero). */
  readonly mean?: readonly Expr[];
  /** Truncation order K of the Hermite series fallback (default 20). */
  readonly hermiteOrder?: number;
  /**
   * Where a four-dimensional orthant probability P(w1 > 0, ..., w4 > 0) is met (four
   * half-spaces and a constant: no closed form), the symbol to stand for it, given the
   * covariance of (w1, ..., w4); the result is then `deferred` instead of refused.
   */
  readonly orthant?: (cov: Expr[][]) => Expr;
}

export interface GaussianExpectationResult {
  readonly expr: Expr;
  /** True for a closed form (no truncation, no quadrature). */
  readonly exact: boolean;
  /**
   * The method(s) used, joined by '+': isserlis, complete-square, closed-form, hermite,
   * quadrature (see the file header). 'quadrature' results are floats and come with
   * `quadratureOrder` and, where the coefficients are numeric, `errorEstimate`.
   */
  readonly method: string;
  /**
   * The exact value as decimal text ("p" or "p/q") when it is known exactly but is not an
   * exact f64 rational (numerator or denominator beyond 2^53): expr is then the nearest
   * float (exact: false, errorEstimate half an ulp) or, beyond the f64 range, exp(ln v).
   */
  readonly exactValue?: string;
  /** The Hermite truncation order when the hermite method ran. */
  readonly truncationOrder?: number;
  /**
   * When quadrature ran: the order of the rule that gave the value (Gauss–Legendre
   * nodes per unit panel in 1-D; radial nodes of the polar rule; Gauss–Hermite nodes
   * per variable of the tensor rule); the largest over the terms.
   */
  readonly quadratureOrder?: number;
  /**
   * When quadrature ran: an estimate of the absolute error of the numeric part, the
   * sum over the quadrature terms of |coefficient| × (difference between the rule and
   * one of lower order, plus, in 1-D, the last tail checked and rounding). Absent when
   * a quadrature term has a symbolic coefficient.
   */
  readonly errorEstimate?: number;
  /**
   * True when the result is a closed form in terms of symbols from `orthant` (numeric
   * quantities defined elsewhere); `exact` is then false.
   */
  readonly deferred?: boolean;
}

/** An input the expectation cannot be taken of, or an invalid covariance. */
export class GaussianExpectationError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'GaussianExpectationError';
  }
}

const DEFAULT_HERMITE_ORDER = 20;
const MAX_HERMITE_ORDER = 400;
const MAX_TRIG_FACTORS = 12;
/** Largest k whose closed-form h_k coefficients (factorials) are exact in f64. */
const EXACT_HERMITE_MAX = 18;

// ---------------------------------------------------------------- validation

/**
 * Checks that cov is a symmetric square matrix over `vars` (structurally equal
 * after expansion), free of the variables, with no negative numeric variance and
 * positive semidefinite wherever it is numeric (the whole matrix, or its numeric
 * principal blocks). Throws GaussianExpectationError otherwise.
 */
export function validateCovariance(vars: readonly string[], cov: readonly (readonly Expr[])[], mean?: readonly Expr[]): void {
  if (!Array.isArray(vars)) throw new GaussianExpectationError('the Gaussian variables must be a list of names');
  vars.forEach(checkSymbolName);
  const d = vars.length;
  if (new Set(vars).size !== d) throw new GaussianExpectationError(`variables must be distinct: ${vars.join(', ')}`);
  if (!Array.isArray(cov) || cov.length !== d || cov.some((row) => !Array.isArray(row) || row.length !== d)) {
    throw new GaussianExpectationError(`covariance must be a square ${d}×${d} matrix for variables ${vars.join(', ')}`);
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const bad = vars.find((v) => dependsOn(cov[i][j], v));
      if (bad !== undefined) throw new GaussianExpectationError(`covariance entry [${i}][${j}] = ${print(cov[i][j])} depends on the variable ${bad}`);
    }
  }
  // symmetry as polynomials; symbols and numbers need no expansion, equal entries no comparison
  const polys = cov.map((row) => row.map((x: Expr) => (x.kind === 'sym' || x.kind === 'num' ? undefined : polyFromExpr(x))));
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      if (equal(cov[i][j], cov[j][i])) continue;
      if (!polyEqual(polys[i][j] ?? polyFromExpr(cov[i][j]), polys[j][i] ?? polyFromExpr(cov[j][i]))) {
        throw new GaussianExpectationError(
          `covariance is not symmetric: [${i}][${j}] = ${print(cov[i][j])} but [${j}][${i}] = ${print(cov[j][i])}`);
      }
    }
  }
  const values = cov.map((row) => row.map((x: Expr) => (x.kind === 'sym' ? undefined : numericValue(x))));
  for (let i = 0; i < d; i++) {
    const v = values[i][i];
    if (v !== undefined && v < 0) throw new GaussianExpectationError(`negative variance: cov[${i}][${i}] = ${v} for ${vars[i]}`);
  }
  // Numeric principal blocks: every numeric 2×2 block, and a greedy maximal numeric block.
  const checkBlock = (idx: number[]) => {
    const A = idx.map((i) => idx.map((j) => values[i][j] as number));
    const eig = [...symmetricEigen(A.flat(), idx.length).values];
    const scale = Math.max(1, ...eig.map(Math.abs));
    const lo = Math.min(...eig);
    if (lo < -1e-12 * scale) {
      const where = idx.length === d ? '' : ` (of the block ${idx.map((i) => vars[i]).join(', ')})`;
      throw new GaussianExpectationError(`covariance is not positive semidefinite: eigenvalue ${lo}${where}`);
    }
  };
  const numericPair = (i: number, j: number) => values[i][j] !== undefined;
  const block: number[] = [];
  for (let i = 0; i < d; i++) {
    if (numericPair(i, i) && block.every((j) => numericPair(i, j))) block.push(i);
  }
  if (block.length > 0) checkBlock(block);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      if (numericPair(i, i) && numericPair(j, j) && numericPair(i, j)) checkBlock([i, j]);
    }
  }
  if (mean !== undefined) {
    if (!Array.isArray(mean) || mean.length !== d) throw new GaussianExpectationError(`mean must have ${d} entries, got ${mean?.length}`);
    mean.forEach((m, i) => {
      const bad = vars.find((v) => dependsOn(m, v));
      if (bad !== undefined) throw new GaussianExpectationError(`mean entry ${i} = ${print(m)} depends on the variable ${bad}`);
    });
  }
}

// ---------------------------------------------------------------- helpers

/** An affine form l·x + b, as polynomials (l_i and b free of the variables). */
interface Affine {
  readonly lin: readonly Poly[];
  readonly b: Poly;
  readonly key: string;
}

function affineOf(arg: Expr, vars: readonly string[]): Affine | undefined {
  let p;
  try {
    p = polyIn(arg, vars);
  } catch {
    return undefined;
  }
  const lin: Poly[] = vars.map(() => polyConst(0));
  let b = polyConst(0);
  for (const t of p.terms) {
    const deg = t.exps.reduce((s, k) => s + k, 0);
    if (deg > 1) return undefined;
    const c = polyFromExpr(t.coeff);
    if (deg === 0) b = polyAdd(b, c);
    else lin[t.exps.findIndex((k) => k === 1)] = polyAdd(lin[t.exps.findIndex((k) => k === 1)], c);
  }
  if (lin.every(polyIsZero)) return undefined;
  return { lin, b, key: [...lin, b].map((q) => print(polyToExpr(q))).join('|') };
}

const affineExpr = (a: Affine, vars: readonly string[]): Expr =>
  add(...a.lin.map((l, i) => mul(polyToExpr(l), sym(vars[i]))), polyToExpr(a.b));

/** The affine form as a polynomial in the variables. */
const affinePoly = (a: Affine, vars: readonly string[]): Poly =>
  polyAdd(...a.lin.map((l, i) => mulPoly(l, polyAtom(vars[i]))), a.b);

/** `derf` is erf′(w) = (2/√π) e^{−w²}, the form Gaussian bumps exp(−κ u²) are recognised as. */
type AffineFn = 'exp' | 'sin' | 'cos' | 'relu' | 'step' | 'abs' | 'erf' | 'tanh' | 'sigmoid' | 'softplus' | 'derf';

/** fn(arg) as an Expr of the grammar. */
function affineCall(fn: AffineFn, arg: Expr): Expr {
  if (fn === 'derf') return mul(rat(2), pow(call('sqrt', PI), MINUS_ONE), call('exp', mul(MINUS_ONE, pow(arg, rat(2)))));
  return call(fn, arg);
}

/**
 * exp(−κ u² + b) for one variable u (κ, b free of the variables; κ not a
 * non-positive number): returns κ and b, so that the factor is
 * e^b (√π/2) erf′(√κ u).
 */
function gaussianBump(arg: Expr, vars: readonly string[]): { varIndex: number; kappa: Expr; b: Expr } | undefined {
  let p;
  try {
    p = polyIn(arg, vars);
  } catch {
    return undefined;
  }
  let varIndex = -1, kappa: Expr | undefined, b: Expr = ZERO;
  for (const t of p.terms) {
    const deg = t.exps.reduce((s, k) => s + k, 0);
    if (deg === 0) { b = t.coeff; continue; }
    const i = t.exps.findIndex((k) => k === 2);
    if (deg !== 2 || i < 0 || kappa !== undefined) return undefined;
    varIndex = i;
    kappa = expandExpr(mul(MINUS_ONE, t.coeff));
  }
  if (kappa === undefined) return undefined;
  const kv = numericValue(kappa);
  if (kv !== undefined && kv <= 0) return undefined;
  return { varIndex, kappa, b };
}

const expandExpr = (e: Expr): Expr => polyToExpr(polyFromExpr(e));
const AFFINE_FNS = new Set<string>(['exp', 'sin', 'cos', 'relu', 'step', 'abs', 'erf', 'tanh', 'sigmoid', 'softplus']);

/** A factor of a term that is not polynomial in the variables. */
type Factor =
  | { readonly type: 'affine'; readonly fn: AffineFn; readonly aff: Affine; readonly power: number }
  | { readonly type: 'opaque'; readonly atom: Expr; readonly power: number };

const factorKey = (f: Factor): string =>
  (f.type === 'affine' ? `${f.fn}(${f.aff.key})` : `[${print(f.atom)}]`) + `^${f.power}`;

const factorExpr = (f: Factor, vars: readonly string[]): Expr =>
  pow(f.type === 'affine' ? affineCall(f.fn, affineExpr(f.aff, vars)) : f.atom, rat(f.power));

/** Terms with the same non-polynomial factors, their polynomial parts summed. */
interface Batch {
  poly: Poly;
  readonly factors: readonly Factor[];
}

/** A polynomial in the variables (and other atoms) split into monomials in the variables. */
function splitByVariables(p: Poly, vars: readonly string[]): Array<{ exps: number[]; coeff: Poly }> {
  const index = new Map(vars.map((v, i) => [v, i] as const));
  const groups = new Map<string, { exps: number[]; coeff: Poly }>();
  for (const t of polyTerms(p)) {
    const exps = new Array<number>(vars.length).fill(0);
    const rest: Poly[] = [];
    for (const f of t.factors) {
      const i = f.atom.kind === 'sym' ? index.get(f.atom.name) : undefined;
      if (i !== undefined) exps[i] = f.exp;
      else rest.push(polyAtom(f.atom, f.exp));
    }
    const coeff = polyScale(rest.length ? polyMul(...rest) : polyConst(1), t.coeff);
    const key = exps.join(',');
    const g = groups.get(key);
    if (g) g.coeff = polyAdd(g.coeff, coeff);
    else groups.set(key, { exps, coeff });
  }
  return [...groups.values()];
}

/** p with variables replaced by polynomials. */
function substitutePoly(p: Poly, map: ReadonlyMap<string, Poly>): Poly {
  const parts: Poly[] = [];
  for (const t of polyTerms(p)) {
    const fs = t.factors.map((f) => {
      const r = f.atom.kind === 'sym' ? map.get(f.atom.name) : undefined;
      return r ? polyPow(r, f.exp) : polyAtom(f.atom, f.exp);
    });
    parts.push(polyScale(fs.length ? polyMul(...fs) : polyConst(1), t.coeff));
  }
  return polyAdd(...parts);
}

interface Partial {
  expr: Expr;
  exact: boolean;
  methods: string[];
  truncationOrder?: number;
  quadratureOrder?: number;
  /** absolute error estimate of the quadrature parts; NaN when one is unknown (symbolic coefficient) */
  errorEstimate?: number;
}

/** Merges the quadrature bookkeeping of r into acc (orders: the largest; errors: the sum, NaN if unknown). */
function mergeQuadrature(acc: { quadratureOrder?: number; errorEstimate?: number }, r: Partial, scale: number | undefined): void {
  if (r.quadratureOrder !== undefined) acc.quadratureOrder = Math.max(acc.quadratureOrder ?? 0, r.quadratureOrder);
  if (r.errorEstimate !== undefined) {
    const err = scale === undefined ? NaN : Math.abs(scale) * r.errorEstimate;
    acc.errorEstimate = (acc.errorEstimate ?? 0) + err;
  }
}

// ---------------------------------------------------------------- entry point

/**
 * E[e] for x = vars ~ N(mean, cov). See the file header for which inputs go to
 * which method; the result says which method ran and whether it is exact.
 */
export function gaussianExpectation(
  e: Expr, vars: readonly string[], cov: readonly (readonly Expr[])[], opts: GaussianExpectationOptions = {},
): GaussianExpectationResult {
  validateCovariance(vars, cov, opts.mean);
  const K = opts.hermiteOrder ?? DEFAULT_HERMITE_ORDER;
  if (!Number.isInteger(K) || K < 0 || K > MAX_HERMITE_ORDER) {
    throw new GaussianExpectationError(`hermiteOrder must be an integer in 0..${MAX_HERMITE_ORDER}, got ${K}`);
  }
  // Integer monomials, zero mean, a covariance of symbols and integers: Isserlis by
  // counting pairing patterns in safe integers (gaussian-wick.ts); the same Expr as below.
  const counted = countedIsserlis(e, vars, cov, opts.mean, { maxDegree: MAX_EXACT_DEGREE, maxStates: MAX_EXACT_STATES });
  if (counted) return { expr: counted, exact: true, method: 'isserlis' };
  // Rational polynomials with a rational covariance and mean: exact BigInt Isserlis by
  // counting over linear forms (gaussian-exact.ts), no expansion of powers of sums.
  const ex = exactPolynomialExpectation(e, vars, cov, opts.mean);
  if (ex) return { ...exactExpectationResult(ex), method: 'isserlis' };
  return new Engine(vars, cov, K, true, opts.orthant ? { callback: opts.orthant, used: false } : undefined).run(e, opts.mean);
}

class Engine {
  readonly sigma: PolyMatrix;

  constructor(
    readonly vars: readonly string[],
    readonly cov: readonly (readonly Expr[])[],
    readonly K: number,
    /** Whether the Hermite/quadrature fallbacks may run (off inside coefficient computations). */
    readonly allowFallback: boolean,
    /** GaussianExpectationOptions.orthant, shared with the sub-engines, and whether it was called. */
    readonly orthant?: { readonly callback: (cov: Expr[][]) => Expr; used: boolean },
  ) {
    this.sigma = covarianceAsPolys(cov);
  }

  /** Whether the input's numbers are all exact rationals: then a float coefficient means an overflow (exact: false). */
  private exactInputs = true;

  run(e: Expr, mean?: readonly Expr[]): GaussianExpectationResult {
    const { vars } = this;
    this.exactInputs = allNumbersExact([e, ...this.cov.flat(), ...(mean ?? [])]);
    if (mean && mean.some((m) => !isZero(m))) {
      e = substitute(e, new Map(vars.map((v, i) => [v, add(sym(v), mean[i])] as const)));
    }
    const batches = this.batches(e);
    let polySum = polyConst(0);
    const others: Expr[] = [];
    let exact = true;
    const methods: string[] = [];
    let truncationOrder: number | undefined;
    const quad: { quadratureOrder?: number; errorEstimate?: number } = {};
    for (const batch of batches) {
      if (batch.factors.length === 0) {
        polySum = polyAdd(polySum, wickExpectation(this.sigma, splitByVariables(batch.poly, vars)));
        methods.push('isserlis');
        continue;
      }
      const r = this.batch(batch);
      others.push(r.expr);
      exact &&= r.exact;
      methods.push(...r.methods);
      if (r.truncationOrder !== undefined) truncationOrder = Math.max(truncationOrder ?? 0, r.truncationOrder);
      mergeQuadrature(quad, r, 1);
    }
    // a coefficient beyond 2^53 from exact inputs makes the Isserlis part a float
    if (this.exactInputs && !polyIsExact(polySum)) exact = false;
    const expr = add(polyToExpr(polySum), ...others);
    const deferred = exact && this.orthant?.used === true;
    if (deferred) methods.push('orthant');
    const method = [...new Set(methods)].join('+') || 'isserlis';
    return {
      expr, exact: exact && !deferred, method, ...(deferred ? { deferred } : {}),
      ...(truncationOrder === undefined ? {} : { truncationOrder }),
      ...(quad.quadratureOrder === undefined ? {} : { quadratureOrder: quad.quadratureOrder }),
      ...(quad.errorEstimate === undefined || Number.isNaN(quad.errorEstimate) ? {} : { errorEstimate: quad.errorEstimate }),
    };
  }

  /** Expands e and groups its terms by their non-polynomial factors. */
  batches(e: Expr): Batch[] {
    const { vars } = this;
    const varSet = new Set(vars);
    const out = new Map<string, Batch>();
    const parts = new Map<string, Poly[]>();
    const p = polyFromExpr(e);
    for (const t of polyTerms(p)) {
      const polyParts: Poly[] = [polyConst(t.coeff)];
      const factors: Factor[] = [];
      for (const { atom, exp } of t.factors) {
        if (!vars.some((v) => dependsOn(atom, v))) { polyParts.push(polyAtom(atom, exp)); continue; }
        if (atom.kind === 'sym' && varSet.has(atom.name)) {
          if (exp < 0) throw new GaussianExpectationError(`E[${print(pow(atom, rat(exp)))}] is not defined (negative power of a Gaussian variable)`);
          polyParts.push(polyAtom(atom, exp));
          continue;
        }
        if (atom.kind === 'call' && AFFINE_FNS.has(atom.fn) && exp > 0) {
          const aff = affineOf(atom.args[0], vars);
          if (aff) { factors.push({ type: 'affine', fn: atom.fn as AffineFn, aff, power: exp }); continue; }
        }
        if (atom.kind === 'call' && atom.fn === 'exp' && exp > 0) {
          const bump = gaussianBump(atom.args[0], vars);
          if (bump) {
            // exp(−κu² + b)^k = e^{kb} (√π/2)^k erf′(√κ u)^k
            const lin = vars.map((_, i) => (i === bump.varIndex ? polyFromExpr(sqrtExpr(bump.kappa)) : polyConst(0)));
            const aff: Affine = { lin, b: polyConst(0), key: [...lin, polyConst(0)].map((q) => print(polyToExpr(q))).join('|') };
            factors.push({ type: 'affine', fn: 'derf', aff, power: exp });
            polyParts.push(polyFromExpr(pow(mul(isZero(bump.b) ? ONE : call('exp', bump.b), call('sqrt', PI), HALF), rat(exp))));
            continue;
          }
        }
        factors.push({ type: 'opaque', atom, power: exp });
      }
      factors.sort((a, b) => (factorKey(a) < factorKey(b) ? -1 : factorKey(a) > factorKey(b) ? 1 : 0));
      const key = factors.map(factorKey).join('*');
      const poly = polyMul(...polyParts);
      // one polyAdd per batch at the end: adding term by term copied the growing sum each time (quadratic)
      const list = parts.get(key);
      if (list) list.push(poly);
      else { parts.set(key, [poly]); out.set(key, { poly, factors }); }
    }
    for (const [key, list] of parts) if (list.length > 1) out.get(key)!.poly = polyAdd(...list);
    return [...out.values()].filter((b) => !polyIsZero(b.poly));
  }

  batch(b: Batch): Partial {
    const merged = this.mergeSameArgument(b);
    if (merged.factors.length === 0) {
      const w = wickExpectation(this.sigma, splitByVariables(merged.poly, this.vars));
      return { expr: polyToExpr(w), exact: !this.exactInputs || polyIsExact(w), methods: ['isserlis'] };
    }
    const opaque = merged.factors.some((f) => f.type === 'opaque');
    if (!opaque) {
      const affs = merged.factors as Array<Extract<Factor, { type: 'affine' }>>;
      const exps = affs.filter((f) => f.fn === 'exp');
      const trig = affs.filter((f) => f.fn === 'sin' || f.fn === 'cos');
      const acts = affs.filter((f) => f.fn !== 'exp' && f.fn !== 'sin' && f.fn !== 'cos');
      if (acts.length === 0) {
        const r = this.completeSquare(merged.poly, exps, trig);
        if (r) return { expr: r, exact: true, methods: ['complete-square'] };
      } else {
        const actList = [...acts, ...trig].flatMap((f) => new Array<typeof f>(f.power).fill(f));
        if (actList.length <= 2) {
          const r = this.stein(merged.poly, exps, actList);
          if (r) return { expr: r, exact: true, methods: ['closed-form'] };
        }
        const bump = acts.find((f) => f.fn === 'derf' && polyIsZero(f.aff.b));
        if (bump) {
          const r = this.tilt(merged, bump);
          if (r) return { expr: r, exact: true, methods: ['closed-form'] };
        }
        // (only as many half-spaces as variables they involve: dependent forms, e.g. relu(u)relu(v)relu(u+v),
        // keep going to the polar quadrature, which is f64-accurate there)
        const involved = this.vars.filter((_, i) => actList.some((f) => !polyIsZero(f.aff.lin[i]))).length;
        if (exps.length === 0 && trig.length === 0 && actList.length >= 3 && new Set(actList.map((f) => f.aff.key)).size <= involved
          && actList.every((f) => (f.fn === 'relu' || f.fn === 'step') && polyIsZero(f.aff.b))) {
          let poly = merged.poly;
          for (const f of actList) if (f.fn === 'relu') poly = polyMul(poly, affinePoly(f.aff, this.vars));
          const r = this.halfSpaces(poly, actList.map((f) => f.aff));
          if (r) return { expr: tidyExpand(r), exact: true, methods: ['closed-form'] };
        }
      }
      const zero = this.oddPartVanishes(merged);
      if (zero) return { expr: ZERO, exact: true, methods: ['closed-form'] };
    }
    if (!this.allowFallback) {
      throw new GaussianExpectationError(`no closed form for E[${print(this.batchExpr(merged))}]`);
    }
    return this.fallback(merged);
  }

  /**
   * Gaussian tilt by a bump erf′(l·x)^p = (2/√π)^p e^{−p (l·x)²}: with s = lᵀΣl,
   * E_Σ[e^{−p(l·x)²} F(x)] = (1 + 2ps)^{−1/2} E_Σ'[F(x)], Σ' = Σ − 2p Σl lᵀΣ/(1 + 2ps)
   * (the density times the bump, renormalised). The rest of the batch is taken under
   * Σ' by closed forms only (further bumps tilt again); null when one is missing.
   * This is how products of erf-family activations and their derivatives reduce to
   * the pair table (E[erf′(u) v erf(w)], E[erf′(u) erf′(v) erf(w) erf(z)], ...).
   */
  tilt(b: Batch, bump: Extract<Factor, { type: 'affine' }>): Expr | null {
    const { vars, sigma } = this;
    const p = rat(bump.power);
    const sl = matVec(sigma, bump.aff.lin);
    const s = dot(bump.aff.lin, sl);
    const D = polyToExpr(polyAdd(polyConst(1), polyScale(s, numMul(p, rat(2)))));
    const Dinv = pow(D, MINUS_ONE);
    const cov = vars.map((_, i) => vars.map((__, j) =>
      add(polyToExpr(sigma[i][j]), mul(rat(-2), p, polyToExpr(sl[i]), polyToExpr(sl[j]), Dinv))));
    const rest: Batch = { poly: b.poly, factors: b.factors.filter((f) => f !== bump) };
    const sub = new Engine(vars, cov, this.K, false, this.orthant);
    let inner: GaussianExpectationResult;
    try {
      inner = sub.run(sub.batchExpr(rest));
    } catch (err) {
      if (err instanceof GaussianExpectationError) return null;
      throw err;
    }
    const pref = mul(pow(mul(rat(2), pow(call('sqrt', PI), MINUS_ONE)), p), pow(sqrtExpr(D), MINUS_ONE));
    return tidyExpand(mul(pref, inner.expr));
  }

  /**
   * Zero by symmetry: when every factor is an even or odd function of a linear form
   * (no constant), x → −x flips the sign of the monomials of one parity; true when
   * only those are left.
   */
  oddPartVanishes(b: Batch): boolean {
    let sign = 1;
    for (const f of b.factors) {
      if (f.type !== 'affine' || !polyIsZero(f.aff.b)) return false;
      const kind = f.fn === 'exp' || f.fn === 'relu' || f.fn === 'step' || f.fn === 'softplus' || f.fn === 'sigmoid' ? undefined : f.fn;
      const par = kind === undefined ? 0 : parity(kind);
      if (par === 0) return false;
      if (par === -1 && f.power % 2 === 1) sign = -sign;
    }
    return splitByVariables(b.poly, this.vars).every((t) => polyIsZero(t.coeff)
      || (t.exps.reduce((acc, k) => acc + k, 0) % 2 === 0 ? sign : -sign) === -1);
  }

  /**
   * E[p(x) Π_s step(l_s·x)] for three or more half-spaces (relu(w) = w·step(w) folded
   * into p beforehand): Stein on a variable of each monomial, E[x_i m S] =
   * Σ_j Σ_ij E[∂_j m S] + Σ_s (Σl_s)_i E[m δ(l_s·x) Π_{t≠s} step(l_t·x)], where the δ term
   * is the density of l_s·x at 0, (2π l_sᵀΣl_s)^{-1/2}, times the expectation under the
   * conditional covariance Σ − Σl_s l_sᵀΣ/(l_sᵀΣl_s); down to two half-spaces (the pair
   * table) or, for a constant, the trivariate orthant probability
   * 1/8 + (arcsin ρ12 + arcsin ρ13 + arcsin ρ23)/(4π). Null where four or more
   * half-spaces meet a constant (no closed form).
   */
  halfSpaces(p: Poly, forms: readonly Affine[]): Expr | null {
    const { vars, sigma } = this;
    if (polyIsZero(p)) return ZERO;
    const asFactors = (fs: readonly Affine[]) => fs.map((aff) => ({ type: 'affine' as const, fn: 'step' as const, aff, power: 1 }));
    if (forms.length <= 2) {
      // the pair table when it has the derivatives the polynomial needs; else condition further
      const r = this.stein(p, [], asFactors(forms));
      if (r !== null || forms.length < 2) return r;
    }
    const sl = forms.map((f) => matVec(sigma, f.lin));
    const variance = forms.map((f, i) => dot(f.lin, sl[i]));
    const parts: Expr[] = [];
    for (const term of splitByVariables(p, vars)) {
      if (polyIsZero(term.coeff)) continue;
      const i = term.exps.findIndex((k) => k > 0);
      if (i < 0) {
        if (forms.length === 2) {
          const r = this.stein(term.coeff, [], asFactors(forms));
          if (r === null) return null;
          parts.push(r);
          continue;
        }
        if (forms.length === 4 && this.orthant) {
          this.orthant.used = true;
          const C = forms.map((_, a) => forms.map((__, b) => polyToExpr(dot(forms[a].lin, sl[b]))));
          parts.push(mul(polyToExpr(term.coeff), this.orthant.callback(C)));
          continue;
        }
        if (forms.length !== 3) return null;
        const rho = (a: number, b: number) => div(polyToExpr(dot(forms[a].lin, sl[b])), sqrtExpr(mul(polyToExpr(variance[a]), polyToExpr(variance[b]))));
        const orthant = add(rat(1, 8), mul(pow(mul(rat(4), PI), MINUS_ONE),
          add(call('arcsin', rho(0, 1)), call('arcsin', rho(0, 2)), call('arcsin', rho(1, 2)))));
        parts.push(mul(polyToExpr(term.coeff), orthant));
        continue;
      }
      // m = x^exps / x_i
      const rest = term.exps.slice();
      rest[i]--;
      const m = polyScale(mulPoly(term.coeff, polyMul(...rest.map((k, j) => polyPow(polyAtom(vars[j]), k)), polyConst(1))), ONE);
      // Σ_j Σ_ij ∂_j m
      let dm = polyConst(0);
      rest.forEach((k, j) => {
        if (k === 0 || polyIsZero(sigma[i][j])) return;
        const lower = rest.slice();
        lower[j]--;
        const mono = polyMul(...lower.map((kk, jj) => polyPow(polyAtom(vars[jj]), kk)), polyConst(1));
        dm = polyAdd(dm, mulPoly(polyScale(mulPoly(term.coeff, mono), rat(k)), sigma[i][j]));
      });
      if (!polyIsZero(dm)) {
        const r = this.halfSpaces(dm, forms);
        if (r === null) return null;
        parts.push(r);
      }
      for (let s2 = 0; s2 < forms.length; s2++) {
        const c = sl[s2][i];
        if (polyIsZero(c)) continue;
        const vs = polyToExpr(variance[s2]);
        const cov = vars.map((_, a) => vars.map((__, b) =>
          add(polyToExpr(sigma[a][b]), mul(MINUS_ONE, polyToExpr(sl[s2][a]), polyToExpr(sl[s2][b]), pow(vs, MINUS_ONE)))));
        const sub = new Engine(vars, cov, this.K, false, this.orthant);
        const inner = sub.halfSpaces(m, forms.filter((_, t) => t !== s2));
        if (inner === null) return null;
        parts.push(mul(polyToExpr(c), pow(sqrtExpr(mul(rat(2), PI, vs)), MINUS_ONE), inner));
      }
    }
    return add(...parts);
  }

  batchExpr(b: Batch): Expr {
    return mul(polyToExpr(b.poly), ...b.factors.map((f) => factorExpr(f, this.vars)));
  }

  /**
   * Products of relu/step/abs of the same affine form w collapse to one factor:
   * relu^r |w|^a step^s = w^{r+a−1} relu(w) (r ≥ 1), w^a step(w) (r = 0 < s);
   * |w|^a = w^a (a even) or w^{a−1}|w| (a odd).
   */
  mergeSameArgument(b: Batch): Batch {
    const byArg = new Map<string, Array<Extract<Factor, { type: 'affine' }>>>();
    const rest: Factor[] = [];
    for (const f of b.factors) {
      if (f.type === 'affine' && (f.fn === 'relu' || f.fn === 'step' || f.fn === 'abs')) {
        const list = byArg.get(f.aff.key) ?? [];
        list.push(f);
        byArg.set(f.aff.key, list);
      } else rest.push(f);
    }
    let poly = b.poly;
    let changed = false;
    for (const list of byArg.values()) {
      const aff = list[0].aff;
      const pw = (fn: string) => list.filter((f) => f.fn === fn).reduce((s, f) => s + f.power, 0);
      const r = pw('relu'), s = pw('step'), a = pw('abs');
      const w = affinePoly(aff, this.vars);
      let k: number, fn: 'relu' | 'step' | 'abs' | undefined;
      if (r > 0) { k = r + a - 1; fn = 'relu'; }
      else if (s > 0) { k = a; fn = 'step'; }
      else { k = a % 2 === 0 ? a : a - 1; fn = a % 2 === 0 ? undefined : 'abs'; }
      if (list.length === 1 && list[0].power === 1) { rest.push(list[0]); continue; }
      changed = true;
      if (k > 0) poly = polyMul(poly, polyPow(w, k));
      if (fn) rest.push({ type: 'affine', fn, aff, power: 1 });
    }
    if (!changed) return b;
    rest.sort((x, y) => (factorKey(x) < factorKey(y) ? -1 : 1));
    return { poly, factors: rest };
  }

  /** E[p(x) Π exp(a_r·x + b_r) Π trig_t(l_t·x + β_t)] by completing the square (complex shift for trig). */
  completeSquare(
    p: Poly, exps: ReadonlyArray<Extract<Factor, { type: 'affine' }>>, trig: ReadonlyArray<Extract<Factor, { type: 'affine' }>>,
  ): Expr | null {
    const { vars, sigma } = this;
    const d = vars.length;
    let a: Poly[] = vars.map(() => polyConst(0));
    let b0 = polyConst(0);
    for (const f of exps) {
      a = a.map((x, i) => polyAdd(x, polyScale(f.aff.lin[i], rat(f.power))));
      b0 = polyAdd(b0, polyScale(f.aff.b, rat(f.power)));
    }
    const trigList = trig.flatMap((f) => new Array<typeof f>(f.power).fill(f));
    const T = trigList.length;
    if (T > MAX_TRIG_FACTORS) return null;
    const sa = matVec(sigma, a);
    const aSa = dot(a, sa);
    const unit = freshSymbol('imag_unit', [...vars, ...freeSymbols(polyToExpr(p))]);
    const parts: Expr[] = [];
    const patterns = T === 0 ? 1 : 2 ** (T - 1);
    for (let mask = 0; mask < patterns; mask++) {
      // ε_0 = +1; ε_t = −1 where bit t−1 of mask is set. Conjugate patterns are folded into 2·Re.
      const eps = trigList.map((_, t) => (t === 0 ? 1 : (mask >> (t - 1)) & 1 ? -1 : 1));
      let B: Poly[] = vars.map(() => polyConst(0));
      let beta = polyConst(0);
      let cRe: Num = ONE, cIm: Num = ZERO; // Π c_ε: cos → 1/2, sin → ∓i/2
      trigList.forEach((f, t) => {
        B = B.map((x, i) => polyAdd(x, polyScale(f.aff.lin[i], rat(eps[t]))));
        beta = polyAdd(beta, polyScale(f.aff.b, rat(eps[t])));
        const [fr, fi] = f.fn === 'cos' ? [HALF, ZERO] : [ZERO, rat(-eps[t], 2)];
        [cRe, cIm] = [numAdd(numMul(cRe, fr), numMul(numMul(cIm, fi), MINUS_ONE)), numAdd(numMul(cRe, fi), numMul(cIm, fr))];
      });
      const sB = matVec(sigma, B);
      const realExponent = polyAdd(b0, polyScale(polySubtract(aSa, dot(B, sB)), HALF));
      const theta = polyAdd(beta, dot(a, sB));
      // E[p(x + Σa + iΣB)] with i carried as the formal symbol `unit`.
      const shift = new Map<string, Poly>();
      for (let i = 0; i < d; i++) {
        const s = polyAdd(sa[i], mulPoly(sB[i], polyAtom(unit)));
        if (!polyIsZero(s)) shift.set(vars[i], polyAdd(polyAtom(vars[i]), s));
      }
      const shifted = shift.size ? substitutePoly(p, shift) : p;
      const moments = splitByVariables(shifted, [...vars, unit]);
      let pRe = polyConst(0), pIm = polyConst(0);
      const byPower = new Map<number, Array<{ exps: number[]; coeff: Poly }>>();
      for (const m of moments) {
        const k = m.exps[d];
        const list = byPower.get(k) ?? [];
        list.push({ exps: m.exps.slice(0, d), coeff: m.coeff });
        byPower.set(k, list);
      }
      for (const [k, list] of byPower) {
        const val = polyScale(wickExpectation(sigma, list), rat(k % 4 >= 2 ? -1 : 1));
        if (k % 2 === 0) pRe = polyAdd(pRe, val); else pIm = polyAdd(pIm, val);
      }
      // Re[(cRe + i cIm) e^{iθ} (pRe + i pIm)] = X pRe − Y pIm.
      const thetaZero = polyIsZero(theta);
      const th = polyToExpr(theta);
      const cosT = thetaZero ? ONE : call('cos', th), sinT = thetaZero ? ZERO : call('sin', th);
      const X = add(mul(cRe, cosT), mul(MINUS_ONE, cIm, sinT));
      const Y = add(mul(cRe, sinT), mul(cIm, cosT));
      const re = add(mul(X, polyToExpr(pRe)), mul(rat(-1), Y, polyToExpr(pIm)));
      const pref = polyIsZero(realExponent) ? ONE : call('exp', polyToExpr(realExponent));
      parts.push(mul(rat(T === 0 ? 1 : 2), pref, re));
    }
    return tidyExpand(add(...parts));
  }

  /**
   * E[p(x) Π exp(a·x + b) φ1(w1) (φ2(w2))]: tilt by the exponentials (x → x + Σa),
   * reduce the polynomial by Stein's lemma, then the closed-form table. Null when
   * some needed table entry is missing.
   */
  stein(
    p: Poly, exps: ReadonlyArray<Extract<Factor, { type: 'affine' }>>, acts: ReadonlyArray<Extract<Factor, { type: 'affine' }>>,
  ): Expr | null {
    const { vars, sigma } = this;
    let a: Poly[] = vars.map(() => polyConst(0));
    let b0 = polyConst(0);
    for (const f of exps) {
      a = a.map((x, i) => polyAdd(x, polyScale(f.aff.lin[i], rat(f.power))));
      b0 = polyAdd(b0, polyScale(f.aff.b, rat(f.power)));
    }
    const sa = matVec(sigma, a);
    const tilted = !a.every(polyIsZero);
    let poly = p;
    if (tilted) {
      const shift = new Map<string, Poly>();
      vars.forEach((v, i) => { if (!polyIsZero(sa[i])) shift.set(v, polyAdd(polyAtom(v), sa[i])); });
      poly = substitutePoly(p, shift);
    }
    const lins = acts.map((f) => f.aff.lin);
    const bs = acts.map((f) => (tilted ? polyAdd(f.aff.b, dot(f.aff.lin, sa)) : f.aff.b));
    const kinds = acts.map((f) => f.fn as ActKind);
    const sigmaL = lins.map((l) => matVec(sigma, l));
    const variances = lins.map((l, i) => dot(l, sigmaL[i]));
    const reducer = new SteinReducer(sigma, sigmaL);
    const byShift = new Map<string, { shift: number[]; coeff: Poly }>();
    for (const term of splitByVariables(poly, vars)) {
      for (const r of reducer.reduce(term.exps).values()) {
        const key = r.shift.join(',');
        const c = mulPoly(term.coeff, r.coeff);
        const old = byShift.get(key);
        byShift.set(key, { shift: r.shift, coeff: old ? polyAdd(old.coeff, c) : c });
      }
    }
    const parts: Expr[] = [];
    let polySum: Poly | undefined;
    for (const { shift, coeff } of byShift.values()) {
      if (polyIsZero(coeff)) continue;
      let base: Expr | null;
      if (kinds.length === 1) {
        base = singleMoment(kinds[0], shift[0], polyToExpr(variances[0]), polyToExpr(bs[0]));
      } else {
        if (!polyIsZero(bs[0]) || !polyIsZero(bs[1])) return null;
        base = pairMoment(kinds[0], shift[0], kinds[1], shift[1], { q1: variances[0], q2: variances[1], c: dot(lins[0], sigmaL[1]) });
      }
      if (base === null) return null;
      if (isZero(base)) continue;
      const cv = polyConstValue(coeff);
      if (cv !== undefined && byShift.size === 1) parts.push(mul(cv, base));
      else {
        // Several terms or a polynomial coefficient: multiply out and collect, so
        // that like terms and constants such as √π cancel.
        const term = polyMul(coeff, polyFromExpr(tidyRoots(base)));
        polySum = polySum ? polyAdd(polySum, term) : term;
      }
    }
    const body = polySum ? tidyExpand(polyToExpr(polySum)) : tidyRoots(add(...parts));
    const exponent = polyAdd(b0, polyScale(dot(a, sa), HALF));
    return polyIsZero(exponent) || isZero(body) ? body : mul(call('exp', polyToExpr(exponent)), body);
  }

  // ------------------------------------------------------------ fallbacks

  /** Hermite series (two linear forms) or numeric quadrature, one monomial of the batch at a time. */
  fallback(b: Batch): Partial {
    const { vars } = this;
    this.checkDivergence(b);
    const parts: Expr[] = [];
    let exact = true;
    const methods: string[] = [];
    let truncationOrder: number | undefined;
    const quad: { quadratureOrder?: number; errorEstimate?: number } = {};
    for (const term of splitByVariables(b.poly, vars)) {
      const r = this.fallbackMonomial(term.exps, b.factors);
      const cv = polyConstValue(term.coeff);
      parts.push(cv !== undefined ? mul(cv, r.expr) : mul(polyToExpr(term.coeff), r.expr));
      exact &&= r.exact;
      methods.push(...r.methods);
      if (r.truncationOrder !== undefined) truncationOrder = Math.max(truncationOrder ?? 0, r.truncationOrder);
      mergeQuadrature(quad, r, cv !== undefined ? numValue(cv) : numericValue(polyToExpr(term.coeff)));
    }
    return { expr: add(...parts), exact, methods, truncationOrder, ...quad };
  }

  /**
   * Throws GaussianExpectationError('E[...] diverges: ...') when the exp(P(x)) factors
   * of the batch grow at least as fast as the Gaussian density decays (see the file
   * header). Silent whenever some factor or coefficient is not understood.
   */
  checkDivergence(b: Batch): void {
    const { vars, sigma } = this;
    const d = vars.length;
    const S = sigma.map((row) => row.map(numOf));
    if (d === 0 || S.some((row) => row.some((x) => x === undefined))) return;
    const Sn = S as Num[][];
    const eig = symmetricEigen(Sn.flat().map(numValue), d);
    const lamMax = Math.max(0, ...eig.values);
    // Σ = B Bᵀ, B's columns √λ_j v_j over the positive eigenvalues: the support of x.
    const basis: number[][] = [];
    for (let j = 0; j < d; j++) {
      if (eig.values[j] > 1e-12 * lamMax) basis.push(vars.map((_, i) => eig.vectors[i * d + j] * Math.sqrt(eig.values[j])));
    }
    if (basis.length === 0) return;
    let P = polyConst(0);
    const halfSpaces = new Set<string>();
    let linearDecay = false;
    for (const f of b.factors) {
      if (f.type === 'opaque') {
        const q = expExponent(f.atom, vars);
        if (q === undefined) return;
        P = polyAdd(P, polyScale(q, rat(f.power)));
        continue;
      }
      const w = affinePoly(f.aff, vars);
      if (f.fn === 'exp') { P = polyAdd(P, polyScale(w, rat(f.power))); continue; }
      if (f.fn === 'derf') { P = polyAdd(P, polyScale(polyMul(w, w), rat(-f.power))); continue; }
      // The factor must vary on the support (else it is a constant, possibly 0).
      const lin = f.aff.lin.map(numOf);
      if (lin.some((x) => x === undefined)) return;
      const variance = numOf(dot(f.aff.lin, matVec(sigma, f.aff.lin)));
      const norm2 = lin.reduce((acc, x) => acc + numValue(x!) ** 2, 0);
      if (variance === undefined || !(numValue(variance) > 1e-12 * lamMax * norm2)) return;
      if (f.fn === 'relu' || f.fn === 'step') halfSpaces.add(f.aff.key);
      else if (f.fn === 'sigmoid' || f.fn === 'softplus') linearDecay = true;
      // erf, tanh, abs, sin, cos: bounded away from 0 off a neighbourhood of their zero set, not decaying
    }
    const numericTerms = (p: Poly) => {
      const out: Array<{ exps: number[]; c: number }> = [];
      for (const t of splitByVariables(p, vars)) {
        const c = numOf(t.coeff);
        if (c === undefined) return undefined;
        if (c.p !== 0) out.push({ exps: t.exps, c: numValue(c) });
      }
      return out;
    };
    const pTerms = numericTerms(b.poly), eTerms = numericTerms(P);
    if (!pTerms || !eTerms) return;
    const degree = (t: { exps: number[] }) => t.exps.reduce((acc, k) => acc + k, 0);
    const top = Math.max(0, ...eTerms.map(degree));
    if (top < 2) return;
    // Directions g of the whitened space (unit vectors and seeded pseudo-random ones), as points x = B g.
    const r = basis.length;
    const dirs: number[][] = [];
    for (let j = 0; j < r; j++) for (const sg of [1, -1]) dirs.push(basis.map((_, k) => (k === j ? sg : 0)));
    let seed = 0x2545f491;
    const rand = () => { seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return seed / 2 ** 32 - 0.5; };
    for (let k = 0; k < 64; k++) dirs.push(basis.map(() => rand()));
    const points = dirs.map((g) => vars.map((_, i) => basis.reduce((acc, col, j) => acc + col[i] * g[j], 0)));
    const value = (ts: Array<{ exps: number[]; c: number }>, x: number[]) => {
      let v = 0, scale = 0;
      for (const t of ts) {
        let m = t.c;
        t.exps.forEach((k, i) => { m *= x[i] ** k; });
        v += m;
        scale += Math.abs(m);
      }
      return { v, scale };
    };
    // The polynomial factor must not vanish on the support.
    if (!points.some((x) => { const { v, scale } = value(pTerms, x); return Math.abs(v) > 1e-9 * scale; })) return;
    const what = `E[${print(this.batchExpr(b))}] diverges`;
    if (top > 2) {
      if (halfSpaces.size > 0) return;
      const H = eTerms.filter((t) => degree(t) === top);
      if (points.some((x) => { const { v, scale } = value(H, x); return v > 1e-9 * scale; })) {
        throw new GaussianExpectationError(`${what}: the exponent ${print(polyToExpr(P))} has degree ${top} and grows to +∞ along some direction, faster than the Gaussian density decays`);
      }
      return;
    }
    // Quadratic part A (symmetric), N = Σ − 2ΣAΣ.
    const A: Num[][] = vars.map(() => vars.map(() => ZERO));
    for (const t of splitByVariables(P, vars)) {
      if (degree(t) !== 2) continue;
      const c = numOf(t.coeff)!;
      const idx = t.exps.flatMap((k, i) => new Array<number>(k).fill(i));
      if (idx[0] === idx[1]) A[idx[0]][idx[0]] = numAdd(A[idx[0]][idx[0]], c);
      else {
        const h = numMul(c, HALF);
        A[idx[0]][idx[1]] = numAdd(A[idx[0]][idx[1]], h);
        A[idx[1]][idx[0]] = numAdd(A[idx[1]][idx[0]], h);
      }
    }
    const SAS = matMulNum(matMulNum(Sn, A), Sn);
    const N = Sn.map((row, i) => row.map((x, j) => numAdd(x, numMul(rat(-2), SAS[i][j]))));
    const scale = Math.max(lamMax, ...N.flat().map((x) => Math.abs(numValue(x))));
    const sig = inertia(Sn, 1e-12 * lamMax), nsig = inertia(N, 1e-10 * scale);
    const exponent = print(polyToExpr(P));
    const density = d === 1
      ? `the Gaussian density exp(${print(mul(numMul(rat(-1, 2), numPowInt(Sn[0][0], -1)), pow(sym(vars[0]), rat(2))))}) decays`
      : 'the Gaussian density decays';
    if (nsig.negative && halfSpaces.size <= 1) {
      throw new GaussianExpectationError(`${what}: the integrand grows like exp(${exponent}), faster than ${density}`);
    }
    if (!nsig.negative && nsig.rank < sig.rank && halfSpaces.size === 0 && !linearDecay) {
      throw new GaussianExpectationError(`${what}: the integrand grows like exp(${exponent}), as fast as ${density}`);
    }
  }

  fallbackMonomial(exps: readonly number[], factors: readonly Factor[]): Partial {
    const { vars } = this;
    const t = freshSymbol('t', vars);
    // Group the factors by the linear form they depend on (up to a scalar).
    const groups = new Map<string, { dir: Poly[]; items: Expr[] }>();
    const unitDir = (i: number) => vars.map((_, j) => polyConst(j === i ? 1 : 0));
    const addItem = (dir: Poly[], item: Expr) => {
      const key = dir.map((q) => print(polyToExpr(q))).join('|');
      const g = groups.get(key);
      if (g) g.items.push(item); else groups.set(key, { dir, items: [item] });
    };
    exps.forEach((k, i) => { if (k > 0) addItem(unitDir(i), pow(sym(t), rat(k))); });
    const described = () => print(mul(...exps.map((k, i) => pow(sym(vars[i]), rat(k))), ...factors.map((f) => factorExpr(f, vars))));
    for (const f of factors) {
      if (f.type === 'affine') {
        const i0 = f.aff.lin.findIndex((l) => !polyIsZero(l));
        const lambda = f.aff.lin[i0];
        const inv = polyPow(lambda, -1);
        const dir = f.aff.lin.map((l) => mulPoly(l, inv));
        addItem(dir, pow(affineCall(f.fn, add(mul(polyToExpr(lambda), sym(t)), polyToExpr(f.aff.b))), rat(f.power)));
      } else {
        const deps = vars.filter((v) => dependsOn(f.atom, v));
        if (deps.length !== 1) {
          return this.numericTensor(exps, factors, `E[${described()}]: the factor ${print(f.atom)} depends on ${deps.join(', ')} jointly`);
        }
        const i = vars.indexOf(deps[0]);
        addItem(unitDir(i), pow(substitute(f.atom, new Map([[deps[0], sym(t)]])), rat(f.power)));
      }
    }
    const gs = [...groups.values()];
    const variance = (dir: Poly[]) => dot(dir, matVec(this.sigma, dir));
    if (gs.length === 1) {
      const F = mul(...gs[0].items);
      const s = numericValue(polyToExpr(variance(gs[0].dir)));
      const others = [...freeSymbols(F)].filter((n) => n !== t);
      if (s === undefined || others.length) {
        throw new GaussianExpectationError(
          `no closed form for E[${described()}]; the numeric fallback needs numeric values for ${[...(s === undefined ? ['the variance'] : []), ...others].join(', ')}`);
      }
      const env: Record<string, number> = Object.create(null);
      const q = gaussianQuadrature1d((x) => { env[t] = x; return evaluate(F, env); }, s, kinkPoints(F, t), 2 * polyDegreeIn(F, t) + 4);
      if (typeof q === 'string') throw new GaussianExpectationError(`E[${described()}] ${q}`);
      return { expr: num(q.value), exact: false, methods: ['quadrature'], quadratureOrder: q.order, errorEstimate: q.error };
    }
    if (gs.length === 2) return this.hermiteSeries(gs[0], gs[1], t, described);
    return this.numericTensor(exps, factors, `E[${described()}] involves ${gs.length} linear forms`);
  }

  /**
   * Mehler: E[F1(w1) F2(w2)] ≈ Σ_{k≤K} a_k b_k ρ^k. With numeric coefficients the
   * truncation error is bounded by Cauchy–Schwarz and Parseval:
   * |Σ_{k>K} a_k b_k ρ^k| ≤ |ρ|^{K+1} √(A_K B_K), A_K = E[F1²] − Σ_{k≤K} a_k² (likewise B_K),
   * with E[F²] by 1-D quadrature; `errorEstimate` is that bound plus the coefficients'
   * quadrature error and rounding.
   */
  hermiteSeries(
    g1: { dir: Poly[]; items: Expr[] }, g2: { dir: Poly[]; items: Expr[] }, t: string, described: () => string,
  ): Partial {
    const s1 = dot(g1.dir, matVec(this.sigma, g1.dir));
    const s2 = dot(g2.dir, matVec(this.sigma, g2.dir));
    const c = dot(g1.dir, matVec(this.sigma, g2.dir));
    const F1 = mul(...g1.items), F2 = mul(...g2.items);
    const deg1 = polynomialDegree(F1, t), deg2 = polynomialDegree(F2, t);
    const finite = Math.min(deg1 ?? Infinity, deg2 ?? Infinity);
    const K = Math.min(this.K, finite);
    const A = this.hermiteCoefficients(F1, t, s1, K, described);
    const B = this.hermiteCoefficients(F2, t, s2, K, described);
    const s1e = polyToExpr(s1), s2e = polyToExpr(s2), ce = polyToExpr(c);
    const s1v = numericValue(s1e), s2v = numericValue(s2e), cv = numericValue(ce);
    const terms: Expr[] = [];
    let absSum = 0;
    for (let k = 0; k <= K; k++) {
      const ak = A.coeffs[k], bk = B.coeffs[k];
      const av = numericValue(ak), bv = numericValue(bk);
      if (av === 0 || bv === 0) continue;
      if (av !== undefined && bv !== undefined && s1v !== undefined && s2v !== undefined) {
        const coef = (av * bv) / Math.pow(s1v * s2v, k / 2);
        if (coef !== 0) terms.push(mul(num(coef), pow(ce, rat(k))));
        if (cv !== undefined) absSum += Math.abs(coef * cv ** k);
      } else {
        const rho = mul(ce, pow(sqrtExpr(mul(s1e, s2e)), MINUS_ONE));
        terms.push(mul(ak, bk, pow(rho, rat(k))));
      }
    }
    let expr = tidyExpand(add(...terms));
    const v = numericValue(expr);
    if (v !== undefined) expr = num(v);
    const exact = A.exact && B.exact && finite <= this.K;
    const out: Partial = { expr, exact, methods: ['hermite'], truncationOrder: K };
    if (!exact && v !== undefined && s1v !== undefined && s2v !== undefined && cv !== undefined) {
      const tailA = finite === deg1 ? 0 : this.parsevalTail(F1, t, s1v, A.coeffs);
      const tailB = finite === deg2 ? 0 : this.parsevalTail(F2, t, s2v, B.coeffs);
      const rho = s1v * s2v > 0 ? Math.min(1, Math.abs(cv) / Math.sqrt(s1v * s2v)) : 0;
      const truncation = Math.pow(rho, K + 1) * Math.sqrt(tailA * tailB);
      out.errorEstimate = truncation + A.error * Math.sqrt(B.norm2) + B.error * Math.sqrt(A.norm2) + 64 * Number.EPSILON * absSum;
    }
    return out;
  }

  /**
   * E[F(w)²] − Σ_{k≤K} a_k² for w ~ N(0, s) (the Parseval tail of the Hermite series),
   * with a margin for the rounding of the subtraction; Infinity when E[F²] is not finite.
   */
  parsevalTail(F: Expr, t: string, s: number, coeffs: readonly Expr[]): number {
    const F2 = mul(F, F);
    const env: Record<string, number> = Object.create(null);
    const q = gaussianQuadrature1d((x) => { env[t] = x; return evaluate(F2, env); }, s, kinkPoints(F2, t), 2 * polyDegreeIn(F2, t) + 4);
    if (typeof q === 'string') return Infinity;
    let sum = 0;
    for (const a of coeffs) { const x = numericValue(a) ?? NaN; sum += x * x; }
    if (!Number.isFinite(sum)) return Infinity;
    return Math.max(0, q.value - sum) + q.error + 1e-15 * q.value;
  }

  /**
   * a_k = E[F(w) h_k(w/√s)], w ~ N(0, s): exact (closed form in 1-D) when possible, else
   * numeric. Closed forms of h_k carry factorials that are not exact in f64 beyond
   * k = EXACT_HERMITE_MAX, so a numeric variance with a larger K takes the numeric
   * coefficients (stable three-term recurrence under piecewise Gauss–Legendre) instead.
   * `error` bounds the absolute error of the coefficient vector (ℓ², rough), `norm2` is Σ a_k².
   */
  hermiteCoefficients(
    F: Expr, t: string, s: Poly, K: number, described: () => string,
  ): { coeffs: Expr[]; exact: boolean; error: number; norm2: number } {
    const sExpr = polyToExpr(s);
    const sv = numericValue(sExpr);
    const others = [...freeSymbols(F)].filter((n) => n !== t);
    const numericPossible = sv !== undefined && others.length === 0;
    const norm2Of = (cs: Expr[]) => cs.reduce((acc, x) => acc + (numericValue(x) ?? 0) ** 2, 0);
    if (K <= EXACT_HERMITE_MAX || !numericPossible || polynomialDegree(F, t) !== undefined) {
      const sub = new Engine([t], [[sExpr]], 0, false);
      const coeffs: Expr[] = [];
      try {
        const z = mul(sym(t), pow(call('sqrt', sExpr), MINUS_ONE));
        for (let k = 0; k <= K; k++) {
          coeffs.push(sub.run(mul(F, normalizedHermiteExpr(k, z))).expr);
        }
        const norm2 = norm2Of(coeffs);
        return { coeffs, exact: true, error: 64 * Number.EPSILON * (K + 1) * Math.sqrt(norm2), norm2 };
      } catch (err) {
        if (!(err instanceof GaussianExpectationError)) throw err;
      }
    }
    if (!numericPossible) {
      throw new GaussianExpectationError(
        `no closed form for E[${described()}]; its Hermite series needs numeric values for ${[...(sv === undefined ? [`the variance ${print(sExpr)}`] : []), ...others].join(', ')}`);
    }
    const a = numericHermiteCoefficients(F, t, sv, K, 32);
    const check = numericHermiteCoefficients(F, t, sv, K, 24);
    let diff2 = 0;
    for (let k = 0; k <= K; k++) diff2 += (a[k] - check[k]) ** 2;
    const coeffs = [...a].map((x) => num(x));
    const norm2 = norm2Of(coeffs);
    return { coeffs, exact: false, error: Math.sqrt(diff2) + 64 * Number.EPSILON * (K + 1) * Math.sqrt(norm2), norm2 };
  }

  /** Numeric tensor Gauss–Hermite over all variables (numeric covariance, ≤ 4 variables). */
  numericTensor(exps: readonly number[], factors: readonly Factor[], why: string): Partial {
    const { vars } = this;
    const F = mul(...exps.map((k, i) => pow(sym(vars[i]), rat(k))), ...factors.map((f) => factorExpr(f, vars)));
    const cov = this.cov.map((row) => row.map(numericValue));
    const others = [...freeSymbols(F)].filter((n) => !vars.includes(n));
    if (cov.some((row) => row.some((x) => x === undefined)) || others.length || vars.length > 4) {
      throw new GaussianExpectationError(`no closed form for ${why}; the numeric fallback needs a numeric covariance, numeric coefficients and at most 4 variables`);
    }
    const env: Record<string, number> = Object.create(null);
    let value: number, check: number, order: number;
    const kinks = vars.length === 2 ? originKinks(factors) : undefined;
    if (kinks) {
      // Zero mean, kinks only along lines through the origin: polar rule, f64-accurate;
      // checked against a coarser rule on a smaller disc.
      const f = (u: number, v: number) => { env[vars[0]] = u; env[vars[1]] = v; return evaluate(F, env); };
      order = 32;
      value = expectation2dPolar(f, cov as number[][], kinks, { nAngle: 48, nRadius: order, radius: 16 });
      check = expectation2dPolar(f, cov as number[][], kinks, { nAngle: 32, nRadius: 24, radius: 13 });
    } else {
      const f = (x: Float64Array) => { vars.forEach((v, i) => { env[v] = x[i]; }); return evaluate(F, env); };
      order = [0, 200, 80, 40, 20][vars.length];
      value = expectationNd(f, cov as number[][], order);
      check = expectationNd(f, cov as number[][], Math.round(0.75 * order));
    }
    if (!Number.isFinite(value) || !Number.isFinite(check)) throw new GaussianExpectationError(`${why}: the numeric expectation is not finite`);
    const error = Math.abs(value - check) + 64 * Number.EPSILON * Math.abs(value);
    return { expr: num(value), exact: false, methods: ['quadrature'], quadratureOrder: order, errorEstimate: error };
  }
}

/**
 * For two variables: the lines α·u + β·v = 0 along which the factors kink, when
 * every kink is such a line through the origin (relu/step/abs of a linear form
 * with numeric coefficients and no constant); undefined otherwise.
 */
function originKinks(factors: readonly Factor[]): Array<[number, number]> | undefined {
  const lines: Array<[number, number]> = [];
  for (const f of factors) {
    if (f.type === 'opaque') {
      if (hasKinkFunction(f.atom)) return undefined;
      continue;
    }
    if (f.fn !== 'relu' && f.fn !== 'step' && f.fn !== 'abs') continue;
    if (!polyIsZero(f.aff.b)) return undefined;
    const [al, be] = f.aff.lin.map((l) => numericValue(polyToExpr(l)));
    if (al === undefined || be === undefined) return undefined;
    lines.push([al, be]);
  }
  return lines;
}

function hasKinkFunction(e: Expr): boolean {
  if (e.kind === 'call' && ['relu', 'step', 'abs', 'min', 'max'].includes(e.fn)) return true;
  if (e.kind === 'add') return e.terms.some(hasKinkFunction);
  if (e.kind === 'mul') return e.factors.some(hasKinkFunction);
  if (e.kind === 'pow') return hasKinkFunction(e.base) || hasKinkFunction(e.exp);
  if (e.kind === 'call') return e.args.some(hasKinkFunction);
  return false;
}

/**
 * Folds integer powers of square roots, (√x)^{2k} = x^k and (√x)^{2k+1} = x^k √x
 * (valid wherever √x is real), which the table's formulas and expansion leave behind.
 */
function tidyRoots(e: Expr): Expr {
  const t = mapChildren(e, tidyRoots);
  if (t.kind === 'pow' && t.exp.kind === 'num' && t.exp.q === 1 && Number.isSafeInteger(t.exp.p) && Math.abs(t.exp.p) >= 2) {
    const radicand = radicandOf(t.base);
    if (radicand !== undefined) {
      const n = t.exp.p;
      if (n % 2 === 0) return pow(radicand, rat(n / 2));
      return n > 0 ? mul(pow(radicand, rat((n - 1) / 2)), sqrtExpr(radicand))
        : mul(pow(radicand, rat((n + 1) / 2)), pow(sqrtExpr(radicand), MINUS_ONE));
    }
  }
  if (t.kind === 'mul') {
    // x^k / √x = x^{k−1} √x for k ≥ 1.
    const fs = t.factors.slice();
    let changed = false;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i];
      if (!(f.kind === 'pow' && f.exp.kind === 'num' && f.exp.p === -1 && f.exp.q === 1)) continue;
      const x = radicandOf(f.base);
      if (x === undefined) continue;
      const j = fs.findIndex((g, jj) => jj !== i && (equal(g, x)
        || (g.kind === 'pow' && equal(g.base, x) && g.exp.kind === 'num' && g.exp.q === 1 && Number.isSafeInteger(g.exp.p) && g.exp.p >= 1)));
      if (j < 0) continue;
      const g = fs[j];
      const k = g.kind === 'pow' && equal(g.base, x) ? (g.exp as Num).p : 1;
      fs[j] = pow(x, rat(k - 1));
      fs[i] = sqrtExpr(x);
      changed = true;
    }
    return changed ? mul(...fs) : t;
  }
  return t;
}

/** x when e is √x or x^(1/2). */
function radicandOf(e: Expr): Expr | undefined {
  if (e.kind === 'call' && e.fn === 'sqrt') return e.args[0];
  if (e.kind === 'pow' && e.exp.kind === 'num' && e.exp.p === 1 && e.exp.q === 2) return e.base;
  return undefined;
}

/** tidyRoots, then expansion with like terms collected (twice: folding can make new like terms). */
function tidyExpand(e: Expr): Expr {
  return tidyRoots(polyToExpr(polyFromExpr(tidyRoots(e))));
}

function polySubtract(a: Poly, b: Poly): Poly { return polyAdd(a, polyScale(b, MINUS_ONE)); }

// ---------------------------------------------------------------- divergence and 1-D quadrature

/** The number a polynomial free of symbols stands for (exact when it is a rational), else undefined. */
function numOf(p: Poly): Num | undefined {
  const c = polyConstValue(p);
  if (c !== undefined) return c;
  const v = numericValue(polyToExpr(p));
  return v === undefined ? undefined : num(v);
}

/**
 * r·Q when `atom` is exp(Q), sqrt(exp(Q)) (r = 1/2) or exp(Q)^r (r a number), Q a
 * polynomial in the variables with numeric coefficients; undefined otherwise.
 */
function expExponent(atom: Expr, vars: readonly string[]): Poly | undefined {
  let r: Num = ONE, e = atom;
  if (e.kind === 'pow' && e.exp.kind === 'num') { r = e.exp; e = e.base; }
  else if (e.kind === 'call' && e.fn === 'sqrt') { r = HALF; e = e.args[0]; }
  if (e.kind !== 'call' || e.fn !== 'exp') return undefined;
  const q = polyFromExpr(e.args[0]);
  if (splitByVariables(q, vars).some((t) => numOf(t.coeff) === undefined)) return undefined;
  return polyScale(q, r);
}

function matMulNum(a: readonly (readonly Num[])[], b: readonly (readonly Num[])[]): Num[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce<Num>((acc, x, k) => numAdd(acc, numMul(x, b[k][j])), ZERO)));
}

/**
 * Whether the symmetric matrix M has a negative eigenvalue, and its rank, by symmetric
 * elimination (Schur complements on the largest positive pivot) in exact rational
 * arithmetic; entries that became floats are taken as 0 within `tol`.
 */
function inertia(M: readonly (readonly Num[])[], tol: number): { negative: boolean; rank: number } {
  const a = M.map((row) => row.slice());
  let idx = a.map((_, i) => i);
  const zero = (x: Num) => (isExact(x) ? x.p === 0 : Math.abs(numValue(x)) <= tol);
  const negative = (x: Num) => !zero(x) && numValue(x) < 0;
  let rank = 0;
  while (idx.length > 0) {
    if (idx.some((i) => negative(a[i][i]))) return { negative: true, rank };
    let piv = -1;
    for (const i of idx) if (!zero(a[i][i]) && (piv < 0 || numValue(a[i][i]) > numValue(a[piv][piv]))) piv = i;
    if (piv < 0) {
      // a zero diagonal with a nonzero entry in its row: [[0, b], [b, 0]] is indefinite
      return { negative: idx.some((i) => idx.some((j) => i !== j && !zero(a[i][j]))), rank };
    }
    rank++;
    const inv = numPowInt(a[piv][piv], -1);
    idx = idx.filter((i) => i !== piv);
    for (const i of idx) {
      for (const j of idx) a[i][j] = numAdd(a[i][j], numMul(MINUS_ONE, numMul(numMul(a[i][piv], a[piv][j]), inv)));
    }
  }
  return { negative: false, rank };
}

/** Gauss–Legendre nodes per unit panel of the 1-D rule, and of the lower-order check. */
const QUAD_ORDER = 32;
const QUAD_CHECK_ORDER = 24;
/** e^{−g²/2} is below 1e-297 beyond |g| = 37: the rule cannot see further. */
const QUAD_MAX_RANGE = 37;

/**
 * E[f(w)], w ~ N(0, s), by Gauss–Legendre on unit panels of g = w/√s over [−L, L],
 * split at the break points (kinks of f). L starts at max(12, √(4·growth) + 10) (enough
 * for f growing like |w|^growth) and grows by 2 while the last strip added carries more
 * than 1e-16 of ∫|φ f|; the value is the 32-node rule, the error estimate its
 * difference from the 24-node rule, plus that last strip (a bound on the tail beyond
 * for tails decaying at least like e^{−|g|}), plus 64ε∫|φ f| for rounding. A string
 * (the reason) when a value is not finite, or when the last strip within |g| ≤ 37
 * still carries more than 1e-10 of ∫|φ f| (a divergent or too slowly decaying tail).
 */
function gaussianQuadrature1d(
  f: (x: number) => number, s: number, breaks: readonly number[], growth: number,
): { value: number; order: number; error: number } | string {
  if (!(s >= 0)) return `has a negative variance ${s}`;
  const sd = Math.sqrt(s);
  if (sd === 0) {
    const v = f(0);
    return Number.isFinite(v) ? { value: v, order: 1, error: 0 } : 'is not finite';
  }
  const c = 1 / Math.sqrt(2 * Math.PI);
  const h = (g: number) => c * Math.exp(-0.5 * g * g) * f(sd * g);
  const habs = (g: number) => Math.abs(h(g));
  const gBreaks = breaks.map((x) => x / sd);
  const over = (fn: (g: number) => number, a: number, b: number, n: number) => integratePiecewise(fn, a, b, gBreaks, n, 1);
  let L = Math.min(QUAD_MAX_RANGE, Math.max(12, Math.sqrt(4 * growth) + 10));
  let hi = over(h, -L, L, QUAD_ORDER), lo = over(h, -L, L, QUAD_CHECK_ORDER), mass = over(habs, -L, L, QUAD_ORDER);
  let strip = Infinity;
  while (Number.isFinite(hi) && Number.isFinite(lo) && Number.isFinite(mass) && L < QUAD_MAX_RANGE) {
    const L2 = Math.min(QUAD_MAX_RANGE, L + 2);
    const sHi = over(h, -L2, -L, QUAD_ORDER) + over(h, L, L2, QUAD_ORDER);
    const sLo = over(h, -L2, -L, QUAD_CHECK_ORDER) + over(h, L, L2, QUAD_CHECK_ORDER);
    const sAbs = over(habs, -L2, -L, QUAD_ORDER) + over(habs, L, L2, QUAD_ORDER);
    hi += sHi; lo += sLo; mass += sAbs;
    L = L2;
    strip = sAbs;
    if (sAbs <= 1e-16 * mass) break;
  }
  if (!Number.isFinite(hi) || !Number.isFinite(lo) || !Number.isFinite(mass)) return 'is not finite';
  if (!(strip <= 1e-10 * mass)) {
    return `diverges or decays too slowly for quadrature: beyond ${L - 2} standard deviations the integrand still carries ${(strip / mass).toExponential(1)} of its absolute mass`;
  }
  return { value: hi, order: QUAD_ORDER, error: Math.abs(hi - lo) + strip + 64 * Number.EPSILON * mass };
}


/** The degree of F in t if F is a polynomial in t, else undefined. */
function polynomialDegree(F: Expr, t: string): number | undefined {
  try {
    const p = polyIn(F, [t]);
    return p.terms.reduce((m, x) => Math.max(m, x.exps[0]), 0);
  } catch {
    return undefined;
  }
}

/** Largest power of t appearing as a polynomial factor (for quadrature range), 0 if none. */
function polyDegreeIn(F: Expr, t: string): number {
  let d = 0;
  const visit = (e: Expr) => {
    if (e.kind === 'pow' && e.base.kind === 'sym' && e.base.name === t && e.exp.kind === 'num') d = Math.max(d, Math.abs(numValue(e.exp)));
    if (e.kind === 'add') e.terms.forEach(visit);
    else if (e.kind === 'mul') e.factors.forEach(visit);
    else if (e.kind === 'pow') visit(e.base);
    else if (e.kind === 'call') e.args.forEach(visit);
  };
  visit(F);
  return d;
}


