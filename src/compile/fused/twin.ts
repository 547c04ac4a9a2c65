// The fused integrator's f64 twin runner and its divergence reports: the
// constants array K and the failure report N the emitted twin reads and
// writes (fused/source.ts), and the DivergenceError that names variable,
// member, step, time, value, the member's parameters and its last good
// state, with the records completed before the failing step.

import { DivergenceError } from '../../numeric/index.ts';
import { K_BOUND, K_FLUSH, K_H, K_H6, K_HALF, K_SCHEDULE, K_STEPS, K_T0, K_TEND, type TwinFn } from './source.ts';
import { type IntegratorResult, type Plan, type ResultReport, memberParams, runResult, timeOf } from './plan.ts';

/** Throws DivergenceError (step 0, no records) when an initial state is non-finite or beyond the bound. */
export function checkInitial(plan: Plan, extra: ResultReport): void {
  const D = plan.state.length;
  const y = plan.y0;
  for (let i = 0; i < y.length; i++) {
    const a = Math.abs(y[i]);
    if (!(a <= plan.bound) || a === Infinity) {
      const b = Math.floor(i / D);
      throw new DivergenceError({
        reason: Number.isFinite(y[i]) ? 'blow-up' : 'non-finite', variable: plan.state[i % D], component: i % D,
        batchIndex: b, t: plan.t0, step: 0, value: y[i], bound: plan.bound, params: memberParams(plan, b),
      }, runResult(plan, [], new Int32Array(0), extra));
    }
  }
}

/** The twin's constants (step, times, bound, schedule) into K (length K_SCHEDULE + schedule + 1). */
export function twinConstants(plan: Plan, K: Float64Array): Float64Array {
  const { schedule } = plan;
  K[K_H] = plan.h; K[K_HALF] = 0.5 * plan.h; K[K_H6] = plan.h / 6;
  K[K_T0] = plan.t0; K[K_TEND] = plan.tEnd;
  K[K_BOUND] = plan.bound === Infinity ? Number.MAX_VALUE : plan.bound;
  K[K_STEPS] = plan.steps;
  K[K_FLUSH] = plan.flush;
  K.set(schedule, K_SCHEDULE);
  K[K_SCHEDULE + schedule.length] = plan.steps + 1;
  return K;
}

/** The f64 twin over the whole batch; throws DivergenceError with the records before the failing step. */
export function runFusedTwin(twin: TwinFn, plan: Plan, reason: string): IntegratorResult {
  const D = plan.state.length;
  const extra: ResultReport = { backend: 'f64', threaded: false, reason, diverged: [], divergedStep: [] };
  checkInitial(plan, extra);
  const { B, schedule } = plan;
  const M = B * D;
  const Y = new Float64Array(schedule.length * M);
  const K = twinConstants(plan, new Float64Array(K_SCHEDULE + schedule.length + 1));
  const N = new Float64Array(2 + 2 * D);
  N[0] = -1;
  twin(plan.y0, plan.P, Y, K, N, B);
  const views = (count: number) => Array.from({ length: count }, (_, r) => Y.subarray(r * M, (r + 1) * M));
  if (N[0] < 0) return runResult(plan, views(schedule.length), schedule, extra);
  // divergence: member b at step s; records before s are complete for every member
  const b = N[0], s = N[1];
  let kept = 0;
  while (kept < schedule.length && schedule[kept] < s) kept++;
  let component = 0;
  for (let i = 0; i < D; i++) {
    const a = Math.abs(N[2 + i]);
    if (!(a <= plan.bound) || a === Infinity) { component = i; break; }
  }
  const value = N[2 + component];
  throw new DivergenceError({
    reason: Number.isFinite(value) ? 'blow-up' : 'non-finite',
    variable: plan.state[component], component, batchIndex: b,
    t: timeOf(plan, s), step: s, value, bound: plan.bound,
    params: memberParams(plan, b),
    lastState: N.slice(2 + D, 2 + 2 * D), lastTime: timeOf(plan, s - 1),
  }, runResult(plan, views(kept), schedule.slice(0, kept), extra));
}
