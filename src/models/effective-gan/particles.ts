// The effective particle model (docs/effective-dynamics.md C.2, C.3b): N particles
// x_i ∈ R^d (the generator's outputs) against M target points, alternating
//   critic:    `criticSteps` updates of f on (real = targets, fake = particles);
//   particles: x_i ← x_i + η_G c Σ_j Θ_ij ∇f(x_j)   (coupling.ts; c = 1 or 1/N).
// The critic is any `Critic`: the infinite-width kernel critic below, or a finite MLP
// critic (critics.ts). Order parameters (order.ts) are recorded every `every` steps.
// A blow-up (a non-finite coordinate or |x| above `blowup`) stops the run with an
// IntegrationError naming the step; `.partial` holds the metrics so far.

import { type GanKernel, type Matrix } from '../../ntk/index.ts';
import { Rng } from '../../numeric/index.ts';
import { IntegrationError } from '../../core/index.ts';
import { type Coupling, type ParticleKernel, couple } from './coupling.ts';
import { type OrderParameters, orderParameters } from './order.ts';
import type { Targets } from './targets.ts';

/** A discriminator the particles climb. */
export interface Critic {
  readonly label: string;
  /** One particle step's worth of critic training on real P and fake Q. */
  train(P: Matrix, Q: Matrix): void;
  /** ∇_x f at the rows of Q (N×d, row-major). */
  gradient(Q: Matrix): Float64Array;
}

/**
 * The infinite-width critic of the NTK view (docs/ntk-gan.md B.3, the IPM loss): trained
 * from f ≡ 0 for time t = η_D · steps at every particle step, it is
 * f(x) = t [ (1/M) Σ_m k(x, y_m) − (1/N) Σ_j k(x, x_j) ] (the kernel's MMD witness).
 * A gradient penalty changes nothing at infinite width in this form and is ignored.
 */
export class KernelCritic implements Critic {
  private P: Matrix | undefined;
  private Q: Matrix | undefined;
  constructor(readonly kernel: GanKernel, readonly time: number) {}

  get label(): string { return `kernel critic (${this.kernel.label}), t = ${this.time}`; }

  train(P: Matrix, Q: Matrix): void {
    this.P = P;
    this.Q = { data: Q.data.slice(), rows: Q.rows, cols: Q.cols };
  }

  gradient(X: Matrix): Float64Array {
    const P = this.P!, Q = this.Q!, d = X.cols;
    const S = new Float64Array((P.rows + Q.rows) * d);
    S.set(Q.data, 0);
    S.set(P.data, Q.data.length);
    const a = new Float64Array(P.rows + Q.rows);
    for (let j = 0; j < Q.rows; j++) a[j] = -this.time / Q.rows;
    for (let m = 0; m < P.rows; m++) a[Q.rows + m] = this.time / P.rows;
    return this.kernel.field(X, { data: S, rows: P.rows + Q.rows, cols: d }, a).grad.data;
  }
}

export interface ParticleConfig {
  readonly targets: Targets;
  readonly N: number;
  readonly kernel: ParticleKernel;
  readonly coupling: Coupling;
  readonly lrG: number;
  readonly steps: number;
  readonly critic: Critic;
  /** particles start as N(initCentre, initStd² I) */
  readonly initStd: number;
  /** centre of the initial cloud (default the origin) */
  readonly initCentre?: Float64Array;
  readonly seed: number;
  /** record the order parameters every this many steps (and at the end) */
  readonly every: number;
  /** |x| above this is a blow-up */
  readonly blowup: number;
  /** steps whose particles are kept (2-D pictures) */
  readonly snapshots?: readonly number[];
  readonly onProgress?: (step: number, steps: number) => void;
}

export interface ParticleMetrics {
  readonly step: number[];
  readonly diversity: number[];
  readonly collapse: number[];
  readonly quality: number[];
  readonly covered: number[];
  /** |mean displacement of the centre of mass| and rms relative displacement since step 0 */
  readonly centreMotion: number[];
  readonly relativeMotion: number[];
}

export interface ParticleResult {
  readonly metrics: ParticleMetrics;
  readonly final: Matrix;
  readonly order: OrderParameters;
  readonly snapshots: ReadonlyArray<{ readonly step: number; readonly X: Matrix }>;
  readonly seconds: number;
}

/** The partial record kept by a blow-up. */
export interface ParticleDivergence {
  readonly step: number;
  readonly metrics: ParticleMetrics;
}

export function initialParticles(N: number, d: number, std: number, seed: number): Matrix {
  const data = new Float64Array(N * d);
  new Rng(seed).split().split().fillNormal(data, 0, std);
  return { data, rows: N, cols: d };
}

/** Centre-of-mass displacement |Δx̄| and rms relative displacement of X against X0. */
export function modeMotion(X: Matrix, X0: Matrix): { centre: number; relative: number } {
  const N = X.rows, d = X.cols;
  const mean = new Float64Array(d);
  for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) mean[k] += (X.data[i * d + k] - X0.data[i * d + k]) / N;
  let c = 0, r = 0;
  for (let k = 0; k < d; k++) c += mean[k] ** 2;
  for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) r += (X.data[i * d + k] - X0.data[i * d + k] - mean[k]) ** 2;
  return { centre: Math.sqrt(c), relative: Math.sqrt(r / N) };
}

export function runParticles(cfg: ParticleConfig): ParticleResult {
  const start = performance.now();
  const { N, steps } = cfg;
  const P = cfg.targets.points, d = P.cols;
  const X = initialParticles(N, d, cfg.initStd, cfg.seed);
  if (cfg.initCentre) for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) X.data[i * d + k] += cfg.initCentre[k];
  const X0 = { data: X.data.slice(), rows: N, cols: d };
  const u = new Float64Array(N * d);
  const metrics: ParticleMetrics = { step: [], diversity: [], collapse: [], quality: [], covered: [], centreMotion: [], relativeMotion: [] };
  const snaps = new Set(cfg.snapshots ?? []);
  const snapshots: Array<{ step: number; X: Matrix }> = [];
  const record = (k: number) => {
    const o = orderParameters(X, cfg.targets.modes, cfg.targets.metric);
    const mm = modeMotion(X, X0);
    metrics.step.push(k); metrics.diversity.push(o.diversity); metrics.collapse.push(o.collapse);
    metrics.quality.push(o.quality); metrics.covered.push(o.covered);
    metrics.centreMotion.push(mm.centre); metrics.relativeMotion.push(mm.relative);
    return o;
  };
  let order = record(0);
  if (snaps.has(0)) snapshots.push({ step: 0, X: { data: X.data.slice(), rows: N, cols: d } });
  for (let k = 1; k <= steps; k++) {
    let g: Float64Array;
    try {
      cfg.critic.train(P, X);
      g = cfg.critic.gradient(X);
    } catch (err) {
      if (!(err instanceof IntegrationError)) throw err;
      throw new IntegrationError<ParticleDivergence>(`effective-gan: at particle step ${k} of ${steps}, ${err.message} (${cfg.critic.label}): lower --lr-d`, { step: k, metrics });
    }
    couple(cfg.kernel, g, N, d, cfg.coupling, u);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) { const v = X.data[i * d + c] + cfg.lrG * u[i * d + c]; X.data[i * d + c] = v; s += v * v; }
      if (!(s <= worst)) worst = s; // NaN-safe: NaN becomes the worst
    }
    if (!(Math.sqrt(worst) <= cfg.blowup)) {
      throw new IntegrationError<ParticleDivergence>(
        `effective-gan: particles diverged at step ${k} of ${steps} (max |x| = ${Math.sqrt(worst)} > ${cfg.blowup}; ${cfg.critic.label}, η_G = ${cfg.lrG}, coupling ${cfg.coupling}): lower --lr-g or --lr-d, or use --coupling mean`,
        { step: k, metrics },
      );
    }
    if (k % cfg.every === 0 || k === steps) order = record(k);
    if (snaps.has(k)) snapshots.push({ step: k, X: { data: X.data.slice(), rows: N, cols: d } });
    cfg.onProgress?.(k, steps);
  }
  return { metrics, final: X, order, snapshots, seconds: (performance.now() - start) / 1000 };
}
