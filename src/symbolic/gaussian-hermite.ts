// Hermite expansions for Gaussian expectations without a closed form.
//
// With h_k = He_k/√(k!) and (u, v) zero-mean Gaussian with variances q1, q2 and
// covariance c, Mehler's formula gives
//
//   E[φ(u) ψ(v)] = Σ_k a_k b_k ρ^k,   ρ = c/√(q1 q2),
//
// where a_k = E[φ(√q1 g) h_k(g)], b_k = E[ψ(√q2 g) h_k(g)] (docs/ntk-kernels.md F.2, Daniely
// et al. 2016). This file holds the coefficient computations; the dispatcher in
// gaussian.ts decides when to use them.

import { type Expr, add, mul, pow, rat, call, PI, TWO, HALF, MINUS_ONE, freeSymbols, numValue } from './expr.ts';
import { evaluate } from './evaluate.ts';
import { polyIn } from './poly.ts';
import { hermiteHeExpr, sqrtExpr } from './gaussian-table.ts';
import { hermiteCoefficientsPiecewise } from '../numeric/index.ts';
import { ArgumentError } from '../core/index.ts';

function factorial(n: number): number { let r = 1; for (let i = 2; i <= n; i++) r *= i; return r; }

/** h_k(z) = He_k(z)/√(k!) as an Expr. */
export function normalizedHermiteExpr(k: number, z: Expr): Expr {
  return mul(pow(sqrtExpr(rat(factorial(k))), MINUS_ONE), hermiteHeExpr(k, z));
}

/**
 * The ReLU Hermite coefficients of docs/ntk-kernels.md F.2 as exact Exprs:
 * a₀ = 1/√(2π), a₁ = 1/2, a_k = (−1)^{k/2+1}(k−3)!!/√(2π k!) for even k ≥ 2, 0 for odd k ≥ 3.
 */
export function reluHermiteCoefficient(k: number): Expr {
  const sqrt2pi = call('sqrt', mul(TWO, PI));
  if (k === 0) return pow(sqrt2pi, MINUS_ONE);
  if (k === 1) return HALF;
  if (k % 2 === 1) return rat(0);
  let dfact = 1;
  for (let j = k - 3; j > 1; j -= 2) dfact *= j;
  const sign = (k / 2 + 1) % 2 === 0 ? 1 : -1;
  return mul(rat(sign * dfact), pow(call('sqrt', mul(TWO, PI, rat(factorial(k)))), MINUS_ONE));
}

/**
 * Break points (kinks, jumps) of F as a function of t: zeros of the arguments of
 * relu/step/abs and of the difference of min/max arguments, where these are
 * affine in t with numeric coefficients.
 */
export function kinkPoints(F: Expr, t: string): number[] {
  const out = new Set<number>();
  const visit = (e: Expr): void => {
    if (e.kind === 'call') {
      let arg: Expr | undefined;
      if (e.fn === 'relu' || e.fn === 'step' || e.fn === 'abs') arg = e.args[0];
      else if (e.fn === 'min' || e.fn === 'max') arg = add(e.args[0], mul(MINUS_ONE, e.args[1]));
      if (arg) {
        const root = affineRoot(arg, t);
        if (root !== undefined) out.add(root);
      }
    }
    if (e.kind === 'add') e.terms.forEach(visit);
    else if (e.kind === 'mul') e.factors.forEach(visit);
    else if (e.kind === 'pow') { visit(e.base); visit(e.exp); }
    else if (e.kind === 'call') e.args.forEach(visit);
  };
  visit(F);
  return [...out].sort((a, b) => a - b);
}

function affineRoot(arg: Expr, t: string): number | undefined {
  try {
    const p = polyIn(arg, [t]);
    let a = 0, b = 0;
    for (const term of p.terms) {
      if (freeSymbols(term.coeff).size > 0) return undefined;
      const v = evaluate(term.coeff, {});
      if (term.exps[0] === 0) b = v;
      else if (term.exps[0] === 1) a = v;
      else return undefined;
    }
    return a !== 0 && Number.isFinite(-b / a) ? -b / a : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Numeric Hermite coefficients a_k = E[F(√s g) h_k(g)], k = 0..K, of an Expr F in
 * the single symbol t, by piecewise Gauss–Legendre split at F's kinks
 * (geometric convergence for piecewise smooth F; `nodesPerPanel` Gauss–Legendre nodes on
 * each half-unit panel). F must have no other symbols.
 */
export function numericHermiteCoefficients(F: Expr, t: string, variance: number, K: number, nodesPerPanel = 24): Float64Array {
  const others = [...freeSymbols(F)].filter((n) => n !== t);
  if (others.length) throw new ArgumentError(`numeric Hermite coefficients need numeric values for ${others.join(', ')}`);
  if (!(variance >= 0)) throw new ArgumentError(`variance must be ≥ 0, got ${variance}`);
  const sd = Math.sqrt(variance);
  const env: Record<string, number> = Object.create(null);
  env[t] = 0;
  const f = (x: number) => { env[t] = sd * x; return evaluate(F, env); };
  if (sd === 0) {
    const a = new Float64Array(K + 1);
    a[0] = f(0);
    return a;
  }
  const breaks = kinkPoints(F, t).map((r) => r / sd);
  const a = hermiteCoefficientsPiecewise(f, K, breaks, nodesPerPanel);
  let largest = 0;
  for (let k = 0; k <= K; k++) {
    if (!Number.isFinite(a[k])) throw new ArgumentError(`the Hermite coefficient a_${k} is not finite (is the expectation defined?)`);
    largest = Math.max(largest, Math.abs(a[k]));
  }
  // Coefficients at the quadrature's rounding floor (e.g. the even ones of an odd F) are zero.
  for (let k = 0; k <= K; k++) if (Math.abs(a[k]) < 1e-15 * largest) a[k] = 0;
  return a;
}

/** An Expr's value when it has no free symbols, else undefined. */
export function numericValue(e: Expr): number | undefined {
  if (e.kind === 'num') return numValue(e);
  if (freeSymbols(e).size > 0) return undefined;
  const v = evaluate(e, {});
  return Number.isFinite(v) ? v : undefined;
}

/** A fresh symbol name not among `taken`. */
export function freshSymbol(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let name = base, i = 0;
  while (used.has(name)) name = `${base}${++i}`;
  return name;
}


