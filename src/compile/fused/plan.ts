// The fused integrator's options and the validation of a run: batch, parameter
// layout, step size, record schedule, blow-up bound and flush threshold, and
// the shape of what a run returns.

import { ArgumentError } from '../../core/index.ts';
import type { RanBackend } from '../gpujs.ts';
import type { Backend, ParamLayout } from '../runtime.ts';
import type { Precision } from '../runtime-cost.ts';
import type { DriftForm, IntegratorMethod } from './step.ts';

export interface IntegratorOptions {
  /** default 'rk4' (classical, as src/numeric/ode.ts) */
  readonly method?: IntegratorMethod;
  /** default 'auto' */
  readonly backend?: Backend;
  /** default 'f64' for 'auto'/'f64', 'f32' for the gpu.js backends */
  readonly precision?: Precision;
  /** name of time in the drift, if not a state or parameter (default 't') */
  readonly time?: string;
  /**
   * How the drift is evaluated. 'as-written': the operations compileRhs
   * performs, in its order (the twin is then bit-identical to compileRhs +
   * ode.rk4). 'collected': each component that is a polynomial in the state
   * becomes Σ c_m(θ, t)·x^m, its coefficients computed once per member (for
   * shared parameters once per run) and its monomials built one
   * multiplication each from shared lower ones; a component keeps its
   * written form where that needs fewer operations (or is not polynomial).
   * Same function, different rounding. Default: 'as-written' for precision
   * 'f64', 'collected' for 'f32'.
   */
  readonly form?: DriftForm;
}

export interface RunOptions {
  /** initial states, B·D */
  readonly y0: ArrayLike<number>;
  /** nP values shared by every member, or B·nP (one row per member) */
  readonly params?: ArrayLike<number>;
  /** default 0 */
  readonly t0?: number;
  /** the step; or give t1: then h = (t1 − t0)/steps and the last step ends at t1 exactly (as ode.rk4) */
  readonly dt?: number;
  readonly t1?: number;
  readonly steps: number;
  /** record every k-th step (and the last); default: only the final state */
  readonly recordEvery?: number;
  /** or the steps to record, increasing, in [1, steps] (overrides recordEvery) */
  readonly recordSteps?: ArrayLike<number>;
  /** |y| above this (or NaN/Inf) is divergence; default 1e12 (as ode.rk4) */
  readonly blowUp?: number;
  /**
   * After each step, set state components with |y| < flushBelow to 0
   * (default 0: off). Trajectories that decay to 0 otherwise end in
   * subnormal numbers, whose arithmetic costs ~100 cycles per operation on
   * x86 (WebAssembly cannot switch on flush-to-zero). Adds at most
   * flushBelow per component per step to the error.
   */
  readonly flushBelow?: number;
  /**
   * runAsync on the f64 twin only: threads to split the members over (the calling
   * thread and threads − 1 workers; same bits as one thread). Default: the compile
   * runtime's twin rule (all cores, at most 8, for ≥ 2^18 member-steps); 0 or 1: the
   * calling thread alone. Ignored by run() and by the GPU.js backends.
   */
  readonly threads?: number;
}

export interface IntegratorResult {
  /** time of each record */
  readonly t: Float64Array;
  /** one B·D state per record (views into one buffer) */
  readonly y: Float64Array[];
  /** step number of each record (1 = after the first step) */
  readonly steps: Int32Array;
  /** what computed it */
  readonly backend: RanBackend;
  /** whether the members were split over worker threads (gpu.js 'async', or the f64 twin on runAsync) */
  readonly threaded: boolean;
  readonly reason: string;
  /**
   * Members that became non-finite or left the blow-up bound, in increasing
   * order (gpu.js paths, which cannot throw: such a member's later records
   * are whatever f32 arithmetic made of it, or, when D is a multiple of 4,
   * its frozen offending state; the f64 twin throws DivergenceError instead,
   * so this is empty there).
   */
  readonly diverged: number[];
  /** for each entry of `diverged`, the step where it left the bound (0: its initial state; −1: not reported, D a multiple of 4) */
  readonly divergedStep: number[];
}

/** |y| above this (or NaN/Inf) is divergence unless RunOptions.blowUp says otherwise (as ode.rk4). */
export const DEFAULT_BLOW_UP = 1e12;

/** A validated run: batch, layout, step size, record schedule. */
export interface Plan {
  /** names of the state variables and parameters (for reports) */
  readonly state: readonly string[];
  readonly params: readonly string[];
  readonly B: number;
  readonly layout: ParamLayout;
  readonly P: ArrayLike<number>;
  /** the caller's own array when planRun borrowed it: only read */
  readonly y0: Float64Array;
  readonly t0: number;
  readonly h: number;
  readonly tEnd: number;
  readonly steps: number;
  /** steps to record, increasing, last = steps unless given explicitly */
  readonly schedule: Int32Array;
  readonly bound: number;
  readonly flush: number;
}

const PLACEHOLDER = new Float64Array(1);

/**
 * Validates run options for a system with these state variables and parameters. `borrow`: a
 * Float64Array y0 is used as it is, not copied (for runs that finish before returning; the
 * runs only read it): the copy's fresh pages measured 5 % of the f64 twin's time on Lorenz,
 * 10^5 members × 100 steps.
 */
export function planRun(o: RunOptions, names: { readonly state: readonly string[]; readonly params: readonly string[] }, borrow = false): Plan {
  const D = names.state.length, nP = names.params.length;
  if (!o || typeof o !== 'object') throw new ArgumentError('run expects { y0, params, t0, dt | t1, steps }');
  const y0 = borrow && o.y0 instanceof Float64Array ? o.y0 : Float64Array.from(o.y0 ?? []);
  if (y0.length === 0 || y0.length % D !== 0) {
    throw new ArgumentError(`y0 has length ${y0.length}, not a positive multiple of ${D} (${names.state.join(', ')})`);
  }
  const B = y0.length / D;
  let P: ArrayLike<number> = PLACEHOLDER;
  let layout: ParamLayout = 'shared';
  if (nP > 0) {
    const p = o.params;
    if (!p || typeof p.length !== 'number') throw new ArgumentError(`parameters ${names.params.join(', ')} need values`);
    if (p.length === nP) layout = 'shared';
    else if (p.length === B * nP) layout = 'member';
    else throw new ArgumentError(`params have length ${p.length}: expected ${nP} (shared) or ${B}×${nP} = ${B * nP} (per member)`);
    P = p;
  }
  const steps = o.steps;
  if (!(Number.isInteger(steps) && steps >= 1 && steps < 2 ** 31)) throw new ArgumentError(`steps must be a positive integer, got ${steps}`);
  const t0 = o.t0 ?? 0;
  if (!Number.isFinite(t0)) throw new ArgumentError(`t0 must be finite, got ${t0}`);
  let h: number, tEnd: number;
  if (o.t1 !== undefined) {
    if (o.dt !== undefined) throw new ArgumentError('give dt or t1, not both');
    if (!Number.isFinite(o.t1)) throw new ArgumentError(`t1 must be finite, got ${o.t1}`);
    h = (o.t1 - t0) / steps;
    tEnd = o.t1;
  } else {
    if (!(typeof o.dt === 'number' && Number.isFinite(o.dt) && o.dt !== 0)) throw new ArgumentError(`dt must be a finite non-zero number, got ${o.dt}`);
    h = o.dt;
    tEnd = t0 + steps * h;
  }
  const bound = o.blowUp ?? DEFAULT_BLOW_UP;
  if (!(bound > 0)) throw new ArgumentError(`blowUp must be positive, got ${bound}`);
  const flush = o.flushBelow ?? 0;
  if (!(flush >= 0 && flush < bound)) throw new ArgumentError(`flushBelow must be ≥ 0 and below blowUp, got ${flush}`);
  let schedule: Int32Array;
  if (o.recordSteps !== undefined) {
    schedule = Int32Array.from(o.recordSteps as ArrayLike<number>);
    for (let r = 0; r < schedule.length; r++) {
      const v = (o.recordSteps as ArrayLike<number>)[r];
      if (!(Number.isInteger(v) && v >= 1 && v <= steps) || (r > 0 && !(v > schedule[r - 1]))) {
        throw new ArgumentError(`recordSteps must be increasing integers in [1, ${steps}], got ${v} at ${r}`);
      }
    }
  } else {
    const every = o.recordEvery ?? steps;
    if (!(Number.isInteger(every) && every >= 1)) throw new ArgumentError(`recordEvery must be a positive integer, got ${every}`);
    const list: number[] = [];
    for (let s = every; s < steps; s += every) list.push(s);
    list.push(steps);
    schedule = Int32Array.from(list);
  }
  return { state: names.state, params: names.params, B, layout, P, y0, t0, h, tEnd, steps, schedule, bound, flush };
}

/** Time after step s (tEnd exactly after the last step, as ode.rk4). */
export function timeOf(plan: Plan, s: number): number {
  return s === plan.steps ? plan.tEnd : plan.t0 + s * plan.h;
}

/** "p=v, ..." for member b, as DivergenceError reports parameters. */
export function memberParams(plan: Plan, b: number): string {
  const nP = plan.params.length;
  if (nP === 0) return '';
  const off = plan.layout === 'member' ? b * nP : 0;
  return plan.params.map((p, j) => `${p}=${plan.P[off + j]}`).join(', ');
}

export type ResultReport = Omit<IntegratorResult, 't' | 'y' | 'steps'>;

/** A result from its records (one per entry of stepsDone) and the report. */
export function runResult(plan: Plan, records: Float64Array[], stepsDone: Int32Array, extra: ResultReport): IntegratorResult {
  return { t: Float64Array.from(stepsDone, (s) => timeOf(plan, s)), y: records, steps: stepsDone, ...extra };
}
