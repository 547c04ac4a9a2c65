// The method of moments for two-layer generators (Li & Dou) on the model contract:
// the `moments` action (symbolic moment tensors, moment distance), `simulate` (the WGAN
// training experiment, discrepancy per degree), `figures`, and `recover` (the generator
// from its third cumulant). docs/method-of-moments.md.

import type { Theory, OptionField, FigureFile, TheoryAction } from '../theory.ts';
import { type SpecValues, SpecError, checkKnownNames, optionNumber, optionText } from '../spec-input.ts';
import { MAX_TENSOR_ENTRIES } from '../../numeric/index.ts';
import { type TwoLayerGenerator, parseGenerator, describeGenerator } from './generator.ts';
import { type MomentsQuery, runMoments, momentsCost } from './moments-action.ts';
import { type IpmBall, IPM_BALLS } from './distance.ts';
import { checkMomentsFinite } from './unit-moments.ts';
import { type ExperimentSpec, CRITIC_CHOICES, runExperiment, experimentCost, experimentFigures } from './experiment.ts';
import { type RecoverySpec, runRecovery, recoveryCost, checkRecoverable } from './recovery-action.ts';
import { momentsTheorems } from './theorems.ts';

export interface MomentsSpec {
  readonly query: MomentsQuery;
  readonly experiment: ExperimentSpec;
  readonly recovery: RecoverySpec;
}

export const DEFAULT_GENERATOR = 'd=3; m=2; k=2; activation=t^3; seed=1';
export const DEFAULT_TARGET = 'd=3; m=2; k=2; activation=relu; seed=1';
export const DEFAULT_RECOVER = 'd=6; m=3; k=3; activation=t^3+t^2; seed=1';

const options: OptionField[] = [
  { name: 'generator', kind: 'text', placeholder: 'SPEC', verbs: ['moments', 'simulate', 'figures', 'recover'],
    description: `two-layer generator x = A σ(B z): "d=3; m=2; k=2; activation=t^3; seed=1" or JSON {"d":..,"m":..,"k":..,"activation":"..","seed":..,"A":[[..]],"B":[[..]]} (default "${DEFAULT_GENERATOR}"; simulate/figures: the target, default "${DEFAULT_TARGET}"; recover: default "${DEFAULT_RECOVER}")` },
  { name: 'other', kind: 'text', placeholder: 'SPEC', verbs: ['moments'], description: 'a second generator: print the moment distance (IPM of bounded polynomials) to it' },
  { name: 'order', kind: 'integer', min: 1, max: 4, default: '4', verbs: ['moments'], description: 'highest moment order K (tensors E[x^⊗k], k = 1..K)' },
  { name: 'hermite-order', kind: 'integer', min: 2, max: 60, default: '24', verbs: ['moments'], description: 'Hermite truncation order per unit for non-polynomial σ' },
  { name: 'samples', kind: 'integer', min: 0, max: 2_000_000, default: '0', verbs: ['moments'], description: 'Monte Carlo samples to compare with (0: none)' },
  { name: 'ipm-ball', kind: 'choice', choices: IPM_BALLS, default: 'per-degree', verbs: ['moments'], description: '[R] coefficient ball of the polynomial discriminators: per-degree (Σ_k ‖Δ_k‖_F) or joint ((Σ_k ‖Δ_k‖_F²)^½)' },
  { name: 'seed', kind: 'integer', min: 0, default: '1', description: 'seed of every random choice (Monte Carlo, training, recovery samples)' },
  { name: 'critic', kind: 'choice', choices: CRITIC_CHOICES, default: 'all', verbs: ['simulate', 'figures'], description: 'discriminator: polynomial of degree 2/3/4 (linear in monomials of x/s), a ReLU MLP (src/ntk/critic.ts), or all four' },
  { name: 'constraint', kind: 'choice', choices: ['clip', 'gp'], default: 'clip', verbs: ['simulate', 'figures'], description: 'WGAN Lipschitz device: weight clipping or the interpolate gradient penalty' },
  { name: 'clip', kind: 'number', min: 0, exclusiveMin: true, max: 100, default: '0.1', verbs: ['simulate', 'figures'], description: 'weight-clipping bound' },
  { name: 'gp-lambda', kind: 'number', min: 0, max: 1000, default: '1', verbs: ['simulate', 'figures'], description: 'gradient-penalty weight λ' },
  { name: 'steps', kind: 'integer', min: 1, max: 1_000_000, default: '400', verbs: ['simulate', 'figures'], description: 'generator steps' },
  { name: 'batch', kind: 'integer', min: 2, max: 100_000, default: '64', verbs: ['simulate', 'figures'], description: 'samples per batch (each of target and generator)' },
  { name: 'critic-steps', kind: 'integer', min: 1, max: 100, default: '3', verbs: ['simulate', 'figures'], description: 'critic steps per generator step' },
  { name: 'lr-generator', kind: 'number', min: 0, exclusiveMin: true, max: 10, default: '0.003', verbs: ['simulate', 'figures'], description: 'Adam learning rate of the generator' },
  { name: 'lr-critic', kind: 'number', min: 0, exclusiveMin: true, max: 10, default: '0.01', verbs: ['simulate', 'figures'], description: 'Adam learning rate of the critic' },
  { name: 'every', kind: 'integer', min: 1, max: 1_000_000, default: '10', verbs: ['simulate', 'figures'], description: 'log the moment discrepancies every this many generator steps' },
  { name: 'gradient', kind: 'choice', choices: ['sampled', 'exact'], default: 'sampled', verbs: ['simulate', 'figures'], description: '[R] sampled batches (WGAN) or the exact population objective from symbolic moments (polynomial critics with clipping)' },
  { name: 'critic-scale', kind: 'choice', choices: ['target-rms', 'none'], default: 'target-rms', verbs: ['simulate', 'figures'], description: '[R] the critic sees x/s, s the RMS of the target coordinates, or raw x' },
  { name: 'init-distance', kind: 'number', min: 0, max: 10, default: '1', verbs: ['simulate', 'figures'], description: '[R] the generator starts at the target plus this times an independent random generator (A and B)' },
  { name: 'hidden', kind: 'integer', min: 1, max: 1024, default: '16', verbs: ['simulate', 'figures'], description: 'width of the MLP critic (one hidden ReLU layer)' },
  { name: 'sizes', kind: 'text', default: '2000,8000,32000,128000', verbs: ['recover'], description: 'sample sizes n for the recovery error curve (comma list, 2..12 sizes, each 100..2000000)' },
  { name: 'trials', kind: 'integer', min: 1, max: 100, default: '3', verbs: ['recover'], description: 'independent sample sets per size' },
];

function parseSizes(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length < 2 || parts.length > 12) throw new SpecError(`--sizes must list 2..12 sample sizes, got ${parts.length}`);
  return parts.map((p) => {
    const v = /^\d+$/.test(p) ? Number(p) : NaN;
    if (!Number.isSafeInteger(v) || v < 100 || v > 2_000_000) throw new SpecError(`--sizes: ${JSON.stringify(p)} is not an integer in 100..2000000`);
    return v;
  });
}

function checkTensorSize(g: TwoLayerGenerator, order: number, flag: string): void {
  if (g.d ** order > MAX_TENSOR_ENTRIES) throw new SpecError(`${flag}: d = ${g.d} gives ${g.d ** order} entries at order ${order}, above the limit ${MAX_TENSOR_ENTRIES}`);
}

function makeSpec(values: SpecValues): MomentsSpec {
  checkKnownNames(values.set, [], '--set');
  checkKnownNames(values.init, [], '--init');
  const has = (k: string) => values.options.has(k);
  const num = (k: string, fallback: number) => (has(k) ? optionNumber(values, k) : fallback);
  const text = (k: string, fallback: string) => (has(k) ? optionText(values, k) : fallback);
  const seed = num('seed', 1);
  // The generator flag's default differs per verb: which options are present tells the verb.
  const isSimulate = has('critic');
  const isRecover = has('sizes');
  const genText = text('generator', isSimulate ? DEFAULT_TARGET : isRecover ? DEFAULT_RECOVER : DEFAULT_GENERATOR);
  const order = num('order', 4);
  const generator = parseGenerator(genText);
  checkTensorSize(generator, isSimulate ? 4 : isRecover ? 3 : order, '--generator');
  checkMomentsFinite(generator, isSimulate ? 4 : isRecover ? 3 : order, '--generator');
  const otherText = has('other') ? optionText(values, 'other') : undefined;
  const other = otherText !== undefined ? parseGenerator(otherText) : undefined;
  if (other && other.d !== generator.d) throw new SpecError(`--other: d = ${other.d} differs from the generator's d = ${generator.d}`);
  if (other) checkMomentsFinite(other, order, '--other');
  const query: MomentsQuery = {
    generator, other, order, hermiteOrder: num('hermite-order', 24), samples: num('samples', 0), seed, ball: text('ipm-ball', 'per-degree') as IpmBall,
  };
  const experiment: ExperimentSpec = {
    target: generator,
    critic: text('critic', 'all') as ExperimentSpec['critic'],
    constraint: text('constraint', 'clip') as 'clip' | 'gp',
    clip: num('clip', 0.1), gpLambda: num('gp-lambda', 1),
    steps: num('steps', 400), batch: num('batch', 64), criticSteps: num('critic-steps', 3),
    lrGenerator: num('lr-generator', 0.003), lrCritic: num('lr-critic', 0.01), every: num('every', 10),
    gradient: text('gradient', 'sampled') as 'sampled' | 'exact',
    criticScale: text('critic-scale', 'target-rms') as 'target-rms' | 'none',
    initDistance: num('init-distance', 1), hidden: num('hidden', 16), seed,
  };
  if (isSimulate && experiment.gradient === 'exact' && (experiment.critic === 'mlp' || experiment.constraint !== 'clip')) {
    throw new SpecError('--gradient exact needs polynomial critics (--critic poly2|poly3|poly4) with --constraint clip');
  }
  if (isSimulate && experiment.every > experiment.steps) throw new SpecError(`--every ${experiment.every} is above --steps ${experiment.steps}`);
  if (isRecover) checkRecoverable(generator);
  const recovery: RecoverySpec = { generator, sizes: parseSizes(text('sizes', '2000,8000,32000,128000')), trials: num('trials', 3), seed };
  return { query, experiment, recovery };
}

const momentsAction: TheoryAction<MomentsSpec> = {
  verb: 'moments',
  description: 'symbolic moment tensors E[x^⊗k] of a two-layer generator x = A σ(B z), and the moment distance to another',
  standalone: true,
  latex: true,
  cost: (s) => momentsCost(s.query),
  run: (s) => runMoments(s.query),
};

const recoverAction: TheoryAction<MomentsSpec> = {
  verb: 'recover',
  description: 'recover a two-layer generator from the empirical third cumulant tensor (whitening + tensor power iteration); error vs n with fitted rate',
  cost: (s) => recoveryCost(s.recovery),
  run: (s, ctx) => runRecovery(s.recovery, ctx),
};

export const moments: Theory<MomentsSpec> = {
  id: 'moments',
  title: 'Method of moments for two-layer generators (Li & Dou)',
  source: 'Li, Dou, "Making Method of Moments Great Again? — How can GANs learn distributions", arXiv:2003.04033',
  summary: 'Moment tensors of x = A σ(B z) in closed form (Isserlis; Hermite series with error bounds), the moment distance as the IPM of bounded polynomial discriminators, WGAN training that matches low-degree moments first, and recovery from the third cumulant.',
  options,
  parameters: () => [],
  makeSpec,
  describe: (s) => ({ generator: describeGenerator(s.query.generator) }),
  simulate: (s, ctx) => runExperiment(s.experiment, ctx).series,
  simulateCost: (s) => experimentCost(s.experiment),
  figures: (s, ctx): FigureFile[] => experimentFigures(runExperiment(s.experiment, ctx)),
  actions: [momentsAction, recoverAction],
  theorems: momentsTheorems,
};

