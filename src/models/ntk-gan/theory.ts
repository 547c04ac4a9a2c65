// The NTK view of GANs (Franceschi et al., GAN(TK)²) on the model contract: generator
// particles against an infinite-width (kernel) or finite-width discriminator
// re-trained at every step.

import type { Theory, FigureFile, RunContext, Series } from '../theory.ts';
import { type SpecValues, SpecError, optionNumber, optionText, checkKnownNames } from '../spec-input.ts';
import { IntegrationError } from '../../core/index.ts';
import { type Architecture, withOptions, parseArchitecture, type Matrix } from '../../ntk/index.ts';
import { dataset, DATASET_NAMES, type Dataset } from './data.ts';
import { type GanKernel, PRESET_KERNELS, parseGanKernel } from '../../ntk/index.ts';
import { type LossName, LOSS_NAMES } from './losses.ts';
import { type ParticleFlowResult, FlowDivergenceError, runParticleFlow } from './flow.ts';
import { snapshotSvg } from './plots.ts';
import { theorem as ipmMmdFlow } from './theorems/ipm-mmd-flow.ts';
import { theorem as ntkWidthRate } from './theorems/ntk-width-rate.ts';

/**
 * Particle budget: N·(N + M) kernel entries per step, refused above this many per run
 * (about 2e6 ReLU-NTK entries a second were measured on 2 busy cores: ~1.4 h at the limit).
 */
export const MAX_FLOW_WORK = 1e10;
/** Finite-width budget: discriminator steps × width × (N + M) × generator steps. */
export const MAX_FINITE_WORK = 1e11;

export interface NtkGanRun {
  readonly datasetName: string;
  readonly data: Dataset;
  readonly loss: LossName;
  readonly kernel?: GanKernel;
  readonly finite?: { readonly arch: Architecture; readonly width: number; readonly seed: number; readonly lr: number };
  readonly steps: number;
  readonly seed: number;
  readonly particles: number;
  readonly targets: number;
  readonly lrG: number;
  readonly discTime: number;
  readonly every: number;
  readonly snapshots: number[];
  readonly vanilla: 'ode' | 'lambertw';
  readonly rbfSigma: number;
  /** Kernel label or the finite architecture, for reports. */
  readonly label: string;
}

/** Default snapshot steps: 0, K/20, K/10, K/4, K/2, K (deduplicated). */
export function defaultSnapshots(K: number): number[] {
  return [...new Set([0, Math.ceil(K / 20), Math.ceil(K / 10), Math.ceil(K / 4), Math.ceil(K / 2), K])].sort((a, b) => a - b);
}

function firstLine(err: unknown): string {
  const e = err as { reason?: string; position?: number; message?: string };
  return e.reason !== undefined && e.position !== undefined ? `${e.reason} at position ${e.position}` : String(e.message ?? err).split('\n')[0];
}

/** An architecture from spec text; any parse or validation error names the flag. */
export function architectureOf(spec: string, flag: string, parameterization?: string, width?: number): Architecture {
  let arch: Architecture;
  try {
    arch = parseArchitecture(spec);
    if (parameterization !== undefined || width !== undefined) {
      arch = withOptions(arch, { parameterization: parameterization as 'ntk' | 'standard' | undefined, width });
    }
  } catch (err) {
    throw new SpecError(`${flag}: ${firstLine(err)}`);
  }
  return arch;
}

function makeSpec(values: SpecValues): NtkGanRun {
  checkKnownNames(values.set, [], '--set');
  checkKnownNames(values.init, [], '--init');
  const datasetName = optionText(values, 'dataset');
  const loss = optionText(values, 'loss') as LossName;
  const steps = optionNumber(values, 'steps');
  const seed = optionNumber(values, 'seed');
  const N = optionNumber(values, 'particles');
  const M = values.options.has('targets') ? optionNumber(values, 'targets') : N;
  const lrG = values.options.has('lr-g') ? optionNumber(values, 'lr-g') : 2 * N;
  const t = optionNumber(values, 'disc-time');
  const every = values.options.has('every') ? optionNumber(values, 'every') : Math.max(1, Math.round(steps / 20));
  const rbfSigma = optionNumber(values, 'rbf-sigma');
  const rbfScale = 1 / (2 * rbfSigma * rbfSigma);
  if (!(rbfScale > 0 && Number.isFinite(rbfScale))) throw new SpecError(`--rbf-sigma ${rbfSigma}: 1/(2σ²) is ${rbfScale} (the Gaussian-kernel metric would be NaN or constant): give a bandwidth between 1e-150 and 1e150`);
  const vanilla = optionText(values, 'vanilla') as 'ode' | 'lambertw';
  const kernelText = optionText(values, 'kernel');
  const snapText = values.options.get('snapshots');
  const snapshots = snapText === undefined ? defaultSnapshots(steps) : String(snapText).split(',').map((s) => {
    const v = /^\s*\d+\s*$/.test(s) ? Number(s) : NaN;
    if (!(v >= 0 && v <= steps)) throw new SpecError(`--snapshots: "${s.trim()}" is not a step in 0..${steps}`);
    return v;
  });
  if (loss === 'hinge' && !values.options.has('width')) throw new SpecError('--loss hinge has no infinite-width discriminator: give --width');
  const work = N * (N + M) * Math.max(steps, 1);
  if (work > MAX_FLOW_WORK) throw new SpecError(`--particles ${N}, --targets ${M}, --steps ${steps}: ${work.toExponential(1)} kernel entries is above the limit ${MAX_FLOW_WORK.toExponential(0)}`);
  const data = dataset(datasetName, { particles: N, targets: M, seed });
  let kernel: GanKernel | undefined;
  let finite: NtkGanRun['finite'];
  if (values.options.has('width')) {
    const width = optionNumber(values, 'width');
    const lr = optionNumber(values, 'disc-lr');
    const stepsD = Math.round(t / lr);
    if (Math.abs(stepsD * lr - t) > 1e-9 * t) throw new SpecError(`--disc-time / --disc-lr must be a whole number of steps, got ${t} / ${lr}`);
    if (stepsD * steps * width * (N + M) > MAX_FINITE_WORK) throw new SpecError(`--disc-time / --disc-lr = ${stepsD} discriminator steps per generator step is too much work at --width ${width} (limit ${MAX_FINITE_WORK.toExponential(0)} neuron-sample updates)`);
    const spec = PRESET_KERNELS[kernelText.trim()] ?? kernelText.trim().replace(/^ntk\s*:\s*/i, '');
    if (/^(rbf|nngp\s*:)/i.test(spec)) throw new SpecError(`--width trains a network: --kernel must be an architecture (its NTK), got "${kernelText}"`);
    finite = { arch: architectureOf(spec, '--kernel'), width, seed, lr };
  } else {
    try {
      kernel = parseGanKernel(kernelText, data.d);
    } catch (err) {
      throw new SpecError(`--kernel: ${firstLine(err)}`);
    }
  }
  return {
    datasetName, data, loss, kernel, finite, steps, seed, particles: N, targets: M, lrG, discTime: t, every, snapshots,
    vanilla, rbfSigma, label: kernel?.label ?? `finite width ${finite!.width}: ${finite!.arch.spec}`,
  };
}

/** The configuration record written beside results. */
export function flowConfig(spec: NtkGanRun): Record<string, unknown> {
  return {
    dataset: spec.datasetName, loss: spec.loss, kernel: spec.label, steps: spec.steps, seed: spec.seed,
    particles: spec.particles, targets: spec.targets, lrG: spec.lrG, discTime: spec.discTime,
    ...(spec.finite ? { width: spec.finite.width, discLr: spec.finite.lr } : {}),
    ...(spec.loss === 'vanilla' && !spec.finite ? { vanilla: spec.vanilla } : {}),
  };
}

/** Runs the particle flow; a divergence keeps what was computed in `.partial`. */
export function runFlow(spec: NtkGanRun, ctx: RunContext = {}): ParticleFlowResult {
  return runParticleFlow(spec.data.source, spec.data.target, {
    loss: spec.loss, ...(spec.kernel ? { kernel: spec.kernel } : { finite: spec.finite }), steps: spec.steps, lrG: spec.lrG,
    t: spec.discTime, snapshots: spec.snapshots, metricsEvery: spec.every, rbfSigma: spec.rbfSigma, vanilla: spec.vanilla,
    onProgress: ctx.onProgress ? (k, K) => ctx.onProgress!(k / K, `step ${k} of ${K}`) : undefined,
  });
}

/** The flow's metrics as named series over generator steps. */
export function metricsSeries(r: ParticleFlowResult): Series {
  return {
    t: r.metrics.map((m) => m.step),
    series: {
      mmd2: r.metrics.map((m) => m.mmd2), mmd2_rbf: r.metrics.map((m) => m.mmd2Rbf), energy_distance: r.metrics.map((m) => m.energy),
    },
  };
}

function simulate(spec: NtkGanRun, ctx: RunContext): Series {
  try {
    const r = runFlow(spec, ctx);
    return { ...metricsSeries(r), extra: { config: flowConfig(spec), nonSmooth: r.nonSmooth, seconds: r.seconds } };
  } catch (err) {
    if (err instanceof FlowDivergenceError) throw new IntegrationError(err.message, metricsSeries(err.partial));
    throw err;
  }
}

/** Particles at the snapshot steps over the target sample. */
export function flowFigure(spec: NtkGanRun, r: ParticleFlowResult): FigureFile {
  const shorten = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
  return {
    name: 'particles.svg',
    svg: snapshotSvg(r.snapshots, spec.data.target, {
      title: shorten(`${spec.datasetName}, ${spec.loss}, ${spec.finite ? `width ${spec.finite.width}, ` : ''}kernel ${spec.label}; N = ${spec.particles}, η_G = ${spec.lrG}, t = ${spec.discTime}`, 100),
      columns: Math.min(r.snapshots.length, 3),
    }),
    caption: 'Generated particles (coloured) over the target sample (grey) at the snapshot steps.',
  };
}

export const ntkGan: Theory<NtkGanRun> = {
  id: 'ntk-gan',
  title: 'NTK perspective of GANs (GAN(TK)²)',
  source: 'J.-Y. Franceschi, E. de Bézenac, I. Ayed, M. Chen, S. Lamprier, P. Gallinari, "A Neural Tangent Kernel Perspective of GANs", ICML 2022',
  summary: 'Generated particles move along the gradient of a discriminator trained to time t in the infinite-width (NTK) limit, or at finite width; metrics MMD² (NTK and RBF) and energy distance.',
  options: [
    { name: 'dataset', kind: 'choice', choices: DATASET_NAMES, default: 'eight_gaussians', description: 'target dataset' },
    { name: 'loss', kind: 'choice', choices: LOSS_NAMES, default: 'ipm', description: 'loss (hinge needs --width)' },
    { name: 'kernel', kind: 'text', default: 'relu', placeholder: 'spec', description: `discriminator kernel: ${Object.keys(PRESET_KERNELS).join(', ')}, rbf, rbf(gamma), an architecture spec (its NTK), ntk:<spec> or nngp:<spec>` },
    { name: 'steps', kind: 'integer', min: 0, max: 1_000_000, default: '100', placeholder: 'K', description: 'generator steps' },
    { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'seed of the particles and targets (and of the finite discriminator)' },
    { name: 'particles', kind: 'integer', min: 2, max: 20_000, default: '200', placeholder: 'N', description: 'number of generated particles' },
    { name: 'targets', kind: 'integer', min: 2, max: 20_000, placeholder: 'M', description: 'number of target points (default: --particles)' },
    { name: 'lr-g', kind: 'number', min: 0, exclusiveMin: true, placeholder: 'eta', description: 'generator learning rate η_G; per-particle step η_G/N (default 2N)' },
    { name: 'disc-time', kind: 'number', min: 0, exclusiveMin: true, default: '1', placeholder: 't', description: 'discriminator training time t' },
    { name: 'width', kind: 'integer', min: 1, max: 100_000, placeholder: 'n', description: 'finite-width discriminator of this hidden width instead of the kernel limit' },
    { name: 'disc-lr', kind: 'number', min: 0, exclusiveMin: true, default: '0.01', placeholder: 'eta', description: 'finite-width discriminator gradient-descent step (t/η_D steps)' },
    { name: 'every', kind: 'integer', min: 1, placeholder: 'k', description: 'metrics every k steps (default K/20)' },
    { name: 'snapshots', kind: 'text', placeholder: 'list', description: 'steps whose particles are pictured, e.g. 0,10,50,100 (default 0, K/20, K/10, K/4, K/2, K)' },
    { name: 'vanilla', kind: 'choice', choices: ['ode', 'lambertw'], default: 'ode', description: 'vanilla infinite-width discriminator: ode or lambertw' },
    { name: 'rbf-sigma', kind: 'number', min: 0, exclusiveMin: true, default: '1', placeholder: 's', description: 'bandwidth of the Gaussian-kernel MMD metric' },
  ],
  parameters: () => [],
  makeSpec,
  describe: flowConfig,
  simulate,
  simulateCost: (spec) => spec.particles * (spec.particles + spec.targets) * Math.max(spec.steps, 1) * 50,
  figures: (spec, ctx) => [flowFigure(spec, runFlow(spec, ctx))],
  theorems: [ntkWidthRate, ipmMmdFlow],
};

