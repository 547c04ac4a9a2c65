// The result type shared by the ODE and SDE integrators, and the checks they share.

import { DivergenceError, describeParams, type DivergenceReason, type ParamsDescription } from './errors.ts';
import { ArgumentError } from '../core/index.ts';

/** Right-hand side over a whole batch: fill `out` (length batch·dim) from `y` at time `t`. */
export type BatchRhs = (t: number, y: Float64Array, out: Float64Array) => void;

/**
 * What to record: `'steps'` every step (default), `'final'` only the end state (and the start),
 * `{ every: k }` every k-th step plus the end, or an increasing list of times.
 */
export type RecordSpec = 'steps' | 'final' | { every: number } | ArrayLike<number>;

export interface IntegrationStats {
  /** Accepted steps. */
  steps: number;
  /** Rejected step attempts (adaptive methods). */
  rejected: number;
  /** Calls of the right-hand side (each covers the whole batch). */
  rhsEvals: number;
}

/** Options every integrator takes. */
export interface BatchOptions {
  t0: number;
  t1: number;
  /** Number of independent systems; the state is batch·dim long. Default 1. */
  batch?: number;
  /** Dimension of one system. Default: y0.length / batch. */
  dim?: number;
  /** Variable names, used in error messages and by `series(name)`. */
  names?: string[];
  /** Description of the parameters, echoed in divergence errors. */
  params?: ParamsDescription;
  /** |y| above this stops the run with a DivergenceError. Default 1e12. */
  blowUp?: number;
}

/**
 * A trajectory as plain data: the recorded times and one array per named
 * variable, all of the same length (JSON-ready). The simulators of the
 * models return this shape; `Trajectory.named()` gives it for any
 * integrator result, and `namedSeries` takes either.
 */
export interface NamedSeries {
  t: number[];
  series: Record<string, number[]>;
}

/** Recorded times and batch states of an integration. */
export class Trajectory {
  constructor(
    /** Recorded times. */
    readonly t: Float64Array,
    /** `y[k]` is the whole batch state (batch·dim, system b at [b·dim, (b+1)·dim)) at `t[k]`. */
    readonly y: Float64Array[],
    readonly batch: number,
    readonly dim: number,
    readonly names: string[] | undefined,
    readonly stats: IntegrationStats,
  ) {}

  /** The last recorded state. */
  get final(): Float64Array {
    return this.y[this.y.length - 1];
  }

  /** Time series of one component (index or name) of one batch member. */
  series(component: number | string, member = 0): Float64Array {
    const i = typeof component === 'number' ? component : this.names?.indexOf(component) ?? -1;
    if (i < 0 || i >= this.dim) throw new ArgumentError(`Trajectory.series: unknown component ${String(component)}`);
    if (member < 0 || member >= this.batch) throw new ArgumentError(`Trajectory.series: batch member ${member} out of [0, ${this.batch})`);
    return Float64Array.from(this.y, (state) => state[member * this.dim + i]);
  }

  /**
   * The named-series view of one batch member: times and, per variable (its
   * name, or `y[i]` when unnamed), the array of its recorded values.
   */
  named(member = 0): NamedSeries {
    if (!(Number.isInteger(member) && member >= 0 && member < this.batch)) {
      throw new ArgumentError(`Trajectory.named: batch member ${member} out of [0, ${this.batch})`);
    }
    const o = member * this.dim;
    const series: Record<string, number[]> = Object.create(null);
    for (let i = 0; i < this.dim; i++) series[this.names?.[i] ?? `y[${i}]`] = this.y.map((state) => state[o + i]);
    return { t: Array.from(this.t), series };
  }

  /** A one-member Trajectory holding named series (the inverse of `named()`); stats as given, or zero. */
  static fromNamed(data: NamedSeries, stats: IntegrationStats = { steps: 0, rejected: 0, rhsEvals: 0 }): Trajectory {
    const names = Object.keys(data.series);
    for (const name of names) {
      if (data.series[name].length !== data.t.length) {
        throw new ArgumentError(`Trajectory.fromNamed: series ${name} has ${data.series[name].length} values for ${data.t.length} times`);
      }
    }
    const y = data.t.map((_, k) => Float64Array.from(names, (name) => data.series[name][k]));
    return new Trajectory(Float64Array.from(data.t), y, 1, names.length, names, { ...stats });
  }
}

/** Any result, integrator Trajectory or named series, as named series (member `member` of a batch). */
export function namedSeries(result: Trajectory | NamedSeries, member = 0): NamedSeries {
  return result instanceof Trajectory ? result.named(member) : result;
}

/** Growing list of recorded (t, state) pairs. */
export class Recorder {
  readonly times: number[] = [];
  readonly states: Float64Array[] = [];
  push(t: number, state: Float64Array): void {
    this.times.push(t);
    this.states.push(state.slice());
  }
  trajectory(layout: BatchLayout, stats: IntegrationStats): Trajectory {
    return new Trajectory(Float64Array.from(this.times), this.states.slice(), layout.batch, layout.dim, layout.names, { ...stats });
  }
}

export interface BatchLayout {
  batch: number;
  dim: number;
  names: string[] | undefined;
  bound: number;
  params: string | undefined;
}

/** Validates batch/dim/names against y0 and fills in defaults. */
export function batchLayout(y0: ArrayLike<number>, opts: BatchOptions, who: string): BatchLayout {
  const batch = opts.batch ?? 1;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new ArgumentError(`${who}: batch must be a positive integer, got ${batch}`);
  const dim = opts.dim ?? y0.length / batch;
  if (!(Number.isInteger(dim) && dim >= 1) || batch * dim !== y0.length) {
    throw new ArgumentError(`${who}: y0 has length ${y0.length}, expected batch·dim = ${batch}·${opts.dim ?? '?'}`);
  }
  if (opts.names && opts.names.length !== dim) {
    throw new ArgumentError(`${who}: ${opts.names.length} names given for dimension ${dim}`);
  }
  if (!Number.isFinite(opts.t0) || !Number.isFinite(opts.t1)) throw new ArgumentError(`${who}: t0 and t1 must be finite`);
  const bound = opts.blowUp ?? 1e12;
  if (!(bound > 0)) throw new ArgumentError(`${who}: blowUp must be positive, got ${bound}`);
  return { batch, dim, names: opts.names, bound, params: describeParams(opts.params) };
}

/** Index of the first entry that is NaN, ±Inf or above the bound in magnitude; −1 if none. */
export function firstBadIndex(y: Float64Array, bound: number): number {
  for (let i = 0, n = y.length; i < n; i++) {
    const a = Math.abs(y[i]);
    if (!(a <= bound) || a === Infinity) return i;
  }
  return -1;
}

export function variableName(layout: BatchLayout, component: number): string {
  return layout.names?.[component] ?? `y[${component}]`;
}

/** Builds the DivergenceError for entry `index` of the flat batch state. */
export function divergenceAt<P>(
  layout: BatchLayout, index: number, value: number, t: number, step: number, partial: P,
  last?: { state: Float64Array; t: number }, reason?: DivergenceReason,
): DivergenceError<P> {
  const component = index % layout.dim;
  return new DivergenceError(
    {
      reason: reason ?? (Number.isFinite(value) ? 'blow-up' : 'non-finite'),
      variable: variableName(layout, component),
      component,
      batchIndex: Math.floor(index / layout.dim),
      t, step, value,
      bound: layout.bound,
      params: layout.params,
      lastState: last?.state.slice(),
      lastTime: last?.t,
    },
    partial,
  );
}

export type ParsedRecord =
  | { kind: 'every'; every: number }
  | { kind: 'final' }
  | { kind: 'times'; times: Float64Array };

/** Parses a RecordSpec; record times must be monotone in the direction of integration and inside [t0, t1]. */
export function parseRecord(spec: RecordSpec | undefined, t0: number, t1: number, who: string): ParsedRecord {
  if (spec === undefined || spec === 'steps') return { kind: 'every', every: 1 };
  if (spec === 'final') return { kind: 'final' };
  if (typeof spec === 'object' && typeof (spec as { length?: unknown }).length !== 'number' && 'every' in spec) {
    if (!(Number.isInteger(spec.every) && spec.every >= 1)) throw new ArgumentError(`${who}: record.every must be a positive integer`);
    return { kind: 'every', every: spec.every };
  }
  const times = Float64Array.from(spec as ArrayLike<number>);
  const dir = Math.sign(t1 - t0) || 1;
  const lo = Math.min(t0, t1), hi = Math.max(t0, t1);
  const slack = 1e-12 * Math.max(1, Math.abs(t0), Math.abs(t1));
  for (let k = 0; k < times.length; k++) {
    if (!(times[k] >= lo - slack && times[k] <= hi + slack)) throw new ArgumentError(`${who}: record time ${times[k]} outside [${lo}, ${hi}]`);
    if (k > 0 && (times[k] - times[k - 1]) * dir < 0) throw new ArgumentError(`${who}: record times must be ordered from t0 towards t1`);
  }
  return { kind: 'times', times };
}

/** Number of fixed steps and their size from `steps` or `dt` (dt is shrunk so an integer number of steps ends at t1). */
export function fixedSteps(t0: number, t1: number, steps: number | undefined, dt: number | undefined, who: string): { steps: number; h: number } {
  const span = t1 - t0;
  let n: number;
  if (steps !== undefined) {
    if (!(Number.isInteger(steps) && steps >= 1)) throw new ArgumentError(`${who}: steps must be a positive integer, got ${steps}`);
    n = steps;
  } else if (dt !== undefined) {
    if (!(dt > 0)) throw new ArgumentError(`${who}: dt must be positive, got ${dt}`);
    n = Math.max(1, Math.ceil(Math.abs(span) / dt - 1e-9));
  } else {
    throw new ArgumentError(`${who}: give steps or dt`);
  }
  return { steps: n, h: span / n };
}
