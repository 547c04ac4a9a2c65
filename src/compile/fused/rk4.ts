// integrate()'s RK4 path through the fused f64 twin: records on the step
// grid only (else ode.rk4 keeps it), the Trajectory and, on divergence, the
// DivergenceError that compileRhs + ode.rk4 would give, bit for bit.

import type { System } from '../../symbolic/index.ts';
import { DivergenceError } from '../../numeric/index.ts';
import { Trajectory, type IntegrationStats } from '../../numeric/index.ts';
import { compileIntegrator } from './integrator.ts';
import type { IntegratorResult } from './plan.ts';

/** Which path `integrate` took, and why (attached to its Trajectory as `ran`). */
export interface IntegratePath {
  readonly path: 'fused' | 'rk4' | 'dopri5';
  readonly reason: string;
}

export interface FusedRk4Request {
  readonly y0: Float64Array;
  /** nP shared or B·nP per member */
  readonly params: Float64Array;
  readonly t0: number;
  readonly t1: number;
  readonly steps: number;
  /** as ode.rk4's RecordSpec in integrate: 'final', 'steps' or record times */
  readonly record: 'final' | 'steps' | readonly number[];
  readonly batch: number;
  readonly names: string[];
  /** the parameter description ode.rk4 would echo in a DivergenceError */
  readonly describe: string;
}

/**
 * The steps whose states `record` asks for, when every record is a grid
 * point (within ode.rk4's tolerance 1e-9·h, so rk4 would record the grid
 * state there too) and the records are sparse (at most one step in two);
 * otherwise a reason to leave it to ode.rk4.
 */
export function gridRecords(record: FusedRk4Request['record'], t0: number, t1: number, steps: number):
  { steps: number[]; reason: string } | { steps: undefined; reason: string } {
  if (record === 'steps') return { steps: undefined, reason: 'every step recorded: dense records, ode.rk4' };
  if (record === 'final') return { steps: [0, steps], reason: "record 'final'" };
  const h = (t1 - t0) / steps, tol = 1e-9 * Math.abs(h);
  const out: number[] = [];
  for (const tau of record) {
    const s = Math.round((tau - t0) / h);
    const grid = s === steps ? t1 : t0 + s * h;
    if (!(s >= 0 && s <= steps && Math.abs(tau - grid) <= tol)) {
      return { steps: undefined, reason: `record time ${tau} is between grid points (ode.rk4 interpolates)` };
    }
    out.push(s);
  }
  if (new Set(out.filter((s) => s > 0)).size > steps / 2) return { steps: undefined, reason: 'dense records, ode.rk4' };
  return { steps: out, reason: `${out.length} record times on the step grid` };
}

/**
 * integrate()'s RK4 through the fused f64 twin (form 'as-written', so the
 * result is bit-identical to compileRhs + ode.rk4): the same Trajectory
 * (times, records including the initial state, stats) and, on divergence,
 * the same DivergenceError (variable, member, step, time, value, the
 * parameter description, the batch's last good state and the records so
 * far). Undefined when the records are not sparse grid points; `why` then
 * says so.
 */
export function fusedRk4(system: System, req: FusedRk4Request): { trajectory?: Trajectory & { ran: IntegratePath }; why: string } {
  const { y0, params, t0, t1, steps, batch: B, names, describe } = req;
  const plan = gridRecords(req.record, t0, t1, steps);
  if (!plan.steps) return { why: plan.reason };
  const D = system.state.length;
  const wanted = plan.steps;
  const times: readonly number[] = req.record === 'final' ? [t0, t1] : (req.record as readonly number[]);
  const distinct = [...new Set(wanted.filter((s) => s > 0))].sort((a, b) => a - b);
  const integ = compileIntegrator(system, { backend: 'f64', form: 'as-written' });
  const ran: IntegratePath = { path: 'fused', reason: `${plan.reason}: fused f64 twin (bit-identical to compileRhs + ode.rk4)` };
  const assemble = (records: Map<number, Float64Array>, upTo: number, stats: IntegrationStats) => {
    const t: number[] = [], y: Float64Array[] = [];
    wanted.forEach((s, k) => {
      if (s > upTo) return;
      t.push(times[k]);
      y.push((records.get(s) ?? y0).slice());
    });
    return new Trajectory(Float64Array.from(t), y, B, D, names, stats);
  };
  const bySteps = (res: IntegratorResult) => new Map(Array.from(res.steps, (s, r) => [s, res.y[r]] as const));
  try {
    const res = integ.run({ y0, params, t0, t1, steps, recordSteps: distinct });
    const traj = assemble(bySteps(res), steps, { steps, rejected: 0, rhsEvals: 4 * steps });
    return { trajectory: Object.assign(traj, { ran }), why: ran.reason };
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    const s = err.step;
    const partial = s === 0
      ? new Trajectory(new Float64Array(0), [], B, D, names, { steps: 0, rejected: 0, rhsEvals: 0 })
      : assemble(bySteps(err.partial as IntegratorResult), s - 1, { steps: s, rejected: 0, rhsEvals: 4 * s });
    // the batch's last good state (ode.rk4 reports it): the same steps again, stopping before step s
    const h = (t1 - t0) / steps;
    const last = s === 0 ? undefined : s === 1 ? y0.slice() : integ.run({ y0, params, t0, dt: h, steps: s - 1 }).y[0].slice();
    throw new DivergenceError({
      reason: err.reason, variable: err.variable, component: err.component, batchIndex: err.batchIndex,
      t: err.t, step: s, value: err.value, bound: err.bound, params: describe,
      ...(last ? { lastState: last, lastTime: t0 + (s - 1) * h } : {}),
    }, partial);
  }
}
