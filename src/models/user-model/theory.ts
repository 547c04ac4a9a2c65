// `user-model`: any online-learning model stated in a model file (docs/user-models.md),
// on the model contract: derive (the overlap ODE), integrate, simulate (finite n), and
// the action check-rate (the rate theorem for this file).

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Theory, ParameterInfo, Derivation, Series, TheoryAction, FigureFile } from '../theory.ts';
import { integrate, EXPECTATION_RULE_TEXT } from '../../compile/index.ts';
import { type System, systemExpectations } from '../../symbolic/index.ts';
import { type Panel, PALETTE, plotPanels } from '../../core/index.ts';
import { type SpecValues, SpecError, checkKnownNames, optionNumber, optionText, single } from '../spec-input.ts';
import { type UserModel, MAX_MODEL_BYTES, ModelFileError, parseModelText } from './model-file.ts';
import { deriveModelOde, deriveModelSde } from './derive.ts';
import { simulateModel, simulationCost } from './simulate.ts';
import { checkRate, rateTheorem } from './rate.ts';
import { perceptronModel } from './builtin.ts';

export interface UserModelSpec {
  readonly path: string;
  readonly model: UserModel;
  readonly params: Readonly<Record<string, number>>;
  readonly initial: ReadonlyMap<string, number>;
  readonly n: number;
  readonly T: number;
  readonly every: number;
  readonly seed: number;
  readonly seeds: number;
  /** Whether derive also gives the per-coordinate SDE. */
  readonly coordinates: boolean;
}

/** Reads and validates --model FILE (regular file, size-limited, JSON). */
export function readModelFile(path: string): UserModel {
  let st;
  try { st = statSync(path); } catch (err) { throw new SpecError(`--model ${path}: cannot read (${(err as NodeJS.ErrnoException).code})`); }
  if (!st.isFile()) throw new SpecError(`--model ${path}: not a regular file`);
  if (st.size > MAX_MODEL_BYTES) throw new SpecError(`--model ${path}: ${st.size} bytes is above the limit ${MAX_MODEL_BYTES}`);
  return parseModelText(readBounded(path, MAX_MODEL_BYTES), 'model');
}

/** The file's text, refusing past `limit` bytes: /proc files say size 0 and may be endless or unreadable. */
function readBounded(path: string, limit: number): string {
  const chunks: Buffer[] = [];
  let total = 0, fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const chunk = Buffer.alloc(65536);
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      total += got;
      if (total > limit) throw new SpecError(`--model ${path}: more than ${limit} bytes, above the limit`);
      chunks.push(chunk.subarray(0, got));
    }
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError(`--model ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function modelOf(values: SpecValues): { path: string; model: UserModel } {
  const path = values.options.get('model');
  if (typeof path !== 'string' || path === '') throw new SpecError('--model FILE is required (a model file, see docs/user-models.md)');
  return { path, model: readModelFile(path) };
}

/** Default initial overlaps: the file's "initial", else 1 for a self-overlap and 0 otherwise. */
export function defaultInitial(model: UserModel): Map<string, number> {
  return new Map(model.state.map((o) => [o.name, model.initial.get(o.name) ?? (o.a === o.b ? 1 : 0)] as const));
}

export function specFromModel(model: UserModel, values: SpecValues, path = ''): UserModelSpec {
  const paramNames = model.params.map((p) => p.name);
  checkKnownNames(values.set, paramNames, '--set');
  const params: Record<string, number> = Object.create(null);
  for (const p of model.params) params[p.name] = single(values.set, p.name, '--set') ?? p.default;
  for (const [k, v] of Object.entries(params)) if (!Number.isFinite(v)) throw new SpecError(`--set ${k} must be finite`);
  const initial = defaultInitial(model);
  checkKnownNames(values.init, model.state.map((o) => o.name), '--init');
  for (const key of values.init.keys()) initial.set(key, single(values.init, key, '--init')!);
  const num = (name: string, fallback: number) => (values.options.has(name) ? optionNumber(values, name) : fallback);
  return { path, model, params, initial, n: num('n', 500), T: num('T', 5), every: num('every', 0.25), seed: num('seed', 1), seeds: num('seeds', 4),
    coordinates: values.options.get('coordinates') === 'yes' };
}

/** The label's note on numeric expectations: how many, and the rule (their definitions: expectationText/Latex/Json). */
export function numericNote(ode: System): string {
  const list = systemExpectations(ode);
  if (!list.length) return '';
  return `; ${list[0].name}..${list[list.length - 1].name} (${list.length}) are numeric Gaussian expectations, not closed forms: ${EXPECTATION_RULE_TEXT}`;
}

function derive(spec: UserModelSpec): Derivation {
  const ode = deriveModelOde(spec.model);
  return {
    ode,
    odeLabel: `overlap ODE (n -> infinity, t = steps/n) of ${spec.model.title}${numericNote(ode)}`,
    ...(spec.coordinates ? {
      sde: deriveModelSde(spec.model),
      sdeLabel: 'per-coordinate SDE (McKean-Vlasov; rescaled coordinates x_i = sqrt(n) e_i.x of every vector; dB a Brownian motion; the overlaps are moments of their law)',
    } : {}),
    params: spec.params,
    initial: ode.state.map((s) => spec.initial.get(s)!),
  };
}

function simulate(spec: UserModelSpec, ctx: { onProgress?: (f: number, label: string) => void }): Series {
  const run = simulateModel(spec.model, spec.params, spec.initial, {
    n: spec.n, T: spec.T, every: spec.every, seeds: [spec.seed],
    onTick: ctx.onProgress ? (t) => ctx.onProgress!(t / spec.T, `t = ${t.toFixed(2)} of ${spec.T}`) : undefined,
  });
  const series: Record<string, number[]> = {};
  run.state.forEach((name, k) => { series[name] = run.runs[0].map((row) => row[k]); });
  return { t: run.t, series, extra: { n: spec.n, seed: spec.seed } };
}

/** The ODE (lines) with simulation dots at n/4 and n (one seed), and the equations as LaTeX. */
function figures(spec: UserModelSpec, ctx: { onProgress?: (f: number, label: string) => void }): FigureFile[] {
  const ode = deriveModelOde(spec.model);
  const times = Array.from({ length: 81 }, (_, i) => (i * spec.T) / 80);
  const traj = integrate(ode, {
    params: spec.params, initial: [Object.fromEntries(ode.state.map((s) => [s, spec.initial.get(s)!]))], t1: spec.T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times,
  }).named();
  const rows = spec.model.vectors.reduce((s, v) => s + v.size, 0);
  const sizes = [Math.max(rows, Math.round(spec.n / 4)), spec.n];
  const sims = sizes.map((n, j) => {
    ctx.onProgress?.(j / 2, `simulating n = ${n}`);
    return simulateModel(spec.model, spec.params, spec.initial, { n, T: spec.T, every: spec.every, seeds: [spec.seed] });
  });
  const shown = ode.state.slice(0, PALETTE.length);
  const panel: Panel = {
    title: spec.model.title, xLabel: 't', yLabel: 'overlap',
    series: shown.flatMap((s, i) => [
      { label: `${s} ODE`, x: traj.t, y: traj.series[s], color: PALETTE[i] },
      ...sims.map((sim, j) => ({
        label: `${s} n = ${sizes[j]}`, x: sim.t, y: sim.runs[0].map((row) => row[ode.state.indexOf(s)]), color: PALETTE[i],
        style: 'dots' as const, radius: j === 0 ? 2 : 3.2, opacity: j === 0 ? 0.45 : 0.9,
      })),
    ]),
  };
  const svg = plotPanels([panel], { width: 720, height: 440, title: `derived ODE (lines), simulation at n = ${sizes[0]} (small dots) and ${sizes[1]} (large dots), seed ${spec.seed}` });
  return [
    { name: 'overlaps.svg', svg, caption: `${spec.model.title}: derived ODE against finite-n simulation${ode.state.length > shown.length ? ` (first ${shown.length} of ${ode.state.length} overlaps)` : ''}` },
  ];
}

const RATE_NS = (n: number) => [n, 4 * n, 16 * n];

const checkRateAction: TheoryAction<UserModelSpec> = {
  verb: 'check-rate',
  description: 'the rate theorem for this model file: max_t |sim - ODE| against n = N, 4N, 16N (seed-averaged); fitted log-log slope in [-0.75, -0.25]',
  cost: (spec) => RATE_NS(spec.n).reduce((s, n) => s + simulationCost(spec.model, { n, T: spec.T, seeds: spec.seeds }), 0),
  run(spec) {
    const r = checkRate(spec.model, spec.params, spec.initial, { ns: RATE_NS(spec.n), T: spec.T, every: spec.every, seeds: spec.seeds, seed: spec.seed });
    const lines = [
      `rate theorem for ${spec.model.title}: ${r.passed ? 'PASSED' : 'FAILED'}`,
      ...r.ns.map((n, i) => `  n = ${n}: mean max_t |sim - ODE| = ${r.errors[i].toExponential(3)} (± ${r.standardErrors[i].toExponential(1)}, ${spec.seeds} seeds)`),
      `  fitted slope ${r.slope.toFixed(3)} (expected in [-0.75, -0.25]; n^{-1/2} fluctuations give -0.5)`,
    ];
    return { details: { ...r, T: spec.T, seeds: spec.seeds }, lines };
  },
};

const perceptron = perceptronModel();

export const userModel: Theory<UserModelSpec> = {
  id: 'user-model',
  title: 'Your own online-learning model, from a model file',
  source: 'docs/user-models.md (mean-field limit of online SGD in high dimension; Saad & Solla 1995, Biehl & Schwarze 1995, Wang, Hu & Lu 2019)',
  summary: 'Reads a model file (vectors, fresh Gaussian inputs, fields, update) and derives the overlap ODE to O(1/n), integrates it, and simulates the update at finite n.',
  options: [
    { name: 'model', kind: 'text', placeholder: 'FILE', description: 'the model file (JSON; docs/user-models.md)' },
    { name: 'coordinates', kind: 'choice', choices: ['no', 'yes'], default: 'no', placeholder: 'yes|no', description: 'also derive the per-coordinate SDE (McKean-Vlasov limit)', verbs: ['derive'] },
    { name: 'n', kind: 'integer', min: 4, max: 100_000, default: '500', placeholder: 'N', description: 'dimension of the finite system', verbs: ['simulate', 'figures'] },
    { name: 'n', kind: 'integer', min: 4, max: 10_000, default: '50', placeholder: 'N', description: 'the smallest dimension: runs at N, 4N, 16N', verbs: ['check-rate'] },
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 1e4, default: '5', placeholder: 'T', description: 'end time (t = steps / n)', verbs: ['simulate', 'figures'] },
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 1e4, default: '1', placeholder: 'T', description: 'end time (t = steps / n)', verbs: ['check-rate'] },
    { name: 'every', kind: 'number', min: 0, exclusiveMin: true, max: 1e4, default: '0.25', placeholder: 'dt', description: 'recording interval in units of t', verbs: ['simulate', 'figures'] },
    { name: 'every', kind: 'number', min: 0, exclusiveMin: true, max: 1e4, default: '0.125', placeholder: 'dt', description: 'recording interval in units of t', verbs: ['check-rate'] },
    { name: 'seed', kind: 'integer', min: 0, max: 1_000_000, default: '1', placeholder: 'S', description: 'seed of the simulation', verbs: ['simulate', 'figures', 'check-rate'] },
    { name: 'seeds', kind: 'integer', min: 2, max: 64, default: '8', placeholder: 'K', description: 'seeds per n', verbs: ['check-rate'] },
  ],
  parameters(values): ParameterInfo[] {
    if (typeof values.options.get('model') !== 'string') return [];
    const { model } = modelOf(values);
    return model.params.map((p) => ({ name: p.name, description: 'parameter of the model file', default: p.default }));
  },
  initialValues(values): ParameterInfo[] {
    if (typeof values.options.get('model') !== 'string') return [];
    const { model } = modelOf(values);
    const init = defaultInitial(model);
    return model.state.map((o) => ({ name: o.name, description: `initial overlap of ${o.a} and ${o.b}`, default: init.get(o.name)! }));
  },
  makeSpec(values) {
    const { path, model } = modelOf(values);
    optionText(values, 'model');
    return specFromModel(model, values, path);
  },
  describe(spec) {
    return { model: spec.path, title: spec.model.title, state: spec.model.state.map((o) => o.name), params: spec.params };
  },
  derive,
  integrateDefaults: { T: 10, every: 0.5 },
  simulate,
  figures,
  simulateCost: (spec) => simulationCost(spec.model, { n: spec.n, T: spec.T, seeds: 1 }),
  actions: [checkRateAction],
  theorems: [rateTheorem('user-model-perceptron-rate', 'perceptron teacher–student (erf): finite-n simulation → derived ODE at rate n^{-1/2}', perceptron,
    new Map([['Q', 0.5], ['R', 0.1]]), { ns: [50, 200, 800], T: 1, every: 0.125, seeds: 8, seed: 7 })],
};

export { ModelFileError };
