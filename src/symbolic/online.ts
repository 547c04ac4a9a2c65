// The mean-field limit of online learning in dimension n → ∞, for any model written
// in the vector algebra of highdim.ts: given one step of the update (each moving
// direction's new value, as a vector to the order kept), the overlap ODE is
//
//   dM_ab/dt = n·E[⟨a', b'⟩ − ⟨a, b⟩]   (t = steps/n, h = 1/n → 0),
//
// the coefficient of h in the expected one-step change. It contains both the drift of
// the first-order term and the O(1/n) correction of the second-order term (η²‖x‖²/n²
// with ‖x‖² = n), because highdim.ts keeps ⟨a, a⟩ = 1/h for a noise vector a. The
// per-coordinate SDE (the McKean–Vlasov limit, docs/solvable-gan.md A.5) follows from
// the same step with a unit basis vector e = e_i among the directions and the
// expansion in k = n^{-1/2}: drift = n·E[Δ], diffusion² = n·E[Δ²], Δ = √n·eᵀ(x' − x).
//
// The expectations are over the fresh Gaussians of the step: the latent variables
// (independent of the noise vectors) and the projections ⟨a, x⟩ of every noise
// vector on the directions (projectionCovariance). Without a collector only closed
// forms are accepted (the result must be exact); with one (step.numeric), the terms
// that have none become numeric expectations E_i (gaussian-numeric.ts).

import { type Expr, ONE, ZERO, mul, pow, rat, sym, sub, call } from './expr.ts';
import { expand, polyFromExpr, polyTerms } from './poly.ts';
import { simplify } from './simplify.ts';
import {
  type HighDimSpace, type Vec, vec, inner, coefficientOfH, truncateInH, projectionCovariance,
} from './highdim.ts';
import { gaussianExpectation, GaussianExpectationError } from './gaussian.ts';
import type { ExpectationCollector } from './gaussian-numeric.ts';

/** One step of an online update in the vector algebra of highdim.ts. */
export interface OnlineStep {
  readonly space: HighDimSpace;
  /** Fresh Gaussians independent of the noise vectors: names and covariance. */
  readonly latent?: { readonly vars: readonly string[]; readonly cov: readonly (readonly Expr[])[] };
  /** The value after one step of each direction that moves; the others are fixed. */
  readonly next: ReadonlyMap<string, Vec>;
  /** Applied to every expectation (e.g. noise amplitudes σ² → variances η). */
  readonly after?: (e: Expr) => Expr;
  /** Where the expectations without a closed form go (as symbols of the result); absent: they are refused. */
  readonly numeric?: ExpectationCollector;
}

/** A macroscopic variable: the overlap ⟨a, b⟩/n of two directions (gram(a, b)). */
export interface OverlapVariable {
  readonly name: string;
  readonly a: string;
  readonly b: string;
}

const isZeroExpr = (e: Expr) => e.kind === 'num' && e.p === 0;

/** E[e] over the step's latent variables and noise projections; exact closed forms, or numeric expectations with step.numeric. */
export function stepExpectation(step: OnlineStep, e: Expr): Expr {
  const proj = projectionCovariance(step.space);
  const latentVars = step.latent?.vars ?? [];
  const k = latentVars.length;
  const vars = [...latentVars, ...proj.vars];
  const cov: Expr[][] = vars.map((_, i) => vars.map((__, j) => {
    if (i < k && j < k) return step.latent!.cov[i][j];
    if (i < k || j < k) return ZERO;
    return proj.cov[i - k][j - k];
  }));
  if (step.numeric) {
    const r = step.numeric.expect(e, vars, cov);
    return step.after ? step.after(r) : r;
  }
  const result = gaussianExpectation(e, vars, cov);
  if (!result.exact) {
    throw new GaussianExpectationError(`derivation: no closed form for an expectation of the update (method ${result.method}); the ODE needs exact expectations`);
  }
  return step.after ? step.after(result.expr) : result.expr;
}

/** The direction's vector after the step (itself when fixed). */
export const nextOf = (step: OnlineStep, direction: string): Vec => step.next.get(direction) ?? vec([direction, ONE]);

/** n·E[after − before] as h → 0; throws when the order-1 part of `after` is not `before`. */
export function expectedRate(step: OnlineStep, after: Expr, before: Expr): Expr {
  const zeroth = expand(sub(coefficientOfH(after, 0), before));
  if (polyTerms(polyFromExpr(zeroth)).length !== 0) {
    throw new Error('derivation: the order-1 part of an overlap update is not the old overlap');
  }
  return stepExpectation(step, coefficientOfH(after, 1));
}

/** The right-hand side dM/dt of each overlap, in the order given. */
export function overlapDrifts(step: OnlineStep, overlaps: readonly OverlapVariable[]): Expr[] {
  return overlaps.map((o) => {
    try {
      return expectedRate(step, inner(step.space, nextOf(step, o.a), nextOf(step, o.b)), sym(o.name));
    } catch (err) {
      if (err instanceof GaussianExpectationError) {
        throw new GaussianExpectationError(`derivation of d${o.name}/dt: ${err.message.replace(/^derivation: /, '')}`);
      }
      throw err;
    }
  });
}

/** One coordinate of a direction for the per-coordinate SDE; `direction` null for a fixed one. */
export interface CoordinateRow {
  readonly name: string;
  readonly direction: string | null;
}

/**
 * Drift and diffusion of the rescaled coordinate √n·eᵀx of each row's direction.
 * The step must be written with `basis` among the directions (⟨e, x⟩ = k·x̂) and the
 * space's small symbol k = n^{-1/2} (smallPowerOfInverseN 2), kept to order k³.
 */
export function coordinateSde(step: OnlineStep, rows: readonly CoordinateRow[], basis = 'e'): { drift: Expr[]; diffusion: Expr[] } {
  const small = step.space.small ?? 'k';
  const k = sym(small);
  const e = vec([basis, ONE]);
  const drift: Expr[] = [], diffusion: Expr[] = [];
  for (const row of rows) {
    if (row.direction === null) { drift.push(ZERO); diffusion.push(ZERO); continue; }
    const after = nextOf(step, row.direction);
    // Δ = (eᵀx_new − eᵀx)/k, kept to order k² (E can only raise the order: covariances are O(1) or O(k))
    const delta = truncateInH(expand(mul(pow(k, rat(-1)), sub(inner(step.space, e, after), mul(k, sym(row.name))))), 2, -Infinity, small);
    if (!isZeroExpr(expand(coefficientOfH(delta, 0, small)))) throw new Error(`derivation: ${row.name} moves at order 1 per step`);
    const mean = stepExpectation(step, delta);
    const second = stepExpectation(step, truncateInH(expand(mul(delta, delta)), 2, -Infinity, small));
    if (!isZeroExpr(expand(coefficientOfH(mean, 1, small)))) throw new Error(`derivation: ${row.name} has a drift of order n^{-1/2}`);
    drift.push(simplify(coefficientOfH(mean, 2, small)));
    const variance = simplify(coefficientOfH(second, 2, small));
    diffusion.push(isZeroExpr(variance) ? ZERO : sqrtOfVariance(variance));
  }
  return { drift, diffusion };
}

/** sqrt(c·X) printed as c'·sqrt(X) when the variance has a perfect-square constant factor. */
export function sqrtOfVariance(variance: Expr): Expr {
  if (variance.kind === 'mul') {
    const squares = variance.factors.filter((f) => f.kind === 'pow' && f.exp.kind === 'num' && f.exp.p === 2 && f.exp.q === 1);
    const rest = variance.factors.filter((f) => !squares.includes(f));
    if (squares.length) {
      return mul(...squares.map((f) => (f as { base: Expr }).base), call('sqrt', mul(...rest)));
    }
  }
  return call('sqrt', variance);
}
