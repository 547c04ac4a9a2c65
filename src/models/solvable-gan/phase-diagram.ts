// A phase diagram over (eta, tau): every grid point's derived ODE integrated to T
// in one batched run of the fused compiled integrator, the phase read
// off each trajectory, and the linearisation's prediction at the same points.

import { ArgumentError } from '../../core/index.ts';
import { compileIntegrator, integrate, type IntegratorResult, type RunOptions } from '../../compile/index.ts';
import { DivergenceError, Rng } from '../../numeric/index.ts';
import type { System } from '../../symbolic/index.ts';
import { type Phase, classifyPhases, overlapSystem } from './phase.ts';
import { type Overlaps, type SolvableGanSpec, defaultInit, overlapsRecord, paramValues } from './spec.ts';
import { ODE_THRESHOLDS, phaseOfTrajectory, phasesOfRecords } from './checks.ts';

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
  /**
   * Arithmetic of the batched integration: 'f64' (default: the fused f64 twin) or 'f32' (the
   * fused f32 GPU.js 'webasm' kernel, its phases checked against f64 after the run: see
   * F32Check; batched only).
   */
  precision?: 'f64' | 'f32';
  /** precision 'f32': seed of the random sample re-run in f64 (default 1) */
  seed?: number;
  /** precision 'f32': the check's margin (default F32_MARGIN) */
  margin?: number;
}

/**
 * How the phases of an f32 run were checked. An f32 trajectory read after T has no useful
 * a-priori error bound (a Gronwall bound grows like e^{LT}), so the check is a posteriori:
 * re-run in f64 are the members whose f32 phase differs from a grid neighbour's, whose
 * classification statistics (the gain of each P_ii, the late and earlier max |q_i|) decide
 * a comparison of the reading by less than the margin (F32_MARGIN unless given), that left
 * the blow-up bound in f32, and a seeded random sample of the others. Their f64 phases
 * replace the f32 ones. The whole diagram is recomputed in f64 (`fellBack`) when a sampled
 * member's phase changed, or when a re-run member's statistics moved by more than half the
 * margin: then the margin did not hold. Otherwise the members not re-run keep their f32
 * phase, on the evidence of their distance to every threshold (at least the margin, itself
 * at least twice the largest f32 − f64 deviation seen) and of the sample: an a-posteriori
 * check, not a proof.
 */
export interface F32Check {
  /** members re-run in f64 (flagged and sampled) */
  recomputed: number;
  /** of them, those flagged next to a boundary, within the margin, or diverged */
  flagged: number;
  /** of them, those sampled at random from the unflagged */
  sampled: number;
  /** re-run members whose f64 phase differs from the f32 one */
  changed: number;
  /** of them, sampled ones (> 0: fell back) */
  sampleChanged: number;
  /** the largest |f32 − f64| of a classification statistic over the re-run members */
  largestDeviation: number;
  margin: number;
  /** whether the whole diagram was recomputed in f64 */
  fellBack: boolean;
}

/** precision 'f32': components below this are set to 0 after each step (a change of at most 1e-30 per step). */
const F32_FLUSH = 1e-30;
/** Distance to a threshold of the phase reading below which an f32 member is re-run in f64. */
export const F32_MARGIN = 1e-3;
/** Members of the f32 check's random sample: this fraction of the grid, at least F32_SAMPLE.min. */
export const F32_SAMPLE = { fraction: 0.02, min: 50 } as const;

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
  /** precision 'f32': how its phases were checked (`final` then holds f32 states, f64 for the re-run members) */
  f32?: F32Check;
}

/** Integrates the ODE at every (eta_T = eta_G = eta, tau) grid point and classifies it. */
export function phaseDiagram(opts: PhaseDiagramOptions): PhaseDiagram {
  const precision = opts.precision ?? 'f64';
  if (precision !== 'f64' && precision !== 'f32') throw new ArgumentError(`precision must be 'f64' or 'f32', got ${String(precision)}`);
  if (precision === 'f32') {
    if (!(opts.batched ?? true)) throw new ArgumentError("precision 'f32' needs the batched integration");
    const margin = opts.margin ?? F32_MARGIN;
    if (!(margin > 0 && margin < 1)) throw new ArgumentError(`margin must be in (0, 1), got ${String(margin)}`);
    return phaseDiagramF32(planBatch(opts), opts.seed ?? 1, margin);
  }
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
  const system = overlapSystem(d, base.normalization);
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
    etas, taus, ode: grid(phases), predicted: grid(classifyPhases(specs, init).phases),
    seconds, evaluations: B * steps * 4, path, final, state: system.state,
  };
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
  const system = overlapSystem(d, base.normalization);
  const D = system.state.length, nP = system.params.length;
  const specs: SolvableGanSpec[] = [];
  for (const tau of taus) for (const eta of etas) specs.push({ ...base, tau, eta_T: eta, eta_G: eta });
  const B = specs.length;
  // every row is the base's, with the member's tau and eta (paramValues is per spec; this is its table)
  const values = paramValues(base);
  const row = Float64Array.from(system.params, (p) => values[p]);
  const column = (name: string) => system.params.indexOf(name);
  const [cTau, cEtaT, cEtaG] = [column('tau'), column('eta_T'), column('eta_G')];
  const P = new Float64Array(B * nP);
  specs.forEach((s, b) => {
    P.set(row, b * nP);
    if (cTau >= 0) P[b * nP + cTau] = s.tau;
    if (cEtaT >= 0) P[b * nP + cEtaT] = s.eta_T;
    if (cEtaG >= 0) P[b * nP + cEtaG] = s.eta_G;
  });
  const x0 = overlapsRecord(init, d);
  const first = Float64Array.from(system.state, (name) => x0[name]);
  const y0 = new Float64Array(B * D);
  for (let b = 0; b < B; b++) y0.set(first, b * D);
  const dt = opts.dt ?? 0.05;
  const steps = Math.round(T / dt);
  const recordSteps = Array.from({ length: 41 }, (_, i) => Math.round((T * 0.75 + (T * 0.25 * i) / 40) / dt));
  const distinct = [...new Set(recordSteps.filter((s) => s > 0))].sort((a, b) => a - b);
  const run: RunOptions = { y0, params: P, t0: 0, t1: T, steps, recordSteps: distinct, flushBelow: 1e-100, threads };
  return { opts, system, init, specs, steps, recordSteps, y0, run, start: performance.now() };
}

/** The phases read off the records of a batched run (the first sample is the initial state, for the gain in P). */
function finishBatch(batch: BatchPlan, res: IntegratorResult): PhaseDiagram {
  const { opts: { etas, taus }, system, init, specs, recordSteps, y0, run } = batch;
  const d = batch.opts.base.d, B = specs.length;
  const phases = phasesOfRecords(recordsOf(res, recordSteps, y0), B, system.state, d, ODE_THRESHOLDS, 1);
  const predicted = classifyPhases(specs, init, undefined, run.params as Float64Array).phases;
  const seconds = (performance.now() - batch.start) / 1000;
  const grid = <X>(flat: X[]) => taus.map((_, i) => flat.slice(i * etas.length, (i + 1) * etas.length));
  return {
    etas, taus, ode: grid(phases), predicted: grid(predicted),
    seconds, evaluations: B * batch.steps * 4, path: res.reason, final: res.y[res.y.length - 1].slice(), state: system.state,
  };
}

const and3 = (a: -1 | 0 | 1, b: -1 | 0 | 1): -1 | 0 | 1 => (a === 0 || b === 0 ? 0 : a === 1 && b === 1 ? 1 : -1);

/** The samples a phase is read from: the initial state, then the record nearest each sample time. */
function recordsOf(res: IntegratorResult, recordSteps: readonly number[], y0: Float64Array): Float64Array[] {
  const at = new Map(Array.from(res.steps, (s, r) => [s, res.y[r]] as const));
  return [y0, ...recordSteps.map((s) => at.get(s) ?? y0)];
}

/** The batched run in f32, its phases checked in f64 as F32Check describes. */
function phaseDiagramF32(batch: BatchPlan, seed: number, margin: number): PhaseDiagram {
  if (!Number.isSafeInteger(seed)) throw new ArgumentError(`seed must be an integer, got ${String(seed)}`);
  const { opts: { etas, taus, base: { d } }, system, specs, recordSteps, y0, run } = batch;
  const B = specs.length, D = system.state.length, nP = system.params.length, S = 2 * d + 2, nE = etas.length;
  const integ32 = compileIntegrator(system, { backend: 'webasm', precision: 'f32', form: 'collected' });
  let res32: IntegratorResult;
  try {
    // f32 subnormals are as slow as f64's: flush below 1e-30 (f32 cannot hold the f64 run's 1e-100)
    res32 = integ32.run({ ...run, flushBelow: F32_FLUSH });
  } finally {
    integ32.dispose();
  }
  const stats32 = new Float64Array(B * S);
  const phases = phasesOfRecords(recordsOf(res32, recordSteps, y0), B, system.state, d, ODE_THRESHOLDS, 1, stats32);
  // 1: flagged (next to another phase, within the margin, diverged); 2: sampled
  const mark = new Uint8Array(B);
  for (const b of res32.diverged) mark[b] = 1;
  const { gain, oscillation } = ODE_THRESHOLDS;
  /** x > t decided beyond the margin: 1 true, 0 false, −1 within it (or NaN) */
  const versus = (x: number, t: number): -1 | 0 | 1 => (x - t >= margin ? 1 : t - x >= margin ? 0 : -1);
  for (let b = 0; b < B; b++) {
    // statistics: mean P_ii, gain of P_ii (d each), late and earlier max |q|; each comparison
    // of the reading decided (1 true, 0 false) or within the margin (−1); NaN: left the bound in f32
    const o = b * S, late = stats32[o + 2 * d], earlier = stats32[o + 2 * d + 1];
    const oscillates = and3(versus(late, oscillation), versus(late, 0.5 * earlier));
    let near = oscillates === -1;
    for (let i = 0; i < d && oscillates === 0 && !near; i++) near = versus(stats32[o + d + i], gain) === -1;
    if (near) mark[b] = 1;
    const iEta = b % nE;
    const right = iEta + 1 < nE ? b + 1 : -1, below = b + nE < B ? b + nE : -1;
    for (const n of [right, below]) if (n >= 0 && phases[n] !== phases[b]) { mark[b] = 1; mark[n] = 1; }
  }
  const unflagged: number[] = [];
  for (let b = 0; b < B; b++) if (mark[b] === 0) unflagged.push(b);
  const rng = new Rng(seed);
  const want = Math.min(unflagged.length, Math.max(F32_SAMPLE.min, Math.ceil(F32_SAMPLE.fraction * B)));
  for (let k = 0; k < want; k++) {
    // partial Fisher–Yates: the first `want` entries become a uniform sample
    const j = k + rng.int(unflagged.length - k);
    [unflagged[k], unflagged[j]] = [unflagged[j], unflagged[k]];
    mark[unflagged[k]] = 2;
  }
  const rerun: number[] = [];
  for (let b = 0; b < B; b++) if (mark[b] > 0) rerun.push(b);
  const n = rerun.length;
  const y0s = new Float64Array(n * D), Ps = new Float64Array(n * nP);
  const P = run.params as Float64Array;
  rerun.forEach((b, j) => { y0s.set(y0.subarray(b * D, (b + 1) * D), j * D); Ps.set(P.subarray(b * nP, (b + 1) * nP), j * nP); });
  const integ64 = compileIntegrator(system, { backend: 'f64', form: 'collected' });
  let res64: IntegratorResult;
  try {
    res64 = integ64.run({ ...run, y0: y0s, params: Ps });
  } catch (err) {
    // a member diverges in f64: the whole f64 run throws the error phaseDiagram gives (its member numbered in the grid)
    if (err instanceof DivergenceError) integ64.run(run);
    throw err;
  } finally {
    integ64.dispose();
  }
  const stats64 = new Float64Array(n * S);
  const phases64 = phasesOfRecords(recordsOf(res64, recordSteps, y0s), n, system.state, d, ODE_THRESHOLDS, 1, stats64);
  let changed = 0, sampleChanged = 0, largestDeviation = 0;
  rerun.forEach((b, j) => {
    if (phases64[j] !== phases[b]) { changed++; if (mark[b] === 2) sampleChanged++; }
    // (a member that left the bound in f32 has no f32 statistics to compare)
    for (let s = 0; s < S; s++) {
      const x = stats32[b * S + s];
      if (Number.isFinite(x)) largestDeviation = Math.max(largestDeviation, Math.abs(stats64[j * S + s] - x));
    }
  });
  const check: F32Check = {
    recomputed: n, flagged: n - want, sampled: want, changed, sampleChanged, largestDeviation, margin,
    fellBack: sampleChanged > 0 || !(largestDeviation <= margin / 2),
  };
  if (check.fellBack) {
    const integ = compileIntegrator(system, { backend: 'f64', form: 'collected' });
    try {
      const full = finishBatch(batch, integ.run(run));
      return { ...full, path: `f32 check failed (${describeCheck(check)}): recomputed in f64: ${full.path}`, f32: check };
    } finally {
      integ.dispose();
    }
  }
  const final = res32.y[res32.y.length - 1].slice();
  const final64 = res64.y[res64.y.length - 1];
  rerun.forEach((b, j) => { phases[b] = phases64[j]; final.set(final64.subarray(j * D, (j + 1) * D), b * D); });
  const predicted = classifyPhases(specs, batch.init, undefined, P).phases;
  const grid = <X>(flat: X[]) => taus.map((_, i) => flat.slice(i * nE, (i + 1) * nE));
  return {
    etas, taus, ode: grid(phases), predicted: grid(predicted), seconds: (performance.now() - batch.start) / 1000,
    evaluations: (B + n) * batch.steps * 4, path: `${res32.reason}; ${describeCheck(check)}`, final, state: system.state, f32: check,
  };
}

function describeCheck(c: F32Check): string {
  return `f32 phases checked in f64 on ${c.recomputed} members (${c.flagged} near a boundary or threshold, ${c.sampled} sampled): `
    + `${c.changed} changed (${c.sampleChanged} sampled), largest statistic deviation ${c.largestDeviation.toExponential(2)} (margin ${c.margin})`;
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
export async function phaseDiagramAsync(
  opts: Omit<PhaseDiagramOptions, 'batched' | 'precision' | 'seed'> & { threads?: number },
): Promise<PhaseDiagram> {
  const precision = (opts as PhaseDiagramOptions).precision;
  if (precision !== undefined && precision !== 'f64') throw new ArgumentError(`phaseDiagramAsync computes in f64 only, got precision ${String(precision)}`);
  const batch = planBatch(opts, opts.threads);
  const integ = compileIntegrator(batch.system, { backend: 'f64', form: 'collected' });
  try {
    return finishBatch(batch, await integ.runAsync(batch.run));
  } finally {
    integ.dispose();
  }
}
