// The four-dimensional orthant probability P(w1 > 0, ..., w4 > 0), w ~ N(0, C): the one
// Gaussian expectation of products of half-spaces with no closed form (gaussian.ts reduces
// every other product of relu/step factors to the pair table and the trivariate orthant).
//
// Plackett's identity: for the correlation matrix R, ∂P/∂ρ_ij = φ₂(0, 0; ρ_ij)·P(w_k > 0,
// w_l > 0 | w_i = w_j = 0), and the conditional pair's probability is 1/4 +
// arcsin(ρ_kl|ij)/(2π) (its covariance is the Schur complement). Along R(t) = I + t(R − I),
// P(R) = 1/16 + ∫₀¹ Σ_{i<j} ρ_ij φ₂(0, 0; tρ_ij) P_kl|ij(t) dt. A nearly singular R makes the
// integrand vary on the scale of its smallest eigenvalue near t = 1: Gauss–Legendre on
// geometric panels in 1 − t, the last one with t = 1 − 2^{-30}(1 − s)², which removes the
// 1/√(1 − t²ρ²) growth when a correlation is ±1. The error estimate is the difference
// between the orders ORTHANT_ORDER and ORTHANT_CHECK_ORDER per panel plus a bound on the
// rounding of the Schur complements near a correlation of ±1.

import { gaussLegendre } from '../numeric/index.ts';
import { CompileError } from './lower.ts';

export const ORTHANT_ORDER = 16;
export const ORTHANT_CHECK_ORDER = 10;
/** geometric panels toward t = 1 (the last one, of width 2^-ORTHANT_PANELS, with the square-root substitution) */
export const ORTHANT_PANELS = 30;

const PAIRS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 1, 2, 3], [0, 2, 1, 3], [0, 3, 1, 2], [1, 2, 0, 3], [1, 3, 0, 2], [2, 3, 0, 1],
];

/**
 * dP/dt at t for the correlation matrix R (4×4), and a bound on its rounding error: the
 * Schur complement is computed with a relative error of a few ulps divided by
 * det = 1 − (tρ_ij)² (cancellation when a correlation is near ±1), which the arcsin can
 * amplify by 1/√(1 − ρ²) of the conditional correlation.
 */
function rate(R: readonly (readonly number[])[], t: number): [number, number] {
  let sum = 0, rounding = 0;
  for (const [i, j, k, l] of PAIRS) {
    const rij = t * R[i][j];
    if (rij === 0) continue;
    const det = 1 - rij * rij;
    // Schur complement of (i, j) in R(t), entries (k, k), (l, l), (k, l)
    const bki = t * R[k][i], bkj = t * R[k][j], bli = t * R[l][i], blj = t * R[l][j];
    const quad = (a1: number, a2: number, b1: number, b2: number) => (a1 * b1 - rij * a1 * b2 - rij * a2 * b1 + a2 * b2) / det;
    const skk = 1 - quad(bki, bkj, bki, bkj);
    const sll = 1 - quad(bli, blj, bli, blj);
    const skl = t * R[k][l] - quad(bki, bkj, bli, blj);
    const rho = Math.max(-1, Math.min(1, skl / Math.sqrt(skk * sll)));
    const pair = 0.25 + Math.asin(rho) / (2 * Math.PI);
    const density = Math.abs(R[i][j]) / (2 * Math.PI * Math.sqrt(det));
    sum += R[i][j] * pair / (2 * Math.PI * Math.sqrt(det));
    const relative = (16 * Number.EPSILON) / det;
    rounding += density * Math.min(0.5, relative * (1 + 1 / Math.sqrt(Math.max(relative, 1 - rho * rho))));
  }
  return [sum, rounding];
}

/** ∫₀¹ dP/dt dt on geometric panels 1 − t ∈ [2^{-k-1}, 2^{-k}] (a near-singular R varies fast only near t = 1), n nodes each. */
function integrate(R: readonly (readonly number[])[], n: number): { value: number; rounding: number } {
  const { nodes, weights } = gaussLegendre(n);
  let s = 0, rounding = 0;
  const panel = (a: number, b: number, sqrtEnd: boolean) => {
    for (let q = 0; q < n; q++) {
      const u = (nodes[q] + 1) / 2;
      if (sqrtEnd) {
        // t = b − (b − a)(1 − u)²: smooth at t = b = 1 even when a correlation is ±1
        const t = b - (b - a) * (1 - u) * (1 - u);
        const w = (weights[q] / 2) * 2 * (b - a) * (1 - u), [r, e] = rate(R, t);
        s += w * r; rounding += w * e;
      } else {
        const w = (weights[q] / 2) * (b - a), [r, e] = rate(R, a + (b - a) * u);
        s += w * r; rounding += w * e;
      }
    }
  };
  for (let k = 0; k < ORTHANT_PANELS; k++) panel(1 - 2 ** -k, 1 - 2 ** -(k + 1), false);
  panel(1 - 2 ** -ORTHANT_PANELS, 1, true);
  return { value: 1 / 16 + s, rounding };
}

/** P(w > 0) for w ~ N(0, C), C 4×4 with positive variances: value and error estimate. */
export function orthant4(C: readonly (readonly number[])[]): { value: number; error: number } {
  const sd = C.map((r, i) => Math.sqrt(r[i]));
  if (!sd.every((x) => x > 0 && Number.isFinite(x))) {
    throw new CompileError(`orthant probability: every variance must be positive, got ${C.map((r, i) => r[i]).join(', ')}`);
  }
  const R = C.map((r, i) => r.map((c, j) => (i === j ? 1 : Math.max(-1, Math.min(1, c / (sd[i] * sd[j]))))));
  const fine = integrate(R, ORTHANT_ORDER), check = integrate(R, ORTHANT_CHECK_ORDER);
  return { value: fine.value, error: Math.abs(fine.value - check.value) + fine.rounding };
}
