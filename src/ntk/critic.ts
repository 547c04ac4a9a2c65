// A small fully connected critic f: R^d → R trained against samples: forward,
// input gradient ∇_x f, exact parameter gradients of the WGAN / BCE critic
// objectives including gradient penalties (the mixed derivative ∂/∂θ of a
// function of ∇_x f), SGD/Adam with weight decay and clipping, seeded minibatches.
//
// Layout and initialisation are those of FiniteNetwork (finite.ts): dense layer l
// (0-based, l = 0..K−1, K = hidden.length + 1) with multipliers α_l, β_l,
//   h_l = α_l W_l a_{l−1} + β_l b_l,  a_{−1} = x,  a_l = φ(h_l),  f(x) = h_{K−1},
//   ntk:       α = W_std/√n_in, β = b_std,  W, b ~ N(0, 1)
//   standard:  α = β = 1,  W ~ N(0, W_std²/n_in),  b ~ N(0, b_std²)
// and, for equal hidden widths and relu/erf, the same seed gives the same
// parameters as FiniteNetwork.
//
// Gradients (row weights w_i for f(x_i), row vectors u_i = ∂L/∂g_i for the input
// gradient g_i = ∇_x f(x_i); both act on the objective L = Σ w_i f_i + Ψ(g)):
//   backprop of f with unit weight: δ_{K−1} = 1, e_l = α_{l+1} W_{l+1}ᵀ δ_{l+1},
//   δ_l = φ'(h_l) e_l, g = α_0 W_0ᵀ δ_0.
//   u·g is the directional derivative of f along u: the tangent pass
//   ḣ_0 = α_0 W_0 u, ȧ_l = φ'(h_l) ḣ_l, ḣ_{l+1} = α_{l+1} W_{l+1} ȧ_l, u·g = ḣ_{K−1}.
//   Reverse mode through (h, ḣ) with adjoints h̄_{K−1} = w, ḣ̄_{K−1} = 1 gives ḣ̄_l = δ_l and
//     ∂L/∂W_l = α_l Σ_i (h̄_l a_{l−1}ᵀ + δ_l ȧ_{l−1}ᵀ),  ∂L/∂b_l = β_l Σ_i h̄_l,
//     h̄_{l−1} = φ'(h_{l−1}) ∘ α_l W_lᵀ h̄_l + φ''(h_{l−1}) ∘ ḣ_{l−1} ∘ e_{l−1}
//   (ȧ_{−1} = u). For relu φ'' = 0 almost everywhere (the convention here: 0).

import { Rng } from '../numeric/index.ts';
import { erf } from '../numeric/index.ts';
import { InputError, IntegrationError } from '../core/index.ts';
import type { DenseParams } from './finite.ts';
import { type KernelScratch, affineBlocked, backBlocked, weightGradBlocked, weightGrad2Blocked } from './dense-rows.ts';
import type { Parameterization } from './architecture.ts';

/** 'linear' (φ(x) = x) is for analytic checks: the critic is then affine in x. */
export type CriticActivation = 'relu' | 'tanh' | 'erf' | 'linear';

export const CRITIC_ACTIVATIONS: readonly CriticActivation[] = Object.freeze(['relu', 'tanh', 'erf', 'linear']);

/** Bad critic options or inputs (exit 2 at the CLI). */
export class CriticInputError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'CriticInputError';
  }
}

export interface CriticOptions {
  /** input dimension */
  readonly d: number;
  /** hidden widths, input side first (at least one) */
  readonly hidden: readonly number[];
  /** default 'relu' */
  readonly activation?: CriticActivation;
  /** default 'standard' (He/LeCun-style init, the usual one for trained critics) */
  readonly parameterization?: Parameterization;
  /** weight scale W_std (default √2 for relu, 1 otherwise) */
  readonly wStd?: number;
  /** bias scale b_std (default 0: biases start at 0 but are trained); null: no biases */
  readonly bStd?: number | null;
  readonly seed: number;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Work arrays for batches up to `cap` rows (reused: no allocation per call or sample). */
interface Workspace {
  cap: number;
  /** h_l, l = 0..K−1 (N × n_l) */
  pre: Float64Array[];
  /** a_l = φ(h_l), hidden l */
  post: Float64Array[];
  /** φ'(h_l), hidden l (set by forwardPass) */
  dphi: Float64Array[];
  /** φ''(h_l), hidden l (set by forwardPass; stays 0 for relu and linear) */
  d2phi: Float64Array[];
  /** e_l (before φ'), hidden l */
  e: Float64Array[];
  /** δ_l, l = 0..K−1 (δ_{K−1} = 1) */
  delta: Float64Array[];
  /** ḣ_l, hidden l */
  hdot: Float64Array[];
  /** ȧ_l, hidden l */
  adot: Float64Array[];
  /** h̄_l, l = 0..K−1 */
  hbar: Float64Array[];
  /** g (N × d) */
  g: Float64Array;
  /** u (N × d) */
  u: Float64Array;
  /** row weights (N) */
  w: Float64Array;
  /** α D[i, o] and α F[i, o] transposed (N × widest layer output), for the weight gradients */
  ct: Float64Array;
  ft: Float64Array;
  kernels: KernelScratch;
}

function checkPositiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new CriticInputError(`${what} must be a positive integer, got ${String(v)}`);
  return v;
}

/** A seeded MLP critic (see the module comment for conventions). */
export class MlpCritic {
  readonly d: number;
  readonly hidden: readonly number[];
  readonly activation: CriticActivation;
  readonly parameterization: Parameterization;
  readonly wStd: number;
  readonly bStd: number | null;
  readonly layers: readonly DenseParams[];
  /** all parameters, layer by layer: W_l (n_out × n_in, row-major) then b_l */
  readonly params: Float64Array;
  private ws: Workspace | null = null;
  /** one hidden ReLU layer: the fused passes (shallowForward, shallowReverse) replace the generic ones */
  private readonly shallowRelu: boolean;

  constructor(opts: CriticOptions, params?: Float64Array) {
    this.d = checkPositiveInt('d', opts.d);
    if (!Array.isArray(opts.hidden) || opts.hidden.length < 1) throw new CriticInputError('hidden must list at least one hidden width');
    this.hidden = Object.freeze(opts.hidden.map((h, i) => checkPositiveInt(`hidden[${i}]`, h)));
    const act = opts.activation ?? 'relu';
    if (!CRITIC_ACTIVATIONS.includes(act)) throw new CriticInputError(`activation must be one of ${CRITIC_ACTIVATIONS.join(', ')}, got ${String(act)}`);
    this.activation = act;
    const par = opts.parameterization ?? 'standard';
    if (par !== 'ntk' && par !== 'standard') throw new CriticInputError(`parameterization must be ntk or standard, got ${String(par)}`);
    this.parameterization = par;
    const wStd = opts.wStd ?? (act === 'relu' ? Math.SQRT2 : 1);
    if (!(Number.isFinite(wStd) && wStd > 0)) throw new CriticInputError(`wStd must be a positive finite number, got ${String(wStd)}`);
    const bStd = opts.bStd === undefined ? 0 : opts.bStd;
    if (bStd !== null && !(Number.isFinite(bStd) && bStd >= 0)) throw new CriticInputError(`bStd must be a finite number ≥ 0 or null, got ${String(bStd)}`);
    this.wStd = wStd;
    this.bStd = bStd;
    const widths = [this.d, ...this.hidden, 1];
    const layers: DenseParams[] = [];
    let offset = 0;
    const ntk = par === 'ntk';
    for (let l = 0; l + 1 < widths.length; l++) {
      const nIn = widths[l], nOut = widths[l + 1];
      const w = offset;
      offset += nIn * nOut;
      const b = bStd === null ? -1 : offset;
      if (b >= 0) offset += nOut;
      layers.push({ nIn, nOut, w, b, alpha: ntk ? wStd / Math.sqrt(nIn) : 1, beta: ntk ? (bStd ?? 0) : 1 });
    }
    this.layers = Object.freeze(layers);
    this.shallowRelu = act === 'relu' && layers.length === 2;
    if (params) {
      if (params.length !== offset) throw new CriticInputError(`params has length ${params.length}, the critic has ${offset}`);
      this.params = params;
    } else {
      if (!Number.isSafeInteger(opts.seed)) throw new CriticInputError(`seed must be an integer, got ${String(opts.seed)}`);
      this.params = new Float64Array(offset);
      const rng = new Rng(opts.seed);
      for (const p of layers) {
        const r = rng.split();
        r.fillNormal(this.params.subarray(p.w, p.w + p.nIn * p.nOut), 0, ntk ? 1 : wStd / Math.sqrt(p.nIn));
        if (p.b >= 0) r.fillNormal(this.params.subarray(p.b, p.b + p.nOut), 0, ntk ? 1 : (bStd ?? 0));
      }
    }
  }

  /** Number of parameters. */
  get size(): number { return this.params.length; }

  /** The options that rebuild this critic's shape. */
  get options(): CriticOptions {
    return { d: this.d, hidden: this.hidden, activation: this.activation, parameterization: this.parameterization, wStd: this.wStd, bStd: this.bStd, seed: 0 };
  }

  /** A critic of the same shape with a copy of (or the given) parameters. */
  withParams(params: Float64Array = Float64Array.from(this.params)): MlpCritic {
    return new MlpCritic(this.options, params);
  }

  private checkBatch(X: Float64Array, n: number, what = 'X'): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new CriticInputError(`${what}: row count must be a non-negative integer, got ${String(n)}`);
    if (!(X instanceof Float64Array) || X.length < n * this.d) throw new CriticInputError(`${what} must be a Float64Array of at least ${n}×${this.d} numbers`);
  }

  private workspace(n: number): Workspace {
    if (this.ws && this.ws.cap >= n) return this.ws;
    const cap = Math.max(n, this.ws ? this.ws.cap * 2 : 16);
    const K = this.layers.length;
    const hiddenArrays = () => this.hidden.map((h) => new Float64Array(cap * h));
    const allArrays = () => this.layers.map((p) => new Float64Array(cap * p.nOut));
    const widest = Math.max(...this.hidden, 1);
    const ws: Workspace = {
      cap, pre: allArrays(), post: hiddenArrays(), dphi: hiddenArrays(), d2phi: hiddenArrays(), e: hiddenArrays(), delta: allArrays(),
      hdot: hiddenArrays(), adot: hiddenArrays(), hbar: allArrays(),
      g: new Float64Array(cap * this.d), u: new Float64Array(cap * this.d), w: new Float64Array(cap),
      ct: new Float64Array(cap * widest), ft: new Float64Array(cap * widest),
      kernels: this.ws?.kernels ?? { wt: new Float64Array(0), idx: new Int32Array(0), coef: new Float64Array(0) },
    };
    ws.delta[K - 1].fill(1);
    this.ws = ws;
    return ws;
  }

  /** h_l, a_l = φ(h_l), φ'(h_l), φ''(h_l) for rows 0..n−1 of X (into the workspace). */
  private forwardPass(ws: Workspace, X: Float64Array, n: number): void {
    const P = this.params;
    const K = this.layers.length;
    for (let l = 0; l < K; l++) {
      const p = this.layers[l];
      const H = ws.pre[l];
      affineBlocked(P, p, l === 0 ? X : ws.post[l - 1], n, H, true);
      if (l < K - 1) this.activate(H, ws.post[l], ws.dphi[l], ws.d2phi[l], n * p.nOut);
    }
  }

  /** A[t] = φ(H[t]), Dp[t] = φ'(H[t]), D2[t] = φ''(H[t]) (D2 untouched, so 0, where φ'' = 0). */
  private activate(H: Float64Array, A: Float64Array, Dp: Float64Array, D2: Float64Array, m: number): void {
    switch (this.activation) {
      case 'relu':
        for (let t = 0; t < m; t++) { const h = H[t]; const on = h > 0; A[t] = on ? h : 0; Dp[t] = on ? 1 : 0; }
        return;
      case 'tanh':
        for (let t = 0; t < m; t++) { const a = Math.tanh(H[t]); const s = 1 - a * a; A[t] = a; Dp[t] = s; D2[t] = -2 * a * s; }
        return;
      case 'linear':
        for (let t = 0; t < m; t++) { A[t] = H[t]; Dp[t] = 1; }
        return;
      case 'erf':
        for (let t = 0; t < m; t++) {
          const h = H[t], e = Math.exp(-h * h);
          A[t] = erf(h); Dp[t] = TWO_OVER_SQRT_PI * e; D2[t] = -2 * h * TWO_OVER_SQRT_PI * e;
        }
    }
  }

  /** δ_l, e_l with unit top weight, and g = ∇_x f (after forwardPass). */
  private unitBackward(ws: Workspace, n: number): void {
    const P = this.params;
    const K = this.layers.length;
    for (let l = K - 2; l >= 0; l--) {
      const E = ws.e[l], D = ws.delta[l], Dp = ws.dphi[l];
      backBlocked(P, this.layers[l + 1], ws.delta[l + 1], n, E, ws.kernels);
      const m = n * this.layers[l].nOut;
      for (let t = 0; t < m; t++) D[t] = Dp[t] * E[t];
    }
    backBlocked(P, this.layers[0], ws.delta[0], n, ws.g, ws.kernels);
  }

  /** ḣ_l, ȧ_l along the row directions ws.u (after unitBackward). */
  private tangentPass(ws: Workspace, n: number): void {
    const P = this.params;
    const K = this.layers.length;
    for (let l = 0; l < K - 1; l++) {
      const Hd = ws.hdot[l], Ad = ws.adot[l], Dp = ws.dphi[l];
      affineBlocked(P, this.layers[l], l === 0 ? ws.u : ws.adot[l - 1], n, Hd, false);
      const m = n * this.layers[l].nOut;
      for (let t = 0; t < m; t++) Ad[t] = Dp[t] * Hd[t];
    }
  }

  /**
   * ∂/∂θ of Σ_i w_i f(x_i) + Σ_i u_i·∇_x f(x_i) (u held fixed) into grad (added to,
   * not zeroed). withU: whether ws.u holds directions (tangentPass and unitBackward done).
   */
  private reverse(ws: Workspace, X: Float64Array, n: number, withU: boolean, grad: Float64Array): void {
    const P = this.params;
    const K = this.layers.length;
    const top = ws.hbar[K - 1];
    for (let i = 0; i < n; i++) top[i] = ws.w[i];
    for (let l = K - 1; l >= 0; l--) {
      const p = this.layers[l];
      const Hb = ws.hbar[l];
      if (withU) weightGrad2Blocked(grad, p, Hb, l === 0 ? X : ws.post[l - 1], ws.delta[l], l === 0 ? ws.u : ws.adot[l - 1], n, ws.ct, ws.ft);
      else weightGradBlocked(grad, p, Hb, l === 0 ? X : ws.post[l - 1], n, ws.ct);
      if (l === 0) break;
      const Dp = ws.dphi[l - 1], Hbp = ws.hbar[l - 1];
      backBlocked(P, p, Hb, n, Hbp, ws.kernels);
      const m = n * p.nIn;
      if (withU) {
        const D2 = ws.d2phi[l - 1], Hd = ws.hdot[l - 1], E = ws.e[l - 1];
        for (let t = 0; t < m; t++) Hbp[t] = Dp[t] * Hbp[t] + D2[t] * Hd[t] * E[t];
      } else {
        for (let t = 0; t < m; t++) Hbp[t] *= Dp[t];
      }
    }
  }

  /**
   * forwardPass, and unitBackward when withGradient, for one hidden ReLU layer in one pass
   * per row (per four rows when d ≠ 2) that skips inactive units. Every sum adds the same nonzero terms in the same
   * order as the generic passes, so the numbers are the same (the sign of a zero aside).
   * Writes ws.pre[0] (h_0), ws.pre[1] (f) and, when withGradient, ws.g.
   */
  private shallowForward(ws: Workspace, X: Float64Array, n: number, withGradient: boolean): void {
    const P = this.params, d = this.d;
    const L0 = this.layers[0], L1 = this.layers[1];
    const H = L0.nOut, w0 = L0.w, w1 = L1.w, a0 = L0.alpha, a1 = L1.alpha, beta0 = L0.beta;
    const b0 = L0.b, hasB0 = b0 >= 0;
    const bias1 = L1.b >= 0 ? L1.beta * P[L1.b] : 0;
    const pre = ws.pre[0], f = ws.pre[1], g = ws.g;
    let i = 0;
    if (d !== 2) { // rows in fours: each weight row read once per four rows (each row's sums as below)
      for (; i + 3 < n; i += 4) {
        const x0 = i * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d, h0 = i * H, h1 = h0 + H, h2 = h1 + H, h3 = h2 + H;
        if (withGradient) g.fill(0, x0, x0 + 4 * d);
        let f0 = 0, f1 = 0, f2 = 0, f3 = 0;
        for (let o = 0; o < H; o++) {
          const wo = w0 + o * d;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let k = 0; k < d; k++) { const wk = P[wo + k]; s0 += wk * X[x0 + k]; s1 += wk * X[x1 + k]; s2 += wk * X[x2 + k]; s3 += wk * X[x3 + k]; }
          const bias = hasB0 ? beta0 * P[b0 + o] : 0;
          const q0 = a0 * s0 + bias, q1 = a0 * s1 + bias, q2 = a0 * s2 + bias, q3 = a0 * s3 + bias;
          pre[h0 + o] = q0; pre[h1 + o] = q1; pre[h2 + o] = q2; pre[h3 + o] = q3;
          const on0 = q0 > 0, on1 = q1 > 0, on2 = q2 > 0, on3 = q3 > 0;
          if (!on0 && !on1 && !on2 && !on3) continue;
          const v = P[w1 + o];
          if (on0) f0 += v * q0;
          if (on1) f1 += v * q1;
          if (on2) f2 += v * q2;
          if (on3) f3 += v * q3;
          if (!withGradient) continue;
          const c = a0 * (a1 * v);
          // the active rows' ∇f, two rows per pass over the weight row
          let ra = -1;
          for (let r = 0; r < 4; r++) {
            if (!(r === 0 ? on0 : r === 1 ? on1 : r === 2 ? on2 : on3)) continue;
            const xr = x0 + r * d;
            if (ra < 0) { ra = xr; continue; }
            for (let k = 0; k < d; k++) { const t = c * P[wo + k]; g[ra + k] += t; g[xr + k] += t; }
            ra = -1;
          }
          if (ra >= 0) for (let k = 0; k < d; k++) g[ra + k] += c * P[wo + k];
        }
        f[i] = a1 * f0 + bias1; f[i + 1] = a1 * f1 + bias1; f[i + 2] = a1 * f2 + bias1; f[i + 3] = a1 * f3 + bias1;
      }
    }
    for (; i < n; i++) {
      const xi = i * d, hi = i * H;
      let sf = 0;
      if (d === 2) { // the plane (the particle model): a row's x and ∇f stay in registers
        const x0 = X[xi], x1 = X[xi + 1];
        let g0 = 0, g1 = 0;
        for (let o = 0, wo = w0; o < H; o++, wo += 2) {
          const p0 = P[wo], p1 = P[wo + 1];
          const h = a0 * (p0 * x0 + p1 * x1) + (hasB0 ? beta0 * P[b0 + o] : 0);
          pre[hi + o] = h;
          if (h > 0) {
            const v = P[w1 + o];
            sf += v * h;
            if (withGradient) { const c = a0 * (a1 * v); g0 += c * p0; g1 += c * p1; }
          }
        }
        if (withGradient) { g[xi] = g0; g[xi + 1] = g1; }
        f[i] = a1 * sf + bias1;
        continue;
      }
      if (withGradient) for (let k = 0; k < d; k++) g[xi + k] = 0;
      for (let o = 0; o < H; o++) {
        const wo = w0 + o * d;
        let s = 0;
        for (let k = 0; k < d; k++) s += P[wo + k] * X[xi + k];
        const h = a0 * s + (hasB0 ? beta0 * P[b0 + o] : 0);
        pre[hi + o] = h;
        if (h > 0) {
          const v = P[w1 + o];
          sf += v * h;
          if (withGradient) {
            const c = a0 * (a1 * v);
            for (let k = 0; k < d; k++) g[xi + k] += c * P[wo + k];
          }
        }
      }
      f[i] = a1 * sf + bias1;
    }
  }

  /**
   * reverse (with tangentPass when withU) for one hidden ReLU layer after shallowForward,
   * fused per block of rows: the same blocks (four rows without u, two with u) and the
   * same expressions as the generic kernels, with the terms of inactive units, which are
   * zeros, left out.
   */
  private shallowReverse(ws: Workspace, X: Float64Array, n: number, withU: boolean, grad: Float64Array): void {
    const P = this.params, d = this.d;
    const L0 = this.layers[0], L1 = this.layers[1];
    const H = L0.nOut, w0 = L0.w, w1 = L1.w, a0 = L0.alpha, a1 = L1.alpha, beta0 = L0.beta, beta1 = L1.beta;
    const b0 = L0.b, hasB0 = b0 >= 0, b1 = L1.b, hasB1 = b1 >= 0;
    const pre = ws.pre[0], w = ws.w, u = ws.u;
    let i = 0;
    if (withU) {
      for (; i + 1 < n; i += 2) {
        const xa = i * d, xb = xa + d, ra = i * H, rb = ra + H;
        if (hasB1) { grad[b1] += beta1 * w[i]; grad[b1] += beta1 * w[i + 1]; }
        const ca = a1 * w[i], cb = a1 * w[i + 1];
        if (d === 2) { // the plane: the pair's x and u stay in registers
          const xa0 = X[xa], xa1 = X[xa + 1], xb0 = X[xb], xb1 = X[xb + 1], ua0 = u[xa], ua1 = u[xa + 1], ub0 = u[xb], ub1 = u[xb + 1];
          for (let o = 0, wo = w0; o < H; o++, wo += 2) {
            const ha = pre[ra + o], hb = pre[rb + o];
            const onA = ha > 0, onB = hb > 0;
            if (!onA && !onB) continue;
            const p0 = P[wo], p1 = P[wo + 1];
            const v = P[w1 + o], e = a0 * (a1 * v);
            const Aa = onA ? ha : 0, Ab = onB ? hb : 0, ada = onA ? a0 * (p0 * ua0 + p1 * ua1) : 0, adb = onB ? a0 * (p0 * ub0 + p1 * ub1) : 0;
            grad[w1 + o] += ca * Aa + cb * Ab + a1 * ada + a1 * adb;
            const hba = onA ? ca * v : 0, hbb = onB ? cb * v : 0;
            if (hasB0) { grad[b0 + o] += beta0 * hba; grad[b0 + o] += beta0 * hbb; }
            const qa = a0 * hba, qb = a0 * hbb, ea = onA ? e : 0, eb = onB ? e : 0;
            grad[wo] += qa * xa0 + qb * xb0 + ea * ua0 + eb * ub0;
            grad[wo + 1] += qa * xa1 + qb * xb1 + ea * ua1 + eb * ub1;
          }
          continue;
        }
        for (let o = 0; o < H; o++) {
          const ha = pre[ra + o], hb = pre[rb + o];
          const onA = ha > 0, onB = hb > 0;
          if (!onA && !onB) continue;
          const wo = w0 + o * d;
          let sa = 0, sb = 0;
          for (let k = 0; k < d; k++) { const wk = P[wo + k]; sa += wk * u[xa + k]; sb += wk * u[xb + k]; }
          const v = P[w1 + o], e = a0 * (a1 * v);
          const Aa = onA ? ha : 0, Ab = onB ? hb : 0, ada = onA ? a0 * sa : 0, adb = onB ? a0 * sb : 0;
          grad[w1 + o] += ca * Aa + cb * Ab + a1 * ada + a1 * adb;
          const hba = onA ? ca * v : 0, hbb = onB ? cb * v : 0;
          if (hasB0) { grad[b0 + o] += beta0 * hba; grad[b0 + o] += beta0 * hbb; }
          const qa = a0 * hba, qb = a0 * hbb, ea = onA ? e : 0, eb = onB ? e : 0;
          for (let k = 0; k < d; k++) grad[wo + k] += qa * X[xa + k] + qb * X[xb + k] + ea * u[xa + k] + eb * u[xb + k];
        }
      }
      for (; i < n; i++) {
        const xa = i * d, ra = i * H;
        if (hasB1) grad[b1] += beta1 * w[i];
        const ca = a1 * w[i];
        for (let o = 0; o < H; o++) {
          const ha = pre[ra + o];
          if (!(ha > 0)) continue;
          const wo = w0 + o * d;
          let sa = 0;
          for (let k = 0; k < d; k++) sa += P[wo + k] * u[xa + k];
          const v = P[w1 + o], e = a0 * (a1 * v);
          grad[w1 + o] += ca * ha + a1 * (a0 * sa);
          const hba = ca * v;
          if (hasB0) grad[b0 + o] += beta0 * hba;
          const qa = a0 * hba;
          for (let k = 0; k < d; k++) grad[wo + k] += qa * X[xa + k] + e * u[xa + k];
        }
      }
      return;
    }
    for (; i + 3 < n; i += 4) {
      const x0 = i * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d, r0 = i * H, r1 = r0 + H, r2 = r1 + H, r3 = r2 + H;
      if (hasB1) { grad[b1] += beta1 * w[i]; grad[b1] += beta1 * w[i + 1]; grad[b1] += beta1 * w[i + 2]; grad[b1] += beta1 * w[i + 3]; }
      const c0 = a1 * w[i], c1 = a1 * w[i + 1], c2 = a1 * w[i + 2], c3 = a1 * w[i + 3];
      if (c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
      const plane = d === 2; // the quad's x in registers
      const x00 = plane ? X[x0] : 0, x01 = plane ? X[x0 + 1] : 0, x10 = plane ? X[x1] : 0, x11 = plane ? X[x1 + 1] : 0;
      const x20 = plane ? X[x2] : 0, x21 = plane ? X[x2 + 1] : 0, x30 = plane ? X[x3] : 0, x31 = plane ? X[x3 + 1] : 0;
      for (let o = 0; o < H; o++) {
        const h0 = pre[r0 + o], h1 = pre[r1 + o], h2 = pre[r2 + o], h3 = pre[r3 + o];
        const on0 = h0 > 0, on1 = h1 > 0, on2 = h2 > 0, on3 = h3 > 0;
        if (!on0 && !on1 && !on2 && !on3) continue;
        grad[w1 + o] += c0 * (on0 ? h0 : 0) + c1 * (on1 ? h1 : 0) + c2 * (on2 ? h2 : 0) + c3 * (on3 ? h3 : 0);
        const v = P[w1 + o];
        const hb0 = on0 ? c0 * v : 0, hb1 = on1 ? c1 * v : 0, hb2 = on2 ? c2 * v : 0, hb3 = on3 ? c3 * v : 0;
        if (hasB0) { grad[b0 + o] += beta0 * hb0; grad[b0 + o] += beta0 * hb1; grad[b0 + o] += beta0 * hb2; grad[b0 + o] += beta0 * hb3; }
        const q0 = a0 * hb0, q1 = a0 * hb1, q2 = a0 * hb2, q3 = a0 * hb3;
        const wo = w0 + o * d;
        if (plane) {
          grad[wo] += q0 * x00 + q1 * x10 + q2 * x20 + q3 * x30;
          grad[wo + 1] += q0 * x01 + q1 * x11 + q2 * x21 + q3 * x31;
        } else {
          for (let k = 0; k < d; k++) grad[wo + k] += q0 * X[x0 + k] + q1 * X[x1 + k] + q2 * X[x2 + k] + q3 * X[x3 + k];
        }
      }
    }
    for (; i < n; i++) {
      const xa = i * d, ra = i * H;
      if (hasB1) grad[b1] += beta1 * w[i];
      const ca = a1 * w[i];
      if (ca === 0) continue;
      for (let o = 0; o < H; o++) {
        const ha = pre[ra + o];
        if (!(ha > 0)) continue;
        grad[w1 + o] += ca * ha;
        const hba = ca * P[w1 + o];
        if (hasB0) grad[b0 + o] += beta0 * hba;
        const qa = a0 * hba, wo = w0 + o * d;
        for (let k = 0; k < d; k++) grad[wo + k] += qa * X[xa + k];
      }
    }
  }

  /** f(x_i) for rows 0..n−1 of X (n × d, row-major), into out (length ≥ n). */
  forward(X: Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
    this.checkBatch(X, n);
    if (n === 0) return out;
    const ws = this.workspace(n);
    if (this.shallowRelu) this.shallowForward(ws, X, n, false);
    else this.forwardPass(ws, X, n);
    out.set(ws.pre[this.layers.length - 1].subarray(0, n));
    return out;
  }

  /** ∇_x f(x_i) for rows 0..n−1 (n × d into out); values, if given, receive f(x_i). */
  inputGradient(X: Float64Array, n: number, out: Float64Array = new Float64Array(n * this.d), values?: Float64Array): Float64Array {
    this.checkBatch(X, n);
    if (n === 0) return out;
    const ws = this.workspace(n);
    if (this.shallowRelu) this.shallowForward(ws, X, n, true);
    else { this.forwardPass(ws, X, n); this.unitBackward(ws, n); }
    out.set(ws.g.subarray(0, n * this.d));
    if (values) values.set(ws.pre[this.layers.length - 1].subarray(0, n));
    return out;
  }

  /** Σ_i w_i ∂f(x_i)/∂θ, added into grad (zeroed first unless accumulate). */
  paramGradient(X: Float64Array, n: number, weights: ArrayLike<number>, grad: Float64Array = new Float64Array(this.size), accumulate = false): Float64Array {
    this.checkBatch(X, n);
    if (!accumulate) grad.fill(0);
    if (n === 0) return grad;
    const ws = this.workspace(n);
    if (this.shallowRelu) this.shallowForward(ws, X, n, false);
    else this.forwardPass(ws, X, n);
    for (let i = 0; i < n; i++) ws.w[i] = weights[i];
    if (this.shallowRelu) this.shallowReverse(ws, X, n, false, grad);
    else this.reverse(ws, X, n, false, grad);
    return grad;
  }

  /**
   * One batch of the general critic objective: L = Σ_i w_i f(x_i) + Σ_i ψ_i(∇_x f(x_i)).
   * `rowTerms(f, g, n, w, u)` is called with f (n values), g (n × d), and must write the
   * row weights w_i = ∂L/∂f_i and directions u_i = ∂ψ_i/∂g_i (n × d) and return the
   * value of L. The exact ∂L/∂θ is added into grad. needsInputGradient = false skips
   * computing g (rowTerms then gets an empty g and must not use it).
   */
  objectiveGradient(
    X: Float64Array, n: number,
    rowTerms: (f: Float64Array, g: Float64Array, n: number, w: Float64Array, u: Float64Array) => { value: number; usesGradient: boolean },
    grad: Float64Array,
    needsInputGradient = true,
  ): number {
    this.checkBatch(X, n);
    if (grad.length !== this.size) throw new CriticInputError(`grad has length ${grad.length}, the critic has ${this.size}`);
    if (n === 0) return rowTerms(new Float64Array(0), new Float64Array(0), 0, new Float64Array(0), new Float64Array(0)).value;
    const ws = this.workspace(n);
    if (this.shallowRelu) this.shallowForward(ws, X, n, needsInputGradient);
    else { this.forwardPass(ws, X, n); if (needsInputGradient) this.unitBackward(ws, n); }
    const f = ws.pre[this.layers.length - 1].subarray(0, n);
    const g = needsInputGradient ? ws.g.subarray(0, n * this.d) : new Float64Array(0);
    const { value, usesGradient } = rowTerms(f, g, n, ws.w, ws.u);
    if (usesGradient && !needsInputGradient) throw new CriticInputError('rowTerms used the input gradient, but needsInputGradient was false');
    if (this.shallowRelu) this.shallowReverse(ws, X, n, usesGradient, grad);
    else { if (usesGradient) this.tangentPass(ws, n); this.reverse(ws, X, n, usesGradient, grad); }
    return value;
  }
}

/** A seeded MLP critic. */
export function mlpCritic(opts: CriticOptions): MlpCritic {
  return new MlpCritic(opts);
}

// ---------------------------------------------------------------- objectives

/** 'wgan': the critic maximises E_P f − E_Q f; 'bce': D = sigmoid(f), log-likelihood. */
export type CriticLoss = 'wgan' | 'bce';

/**
 * Gradient penalties (added to the loss the critic minimises):
 *  'fake-unit':  λ(E_Q‖∇f‖² − 1) on the generated samples (papers.md C.3b, Durr et al.)
 *  'fake-half':  (λ/2) E_Q‖∇f‖² on the generated samples
 *  'interpolate-gp': λ E_x̂ (‖∇f(x̂)‖ − 1)², x̂ = εx_P + (1 − ε)x_Q, ε ~ U[0, 1] per pair
 *                 (Gulrajani et al. WGAN-GP; pairs row i of P with row i of Q,
 *                 min(n_P, n_Q) pairs; the subgradient at ∇f = 0 is taken as 0)
 */
export type CriticPenalty =
  | { readonly kind: 'none' }
  | { readonly kind: 'fake-unit'; readonly lambda: number }
  | { readonly kind: 'fake-half'; readonly lambda: number }
  | { readonly kind: 'interpolate-gp'; readonly lambda: number };

export interface CriticObjective {
  readonly loss: CriticLoss;
  /** default none */
  readonly penalty?: CriticPenalty;
}

/** What one evaluation of the critic objective gives (all means over the batch). */
export interface CriticLossValue {
  /** the loss the critic minimises (penalty included) */
  readonly loss: number;
  /** E_P f − E_Q f */
  readonly gap: number;
  /** the penalty term's value (0 without one) */
  readonly penalty: number;
  /** the data term (loss − penalty): −gap for wgan, the BCE for bce */
  readonly data: number;
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function checkObjective(obj: CriticObjective): CriticPenalty {
  if (obj.loss !== 'wgan' && obj.loss !== 'bce') throw new CriticInputError(`loss must be wgan or bce, got ${String(obj.loss)}`);
  const pen = obj.penalty ?? { kind: 'none' };
  if (pen.kind !== 'none') {
    if (pen.kind !== 'fake-unit' && pen.kind !== 'fake-half' && pen.kind !== 'interpolate-gp') throw new CriticInputError(`unknown penalty kind ${String((pen as { kind: unknown }).kind)}`);
    if (!(Number.isFinite(pen.lambda) && pen.lambda >= 0)) throw new CriticInputError(`penalty lambda must be a finite number ≥ 0, got ${String(pen.lambda)}`);
  }
  return pen;
}

/** Scratch space for interpolates (grown as needed, per critic). */
const interpScratch = new WeakMap<MlpCritic, Float64Array>();

/**
 * The critic's loss on a batch of real rows (P, nP × d) and generated rows (Q, nQ × d)
 * and its exact gradient with respect to the parameters, added into grad (zeroed
 * first unless accumulate). 'interpolate-gp' draws its ε from rng (required then).
 *   wgan: loss = −(E_P f − E_Q f) + penalty
 *   bce:  loss = E_P softplus(−f) + E_Q softplus(f) + penalty   (= −E_P log D − E_Q log(1 − D))
 */
export function criticObjective(
  critic: MlpCritic, objective: CriticObjective,
  P: Float64Array, nP: number, Q: Float64Array, nQ: number,
  opts: { grad?: Float64Array; accumulate?: boolean; rng?: Rng } = {},
): CriticLossValue & { grad: Float64Array } {
  const pen = checkObjective(objective);
  if (!(nP >= 1 && nQ >= 1)) throw new CriticInputError(`need at least one real and one generated row, got ${nP} and ${nQ}`);
  const grad = opts.grad ?? new Float64Array(critic.size);
  if (grad.length !== critic.size) throw new CriticInputError(`grad has length ${grad.length}, the critic has ${critic.size}`);
  if (!opts.accumulate) grad.fill(0);
  const d = critic.d;
  const bce = objective.loss === 'bce';
  let meanP = 0, meanQ = 0, data = 0, penalty = 0;
  const lambda = pen.kind === 'none' ? 0 : pen.lambda;
  critic.objectiveGradient(P, nP, (f, _g, n, w) => {
    for (let i = 0; i < n; i++) {
      meanP += f[i] / n;
      if (bce) { data += softplus(-f[i]) / n; w[i] = -sigmoid(-f[i]) / n; } else { w[i] = -1 / n; }
    }
    return { value: 0, usesGradient: false };
  }, grad, false);
  const fakePenalty = pen.kind === 'fake-unit' || pen.kind === 'fake-half';
  critic.objectiveGradient(Q, nQ, (f, g, n, w, u) => {
    for (let i = 0; i < n; i++) {
      meanQ += f[i] / n;
      if (bce) { data += softplus(f[i]) / n; w[i] = sigmoid(f[i]) / n; } else { w[i] = 1 / n; }
    }
    if (fakePenalty) {
      const c = pen.kind === 'fake-unit' ? lambda / n : lambda / (2 * n);
      for (let t = 0; t < n * d; t++) { penalty += c * g[t] * g[t]; u[t] = 2 * c * g[t]; }
      if (pen.kind === 'fake-unit') penalty -= lambda;
    }
    return { value: 0, usesGradient: fakePenalty };
  }, grad, fakePenalty);
  if (pen.kind === 'interpolate-gp') {
    if (!opts.rng) throw new CriticInputError('the interpolate-gp penalty needs an rng');
    const m = Math.min(nP, nQ);
    let X = interpScratch.get(critic);
    if (!X || X.length < m * d) { X = new Float64Array(Math.max(m * d, 2 * (X?.length ?? 0))); interpScratch.set(critic, X); }
    for (let i = 0; i < m; i++) {
      const eps = opts.rng.uniform();
      const r = i * d;
      for (let k = 0; k < d; k++) X[r + k] = eps * P[r + k] + (1 - eps) * Q[r + k];
    }
    critic.objectiveGradient(X, m, (_f, g, n, w, u) => {
      const c = lambda / n;
      for (let i = 0; i < n; i++) {
        w[i] = 0;
        const r = i * d;
        let s = 0;
        for (let k = 0; k < d; k++) s += g[r + k] * g[r + k];
        const norm = Math.sqrt(s);
        penalty += c * (norm - 1) * (norm - 1);
        const scale = norm > 0 ? 2 * c * (norm - 1) / norm : 0;
        for (let k = 0; k < d; k++) u[r + k] = scale * g[r + k];
      }
      return { value: 0, usesGradient: true };
    }, grad);
  }
  const gap = meanP - meanQ;
  if (!bce) data = -gap;
  return { loss: data + penalty, gap, penalty, data, grad };
}

/**
 * ∂/∂x_i of the generator's loss for generated rows Q (n × d, into out):
 *   wgan: L_G = −E_Q f           → −∇f(x_i)/n
 *   bce (non-saturating): L_G = −E_Q log D = E_Q softplus(−f) → −sigmoid(−f_i) ∇f(x_i)/n
 * Returns L_G. The theories backpropagate this into their own generators.
 */
export function generatorLossGradient(critic: MlpCritic, loss: CriticLoss, Q: Float64Array, n: number, out: Float64Array = new Float64Array(n * critic.d)): { loss: number; grad: Float64Array } {
  if (loss !== 'wgan' && loss !== 'bce') throw new CriticInputError(`loss must be wgan or bce, got ${String(loss)}`);
  if (!(n >= 1)) throw new CriticInputError(`need at least one generated row, got ${n}`);
  const f = new Float64Array(n);
  critic.inputGradient(Q, n, out, f);
  const d = critic.d;
  let L = 0;
  for (let i = 0; i < n; i++) {
    const s = loss === 'wgan' ? -1 / n : -sigmoid(-f[i]) / n;
    L += loss === 'wgan' ? -f[i] / n : softplus(-f[i]) / n;
    for (let k = 0; k < d; k++) out[i * d + k] *= s;
  }
  return { loss: L, grad: out };
}

// ---------------------------------------------------------------- optimisers

export interface OptimizerOptions {
  readonly kind: 'sgd' | 'adam';
  readonly learningRate: number;
  /** Adam β1 (default 0.9; for sgd: heavy-ball momentum, default 0) */
  readonly beta1?: number;
  /** Adam β2 (default 0.999) */
  readonly beta2?: number;
  /** Adam ε (default 1e-8) */
  readonly eps?: number;
  /** L2 weight decay c: c·θ is added to the gradient (default 0) */
  readonly weightDecay?: number;
  /** true: decoupled weight decay (AdamW: θ ← θ − η c θ), default false */
  readonly decoupledWeightDecay?: boolean;
  /** weight clipping (WGAN): after each step every parameter is clamped to [−clip, clip] */
  readonly clip?: number;
}

/** SGD (optionally with momentum) or Adam on a flat parameter vector; state is owned. */
export class Optimizer {
  readonly opts: Required<Omit<OptimizerOptions, 'clip'>> & { clip: number | null };
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(size: number, opts: OptimizerOptions) {
    if (opts.kind !== 'sgd' && opts.kind !== 'adam') throw new CriticInputError(`optimizer must be sgd or adam, got ${String(opts.kind)}`);
    const num = (what: string, v: number, ok: (x: number) => boolean, rule: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new CriticInputError(`${what} must be ${rule}, got ${String(v)}`);
      return v;
    };
    const adam = opts.kind === 'adam';
    this.opts = {
      kind: opts.kind,
      learningRate: num('learningRate', opts.learningRate, (x) => x > 0, '> 0'),
      beta1: num('beta1', opts.beta1 ?? (adam ? 0.9 : 0), (x) => x >= 0 && x < 1, 'in [0, 1)'),
      beta2: num('beta2', opts.beta2 ?? 0.999, (x) => x >= 0 && x < 1, 'in [0, 1)'),
      eps: num('eps', opts.eps ?? 1e-8, (x) => x > 0, '> 0'),
      weightDecay: num('weightDecay', opts.weightDecay ?? 0, (x) => x >= 0, '≥ 0'),
      decoupledWeightDecay: opts.decoupledWeightDecay ?? false,
      clip: opts.clip === undefined ? null : num('clip', opts.clip, (x) => x > 0, '> 0'),
    };
    this.m = new Float64Array(size);
    this.v = new Float64Array(adam ? size : 0);
  }

  /** Number of steps taken. */
  get steps(): number { return this.t; }

  /** θ ← update(θ, ∇); grad is not modified. */
  step(params: Float64Array, grad: Float64Array): void {
    if (params.length !== this.m.length || grad.length !== this.m.length) throw new CriticInputError(`optimizer holds ${this.m.length} parameters, got params ${params.length}, grad ${grad.length}`);
    const { kind, learningRate: lr, beta1, beta2, eps, weightDecay: wd, decoupledWeightDecay: decoupled, clip } = this.opts;
    this.t++;
    const m = this.m, v = this.v, n = params.length;
    const coupled = decoupled ? 0 : wd, dec = decoupled ? lr * wd : 0;
    if (kind === 'adam') {
      const c1 = 1 / (1 - beta1 ** this.t), c2 = 1 / (1 - beta2 ** this.t);
      for (let p = 0; p < n; p++) {
        const g = grad[p] + coupled * params[p];
        m[p] = beta1 * m[p] + (1 - beta1) * g;
        v[p] = beta2 * v[p] + (1 - beta2) * g * g;
        params[p] -= lr * (m[p] * c1) / (Math.sqrt(v[p] * c2) + eps) + dec * params[p];
      }
    } else {
      for (let p = 0; p < n; p++) {
        const g = grad[p] + coupled * params[p];
        m[p] = beta1 * m[p] + g;
        params[p] -= lr * m[p] + dec * params[p];
      }
    }
    if (clip !== null) for (let p = 0; p < n; p++) params[p] = params[p] > clip ? clip : params[p] < -clip ? -clip : params[p];
  }
}

// ---------------------------------------------------------------- minibatches

/**
 * Seeded minibatches of the rows of a data set without replacement within an
 * epoch (a fresh Fisher–Yates permutation per epoch), written into one reused buffer.
 */
export class Minibatcher {
  readonly rows: number;
  readonly d: number;
  readonly batch: number;
  private readonly data: Float64Array;
  private readonly rng: Rng;
  private readonly perm: Uint32Array;
  private pos: number;
  private readonly buf: Float64Array;

  constructor(data: Float64Array, rows: number, d: number, batch: number, rng: Rng) {
    checkPositiveInt('rows', rows); checkPositiveInt('d', d); checkPositiveInt('batch', batch);
    if (data.length < rows * d) throw new CriticInputError(`data holds ${data.length} numbers, fewer than ${rows}×${d}`);
    if (batch > rows) throw new CriticInputError(`batch ${batch} exceeds the ${rows} rows`);
    this.data = data; this.rows = rows; this.d = d; this.batch = batch; this.rng = rng;
    this.perm = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) this.perm[i] = i;
    this.pos = rows; // shuffle on first use
    this.buf = new Float64Array(batch * d);
  }

  /** The next batch (batch × d, the same buffer every call: copy it to keep it). */
  next(): Float64Array {
    const { d, batch, perm, data, buf } = this;
    for (let j = 0; j < batch; j++) {
      if (this.pos >= this.rows) {
        for (let i = this.rows - 1; i > 0; i--) {
          const k = this.rng.int(i + 1);
          const t = perm[i]; perm[i] = perm[k]; perm[k] = t;
        }
        this.pos = 0;
      }
      const src = perm[this.pos++] * d;
      for (let k = 0; k < d; k++) buf[j * d + k] = data[src + k];
    }
    return buf;
  }
}

// ---------------------------------------------------------------- training

export interface TrainCriticOptions {
  readonly objective: CriticObjective;
  readonly optimizer: Optimizer;
  readonly steps: number;
  /** rows per batch from each side (default: all rows, full batch) */
  readonly batch?: number;
  /** seeds the minibatches and the interpolates */
  readonly seed: number;
}

/**
 * Trains the critic in place on fixed real rows P and generated rows Q; returns the
 * loss per step. A non-finite loss throws an IntegrationError naming the step, with
 * the losses so far as .partial.
 */
export function trainCritic(critic: MlpCritic, P: Float64Array, nP: number, Q: Float64Array, nQ: number, opts: TrainCriticOptions): Float64Array {
  if (!Number.isSafeInteger(opts.steps) || opts.steps < 0) throw new CriticInputError(`steps must be a non-negative integer, got ${String(opts.steps)}`);
  const rng = new Rng(opts.seed);
  const full = opts.batch === undefined;
  const bP = full ? null : new Minibatcher(P, nP, critic.d, Math.min(opts.batch!, nP), rng.split());
  const bQ = full ? null : new Minibatcher(Q, nQ, critic.d, Math.min(opts.batch!, nQ), rng.split());
  const penRng = rng.split();
  const grad = new Float64Array(critic.size);
  const losses = new Float64Array(opts.steps);
  for (let s = 0; s < opts.steps; s++) {
    const r = bP && bQ
      ? criticObjective(critic, opts.objective, bP.next(), bP.batch, bQ.next(), bQ.batch, { grad, rng: penRng })
      : criticObjective(critic, opts.objective, P, nP, Q, nQ, { grad, rng: penRng });
    if (!Number.isFinite(r.loss)) throw new IntegrationError(`critic training diverged at step ${s}: loss ${r.loss}`, losses.slice(0, s));
    losses[s] = r.loss;
    opts.optimizer.step(critic.params, grad);
  }
  return losses;
}
