// What a researcher does with a System: its Jacobian, its LaTeX, its fixed points
// (Newton with the symbolic Jacobian, eigenvalues, classification) and its
// integration through the compiled right-hand side: integrate() is the one ODE
// entry and simulateSde() the one SDE entry (mean-field particle systems
// included). This lives in compile/ because it is where the symbolic and the
// numeric layers meet.

import type { Expr } from '../symbolic/index.ts';
import type { System } from '../symbolic/index.ts';
import { jacobian } from '../symbolic/index.ts';
import { simplify } from '../symbolic/index.ts';
import { latexSystem } from '../symbolic/index.ts';
import { compile, compileRhs } from './kernel.ts';
import { CompileError } from './lower.ts';
import {
  compileIntegrator, fusedRk4, type DriftForm, type FusedRk4Request, type IntegratePath, type IntegratorResult,
} from './integrator.ts';
import { rk4, dopri5 } from '../numeric/index.ts';
import { eulerMaruyama, type MeanField, type SdeTrajectory } from '../numeric/index.ts';
import { Trajectory, type IntegrationStats, type RecordSpec } from '../numeric/index.ts';
import { DivergenceError } from '../numeric/index.ts';
import { Rng } from '../numeric/index.ts';
import { findFixedPoints, type FixedPoint, type RandomStarts } from '../numeric/index.ts';
import { systemExpectations } from '../symbolic/index.ts';
import { ExpectationEvaluator, expectationRhs, EXPECTATION_RULE_TEXT } from './expectation.ts';

export type ParamValues = Readonly<Record<string, number>>;

/**
 * Parameter values in the System's order; every parameter must be given and
 * finite, except those in `computed` (filled in later, e.g. by a mean field;
 * 0 here), which must not be given.
 */
export function paramVector(system: System, values: ParamValues, computed: ReadonlySet<string> = new Set()): Float64Array {
  const unknown = Object.keys(values).filter((k) => !system.params.includes(k));
  if (unknown.length) {
    throw new CompileError(`unknown parameter(s) ${unknown.join(', ')} (the system has ${system.params.join(', ') || 'none'})`);
  }
  return Float64Array.from(system.params, (p) => {
    const v = values[p];
    if (computed.has(p)) {
      if (v !== undefined) throw new CompileError(`parameter ${p} is computed from the state (mean field); do not give it`);
      return 0;
    }
    if (v === undefined) throw new CompileError(`parameter ${p} needs a value`);
    if (!Number.isFinite(v)) throw new CompileError(`parameter ${p} = ${v} is not a finite number`);
    return v;
  });
}

/** The state vector in the System's order from named values. */
export function stateVector(system: System, values: ParamValues): Float64Array {
  const unknown = Object.keys(values).filter((k) => !system.state.includes(k));
  if (unknown.length) {
    throw new CompileError(`unknown state variable(s) ${unknown.join(', ')} (the state is ${system.state.join(', ')})`);
  }
  return Float64Array.from(system.state, (s) => {
    const v = values[s];
    if (v === undefined) throw new CompileError(`state variable ${s} needs an initial value`);
    if (!Number.isFinite(v)) throw new CompileError(`initial ${s} = ${v} is not a finite number`);
    return v;
  });
}

/** ∂f_i/∂x_j of the drift, simplified. */
export function systemJacobian(system: System): Expr[][] {
  return jacobian(system.drift, system.state).map((row) => row.map(simplify));
}

/** The System as a LaTeX align block (an SDE when it has a diffusion). */
export function systemLatex(system: System, env: 'align' | 'align*' | 'aligned' = 'align'): string {
  return latexSystem(system, { env });
}

export interface FixedPointOptions {
  /** starting points (state vectors), or a box to draw them from with a seed */
  readonly starts: ArrayLike<number>[] | RandomStarts;
  readonly tol?: number;
}

/**
 * Fixed points f(x; θ) = 0 by Newton's method with the symbolic Jacobian
 * (both compiled to f64), with eigenvalues there and a classification.
 */
export function fixedPoints(system: System, params: ParamValues, opts: FixedPointOptions): FixedPoint[] {
  const theta = paramVector(system, params);
  const n = system.state.length;
  const F = compile(system.drift, { inputs: system.state, params: system.params, backend: 'f64' });
  const J = compile(systemJacobian(system).flat(), { inputs: system.state, params: system.params, backend: 'f64' });
  return findFixedPoints(
    (x, out) => { F.f64(x, theta, out); },
    (x, out) => { J.f64(x, theta, out); },
    opts.starts,
    { tol: opts.tol ?? 1e-12, maxIter: 100 },
  ).map((fp) => ({ ...fp, x: fp.x.slice(0, n) }));
}

export interface IntegrateOptions {
  /** parameter values shared by every member, or one record per member */
  readonly params: ParamValues | readonly ParamValues[];
  /** initial states: one record per member */
  readonly initial: readonly ParamValues[];
  readonly t1: number;
  readonly t0?: number;
  readonly method?: 'rk4' | 'dopri5';
  /** rk4 step count (default 100 per unit time, at least 100) */
  readonly steps?: number;
  readonly rtol?: number;
  readonly atol?: number;
  /** record times (default: every step for rk4, 201 points for dopri5) */
  readonly record?: readonly number[] | 'final';
  /**
   * RK4 only: how the fused integrator evaluates the drift (IntegratorOptions.form).
   * 'as-written' (default): bit-identical to compileRhs + ode.rk4. 'collected':
   * polynomial drifts as Σ c_m(θ)·x^m with the coefficients hoisted, fewer
   * operations and other rounding; record times must then be grid points.
   */
  readonly form?: DriftForm;
  /**
   * RK4 only: after each step set state components with |y| < flushBelow to 0
   * (RunOptions.flushBelow; default 0, off), so that decaying solutions do
   * not end in slow subnormal arithmetic. Adds at most flushBelow per
   * component per step to the error; record times must be grid points.
   */
  readonly flushBelow?: number;
}

/**
 * Integrates a System for a batch of initial states (and parameter sets) through
 * its compiled right-hand side. A diverging member stops the run with a
 * DivergenceError that names the variable, time, step and parameters.
 * RK4 with record 'final' or sparse record times on the step grid runs as one
 * fused f64 function (src/compile/integrator.ts; same bits); with `form`
 * 'collected' or `flushBelow` > 0 it always runs there (records on the grid).
 * `ran` on the result says which path ran and why.
 */
export function integrate(system: System, opts: IntegrateOptions): Trajectory & { readonly ran: IntegratePath } {
  const B = opts.initial.length;
  if (B === 0) throw new CompileError('integrate: no initial state given');
  const D = system.state.length;
  const perMember = Array.isArray(opts.params);
  const paramSets = (perMember ? opts.params : [opts.params]) as readonly ParamValues[];
  if (perMember && paramSets.length !== B) {
    throw new CompileError(`integrate: ${paramSets.length} parameter sets for ${B} initial states`);
  }
  const P = new Float64Array(paramSets.length * system.params.length);
  paramSets.forEach((p, b) => P.set(paramVector(system, p), b * system.params.length));
  const y0 = new Float64Array(B * D);
  opts.initial.forEach((s, b) => y0.set(stateVector(system, s), b * D));
  const t0 = opts.t0 ?? 0;
  if (!(opts.t1 > t0)) throw new CompileError(`integrate: t1 = ${opts.t1} must exceed t0 = ${t0}`);
  const describe = perMember ? `${B} parameter sets` : Object.entries(paramSets[0]).map(([k, v]) => `${k}=${v}`).join(', ');
  const common = { t0, t1: opts.t1, batch: B, dim: D, names: [...system.state], params: describe };
  const form = opts.form ?? 'as-written', flushBelow = opts.flushBelow ?? 0;
  const tuned = form !== 'as-written' || flushBelow !== 0;
  if (systemExpectations(system).length) return integrateWithExpectations(system, opts, P, y0, common, tuned);
  if ((opts.method ?? 'rk4') === 'rk4') {
    const steps = opts.steps ?? Math.max(100, Math.ceil(100 * (opts.t1 - t0)));
    const record = opts.record === 'final' ? 'final' : opts.record ? [...opts.record] : 'steps';
    const request: FusedRk4Request = { y0, params: P, t0, t1: opts.t1, steps, record, batch: B, names: [...system.state], describe };
    if (tuned) return tunedRk4(system, request, form, flushBelow);
    // final or sparse on-grid records: one fused f64 function, bit-identical to the loop below
    const fused = fusedRk4(system, request);
    if (fused.trajectory) return fused.trajectory;
    const ran: IntegratePath = { path: 'rk4', reason: `${fused.why}: compileRhs + ode.rk4` };
    return Object.assign(rk4(compileRhs(system, { params: P }), y0, { ...common, steps, record }), { ran });
  }
  if (tuned) throw new CompileError("integrate: form and flushBelow tune the fused RK4 integrator; method 'dopri5' has neither");
  const record = opts.record === 'final' ? 'final'
    : opts.record ? [...opts.record] : Array.from({ length: 201 }, (_, i) => t0 + ((opts.t1 - t0) * i) / 200);
  const ran: IntegratePath = { path: 'dopri5', reason: "method 'dopri5': compileRhs + ode.dopri5" };
  return Object.assign(dopri5(compileRhs(system, { params: P }), y0, { ...common, rtol: opts.rtol ?? 1e-9, atol: opts.atol ?? 1e-12, record }), { ran });
}

/** What integrate() reports for a System with numeric expectations: the rule and each one's largest error estimate. */
export interface ExpectationReport {
  readonly rule: string;
  readonly names: readonly string[];
  /** largest error estimate of each expectation (half-difference of the two grids; the orthant rule's own) over every right-hand side evaluation of the run */
  readonly maxErrorEstimate: readonly number[];
  readonly evaluations: number;
}

/** integrate() for a System whose drift refers to numeric expectations (compile/expectation.ts): compileRhs-style RHS, no fused path. */
function integrateWithExpectations(
  system: System, opts: IntegrateOptions, P: Float64Array, y0: Float64Array,
  common: { t0: number; t1: number; batch: number; dim: number; names: string[]; params: string }, tuned: boolean,
): Trajectory & { readonly ran: IntegratePath; readonly expectations: ExpectationReport } {
  if (tuned) throw new CompileError('integrate: form and flushBelow tune the fused RK4 integrator, which does not run numeric expectations');
  const evaluator = new ExpectationEvaluator(system);
  const rhs = expectationRhs(system, P, evaluator);
  const report = (): ExpectationReport => ({
    rule: EXPECTATION_RULE_TEXT, names: evaluator.expectations.map((q) => q.name), maxErrorEstimate: [...evaluator.maxError], evaluations: evaluator.evaluations,
  });
  const why = `numeric expectations ${evaluator.expectations.map((q) => q.name).join(', ')} evaluated at every right-hand side call`;
  let traj: Trajectory;
  let ran: IntegratePath;
  if ((opts.method ?? 'rk4') === 'rk4') {
    const steps = opts.steps ?? Math.max(100, Math.ceil(100 * (common.t1 - common.t0)));
    const record = opts.record === 'final' ? 'final' : opts.record ? [...opts.record] : 'steps';
    traj = rk4(rhs, y0, { ...common, steps, record });
    ran = { path: 'rk4', reason: `${why}: ode.rk4` };
  } else {
    const record = opts.record === 'final' ? 'final'
      : opts.record ? [...opts.record] : Array.from({ length: 201 }, (_, i) => common.t0 + ((common.t1 - common.t0) * i) / 200);
    traj = dopri5(rhs, y0, { ...common, rtol: opts.rtol ?? 1e-9, atol: opts.atol ?? 1e-12, record });
    ran = { path: 'dopri5', reason: `${why}: ode.dopri5` };
  }
  return Object.assign(traj, { ran, expectations: report() });
}

/**
 * integrate()'s RK4 through the fused f64 twin with a drift form or flushing
 * (compileRhs + ode.rk4 have neither): every record time must be a grid
 * point (within 1e-9·h, as for fusedRk4), any number of them. On divergence
 * the twin's DivergenceError (member, step, time, the member's last good
 * state and parameters) with the records before the failing step.
 */
function tunedRk4(system: System, req: FusedRk4Request, form: DriftForm, flushBelow: number): Trajectory & { readonly ran: IntegratePath } {
  const { y0, params, t0, t1, steps, batch: B, names, describe } = req;
  const D = system.state.length, h = (t1 - t0) / steps;
  const gridTime = (s: number) => (s === steps ? t1 : t0 + s * h);
  let wanted: number[], times: number[];
  if (req.record === 'steps') {
    wanted = Array.from({ length: steps + 1 }, (_, s) => s);
    times = wanted.map(gridTime);
  } else if (req.record === 'final') {
    wanted = [0, steps];
    times = [t0, t1];
  } else {
    times = [...req.record];
    wanted = times.map((tau) => {
      const s = Math.round((tau - t0) / h);
      if (!(s >= 0 && s <= steps && Math.abs(tau - gridTime(s)) <= 1e-9 * Math.abs(h))) {
        throw new CompileError(`integrate: record time ${tau} is not a point of the step grid (h = ${h}); with form or flushBelow the fused integrator records grid points only`);
      }
      return s;
    });
  }
  const distinct = [...new Set(wanted.filter((s) => s > 0))].sort((a, b) => a - b);
  const ran: IntegratePath = {
    path: 'fused',
    reason: `form '${form}'${flushBelow > 0 ? `, flushBelow ${flushBelow}` : ''}: fused f64 twin (not compileRhs + ode.rk4, which have neither)`,
  };
  const assemble = (res: IntegratorResult | undefined, upTo: number, stats: IntegrationStats) => {
    const at = new Map(res ? Array.from(res.steps, (s, r) => [s, res.y[r]] as const) : []);
    const t: number[] = [], y: Float64Array[] = [];
    wanted.forEach((s, k) => {
      if (s > upTo) return;
      t.push(times[k]);
      y.push((at.get(s) ?? y0).slice());
    });
    return new Trajectory(Float64Array.from(t), y, B, D, names, stats);
  };
  const integ = compileIntegrator(system, { backend: 'f64', form });
  try {
    const res = integ.run({ y0, params, t0, t1, steps, recordSteps: distinct, flushBelow });
    return Object.assign(assemble(res, steps, { steps, rejected: 0, rhsEvals: 4 * steps }), { ran });
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    const s = err.step;
    const partial = assemble(s > 0 ? (err.partial as IntegratorResult) : undefined, s - 1, { steps: s, rejected: 0, rhsEvals: 4 * s });
    throw new DivergenceError({
      reason: err.reason, variable: err.variable, component: err.component, batchIndex: err.batchIndex,
      t: err.t, step: s, value: err.value, bound: err.bound, params: err.params ?? describe,
      ...(err.lastState ? { lastState: err.lastState, lastTime: err.lastTime } : {}),
    }, partial);
  }
}

export interface SimulateSdeOptions {
  /** values of the System's parameters, except those the mean field computes */
  readonly params: ParamValues;
  /** initial states: one record per member, or the whole batch state (B·D, in the System's state order) */
  readonly initial: readonly ParamValues[] | Float64Array;
  readonly t1: number;
  readonly t0?: number;
  /** number of equal steps over [t0, t1]; or give */
  readonly steps?: number;
  /** the step, shrunk so that the steps end at t1 (with align 'records': at every record time) */
  readonly dt?: number;
  /** seed of the Brownian increments, or the seeded Rng to draw them from */
  readonly seed: number | bigint | Rng;
  /** default: every step */
  readonly record?: RecordSpec;
  /** 'grid' (default) or 'records' (equal steps between consecutive record times): SdeOptions.align */
  readonly align?: 'grid' | 'records';
  /**
   * McKean–Vlasov coupling: quantities computed from the whole batch (the
   * particle cloud) on the initial state and after every step. Those named
   * like parameters of the System are fed into them, so the next step's
   * drift and diffusion use them; the records hold all of them instead of
   * the state (the end state is `endState`).
   */
  readonly meanField?: MeanField;
  /** |y| above this stops the run (default 1e12) */
  readonly blowUp?: number;
  /** called after each record with its time */
  readonly onRecord?: (t: number) => void;
}

/**
 * Euler–Maruyama paths of a System with a diffusion (diagonal noise), seeded:
 * the one SDE entry. The drift and diffusion are compiled once; components
 * whose diffusion is the literal 0 draw no random numbers (the others draw
 * member by member, in state order). With `meanField`, a particle system whose
 * coefficients depend on moments of its own law (see SimulateSdeOptions).
 */
export function simulateSde(system: System, opts: SimulateSdeOptions): SdeTrajectory {
  if (!system.diffusion) throw new CompileError('simulateSde: the system has no diffusion');
  const D = system.state.length;
  let y0: Float64Array;
  if (opts.initial instanceof Float64Array) {
    y0 = opts.initial;
    if (y0.length === 0 || y0.length % D !== 0) {
      throw new CompileError(`simulateSde: the initial batch state has length ${y0.length}, not a positive multiple of ${D} (${system.state.join(', ')})`);
    }
  } else {
    const initial = opts.initial as readonly ParamValues[];
    if (initial.length === 0) throw new CompileError('simulateSde: no initial state given');
    y0 = new Float64Array(initial.length * D);
    initial.forEach((s, b) => y0.set(stateVector(system, s), b * D));
  }
  const mf = opts.meanField;
  const slots = (mf?.names ?? []).map((name) => system.params.indexOf(name));
  const theta = paramVector(system, opts.params, new Set((mf?.names ?? []).filter((name) => system.params.includes(name))));
  const drift = compileRhs(system, { params: theta });
  const diffusion = compileRhs(system, { params: theta, which: 'diffusion' });
  const noisy = system.diffusion.flatMap((g, i) => (g.kind === 'num' && g.p === 0 ? [] : [i]));
  // the mean field's values go into the parameters the compiled drift and diffusion read at every call
  const meanField: MeanField | undefined = mf && {
    names: mf.names,
    compute: (t, y, out) => {
      mf.compute(t, y, out);
      for (let k = 0; k < slots.length; k++) if (slots[k] >= 0) theta[slots[k]] = out[k];
    },
  };
  const t0 = opts.t0 ?? 0;
  return eulerMaruyama({ drift, diffusion }, y0, {
    t0, t1: opts.t1, batch: y0.length / D, dim: D, names: [...system.state],
    params: Object.entries(opts.params).map(([k, v]) => `${k}=${v}`).join(', '),
    rng: opts.seed instanceof Rng ? opts.seed : new Rng(opts.seed),
    noisy, meanField, steps: opts.steps, dt: opts.dt, record: opts.record, align: opts.align,
    blowUp: opts.blowUp, onRecord: opts.onRecord,
  });
}
