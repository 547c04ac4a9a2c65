// The fused integrator's f32 GPU.js runner: the kernel run segment by segment
// between records (each call steps every member from the previous record's
// f32 state, passed back unchanged: f32 → f64 → f32 is exact), members in
// chunks of at most MAX_CELLS_PER_CALL cells, and the members that left the
// bound listed instead of thrown (gpu.js cannot throw).

import { F32_MAX } from '../emit.ts';
import type { GpuMode } from '../gpujs.ts';
import { type KernelJob, type ParamLayout, type Runtime, chunks } from '../runtime.ts';
import { K_BOUND, K_FLUSH, K_H, K_H6, K_HALF, K_SCHEDULE, K_STEPS, K_T0, K_TEND, gpuGroups } from './source.ts';
import { type IntegratorResult, type Plan, runResult, timeOf } from './plan.ts';

/**
 * The kernel calls of a run, as a job for the runtime (which runs it
 * synchronously or awaiting each call, and records after each call what ran).
 */
export function* fusedGpuJob(rt: Runtime<ParamLayout>, plan: Plan, mode: GpuMode): KernelJob<IntegratorResult> {
  const D = plan.state.length, nP = plan.params.length;
  const { groups, width, status } = gpuGroups(D);
  const { B, schedule } = plan;
  const M = B * D;
  let longest = 0;
  for (let r = 0, prev = 0; r < schedule.length; prev = schedule[r++]) longest = Math.max(longest, schedule[r] - prev);
  const parts = chunks(B, groups);
  const returnType = width === 1 ? 'Number' : `Array(${width as 2 | 3 | 4})` as const;
  const Y = new Float64Array(schedule.length * M);
  const zs = new Float64Array(B).fill(-1);
  let current: Float64Array = plan.y0;
  for (let r = 0, prev = 0; r < schedule.length; prev = schedule[r++]) {
    const s1 = schedule[r];
    const K = new Float64Array(K_SCHEDULE);
    K[K_H] = plan.h; K[K_HALF] = 0.5 * plan.h; K[K_H6] = plan.h / 6;
    K[K_T0] = plan.t0 + prev * plan.h; K[K_TEND] = timeOf(plan, s1);
    K[K_BOUND] = Math.min(plan.bound, F32_MAX);
    K[K_STEPS] = s1 - prev;
    K[K_FLUSH] = plan.flush;
    const out = Y.subarray(r * M, (r + 1) * M);
    for (const [b0, b1] of parts) {
      const n = b1 - b0;
      const kernel = rt.kernel(mode, plan.layout, { output: groups > 1 ? [n, groups] : [n], loopMaxIterations: longest, returnType });
      const X = current.subarray(b0 * D, b1 * D);
      const Pc = plan.layout === 'member' ? (plan.P as Float64Array).subarray(b0 * nP, b1 * nP) : plan.P;
      const res = yield [kernel, [X, Pc, K]];
      unpack(res, out, zs, b0, n, D, groups, width, status, prev);
    }
    current = out;
  }
  const diverged: number[] = [], divergedStep: number[] = [];
  for (let b = 0; b < B; b++) {
    let bad = zs[b] >= 0;
    for (let i = 0; i < D && !bad; i++) {
      const a = Math.abs(current[b * D + i]);
      if (!(a <= plan.bound) || a === Infinity) bad = true;
    }
    if (bad) {
      diverged.push(b);
      divergedStep.push(status ? zs[b] : -1);
    }
  }
  const records = Array.from({ length: schedule.length }, (_, r) => Y.subarray(r * M, (r + 1) * M));
  return runResult(plan, records, schedule, { backend: rt.backend, threaded: rt.threaded, reason: rt.reason, diverged, divergedStep });
}

/**
 * Copies a kernel result (flat cells × width, or gpu.js's shaped rows) of
 * members [b0, b0 + n) into the B·D state `out`, and into zs (−1: in bound)
 * the step where a member left the bound, counted from the run's start.
 */
function unpack(result: unknown, out: Float64Array, zs: Float64Array, b0: number, n: number, D: number,
  groups: number, width: number, status: boolean, prev: number): void {
  const put = (b: number, g: number, cell: ArrayLike<number>, off: number) => {
    for (let c = 0; c < width; c++) {
      const i = g * 4 + c;
      const v = cell[off + c];
      if (i < D) out[(b0 + b) * D + i] = v;
      else if (i === D && status && zs[b0 + b] < 0 && v !== 0) {
        // v > 0: left the bound at step v of this call; v < 0: already out of bound when the call began
        zs[b0 + b] = v > 0 ? v + prev : prev;
      }
    }
  };
  if (result instanceof Float32Array && result.length === n * groups * width) {
    for (let g = 0; g < groups; g++) for (let b = 0; b < n; b++) put(b, g, result, (g * n + b) * width);
    return;
  }
  if (!Array.isArray(result)) throw new Error('gpu.js returned an unexpected result shape');
  if (groups === 1) {
    for (let b = 0; b < n; b++) {
      const cell = result[b] as ArrayLike<number> | number;
      put(b, 0, typeof cell === 'number' ? [cell] : cell, 0);
    }
    return;
  }
  for (let g = 0; g < groups; g++) {
    const row = result[g] as ArrayLike<number>[];
    for (let b = 0; b < n; b++) put(b, g, row[b], 0);
  }
}
