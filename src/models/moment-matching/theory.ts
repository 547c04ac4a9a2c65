// The two-moment critic GAN (the tour's model) on the model contract: data N(mu, sigma²),
// generator G(z) = theta + s z, critic D(x) = a x + b x²/2 with weight decay gamma.

import type { Theory, Derivation, Series, PhaseReport } from '../theory.ts';
import { type SpecValues, SpecError, checkKnownNames, optionNumber, single } from '../spec-input.ts';
import { fixedPoints } from '../../compile/index.ts';
import { deriveQuadraticCriticGan, simulateQuadraticCriticSgd, STATE, PARAMS } from './quadratic-critic.ts';
import { quadraticCriticTheorems } from './theorems.ts';

export interface QuadraticCriticRun {
  readonly params: { mu: number; sigma: number; gamma: number; eta: number };
  /** Initial (a, b, theta, s). */
  readonly initial: readonly number[];
  readonly T: number;
  readonly dt: number;
  readonly batch: number;
  readonly every: number;
  readonly seed: number;
}

const DEFAULT_PARAMS = { mu: 1, sigma: 0.5, gamma: 0.5, eta: 1 };
const DEFAULT_INITIAL = { a: 0.2, b: -0.3, theta: -1, s: 1.5 };

function makeSpec(values: SpecValues): QuadraticCriticRun {
  checkKnownNames(values.set, PARAMS, '--set');
  checkKnownNames(values.init, STATE, '--init');
  const params = { ...DEFAULT_PARAMS };
  for (const k of PARAMS) {
    const v = single(values.set, k, '--set');
    if (v !== undefined) params[k] = v;
  }
  if (!(params.sigma > 0)) throw new SpecError(`--set sigma must be positive, got ${params.sigma}`);
  if (!(params.gamma >= 0)) throw new SpecError(`--set gamma must be non-negative, got ${params.gamma}`);
  if (!(params.eta > 0)) throw new SpecError(`--set eta must be positive, got ${params.eta}`);
  const init = { ...DEFAULT_INITIAL };
  for (const k of STATE) {
    const v = single(values.init, k, '--init');
    if (v !== undefined) init[k] = v;
  }
  const num = (k: string, fallback: number) => (values.options.has(k) ? optionNumber(values, k) : fallback);
  const T = num('T', 5), dt = num('dt', 1e-3), every = num('every', 0.1);
  const steps = T / dt;
  if (steps > 1e8) throw new SpecError(`--T / --dt = ${steps.toExponential(1)} steps is above the limit 1e8`);
  const recordEvery = Math.round(every / dt);
  if (recordEvery < 1 || Math.abs(recordEvery * dt - every) > 1e-9 * every) throw new SpecError(`--every must be a whole number of --dt steps, got ${every} / ${dt}`);
  return { params, initial: STATE.map((k) => init[k]), T, dt, batch: num('batch', 16), every, seed: num('seed', 1) };
}

function derive(spec: QuadraticCriticRun): Derivation {
  return {
    ode: deriveQuadraticCriticGan().system,
    odeLabel: 'population gradient flow: the critic ascends L, the generator descends it at speed eta',
    params: spec.params,
    initial: spec.initial,
  };
}

function simulate(spec: QuadraticCriticRun): Series {
  const run = simulateQuadraticCriticSgd(spec.params, spec.initial, {
    t1: spec.T, dt: spec.dt, batch: spec.batch, seed: spec.seed, recordEvery: Math.round(spec.every / spec.dt),
  });
  return { t: run.t, series: Object.fromEntries(STATE.map((k, c) => [k, run.states.map((s) => s[c])])) };
}

function phase(spec: QuadraticCriticRun): PhaseReport {
  const sys = deriveQuadraticCriticGan().system;
  const fps = fixedPoints(sys, spec.params, { starts: { lower: [-1, -1, -2, 0.1], upper: [1, 1, 2, 2], count: 24, seed: 1 } });
  const matched = fps.find((fp) => Math.abs(fp.x[2] - spec.params.mu) < 1e-9 && Math.abs(fp.x[3] - spec.params.sigma) < 1e-9);
  const phaseName = matched?.kind.startsWith('stable') ? 'moments-matched' : 'not-matched';
  const fmt = (v: number) => (Math.abs(v) < 1e-12 ? 0 : v).toPrecision(4);
  return {
    phase: phaseName,
    details: {
      phase: phaseName,
      fixedPoints: fps.map((fp) => ({ state: Object.fromEntries(STATE.map((k, i) => [k, fp.x[i]])), kind: fp.kind, eigenvalues: fp.eigenvalues, residual: fp.residual })),
    },
    lines: [
      `phase: ${phaseName}   (the generator matching mean and standard deviation is ${matched ? matched.kind : 'not a fixed point found'})`,
      ...fps.map((fp) => `  (a, b, theta, s) = (${Array.from(fp.x, fmt).join(', ')}): ${fp.kind}`),
    ],
  };
}

export const quadraticCritic: Theory<QuadraticCriticRun> = {
  id: 'quadratic-critic',
  title: 'Two-moment critic GAN (the method of moments in its smallest form)',
  source: 'Toy model after Y. Li, Z. Dou, "Making Method of Moments Great Again? How can GANs learn distributions" (2020)',
  summary: 'A quadratic critic sees only the first two moments, so training drives a Gaussian generator to match exactly those; the flow is derived by symbolic Gaussian expectation and differentiation.',
  options: [
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 1e5, default: '5', placeholder: 'T', description: 'end time', verbs: ['simulate'] },
    { name: 'dt', kind: 'number', min: 0, exclusiveMin: true, max: 1, default: '0.001', placeholder: 'dt', description: 'SGD step', verbs: ['simulate'] },
    { name: 'every', kind: 'number', min: 0, exclusiveMin: true, default: '0.1', placeholder: 'dt', description: 'recording interval', verbs: ['simulate'] },
    { name: 'batch', kind: 'integer', min: 1, max: 100_000, default: '16', placeholder: 'B', description: 'real and fake samples per step', verbs: ['simulate'] },
    { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'seed of the samples', verbs: ['simulate'] },
  ],
  parameters: () => [
    { name: 'mu', description: 'mean of the data', default: DEFAULT_PARAMS.mu },
    { name: 'sigma', description: 'standard deviation of the data', default: DEFAULT_PARAMS.sigma },
    { name: 'gamma', description: 'weight decay of the critic', default: DEFAULT_PARAMS.gamma },
    { name: 'eta', description: 'generator speed relative to the critic', default: DEFAULT_PARAMS.eta },
  ],
  initialValues: () => STATE.map((k) => ({ name: k, description: `initial ${k}`, default: DEFAULT_INITIAL[k] })),
  makeSpec,
  describe: (spec) => ({ ...spec.params }),
  derive,
  integrateDefaults: { T: 20, every: 1 },
  simulate,
  simulateCost: (spec) => (spec.T / spec.dt) * spec.batch * 20,
  phase,
  theorems: quadraticCriticTheorems,
};
