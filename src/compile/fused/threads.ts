// The fused f64 twin split over threads: members are independent, so each thread
// integrates a contiguous range of them with the same twin (same bits as one
// thread: a member's arithmetic does not depend on the others). The calling
// thread takes the first range while pooled worker threads take the others.
//
// Imported dynamically by fused/integrator.ts (runAsync only), so that the
// synchronous paths and a browser bundle never load node:worker_threads.
// Workers only run twin sources the runtime has already compiled through
// twinFunction (assertSafeSource); sources that use the helper object H
// (erf, softplus, ...) stay on one thread (functions cannot cross threads).
// A divergence in any range reruns the whole batch on the calling thread,
// which throws exactly the DivergenceError (earliest step, lowest member,
// records before it) a single-thread run throws.

import { WorkerPool } from '../worker-pool.ts';
import { K_SCHEDULE, type TwinFn } from './source.ts';
import { type IntegratorResult, type Plan, runResult } from './plan.ts';
import { checkInitial, runFusedTwin, twinConstants } from './twin.ts';

const pool = new WorkerPool("new Function('H', source)(null)", `
  const f = (b) => new Float64Array(b);
  fn(f(m.X), f(m.P), f(m.Y), f(m.K), f(m.N), m.B);`, 'fused twin');

/** Stops the fused-twin worker threads (they are unref'd: they never keep the process alive). */
export async function shutdownTwinWorkers(): Promise<void> {
  await pool.shutdown();
}

/** Whether a twin source can run in a worker (it reads no helper functions). */
export function workerSafe(source: string): boolean {
  return !/\bH\./.test(source);
}

const shared = (n: number) => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8));

/**
 * Runs the twin over `threads` contiguous member ranges (the calling thread plus
 * threads − 1 workers). `twin` is the compiled function of `source` (checked).
 */
export async function runFusedTwinThreaded(twin: TwinFn, source: string, plan: Plan, reason: string, threads: number): Promise<IntegratorResult> {
  const D = plan.state.length;
  const { B, schedule } = plan;
  const extra = { backend: 'f64' as const, threaded: true, reason, diverged: [], divergedStep: [] };
  checkInitial(plan, extra);
  const nP = plan.layout === 'member' ? plan.P.length / B : plan.P.length;
  const K = twinConstants(plan, shared(K_SCHEDULE + schedule.length + 1));
  const X = shared(B * D);
  X.set(plan.y0);
  const P = shared(plan.P.length);
  P.set(plan.P);
  const R = schedule.length;
  const ranges = Array.from({ length: threads }, (_, t) => {
    const b0 = Math.floor((B * t) / threads), b1 = Math.floor((B * (t + 1)) / threads);
    const Bs = b1 - b0;
    const N = shared(2 + 2 * D);
    N[0] = -1;
    return {
      b0, Bs, N, Y: shared(R * Bs * D),
      X: X.subarray(b0 * D, b1 * D),
      P: plan.layout === 'member' ? P.subarray(b0 * nP, b1 * nP) : P,
    };
  });
  // each range as its own buffer: the worker sees exactly its members
  const own = (a: Float64Array) => { const c = shared(a.length); c.set(a); return c.buffer; };
  const jobs = ranges.slice(1).map((r, k) => pool.run(k, { source, X: own(r.X), P: own(r.P), Y: r.Y.buffer, K: K.buffer, N: r.N.buffer, B: r.Bs }));
  const first = ranges[0];
  try {
    if (first.Bs > 0) twin(first.X, first.P, first.Y, K, first.N, first.Bs);
  } finally {
    await Promise.allSettled(jobs);
  }
  await Promise.all(jobs);
  if (ranges.some((r) => r.N[0] >= 0)) return runFusedTwin(twin, plan, reason); // throws the single-thread DivergenceError
  const M = B * D;
  const Y = new Float64Array(R * M);
  for (const r of ranges) {
    const w = r.Bs * D;
    for (let k = 0; k < R; k++) Y.set(r.Y.subarray(k * w, (k + 1) * w), k * M + r.b0 * D);
  }
  return runResult(plan, Array.from({ length: R }, (_, k) => Y.subarray(k * M, (k + 1) * M)), schedule, extra);
}
