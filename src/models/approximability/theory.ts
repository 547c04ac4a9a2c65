// Approximability of discriminators (Bai, Ma, Risteski, ICLR 2019) on the model contract:
// `gandyn ipm` (standalone action) computes a designed class's restricted IPM next to W1 and
// KL; `simulate approximability` runs the E.3 experiment; `figures approximability` draws the
// bound scatters; the theorems check the bounds of E.2 on random pairs.

import type { Theory, OptionField, FigureFile, Series, RunContext } from '../theory.ts';
import { type SpecValues, SpecError, optionNumber, optionText, checkKnownNames } from '../spec-input.ts';
import { Rng } from '../../numeric/index.ts';
import { parseGaussian, parseExpFamily, parseMixture, parseInvertible } from './parse.ts';
import { ipmReport, ipmCost, type IpmSpec } from './ipm.ts';
import { perturbGenerator, type ParameterBox } from './invertible.ts';
import { approximabilityTheorems, boundFigures, type BoundFiguresSpec } from './theorems.ts';
import { runExperiment, experimentCost, type ExperimentSpec } from './experiment.ts';

export type ApproximabilitySpec = IpmSpec | ExperimentSpec | BoundFiguresSpec;

const IPM: readonly string[] = ['ipm'];
const SIM: readonly string[] = ['simulate'];
const ALL: readonly string[] = ['ipm', 'simulate', 'figures'];

const options: OptionField[] = [
  { name: 'class', kind: 'choice', choices: ['gaussian', 'expfamily', 'mixture', 'invertible'], default: 'gaussian', description: 'generator class and its designed discriminators', verbs: IPM },
  { name: 'p', kind: 'text', placeholder: 'P', description: 'first distribution (gaussian: mean=..;cov=..|var=..|sigma=s; expfamily: theta=..; mixture: weights=..;means=..; invertible: seed=N or JSON)', verbs: IPM },
  { name: 'q', kind: 'text', placeholder: 'Q', description: 'second distribution (same format; invertible also seed=N;perturb=s: --p moved by s)', verbs: IPM },
  { name: 'D', kind: 'number', min: 0, max: 1e6, default: '1', placeholder: 'D', description: 'bias bound |b| ≤ D of the ReLU discriminators (gaussian)', verbs: IPM },
  { name: 'R', kind: 'number', min: 0, exclusiveMin: true, max: 1e3, default: '3', placeholder: 'R', description: 'parameter radius: ‖θ‖ ≤ R (expfamily), ‖μ_i‖ ≤ R (mixture)', verbs: IPM },
  { name: 'samples', kind: 'integer', min: 100, max: 1_000_000, default: '20000', placeholder: 'N', description: 'Monte Carlo / test samples (mixture, invertible)', verbs: IPM },
  { name: 'steps', kind: 'integer', min: 0, max: 100_000, default: '60', placeholder: 'K', description: 'optimiser steps of the discriminator (mixture, invertible)', verbs: IPM },
  { name: 'd', kind: 'integer', min: 1, max: 64, default: '2', placeholder: 'd', description: 'dimension of random invertible generators (seed=N)', verbs: IPM },
  { name: 'layers', kind: 'integer', min: 1, max: 8, default: '3', placeholder: 'L', description: 'layers ℓ of invertible generators', verbs: [...IPM, ...SIM] },
  { name: 'delta', kind: 'number', min: 0, exclusiveMin: true, max: 1, default: '0.3', placeholder: 'δ', description: 'latent standard deviations γ_i ∈ [δ, 1]', verbs: [...IPM, ...SIM] },
  { name: 'RW', kind: 'number', min: 1, max: 100, default: '2', placeholder: 'R_W', description: 'singular values of the weights in [1/R_W, R_W]', verbs: [...IPM, ...SIM] },
  { name: 'Rb', kind: 'number', min: 0, max: 100, default: '1', placeholder: 'R_b', description: 'bias norms ‖b_k‖ ≤ R_b', verbs: [...IPM, ...SIM] },
  { name: 'alpha', kind: 'number', min: 0, exclusiveMin: true, max: 1, default: '0.5', placeholder: 'α', description: 'leaky slope of the smoothed leaky ReLU σ', verbs: [...IPM, ...SIM] },
  { name: 'smooth', kind: 'number', min: 0, exclusiveMin: true, max: 10, default: '0.5', placeholder: 's', description: 'smoothing width of σ', verbs: [...IPM, ...SIM] },
  { name: 'dims', kind: 'text', default: '2,4', placeholder: 'D1,D2', description: 'dimensions of the E.3 experiment (2..10)', verbs: SIM },
  { name: 'critic-steps', kind: 'integer', min: 1, max: 100_000, default: '300', placeholder: 'K', description: 'training steps of each fresh test discriminator (restricted class and MLP)', verbs: SIM },
  { name: 'kl-samples', kind: 'integer', min: 100, max: 1_000_000, default: '4000', placeholder: 'N', description: 'Monte Carlo samples of each exact-KL estimate and test set', verbs: SIM },
  { name: 'checkpoints', kind: 'integer', min: 1, max: 1000, default: '8', placeholder: 'C', description: 'evaluations along training (plus the start)', verbs: SIM },
  { name: 'iterations', kind: 'integer', min: 1, max: 100_000, default: '300', placeholder: 'K', description: 'WGAN-GP generator iterations', verbs: SIM },
  { name: 'pairs', kind: 'integer', min: 1, max: 10_000, default: '100', placeholder: 'P', description: 'random pairs per class', verbs: ['figures'] },
  { name: 'perturbed', kind: 'integer', min: 3, max: 1000, default: '10', placeholder: 'P', description: 'perturbed pairs per dimension', verbs: SIM },
  { name: 'seed', kind: 'integer', min: 0, max: 2 ** 31, default: '1', placeholder: 'S', description: 'random seed', verbs: ALL },
];

function makeSpec(values: SpecValues): ApproximabilitySpec {
  checkKnownNames(values.set, [], '--set');
  checkKnownNames(values.init, [], '--init');
  const seed = values.options.has('seed') ? optionNumber(values, 'seed') : 1;
  if (values.options.has('class')) return makeIpmSpec(values, seed);
  if (values.options.has('dims')) {
    const dims = optionText(values, 'dims').split(',').map((t) => {
      const v = Number(t.trim());
      if (!/^\s*\d+\s*$/.test(t) || v < 2 || v > 10) throw new SpecError(`--dims must be a comma list of integers in 2..10, got ${JSON.stringify(t.trim().slice(0, 20))}`);
      return v;
    });
    return {
      kind: 'simulate', dims, layers: optionNumber(values, 'layers'), iterations: optionNumber(values, 'iterations'), pairs: optionNumber(values, 'perturbed'),
      box: box(values), sigma: { alpha: optionNumber(values, 'alpha'), smooth: optionNumber(values, 'smooth') }, seed,
      eval: {
        restrictedSteps: optionNumber(values, 'critic-steps'), mlpSteps: optionNumber(values, 'critic-steps'),
        klSamples: optionNumber(values, 'kl-samples'), test: optionNumber(values, 'kl-samples'), checkpoints: optionNumber(values, 'checkpoints'),
      },
    };
  }
  return { kind: 'figures', pairs: values.options.has('pairs') ? optionNumber(values, 'pairs') : 100, seed };
}

function box(values: SpecValues): ParameterBox {
  return { RW: optionNumber(values, 'RW'), Rb: optionNumber(values, 'Rb'), delta: optionNumber(values, 'delta') };
}

function makeIpmSpec(values: SpecValues, seed: number): IpmSpec {
  const cls = optionText(values, 'class');
  if (!values.options.has('p')) throw new SpecError('--p is required (the first distribution)');
  if (!values.options.has('q')) throw new SpecError('--q is required (the second distribution)');
  const pText = optionText(values, 'p'), qText = optionText(values, 'q');
  const mismatch = (a: number, b: number) => { if (a !== b) throw new SpecError(`--p has dimension ${a} but --q has dimension ${b} (dimension mismatch)`); };
  switch (cls) {
    case 'gaussian': {
      const p = parseGaussian(pText, '--p'), q = parseGaussian(qText, '--q');
      mismatch(p.d, q.d);
      return { kind: 'ipm', cls, p, q, D: optionNumber(values, 'D'), seed };
    }
    case 'expfamily': {
      const R = optionNumber(values, 'R');
      const p = parseExpFamily(pText, '--p', R), q = parseExpFamily(qText, '--q', R);
      mismatch(p.length, q.length);
      return { kind: 'ipm', cls, p, q, R };
    }
    case 'mixture': {
      const R = optionNumber(values, 'R');
      const p = parseMixture(pText, '--p', R), q = parseMixture(qText, '--q', R);
      mismatch(p.d, q.d);
      return { kind: 'ipm', cls, p, q, R, samples: optionNumber(values, 'samples'), steps: optionNumber(values, 'steps'), seed };
    }
    default: {
      const b = box(values);
      const o = { d: optionNumber(values, 'd'), layers: optionNumber(values, 'layers'), box: b, sigma: { alpha: optionNumber(values, 'alpha'), smooth: optionNumber(values, 'smooth') } };
      const p = parseInvertible(pText, '--p', o);
      if ('perturb' in p) throw new SpecError('--p: perturb is only for --q (a perturbation of --p)');
      const q0 = parseInvertible(qText, '--q', o);
      const q = 'perturb' in q0 ? perturbGenerator(p, q0.perturb, new Rng(q0.seed), b) : q0;
      mismatch(p.d, q.d);
      if (p.layers.length !== q.layers.length) throw new SpecError(`--p has ${p.layers.length} layers but --q has ${q.layers.length}`);
      return { kind: 'ipm', cls: 'invertible', p, q, box: b, samples: optionNumber(values, 'samples'), steps: optionNumber(values, 'steps'), seed };
    }
  }
}

function requireKind<K extends ApproximabilitySpec['kind']>(spec: ApproximabilitySpec, kind: K): Extract<ApproximabilitySpec, { kind: K }> {
  if (spec.kind !== kind) throw new SpecError(`internal: expected a ${kind} spec`);
  return spec as Extract<ApproximabilitySpec, { kind: K }>;
}

export const approximability: Theory<ApproximabilitySpec> = {
  id: 'approximability',
  title: 'Approximability of discriminators implies diversity',
  source: 'Y. Bai, T. Ma, A. Risteski, "Approximability of Discriminators Implies Diversity in GANs", ICLR 2019 (arXiv 1806.10586)',
  summary: 'Designed discriminator classes whose IPM is sandwiched between functions of W1 and KL for Gaussians, exponential families, Gaussian mixtures and invertible-network generators: the IPM, W1 and KL side by side, the bounds checked on random pairs, and the E.3 IPM-vs-KL experiment.',
  options,
  parameters: () => [],
  makeSpec,
  describe: (spec) => (spec.kind === 'ipm' ? { class: spec.cls } : spec.kind === 'simulate' ? { dims: spec.dims, iterations: spec.iterations } : { pairs: spec.pairs }),
  simulate: (spec: ApproximabilitySpec, ctx: RunContext): Series => runExperiment(requireKind(spec, 'simulate'), ctx),
  // the CLI also asks it for `figures` (the bound scatters: ~2e7 operations per pair and class, plus the dilemma)
  simulateCost: (spec) => (spec.kind === 'simulate' ? experimentCost(spec) : spec.kind === 'figures' ? 4 * spec.pairs * 2e7 + 2e9 : ipmCost(spec)),
  figures: (spec: ApproximabilitySpec): FigureFile[] => boundFigures(requireKind(spec, 'figures')),
  actions: [{
    verb: 'ipm',
    standalone: true,
    description: 'restricted IPM of a designed discriminator class next to W1, KL and the bound values',
    cost: (spec) => ipmCost(requireKind(spec, 'ipm')),
    run: (spec) => ipmReport(requireKind(spec, 'ipm')),
  }],
  theorems: approximabilityTheorems,
};
