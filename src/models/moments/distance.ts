// The moment distance as an integral probability metric (docs/method-of-moments.md D.4).
//
// Discriminators: polynomials of degree ≤ K written f(x) = Σ_{k≤K} ⟨T_k, x^{⊗k}⟩ with
// symmetric T_k (⟨T, x^{⊗k}⟩ = Σ_α (k!/α!) T_α x^α: bounded coefficients = bounded
// tensors). For Δ_k = E_p x^{⊗k} − E_q x^{⊗k},
//
//   ball 'per-degree' (‖T_k‖_F ≤ 1 for each k):  sup_f E_p f − E_q f = Σ_k ‖Δ_k‖_F
//   ball 'joint'      (Σ_k ‖T_k‖_F² ≤ 1):        sup_f E_p f − E_q f = (Σ_k ‖Δ_k‖_F²)^{1/2}
//
// by Cauchy–Schwarz, attained at T_k = Δ_k/‖Δ_k‖_F (per-degree) or Δ_k/‖Δ‖ (joint).
// The choice of ball is [R] (papers.md D.2 writes the per-degree sum).

import { frobenius, tensorPolynomial } from '../../numeric/index.ts';

export type IpmBall = 'per-degree' | 'joint';
export const IPM_BALLS: readonly IpmBall[] = ['per-degree', 'joint'];

/** ‖Δ_k‖_F for k = 1..K (index k-1). */
export function momentDiscrepancies(p: readonly ArrayLike<number>[], q: readonly ArrayLike<number>[]): number[] {
  return p.map((t, k) => frobenius(t, q[k]));
}

/** The moment distance (the IPM of the polynomial class) from per-degree discrepancies. */
export function momentDistance(discrepancies: readonly number[], ball: IpmBall = 'per-degree'): number {
  return ball === 'per-degree' ? discrepancies.reduce((a, b) => a + b, 0) : Math.sqrt(discrepancies.reduce((a, b) => a + b * b, 0));
}

/** The optimal discriminator's tensors T_k (index k-1) for moments p vs q. */
export function witnessTensors(p: readonly ArrayLike<number>[], q: readonly ArrayLike<number>[], ball: IpmBall = 'per-degree'): Float64Array[] {
  const deltas = p.map((t, k) => Float64Array.from(t, (v, i) => v - q[k][i]));
  const norms = deltas.map((t) => frobenius(t));
  const joint = Math.sqrt(norms.reduce((a, b) => a + b * b, 0));
  return deltas.map((t, k) => {
    const scale = ball === 'per-degree' ? norms[k] : joint;
    return scale > 0 ? t.map((v) => v / scale) : t.fill(0);
  });
}

/** f(x) = Σ_k ⟨T_k, x^{⊗k}⟩ at one point x ∈ R^d. */
export function evaluateTensorPolynomial(tensors: readonly ArrayLike<number>[], x: ArrayLike<number>, d: number): number {
  let s = 0;
  tensors.forEach((t, k) => { s += tensorPolynomial(t, x, d, k + 1); });
  return s;
}

/** Values f(x_s) of a tensor polynomial at n samples (row-major n×d). */
export function evaluateOnSamples(tensors: readonly ArrayLike<number>[], x: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  const row = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < d; j++) row[j] = x[s * d + j];
    out[s] = evaluateTensorPolynomial(tensors, row, d);
  }
  return out;
}
