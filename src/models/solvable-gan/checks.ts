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
  const finalOverlaps: number[] = [];
  const recovered: boolean[] = [];
  const middle = tailStart + Math.floor((traj.t.length - tailStart) / 2);
  let late = 0, earlier = 0;
  for (let i = 0; i < d; i++) {
    const P = traj.series[entryName('P', i, i, d)];
    const q = traj.series[vectorEntryName('q', i, d)];
    const tail = P.slice(tailStart);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    finalOverlaps.push(mean);
    recovered.push(Math.abs(mean) - Math.abs(P[0]) > thresholds.gain);
    for (const v of q.slice(tailStart, middle)) earlier = Math.max(earlier, Math.abs(v));
    for (const v of q.slice(middle)) late = Math.max(late, Math.abs(v));
  }
  // sustained: still above the threshold at the end and not decaying by half across the window
  let phase: Phase;
  if (late > thresholds.oscillation && late > 0.5 * earlier) phase = 'oscillation';
  else if (recovered.every((r) => !r)) phase = 'failure';
  else if (recovered.every((r) => r)) phase = 'success';
  else phase = 'collapse';
  return { phase, recovered, finalOverlaps, lateDiscriminatorOverlap: late };
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
