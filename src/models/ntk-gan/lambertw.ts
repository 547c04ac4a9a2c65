// The vanilla-GAN eigenbasis solution of docs/ntk-gan.md B.3 through Lambert W.
import { lambertWExp } from '../../numeric/index.ts';

/**
 * The solution u(t) of u' = λ σ(−u), u(0) = 0, as a function of s = λt
 * (docs/ntk-gan.md B.3): u + e^u = 1 + s, so u = s + 1 − W₀(e^{s+1}). For |s| < 1e-2
 * the difference cancels (relative error ~ ε/|s|), so there the root of
 * u + expm1(u) = s is taken by Newton from its series s/2 − s²/16 + s³/192.
 */
export function vanillaScalarSolution(s: number): number {
  if (Math.abs(s) < 1e-2) {
    let u = s / 2 - (s * s) / 16 + (s * s * s) / 192;
    for (let k = 0; k < 3; k++) u -= (u + Math.expm1(u) - s) / (1 + Math.exp(u));
    return u;
  }
  return s + 1 - lambertWExp(s + 1);
}
