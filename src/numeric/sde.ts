// Batched Itô SDE integrators with diagonal noise: dY_i = f_i(t, Y) dt + g_i(t, Y) dW_i,
// each component of each batch member driven by its own Brownian motion.

import type { Rng } from './rng.ts';
import {
  Recorder, Trajectory, batchLayout, divergenceAt, firstBadIndex, fixedSteps, parseRecord,
  type BatchOptions, type BatchRhs, type IntegrationStats, type RecordSpec,
} from './trajectory.ts';

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

export interface SdeOptions extends BatchOptions {
  steps?: number;
  /** Step size (shrunk so that an integer number of steps ends at t1). */
  dt?: number;
  /** Source of the Brownian increments √dt·N(0, 1); required unless `noise` is given. */
  rng?: Rng;
  /** Custom increments, e.g. a Brownian path shared between step sizes (then `rng` is not used). */
  noise?: NoiseSource;
  /** Default 'steps'. Record times must lie on the step grid. */
  record?: RecordSpec;
}

/** Euler–Maruyama: strong order 1/2, weak order 1. */
export function eulerMaruyama(sde: DiagonalSde, y0: ArrayLike<number>, opts: SdeOptions): Trajectory {
  return integrateSde(sde, y0, opts, false, 'eulerMaruyama');
}

/** Milstein for diagonal noise, Y += f h + g ΔW + ½ g ∂g/∂y (ΔW² − h): strong order 1. */
export function milstein(sde: DiagonalSde, y0: ArrayLike<number>, opts: SdeOptions): Trajectory {
  if (!sde.diffusionDerivative) throw new Error('milstein: the SDE needs diffusionDerivative (∂g_i/∂y_i)');
  return integrateSde(sde, y0, opts, true, 'milstein');
}

function integrateSde(sde: DiagonalSde, y0: ArrayLike<number>, opts: SdeOptions, useMilstein: boolean, who: string): Trajectory {
  const layout = batchLayout(y0, opts, who);
  if (!(opts.t1 > opts.t0)) throw new RangeError(`${who}: need t1 > t0, got [${opts.t0}, ${opts.t1}]`);
  const { steps, h } = fixedSteps(opts.t0, opts.t1, opts.steps, opts.dt, who);
  const record = parseRecord(opts.record, opts.t0, opts.t1, who);
  const noise = opts.noise ?? defaultNoise(opts.rng, who);
  const n = y0.length, t0 = opts.t0;

  // Record times → step indices, which must be on the grid.
  let recordSteps: Int32Array | undefined;
  if (record.kind === 'times') {
    recordSteps = Int32Array.from(record.times, (tau) => {
      const s = Math.round((tau - t0) / h);
      if (Math.abs(t0 + s * h - tau) > 1e-9 * h) throw new RangeError(`${who}: record time ${tau} is not on the step grid (dt = ${h})`);
      return s;
    });
  }

  const y = Float64Array.from(y0);
  const f = new Float64Array(n), g = new Float64Array(n), dW = new Float64Array(n);
  const dg = useMilstein ? new Float64Array(n) : undefined;
  const last = new Float64Array(n);
  const stats: IntegrationStats = { steps: 0, rejected: 0, rhsEvals: 0 };
  const rec = new Recorder();
  const partial = () => rec.trajectory(layout, stats);

  const bad0 = firstBadIndex(y, layout.bound);
  if (bad0 >= 0) throw divergenceAt(layout, bad0, y[bad0], t0, 0, partial());
  let nextRecord = 0;
  const recordIfDue = (s: number, t: number) => {
    if (recordSteps) {
      while (nextRecord < recordSteps.length && recordSteps[nextRecord] === s) rec.push(record.kind === 'times' ? record.times[nextRecord++] : t, y);
    } else if (s === 0 || s === steps || (record.kind === 'every' && s % record.every === 0)) {
      rec.push(t, y);
    }
  };
  recordIfDue(0, t0);

  for (let s = 0; s < steps; s++) {
    const t = t0 + s * h;
    sde.drift(t, y, f);
    sde.diffusion(t, y, g);
    stats.rhsEvals += 2;
    noise(t, h, dW);
    last.set(y);
    if (dg) {
      sde.diffusionDerivative!(t, y, dg);
      stats.rhsEvals++;
      for (let i = 0; i < n; i++) {
        const w = dW[i];
        y[i] += f[i] * h + g[i] * w + 0.5 * g[i] * dg[i] * (w * w - h);
      }
    } else {
      for (let i = 0; i < n; i++) y[i] += f[i] * h + g[i] * dW[i];
    }
    stats.steps++;
    const tNew = s === steps - 1 ? opts.t1 : t0 + (s + 1) * h;
    const bad = firstBadIndex(y, layout.bound);
    if (bad >= 0) throw divergenceAt(layout, bad, y[bad], tNew, s + 1, partial(), { state: last, t });
    recordIfDue(s + 1, tNew);
  }
  return rec.trajectory(layout, stats);
}

function defaultNoise(rng: Rng | undefined, who: string): NoiseSource {
  if (!rng) throw new Error(`${who}: give an rng (seeded Rng) or a noise source`);
  return (_t, dt, dW) => { rng.fillNormal(dW, 0, Math.sqrt(dt)); };
}
