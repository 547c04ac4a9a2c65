// The solvable high-dimensional GAN (Wang, Hu & Lu) on the model contract.

import type { Theory, ParameterInfo, Derivation, Series, PhaseReport, FigureFile } from '../theory.ts';
import {
  type SpecValues, SpecError as InputSpecError, checkKnownNames, optionNumber, optionText, single,
} from '../spec-input.ts';
import { deriveCoordinateSde, deriveOverlapOde } from './derive.ts';
import { classifyPhase } from './phase.ts';
import { simulateSgd } from './simulate.ts';
import {
  type Normalization, type Overlaps, type SolvableGanSpec, defaultInit, defaultSpec, entryName, paramValues,
  overlapsRecord, stateNames, validateOverlaps, validateSpec, vectorEntryName,
} from './spec.ts';
import { odeTrajectory } from './checks.ts';
import { type Panel, PALETTE, plotPanels } from '../../core/index.ts';
import { theorem as convergence } from './theorems/convergence.ts';
import { theorem as phases } from './theorems/phases.ts';

export interface SolvableGanRun {
  readonly model: SolvableGanSpec;
  readonly init: Overlaps;
  /** Ambient dimension, end time, recording interval and seed of `simulate`. */
  readonly n: number;
  readonly T: number;
  readonly every: number;
  readonly seed: number;
  /**
   * How `simulate` draws the noise vectors (SimulateOptions.noise): 'full', the literal
   * loop (2n normals per step), or 'projected' (n + 2 normals per step), which gives the
   * overlaps the same law (test/models/solvable-gan/noise-law.test.ts) and runs faster.
   */
  readonly noise: 'full' | 'projected';
}

const SCALARS = ['tau', 'tau_g', 'eta_T', 'eta_G'] as const;

function modelOf(values: SpecValues): SolvableGanSpec {
  const d = optionNumber(values, 'd');
  const spec: SolvableGanSpec = { ...defaultSpec(d), normalization: optionText(values, 'normalization') as Normalization };
  const set = values.set;
  checkKnownNames(set, [...SCALARS, 'lambda', 'lambda_g', 'eta'], '--set');
  const eta = single(set, 'eta', '--set');
  if (eta !== undefined) {
    const both = (['eta_T', 'eta_G'] as const).filter((k) => set.has(k));
    if (both.length) throw new InputSpecError(`--set eta sets eta_T and eta_G: drop ${both.join(' and ')} or eta`);
    spec.eta_T = spec.eta_G = eta;
  }
  for (const key of SCALARS) {
    const v = single(set, key, '--set');
    if (v !== undefined) spec[key] = v;
  }
  for (const key of ['lambda', 'lambda_g'] as const) {
    const v = set.get(key);
    if (v === undefined) continue;
    if (v.length !== d) throw new InputSpecError(`--set ${key} needs ${d} value(s) for d = ${d}, got ${v.length}`);
    spec[key] = [...v];
  }
  return validateSpec(spec);
}

function initOf(values: SpecValues, d: number): Overlaps {
  const init = defaultInit(d);
  const names = stateNames(d);
  checkKnownNames(values.init, names, '--init');
  let rGiven = false;
  for (const key of values.init.keys()) {
    const v = single(values.init, key, '--init')!;
    for (let j = 0; j < d; j++) {
      if (vectorEntryName('q', j, d) === key) init.q[j] = v;
      if (vectorEntryName('r', j, d) === key) { init.r[j] = v; rGiven = true; }
      for (let l = 0; l < d; l++) {
        if (entryName('P', j, l, d) === key) init.P[j][l] = v;
        if (l > j && entryName('S', j, l, d) === key) init.S[j][l] = init.S[l][j] = v;
      }
    }
  }
  // default r = Pᵀq, as in the follow-up code's initial condition
  if (!rGiven) for (let l = 0; l < d; l++) init.r[l] = init.P.reduce((s, row, j) => s + row[l] * init.q[j], 0);
  return validateOverlaps(init, d);
}

function overlapsTable(init: Overlaps, d: number): ParameterInfo[] {
  const rec = overlapsRecord(init, d);
  return stateNames(d).map((name) => ({ name, description: `initial overlap ${name}`, default: rec[name] }));
}

function derive(spec: SolvableGanRun): Derivation {
  const { d, normalization } = spec.model;
  const ode = deriveOverlapOde(d, normalization);
  const rec = overlapsRecord(spec.init, d);
  return {
    ode,
    odeLabel: `macroscopic ODE (n -> infinity), d = ${d}, ${normalization} normalisation`,
    sde: deriveCoordinateSde(d, normalization),
    sdeLabel: 'per-coordinate SDE (McKean-Vlasov; rescaled coordinates of U, V, w; dB a Brownian motion; P, q, r are moments of their law)',
    params: paramValues(spec.model),
    initial: ode.state.map((s) => rec[s]),
  };
}

function simulate(spec: SolvableGanRun, ctx: { onProgress?: (f: number, label: string) => void }): Series {
  const run = simulateSgd(spec.model, spec.init, {
    n: spec.n, T: spec.T, seed: spec.seed, recordEvery: spec.every, noise: spec.noise,
    onTick: ctx.onProgress ? (t) => ctx.onProgress!(t / spec.T, `t = ${t.toFixed(2)} of ${spec.T}`) : undefined,
  });
  return { t: run.t, series: run.series };
}

function phase(spec: SolvableGanRun): PhaseReport {
  const v = classifyPhase(spec.model, spec.init);
  const numbers = [v.kappa, ...v.features.flatMap((f) => [f.trace, f.criticalOverlapSquared])];
  if (!numbers.every(Number.isFinite)) {
    throw new InputSpecError(`the linearisation is degenerate at these parameters (trace, P_c^2 or kappa is ${numbers.find((x) => !Number.isFinite(x))}): `
      + `tau = ${spec.model.tau}, eta_T = ${spec.model.eta_T}, eta_G = ${spec.model.eta_G} (tau = 0 or overflowing values have no phase)`);
  }
  const lines = [`phase: ${v.phase}   (kappa = tau^2 (eta_T^2 + eta_G^2)/2 = ${v.kappa.toPrecision(4)})`];
  v.features.forEach((f, i) => {
    lines.push(`  feature ${i + 1} (lambda = ${spec.model.lambda[i]}): ${f.recovered ? 'recovered' : 'lost'}; `
      + `trace ${f.trace.toPrecision(3)}, P_c ${f.criticalOverlapSquared > 0 ? f.criticalOverlap.toPrecision(3) : `none (P_c^2 = ${f.criticalOverlapSquared.toPrecision(3)})`}${f.oscillates ? ', oscillates' : ''}`);
  });
  return {
    phase: v.phase,
    details: {
      phase: v.phase, recovered: v.recovered, kappa: v.kappa,
      features: v.features.map((f) => ({
        trace: f.trace, criticalOverlap: f.criticalOverlap, criticalOverlapSquared: f.criticalOverlapSquared,
        recovered: f.recovered, oscillates: f.oscillates,
      })),
    },
    lines,
  };
}

/** The diagonal overlaps P_ii and q_i: the derived ODE (lines) against one SGD run (dots). */
function figures(spec: SolvableGanRun, ctx: { onProgress?: (f: number, label: string) => void }): FigureFile[] {
  const d = spec.model.d;
  const ode = odeTrajectory(spec.model, spec.init, spec.T, spec.every);
  const sgd = simulate(spec, ctx);
  const names = [...Array.from({ length: d }, (_, j) => entryName('P', j, j, d)), ...Array.from({ length: d }, (_, j) => vectorEntryName('q', j, d))];
  const panels: Panel[] = names.map((name, k) => ({
    title: name,
    xLabel: 't',
    yLabel: name,
    series: [
      { label: 'ODE (n → ∞)', x: ode.t, y: ode.series[name], color: PALETTE[k % PALETTE.length] },
      { label: 'SGD (finite n)', x: sgd.t, y: sgd.series[name], color: PALETTE[k % PALETTE.length], style: 'dots' },
    ],
  }));
  return [{
    name: 'overlaps.svg',
    svg: plotPanels(panels, { columns: Math.min(names.length, 2), width: 420, title: `solvable GAN, d = ${d}: derived ODE (lines) vs online SGD at n = ${spec.n}, seed ${spec.seed} (dots)` }),
    caption: `Overlaps P_ii and q_i: the derived ODE against one SGD run at n = ${spec.n}.`,
  }];
}

export const solvableGan: Theory<SolvableGanRun> = {
  id: 'solvable-gan',
  title: 'Solvable high-dimensional GAN',
  source: 'C. Wang, H. Hu, Y. M. Lu, "A Solvable High-Dimensional Model of GAN", NeurIPS 2019',
  summary: 'Online SGD of a linear generator and discriminator in dimension n; as n → ∞ the overlaps P, q, r, S follow a deterministic ODE and each coordinate an SDE.',
  options: [
    { name: 'd', kind: 'integer', min: 1, max: 8, default: '1', placeholder: 'D', description: 'number of features (the derivation is symbolic: 1..8)', verbs: ['derive', 'integrate', 'phase', 'figures'] },
    { name: 'd', kind: 'integer', min: 1, max: 64, default: '1', placeholder: 'D', description: 'number of features', verbs: ['simulate'] },
    { name: 'normalization', kind: 'choice', choices: ['column', 'oja'], default: 'column', placeholder: 'kind', description: 'generator-step normalisation: column or oja' },
    { name: 'n', kind: 'integer', min: 3, max: 1_000_000, default: '1000', placeholder: 'N', description: 'dimension of the finite system', verbs: ['simulate', 'figures'] },
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 1e5, default: '100', placeholder: 'T', description: 'end time (t = steps / n)', verbs: ['simulate', 'figures'] },
    { name: 'every', kind: 'number', min: 0, exclusiveMin: true, max: 1e5, default: '1', placeholder: 'dt', description: 'recording interval in units of t', verbs: ['simulate', 'figures'] },
    { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'seed of the simulation', verbs: ['simulate', 'figures'] },
    { name: 'noise', kind: 'choice', choices: ['full', 'projected'], default: 'full', placeholder: 'mode', description: 'SGD noise vectors: full (2n normals per step) or projected (n + 2; the same law for the overlaps, faster)', verbs: ['simulate', 'figures'] },
  ],
  parameters(options) {
    const d = optionNumber(options, 'd');
    const s = defaultSpec(d);
    return [
      { name: 'tau', description: 'discriminator learning rate τ (step τ/n)', default: s.tau },
      { name: 'tau_g', description: 'generator learning rate τ̃ (step τ̃/n)', default: s.tau_g },
      { name: 'lambda', description: `variances of the ${d} real feature(s)`, default: s.lambda },
      { name: 'lambda_g', description: `variances of the ${d} latent feature(s)`, default: s.lambda_g },
      { name: 'eta_T', description: 'background-noise variance of real data', default: s.eta_T },
      { name: 'eta_G', description: 'background-noise variance of generated data', default: s.eta_G },
      { name: 'eta', description: 'sets eta_T and eta_G together', default: s.eta_T },
    ];
  },
  initialValues(options) {
    const d = optionNumber(options, 'd');
    return overlapsTable(defaultInit(d), d);
  },
  makeSpec(values) {
    const model = modelOf(values);
    const init = initOf(values, model.d);
    const num = (k: string, fallback: number) => (values.options.has(k) ? optionNumber(values, k) : fallback);
    const n = num('n', 1000);
    if (n < 2 * model.d + 1) throw new InputSpecError(`--n must be at least 2d + 1 = ${2 * model.d + 1} for d = ${model.d}, got ${n}`);
    const noise = values.options.has('noise') ? optionText(values, 'noise') : 'full';
    if (noise !== 'full' && noise !== 'projected') throw new InputSpecError(`--noise must be full or projected, got '${noise}'`);
    return { model, init, n, T: num('T', 100), every: num('every', 1), seed: num('seed', 1), noise };
  },
  describe: (spec) => ({ ...paramValues(spec.model), d: spec.model.d, normalization: spec.model.normalization }),
  derive,
  integrateDefaults: { T: 100, every: 1 },
  simulate,
  // one SGD step costs about 12 n d flops; T·n steps
  simulateCost: (spec) => 12 * spec.n * spec.model.d * spec.T * spec.n,
  phase,
  figures,
  theorems: [convergence, phases],
};
