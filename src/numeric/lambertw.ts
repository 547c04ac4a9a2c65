// The principal branch W₀ of the Lambert W function (w e^w = x, w ≥ −1) by Halley
// iteration, and W₀(e^z) without forming e^z (for the vanilla-GAN eigenbasis
// solution of docs/ntk-gan.md B.3, where z = λt + 1 can exceed 709).

import { ArgumentError } from '../core/index.ts';

const INV_E = Math.exp(-1);
const EPS = 2.220446049250313e-16;

/** Halley's step for g(w) = w e^w − x. */
function halley(x: number, w0: number): number {
  let w = w0;
  for (let k = 0; k < 60; k++) {
    const ew = Math.exp(w);
    const f = w * ew - x;
    const wp1 = w + 1;
    if (wp1 === 0) return w;
    const step = f / (ew * wp1 - ((w + 2) * f) / (2 * wp1));
    const next = w - step;
    if (!Number.isFinite(next)) return w;
    if (Math.abs(next - w) <= 4 * EPS * Math.max(Math.abs(next), 1e-300)) return next;
    w = next;
  }
  return w;
}

/**
 * W₀(x) for x ≥ −1/e: the w ≥ −1 with w e^w = x. Start: the branch-point series
 * near −1/e, w ≈ x near 0, log asymptotics for large x; then Halley iteration to
 * a few ulps (its convergence is cubic).
 */
export function lambertW0(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x < -INV_E) {
    // allow rounding of −1/e itself
    if (x > -INV_E - 4 * EPS) return -1;
    throw new ArgumentError(`lambertW0: x = ${x} is below −1/e, outside the principal branch's domain`);
  }
  if (x === 0) return 0;
  if (x === -INV_E) return -1;
  let w0: number;
  if (x < -0.3) {
    // w = −1 + p − p²/3 + 11p³/72 − …, p = √(2(e x + 1))
    const p = Math.sqrt(Math.max(0, 2 * (Math.E * x + 1)));
    w0 = -1 + p - (p * p) / 3 + (11 * p * p * p) / 72;
    if (p < 1e-4) return w0; // series error O(p⁴) < 1e-16
  } else if (Math.abs(x) < 0.5) {
    w0 = x * (1 - x + 1.5 * x * x);
  } else if (x < 3) {
    w0 = Math.log1p(x) * (1 - Math.log1p(Math.log1p(x)) / (2 + Math.log1p(x)));
  } else {
    if (x > 1e300) return lambertWExp(Math.log(x));
    const l1 = Math.log(x), l2 = Math.log(l1);
    w0 = l1 - l2 + l2 / l1;
  }
  return halley(x, w0);
}

/**
 * W₀(e^z) for any real z, i.e. the w > 0 with w + ln w = z (never forms e^z):
 * Halley iteration on h(w) = w + ln w − z from w ≈ z − ln z for large z.
 */
export function lambertWExp(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return Infinity;
  if (z < 2) {
    if (z < -745) return 0; // e^z underflows; W₀(x) = x(1 − x + …)
    if (z < -36) return Math.exp(z) * (1 - Math.exp(z)); // relative error ≤ 1.5 e^{2z} < 1e-31
    return lambertW0(Math.exp(z));
  }
  let w = z - Math.log(z);
  w += Math.log(z) / z; // w ≈ z − ln z + ln z / z
  for (let k = 0; k < 60; k++) {
    const h = w + Math.log(w) - z;
    const h1 = 1 + 1 / w, h2 = -1 / (w * w);
    const next = w - (2 * h * h1) / (2 * h1 * h1 - h * h2);
    if (Math.abs(next - w) <= 4 * EPS * next) return next;
    w = next;
  }
  return w;
}
