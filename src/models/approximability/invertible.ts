// Invertible neural-network generators and the log-density network of Lemma 4.1
// (docs/approximability.md E.2.4):
//   X = G(Z),  Z ~ N(0, diag γ²),  G(z) = W_ℓ σ(… σ(W_1 z + b_1) …) + b_ℓ,
// with σ a smoothed leaky ReLU, σ(t) = α t + (1 − α) s (softplus(t/s) − log 2):
// σ(0) = 0, σ' = α + (1 − α) sigmoid(t/s) ∈ (α, 1), twice differentiable.
// By change of variables
//   log p(x) = −½ Σ z_i²/γ_i² − Σ log γ_i − (d/2) log 2π − Σ_k log|det W_k| − Σ_{k<ℓ} Σ_i log σ'(t_k,i),
// with z and the pre-activations t_k from inverting G layer by layer. The log-density network
// f_φ (φ = inverse weights V_k = W_k⁻¹, biases, γ) computes the x-dependent part of it:
//   a = V_ℓ(x − b_ℓ); for k = ℓ−1..1: t_k = σ⁻¹(a), a = V_k(t_k − b_k); z = a;
//   f_φ(x) = −½ Σ z_i²/γ_i² − Σ_k Σ_i log σ'(t_k,i)   (= −Σ log σ⁻¹'(h) summed with the right sign)
// (the constant C of Lemma 4.1 cancels in E_p f − E_q f, so it is left out).

import { Rng, meanWithError, symmetricEigen, inverse, det, type MeanWithError, SingularMatrixError } from '../../numeric/index.ts';

export interface SmoothLeakyRelu {
  /** slope of the leaky part, σ' ∈ (alpha, 1) */
  readonly alpha: number;
  /** smoothing width s */
  readonly smooth: number;
}

export interface InvertibleLayer {
  /** d×d row-major */
  readonly W: Float64Array;
  readonly b: Float64Array;
}

export interface InvertibleGenerator {
  readonly d: number;
  /** standard deviations of the latent coordinates, in [δ, 1] */
  readonly gamma: Float64Array;
  /** ℓ layers; σ acts between consecutive layers */
  readonly layers: readonly InvertibleLayer[];
  readonly sigma: SmoothLeakyRelu;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

export function act(s: SmoothLeakyRelu, t: number): number {
  return s.alpha * t + (1 - s.alpha) * s.smooth * (softplus(t / s.smooth) - Math.LN2);
}
export function actPrime(s: SmoothLeakyRelu, t: number): number {
  return s.alpha + (1 - s.alpha) * sigmoid(t / s.smooth);
}
export function actSecond(s: SmoothLeakyRelu, t: number): number {
  const g = sigmoid(t / s.smooth);
  return ((1 - s.alpha) * g * (1 - g)) / s.smooth;
}
/** σ⁻¹(h): Newton safeguarded by the bracket |t| ≤ |h|/α (σ is increasing with σ' ≥ α, σ(0) = 0). */
export function actInverse(s: SmoothLeakyRelu, h: number): number {
  let lo = Math.min(0, h / s.alpha), hi = Math.max(0, h / s.alpha);
  let t = h;
  for (let it = 0; it < 100; it++) {
    const f = act(s, t) - h;
    if (f > 0) hi = t; else lo = t;
    let next = t - f / actPrime(s, t);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}

function matvec(A: Float64Array, x: ArrayLike<number>, d: number, out: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += A[i * d + j] * x[j]; out[i] = s; }
  return out;
}

/** Inverse weights and log|det W_k| of each layer (throws SingularMatrixError when a W is singular). */
export function inverseLayers(g: InvertibleGenerator): { V: Float64Array[]; logAbsDet: number } {
  const V: Float64Array[] = [];
  let logAbsDet = 0;
  for (const L of g.layers) {
    const dt = det(L.W, g.d);
    if (!(Math.abs(dt) > 0) || !Number.isFinite(dt)) throw new SingularMatrixError(`layer ${V.length + 1}: weight matrix is singular (det ${dt})`, 0, dt);
    logAbsDet += Math.log(Math.abs(dt));
    V.push(inverse(L.W, g.d));
  }
  return { V, logAbsDet };
}

export interface GeneratorSample {
  /** n×d */
  readonly x: Float64Array;
  /** exact log p(x) of each sample (from the forward pass) */
  readonly logp: Float64Array;
}

/** n samples with their exact log-densities. */
export function sampleGenerator(g: InvertibleGenerator, n: number, rng: Rng): GeneratorSample {
  const { d, layers } = g;
  const { logAbsDet } = inverseLayers(g);
  let constant = -(d / 2) * Math.log(2 * Math.PI) - logAbsDet;
  for (let i = 0; i < d; i++) constant -= Math.log(g.gamma[i]);
  const x = new Float64Array(n * d), logp = new Float64Array(n);
  const z = new Float64Array(d), a = new Float64Array(d), t = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    rng.fillNormal(z);
    let lp = constant;
    for (let i = 0; i < d; i++) { lp -= 0.5 * z[i] * z[i]; z[i] *= g.gamma[i]; }
    a.set(z);
    for (let k = 0; k < layers.length; k++) {
      matvec(layers[k].W, a, d, t);
      for (let i = 0; i < d; i++) t[i] += layers[k].b[i];
      if (k < layers.length - 1) {
        for (let i = 0; i < d; i++) { lp -= Math.log(actPrime(g.sigma, t[i])); a[i] = act(g.sigma, t[i]); }
      } else a.set(t);
    }
    x.set(a, s * d);
    logp[s] = lp;
  }
  return { x, logp };
}

/** The log-density network's parameters φ: inverse weights V_k, biases b_k, γ. */
export interface LogDensityNet {
  readonly d: number;
  readonly V: Float64Array[];
  readonly b: Float64Array[];
  readonly gamma: Float64Array;
  readonly sigma: SmoothLeakyRelu;
}

export function logDensityNet(g: InvertibleGenerator): LogDensityNet {
  return { d: g.d, V: inverseLayers(g).V, b: g.layers.map((L) => Float64Array.from(L.b)), gamma: Float64Array.from(g.gamma), sigma: g.sigma };
}

/** The constant C = −Σ log γ − (d/2) log 2π + Σ log|det V_k| that makes f_φ + C = log p. */
export function logDensityConstant(net: LogDensityNet): number {
  let c = -(net.d / 2) * Math.log(2 * Math.PI);
  for (let i = 0; i < net.d; i++) c -= Math.log(net.gamma[i]);
  for (const V of net.V) c += Math.log(Math.abs(det(V, net.d)));
  return c;
}

let scratchA = new Float64Array(0), scratchB = new Float64Array(0);

/** Gradient of f_φ at one input, accumulated with weight `scale` into `grad` (same shapes as φ). */
export interface NetGradient { V: Float64Array[]; b: Float64Array[]; gamma: Float64Array }

export function zeroGradient(net: LogDensityNet): NetGradient {
  return { V: net.V.map((v) => new Float64Array(v.length)), b: net.b.map((b) => new Float64Array(b.length)), gamma: new Float64Array(net.d) };
}

/** f_φ(x) at row s of X (n×d); with `grad`, adds scale·∇_φ f_φ(x). */
export function logDensityNetValue(net: LogDensityNet, X: Float64Array, s: number, grad?: NetGradient, scale = 1): number {
  const { d, V, b, sigma } = net;
  const L = V.length;
  if (!grad) {
    // value only: two scratch vectors, no allocation per layer
    if (scratchA.length < d) { scratchA = new Float64Array(d); scratchB = new Float64Array(d); }
    const cur = scratchA, nxt = scratchB;
    for (let i = 0; i < d; i++) nxt[i] = X[s * d + i] - b[L - 1][i];
    let value = 0;
    for (let k = L - 1; k >= 0; k--) {
      const W = V[k];
      for (let i = 0; i < d; i++) { let t = 0; for (let j = 0; j < d; j++) t += W[i * d + j] * nxt[j]; cur[i] = t; }
      if (k === 0) break;
      for (let i = 0; i < d; i++) {
        const t = actInverse(sigma, cur[i]);
        value -= Math.log(actPrime(sigma, t));
        nxt[i] = t - b[k - 1][i];
      }
    }
    for (let i = 0; i < d; i++) value -= (0.5 * cur[i] * cur[i]) / (net.gamma[i] * net.gamma[i]);
    return value;
  }
  // forward through the inverse network, keeping inputs of each linear map
  const inputs: Float64Array[] = new Array(L), pre: Float64Array[] = new Array(L);
  let a: Float64Array = new Float64Array(d);
  const u = new Float64Array(d);
  for (let i = 0; i < d; i++) u[i] = X[s * d + i] - b[L - 1][i];
  inputs[L - 1] = Float64Array.from(u);
  matvec(V[L - 1], u, d, a);
  let value = 0;
  for (let k = L - 2; k >= 0; k--) {
    const t = Float64Array.from(a, (h) => actInverse(sigma, h));
    pre[k] = t;
    for (let i = 0; i < d; i++) value -= Math.log(actPrime(sigma, t[i]));
    const w = Float64Array.from(t, (x, i) => x - b[k][i]);
    inputs[k] = w;
    a = matvec(V[k], w, d, new Float64Array(d));
  }
  for (let i = 0; i < d; i++) value -= (0.5 * a[i] * a[i]) / (net.gamma[i] * net.gamma[i]);
  if (!grad) return value;
  // backward
  let da = Float64Array.from(a, (z, i) => -z / (net.gamma[i] * net.gamma[i]));
  for (let i = 0; i < d; i++) grad.gamma[i] += (scale * a[i] * a[i]) / net.gamma[i] ** 3;
  for (let k = 0; k < L; k++) {
    const inp = inputs[k];
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) grad.V[k][i * d + j] += scale * da[i] * inp[j];
    // d input = V_kᵀ da; input = t_k − b_k (k < L−1) or x − b_ℓ
    const dIn = new Float64Array(d);
    for (let j = 0; j < d; j++) { let s2 = 0; for (let i = 0; i < d; i++) s2 += V[k][i * d + j] * da[i]; dIn[j] = s2; }
    for (let j = 0; j < d; j++) grad.b[k][j] -= scale * dIn[j];
    if (k === L - 1) break;
    // t_k = σ⁻¹(h) with h the previous activation; value has −log σ'(t_k)
    const t = pre[k];
    const dh = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const sp = actPrime(sigma, t[i]);
      const dt = dIn[i] - actSecond(sigma, t[i]) / sp;
      dh[i] = dt / sp;
    }
    da = dh;
  }
  return value;
}

/** Exact log p(x) at each row of X, through the inverse network. */
export function generatorLogDensity(g: InvertibleGenerator, X: Float64Array): Float64Array {
  const net = logDensityNet(g), C = logDensityConstant(net);
  const n = X.length / g.d, out = new Float64Array(n);
  for (let s = 0; s < n; s++) out[s] = logDensityNetValue(net, X, s) + C;
  return out;
}

/** KL(p‖q) = E_p[log p − log q] by Monte Carlo of the exact log-density ratio, with its standard error. */
export function generatorKl(p: InvertibleGenerator, q: InvertibleGenerator, n: number, rng: Rng): MeanWithError {
  const { x, logp } = sampleGenerator(p, n, rng);
  const lq = generatorLogDensity(q, x);
  return meanWithError(logp.map((v, i) => v - lq[i]));
}

export interface ParameterBox {
  /** singular values of every V_k in [1/R_W, R_W] */
  readonly RW: number;
  /** ‖b_k‖ ≤ R_b */
  readonly Rb: number;
  /** γ_i ∈ [δ, 1] */
  readonly delta: number;
}

/** Projection of φ onto the parameter box (singular values clipped through the eigen-decomposition of VᵀV). */
export function projectNet(net: LogDensityNet, box: ParameterBox): void {
  const d = net.d;
  for (const V of net.V) {
    const VtV = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let k = 0; k < d; k++) s += V[k * d + i] * V[k * d + j]; VtV[i * d + j] = s; }
    const { values, vectors } = symmetricEigen(VtV, d);
    let clip = false;
    const factor = Float64Array.from(values, (l) => {
      const sv = Math.sqrt(Math.max(l, 0));
      const c = Math.min(box.RW, Math.max(1 / box.RW, sv));
      if (Math.abs(c - sv) > 1e-12 * c) clip = true;
      return sv > 0 ? c / sv : 1;
    });
    if (!clip) continue;
    // V ← V Q diag(factor) Qᵀ
    const M = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let k = 0; k < d; k++) s += vectors[i * d + k] * factor[k] * vectors[j * d + k]; M[i * d + j] = s; }
    const out = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let k = 0; k < d; k++) s += V[i * d + k] * M[k * d + j]; out[i * d + j] = s; }
    V.set(out);
  }
  for (const b of net.b) {
    const n = Math.hypot(...b);
    if (n > box.Rb) for (let i = 0; i < d; i++) b[i] *= box.Rb / n;
  }
  for (let i = 0; i < d; i++) net.gamma[i] = Math.min(1, Math.max(box.delta, net.gamma[i]));
}

function cloneNet(net: LogDensityNet): LogDensityNet {
  return { d: net.d, V: net.V.map((v) => Float64Array.from(v)), b: net.b.map((b) => Float64Array.from(b)), gamma: Float64Array.from(net.gamma), sigma: net.sigma };
}

/** Per-sample values of f_φ on two sample sets. */
export function netValues(net: LogDensityNet, XP: Float64Array, XQ: Float64Array): { p: Float64Array; q: Float64Array } {
  const d = net.d;
  const p = new Float64Array(XP.length / d), q = new Float64Array(XQ.length / d);
  for (let s = 0; s < p.length; s++) p[s] = logDensityNetValue(net, XP, s);
  for (let s = 0; s < q.length; s++) q[s] = logDensityNetValue(net, XQ, s);
  return { p, q };
}

/** Adam ascent of sign·(mean_P f_φ − mean_Q f_φ), projected on the box after each step. */
export function ascendNet(net0: LogDensityNet, XP: Float64Array, XQ: Float64Array, sign: number, box: ParameterBox, steps: number, lr: number): LogDensityNet {
  const net = cloneNet(net0);
  projectNet(net, box);
  const flat = (g: NetGradient | LogDensityNet): Float64Array[] => [...g.V, ...g.b, g.gamma];
  const m1 = flat(zeroGradient(net)), m2 = flat(zeroGradient(net));
  const d = net.d;
  for (let t = 1; t <= steps; t++) {
    const grad = zeroGradient(net);
    const nP = XP.length / d, nQ = XQ.length / d;
    for (let s = 0; s < nP; s++) logDensityNetValue(net, XP, s, grad, sign / nP);
    for (let s = 0; s < nQ; s++) logDensityNetValue(net, XQ, s, grad, -sign / nQ);
    const params = flat(net), grads = flat(grad);
    for (let r = 0; r < params.length; r++) {
      for (let i = 0; i < params[r].length; i++) {
        const gi = grads[r][i];
        m1[r][i] = 0.9 * m1[r][i] + 0.1 * gi;
        m2[r][i] = 0.999 * m2[r][i] + 0.001 * gi * gi;
        params[r][i] += (lr * (m1[r][i] / (1 - 0.9 ** t))) / (Math.sqrt(m2[r][i] / (1 - 0.999 ** t)) + 1e-12);
      }
    }
    projectNet(net, box);
  }
  return net;
}

export interface InvertibleIpmResult {
  /** test estimate of A(φ+) − A(φ−), A(φ) = E_p f_φ − E_q f_φ, with its standard error */
  readonly ipm: MeanWithError;
  /** A(φ_p) − A(φ_q) = KL(p‖q) + KL(q‖p) on the same test samples */
  readonly klSymmetric: MeanWithError;
}

/** W_F for F = {f_φ1 − f_φ2} by projected Adam from φ_p (for the sup) and φ_q (for the inf), evaluated on test samples. */
export function invertibleIpm(p: InvertibleGenerator, q: InvertibleGenerator, opts: { box: ParameterBox; nTrain?: number; nTest?: number; steps?: number; lr?: number; seed?: number }): InvertibleIpmResult {
  const rng = new Rng(opts.seed ?? 1);
  const [rTrain, rTest] = rng.splitMany(2);
  const nTrain = opts.nTrain ?? 1000, nTest = opts.nTest ?? 10000;
  const XP = sampleGenerator(p, nTrain, rTrain).x, XQ = sampleGenerator(q, nTrain, rTrain).x;
  const TP = sampleGenerator(p, nTest, rTest).x, TQ = sampleGenerator(q, nTest, rTest).x;
  const steps = opts.steps ?? 60, lr = opts.lr ?? 0.01;
  const phiP = logDensityNet(p), phiQ = logDensityNet(q);
  const hi = steps > 0 ? ascendNet(phiP, XP, XQ, 1, opts.box, steps, lr) : phiP;
  const lo = steps > 0 ? ascendNet(phiQ, XP, XQ, -1, opts.box, steps, lr) : phiQ;
  const diff = (a: LogDensityNet, b: LogDensityNet) => {
    const va = netValues(a, TP, TQ), vb = netValues(b, TP, TQ);
    const ep = meanWithError(va.p.map((v, i) => v - vb.p[i])), eq = meanWithError(va.q.map((v, i) => v - vb.q[i]));
    return { mean: ep.mean - eq.mean, se: Math.hypot(ep.se, eq.se), n: ep.n + eq.n };
  };
  const ipm = diff(hi, lo), kl = diff(phiP, phiQ);
  // the optimiser may end below its start on test data; the start is in F too
  return { ipm: ipm.mean >= kl.mean ? ipm : kl, klSymmetric: kl };
}

/** W1 upper bound E‖G_p(Z) − G_q(Z)‖ (synchronous coupling) and lower bound ‖E G_p − E G_q‖, by Monte Carlo. */
export function generatorW1Bracket(p: InvertibleGenerator, q: InvertibleGenerator, n: number, seed: number): { upper: MeanWithError; lower: number } {
  if (p.d !== q.d) throw new RangeError('dimension mismatch');
  const a = sampleGenerator(p, n, new Rng(seed)).x, b = sampleGenerator(q, n, new Rng(seed)).x;
  const d = p.d;
  const dist = new Float64Array(n), mean = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    let t = 0;
    for (let j = 0; j < d; j++) { const e = a[s * d + j] - b[s * d + j]; t += e * e; mean[j] += e / n; }
    dist[s] = Math.sqrt(t);
  }
  return { upper: meanWithError(dist), lower: Math.hypot(...mean) };
}

/** Operator norms ‖W‖ and ‖W⁻¹‖ (extreme singular values). */
export function singularRange(W: Float64Array, d: number): [number, number] {
  const WtW = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let s = 0; for (let k = 0; k < d; k++) s += W[k * d + i] * W[k * d + j]; WtW[i * d + j] = s; }
  const v = symmetricEigen(WtW, d).values;
  return [Math.sqrt(Math.max(v[0], 0)), Math.sqrt(Math.max(v[d - 1], 0))];
}

/** A random generator: W = I + scale·N(0,1)/√d projected to singular values in [1/R_W, R_W], b ~ scale·N(0, I), γ ∈ [δ, 1]. */
export function randomGenerator(rng: Rng, d: number, layers: number, opts: { scale?: number; box: ParameterBox; sigma?: SmoothLeakyRelu }): InvertibleGenerator {
  const scale = opts.scale ?? 0.5;
  const sigma = opts.sigma ?? { alpha: 0.5, smooth: 0.5 };
  const net: LogDensityNet = {
    d, sigma,
    V: Array.from({ length: layers }, () => { const V = new Float64Array(d * d); rng.fillNormal(V, 0, scale / Math.sqrt(d)); for (let i = 0; i < d; i++) V[i * d + i] += 1; return V; }),
    b: Array.from({ length: layers }, () => { const b = new Float64Array(d); rng.fillNormal(b, 0, scale); return b; }),
    gamma: Float64Array.from({ length: d }, () => opts.box.delta + (1 - opts.box.delta) * rng.uniform()),
  };
  projectNet(net, opts.box);
  return { d, sigma, gamma: net.gamma, layers: net.V.map((W, k) => ({ W, b: net.b[k] })) };
}

/** p with every parameter moved by `size`·N(0, 1) (then projected on the box): a perturbed pair. */
export function perturbGenerator(g: InvertibleGenerator, size: number, rng: Rng, box: ParameterBox): InvertibleGenerator {
  const net: LogDensityNet = {
    d: g.d, sigma: g.sigma,
    V: g.layers.map((L) => Float64Array.from(L.W, (x) => x + size * rng.normal() / Math.sqrt(g.d))),
    b: g.layers.map((L) => Float64Array.from(L.b, (x) => x + size * rng.normal())),
    gamma: Float64Array.from(g.gamma, (x) => x * Math.exp(size * rng.normal())),
  };
  projectNet(net, box);
  return { d: g.d, sigma: g.sigma, gamma: net.gamma, layers: net.V.map((W, k) => ({ W, b: net.b[k] })) };
}

/** f(x) = f_φ1(x) − f_φ2(x): a member of the restricted class F. */
export interface RestrictedCritic { readonly plus: LogDensityNet; readonly minus: LogDensityNet }

/** Per-sample values of f_φ1 − f_φ2. */
export function restrictedValues(c: RestrictedCritic, X: Float64Array): Float64Array {
  const d = c.plus.d, n = X.length / d, out = new Float64Array(n);
  for (let s = 0; s < n; s++) out[s] = logDensityNetValue(c.plus, X, s) - logDensityNetValue(c.minus, X, s);
  return out;
}

/**
 * WGAN-GP training of a restricted-class critic f = f_φ1 − f_φ2 on samples XP (nP×d), XQ:
 * maximise mean_P f − mean_Q f − λ E(‖∇_x f(x̂)‖ − 1)² (x̂ on random segments between P and Q
 * rows), projected Adam on the parameter box. ∇_x f and its parameter derivative (for the
 * penalty) by central differences in x with step h = 1e-4 (error O(h²) relative to the
 * third derivatives, far below the minibatch noise).
 */
export function trainRestrictedCritic(
  c0: RestrictedCritic, XP: Float64Array, XQ: Float64Array,
  opts: { box: ParameterBox; steps: number; lr: number; lambda: number; batch: number; rng: Rng },
): RestrictedCritic {
  const c: RestrictedCritic = { plus: cloneNet(c0.plus), minus: cloneNet(c0.minus) };
  projectNet(c.plus, opts.box); projectNet(c.minus, opts.box);
  const d = c.plus.d, nP = XP.length / d, nQ = XQ.length / d, B = Math.min(opts.batch, nP, nQ);
  const flat = (g: NetGradient | LogDensityNet): Float64Array[] => [...g.V, ...g.b, g.gamma];
  const params = [...flat(c.plus), ...flat(c.minus)];
  const m1 = params.map((a) => new Float64Array(a.length)), m2 = params.map((a) => new Float64Array(a.length));
  const h = 1e-4;
  const row = new Float64Array(d), xh = new Float64Array(d), gx = new Float64Array(d);
  for (let t = 1; t <= opts.steps; t++) {
    const gp = zeroGradient(c.plus), gm = zeroGradient(c.minus);
    for (let k = 0; k < B; k++) {
      const i = opts.rng.int(nP), j = opts.rng.int(nQ);
      // the objective is maximised: accumulate its gradient (ascent)
      logDensityNetValue(c.plus, XP, i, gp, 1 / B); logDensityNetValue(c.minus, XP, i, gm, -1 / B);
      logDensityNetValue(c.plus, XQ, j, gp, -1 / B); logDensityNetValue(c.minus, XQ, j, gm, 1 / B);
      if (opts.lambda === 0) continue;
      const e = opts.rng.uniform();
      for (let a = 0; a < d; a++) row[a] = e * XP[i * d + a] + (1 - e) * XQ[j * d + a];
      const f = (x: Float64Array) => logDensityNetValue(c.plus, x, 0) - logDensityNetValue(c.minus, x, 0);
      let norm2 = 0;
      for (let a = 0; a < d; a++) {
        xh.set(row); xh[a] += h; const fp = f(xh);
        xh[a] -= 2 * h; const fm = f(xh);
        gx[a] = (fp - fm) / (2 * h); norm2 += gx[a] * gx[a];
      }
      const norm = Math.sqrt(norm2);
      if (norm === 0) continue;
      // −λ(‖g‖ − 1)²: ∂/∂φ = −2λ(‖g‖ − 1)/‖g‖ Σ_a g_a ∂g_a/∂φ, ∂g_a/∂φ by central differences
      const coef = (-2 * opts.lambda * (norm - 1)) / norm / B;
      for (let a = 0; a < d; a++) {
        const w = (coef * gx[a]) / (2 * h);
        xh.set(row); xh[a] += h;
        logDensityNetValue(c.plus, xh, 0, gp, w); logDensityNetValue(c.minus, xh, 0, gm, -w);
        xh[a] -= 2 * h;
        logDensityNetValue(c.plus, xh, 0, gp, -w); logDensityNetValue(c.minus, xh, 0, gm, w);
      }
    }
    const grads = [...flat(gp), ...flat(gm)];
    for (let r = 0; r < params.length; r++) for (let i = 0; i < params[r].length; i++) {
      const g = grads[r][i];
      m1[r][i] = 0.5 * m1[r][i] + 0.5 * g;
      m2[r][i] = 0.9 * m2[r][i] + 0.1 * g * g;
      params[r][i] += (opts.lr * (m1[r][i] / (1 - 0.5 ** t))) / (Math.sqrt(m2[r][i] / (1 - 0.9 ** t)) + 1e-8);
    }
    projectNet(c.plus, opts.box); projectNet(c.minus, opts.box);
  }
  return c;
}
