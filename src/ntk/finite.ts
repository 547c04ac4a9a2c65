// The finite network of an architecture: seeded initialisation, forward pass,
// backpropagation written out (gradients with respect to every parameter and to
// the input), the empirical NTK, Monte-Carlo NNGP and full-batch gradient descent.
//
// Dense layer l (1-based, l = 1..L+1) with fan-in n_{l−1} (n_0 = d) and fan-out n_l
// (the width for hidden layers, 1 for the readout):
//   ntk:       h_l = (W_std/√n_{l−1}) W_l a_{l−1} + b_std b_l,   W_l, b_l ~ N(0, 1)
//   standard:  h_l = W_l a_{l−1} + b_l,   W_l ~ N(0, W_std²/n_{l−1}),  b_l ~ N(0, b_std²)
// a_0 = x, a_l = φ_l(h_l), f(x) = h_{L+1}. Writing α_l, β_l for the multipliers of
// W_l and b_l (α = W_std/√n, β = b_std for ntk; 1, 1 for standard) and
// δ_l = ∂f/∂h_l (δ_{L+1} = 1, δ_l = φ_l'(h_l) ∘ α_{l+1} W_{l+1}ᵀ δ_{l+1}):
//   ∂f/∂W_l = α_l δ_l a_{l−1}ᵀ,   ∂f/∂b_l = β_l δ_l,   ∂f/∂x = α_1 W_1ᵀ δ_1,
// so the empirical NTK factorises per layer (no N×P Jacobian is formed):
//   Θ(x, x') = Σ_l α_l² (δ_l·δ_l')(a_{l−1}·a_{l−1}') + [bias] β_l² (δ_l·δ_l').

import { Rng, matmul, matmulTransB, gramRows } from '../numeric/index.ts';
import type { Architecture } from './architecture.ts';
import { type Inputs, type Matrix, toMatrix, KernelInputError } from './kernels.ts';
import { ArgumentError } from '../core/index.ts';
import { weightGradBlocked } from './dense-rows.ts';


/** Where one dense layer's parameters sit in the flat parameter vector. */
export interface DenseParams {
  readonly nIn: number;
  readonly nOut: number;
  /** offset of W (nOut × nIn, row-major) */
  readonly w: number;
  /** offset of b (nOut), or −1 without bias */
  readonly b: number;
  /** multiplier of W in the forward pass */
  readonly alpha: number;
  /** multiplier of b in the forward pass */
  readonly beta: number;
}

export interface FiniteNetworkOptions {
  /** input dimension */
  readonly d: number;
  /** hidden width (default: the architecture's width) */
  readonly width?: number;
  /** seed of the initialisation */
  readonly seed: number;
}

/** Activations and backpropagated signals of a batch, per layer. */
export interface ForwardCache {
  readonly n: number;
  /** a_0 = X, a_1 … a_L (N × n_l each) */
  readonly post: readonly Float64Array[];
  /** h_1 … h_{L+1} (N × n_l each) */
  readonly pre: readonly Float64Array[];
  /** f(x_i) = h_{L+1} */
  readonly out: Float64Array;
}

/** G = A Bᵀ for A (N1 × n), B (N2 × n), both row-major (the symmetric half mirrored when A is B). */
function gramOf(A: Float64Array, B: Float64Array, N1: number, N2: number, n: number): Float64Array {
  return A === B && N1 === N2 ? gramRows(A, N1, n) : matmulTransB(A, B, N1, n, N2);
}

/** H[i, o] = α·Σ_k A[i, k]·W[o, k] (+ β·b[o]), the sum over k ascending from +0. */
function denseForward(P: Float64Array, p: DenseParams, A: Float64Array, N: number): Float64Array {
  const { nIn, nOut, w, b, alpha, beta } = p;
  const H = matmulTransB(A, P.subarray(w, w + nOut * nIn), N, nIn, nOut);
  for (let i = 0; i < N; i++) {
    for (let o = 0; o < nOut; o++) H[i * nOut + o] = alpha * H[i * nOut + o] + (b >= 0 ? beta * P[b + o] : 0);
  }
  return H;
}

/** E[i, k] = Σ_o (α·D[i, o])·W[o, k] (E: N × nIn), the sum over o ascending from +0. */
function denseBackward(P: Float64Array, p: DenseParams, D: Float64Array, N: number): Float64Array {
  const { nIn, nOut, w, alpha } = p;
  const G = new Float64Array(N * nOut);
  for (let t = 0; t < G.length; t++) G[t] = alpha * D[t];
  return matmul(G, P.subarray(w, w + nOut * nIn), N, nOut, nIn);
}

/** A finite-width network of an architecture (see the module comment for the conventions). */
export class FiniteNetwork {
  readonly arch: Architecture;
  readonly d: number;
  readonly width: number;
  readonly layers: readonly DenseParams[];
  /** all trainable parameters, layer by layer: W_l then b_l */
  readonly params: Float64Array;

  constructor(arch: Architecture, opts: FiniteNetworkOptions, params?: Float64Array) {
    const { d, seed } = opts;
    const width = opts.width ?? arch.width;
    if (!Number.isSafeInteger(d) || d < 1) throw new KernelInputError(`d must be a positive integer, got ${String(d)}`);
    if (width === undefined || !Number.isSafeInteger(width) || width < 1) {
      throw new KernelInputError(`a finite network needs a positive integer width (option width or the architecture's), got ${String(width)}`);
    }
    this.arch = arch;
    this.d = d;
    this.width = width;
    const L = arch.depth;
    const layers: DenseParams[] = [];
    let offset = 0;
    arch.dense.forEach((layer, l) => {
      const nIn = l === 0 ? d : width;
      const nOut = l === L ? 1 : width;
      const ntk = arch.parameterization === 'ntk';
      const w = offset;
      offset += nIn * nOut;
      const b = layer.b_std === null ? -1 : offset;
      if (b >= 0) offset += nOut;
      layers.push({
        nIn, nOut, w, b,
        alpha: ntk ? layer.W_std / Math.sqrt(nIn) : 1,
        beta: ntk ? (layer.b_std ?? 0) : 1,
      });
    });
    this.layers = layers;
    if (params) {
      if (params.length !== offset) throw new KernelInputError(`params has length ${params.length}, the network has ${offset}`);
      this.params = params;
    } else {
      this.params = new Float64Array(offset);
      const rng = new Rng(seed);
      arch.dense.forEach((layer, l) => {
        const p = layers[l];
        const r = rng.split();
        const ntk = arch.parameterization === 'ntk';
        r.fillNormal(this.params.subarray(p.w, p.w + p.nIn * p.nOut), 0, ntk ? 1 : layer.W_std / Math.sqrt(p.nIn));
        if (p.b >= 0) r.fillNormal(this.params.subarray(p.b, p.b + p.nOut), 0, ntk ? 1 : (layer.b_std ?? 0));
      });
    }
  }

  /** Number of trainable parameters. */
  get size(): number { return this.params.length; }

  /** A network with the same architecture and a copy of (or the given) parameters. */
  withParams(params: Float64Array = Float64Array.from(this.params)): FiniteNetwork {
    return new FiniteNetwork(this.arch, { d: this.d, width: this.width, seed: 0 }, params);
  }

  private input(X: Inputs): Matrix {
    const m = toMatrix(X, 'x');
    if (m.cols !== this.d) throw new KernelInputError(`inputs have ${m.cols} columns but the network takes d = ${this.d}`);
    return m;
  }

  /** Forward pass keeping every layer's pre- and post-activations. */
  forwardCache(X: Inputs): ForwardCache {
    const m = this.input(X);
    const N = m.rows;
    const post: Float64Array[] = [m.data];
    const pre: Float64Array[] = [];
    const P = this.params;
    this.layers.forEach((p, l) => {
      const H = denseForward(P, p, post[l], N);
      pre.push(H);
      if (l < this.arch.depth) {
        const phi = this.arch.activations[l].phi;
        const Aout = new Float64Array(H.length);
        for (let t = 0; t < H.length; t++) Aout[t] = phi(H[t]);
        post.push(Aout);
      }
    });
    return { n: N, post, pre, out: pre[pre.length - 1] };
  }

  /** f(x_i) for each input row. */
  forward(X: Inputs): Float64Array {
    return this.forwardCache(X).out;
  }

  /**
   * δ_l = ∂(Σ_i w_i f(x_i))/∂h_l per input (rows), l = 1..L+1, with row weights w
   * (default 1: the per-input signals ∂f(x_i)/∂h_l).
   */
  backward(cache: ForwardCache, weights?: ArrayLike<number>): Float64Array[] {
    const N = cache.n;
    const L = this.arch.depth;
    const P = this.params;
    const deltas: Float64Array[] = new Array(L + 1);
    const top = new Float64Array(N);
    for (let i = 0; i < N; i++) top[i] = weights ? weights[i] : 1;
    deltas[L] = top;
    for (let l = L; l >= 1; l--) {
      const p = this.layers[l];
      const Dn = deltas[l];
      const H = cache.pre[l - 1];
      const dphi = this.arch.activations[l - 1].dphi;
      const D = denseBackward(P, p, Dn, N);
      for (let t = 0; t < D.length; t++) D[t] *= dphi(H[t]);
      deltas[l - 1] = D;
    }
    return deltas;
  }

  /** Σ_i w_i ∂f(x_i)/∂θ (all parameters, in the layout of `params`). */
  gradient(X: Inputs, weights?: ArrayLike<number>): Float64Array {
    const cache = this.forwardCache(X);
    return this.paramGradient(cache, this.backward(cache, weights), new Float64Array(this.params.length));
  }

  /** Σ_i ∂(w·f)/∂θ from a forward cache and its backpropagated signals, into g (zeroed first). */
  paramGradient(cache: ForwardCache, deltas: Float64Array[], g: Float64Array): Float64Array {
    g.fill(0);
    const ct = new Float64Array(cache.n * Math.max(...this.layers.map((p) => p.nOut)));
    this.layers.forEach((p, l) => weightGradBlocked(g, p, deltas[l], cache.post[l], cache.n, ct));
    return g;
  }

  /** ∂f(x)/∂θ for one input. */
  gradParams(x: ArrayLike<number>): Float64Array {
    return this.gradient([Array.from(x)]);
  }

  /** The N × P Jacobian ∂f(x_i)/∂θ_p (small networks only: N·P numbers). */
  jacobian(X: Inputs): Matrix {
    const m = this.input(X);
    const P = this.params.length;
    if (m.rows * P > 5e7) throw new KernelInputError(`the Jacobian would hold ${m.rows}×${P} numbers; use empiricalNtk, which never forms it`);
    const J = new Float64Array(m.rows * P);
    for (let i = 0; i < m.rows; i++) J.set(this.gradParams(m.data.subarray(i * m.cols, (i + 1) * m.cols)), i * P);
    return { data: J, rows: m.rows, cols: P };
  }

  /** ∂f(x_i)/∂x_i for each row (N × d). */
  gradInput(X: Inputs): Matrix {
    const cache = this.forwardCache(X);
    const D1 = this.backward(cache)[0];
    const p = this.layers[0];
    const N = cache.n;
    return { data: denseBackward(this.params, p, D1, N), rows: N, cols: this.d };
  }
}

/** A seeded finite network of the architecture. */
export function finiteNetwork(arch: Architecture, opts: FiniteNetworkOptions): FiniteNetwork {
  return new FiniteNetwork(arch, opts);
}

/**
 * Empirical NTK Θ(x, x') = Σ_θ ∂f(x)/∂θ ∂f(x')/∂θ between the rows of x1 and x2
 * (x2 omitted: the Gram matrix), by the per-layer factorisation: memory
 * O((N1 + N2)·width) per layer, never the N×P Jacobian.
 */
export function empiricalNtk(net: FiniteNetwork, x1: Inputs, x2?: Inputs | null): Matrix {
  const c1 = net.forwardCache(x1);
  const d1 = net.backward(c1);
  const gram = x2 === undefined || x2 === null || x2 === x1;
  const c2 = gram ? c1 : net.forwardCache(x2);
  const d2 = gram ? d1 : net.backward(c2);
  const N1 = c1.n, N2 = c2.n;
  const out = new Float64Array(N1 * N2);
  net.layers.forEach((p, l) => {
    const G = gramOf(d1[l], d2[l], N1, N2, p.nOut); // δ_l·δ_l'
    const Ag = gramOf(c1.post[l], c2.post[l], N1, N2, p.nIn); // a_{l−1}·a_{l−1}'
    const a2 = p.alpha * p.alpha, b2 = p.b >= 0 ? p.beta * p.beta : 0;
    for (let t = 0; t < out.length; t++) out[t] += G[t] * (a2 * Ag[t] + b2);
  });
  return { data: out, rows: N1, cols: N2 };
}

export interface MonteCarloOptions {
  /** hidden width of the sampled networks (default: the architecture's) */
  readonly width?: number;
  /** number of independent networks */
  readonly samples: number;
  readonly seed: number;
}

/** Mean of f(x)f(x') over independently initialised networks, with its standard error. */
export interface MonteCarloNngp {
  readonly mean: Matrix;
  /** standard error of each mean entry (sample standard deviation / √samples) */
  readonly stdErr: Matrix;
  readonly samples: number;
}

/**
 * Monte-Carlo NNGP: the average of f(x_i) f(x'_j) over `samples` networks with
 * seeds split from `seed` (independent initialisations).
 */
export function monteCarloNngp(arch: Architecture, x1: Inputs, x2: Inputs | null | undefined, opts: MonteCarloOptions): MonteCarloNngp {
  const m1 = toMatrix(x1, 'x1');
  const gram = x2 === undefined || x2 === null || x2 === x1;
  const m2 = gram ? m1 : toMatrix(x2, 'x2');
  if (m2.cols !== m1.cols) throw new KernelInputError(`x1 has ${m1.cols} columns but x2 has ${m2.cols}`);
  if (!Number.isSafeInteger(opts.samples) || opts.samples < 2) throw new KernelInputError(`samples must be an integer ≥ 2, got ${String(opts.samples)}`);
  const N1 = m1.rows, N2 = m2.rows;
  const sum = new Float64Array(N1 * N2), sumSq = new Float64Array(N1 * N2);
  const root = new Rng(opts.seed);
  for (let s = 0; s < opts.samples; s++) {
    const seed = root.split().int(2 ** 31);
    const net = new FiniteNetwork(arch, { d: m1.cols, width: opts.width, seed });
    const f1 = net.forward(m1), f2 = gram ? f1 : net.forward(m2);
    for (let i = 0; i < N1; i++) {
      for (let j = 0; j < N2; j++) {
        const v = f1[i] * f2[j];
        sum[i * N2 + j] += v;
        sumSq[i * N2 + j] += v * v;
      }
    }
  }
  const S = opts.samples;
  const mean = new Float64Array(N1 * N2), se = new Float64Array(N1 * N2);
  for (let t = 0; t < mean.length; t++) {
    mean[t] = sum[t] / S;
    const variance = Math.max(0, (sumSq[t] - S * mean[t] * mean[t]) / (S - 1));
    se[t] = Math.sqrt(variance / S);
  }
  return { mean: { data: mean, rows: N1, cols: N2 }, stdErr: { data: se, rows: N1, cols: N2 }, samples: S };
}

export interface GradientDescentOptions {
  /** step size η (default 1) */
  readonly learningRate?: number;
  readonly steps: number;
}

/**
 * Full-batch gradient descent on L = 1/(2n) Σ_i (f(x_i) − y_i)² (n = number of
 * training points, neural-tangents' convention), θ ← θ − η ∇L, for `steps` steps
 * (continuous time t = η·steps). Returns the trained network (the input network
 * is not modified).
 */
export function trainMse(net: FiniteNetwork, xTrain: Inputs, yTrain: ArrayLike<number>, opts: GradientDescentOptions): FiniteNetwork {
  const X = toMatrix(xTrain, 'xTrain');
  if (yTrain.length !== X.rows) throw new KernelInputError(`yTrain has ${yTrain.length} values for ${X.rows} training rows`);
  const eta = opts.learningRate ?? 1;
  if (!(eta > 0)) throw new KernelInputError(`learningRate must be > 0, got ${eta}`);
  if (!Number.isSafeInteger(opts.steps) || opts.steps < 0) throw new KernelInputError(`steps must be a non-negative integer, got ${String(opts.steps)}`);
  const trained = net.withParams();
  const n = X.rows;
  const r = new Float64Array(n);
  for (let s = 0; s < opts.steps; s++) {
    const f = trained.forward(X);
    for (let i = 0; i < n; i++) {
      r[i] = (f[i] - yTrain[i]) / n;
      if (!Number.isFinite(r[i])) throw new ArgumentError(`gradient descent diverged at step ${s} (learningRate ${eta}): f(x_${i}) = ${f[i]}`);
    }
    const g = trained.gradient(X, r);
    const P = trained.params;
    for (let p = 0; p < P.length; p++) P[p] -= eta * g[p];
  }
  return trained;
}
