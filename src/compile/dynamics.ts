// What a researcher does with a System: its Jacobian, its LaTeX, its fixed points
// (Newton with the symbolic Jacobian, eigenvalues, classification) and its
// integration through the compiled right-hand side. This lives in compile/ because
// it is where the symbolic and the numeric layers meet.

import type { Expr } from '../symbolic/expr.ts';
import type { System } from '../symbolic/system.ts';
import { jacobian } from '../symbolic/diff.ts';
import { simplify } from '../symbolic/simplify.ts';
import { latexSystem } from '../symbolic/latex.ts';
import { compile, compileRhs } from './kernel.ts';
import { CompileError } from './lower.ts';
import { fusedRk4, type IntegratePath } from './integrator.ts';
import { rk4, dopri5, type Trajectory } from '../numeric/ode.ts';
import { eulerMaruyama } from '../numeric/sde.ts';
import { Rng } from '../numeric/rng.ts';
import { findFixedPoints, type FixedPoint, type RandomStarts } from '../numeric/fixedpoints.ts';

export type ParamValues = Readonly<Record<string, number>>;

/** Parameter values in the System's order; every parameter must be given and finite. */
export function paramVector(system: System, values: ParamValues): Float64Array {
  const unknown = Object.keys(values).filter((k) => !system.params.includes(k));
  if (unknown.length) {
    throw new CompileError(`unknown parameter(s) ${unknown.join(', ')} (the system has ${system.params.join(', ') || 'none'})`);
  }
  return Float64Array.from(system.params, (p) => {
    const v = values[p];
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
}

/**
 * Integrates a System for a batch of initial states (and parameter sets) through
 * its compiled right-hand side. A diverging member stops the run with a
 * DivergenceError that names the variable, time, step and parameters.
 * RK4 with record 'final' or sparse record times on the step grid runs as one
 * fused f64 function (src/compile/integrator.ts; same bits); `ran` on the
 * result says which path ran and why.
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
  if ((opts.method ?? 'rk4') === 'rk4') {
    const steps = opts.steps ?? Math.max(100, Math.ceil(100 * (opts.t1 - t0)));
    const record = opts.record === 'final' ? 'final' : opts.record ? [...opts.record] : 'steps';
    // final or sparse on-grid records: one fused f64 function, bit-identical to the loop below
    const fused = fusedRk4(system, { y0, params: P, t0, t1: opts.t1, steps, record, batch: B, names: [...system.state], describe });
    if (fused.trajectory) return fused.trajectory;
    const ran: IntegratePath = { path: 'rk4', reason: `${fused.why}: compileRhs + ode.rk4` };
    return Object.assign(rk4(compileRhs(system, { params: P }), y0, { ...common, steps, record }), { ran });
  }
  const record = opts.record === 'final' ? 'final'
    : opts.record ? [...opts.record] : Array.from({ length: 201 }, (_, i) => t0 + ((opts.t1 - t0) * i) / 200);
  const ran: IntegratePath = { path: 'dopri5', reason: "method 'dopri5': compileRhs + ode.dopri5" };
  return Object.assign(dopri5(compileRhs(system, { params: P }), y0, { ...common, rtol: opts.rtol ?? 1e-9, atol: opts.atol ?? 1e-12, record }), { ran });
}

/** Euler–Maruyama paths of a System with a diffusion (diagonal noise), seeded. */
export function simulateSde(
  system: System,
  opts: { params: ParamValues; initial: readonly ParamValues[]; t1: number; steps: number; seed: number; record?: readonly number[] },
): Trajectory {
  if (!system.diffusion) throw new CompileError('simulateSde: the system has no diffusion');
  const B = opts.initial.length, D = system.state.length;
  const theta = paramVector(system, opts.params);
  const y0 = new Float64Array(B * D);
  opts.initial.forEach((s, b) => y0.set(stateVector(system, s), b * D));
  const drift = compileRhs(system, { params: theta });
  const diffusion = compileRhs(system, { params: theta, which: 'diffusion' });
  return eulerMaruyama({ drift, diffusion }, y0, {
    t0: 0, t1: opts.t1, steps: opts.steps, batch: B, dim: D, rng: new Rng(opts.seed),
    names: [...system.state], ...(opts.record ? { record: [...opts.record] } : {}),
  });
}
