// Mixtures of identity-covariance Gaussians and their log-sum-exp discriminators
// (docs/approximability.md E.2.3, [R]): p = Σ_i w_i N(μ_i, I).
//   log p(x) = LSE_i(μ_iᵀx − ‖μ_i‖²/2 + log w_i) − ‖x‖²/2 − (d/2) log 2π,
// so log p − log q = f_φp − f_φq with f_φ(x) = LSE_i(μ_iᵀx − ‖μ_i‖²/2 + log w_i): the class
// F = {f_φ1 − f_φ2 : φ ∈ Φ} (Φ: k components, ‖μ_i‖ ≤ R_μ) contains log p − log q exactly
// (ε = 0 in Lemma 4.3), so W_F ≥ KL(p‖q) + KL(q‖p). Every f_φ is R_μ-Lipschitz (its
// gradient is a convex combination of the μ_i), so W_F ≤ 2 R_μ W1.
// W_F = sup_φ A(φ) − inf_φ A(φ) with A(φ) = E_p f_φ − E_q f_φ (the sup decouples); each is
// found by Adam on training samples from the starts φ_p, φ_q and evaluated on fresh test
// samples (an unbiased estimate, with its standard error, of a value ≤ W_F).

import { Rng, meanWithError, transportW1, type MeanWithError } from '../../numeric/index.ts';

export interface Mixture {
  readonly d: number;
  readonly weights: Float64Array;
  /** k×d, row-major */
  readonly means: Float64Array;
}

export const components = (m: Mixture) => m.weights.length;

/** n samples (n×d). */
export function sampleMixture(m: Mixture, n: number, rng: Rng): Float64Array {
  const { d } = m, k = components(m);
  const x = new Float64Array(n * d);
  rng.fillNormal(x);
  for (let s = 0; s < n; s++) {
    let r = rng.uniform(), i = 0;
    while (i < k - 1 && r >= m.weights[i]) { r -= m.weights[i]; i++; }
    for (let j = 0; j < d; j++) x[s * d + j] += m.means[i * d + j];
  }
  return x;
}

/** f_φ(x) = LSE_i(μ_iᵀx − ‖μ_i‖²/2 + log w_i) at row s of X; `soft` receives the softmax weights. */
function lse(m: Mixture, X: Float64Array, s: number, soft?: Float64Array): number {
  const { d } = m, k = components(m);
  let mx = -Infinity;
  const a = soft ?? new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let dot = 0, nn = 0;
    for (let j = 0; j < d; j++) { dot += m.means[i * d + j] * X[s * d + j]; nn += m.means[i * d + j] ** 2; }
    a[i] = dot - nn / 2 + Math.log(m.weights[i]);
    if (a[i] > mx) mx = a[i];
  }
  let z = 0;
  for (let i = 0; i < k; i++) { a[i] = Math.exp(a[i] - mx); z += a[i]; }
  for (let i = 0; i < k; i++) a[i] /= z;
  return mx + Math.log(z);
}

/** log density of the mixture at each row of X. */
export function mixtureLogDensity(m: Mixture, X: Float64Array): Float64Array {
  const n = X.length / m.d, out = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let sq = 0;
    for (let j = 0; j < m.d; j++) sq += X[s * m.d + j] ** 2;
    out[s] = lse(m, X, s) - sq / 2 - (m.d / 2) * Math.log(2 * Math.PI);
  }
  return out;
}

/** KL(p‖q) by Monte Carlo of the exact log-density ratio on n samples of p, with its standard error. */
export function mixtureKl(p: Mixture, q: Mixture, n: number, rng: Rng): MeanWithError {
  const X = sampleMixture(p, n, rng);
  const lp = mixtureLogDensity(p, X), lq = mixtureLogDensity(q, X);
  return meanWithError(lp.map((v, i) => v - lq[i]));
}

/** E_P f_φ − E_Q f_φ on samples, as per-sample values of P and Q. */
function aValues(phi: Mixture, XP: Float64Array, XQ: Float64Array): { p: Float64Array; q: Float64Array } {
  const d = phi.d;
  const p = new Float64Array(XP.length / d), q = new Float64Array(XQ.length / d);
  for (let s = 0; s < p.length; s++) p[s] = lse(phi, XP, s);
  for (let s = 0; s < q.length; s++) q[s] = lse(phi, XQ, s);
  return { p, q };
}

/** Difference of sample means with the standard error of the difference (independent samples). */
function diffWithError(a: Float64Array, b: Float64Array): MeanWithError {
  const ea = meanWithError(a), eb = meanWithError(b);
  return { mean: ea.mean - eb.mean, se: Math.hypot(ea.se, eb.se), n: ea.n + eb.n };
}

function projectBall(means: Float64Array, d: number, R: number): void {
  for (let i = 0; i < means.length / d; i++) {
    let n = 0;
    for (let j = 0; j < d; j++) n += means[i * d + j] ** 2;
    n = Math.sqrt(n);
    if (n > R) for (let j = 0; j < d; j++) means[i * d + j] *= R / n;
  }
}

/** Adam ascent of sign·(E_P f_φ − E_Q f_φ) over (means, logits) from φ0, on the given samples. */
function ascend(phi0: Mixture, XP: Float64Array, XQ: Float64Array, sign: number, R: number, steps: number, lr: number): Mixture {
  const { d } = phi0, k = components(phi0);
  const means = Float64Array.from(phi0.means), logits = Float64Array.from(phi0.weights, Math.log);
  const nParams = k * d + k;
  const m1 = new Float64Array(nParams), m2 = new Float64Array(nParams), grad = new Float64Array(nParams);
  const soft = new Float64Array(k);
  const b1 = 0.9, b2 = 0.999;
  for (let t = 1; t <= steps; t++) {
    const mx = Math.max(...logits);
    let z = 0;
    for (let i = 0; i < k; i++) z += Math.exp(logits[i] - mx);
    const w = Float64Array.from(logits, (l) => Math.exp(l - mx) / z);
    const phi: Mixture = { d, weights: w, means };
    grad.fill(0);
    for (const [X, sgn] of [[XP, 1], [XQ, -1]] as const) {
      const n = X.length / d;
      for (let s = 0; s < n; s++) {
        lse(phi, X, s, soft);
        for (let i = 0; i < k; i++) {
          const c = (sign * sgn * soft[i]) / n;
          for (let j = 0; j < d; j++) grad[i * d + j] += c * (X[s * d + j] - means[i * d + j]);
          grad[k * d + i] += (sign * sgn * (soft[i] - w[i])) / n;
        }
      }
    }
    for (let r = 0; r < nParams; r++) {
      m1[r] = b1 * m1[r] + (1 - b1) * grad[r];
      m2[r] = b2 * m2[r] + (1 - b2) * grad[r] * grad[r];
      const step = (lr * (m1[r] / (1 - b1 ** t))) / (Math.sqrt(m2[r] / (1 - b2 ** t)) + 1e-12);
      if (r < k * d) means[r] += step; else logits[r - k * d] += step;
    }
    projectBall(means, d, R);
  }
  const mx = Math.max(...logits);
  let z = 0;
  for (let i = 0; i < k; i++) z += Math.exp(logits[i] - mx);
  return { d, means, weights: Float64Array.from(logits, (l) => Math.exp(l - mx) / z) };
}

export interface MixtureIpmResult {
  /** test estimate of A(φ+) − A(φ−) with its standard error */
  readonly ipm: MeanWithError;
  /** the value of φ = (p, q), i.e. KL(p‖q) + KL(q‖p), on the same test samples */
  readonly klSymmetric: MeanWithError;
  readonly lipschitz: number;
}

/** W_F for the log-sum-exp class with components ‖μ_i‖ ≤ R (see the module comment). */
export function mixtureIpm(p: Mixture, q: Mixture, opts: { R: number; nTrain?: number; nTest?: number; steps?: number; lr?: number; seed?: number }): MixtureIpmResult {
  const rng = new Rng(opts.seed ?? 1);
  const [rTrain, rTest] = rng.splitMany(2);
  const nTrain = opts.nTrain ?? 2000, nTest = opts.nTest ?? 20000;
  const XP = sampleMixture(p, nTrain, rTrain), XQ = sampleMixture(q, nTrain, rTrain);
  const TP = sampleMixture(p, nTest, rTest), TQ = sampleMixture(q, nTest, rTest);
  const steps = opts.steps ?? 150, lr = opts.lr ?? 0.02;
  const clampIn = (m: Mixture): Mixture => { const means = Float64Array.from(m.means); projectBall(means, m.d, opts.R); return { ...m, means }; };
  const hi = ascend(clampIn(p), XP, XQ, 1, opts.R, steps, lr);
  const lo = ascend(clampIn(q), XP, XQ, -1, opts.R, steps, lr);
  const vHi = aValues(hi, TP, TQ), vLo = aValues(lo, TP, TQ);
  const ipm = diffWithError(vHi.p.map((v, i) => v - vLo.p[i]), vHi.q.map((v, i) => v - vLo.q[i]));
  const vp = aValues(p, TP, TQ), vq = aValues(q, TP, TQ);
  const klSymmetric = diffWithError(vp.p.map((v, i) => v - vq.p[i]), vp.q.map((v, i) => v - vq.q[i]));
  return { ipm, klSymmetric, lipschitz: 2 * opts.R };
}

/** W1 bracket: ‖E_p x − E_q x‖ ≤ W1 ≤ the optimal transport between the components (shifting whole components). */
export function mixtureW1Bracket(p: Mixture, q: Mixture): { lower: number; upper: number } {
  const { d } = p;
  let lower = 0;
  for (let j = 0; j < d; j++) {
    let e = 0;
    for (let i = 0; i < components(p); i++) e += p.weights[i] * p.means[i * d + j];
    for (let i = 0; i < components(q); i++) e -= q.weights[i] * q.means[i * d + j];
    lower += e * e;
  }
  return { lower: Math.sqrt(lower), upper: transportW1(p.weights, p.means, q.weights, q.means, d).cost };
}

/** A random mixture: k components with means uniform in the ball of radius R·0.9, weights Dirichlet(2). */
export function randomMixture(rng: Rng, d: number, k: number, R: number): Mixture {
  const means = new Float64Array(k * d);
  for (let i = 0; i < k; i++) {
    const v = new Float64Array(d);
    rng.fillNormal(v);
    const n = Math.hypot(...v) || 1, r = 0.9 * R * rng.uniform() ** (1 / d);
    for (let j = 0; j < d; j++) means[i * d + j] = (v[j] * r) / n;
  }
  const g = Array.from({ length: k }, () => -Math.log(rng.uniform() * rng.uniform() + 1e-300));
  const s = g.reduce((a, b) => a + b, 0);
  return { d, means, weights: Float64Array.from(g, (x) => x / s) };
}
