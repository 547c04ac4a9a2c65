// `gandyn sweep plan`: the size of a sweep and what it will cost, before any run.
// Every point's spec is validated here (the theory's makeSpec), so a bad corner of the
// grid is named before a cluster is asked for anything.

import { type Sweep, MAX_POINT_WORK } from './spec.ts';
import { pointCost, pointSpec, runPoint } from './point.ts';
import { InputError } from '../../core/index.ts';

export interface SweepPlan {
  readonly id: string;
  readonly points: number;
  readonly grid: readonly { axes: readonly string[]; length: number; scale: string }[];
  readonly replicates: number;
  /** Sum and maximum of the theory's work estimate over the points (elementary operations), where it has one. */
  readonly work?: { readonly total: number; readonly max: number };
}

export function planSweep(sweep: Sweep): SweepPlan {
  let total = 0, max = 0, known = sweep.command === 'simulate' && !!sweep.theory.simulateCost;
  if (sweep.command !== 'check') {
    for (let i = 0; i < sweep.points; i++) {
      const spec = pointSpec(sweep, i);
      const c = pointCost(sweep, spec);
      if (c === undefined) { known = false; continue; }
      if (c > MAX_POINT_WORK) throw new InputError(`point ${i}: estimated at ${c.toExponential(1)} operations, above the per-point limit ${MAX_POINT_WORK.toExponential(0)}`);
      total += c;
      max = Math.max(max, c);
    }
  }
  return {
    id: sweep.id, points: sweep.points, replicates: sweep.replicates,
    grid: sweep.factors.map((f) => ({ axes: f.axes.map((a) => a.name), length: f.length, scale: f.axes.map((a) => a.scale).join('+') })),
    ...(known ? { work: { total, max } } : {}),
  };
}

export interface Probe {
  readonly indices: readonly number[];
  readonly seconds: readonly number[];
  /** Mean seconds per probed point × points: a CPU-time estimate of the whole sweep. */
  readonly estimateSeconds: number;
}

/** Runs `count` points spread evenly over the sweep (after one untimed warm-up point) and times them (wall clock, one thread). */
export async function probeSweep(sweep: Sweep, count: number): Promise<Probe> {
  const k = Math.min(count, sweep.points);
  const indices = Array.from({ length: k }, (_, j) => Math.floor((j * sweep.points) / k));
  const seconds: number[] = [];
  if (k > 0) await runPoint(sweep, indices[0]); // warm-up: compile and JIT once, as a long shard does
  for (const i of indices) {
    const t0 = performance.now();
    await runPoint(sweep, i);
    seconds.push((performance.now() - t0) / 1000);
  }
  const mean = seconds.reduce((a, b) => a + b, 0) / Math.max(1, k);
  return { indices, seconds, estimateSeconds: mean * sweep.points };
}
