// Theorem checks for a report, each held to the time left in the report's budget: a
// registered theorem runs in a worker thread that is stopped when its time is up; a
// theorem the built-in registry does not hold (a theory passed in by a caller) runs in
// this thread, where only the start can be refused.

import { Worker } from 'node:worker_threads';
import type { CheckOptions, Theorem, Verdict } from '../core/index.ts';
import { theories } from '../models/index.ts';
import { runTheorems } from './verify.ts';

export type TimedVerdict = { readonly verdict: Verdict } | { readonly stopped: string };

function registered(t: Theorem): boolean {
  return theories.some((th) => th.theorems.includes(t));
}

/**
 * The worker: the compiled module next to this one in dist/, or, under the sources, a
 * small loader that registers tsx (a devDependency, there whenever src/*.ts runs) first.
 */
function newWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./html-check-worker.js', import.meta.url), { workerData });
  const entry = new URL('./html-check-worker.ts', import.meta.url).href;
  const loader = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(entry)}); })()`
    + `.catch((err) => { require('node:worker_threads').parentPort.postMessage({ workerError: String(err && err.message || err) }); });`;
  return new Worker(loader, { eval: true, workerData });
}

function inWorker(t: Theorem, opts: CheckOptions, seconds: number): Promise<TimedVerdict> {
  const start = performance.now();
  return new Promise((resolve) => {
    const worker = newWorker({ id: t.id, opts });
    let done = false;
    const finish = (r: TimedVerdict) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ stopped: `stopped after ${seconds.toFixed(1)} s: the rest of the report's time budget` }), Math.max(0, seconds * 1000));
    const failed = (why: string) => ({ verdict: { id: t.id, passed: false, figures: [], seconds: (performance.now() - start) / 1000, summary: why } });
    worker.once('message', (v: Verdict | { workerError: string }) => finish('workerError' in v ? failed(`check threw: ${v.workerError}`) : { verdict: v }));
    worker.once('error', (err) => finish(failed(`check threw: ${err.message}`)));
    worker.once('exit', (code) => finish(failed(`check ended without a verdict (exit ${code})`)));
  });
}

/** One check within `seconds`: in a stoppable worker when the theorem is registered. */
export async function checkWithin(t: Theorem, opts: CheckOptions, seconds: number, progress?: (line: string) => void): Promise<TimedVerdict> {
  if (!registered(t)) return { verdict: (await runTheorems([t], opts, progress))[0] };
  progress?.(`checking ${t.id} (at most ${seconds.toFixed(0)} s) ...\n`);
  return inWorker(t, opts, seconds);
}
