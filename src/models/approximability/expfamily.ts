// The exponential-family class (docs/approximability.md E.2.2) for one concrete family:
// the product of truncated exponentials on the cube [0, 1]^d,
//   p_θ(x) = exp⟨θ, x⟩ / Z(θ),  T(x) = x,  log Z(θ) = Σ_i A(θ_i),  A(t) = log((e^t − 1)/t).
// ∇² log Z = diag A''(θ_i), and A'' is even and decreasing in |t| from 1/12, so on the
// ball ‖θ‖ ≤ R: γ = A''(R), β = 1/12. F = {⟨v, x⟩ : ‖v‖ ≤ 1} gives
// W_F = ‖∇ log Z(θ_p) − ∇ log Z(θ_q)‖ in closed form; KL is the Bregman divergence.
// W1: each coordinate family has a monotone likelihood ratio, so the 1-D laws are
// stochastically ordered and W1 per coordinate is |A'(θ_p,i) − A'(θ_q,i)|; the product of
// the 1-D monotone couplings gives W1 ≤ Σ_i |ΔA'|, and ⟨v, x⟩ 1-Lipschitz gives W1 ≥ W_F.

import { klExponentialFamily } from '../../numeric/index.ts';

/** A(t) = log((e^t − 1)/t), A(0) = 0. */
export function cubeLogPartition1(t: number): number {
  if (Math.abs(t) < 1e-4) return t / 2 + (t * t) / 24;
  return Math.log(Math.expm1(t) / t);
}

/** A'(t) = E x under the truncated exponential on [0, 1]. */
export function cubeMean1(t: number): number {
  if (Math.abs(t) < 1e-3) return 0.5 + t / 12 - (t * t * t) / 720;
  if (t < 0) return 1 - cubeMean1(-t);
  return 1 / -Math.expm1(-t) - 1 / t;
}

/** A''(t) = Var x = 1/t² − 1/(4 sinh²(t/2)). */
export function cubeVariance1(t: number): number {
  if (Math.abs(t) < 2e-2) return 1 / 12 - (t * t) / 240 + (t ** 4) / 6048;
  const sh = Math.sinh(t / 2);
  return 1 / (t * t) - 1 / (4 * sh * sh);
}

export const cubeLogPartition = (theta: ArrayLike<number>) => { let s = 0; for (let i = 0; i < theta.length; i++) s += cubeLogPartition1(theta[i]); return s; };
export const cubeMeanParameter = (theta: ArrayLike<number>) => Float64Array.from(theta as ArrayLike<number>, cubeMean1);

export interface ExpFamilyReport {
  readonly ipm: number;
  readonly klPQ: number;
  readonly klQP: number;
  /** W_F ≤ W1 ≤ W1 upper (product of the 1-D monotone couplings) */
  readonly w1Lower: number;
  readonly w1Upper: number;
  /** curvature bounds of log Z on the ball of radius max(‖θ_p‖, ‖θ_q‖) */
  readonly gamma: number;
  readonly beta: number;
}

/** IPM, KL both ways, W1 bracket and curvature constants for two members of the cube family. */
export function expFamilyReport(thetaP: ArrayLike<number>, thetaQ: ArrayLike<number>, radius?: number): ExpFamilyReport {
  const mp = cubeMeanParameter(thetaP), mq = cubeMeanParameter(thetaQ);
  let ipm2 = 0, l1 = 0, np = 0, nq = 0;
  for (let i = 0; i < mp.length; i++) { const e = mp[i] - mq[i]; ipm2 += e * e; l1 += Math.abs(e); np += thetaP[i] ** 2; nq += thetaQ[i] ** 2; }
  const R = radius ?? Math.sqrt(Math.max(np, nq));
  return {
    ipm: Math.sqrt(ipm2),
    klPQ: klExponentialFamily(cubeLogPartition, cubeMeanParameter, thetaP, thetaQ),
    klQP: klExponentialFamily(cubeLogPartition, cubeMeanParameter, thetaQ, thetaP),
    w1Lower: Math.sqrt(ipm2), w1Upper: l1,
    gamma: cubeVariance1(R), beta: 1 / 12,
  };
}
