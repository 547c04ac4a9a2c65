// The rate theorem for any model file: the finite-n simulation approaches the derived
// ODE as n grows, max_t |sim − ODE| ~ n^{-1/2} (fluctuations of the overlaps), so the
// fitted log-log slope of the seed-averaged error against n lies in [−0.75, −0.25].

import { basename } from 'node:path';
import { integrate } from '../../compile/index.ts';
import { ArgumentError, type CheckOptions, type Theorem, type Verdict } from '../../core/index.ts';
import { logLogFit } from '../../numeric/index.ts';
import type { System } from '../../symbolic/index.ts';
import type { UserModel } from './model-file.ts';
import type { UserModelSpec } from './theory.ts';
import { simulateModel, simulationCost } from './simulate.ts';
import { deriveModelOde } from './derive.ts';

export interface RateOptions {
  readonly ns: readonly number[];
  readonly T: number;
  readonly every: number;
  readonly seeds: number;
  readonly seed: number;
  /** Told the fraction of the simulation work done (by estimated operations) and what runs. */
  readonly onProgress?: (fraction: number, what: string) => void;
}

export interface RateResult {
  readonly ns: number[];
  /** Mean over seeds of max_t max_state |sim − ODE|. */
  readonly errors: number[];
  /** Standard error of each mean. */
  readonly standardErrors: number[];
  readonly slope: number;
  /** Standard error of the slope propagated from the per-n standard errors (delta method). */
  readonly slopeStdErr: number;
  readonly passed: boolean;
}

/** Where the fitted slope must lie: n^{-1/2} with room for the finite-n bias and the seed noise. */
export const SLOPE_INTERVAL = [-0.75, -0.25] as const;

/**
 * The ladder `gandyn verify --model` runs: n, T and the recording interval of the check-rate
 * action's defaults (n = 50, 200, 800; T = 1; every 0.125), with 16 seeds per n instead of 8.
 * Over 60 base seeds the slope's standard deviation was 0.10 for Oja's PCA with 8 seeds and
 * 0.06 with 16 (at most 0.08 with 8 on the other shipped examples), so 16 keeps a correct model
 * more than three standard deviations inside the interval. 0.2–3 s per shipped example.
 */
export const RATE_DEFAULTS: RateOptions = { ns: [50, 200, 800], T: 1, every: 0.125, seeds: 16, seed: 1 };

/** Fewest seeds per n, whatever the effort. */
const MIN_SEEDS = 6;
/** Most seeds per n and most values of n: each run's seed is (base · 16 + index of n) · 4096 + k. */
const MAX_SEEDS = 4096, MAX_NS = 16;
/** Base seeds are taken modulo 2^36, so that every run's seed is a safe integer. */
const SEED_MODULUS = 2 ** 36;
/** Relative tolerance of the ODE run: its error stays orders of magnitude below the simulation's fluctuations. */
const ODE_RTOL = 1e-8;

/** Least-squares slope of log y against log x. */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  return logLogFit(x, y).slope;
}

function checkLadder(o: RateOptions): void {
  if (o.ns.length < 2 || o.ns.length > MAX_NS) throw new ArgumentError(`rate theorem: between 2 and ${MAX_NS} values of n, got ${o.ns.length}`);
  if (!Number.isInteger(o.seeds) || o.seeds < 2 || o.seeds > MAX_SEEDS) throw new ArgumentError(`rate theorem: seeds per n must be an integer in 2..${MAX_SEEDS}, got ${o.seeds}`);
  if (!(o.T >= o.every && o.every > 0)) throw new ArgumentError(`rate theorem: T (${o.T}) must be at least the recording interval (${o.every})`);
}

function runSeeds(o: RateOptions, ni: number): number[] {
  const base = ((o.seed % SEED_MODULUS) * MAX_NS + ni) * MAX_SEEDS;
  return Array.from({ length: o.seeds }, (_, s) => base + s);
}

/** The work estimate of checkRate (elementary operations, as simulationCost). */
export function rateCost(model: UserModel, o: Pick<RateOptions, 'ns' | 'T' | 'seeds'>): number {
  return o.ns.reduce((s, n) => s + simulationCost(model, { n, T: o.T, seeds: o.seeds }), 0);
}

/** The model's state overlaps are exactly the ODE's state (in any order). */
function checkSameState(model: UserModel, ode: System): void {
  const names = model.state.map((s) => s.name);
  if (names.length !== ode.state.length || !names.every((s) => ode.state.includes(s))) {
    throw new ArgumentError(`rate theorem: the ODE's state (${ode.state.join(', ')}) is not the model's overlaps (${names.join(', ')})`);
  }
}

export function checkRate(
  model: UserModel, params: Readonly<Record<string, number>>, initial: ReadonlyMap<string, number>, o: RateOptions, ode: System = deriveModelOde(model),
): RateResult {
  checkLadder(o);
  checkSameState(model, ode);
  const odeInitial = [Object.fromEntries(ode.state.map((s) => [s, initial.get(s)!]))];
  const work = o.ns.map((n) => simulationCost(model, { n, T: o.T, seeds: o.seeds }));
  const total = work.reduce((a, b) => a + b, 0);
  let done = 0;
  const sims = o.ns.map((n, ni) => {
    const label = `n = ${n} (${o.seeds} seeds)`;
    o.onProgress?.(done / total, label);
    const sim = simulateModel(model, params, initial, {
      n, T: o.T, every: o.every, seeds: runSeeds(o, ni),
      onTick: o.onProgress ? (t) => o.onProgress!((done + (work[ni] * t) / o.T) / total, label) : undefined,
    });
    done += work[ni];
    return sim;
  });
  // each simulation records after whole steps (t = steps/n): one ODE run, read at all those times;
  // its error (~rtol) is far below the smallest simulation error (~1e-2 at n = 800)
  const times = [...new Set(sims.flatMap((s) => s.t))].sort((a, b) => a - b);
  const row = new Map(times.map((t, i) => [t, i] as const));
  const traj = integrate(ode, { params, initial: odeInitial, t1: times[times.length - 1], method: 'dopri5', rtol: ODE_RTOL, atol: ODE_RTOL / 100, record: times }).named();
  const errors: number[] = [], standardErrors: number[] = [];
  for (const sim of sims) {
    const perSeed = sim.runs.map((run) => {
      let worst = 0;
      run.forEach((values, r) => {
        const at = row.get(sim.t[r])!;
        sim.state.forEach((name, k) => { worst = Math.max(worst, Math.abs(values[k] - traj.series[name][at])); });
      });
      return worst;
    });
    const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    const sd = Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, perSeed.length - 1));
    errors.push(mean);
    standardErrors.push(sd / Math.sqrt(perSeed.length));
  }
  o.onProgress?.(1, 'done');
  const slope = logLogSlope(o.ns, errors);
  const lx = o.ns.map(Math.log), mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const sxx = lx.reduce((a, v) => a + (v - mx) ** 2, 0);
  const slopeStdErr = Math.sqrt(lx.reduce((a, v, i) => a + (((v - mx) / sxx) * (standardErrors[i] / errors[i])) ** 2, 0));
  const passed = slope >= SLOPE_INTERVAL[0] && slope <= SLOPE_INTERVAL[1];
  return { ns: [...o.ns], errors, standardErrors, slope, slopeStdErr, passed };
}

/** What the rate theorem for one model is about. */
export interface ModelRateInput {
  readonly id: string;
  /** Plain text (control characters are dropped). */
  readonly title: string;
  readonly model: UserModel;
  readonly params: Readonly<Record<string, number>>;
  readonly initial: ReadonlyMap<string, number>;
  /** Default RATE_DEFAULTS; `seed` is used when check() is given none. */
  readonly options?: RateOptions;
  /** The ODE the simulation is held against: by default the one derived from the model; a hand derivation can be checked in its place. */
  readonly ode?: System;
  readonly source?: string;
}

/** A rate theorem that also says how much work it is and can check its inputs before running. */
export interface RateTheorem extends Theorem {
  /** Seeds per n at this effort. */
  seedsAt(effort?: number): number;
  /** Estimated elementary operations of check(o) (the simulations; the ODE is cheap). */
  cost(o?: CheckOptions): number;
  /** Derives the ODE (kept for check) and builds the initial vectors once: an InputError here means bad input, not a failed theorem. */
  prepare(): void;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text for KaTeX's \text{...}: its special characters escaped, control characters dropped. */
function latexText(s: string): string {
  const map: Record<string, string> = {
    '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', $: '\\$', '%': '\\%', '&': '\\&', '#': '\\#', _: '\\_', '^': '\\textasciicircum{}', '~': '\\textasciitilde{}',
  };
  return s.replace(CONTROL, '').replace(/[\\{}$%&#_^~]/g, (c) => map[c]);
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

/** The rate theorem for one model at the given parameters and initial overlaps. */
export function modelRateTheorem(input: ModelRateInput): RateTheorem {
  const { id, model, params, initial } = input;
  const opts = input.options ?? RATE_DEFAULTS;
  checkLadder(opts);
  const title = input.title.replace(CONTROL, ' ');
  let ode: System | undefined = input.ode;
  const odeOf = () => (ode ??= deriveModelOde(model));
  const seedsAt = (effort = 1) => Math.min(MAX_SEEDS, Math.max(MIN_SEEDS, Math.round(opts.seeds * effort)));
  const [lo, hi] = SLOPE_INTERVAL;
  return {
    id,
    title,
    source: input.source ?? 'docs/user-models.md (mean-field limit of online SGD in high dimension: fluctuations O(n^{-1/2}); Saad & Solla 1995, Wang, Hu & Lu 2019)',
    statement: String.raw`\text{${latexText(model.title)}}:\quad \max_{0 \le t \le ${fmt(opts.T)}} \lvert M^{(n)}(t) - M(t) \rvert \asymp n^{-1/2},\ `
      + String.raw`\text{so the slope of } \log \overline{\mathrm{err}}(n) \text{ against } \log n \text{ over } n \in \{${opts.ns.join(', ')}\} `
      + String.raw`\text{ (${opts.seeds} seeds per } n\text{) lies in } [${lo}, ${hi}]`,
    hypotheses: [
      'online SGD with step size eta/n and fresh Gaussian inputs each step, time t = steps/n',
      input.ode ? 'the ODE given with the theorem, held against the simulation of the model file' : 'the overlap ODE derived from the model file (src/models/user-model/derive.ts): closed-form Gaussian expectations, or numeric ones (E_i, with error estimates) where no closed form exists',
      `parameters ${model.params.map((p) => `${p.name} = ${fmt(params[p.name])}`).join(', ') || '(none)'}; initial overlaps ${model.state.map((s) => `${s.name} = ${fmt(initial.get(s.name)!)}`).join(', ')}`,
      `error: max over the recorded times (every ${fmt(opts.every)} up to T = ${fmt(opts.T)}) and the overlaps of |sim - ODE|, averaged over ${opts.seeds} seeds per n (times the effort, at least ${MIN_SEEDS})`,
    ],
    seedsAt,
    cost: (o = {}) => rateCost(model, { ...opts, seeds: seedsAt(o.effort) }),
    prepare() {
      checkSameState(model, odeOf());
      simulateModel(model, params, initial, { n: opts.ns[0], T: 0, every: opts.every, seeds: [0] });
    },
    check(o: CheckOptions = {}): Verdict {
      const t0 = performance.now();
      const seeds = seedsAt(o.effort);
      const r = checkRate(model, params, initial, { ...opts, seeds, seed: o.seed ?? opts.seed }, odeOf());
      return {
        id, passed: r.passed,
        figures: [
          { name: 'fitted log-log slope of max_t |sim - ODE| against n', value: r.slope, note: `± ${r.slopeStdErr.toFixed(3)} (from the standard errors below); held to [${lo}, ${hi}], n^{-1/2} gives -0.5` },
          ...r.ns.map((n, i) => ({ name: `mean max_t |sim - ODE| at n = ${n}`, value: r.errors[i], note: `standard error ${r.standardErrors[i].toExponential(2)}, ${seeds} seeds` })),
        ],
        summary: `fitted slope ${r.slope.toFixed(3)} ± ${r.slopeStdErr.toFixed(3)} over n = ${r.ns.join(', ')} (${seeds} seeds each, T = ${fmt(opts.T)}); expected in [${lo}, ${hi}]`,
        seconds: (performance.now() - t0) / 1000,
      };
    },
  };
}

/** The theorem's id for a model file: `user-model-rate:<file name without .json>` (characters other than letters, digits, '.', '_', '-' become '_'). */
export function rateTheoremId(path: string): string {
  return `user-model-rate:${basename(path).replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)}`;
}

/** The rate theorem of a model file read and validated as a user-model spec (its path, model, parameters and initial overlaps). */
export function specRateTheorem(
  spec: Pick<UserModelSpec, 'path' | 'model' | 'params' | 'initial'>, options?: RateOptions, id = rateTheoremId(spec.path),
): RateTheorem {
  return modelRateTheorem({
    id, title: `finite-n simulation of ${spec.path} -> its derived ODE at rate n^{-1/2}`,
    model: spec.model, params: spec.params, initial: spec.initial, options,
  });
}

/** The rate theorem for one model at its default parameters (used by the theory's own theorem list). */
export function rateTheorem(id: string, title: string, model: UserModel, initial: ReadonlyMap<string, number>, opts: RateOptions): Theorem {
  const params = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
  return modelRateTheorem({ id, title, model, params, initial, options: opts });
}
