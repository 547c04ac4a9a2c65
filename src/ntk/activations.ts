// Activations with closed-form dual kernels (neural-tangents conventions, see
// test/fixtures/ntk/README.md). For a centred Gaussian pair (u, v) with
// Var u = s1, Var v = s2, Cov(u, v) = S, each activation φ gives
//
//   K  = E[φ(u) φ(v)]        K̇ = E[φ'(u) φ'(v)]        k(q) = E[φ(u)²], u ~ N(0, q)
//
// Each closed form exists in two synchronised shapes:
//   - a JS code template (statements over S, s1, s2 and the reciprocal roots
//     r1 = 1/√s1, r2 = 1/√s2 (0 for a zero variance) that assign K and Kd; and one
//     over q that assigns k), inlined by codegen.ts into
//     the fused kernel loop. Templates are fixed text written here; parameters
//     enter only as numeric literals through `lit` (finite numbers only);
//   - Exprs over symbols (q1, q2, c) and (q), for the LaTeX recursion and the
//     compiled f32 kernel (expr.ts).
// test/ntk/activations.test.ts checks both against 2-D Gauss–Hermite quadrature.

import { InputError } from '../core/index.ts';
import {
  type Expr, add, mul, sub, div, pow, neg, call, num, rat, sym, PI, ZERO, ONE, TWO, HALF,
} from '../symbolic/index.ts';
import { erf } from '../numeric/index.ts';
import { formatNumber } from '../compile/index.ts';

/** A closed-form activation known to the kernel engine. */
export type ClosedFormName =
  | 'relu' | 'leaky_relu' | 'abrelu' | 'abs' | 'sign' | 'erf' | 'sigmoid_like' | 'gelu'
  | 'sin' | 'cos' | 'rbf' | 'exp' | 'gaussian' | 'gabor' | 'identity' | 'monomial'
  | 'polynomial' | 'hermite';

/** The dual of an activation as Exprs in the pair covariance (q1, q2, c) and the variance q. */
export interface DualExprs {
  /** E[φ(u)φ(v)] */
  readonly K: Expr;
  /** E[φ'(u)φ'(v)] */
  readonly Kdot: Expr;
}

/** One activation layer: its function, derivative, dual kernel and how the dual is computed. */
export interface Activation {
  /** canonical lowercase name ('relu', 'erf', ..., or 'elementwise') */
  readonly name: ClosedFormName | 'elementwise';
  /** the canonical parameters, in the order the spec string lists them */
  readonly args: readonly number[];
  /** spec text that parseArchitecture reads back, e.g. 'erf(1.7, 0.6, 0.2)' */
  readonly spec: string;
  /** φ(x) in f64 */
  readonly phi: (x: number) => number;
  /** φ'(x) in f64 (at kinks: the convention of symbolic/diff.ts, e.g. relu'(0) = 1/2) */
  readonly dphi: (x: number) => number;
  /** φ as an Expr in the symbol x */
  readonly expr: Expr;
  /** how the dual is computed: 'closed-form', or for elementwise the method used */
  readonly method: string;
  /** whether K, K̇, k are exact (no quadrature or truncation) */
  readonly exact: boolean;
  /** Closed forms only: code templates for the fused kernel. */
  readonly template?: { readonly pair: string; readonly diag: string };
  /**
   * The ABReLU family only: its template's constants H = (a² + b²)/2, F = (a − b)²/(2π)
   * (K̇ = H − F·arccos ρ), which the WebAssembly kernel (wasm-kernel.ts) reads as data.
   */
  readonly abrelu?: { readonly H: number; readonly F: number };
  /**
   * The erf family only (a·erf(b·x) + c): its template's constants, which the WebAssembly
   * kernel reads as data: K = KA·atan2(2·Sb, √max(D, 0)) + C2 and K̇ = KD/√max(D, 0), with
   * Sb = B2·S and D = (1 + B2x2·s1)(1 + B2x2·s2) − 4·Sb·Sb.
   */
  readonly erf?: { readonly B2: number; readonly B2x2: number; readonly KA: number; readonly C2: number; readonly KD: number };
  /** Non-template duals (elementwise): writes [K, K̇] into out. */
  readonly dual?: (S: number, s1: number, s2: number, out: Float64Array) => void;
  /** Non-template diagonals (elementwise): E[φ(u)²], u ~ N(0, q). */
  readonly diag?: (q: number) => number;
  /**
   * The dual as Exprs over q1, q2, c; `safe` adds the clamps used in compiled
   * kernels (correlation in [−1, 1], square roots of max(·, 0)). Undefined when no
   * closed form is known (quadrature).
   */
  dualExprs?(q1: Expr, q2: Expr, c: Expr, safe?: boolean): DualExprs;
  /** E[φ(u)²] as an Expr in q (same conditions as dualExprs). */
  diagExpr?(q: Expr, safe?: boolean): Expr;
}

/** Thrown for an activation that cannot be built (bad parameter, unknown name, ...). */
export class ActivationError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ActivationError';
  }
}

// ---------------------------------------------------------------- helpers

/** A JS numeric literal for a finite number (via the compile layer's safe formatter). */
export function lit(x: number): string {
  return formatNumber(x, 'js');
}

function fmtArg(x: number): string {
  return String(x);
}

function specOf(name: string, args: readonly number[]): string {
  return args.length === 0 ? name : `${name}(${args.map(fmtArg).join(', ')})`;
}

function checkFinite(name: string, what: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new ActivationError(`${name}: ${what} must be a finite number, got ${String(x)}`);
  }
}

const X = sym('x');
const TWO_PI = mul(TWO, PI);
const sqrtE = (e: Expr): Expr => pow(e, HALF);
const sq = (e: Expr): Expr => pow(e, TWO);
const maxE = (a: Expr, b: Expr): Expr => call('max', a, b);
const minE = (a: Expr, b: Expr): Expr => call('min', a, b);
/** √max(e, 0) when safe, else √e. */
const sqrt0E = (e: Expr, safe: boolean): Expr => sqrtE(safe ? maxE(e, ZERO) : e);
/** Smallest positive normal f32, used to keep 0/0 out of compiled correlations. */
const TINY = 1.1754943508222875e-38;

/**
 * Correlation c/√(q1 q2) as an Expr; when safe, clamped to [−1, 1] with the
 * convention ρ = 0 when a variance is 0 (neural-tangents' arctan2 fill of π/2).
 */
function correlationE(q1: Expr, q2: Expr, c: Expr, safe: boolean): Expr {
  if (!safe) return div(c, sqrtE(mul(q1, q2)));
  return maxE(minE(div(c, maxE(sqrtE(mul(q1, q2)), num(TINY))), ONE), num(-1));
}

// ---------------------------------------------------------------- ABReLU family

/**
 * Template: the correlation ρ = S/√(s1 s2) = S·r1·r2, clamped to [−1, 1]. Where
 * fl(S²) ≥ fl(s1 s2) > 0 (parallel inputs without bias: then √(fl(s1 s2)) = |S| exactly),
 * and where s1 = s2 = |S| > 0 (a Gram diagonal, a duplicate or negated row, also when
 * s1·s2 under- or overflows), ρ is ±1 exactly, so such entries stay bit-exact through the
 * layers (the product of reciprocal roots alone may miss 1 by an ulp, which arccos would
 * turn into an error of √ulp). A zero variance (r = 0) gives ρ = 0: neural-tangents'
 * arctan2(0, 0) = π/2 fill.
 */
const CORRELATION = `let rho = S * r1 * r2;
const m = s1 * s2;
if ((S * S >= m && m > 0 && m < Infinity) || (s1 === s2 && Math.abs(S) === s1 && s1 > 0)) rho = S < 0 ? -1 : 1;
else if (rho > 1) rho = 1; else if (!(rho >= -1)) rho = rho < -1 ? -1 : 0;`;

/**
 * a·min(x, 0) + b·max(x, 0). relu = (0, 1), leaky_relu(α) = (α, 1), abs = (−1, 1).
 * K̇ = (a²+b²)/2 − (a−b)²θ/(2π), K = (a−b)²/(2π)·√(s1 s2 − S²) + K̇·S, θ = arccos ρ.
 */
function abreluActivation(name: ClosedFormName, a: number, b: number, args: readonly number[]): Activation {
  checkFinite(name, 'slope a', a);
  checkFinite(name, 'slope b', b);
  const H = (a * a + b * b) / 2;
  const F = (a - b) * (a - b) / (2 * Math.PI);
  const pair = `
${CORRELATION}
const sn = Math.sqrt((1 - rho) * (1 + rho));
Kd = ${lit(H)} - ${lit(F)} * arccos(rho);
K = ${lit(F)} * (s1 * r1) * (s2 * r2) * sn + Kd * S;`;
  const diag = `k = ${lit(H)} * q;`;
  const aE = num(a), bE = num(b);
  const HE = div(add(sq(aE), sq(bE)), TWO);
  const FE = div(sq(sub(aE, bE)), TWO_PI);
  return {
    name, args, spec: specOf(name, args),
    phi: (x) => (x > 0 ? b * x : a * x),
    dphi: (x) => (x > 0 ? b : x < 0 ? a : (a + b) / 2),
    expr: add(mul(aE, minE(X, ZERO)), mul(bE, maxE(X, ZERO))),
    method: 'closed-form', exact: true,
    template: { pair, diag },
    abrelu: { H, F },
    dualExprs(q1, q2, c, safe = false) {
      const rho = correlationE(q1, q2, c, safe);
      const theta = call('arccos', rho);
      const Kdot = sub(HE, mul(FE, theta));
      const m = sqrtE(mul(q1, q2));
      const K = safe
        ? mul(m, add(mul(FE, sqrt0E(sub(ONE, sq(rho)), true)), mul(Kdot, rho)))
        : add(mul(FE, sqrtE(sub(mul(q1, q2), sq(c)))), mul(Kdot, c));
      return { K, Kdot };
    },
    diagExpr: (q) => mul(HE, q),
  };
}

// ---------------------------------------------------------------- sign

function signActivation(): Activation {
  // neural-tangents: K = 1 − 2θ/π, K̇ = 0 (the NTK does not flow through sign), k = [q ≠ 0].
  const pair = `
${CORRELATION}
K = 1 - ${lit(2 / Math.PI)} * arccos(rho);
Kd = 0;`;
  return {
    name: 'sign', args: [], spec: 'sign',
    phi: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
    dphi: () => 0,
    expr: sub(mul(TWO, call('step', X)), ONE),
    method: 'closed-form', exact: true,
    template: { pair, diag: 'k = q === 0 ? 0 : 1;' },
    dualExprs(q1, q2, c, safe = false) {
      const rho = correlationE(q1, q2, c, safe);
      return { K: sub(ONE, mul(div(TWO, PI), call('arccos', rho))), Kdot: ZERO };
    },
    diagExpr: (q, safe = false) => (safe ? sub(mul(TWO, call('step', q)), ONE) : ONE),
  };
}

// ---------------------------------------------------------------- erf

/** a·erf(b·x) + c. */
function erfActivation(name: ClosedFormName, a: number, b: number, c: number, args: readonly number[]): Activation {
  checkFinite(name, 'a', a); checkFinite(name, 'b', b); checkFinite(name, 'c', c);
  const A2 = a * a, B2 = b * b, C2 = c * c;
  const B2x2 = 2 * B2, KA = A2 * 2 / Math.PI, KD = A2 * B2 * 4 / Math.PI;
  const pair = `
const Sb = ${lit(B2)} * S;
const sq = sqrt0((1 + ${lit(B2x2)} * s1) * (1 + ${lit(B2x2)} * s2) - 4 * Sb * Sb);
K = ${lit(KA)} * Math.atan2(2 * Sb, sq) + ${lit(C2)};
Kd = ${lit(KD)} / sq;`;
  const diag = `{ const qb = ${lit(B2)} * q; k = ${lit(A2 * 2 / Math.PI)} * Math.atan2(qb, Math.sqrt(qb + 0.25)) + ${lit(C2)}; }`;
  const aE = num(a), bE = num(b), cE = num(c);
  const b2E = sq(bE);
  return {
    name, args, spec: specOf(name, args),
    phi: (x) => a * erf(b * x) + c,
    dphi: (x) => a * b * (2 / Math.sqrt(Math.PI)) * Math.exp(-b * b * x * x),
    expr: add(mul(aE, call('erf', mul(bE, X))), cE),
    method: 'closed-form', exact: true,
    template: { pair, diag },
    erf: { B2, B2x2, KA, C2, KD },
    dualExprs(q1, q2, c2, safe = false) {
      const D = mul(add(ONE, mul(TWO, b2E, q1)), add(ONE, mul(TWO, b2E, q2)));
      const Sb = mul(b2E, c2);
      const K = add(mul(sq(aE), div(TWO, PI), call('arcsin', div(mul(TWO, Sb), sqrtE(D)))), sq(cE));
      const Kdot = div(mul(sq(aE), b2E, div(num(4), PI)), sqrt0E(sub(D, mul(num(4), sq(Sb))), safe));
      return { K, Kdot };
    },
    diagExpr: (q) => {
      const qb = mul(b2E, q);
      return add(mul(sq(aE), div(TWO, PI), call('arcsin', div(mul(TWO, qb), add(ONE, mul(TWO, qb))))), sq(cE));
    },
  };
}

// ---------------------------------------------------------------- gelu

/** x·Φ(x), exact (not the tanh approximation). */
function geluActivation(): Activation {
  const pair = `
const pq = s1 * s2, pp = (s1 + 1) * (s2 + 1);
const d2 = pp - S * S;
const dl = sqrt0(d2);
const al = Math.atan2(S, dl);
K = ((S * S + pq * d2) / (pp * dl) + S * al) / ${lit(2 * Math.PI)} + 0.25 * S;
Kd = 0.25 + al / ${lit(2 * Math.PI)} + (1 / d2 + (1 - pq) / pp + 1) * (S / dl / ${lit(2 * Math.PI)});`;
  const diag = `{ const rt = Math.sqrt(1 + 2 * q); k = q * (0.25 + (q / ((q + 1) * rt) + Math.atan2(q, rt) / 2) / Math.PI); }`;
  const SQRT1_2 = Math.SQRT1_2;
  return {
    name: 'gelu', args: [], spec: 'gelu',
    phi: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
    dphi: (x) => 0.5 * (1 + erf(x * SQRT1_2)) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI),
    expr: mul(HALF, X, add(ONE, call('erf', mul(X, sqrtE(HALF))))),
    method: 'closed-form', exact: true,
    template: { pair, diag },
    dualExprs(q1, q2, c, safe = false) {
      const P = mul(add(ONE, q1), add(ONE, q2));
      const D2 = sub(P, sq(c));
      const D = sqrt0E(D2, safe);
      const alpha = call('arcsin', div(c, sqrtE(P)));
      const K = add(mul(div(ONE, num(4)), c),
        div(add(mul(c, alpha), div(add(sq(c), mul(q1, q2, D2)), mul(P, D))), TWO_PI));
      const Kdot = add(div(ONE, num(4)), div(alpha, TWO_PI),
        mul(div(c, mul(TWO_PI, D)), add(div(ONE, D2), div(sub(ONE, mul(q1, q2)), P), ONE)));
      return { K, Kdot };
    },
    diagExpr: (q) => mul(q, add(div(ONE, num(4)),
      div(add(div(q, mul(add(ONE, q), sqrtE(add(ONE, mul(TWO, q))))), mul(HALF, call('arcsin', div(q, add(ONE, q))))), PI))),
  };
}

// ---------------------------------------------------------------- sin / cos / rbf

/**
 * a·sin(b·x + c). With E± = exp(b²(−(s1+s2)/2 ± S)):
 * K = a²/2 (E+ − E− cos 2c), K̇ = a²b²/2 (E+ + E− cos 2c), k = a²/2 (1 − e^{−2b²q} cos 2c).
 * cos(a, b, c) is sin(a, b, c + π/2) (cos 2c → −cos 2c, taken exactly).
 */
function sinActivation(name: ClosedFormName, a: number, b: number, c: number, args: readonly number[], isCos: boolean): Activation {
  checkFinite(name, 'a', a); checkFinite(name, 'b', b); checkFinite(name, 'c', c);
  const HA2 = a * a / 2, B2 = b * b;
  const cos2c = isCos ? -Math.cos(2 * c) : Math.cos(2 * c);
  const pair = `
const hs = -0.5 * (s1 + s2);
const ep = Math.exp(${lit(B2)} * (hs + S)), em = Math.exp(${lit(B2)} * (hs - S)) * ${lit(cos2c)};
K = ${lit(HA2)} * (ep - em);
Kd = ${lit(HA2 * B2)} * (ep + em);`;
  const diag = `k = ${lit(HA2)} * (1 - Math.exp(${lit(-2 * B2)} * q) * ${lit(cos2c)});`;
  const aE = num(a), bE = num(b), cE = num(c);
  const b2E = sq(bE);
  const cos2cE = isCos ? neg(call('cos', mul(TWO, cE))) : call('cos', mul(TWO, cE));
  return {
    name, args, spec: specOf(name, args),
    phi: isCos ? (x) => a * Math.cos(b * x + c) : (x) => a * Math.sin(b * x + c),
    dphi: isCos ? (x) => -a * b * Math.sin(b * x + c) : (x) => a * b * Math.cos(b * x + c),
    expr: isCos ? mul(aE, call('cos', add(mul(bE, X), cE))) : mul(aE, call('sin', add(mul(bE, X), cE))),
    method: 'closed-form', exact: true,
    template: { pair, diag },
    dualExprs(q1, q2, c2) {
      const hs = mul(num(-0.5), add(q1, q2));
      const ep = call('exp', mul(b2E, add(hs, c2)));
      const em = mul(call('exp', mul(b2E, sub(hs, c2))), cos2cE);
      return { K: mul(div(sq(aE), TWO), sub(ep, em)), Kdot: mul(div(mul(sq(aE), b2E), TWO), add(ep, em)) };
    },
    diagExpr: (q) => mul(div(sq(aE), TWO), sub(ONE, mul(call('exp', mul(num(-2), b2E, q)), cos2cE))),
  };
}

/** neural-tangents Rbf(γ): φ = √2 sin(√(2γ)x + π/4); K = exp(−γ(s1 + s2 − 2S)), K̇ = 2γK, k = 1. */
function rbfActivation(gamma: number): Activation {
  checkFinite('rbf', 'gamma', gamma);
  if (gamma < 0) throw new ActivationError(`rbf: gamma must be ≥ 0, got ${gamma}`);
  const w = Math.sqrt(2 * gamma);
  const gE = num(gamma);
  return {
    name: 'rbf', args: [gamma], spec: specOf('rbf', [gamma]),
    phi: (x) => Math.SQRT2 * Math.sin(w * x + Math.PI / 4),
    dphi: (x) => Math.SQRT2 * w * Math.cos(w * x + Math.PI / 4),
    expr: mul(sqrtE(TWO), call('sin', add(mul(sqrtE(mul(TWO, gE)), X), div(PI, num(4))))),
    method: 'closed-form', exact: true,
    template: {
      pair: `K = Math.exp(${lit(gamma)} * (-(s1 + s2) + 2 * S));\nKd = ${lit(2 * gamma)} * K;`,
      diag: 'k = 1;',
    },
    dualExprs(q1, q2, c) {
      const K = call('exp', mul(neg(gE), sub(add(q1, q2), mul(TWO, c))));
      return { K, Kdot: mul(TWO, gE, K) };
    },
    diagExpr: () => ONE,
  };
}

// ---------------------------------------------------------------- exp / gaussian / gabor

/** a·e^{bx}: K = a² exp(b²((s1+s2)/2 + S)), K̇ = b²K, k = a² e^{2b²q}. */
function expActivation(a: number, b: number): Activation {
  checkFinite('exp', 'a', a); checkFinite('exp', 'b', b);
  const A2 = a * a, B2 = b * b;
  const aE = num(a), bE = num(b);
  return {
    name: 'exp', args: [a, b], spec: specOf('exp', [a, b]),
    phi: (x) => a * Math.exp(b * x),
    dphi: (x) => a * b * Math.exp(b * x),
    expr: mul(aE, call('exp', mul(bE, X))),
    method: 'closed-form', exact: true,
    template: {
      pair: `K = ${lit(A2)} * Math.exp(${lit(B2)} * (0.5 * (s1 + s2) + S));\nKd = ${lit(B2)} * K;`,
      diag: `k = ${lit(A2)} * Math.exp(${lit(2 * B2)} * q);`,
    },
    dualExprs(q1, q2, c) {
      const K = mul(sq(aE), call('exp', mul(sq(bE), add(mul(HALF, add(q1, q2)), c))));
      return { K, Kdot: mul(sq(bE), K) };
    },
    diagExpr: (q) => mul(sq(aE), call('exp', mul(TWO, sq(bE), q))),
  };
}

/**
 * a·e^{bx²}: with det = √((1 − 2b s1)(1 − 2b s2) − 4b²S²), K = a²/det, K̇ = 4a²b²S/det³,
 * k = a²/√(1 − 4bq). Finite only while 1 − 4bq > 0 (always for b ≤ 0).
 */
function gaussianActivation(a: number, b: number): Activation {
  checkFinite('gaussian', 'a', a); checkFinite('gaussian', 'b', b);
  const A2 = a * a;
  const aE = num(a), bE = num(b);
  return {
    name: 'gaussian', args: [a, b], spec: specOf('gaussian', [a, b]),
    phi: (x) => a * Math.exp(b * x * x),
    dphi: (x) => 2 * a * b * x * Math.exp(b * x * x),
    expr: mul(aE, call('exp', mul(bE, sq(X)))),
    method: 'closed-form', exact: true,
    template: {
      pair: `
const det = sqrt0((1 - ${lit(2 * b)} * s1) * (1 - ${lit(2 * b)} * s2) - ${lit(4 * b * b)} * S * S);
K = ${lit(A2)} / det;
Kd = ${lit(4 * A2 * b * b)} * S / (det * det * det);`,
      diag: `k = ${lit(A2)} / sqrt0(1 - ${lit(4 * b)} * q);`,
    },
    dualExprs(q1, q2, c, safe = false) {
      const det = sqrt0E(sub(mul(sub(ONE, mul(TWO, bE, q1)), sub(ONE, mul(TWO, bE, q2))), mul(num(4), sq(bE), sq(c))), safe);
      return { K: div(sq(aE), det), Kdot: div(mul(num(4), sq(aE), sq(bE), c), pow(det, num(3))) };
    },
    diagExpr: (q, safe = false) => div(sq(aE), sqrt0E(sub(ONE, mul(num(4), bE, q)), safe)),
  };
}

/**
 * Gabor φ(x) = e^{−x²} sin x. With Δ = s1 s2 − S², den = 1 + 2(s1 + s2) + 4Δ
 * (= det(I + 2Λ)) and the Gaussian integral E[e^{−uᵀu + i wᵀu}] = den^{−1/2}
 * exp(−wᵀΛ(I + 2Λ)^{−1}w/2), w = (1, ∓1):
 *   K = [exp(−(s1 + s2 + 4Δ − 2S)/(2 den)) − exp(−(s1 + s2 + 4Δ + 2S)/(2 den))] / (2√den),
 *   K̇ = ∂K/∂S (Price's theorem), k(q) = (1 − e^{−2q/(1+4q)}) / (2√(1 + 4q)).
 */
function gaborActivation(): Activation {
  // K̇ written out as neural-tangents does (checked against ∂K/∂S and quadrature in tests).
  const pair = `
const sm = s1 + s2, pq = s1 * s2;
const df = 4 * (pq - S * S);
const den = 2 * sm + df + 1;
const el = Math.exp(-(sm + df + 2 * S) / (2 * den));
const er = Math.exp(2 * S / den);
const sh = 1 + 2 * sm + 4 * (S * S + pq);
const dt = 4 * S * (df + 3 * sm + 2);
Kd = el * ((sh - dt) + er * (sh + dt)) / (2 * den * den * Math.sqrt(den));
K = el * (er - 1) / (2 * sqrt0(den));`;
  const diag = `{ const den = 1 + 4 * q; k = (1 - Math.exp(-2 * q / den)) / (2 * sqrt0(den)); }`;
  return {
    name: 'gabor', args: [], spec: 'gabor',
    phi: (x) => Math.exp(-x * x) * Math.sin(x),
    dphi: (x) => Math.exp(-x * x) * (Math.cos(x) - 2 * x * Math.sin(x)),
    expr: mul(call('exp', neg(sq(X))), call('sin', X)),
    method: 'closed-form', exact: true,
    template: { pair, diag },
    dualExprs(q1, q2, c) {
      const sm = add(q1, q2);
      const df = mul(num(4), sub(mul(q1, q2), sq(c)));
      const den = add(ONE, mul(TWO, sm), df);
      const eMinus = call('exp', div(neg(sub(add(sm, df), mul(TWO, c))), mul(TWO, den)));
      const ePlus = call('exp', div(neg(add(sm, df, mul(TWO, c))), mul(TWO, den)));
      const K = div(sub(eMinus, ePlus), mul(TWO, sqrtE(den)));
      const sh = add(ONE, mul(TWO, sm), mul(num(4), add(sq(c), mul(q1, q2))));
      const dt = mul(num(4), c, add(df, mul(num(3), sm), TWO));
      const el = ePlus;
      const er = call('exp', div(mul(TWO, c), den));
      const Kdot = div(mul(el, add(sub(sh, dt), mul(er, add(sh, dt)))), mul(TWO, pow(den, rat(5, 2))));
      return { K, Kdot };
    },
    diagExpr: (q) => {
      const den = add(ONE, mul(num(4), q));
      return div(sub(ONE, call('exp', div(mul(num(-2), q), den))), mul(TWO, sqrtE(den)));
    },
  };
}

// ---------------------------------------------------------------- identity

function identityActivation(): Activation {
  return {
    name: 'identity', args: [], spec: 'identity',
    phi: (x) => x, dphi: () => 1, expr: X,
    method: 'closed-form', exact: true,
    template: { pair: 'K = S;\nKd = 1;', diag: 'k = q;' },
    dualExprs: (_q1, _q2, c) => ({ K: c, Kdot: ONE }),
    diagExpr: (q) => q,
  };
}

// ---------------------------------------------------------------- polynomial family

/**
 * Mehler's formula with general variances. For φ a polynomial, write
 * E[φ(√q g) h_l(g)] = q^{l/2} A_l(q) with h_l = He_l/√(l!) and A_l a polynomial in
 * t = q − shift. Then, for any (s1, s2, S),
 *   K = Σ_l A_l(s1) A_l(s2) S^l,  K̇ = ∂K/∂S = Σ_l l A_l(s1) A_l(s2) S^{l−1},
 *   k(q) = Σ_l A_l(q)² q^l.
 * No division by √(s1 s2): zero variances are fine.
 */
interface MehlerTerm {
  /** the Hermite index l */
  readonly l: number;
  /** coefficients of A_l in powers of t = q − shift (ascending) */
  readonly coeffs: readonly number[];
}

function horner(coeffs: readonly number[], v: string): string {
  if (coeffs.length === 0) return '0';
  let s = lit(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) s = `(${s}) * ${v} + ${lit(coeffs[i])}`;
  return s;
}

function hornerE(coeffs: readonly number[], t: Expr): Expr {
  let s: Expr = ZERO;
  for (let i = coeffs.length - 1; i >= 0; i--) s = add(mul(s, t), num(coeffs[i]));
  return s;
}

function mehlerActivation(
  name: ClosedFormName, args: readonly number[], spec: string, terms: readonly MehlerTerm[], shift: number,
  poly: readonly number[],
): Activation {
  const maxL = terms.reduce((m, t) => Math.max(m, t.l), 0);
  const byL = new Map(terms.map((t) => [t.l, t]));
  const lines: string[] = [`const t1 = s1 - ${lit(shift)}, t2 = s2 - ${lit(shift)};`];
  for (const t of terms) lines.push(`const P${t.l} = (${horner(t.coeffs, 't1')}) * (${horner(t.coeffs, 't2')});`);
  // Horner in S over l.
  const Pl = (l: number) => (byL.has(l) ? `P${l}` : '0');
  let K = Pl(maxL);
  for (let l = maxL - 1; l >= 0; l--) K = `(${K}) * S + ${Pl(l)}`;
  let Kd = maxL >= 1 ? `${maxL} * ${Pl(maxL)}` : '0';
  for (let l = maxL - 1; l >= 1; l--) Kd = `(${Kd}) * S + ${l} * ${Pl(l)}`;
  lines.push(`K = ${K};`, `Kd = ${Kd};`);
  const diagLines = [`{ const t = q - ${lit(shift)}; let acc = 0;`];
  for (let l = maxL; l >= 0; l--) {
    const t = byL.get(l);
    diagLines.push(t ? `{ const A = ${horner(t.coeffs, 't')}; acc = acc * q + A * A; }` : 'acc = acc * q;');
  }
  diagLines.push('k = acc; }');
  // f64 φ and φ' from the monomial coefficients `poly` (ascending).
  const phi = (x: number) => { let s = 0; for (let i = poly.length - 1; i >= 0; i--) s = s * x + poly[i]; return s; };
  const dphi = (x: number) => { let s = 0; for (let i = poly.length - 1; i >= 1; i--) s = s * x + i * poly[i]; return s; };
  const expr = add(...poly.map((c, i) => mul(num(c), pow(X, num(i)))));
  return {
    name, args, spec, phi, dphi, expr,
    method: 'closed-form', exact: true,
    template: { pair: lines.join('\n'), diag: diagLines.join('\n') },
    dualExprs(q1, q2, c) {
      const Ks: Expr[] = [], Kds: Expr[] = [];
      for (const t of terms) {
        const P = mul(hornerE(t.coeffs, sub(q1, num(shift))), hornerE(t.coeffs, sub(q2, num(shift))));
        Ks.push(mul(P, pow(c, num(t.l))));
        if (t.l >= 1) Kds.push(mul(num(t.l), P, pow(c, num(t.l - 1))));
      }
      return { K: add(...Ks), Kdot: add(...Kds) };
    },
    diagExpr: (q) => add(...terms.map((t) => mul(pow(hornerE(t.coeffs, sub(q, num(shift))), TWO), pow(q, num(t.l))))),
  };
}

/** n! as a float. */
function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/**
 * Polynomial c0 + c1 x + ... (numpy.polynomial order). E[(√q g)^n h_l(g)] =
 * q^{n/2} n!/(2^i i! √(l!)) for n = l + 2i, so A_l(q) = Σ_i c_{l+2i} (l+2i)!/(2^i i! √(l!)) q^i.
 */
function polynomialActivation(name: ClosedFormName, coef: readonly number[], args: readonly number[], spec: string): Activation {
  coef.forEach((c, i) => checkFinite(name, `coefficient ${i}`, c));
  if (coef.length > 40) throw new ActivationError(`${name}: degree ${coef.length - 1} is above the supported 39`);
  const terms: MehlerTerm[] = [];
  for (let l = 0; l < coef.length; l++) {
    const coeffs: number[] = [];
    for (let i = 0; l + 2 * i < coef.length; i++) {
      const n = l + 2 * i;
      coeffs.push(coef[n] * factorial(n) / (2 ** i * factorial(i) * Math.sqrt(factorial(l))));
    }
    while (coeffs.length > 0 && coeffs[coeffs.length - 1] === 0) coeffs.pop();
    if (coeffs.length > 0) terms.push({ l, coeffs });
  }
  return mehlerActivation(name, args, spec, terms, 0, coef.length > 0 ? coef : [0]);
}

/**
 * Normalised probabilists' Hermite h_k = He_k/√(k!). From
 * He_k(σx) = Σ_m k!/(m!(k−2m)!) σ^{k−2m} ((σ²−1)/2)^m He_{k−2m}(x):
 * A_l(q) = √(k!)/(m! √(l!)) ((q − 1)/2)^m for l = k − 2m. At q = 1 only A_k = 1
 * survives and K = S^k (the unit-variance formula neural-tangents uses); for other
 * variances the lower terms matter.
 */
function hermiteActivation(k: number): Activation {
  if (!Number.isInteger(k) || k < 0 || k > 60) throw new ActivationError(`hermite: degree must be an integer in 0..60, got ${k}`);
  const terms: MehlerTerm[] = [];
  for (let m = 0; 2 * m <= k; m++) {
    const l = k - 2 * m;
    let ratio = 1; // k!/l!
    for (let j = l + 1; j <= k; j++) ratio *= j;
    const kappa = Math.sqrt(ratio) / factorial(m) / 2 ** m;
    const coeffs = new Array<number>(m + 1).fill(0);
    coeffs[m] = kappa;
    terms.push({ l, coeffs });
  }
  terms.sort((a, b) => a.l - b.l);
  // monomial coefficients of He_k/√(k!)
  const poly = new Array<number>(k + 1).fill(0);
  const norm = Math.sqrt(factorial(k));
  for (let m = 0; 2 * m <= k; m++) {
    poly[k - 2 * m] = ((m % 2 === 0 ? 1 : -1) * factorial(k) / (factorial(m) * factorial(k - 2 * m) * 2 ** m)) / norm;
  }
  return mehlerActivation('hermite', [k], `hermite(${k})`, terms, 1, poly);
}

// ---------------------------------------------------------------- registry

/** The parameters of a closed-form activation, positional order, with defaults (undefined: required). */
export interface ActivationSignature { params: readonly string[]; defaults: readonly (number | undefined)[]; variadic?: boolean }

/**
 * Names accepted by `closedFormActivation()` and the architecture parser, with their
 * parameter names. A frozen object without prototype: `ACTIVATION_SIGNATURES['constructor']`
 * is undefined (look names up through canonicalActivationName).
 */
export const ACTIVATION_SIGNATURES: Readonly<Record<ClosedFormName, ActivationSignature>> = Object.freeze(Object.assign(Object.create(null) as Record<ClosedFormName, ActivationSignature>, {
  relu: { params: [], defaults: [] },
  leaky_relu: { params: ['alpha'], defaults: [undefined] },
  abrelu: { params: ['a', 'b'], defaults: [undefined, undefined] },
  abs: { params: [], defaults: [] },
  sign: { params: [], defaults: [] },
  erf: { params: ['a', 'b', 'c'], defaults: [1, 1, 0] },
  sigmoid_like: { params: [], defaults: [] },
  gelu: { params: [], defaults: [] },
  sin: { params: ['a', 'b', 'c'], defaults: [1, 1, 0] },
  cos: { params: ['a', 'b', 'c'], defaults: [1, 1, 0] },
  rbf: { params: ['gamma'], defaults: [1] },
  exp: { params: ['a', 'b'], defaults: [1, 1] },
  gaussian: { params: ['a', 'b'], defaults: [1, -1] },
  gabor: { params: [], defaults: [] },
  identity: { params: [], defaults: [] },
  monomial: { params: ['k'], defaults: [undefined] },
  polynomial: { params: ['coef'], defaults: [], variadic: true },
  hermite: { params: ['k'], defaults: [undefined] },
} satisfies Record<ClosedFormName, ActivationSignature>));

/** Spellings (lowercased, '_' removed) → canonical name. */
const ALIASES: ReadonlyMap<string, ClosedFormName> = new Map<string, ClosedFormName>([
  ['relu', 'relu'], ['leakyrelu', 'leaky_relu'], ['abrelu', 'abrelu'], ['abs', 'abs'], ['sign', 'sign'], ['erf', 'erf'],
  ['sigmoidlike', 'sigmoid_like'], ['gelu', 'gelu'], ['sin', 'sin'], ['cos', 'cos'], ['rbf', 'rbf'], ['exp', 'exp'],
  ['gaussian', 'gaussian'], ['gabor', 'gabor'], ['identity', 'identity'], ['monomial', 'monomial'],
  ['polynomial', 'polynomial'], ['hermite', 'hermite'],
]);

/** The canonical closed-form name for a spelling ('LeakyRelu', 'leaky_relu', ...), or undefined ('constructor' too). */
export function canonicalActivationName(name: string): ClosedFormName | undefined {
  if (typeof name !== 'string') return undefined;
  return ALIASES.get(name.toLowerCase().replace(/_/g, ''));
}

/** The closed-form names, for error messages. */
export const CLOSED_FORM_NAMES = Object.keys(ACTIVATION_SIGNATURES) as ClosedFormName[];

/** Sigmoid_like = Erf(a = 0.5, b = 1/2.4020563531719796, c = 0.5). */
export const SIGMOID_LIKE_B = 1 / 2.4020563531719796;

/**
 * Builds a closed-form activation from its canonical name and positional
 * arguments (already filled with defaults). Throws ActivationError on bad
 * arity or values.
 */
export function closedFormActivation(name: ClosedFormName, args: readonly number[]): Activation {
  const sig = Object.hasOwn(ACTIVATION_SIGNATURES, name) ? ACTIVATION_SIGNATURES[name] : undefined;
  if (!sig) throw new ActivationError(`unknown activation '${String(name)}' (known: ${CLOSED_FORM_NAMES.join(', ')}, elementwise)`);
  if (!sig.variadic && args.length !== sig.params.length) {
    throw new ActivationError(`${name} takes ${sig.params.length} argument(s)${sig.params.length ? ` (${sig.params.join(', ')})` : ''}, got ${args.length}`);
  }
  args.forEach((a, i) => checkFinite(name, sig.variadic ? `coefficient ${i}` : sig.params[i], a));
  switch (name) {
    case 'relu': return abreluActivation('relu', 0, 1, []);
    case 'leaky_relu': return abreluActivation('leaky_relu', args[0], 1, args);
    case 'abrelu': return abreluActivation('abrelu', args[0], args[1], args);
    case 'abs': return abreluActivation('abs', -1, 1, []);
    case 'sign': return signActivation();
    case 'erf': return erfActivation('erf', args[0], args[1], args[2], args);
    case 'sigmoid_like': return erfActivation('sigmoid_like', 0.5, SIGMOID_LIKE_B, 0.5, []);
    case 'gelu': return geluActivation();
    case 'sin': return sinActivation('sin', args[0], args[1], args[2], args, false);
    case 'cos': return sinActivation('cos', args[0], args[1], args[2], args, true);
    case 'rbf': return rbfActivation(args[0]);
    case 'exp': return expActivation(args[0], args[1]);
    case 'gaussian': return gaussianActivation(args[0], args[1]);
    case 'gabor': return gaborActivation();
    case 'identity': return identityActivation();
    case 'monomial': {
      const k = args[0];
      if (!Number.isInteger(k) || k < 0 || k > 39) throw new ActivationError(`monomial: degree must be an integer in 0..39, got ${k}`);
      const coef = new Array<number>(k + 1).fill(0);
      coef[k] = 1;
      return polynomialActivation('monomial', coef, [k], `monomial(${k})`);
    }
    case 'polynomial': {
      if (args.length === 0) throw new ActivationError('polynomial needs at least one coefficient (c0, c1, ...)');
      return polynomialActivation('polynomial', args, args, `polynomial(${args.map(fmtArg).join(', ')})`);
    }
    case 'hermite': return hermiteActivation(args[0]);
  }
}

// Convenience constructors (stax-like).

/** ReLU max(x, 0). */
export const relu = (): Activation => closedFormActivation('relu', []);
/** Leaky ReLU: α·min(x, 0) + max(x, 0). */
export const leakyRelu = (alpha: number): Activation => closedFormActivation('leaky_relu', [alpha]);
/** a·min(x, 0) + b·max(x, 0). */
export const abRelu = (a: number, b: number): Activation => closedFormActivation('abrelu', [a, b]);
/** |x|. */
export const absAct = (): Activation => closedFormActivation('abs', []);
/** sign(x) (K̇ = 0 as in neural-tangents). */
export const sign = (): Activation => closedFormActivation('sign', []);
/** a·erf(b·x) + c. */
export const erfAct = (a = 1, b = 1, c = 0): Activation => closedFormActivation('erf', [a, b, c]);
/** 0.5·erf(x/2.4020563531719796) + 0.5. */
export const sigmoidLike = (): Activation => closedFormActivation('sigmoid_like', []);
/** Exact GELU x·Φ(x). */
export const gelu = (): Activation => closedFormActivation('gelu', []);
/** a·sin(b·x + c). */
export const sinAct = (a = 1, b = 1, c = 0): Activation => closedFormActivation('sin', [a, b, c]);
/** a·cos(b·x + c). */
export const cosAct = (a = 1, b = 1, c = 0): Activation => closedFormActivation('cos', [a, b, c]);
/** neural-tangents Rbf(γ). */
export const rbf = (gamma = 1): Activation => closedFormActivation('rbf', [gamma]);
/** a·e^{bx}. */
export const expAct = (a = 1, b = 1): Activation => closedFormActivation('exp', [a, b]);
/** a·e^{bx²}. */
export const gaussianAct = (a = 1, b = -1): Activation => closedFormActivation('gaussian', [a, b]);
/** e^{−x²} sin x. */
export const gabor = (): Activation => closedFormActivation('gabor', []);
/** x. */
export const identity = (): Activation => closedFormActivation('identity', []);
/** x^k. */
export const monomial = (k: number): Activation => closedFormActivation('monomial', [k]);
/** c0 + c1 x + c2 x² + ... */
export const polynomial = (...coef: number[]): Activation => closedFormActivation('polynomial', coef);
/** He_k(x)/√(k!). */
export const hermite = (k: number): Activation => closedFormActivation('hermite', [k]);
