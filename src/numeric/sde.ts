// Batched Itô SDE integrators with diagonal noise: dY_i = f_i(t, Y) dt + g_i(t, Y) dW_i,
// each component of each batch member driven by its own Brownian motion.

import type { Rng } from './rng.ts';
import {
  Recorder, Trajectory, batchLayout, divergenceAt, firstBadIndex, fixedSteps, parseRecord,
  type BatchOptions, type BatchRhs, type IntegrationStats, type RecordSpec,
} from './trajectory.ts';
import { ArgumentError } from '../core/index.ts';

export { Trajectory } from './trajectory.ts';

/** Diagonal-noise SDE over a batch; each function fills a batch·dim array. */
export interface DiagonalSde {
  /** f(t, y). */
  drift: BatchRhs;
  /** g_i(t, y): the noise amplitude of component i. */
  diffusion: BatchRhs;
  /** ∂g_i/∂y_i (Milstein only). */
  diffusionDerivative?: BatchRhs;
}

/** Fills `dW` (batch·dim) with the Brownian increments over [t, t + dt]. */
export type NoiseSource = (t: number, dt: number, dW: Float64Array) => void;

/**
 * A mean-field (McKean–Vlasov) coupling: quantities computed from the whole
 * batch, e.g. the moments of a particle cloud, that the drift and diffusion
 * read at the next step (typically as parameters that `compute` updates).
 */
export interface MeanField {
  /** Names of the quantities (the variables of the records). */
  readonly names: readonly string[];
  /**
   * Fills `out` (names.length values) from the batch state `y` at time `t`.
   * Called on the initial state and after every step, so each step's drift
   * and diffusion see the values of the state they are evaluated at.
   */
  compute(t: number, y: Float64Array, out: Float64Array): void;
}

export interface SdeOptions extends BatchOptions {
  steps?: number;
  /** Step size (shrunk so that an integer number of steps ends at t1, or with align 'records' at each record time). */
  dt?: number;
  /** Source of the Brownian increments √dt·N(0, 1); required unless `noise` is given. */
  rng?: Rng;
  /** Custom increments, e.g. a Brownian path shared between step sizes (then `rng` is not used). */
  noise?: NoiseSource;
  /** Default 'steps'. With align 'grid', record times must lie on the step grid. */
  record?: RecordSpec;
  /**
   * 'grid' (default): one grid of equal steps over [t0, t1]. 'records' (with
   * record times and dt): each span between consecutive record times, from
   * t0, is split into ⌈span/dt⌉ equal steps, so any record times are hit
   * exactly (then on to t1 unrecorded if it lies beyond the last); t1 = t0 is
   * allowed there (records of the initial state only).
   */
  align?: 'grid' | 'records';
  /**
   * The components (0 ≤ i < dim) that carry noise; default all. The default
   * increments are drawn for these only, member by member (so a component
   * whose diffusion is identically 0 consumes no random numbers); the other
   * increments are 0, and the other components' diffusion must be 0. A custom
   * `noise` fills dW itself.
   */
  noisy?: ArrayLike<number>;
  /** Mean-field coupling. The records then hold its quantities (one member, `meanField.names`) instead of the state. */
  meanField?: MeanField;
  /** Called after each record with its time (progress of long runs). */
  onRecord?: (t: number) => void;
}

/** An SDE run: what was recorded, and the whole batch state at the end (with a mean field, the only place the particles are). */
export type SdeTrajectory = Trajectory & { readonly endState: Float64Array };

/** Euler–Maruyama: strong order 1/2, weak order 1. */
export function eulerMaruyama(sde: DiagonalSde, y0: ArrayLike<number>, opts: SdeOptions): SdeTrajectory {
  return integrateSde(sde, y0, opts, false, 'eulerMaruyama');
}

/** Milstein for diagonal noise, Y += f h + g ΔW + ½ g ∂g/∂y (ΔW² − h): strong order 1. */
export function milstein(sde: DiagonalSde, y0: ArrayLike<number>, opts: SdeOptions): SdeTrajectory {
  if (!sde.diffusionDerivative) throw new Error('milstein: the SDE needs diffusionDerivative (∂g_i/∂y_i)');
  return integrateSde(sde, y0, opts, true, 'milstein');
}

/** A stretch of equal steps; `record` ≥ 0: record time number `record` falls on its end. */
interface Segment {
  readonly start: number;
  readonly end: number;
  readonly steps: number;
  readonly h: number;
  readonly record: number;
}

function integrateSde(sde: DiagonalSde, y0: ArrayLike<number>, opts: SdeOptions, useMilstein: boolean, who: string): SdeTrajectory {
  const layout = batchLayout(y0, opts, who);
  const align = opts.align ?? 'grid';
  if (align !== 'grid' && align !== 'records') throw new ArgumentError(`${who}: align must be 'grid' or 'records', got ${String(align)}`);
  const forward = () => new ArgumentError(`${who}: need t1 > t0, got [${opts.t0}, ${opts.t1}]`);
  if (!(opts.t1 > opts.t0) && !(align === 'records' && opts.t1 === opts.t0)) throw forward();
  const record = parseRecord(opts.record, opts.t0, opts.t1, who);
  const byRecords = align === 'records' && record.kind === 'times';
  if (!(opts.t1 > opts.t0) && !byRecords) throw forward();
  const n = y0.length, t0 = opts.t0;
  const noisy = opts.noisy === undefined ? undefined : noisyComponents(opts.noisy, layout.dim, who);
  const mf = opts.meanField;

  // The steps: one grid over [t0, t1], or equal steps between consecutive record times.
  const segments: Segment[] = [];
  let recordSteps: Int32Array | undefined;
  let gridSteps = 0;
  if (byRecords) {
    const dt = opts.dt;
    if (!(typeof dt === 'number' && dt > 0 && Number.isFinite(dt))) throw new ArgumentError(`${who}: align 'records' needs a step dt > 0, got ${dt}`);
    const split = (start: number, end: number, k: number) => {
      const span = end - start;
      const steps = span > 0 ? Math.max(1, Math.ceil(span / dt - 1e-9)) : 0;
      segments.push({ start, end, steps, h: steps > 0 ? span / steps : 0, record: k });
    };
    let start = t0;
    record.times.forEach((end, k) => { split(start, end, k); if (end > start) start = end; });
    if (opts.t1 > start) split(start, opts.t1, -1);
  } else {
    const { steps, h } = fixedSteps(t0, opts.t1, opts.steps, opts.dt, who);
    segments.push({ start: t0, end: opts.t1, steps, h, record: -1 });
    gridSteps = steps;
    // Record times → step indices, which must be on the grid.
    if (record.kind === 'times') {
      recordSteps = Int32Array.from(record.times, (tau) => {
        const s = Math.round((tau - t0) / h);
        if (Math.abs(t0 + s * h - tau) > 1e-9 * h) throw new ArgumentError(`${who}: record time ${tau} is not on the step grid (dt = ${h})`);
        return s;
      });
    }
  }
  const noise = opts.noise ?? defaultNoise(opts.rng, who, layout.batch, layout.dim, noisy);

  // the state, and the buffer the next state is written to (then the last good state: they swap every step)
  let y = Float64Array.from(y0), spare = new Float64Array(n);
  const f = new Float64Array(n), g = new Float64Array(n), dW = new Float64Array(n);
  const dg = useMilstein ? new Float64Array(n) : undefined;
  const stats: IntegrationStats = { steps: 0, rejected: 0, rhsEvals: 0 };
  const rec = new Recorder();
  // with a mean field the records are its quantities, one "member" of names.length variables
  const recLayout = mf ? { ...layout, batch: 1, dim: mf.names.length, names: [...mf.names] } : layout;
  const partial = () => rec.trajectory(recLayout, stats);
  const mfValues = mf ? new Float64Array(mf.names.length) : undefined;
  const mfLast = mf ? new Float64Array(mf.names.length) : undefined;
  /** The mean field of the current state; a non-finite value stops the run. */
  const meanField = (t: number, step: number, tPrev: number) => {
    if (!mf || !mfValues || !mfLast) return;
    mfLast.set(mfValues);
    mf.compute(t, y, mfValues);
    for (let k = 0; k < mfValues.length; k++) {
      if (!Number.isFinite(mfValues[k])) {
        throw divergenceAt(recLayout, k, mfValues[k], t, step, partial(), step > 0 ? { state: mfLast, t: tPrev } : undefined, 'non-finite');
      }
    }
  };
  const push = (t: number) => {
    rec.push(t, mfValues ?? y);
    opts.onRecord?.(t);
  };

  const bad0 = firstBadIndex(y, layout.bound);
  if (bad0 >= 0) throw divergenceAt(layout, bad0, y[bad0], t0, 0, partial());
  meanField(t0, 0, t0);
  let nextRecord = 0;
  const recordIfDue = (s: number, t: number) => {
    if (byRecords) return;
    if (recordSteps) {
      while (nextRecord < recordSteps.length && recordSteps[nextRecord] === s) push(record.kind === 'times' ? record.times[nextRecord++] : t);
    } else if (s === 0 || s === gridSteps || (record.kind === 'every' && s % record.every === 0)) {
      push(t);
    }
  };
  recordIfDue(0, t0);

  let s = 0;
  for (const seg of segments) {
    const { start, h } = seg;
    for (let j = 0; j < seg.steps; j++) {
      const t = start + j * h;
      sde.drift(t, y, f);
      sde.diffusion(t, y, g);
      stats.rhsEvals += 2;
      noise(t, h, dW);
      if (dg) {
        sde.diffusionDerivative!(t, y, dg);
        stats.rhsEvals++;
      }
      const bad = dg ? milsteinStep(y, spare, f, g, dg, dW, h, layout.bound) : eulerStep(y, spare, f, g, dW, h, layout.bound);
      const last = y;
      y = spare;
      spare = last;
      stats.steps++;
      s++;
      const tNew = j === seg.steps - 1 ? seg.end : start + (j + 1) * h;
      if (bad >= 0) throw divergenceAt(layout, bad, y[bad], tNew, s, partial(), { state: last, t });
      meanField(tNew, s, t);
      recordIfDue(s, tNew);
    }
    if (seg.record >= 0 && record.kind === 'times') push(record.times[seg.record]);
  }
  return Object.assign(rec.trajectory(recLayout, stats), { endState: y });
}

/**
 * next = y + f h + g ΔW, componentwise; returns the first index where next is
 * NaN, ±Inf or above the bound in magnitude (−1 if none), as firstBadIndex.
 */
function eulerStep(y: Float64Array, next: Float64Array, f: Float64Array, g: Float64Array, dW: Float64Array, h: number, bound: number): number {
  let bad = -1;
  for (let i = 0, n = y.length; i < n; i++) {
    const v = y[i] + (f[i] * h + g[i] * dW[i]);
    next[i] = v;
    const a = Math.abs(v);
    if ((!(a <= bound) || a === Infinity) && bad < 0) bad = i;
  }
  return bad;
}

/** next = y + f h + g ΔW + ½ g ∂g/∂y (ΔW² − h); the first bad index as eulerStep. */
function milsteinStep(
  y: Float64Array, next: Float64Array, f: Float64Array, g: Float64Array, dg: Float64Array, dW: Float64Array, h: number, bound: number,
): number {
  let bad = -1;
  for (let i = 0, n = y.length; i < n; i++) {
    const w = dW[i];
    const v = y[i] + (f[i] * h + g[i] * w + 0.5 * g[i] * dg[i] * (w * w - h));
    next[i] = v;
    const a = Math.abs(v);
    if ((!(a <= bound) || a === Infinity) && bad < 0) bad = i;
  }
  return bad;
}

/** `noisy` checked: distinct integer components in [0, dim). */
function noisyComponents(noisy: ArrayLike<number>, dim: number, who: string): Int32Array {
  const out = Int32Array.from(noisy);
  const seen = new Set<number>();
  for (let k = 0; k < out.length; k++) {
    const c = noisy[k];
    if (!(Number.isInteger(c) && c >= 0 && c < dim) || seen.has(c)) {
      throw new ArgumentError(`${who}: noisy must list distinct components in [0, ${dim}), got ${Array.from(noisy).join(', ')}`);
    }
    seen.add(c);
  }
  return out;
}

/** √dt·N(0, 1) increments from `rng`: for every component, or member by member for the `noisy` ones only (others stay 0). */
function defaultNoise(rng: Rng | undefined, who: string, batch: number, dim: number, noisy: Int32Array | undefined): NoiseSource {
  if (!rng) throw new Error(`${who}: give an rng (seeded Rng) or a noise source`);
  if (!noisy) return (_t, dt, dW) => { rng.fillNormal(dW, 0, Math.sqrt(dt)); };
  const k = noisy.length;
  const xi = new Float64Array(batch * k);
  return (_t, dt, dW) => {
    rng.fillNormal(xi, 0, Math.sqrt(dt));
    for (let b = 0; b < batch; b++) for (let c = 0; c < k; c++) dW[b * dim + noisy[c]] = xi[b * k + c];
  };
}
