// Linear analysis of a System, symbolically: the Jacobian at a point, the characteristic
// polynomial det(μI − A) of a matrix of Exprs, the roots of a quadratic, and the
// elimination of one variable of a two-variable system into one second-order equation
// q̈ + γ q̇ + ω² q = c (used by docs/effective-dynamics.md C.3 for the damped oscillator).

import { type Expr, add, mul, neg, sub, sym, num, div, dependsOn } from './expr.ts';
import { jacobian, diff } from './diff.ts';
import { substitute, type Substitution } from './substitute.ts';
import { simplify, isZero } from './simplify.ts';
import { expand, polyIn } from './poly.ts';
import { sqrtExpr } from './gaussian-table.ts';
import type { System } from './system.ts';
import { ArgumentError } from '../core/index.ts';

/** The Jacobian ∂f_i/∂x_j of the drift, substituted at `at` (absent: left symbolic) and simplified. */
export function linearize(system: System, at?: Substitution): Expr[][] {
  const J = jacobian(system.drift, system.state);
  return J.map((row) => row.map((e) => simplify(at ? substitute(e, at) : e)));
}

/** det(A) by cofactor expansion along the first row (small matrices), expanded. */
export function determinant(A: readonly (readonly Expr[])[]): Expr {
  const n = A.length;
  if (A.some((r) => r.length !== n)) throw new ArgumentError('determinant: the matrix is not square');
  if (n > 8) throw new ArgumentError(`determinant: cofactor expansion is limited to 8×8, got ${n}×${n}`);
  if (n === 0) return num(1);
  if (n === 1) return A[0][0];
  const terms: Expr[] = [];
  for (let j = 0; j < n; j++) {
    const a = A[0][j];
    if (a.kind === 'num' && a.p === 0) continue;
    const minor = A.slice(1).map((r) => r.filter((_, k) => k !== j));
    const t = mul(A[0][j], determinant(minor));
    terms.push(j % 2 === 0 ? t : neg(t));
  }
  return expand(add(...terms));
}

/** det(μI − A) as an expanded Expr in the symbol `mu`. */
export function characteristicPolynomial(A: readonly (readonly Expr[])[], mu = 'mu'): Expr {
  const m = sym(mu);
  return determinant(A.map((row, i) => row.map((e, j) => (i === j ? sub(m, e) : neg(e)))));
}

/** Coefficients [c0, c1, ..., cn] of p as a polynomial in `x` (simplified). */
export function coefficientsIn(p: Expr, x: string): Expr[] {
  const P = polyIn(expand(p), [x]);
  const deg = Math.max(0, ...P.terms.map((t) => t.exps[0]));
  const out: Expr[] = Array.from({ length: deg + 1 }, () => num(0) as Expr);
  for (const t of P.terms) out[t.exps[0]] = simplify(t.coeff);
  return out;
}

/** The roots (−b ± √(b² − 4ac)) / (2a) of a quadratic in x ('+' root first; ±√(−c/a) when b = 0). */
export function quadraticRoots(p: Expr, x: string): [Expr, Expr] {
  const c = coefficientsIn(p, x);
  if (c.length !== 3) throw new ArgumentError(`quadraticRoots: degree ${c.length - 1} in ${x}, expected 2`);
  const [c0, c1, c2] = c;
  if (isZero(c1)) {
    const r = sqrtExpr(simplify(div(neg(c0), c2)));
    return [r, simplify(neg(r))];
  }
  const disc = simplify(expand(sub(mul(c1, c1), mul(num(4), c2, c0))));
  const root = sqrtExpr(disc);
  const den = mul(num(2), c2);
  return [simplify(div(add(neg(c1), root), den)), simplify(div(sub(neg(c1), root), den))];
}

/** q̈ + γ q̇ + ω² q = c, read off from an eliminated system. */
export interface SecondOrder {
  /** q̈ as an Expr in q and `qdot` */
  readonly qddot: Expr;
  readonly gamma: Expr;
  readonly omega2: Expr;
  readonly forcing: Expr;
  /** the eliminated variable in terms of q and qdot */
  readonly eliminated: { readonly name: string; readonly value: Expr };
}

/**
 * For a two-variable system (q, w) whose q-equation q̇ = F(q, w) is linear in w with a
 * nonzero coefficient: solves q̇ = F for w, differentiates q̇ along the flow
 * (q̈ = F_q q̇ + F_w ẇ), substitutes ẇ = G(q, w) and w(q, q̇), and reads q̈ as
 * −γ q̇ − ω² q + c (it must be affine in q and q̇: linearise first otherwise).
 */
export function eliminateToSecondOrder(system: System, keep: string, qdot = 'qdot'): SecondOrder {
  if (system.state.length !== 2) throw new ArgumentError(`eliminateToSecondOrder: needs two state variables, got ${system.state.length}`);
  const iq = system.state.indexOf(keep);
  if (iq < 0) throw new ArgumentError(`eliminateToSecondOrder: ${keep} is not a state variable`);
  const w = system.state[1 - iq];
  const F = system.drift[iq], G = system.drift[1 - iq];
  const Fw = polyIn(expand(F), [w]);
  if (Fw.terms.some((t) => t.exps[0] > 1)) throw new ArgumentError(`eliminateToSecondOrder: d${keep}/dt is not linear in ${w}`);
  const slope = simplify(diff(F, w));
  if (slope.kind === 'num' && slope.p === 0) throw new ArgumentError(`eliminateToSecondOrder: d${keep}/dt does not depend on ${w}`);
  const rest = simplify(substitute(F, { [w]: 0 }));
  const wValue = simplify(div(sub(sym(qdot), rest), slope));
  const qddot = simplify(substitute(add(mul(diff(F, keep), sym(qdot)), mul(slope, G)), { [w]: wValue }));
  const P = polyIn(expand(qddot), [keep, qdot]);
  let gamma: Expr = num(0), omega2: Expr = num(0), forcing: Expr = num(0);
  for (const t of P.terms) {
    const [a, b] = t.exps;
    if (a === 0 && b === 0) forcing = t.coeff;
    else if (a === 1 && b === 0) omega2 = neg(t.coeff);
    else if (a === 0 && b === 1) gamma = neg(t.coeff);
    else throw new ArgumentError(`eliminateToSecondOrder: d²${keep}/dt² is not affine in ${keep}, ${qdot}`);
  }
  if (dependsOn(gamma, keep) || dependsOn(omega2, keep)) throw new ArgumentError('eliminateToSecondOrder: coefficients depend on the state');
  return { qddot, gamma: simplify(gamma), omega2: simplify(omega2), forcing: simplify(forcing), eliminated: { name: w, value: wValue } };
}

/**
 * The value of `param` (> 0 root) at which γ² = 4ω² (critical damping), when γ² − 4ω²
 * is quadratic in it; the '+' root of quadraticRoots.
 */
export function criticalValue(so: SecondOrder, param: string): Expr {
  const eq = expand(sub(mul(so.gamma, so.gamma), mul(num(4), so.omega2)));
  return quadraticRoots(eq, param)[0];
}

