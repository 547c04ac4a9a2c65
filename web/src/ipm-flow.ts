// The NTK-GAN particle flow of the live page, as plain code that runs the same in the
// browser and in Node (the e2e test runs it here with the f64 twin and compares).
//
// IPM loss with a radial kernel k(x, y) = g(|x − y|²) (docs/ntk-gan.md B.4): the
// discriminator trained to time t is f_t = ηt [mean_j k(·, y_j) − mean_l k(·, x_l)],
// and each generated particle steps up its gradient,
//   x_i ← x_i + (η_G/N) ∇f_t(x_i),   ∇_x k(x, y) = 2 g'(|x − y|²) (x − y).
// g' is derived symbolically (the symbolic layer's diff), compiled as a pairwise kernel
// by the compile layer (gpu.js WebGL in a browser, the f64 twin otherwise), and the
// sums over j are G·Y products:  Σ_j G_ij (x_i − y_j) = x_i Σ_j G_ij − (G Y)_i.

import { parse, diff, simplify, latex, type Expr } from '../../src/symbolic/index.ts';
import { compilePairwise, type PairwiseKernel, type Backend, type RanBackend } from '../../src/compile/index.ts';
import { dataset } from '../../src/models/ntk-gan/index.ts';

/** The kernels offered, as expressions of sqdist = |x − y|² and the bandwidth s. */
export const KERNELS = {
  rbf: { label: 'Gaussian (RBF)', expr: 'exp(-sqdist/(2*s^2))' },
  imq: { label: 'inverse multiquadric', expr: '(1 + sqdist/s^2)^(-1/2)' },
} as const;
export type KernelName = keyof typeof KERNELS;

export interface FlowConfig {
  readonly particles: number;
  readonly targets: number;
  readonly seed: number;
  readonly kernel: KernelName;
  /** kernel bandwidth s */
  readonly bandwidth: number;
  /** generator learning rate η_G (per-particle step η_G/N, as `gandyn simulate ntk-gan --lr-g`) */
  readonly lrG: number;
  /** discriminator training time t (kernel-flow rate η = 1) */
  readonly discTime: number;
  /** 'auto' (WebGL in a browser when available, else the f64 twin), 'gpu' or 'f64' */
  readonly backend: 'auto' | 'gpu' | 'f64';
}

export const DEFAULT_FLOW: FlowConfig = { particles: 512, targets: 512, seed: 1, kernel: 'rbf', bandwidth: 1, lrG: 1024, discTime: 1, backend: 'auto' };

export interface DerivedKernel {
  readonly k: Expr;
  /** g'(sqdist) = ∂k/∂sqdist */
  readonly dk: Expr;
  readonly latex: { readonly k: string; readonly dk: string };
}

/** The kernel and its derivative in sqdist, derived by the symbolic layer. */
export function deriveKernel(name: KernelName): DerivedKernel {
  const k = parse(KERNELS[name].expr);
  const dk = simplify(diff(k, 'sqdist'));
  return { k, dk, latex: { k: latex(k), dk: latex(dk) } };
}

/** Whether gpu.js can build WebGL kernels here (a browser with WebGL). */
export function webglAvailable(): boolean {
  const doc = (globalThis as { document?: { createElement(tag: string): { getContext(kind: string): unknown } } }).document;
  if (!doc) return false;
  try {
    const c = doc.createElement('canvas');
    return !!(c.getContext('webgl2') ?? c.getContext('webgl'));
  } catch {
    return false;
  }
}

export class IpmFlow {
  readonly config: FlowConfig;
  readonly derived: DerivedKernel;
  /** particles, N × 2 row-major */
  readonly x: Float64Array;
  /** targets, M × 2 row-major */
  readonly y: Float64Array;
  step = 0;
  private kernel: PairwiseKernel;
  /** Why the flow left WebGL for the f64 twin (auto mode only), or undefined. */
  fallback: string | undefined;
  private readonly params: Float64Array;
  private readonly gxy: Float64Array;
  private readonly gxx: Float64Array;
  private readonly grad: Float64Array;
  /** the backend asked of the compile layer */
  requested: Backend;

  constructor(config: Partial<FlowConfig> = {}) {
    this.config = { ...DEFAULT_FLOW, ...config };
    const { particles: N, targets: M, seed } = this.config;
    const data = dataset('eight_gaussians', { particles: N, targets: M, seed });
    this.x = Float64Array.from(data.source.data);
    this.y = Float64Array.from(data.target.data);
    this.derived = deriveKernel(this.config.kernel);
    this.requested = this.config.backend === 'f64' ? 'f64' : this.config.backend === 'gpu' ? 'gpu' : webglAvailable() ? 'gpu' : 'f64';
    this.kernel = compilePairwise(this.derived.dk, { d: 2, params: ['s'], backend: this.requested });
    this.params = Float64Array.of(this.config.bandwidth);
    this.gxy = new Float64Array(N * M);
    this.gxx = new Float64Array(N * N);
    this.grad = new Float64Array(N * 2);
  }

  /** What computed the last step: 'webgl2' / 'webgl' (gpu.js) or 'f64' (the twin). */
  get backend(): RanBackend {
    return this.kernel.backend;
  }

  /** f32 on the GPU backends, f64 on the twin. */
  get precision(): 'f32' | 'f64' {
    return this.kernel.precision;
  }

  setBandwidth(s: number): void {
    this.params[0] = s;
    (this.config as { bandwidth: number }).bandwidth = s;
  }

  setRates(lrG: number, discTime: number): void {
    Object.assign(this.config as object, { lrG, discTime });
  }

  /** ∇f_t at every particle, into `grad` (N × 2). */
  private gradient(): Float64Array {
    const { particles: N, targets: M, discTime } = this.config;
    const { x, y, grad } = this;
    try {
      this.kernel.run(x, y, this.params, this.gxy);
      this.kernel.run(x, x, this.params, this.gxx);
    } catch (err) {
      // auto mode: a WebGL failure (no context, a lost context, a shader the driver refuses) falls back to the twin
      if (this.config.backend !== 'auto' || this.requested === 'f64') throw err;
      this.fallback = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.kernel.dispose();
      this.requested = 'f64';
      this.kernel = compilePairwise(this.derived.dk, { d: 2, params: ['s'], backend: 'f64' });
      this.kernel.run(x, y, this.params, this.gxy);
      this.kernel.run(x, x, this.params, this.gxx);
    }
    for (let i = 0; i < N; i++) {
      const xi0 = x[2 * i], xi1 = x[2 * i + 1];
      let sy = 0, gy0 = 0, gy1 = 0, sx = 0, gx0 = 0, gx1 = 0;
      const ry = i * M, rx = i * N;
      for (let j = 0; j < M; j++) { const g = this.gxy[ry + j]; sy += g; gy0 += g * y[2 * j]; gy1 += g * y[2 * j + 1]; }
      for (let l = 0; l < N; l++) { const g = this.gxx[rx + l]; sx += g; gx0 += g * x[2 * l]; gx1 += g * x[2 * l + 1]; }
      // ∇f = t [ (2/M) Σ_j g'_ij (x_i − y_j) − (2/N) Σ_l g'_il (x_i − x_l) ]
      grad[2 * i] = discTime * ((2 / M) * (xi0 * sy - gy0) - (2 / N) * (xi0 * sx - gx0));
      grad[2 * i + 1] = discTime * ((2 / M) * (xi1 * sy - gy1) - (2 / N) * (xi1 * sx - gx1));
    }
    return grad;
  }

  /** One generator step: x_i += (η_G/N) ∇f_t(x_i). */
  advance(steps = 1): void {
    const N = this.config.particles;
    for (let s = 0; s < steps; s++) {
      const g = this.gradient();
      const h = this.config.lrG / N;
      for (let k = 0; k < 2 * N; k++) this.x[k] += h * g[k];
      this.step++;
    }
  }

  /**
   * A bound on how far one step of this flow can differ between f32 kernel values
   * and f64 ones, per coordinate: (η_G/N)·t·2·(Σ_j |g'_ij||x_i − y_j|/M + Σ_l |g'_il||x_i − x_l|/N)·ε,
   * with ε the relative error of one f32 kernel value: 8·2⁻²⁴·(1 + (|x − y|² + 2|x − y|·max|x|)/s²),
   * i.e. the f32 rounding of the inputs (an absolute max|x|·2⁻²⁴ in each difference),
   * of sqdist and of the exponent (GLSL's exp is exact to (3 + 2|arg|) ulp), with a margin.
   * Computed from the f64 twin's values of the current state.
   */
  stepErrorBound(): Float64Array {
    const { particles: N, targets: M, discTime, lrG } = this.config;
    const twin = this.kernel.f64;
    const gxy = twin(this.x, this.y, this.params) as Float64Array;
    const gxx = twin(this.x, this.x, this.params) as Float64Array;
    const s2 = this.params[0] ** 2;
    const eps = 2 ** -24;
    let xmax = 0;
    for (const v of this.x) xmax = Math.max(xmax, Math.abs(v));
    for (const v of this.y) xmax = Math.max(xmax, Math.abs(v));
    const rel = (sq: number) => 8 * (1 + (sq + 2 * Math.sqrt(sq) * xmax) / s2);
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let a = 0, b = 0;
      for (let j = 0; j < M; j++) {
        const dx = this.x[2 * i] - this.y[2 * j], dy = this.x[2 * i + 1] - this.y[2 * j + 1];
        const sq = dx * dx + dy * dy;
        a += Math.abs(gxy[i * M + j]) * Math.sqrt(sq) * rel(sq);
      }
      for (let l = 0; l < N; l++) {
        const dx = this.x[2 * i] - this.x[2 * l], dy = this.x[2 * i + 1] - this.x[2 * l + 1];
        const sq = dx * dx + dy * dy;
        b += Math.abs(gxx[i * N + l]) * Math.sqrt(sq) * rel(sq);
      }
      out[i] = (lrG / N) * discTime * 2 * (a / M + b / N) * eps;
    }
    return out;
  }

  dispose(): void {
    this.kernel.dispose();
  }
}
