// Generator particles (docs/ntk-gan.md B.4): the generated points x_i follow
//   dx/dt = −∇_x c(f_t(x)),   discretised as   x_i ← x_i − η_G ∇_{x_i} [(1/N) Σ_k c(f_t(x_k))]
//                                           = x_i − (η_G/N) c'(f_t(x_i)) ∇f_t(x_i),
// with the discriminator f_t re-solved from scratch (f_0 ≡ 0, training time t)
// on S = current particles ∪ targets at every generator step, and held fixed
// while the generator moves (the gradient flows through the test point only, as
// GAN(TK)²'s jax.grad with respect to the particles).
// Signs: IPM c = −f, so x_i ← x_i + (η_G/N) ∇f_t(x_i) with
// f_t = ηt[mean_j k(·, y_j) − mean_k k(·, x_k)]: up the witness, towards the
// target. Since ∂MMD²_k/∂x_i = −(2/(N ηt)) ∇f_t(x_i) (the V-statistic, with the
// particles' self-terms taken with kernel.ts's symmetric subgradient), the IPM
// step is exactly gradient descent on MMD²_k with step η_G ηt / 2.
// LSGAN c = f²: x_i ← x_i − (2η_G/N) f ∇f. Vanilla (non-saturating) c = softplus(−f):
// x_i ← x_i + (η_G/N) σ(−f) ∇f.

import { IntegrationError } from '../../core/index.ts';
import { type Inputs, type Matrix, KernelInputError, toMatrix } from '../../ntk/index.ts';
import type { Architecture } from '../../ntk/index.ts';
import { architectureKernel, type GanKernel, type NonSmoothCounts, zeroCounts } from '../../ntk/index.ts';
import { type Discriminator, type SpectralMethod, finiteDiscriminator, infiniteDiscriminator, trainingSet } from './discriminator.ts';
import { type LossName, INFINITE_WIDTH_LOSSES, lossByName } from './losses.ts';
import { type MatrixKernel, distanceKernel, gaussianKernel, mmdParts } from './metrics.ts';

export interface FiniteFlowOptions {
  readonly arch: Architecture;
  readonly width: number;
  /** initialisation seed of the discriminator (the same init at every generator step) */
  readonly seed: number;
  /** discriminator gradient-descent step η_D (t/η_D steps) */
  readonly lr: number;
}

export interface ParticleFlowOptions {
  readonly loss: LossName;
  /** infinite-width discriminator kernel; omit when `finite` is given */
  readonly kernel?: GanKernel;
  /** finite-width discriminator instead of the kernel limit */
  readonly finite?: FiniteFlowOptions;
  /** generator steps */
  readonly steps: number;
  /** generator learning rate η_G (per-particle step η_G/N) */
  readonly lrG: number;
  /** discriminator training time t (default 1) */
  readonly t?: number;
  /** kernel-flow rate η (default 1) */
  readonly eta?: number;
  readonly spectral?: SpectralMethod;
  readonly vanilla?: 'ode' | 'lambertw';
  /** steps whose particles are kept (0 and `steps` always are) */
  readonly snapshots?: readonly number[];
  /** metrics every this many steps (default max(1, round(steps/20))), and at the end */
  readonly metricsEvery?: number;
  /** kernel of the "mmd2" metric (default: the discriminator's kernel, or the architecture's NTK) */
  readonly mmdKernel?: MatrixKernel & { readonly label?: string };
  /** bandwidth of the Gaussian-kernel MMD metric (default 1) */
  readonly rbfSigma?: number;
  readonly onProgress?: (step: number, steps: number) => void;
  /** |x| above this stops the flow with a FlowDivergenceError (default 1e12) */
  readonly blowUp?: number;
}

export interface FlowMetrics {
  readonly step: number;
  /** biased MMD² with the discriminator's kernel (the IPM flow's objective) */
  readonly mmd2: number;
  /** unbiased MMD² with the Gaussian kernel of bandwidth rbfSigma */
  readonly mmd2Rbf: number;
  /** energy distance (V-statistic) */
  readonly energy: number;
  /** wall-clock seconds since the start */
  readonly seconds: number;
  /** mean |v_i| of the step taken from here (NaN at the end) */
  readonly speed: number;
  /** Σ_i |v_i|² of that step (NaN at the end); for IPM, h|∇MMD²|² = 2 Σ|v_i|² / (η_G η t) */
  readonly velocity2: number;
}

export interface ParticleFlowResult {
  readonly snapshots: { step: number; particles: Matrix }[];
  readonly metrics: FlowMetrics[];
  readonly final: Matrix;
  /** kernel pairs at a cusp, summed over all steps (kernel.ts) */
  readonly nonSmooth: NonSmoothCounts;
  readonly mmdKernelLabel: string;
  readonly seconds: number;
}

/** A flow that produced non-finite particles; `partial` holds what was computed. */
export class FlowDivergenceError extends IntegrationError<ParticleFlowResult> {}

/** One generator step's velocities v_i = −(η_G/N) c'(f(x_i)) ∇f(x_i) from a trained discriminator. */
export function particleVelocities(disc: Discriminator, particles: Inputs, lrG: number): { velocity: Matrix; value: Float64Array; nonSmooth: NonSmoothCounts } {
  const X = toMatrix(particles, 'particles');
  const loss = lossByName(disc.loss);
  const fld = disc.field(X);
  const N = X.rows, d = X.cols;
  const v = new Float64Array(N * d);
  for (let i = 0; i < N; i++) {
    const c = (-lrG / N) * loss.dc(fld.value[i]);
    for (let k = 0; k < d; k++) v[i * d + k] = c * fld.grad.data[i * d + k];
  }
  return { velocity: { data: v, rows: N, cols: d }, value: fld.value, nonSmooth: fld.nonSmooth };
}

/** The discriminator trained on (particles, targets) as the flow options say. */
export function solveDiscriminator(particles: Matrix, targets: Matrix, opts: ParticleFlowOptions): Discriminator {
  const train = trainingSet(particles, targets);
  const t = opts.t ?? 1;
  if (opts.finite) {
    return finiteDiscriminator(train, { loss: opts.loss, arch: opts.finite.arch, width: opts.finite.width, seed: opts.finite.seed, t, lr: opts.finite.lr });
  }
  if (!opts.kernel) throw new KernelInputError('give a kernel (infinite width) or finite options');
  return infiniteDiscriminator(opts.kernel, train, { loss: opts.loss, t, eta: opts.eta, spectral: opts.spectral, vanilla: opts.vanilla });
}

/** Runs the particle flow from `source` towards `target` (see the module comment). */
export function runParticleFlow(source: Inputs, target: Inputs, opts: ParticleFlowOptions): ParticleFlowResult {
  const X0 = toMatrix(source, 'source'), Y = toMatrix(target, 'target');
  if (X0.cols !== Y.cols) throw new KernelInputError(`source has d = ${X0.cols} but target has d = ${Y.cols}`);
  const loss = lossByName(opts.loss).name;
  if (!opts.finite && !(INFINITE_WIDTH_LOSSES as readonly string[]).includes(loss)) {
    throw new KernelInputError(`loss ${loss} needs a finite-width discriminator (give a width); infinite width: ${INFINITE_WIDTH_LOSSES.join(', ')}`);
  }
  if (opts.finite && opts.kernel) throw new KernelInputError('give a kernel or finite options, not both');
  const { steps, lrG } = opts;
  if (!Number.isSafeInteger(steps) || steps < 0) throw new KernelInputError(`steps must be a non-negative integer, got ${steps}`);
  if (!(lrG > 0) || !Number.isFinite(lrG)) throw new KernelInputError(`lrG must be a positive number, got ${lrG}`);
  const every = opts.metricsEvery ?? Math.max(1, Math.round(steps / 20));
  if (!Number.isSafeInteger(every) || every < 1) throw new KernelInputError(`metricsEvery must be a positive integer, got ${every}`);
  const d = X0.cols;
  const blowUp = opts.blowUp ?? 1e12;
  const mmdKernel = opts.mmdKernel ?? opts.kernel ?? architectureKernel((opts.finite as FiniteFlowOptions).arch, d, 'ntk');
  const mmdLabel = (mmdKernel as { label?: string }).label ?? 'custom';
  const rbf = gaussianKernel(opts.rbfSigma ?? 1);
  const cache = { k: mmdParts(mmdKernel, Y, Y).yy, r: mmdParts(rbf, Y, Y, 'unbiased').yy, e: mmdParts(distanceKernel, Y, Y).yy };
  const keep = new Set([0, steps, ...(opts.snapshots ?? [])]);
  const X = { data: Float64Array.from(X0.data), rows: X0.rows, cols: d };
  const snapshots: { step: number; particles: Matrix }[] = [];
  const metrics: FlowMetrics[] = [];
  const nonSmooth = zeroCounts();
  const start = performance.now();
  const result = (): ParticleFlowResult => ({
    snapshots, metrics, final: { data: Float64Array.from(X.data), rows: X.rows, cols: d }, nonSmooth,
    mmdKernelLabel: mmdLabel, seconds: (performance.now() - start) / 1000,
  });
  const measure = (step: number, speed: number, velocity2: number) => {
    const k = mmdParts(mmdKernel, X, Y, 'biased', cache.k);
    const r = mmdParts(rbf, X, Y, 'unbiased', cache.r);
    const e = mmdParts(distanceKernel, X, Y, 'biased', cache.e);
    metrics.push({
      step, mmd2: k.xx + k.yy - 2 * k.xy, mmd2Rbf: r.xx + r.yy - 2 * r.xy, energy: e.xx + e.yy - 2 * e.xy,
      seconds: (performance.now() - start) / 1000, speed, velocity2,
    });
  };
  for (let step = 0; step <= steps; step++) {
    if (keep.has(step)) snapshots.push({ step, particles: { data: Float64Array.from(X.data), rows: X.rows, cols: d } });
    if (step === steps) { measure(step, NaN, NaN); break; }
    const disc = solveDiscriminator(X, Y, opts);
    const v = particleVelocities(disc, X, lrG);
    for (const k of Object.keys(nonSmooth) as (keyof NonSmoothCounts)[]) nonSmooth[k] += v.nonSmooth[k];
    let speed = 0, velocity2 = 0;
    for (let i = 0; i < X.rows; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += v.velocity.data[i * d + k] ** 2;
      speed += Math.sqrt(s);
      velocity2 += s;
    }
    speed /= X.rows;
    if (step % every === 0) measure(step, speed, velocity2);
    const next = Float64Array.from(X.data, (x, q) => x + v.velocity.data[q]);
    const bad = next.findIndex((x) => !(Math.abs(x) <= blowUp));
    if (bad >= 0) {
      throw new FlowDivergenceError(
        `particle flow diverged at generator step ${step}: particle ${Math.floor(bad / d)} coordinate ${bad % d} would become ${next[bad]} (|x| > ${blowUp}) `
        + `(loss ${loss}, lr-g ${lrG}, t ${opts.t ?? 1}, ${opts.finite ? `width ${opts.finite.width}` : opts.kernel!.label})`, result());
    }
    X.data.set(next);
    opts.onProgress?.(step + 1, steps);
  }
  return result();
}
