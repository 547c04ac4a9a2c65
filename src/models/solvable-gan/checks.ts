// Theory against simulation for the solvable GAN: the n^{-1/2} convergence of the
// finite-n SGD to the derived ODE, and the phases seen three ways (the
// linearisation, long ODE runs, finite-n simulation). Shared by tests and proofs/.

import { integrate } from '../../compile/index.ts';
import { logLogFit, type LinearFit } from '../../numeric/index.ts';
import { deriveOverlapOde } from './derive.ts';
import { type Phase, classifyPhase } from './phase.ts';
import { simulateSgd } from './simulate.ts';
import {
  type Overlaps, type SolvableGanSpec, type Trajectory, defaultInit, entryName, overlapsRecord, paramValues, stateNames,
  vectorEntryName,
} from './spec.ts';

/** The derived ODE integrated at the given record times (dopri5 through the compiled kernel). */
export function odeTrajectory(spec: SolvableGanSpec, init: Overlaps, T: number, every = 1): Trajectory {
  const d = spec.d;
  const system = deriveOverlapOde(d, spec.normalization);
  const names = stateNames(d);
  const x0 = overlapsRecord(init, d);
  const times = Array.from({ length: Math.round(T / every) + 1 }, (_, i) => i * every);
  const traj = integrate(system, {
    params: paramValues(spec), initial: [x0], t1: T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times,
  });
  return { t: Array.from(traj.t), series: Object.fromEntries(names.map((s) => [s, traj.y.map((y) => y[system.state.indexOf(s)])])) };
}

/** max over recorded t and over every overlap of |a − b| (both recorded at the same times). */
export function maxDeviation(a: Trajectory, b: Trajectory): number {
  let worst = 0;
  for (const name of Object.keys(b.series)) {
    const x = a.series[name], y = b.series[name];
    if (!x || x.length !== y.length) throw new Error(`trajectories differ in ${name}`);
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  }
  return worst;
}

export interface ConvergenceRate {
  ns: number[];
  /** mean over seeds of max_t |simulation − ODE| */
  deviations: number[];
  /** standard error of each mean */
  standardErrors: number[];
  fit: LinearFit;
}

/** Fits the slope of log(max_t |sim − ODE|) against log n; the theory predicts −1/2. */
export function convergenceRate(opts: {
  spec: SolvableGanSpec; init?: Overlaps; ns: number[]; seeds: number; T: number; firstSeed?: number;
}): ConvergenceRate {
  const init = opts.init ?? defaultInit(opts.spec.d);
  const ode = odeTrajectory(opts.spec, init, opts.T);
  const deviations: number[] = [], standardErrors: number[] = [];
  for (const n of opts.ns) {
    const devs: number[] = [];
    for (let s = 0; s < opts.seeds; s++) {
      const sim = simulateSgd(opts.spec, init, { n, T: opts.T, seed: (opts.firstSeed ?? 1) + 1000 * s + n, noise: 'projected' });
      devs.push(maxDeviation(sim, ode));
    }
    const mean = devs.reduce((a, b) => a + b, 0) / devs.length;
    const sd = Math.sqrt(devs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, devs.length - 1));
    deviations.push(mean);
    standardErrors.push(sd / Math.sqrt(devs.length));
  }
  return { ns: opts.ns, deviations, standardErrors, fit: logLogFit(opts.ns, deviations) };
}

export interface TrajectoryPhase {
  phase: Phase;
  recovered: boolean[];
  /** mean of P_ii over the last quarter of the run */
  finalOverlaps: number[];
  /** max |q_i| over the last quarter */
  lateDiscriminatorOverlap: number;
}

/**
 * Reads the phase off a trajectory: feature i is recovered when P_ii rose by more
 * than `gain` over its start (averaged over the last quarter of the run); the run
 * oscillates when the discriminator still sees a feature at the end of the run
 * (max |q_i| over the last eighth above `oscillation`, and not below half of its
 * value over the eighth before: a slowly decaying transient is not an oscillation).
 * Finite-n fluctuations of q at n = 2000 reach about 0.2, hence SGD_THRESHOLDS.
 */
/** Thresholds for reading a phase: noise-free ODE runs, and finite-n SGD (q fluctuates by ~0.2 at n = 2000). */
export const ODE_THRESHOLDS = { gain: 0.2, oscillation: 0.05 };
export const SGD_THRESHOLDS = { gain: 0.2, oscillation: 0.4 };

export function phaseOfTrajectory(
  traj: Trajectory, d: number, thresholds = SGD_THRESHOLDS, tailStart = Math.floor((3 * traj.t.length) / 4),
): TrajectoryPhase {
  const n = traj.t.length;
  const samples = new Float64Array(2 * d * n);
  for (let i = 0; i < d; i++) {
    for (const [name, row] of [[entryName('P', i, i, d), i], [vectorEntryName('q', i, d), d + i]] as const) {
      const series = traj.series[name];
      if (series.length !== n) throw new Error(`phaseOfTrajectory: series ${name} has ${series.length} values for ${n} times`);
      samples.set(series, row * n);
    }
  }
  const st = new Float64Array(2 * d + 2);
  phaseStatistics(samples, d, n, tailStart, st, 0);
  const recovered = Array.from({ length: d }, (_, i) => st[d + i] > thresholds.gain);
  return { phase: phaseOf(st, 0, d, thresholds), recovered, finalOverlaps: Array.from(st.subarray(0, d)), lateDiscriminatorOverlap: st[2 * d] };
}

/**
 * phaseOfTrajectory for every member of a batched run, without building named series:
 * `records[k]` is the B×D state at sample k (row-major, columns in `state` order).
 * The same reading, the same arithmetic, the same phases. With `statistics` (length
 * B·(2d + 2)), each member's row receives what its phase was read from: the mean of each
 * P_ii over the tail, the gain |mean| − |P_ii(0)| of each, the max |q_i| over the late
 * half of the tail, and over its earlier half.
 */
export function phasesOfRecords(
  records: readonly ArrayLike<number>[], B: number, state: readonly string[], d: number,
  thresholds = SGD_THRESHOLDS, tailStart = Math.floor((3 * records.length) / 4), statistics?: Float64Array,
): Phase[] {
  const D = state.length, n = records.length, S = 2 * d + 2;
  const columns = [
    ...Array.from({ length: d }, (_, i) => state.indexOf(entryName('P', i, i, d))),
    ...Array.from({ length: d }, (_, i) => state.indexOf(vectorEntryName('q', i, d))),
  ];
  const missing = columns.findIndex((c) => c < 0);
  if (missing >= 0) throw new Error(`phasesOfRecords: the state has no ${missing < d ? entryName('P', missing, missing, d) : vectorEntryName('q', missing - d, d)}`);
  const st = statistics ?? new Float64Array(S);
  if (st.length < (statistics ? B * S : S)) throw new Error(`phasesOfRecords: statistics has length ${st.length} < ${B}×${S}`);
  const samples = new Float64Array(2 * d * n);
  const phases: Phase[] = new Array(B);
  for (let b = 0; b < B; b++) {
    const o = b * D;
    for (let s = 0; s < 2 * d; s++) {
      const c = o + columns[s], row = s * n;
      for (let k = 0; k < n; k++) samples[row + k] = records[k][c];
    }
    const at = statistics ? b * S : 0;
    phaseStatistics(samples, d, n, tailStart, st, at);
    phases[b] = phaseOf(st, at, d, thresholds);
  }
  return phases;
}

/** Index where `Array.prototype.slice` starts for `start` on a length-n array. */
const sliceIndex = (start: number, n: number) => (start < 0 ? Math.max(n + start, 0) : Math.min(start, n));

/**
 * phasesOfRecords' statistics from n samples per series (`samples[i·n + k]`: sample
 * k of P_ii for i < d, of q_i at (d + i)·n + k) into out[at …]; tailStart as phaseOfTrajectory's.
 */
function phaseStatistics(samples: Float64Array, d: number, n: number, tailStart: number, out: Float64Array, at: number): void {
  const start = sliceIndex(tailStart, n);
  const middle = sliceIndex(tailStart + Math.floor((n - tailStart) / 2), n);
  let late = 0, earlier = 0;
  for (let i = 0; i < d; i++) {
    const P = i * n, q = (d + i) * n;
    let sum = 0;
    for (let k = start; k < n; k++) sum += samples[P + k];
    const mean = sum / (n - start);
    out[at + i] = mean;
    out[at + d + i] = Math.abs(mean) - Math.abs(samples[P]);
    for (let k = start; k < middle; k++) earlier = Math.max(earlier, Math.abs(samples[q + k]));
    for (let k = middle; k < n; k++) late = Math.max(late, Math.abs(samples[q + k]));
  }
  out[at + 2 * d] = late;
  out[at + 2 * d + 1] = earlier;
}

/**
 * The phase from a run's statistics: feature i recovered when its gain exceeds
 * `gain`; oscillation when the late max |q| is above `oscillation` and above half the earlier
 * one (sustained: not a transient decaying by half across the window).
 */
function phaseOf(st: Float64Array, at: number, d: number, thresholds: { gain: number; oscillation: number }): Phase {
  const late = st[at + 2 * d], earlier = st[at + 2 * d + 1];
  if (late > thresholds.oscillation && late > 0.5 * earlier) return 'oscillation';
  let any = false, all = true;
  for (let i = 0; i < d; i++) {
    const r = st[at + d + i] > thresholds.gain;
    any ||= r;
    all &&= r;
  }
  return !any ? 'failure' : all ? 'success' : 'collapse';
}

export interface PhaseComparison {
  eta: number;
  formula: ReturnType<typeof classifyPhase>;
  ode: TrajectoryPhase;
  simulation?: TrajectoryPhase;
}

/** The phase at each noise level η = η_T = η_G by the linearisation, a long ODE run and (if n given) SGD. */
export function comparePhases(opts: {
  spec: SolvableGanSpec; etas: number[]; T: number; odeT?: number; n?: number; seed?: number;
}): PhaseComparison[] {
  const d = opts.spec.d;
  const init = defaultInit(d);
  return opts.etas.map((eta) => {
    const spec = { ...opts.spec, eta_T: eta, eta_G: eta };
    const formula = classifyPhase(spec, init);
    const ode = phaseOfTrajectory(odeTrajectory(spec, init, opts.odeT ?? opts.T), d, ODE_THRESHOLDS);
    const simulation = opts.n
      ? phaseOfTrajectory(simulateSgd(spec, init, { n: opts.n, T: opts.T, seed: opts.seed ?? 1, noise: 'projected' }), d)
      : undefined;
    return { eta, formula, ode, simulation };
  });
}
