// A phase diagram over (eta, tau): every grid point's derived ODE integrated to T
// in one batched run of the fused compiled integrator, the phase read
// off each trajectory, and the linearisation's prediction at the same points.

import { compileIntegrator, integrate, type IntegratorResult, type RunOptions } from '../../compile/index.ts';
import { Trajectory } from '../../numeric/index.ts';
import type { System } from '../../symbolic/index.ts';
import { deriveOverlapOde } from './derive.ts';
import { type Phase, classifyPhase } from './phase.ts';
import { type Overlaps, type SolvableGanSpec, defaultInit, overlapsRecord, paramValues } from './spec.ts';
import { ODE_THRESHOLDS, phaseOfTrajectory } from './checks.ts';

export const PHASES: Phase[] = ['success', 'oscillation', 'failure', 'collapse'];

export interface PhaseDiagramOptions {
  base: SolvableGanSpec;
  etas: number[];
  taus: number[];
  T: number;
  /** RK4 step (default 0.05) */
  dt?: number;
  init?: Overlaps;
  /** integrate all points in one fused compiled call (default) or one integrate() call per point (compileRhs + rk4) */
  batched?: boolean;
}

export interface PhaseDiagram {
  etas: number[];
  taus: number[];
  /** [iTau][iEta] phase read from the ODE run */
  ode: Phase[][];
  /** [iTau][iEta] phase predicted by the linearisation */
  predicted: Phase[][];
  seconds: number;
  evaluations: number;
  /** which integration path ran, and why */
  path: string;
  /** the state at T of every member (row-major B×D, members in [iTau][iEta] order, variables in `state` order) */
  final: Float64Array;
  /** the ODE's state variables (the column order of `final`) */
  state: readonly string[];
}

/** Integrates the ODE at every (eta_T = eta_G = eta, tau) grid point and classifies it. */
export function phaseDiagram(opts: PhaseDiagramOptions): PhaseDiagram {
  if (opts.batched ?? true) {
    const batch = planBatch(opts);
    const integ = compileIntegrator(batch.system, { backend: 'f64', form: 'collected' });
    try {
      return finishBatch(batch, integ.run(batch.run));
    } finally {
      integ.dispose();
    }
  }
  const { base, etas, taus, T } = opts;
  const d = base.d;
  const init = opts.init ?? defaultInit(d);
  const system = deriveOverlapOde(d, base.normalization);
  const specs: SolvableGanSpec[] = [];
  for (const tau of taus) for (const eta of etas) specs.push({ ...base, tau, eta_T: eta, eta_G: eta });
  const B = specs.length;
  const params = specs.map((s) => Object.fromEntries(Object.entries(paramValues(s)).filter(([k]) => system.params.includes(k))));
  const x0 = overlapsRecord(init, d);
  const dt = opts.dt ?? 0.05;
  const steps = Math.round(T / dt);
  const record = Array.from({ length: 41 }, (_, i) => T * 0.75 + (T * 0.25 * i) / 40);
  const start = performance.now();
  const phases: Phase[] = [];
  const D = system.state.length;
  const final = new Float64Array(B * D);
  // the sample times themselves (between grid points): compileRhs + ode.rk4 interpolates
  let path = 'one integrate() call per point';
  for (let b = 0; b < B; b++) {
    const traj = integrate(system, { params: params[b], initial: [x0], t1: T, steps, record: [0, ...record] });
    // the first sample is the initial state (for the gain in P); the rest is the last quarter
    phases.push(phaseOfTrajectory(traj.named(0), d, ODE_THRESHOLDS, 1).phase);
    final.set(traj.final, b * D);
    path = `one integrate() call per point: ${traj.ran.reason}`;
  }
  const seconds = (performance.now() - start) / 1000;
  const grid = <X>(flat: X[]) => taus.map((_, i) => flat.slice(i * etas.length, (i + 1) * etas.length));
  return {
    etas, taus, ode: grid(phases), predicted: grid(specs.map((s) => classifyPhase(s, init).phase)),
    seconds, evaluations: B * steps * 4, path, final, state: system.state,
  };
}

const odeCache = new Map<string, System>();

/** The derived overlap ODE, derived once per (d, normalisation) (a System is never modified). */
function overlapOde(d: number, normalization: SolvableGanSpec['normalization']): System {
  const key = `${d}:${normalization}`;
  let system = odeCache.get(key);
  if (!system) { system = deriveOverlapOde(d, normalization); odeCache.set(key, system); }
  return system;
}

/** The batched run of a phase diagram: every member's parameters and initial state, and the steps to record. */
interface BatchPlan {
  opts: PhaseDiagramOptions;
  system: System;
  init: Overlaps;
  specs: SolvableGanSpec[];
  steps: number;
  /** the step nearest each sample time: 41 in the last quarter */
  recordSteps: number[];
  y0: Float64Array;
  run: RunOptions;
  start: number;
}

/**
 * One fused f64 function integrates every member (step loop inside, state in locals); the
 * drift's polynomials collected once per member; values below 1e-100 flushed to 0 so that
 * decaying overlaps do not end in slow subnormal arithmetic (a change of at most 1e-100 per
 * step). The records are the grid points nearest to the sample times.
 */
function planBatch(opts: PhaseDiagramOptions, threads?: number): BatchPlan {
  const { base, etas, taus, T } = opts;
  const d = base.d;
  const init = opts.init ?? defaultInit(d);
  const system = overlapOde(d, base.normalization);
  const D = system.state.length, nP = system.params.length;
  const specs: SolvableGanSpec[] = [];
  for (const tau of taus) for (const eta of etas) specs.push({ ...base, tau, eta_T: eta, eta_G: eta });
  const B = specs.length;
  const P = new Float64Array(B * nP);
  specs.forEach((s, b) => { const v = paramValues(s); system.params.forEach((p, j) => { P[b * nP + j] = v[p]; }); });
  const x0 = overlapsRecord(init, d);
  const y0 = new Float64Array(B * D);
  for (let b = 0; b < B; b++) system.state.forEach((name, i) => { y0[b * D + i] = x0[name]; });
  const dt = opts.dt ?? 0.05;
  const steps = Math.round(T / dt);
  const recordSteps = Array.from({ length: 41 }, (_, i) => Math.round((T * 0.75 + (T * 0.25 * i) / 40) / dt));
  const distinct = [...new Set(recordSteps.filter((s) => s > 0))].sort((a, b) => a - b);
  const run: RunOptions = { y0, params: P, t0: 0, t1: T, steps, recordSteps: distinct, flushBelow: 1e-100, threads };
  return { opts, system, init, specs, steps, recordSteps, y0, run, start: performance.now() };
}

/** The phases read off the records of a batched run (the first sample is the initial state, for the gain in P). */
function finishBatch(batch: BatchPlan, res: IntegratorResult): PhaseDiagram {
  const { opts: { etas, taus, T }, system, init, specs, steps, recordSteps, y0 } = batch;
  const d = batch.opts.base.d, B = specs.length, D = system.state.length;
  const h = T / steps;
  const at = new Map(Array.from(res.steps, (s, r) => [s, res.y[r]] as const));
  const times = [0, ...recordSteps.map((s) => (s === steps ? T : s * h))];
  const traj = new Trajectory(Float64Array.from(times), [y0, ...recordSteps.map((s) => at.get(s) ?? y0)], B, D, [...system.state],
    { steps, rejected: 0, rhsEvals: 4 * steps });
  const phases: Phase[] = [];
  for (let b = 0; b < B; b++) phases.push(phaseOfTrajectory(traj.named(b), d, ODE_THRESHOLDS, 1).phase);
  const seconds = (performance.now() - batch.start) / 1000;
  const grid = <X>(flat: X[]) => taus.map((_, i) => flat.slice(i * etas.length, (i + 1) * etas.length));
  return {
    etas, taus, ode: grid(phases), predicted: grid(specs.map((s) => classifyPhase(s, init).phase)),
    seconds, evaluations: B * steps * 4, path: res.reason, final: res.y[res.y.length - 1].slice(), state: system.state,
  };
}

/** Cells where the ODE run and the prediction disagree, and whether each lies next to a predicted boundary. */
export function disagreements(diagram: PhaseDiagram): { count: number; total: number; awayFromBoundary: Array<[number, number]> } {
  const { ode, predicted } = diagram;
  let count = 0;
  const away: Array<[number, number]> = [];
  for (let i = 0; i < ode.length; i++) {
    for (let j = 0; j < ode[i].length; j++) {
      if (ode[i][j] === predicted[i][j]) continue;
      count++;
      const neighbours = [[i - 1, j], [i + 1, j], [i, j - 1], [i, j + 1]]
        .filter(([a, b]) => a >= 0 && b >= 0 && a < ode.length && b < ode[i].length);
      if (!neighbours.some(([a, b]) => predicted[a][b] !== predicted[i][j])) away.push([i, j]);
    }
  }
  return { count, total: ode.length * ode[0].length, awayFromBoundary: away };
}

/**
 * phaseDiagram's batched path with the members split over threads (the fused f64
 * twin's runAsync: the calling thread and threads − 1 workers; default: the compile
 * runtime's rule, all cores up to 8). Same integration, same bits, same phases as
 * phaseDiagram({ batched: true }).
 */
export async function phaseDiagramAsync(opts: Omit<PhaseDiagramOptions, 'batched'> & { threads?: number }): Promise<PhaseDiagram> {
  const batch = planBatch(opts, opts.threads);
  const integ = compileIntegrator(batch.system, { backend: 'f64', form: 'collected' });
  try {
    return finishBatch(batch, await integ.runAsync(batch.run));
  } finally {
    integ.dispose();
  }
}
