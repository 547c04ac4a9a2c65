// A pool of worker threads that compile a function source sent with each message (cached)
// and run it, answering {id, ok, error?}. Workers start on first use, are unref'd while idle (they never keep
// the process alive) and are shared by every call of the pool's owner. Used by the
// threaded fused twin (fused/threads.ts) and the threaded NTK Gram (ntk/kernels.ts).

import { Worker } from 'node:worker_threads';

interface PoolWorker { readonly worker: Worker; readonly pending: Map<number, { resolve: () => void; reject: (e: Error) => void }> }

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextJob = 1;

  private readonly source: string;

  /**
   * Each message carries a checked function `source`; the worker compiles it once with the
   * expression `compile` (of `source`; the last 16 are cached) and calls `handle`, a
   * statement body of `fn` (the compiled function) and `m` (the message). Both texts are
   * this project's constants, never user input. `label` names the pool in errors.
   */
  constructor(compile: string, handle: string, private readonly label: string) {
    this.source = `
const { parentPort } = require('node:worker_threads');
const cache = new Map();
const compile = (source) => ${compile};
const handle = (fn, m) => { ${handle} };
parentPort.on('message', (m) => {
  try {
    let fn = cache.get(m.source);
    if (!fn) {
      fn = compile(m.source);
      if (cache.size >= 16) cache.delete(cache.keys().next().value);
      cache.set(m.source, fn);
    }
    handle(fn, m);
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.stack) || e) });
  }
});
`;
  }

  /** Number of workers running. */
  get size(): number {
    return this.workers.length;
  }

  private worker(k: number): PoolWorker {
    while (this.workers.length <= k) {
      const entry: PoolWorker = { worker: new Worker(this.source, { eval: true }), pending: new Map() };
      entry.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
        const job = entry.pending.get(m.id);
        if (!job) return;
        entry.pending.delete(m.id);
        if (m.ok) job.resolve(); else job.reject(new Error(`${this.label} worker failed: ${m.error}`));
      });
      entry.worker.on('error', (err) => {
        for (const job of entry.pending.values()) job.reject(err);
        entry.pending.clear();
        const at = this.workers.indexOf(entry);
        if (at >= 0) this.workers.splice(at, 1);
      });
      entry.worker.unref();
      this.workers.push(entry);
    }
    return this.workers[k];
  }

  /** Posts `message` (plus a fresh `id`) to worker k; resolves when it answers ok. */
  run(k: number, message: Record<string, unknown>): Promise<void> {
    const w = this.worker(k);
    const id = this.nextJob++;
    return new Promise<void>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.ref();
      w.worker.postMessage({ ...message, id });
    }).finally(() => { if (w.pending.size === 0) w.worker.unref(); });
  }

  /** Starts workers 0..count−1 that are not running yet; resolves when they are online. */
  async warm(count: number): Promise<void> {
    const started: Promise<void>[] = [];
    for (let k = 0; k < count; k++) {
      const fresh = this.workers.length <= k;
      const w = this.worker(k);
      if (fresh) {
        // held (ref'd) until online: an awaited warm-up alone must keep the process alive
        w.worker.ref();
        started.push(new Promise<void>((resolve) => {
          w.worker.once('online', () => { if (w.pending.size === 0) w.worker.unref(); resolve(); });
          w.worker.once('exit', () => resolve());
        }));
      }
    }
    await Promise.all(started);
  }

  /** Stops every worker. */
  async shutdown(): Promise<void> {
    const all = this.workers.splice(0, this.workers.length);
    await Promise.all(all.map((p) => p.worker.terminate()));
  }
}
