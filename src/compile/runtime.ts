// The compile runtime: what every compiled shape (elementwise kernels,
// pairwise kernels, fused integrator steps, the NTK recursion) shares.
//
//   twins      f64 twins compiled from emitted source, after assertSafeSource,
//              in one process-wide cache keyed by (vocabulary, source);
//   backends   option checks, the auto decision around a shape's cost rule
//              (runtime-cost.ts), and the report of what ran and why;
//   gpu.js     GPU instances per mode (gpu.js itself loaded on first use),
//              kernels in a per-object LRU, batches chunked so no call
//              exceeds MAX_CELLS_PER_CALL cells, and one driver that runs a
//              shape's kernel calls synchronously or awaiting each.
//
// A shape supplies only its sources (twin and GPU.js, per variant such as a
// parameter layout), its output dimensions per call and its cost figures.

import type { GPU } from 'gpu.js';
import { F64_FUNCTIONS } from '../symbolic/index.ts';
import { assertSafeSource, type Vocabulary } from './emit.ts';
import {
  type GpuKernelRun, type GpuMode, type RanBackend, createGpu, createGpuKernel, plannedBackend, ranBackend, returnFlatOutput,
} from './gpujs.ts';
import { CompileError, quote } from './lower.ts';
import type { Choice, Precision } from './runtime-cost.ts';

export type Backend = 'auto' | 'f64' | 'cpu' | 'webasm' | 'async' | 'gpu';
export type { Precision } from './runtime-cost.ts';
export type Vec = Float64Array | Float32Array;
/** Parameters shared by every batch member, or one row per member. */
export type ParamLayout = 'shared' | 'member';

export const GPU_BACKENDS: ReadonlySet<Backend> = new Set<Backend>(['cpu', 'webasm', 'async', 'gpu']);
const BACKENDS: readonly Backend[] = ['auto', 'f64', 'cpu', 'webasm', 'async', 'gpu'];

/** Validates a backend/precision pair and returns the precision that applies. */
export function checkOptions(backend: Backend, precision: Precision | undefined): Precision {
  if (!BACKENDS.includes(backend)) {
    throw new CompileError(`unknown backend ${quote(backend)} (known: ${BACKENDS.join(', ')})`, String(backend));
  }
  const p = precision ?? (GPU_BACKENDS.has(backend) ? 'f32' : 'f64');
  if (p !== 'f32' && p !== 'f64') throw new CompileError(`unknown precision ${quote(p)} (known: f64, f32)`, String(p));
  if (p === 'f64' && GPU_BACKENDS.has(backend)) {
    throw new CompileError(`backend '${backend}' computes in float32; precision 'f64' needs backend 'f64' or 'auto'`, backend);
  }
  return p;
}

// ---------- the twin cache ----------

/** Most compiled twins kept (least recently used dropped first). */
export const TWIN_CACHE_SIZE = 128;

/** One cache per vocabulary, keyed by source; `used` orders entries by last use. */
const twins: Record<Vocabulary, Map<string, { readonly f: unknown; used: number }>> = { compile: new Map(), ntk: new Map() };
let twinClock = 0;

/**
 * The function a twin source returns, compiled once per (vocabulary, source):
 * the source is checked by assertSafeSource first, then run as the body of
 * `function (H) { ... }` with H = the f64 helper functions (erf, sigmoid, ...).
 * Sources are pure (no state outside their arguments), so equal text may
 * share one function.
 */
export function twinFunction<F>(source: string, vocabulary: Vocabulary = 'compile'): F {
  const cache = twins[vocabulary];
  if (!cache) throw new CompileError(`internal: unknown source vocabulary ${JSON.stringify(String(vocabulary))}`);
  const hit = cache.get(source);
  if (hit) {
    hit.used = ++twinClock;
    return hit.f as F;
  }
  assertSafeSource(source, vocabulary);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- emitted from templates and checked above
  const f = new Function('H', source)(F64_FUNCTIONS) as unknown;
  if (typeof f !== 'function') throw new CompileError('internal: a twin source must return a function');
  if (cache.size >= TWIN_CACHE_SIZE) {
    // the least recently used entry (a scan on insertion only: hits stay one lookup)
    let oldest: string | undefined, at = Infinity;
    for (const [key, entry] of cache) if (entry.used < at) { at = entry.used; oldest = key; }
    cache.delete(oldest!);
  }
  cache.set(source, { f, used: ++twinClock });
  return f as F;
}

// ---------- chunking ----------

/** Largest number of output cells per gpu.js call: thread ids stay exact in f32 (GL backends). */
export const MAX_CELLS_PER_CALL = 2 ** 22;

/** [first, end) ranges of items, each range at most MAX_CELLS_PER_CALL cells (at least one item). */
export function chunks(items: number, cellsPerItem: number): [number, number][] {
  const per = Math.max(1, Math.floor(MAX_CELLS_PER_CALL / Math.max(1, cellsPerItem)));
  const out: [number, number][] = [];
  for (let i0 = 0; i0 < items; i0 += per) out.push([i0, Math.min(items, i0 + per)]);
  return out;
}

// ---------- one compiled object's runtime ----------

/** The sources a shape emits for one variant (a parameter layout, ...). */
export interface ShapeSources<V extends string> {
  /** the twin's full source (preamble included): `return function (...) {...};` */
  twin(variant: V): string;
  /** the GPU.js kernel function and the helper functions it calls */
  gpu(variant: V): { readonly source: string; readonly functions: readonly string[] };
}

/** Output of one gpu.js call. */
export interface KernelShape {
  readonly output: readonly number[];
  /** every loop's bound (gpu.js silently caps loops at this) */
  readonly loopMaxIterations: number;
  readonly returnType?: 'Number' | 'Array(2)' | 'Array(3)' | 'Array(4)';
}

/** One kernel call a shape's job asks for: the kernel and its arguments; the job is resumed with the result. */
export type KernelCall = readonly [GpuKernelRun, readonly unknown[]];
export type KernelJob<R> = Generator<KernelCall, R, unknown>;

export interface RuntimeOptions<V extends string> {
  readonly requested: Backend;
  readonly precision: Precision;
  /** the variant whose sources `source` shows */
  readonly shown: V;
  /** gpu.js kernels kept (LRU), default 8 */
  readonly kernels?: number;
  /** kernels return several values per cell: take gpu.js's flat buffer */
  readonly flat?: boolean;
}

/**
 * The runtime of one compiled object: its twins, GPU instances and kernels,
 * the backend decision around the shape's auto rule, and the report
 * (backend, threaded, reason) of the last call.
 */
/** What a compiled object reports about its runtime: asked-for and ran backend, precision, sources, why. */
export abstract class RuntimeReport<V extends string> {
  protected abstract readonly rt: Runtime<V>;
  get requested(): Backend { return this.rt.requested; }
  get precision(): Precision { return this.rt.precision; }
  get source(): { readonly js: string; readonly gpujs: string } { return this.rt.source; }
  get backend(): RanBackend { return this.rt.backend; }
  get threaded(): boolean { return this.rt.threaded; }
  get reason(): string { return this.rt.reason; }
}

export class Runtime<V extends string> {
  readonly requested: Backend;
  readonly precision: Precision;
  /** emitted sources of the shown variant ('' gpujs where f32 cannot hold a constant) */
  readonly source: { readonly js: string; readonly gpujs: string };
  backend: RanBackend = 'f64';
  threaded = false;
  reason = '';
  /** why no GPU.js source exists (then 'auto' keeps to the twin) */
  readonly gpuUnavailable: string | undefined;
  private readonly twinFns = new Map<V, unknown>();
  private readonly gpus = new Map<GpuMode, GPU>();
  private readonly kernels = new Map<string, GpuKernelRun>();
  private readonly maxKernels: number;
  private readonly flat: boolean;
  private readonly shown: V;
  private lastKey = '';
  private lastKernel: GpuKernelRun | undefined;

  constructor(private readonly shape: ShapeSources<V>, opts: RuntimeOptions<V>) {
    this.requested = opts.requested;
    this.precision = opts.precision;
    this.maxKernels = Math.max(1, opts.kernels ?? 8);
    this.flat = opts.flat ?? false;
    this.shown = opts.shown;
    const js = shape.twin(opts.shown);
    let gpujs = '';
    let unavailable: string | undefined;
    try {
      gpujs = shape.gpu(opts.shown).source;
    } catch (err) {
      // e.g. a constant beyond float32's range: fatal only where a kernel was asked for
      if (!(err instanceof CompileError) || GPU_BACKENDS.has(opts.requested)) throw err;
      unavailable = err.message;
    }
    this.gpuUnavailable = unavailable;
    this.source = { js, gpujs };
    if (GPU_BACKENDS.has(opts.requested)) this.gpu(opts.requested as GpuMode); // fail early if unavailable
  }

  /** The compiled twin of a variant. */
  twin<F>(variant: V): F {
    let f = this.twinFns.get(variant);
    if (f === undefined) {
      f = twinFunction<F>(variant === this.shown ? this.source.js : this.shape.twin(variant));
      this.twinFns.set(variant, f);
    }
    return f as F;
  }

  /**
   * The backend for a call: the requested one ('async' only for runAsync),
   * the twin for precision 'f64' or without a GPU.js source, else the
   * shape's auto rule.
   */
  choose(async: boolean, auto: () => Choice): Choice {
    const r = this.requested;
    if (r === 'async' && !async) throw new CompileError("backend 'async' returns a Promise: call runAsync, not run", 'async');
    if (r !== 'auto') return { backend: r, reason: `backend '${r}' requested` };
    if (this.precision === 'f64') return { backend: 'f64', reason: "precision 'f64': only the twin computes in f64" };
    if (this.gpuUnavailable) return { backend: 'f64', reason: `no GPU.js kernel: ${this.gpuUnavailable}` };
    return auto();
  }

  /** Reports a planned choice (before any call): the backend it would run on. */
  plan(choice: Choice, label: string): void {
    this.backend = choice.backend === 'f64' ? 'f64' : plannedBackend(this.gpu(choice.backend));
    this.threaded = choice.backend === 'async';
    this.reason = `${label}: ${choice.reason}`;
  }

  /** Records what ran (the kernel of the last call, or the twin) and why. */
  record(reason: string, last?: GpuKernelRun): void {
    this.backend = last ? ranBackend(last) : 'f64';
    this.threaded = last?.kernel?._lastRunPath === 'threaded';
    const fallback = last?.kernel?.fallbackReason;
    this.reason = fallback ? `${reason}; gpu.js fell back: ${fallback}` : reason;
  }

  private gpu(mode: GpuMode): GPU {
    let g = this.gpus.get(mode);
    if (!g) {
      g = createGpu(mode);
      this.gpus.set(mode, g);
    }
    return g;
  }

  /** The gpu.js kernel of a variant for one call shape (built on first use, least recently used dropped). */
  kernel(mode: GpuMode, variant: V, shape: KernelShape): GpuKernelRun {
    const o = shape.output;
    const key = `${mode}|${variant}|${o[0]}|${o.length > 1 ? o[1] : ''}|${shape.loopMaxIterations}`;
    // the common case, the same kernel as the last call, costs one string comparison
    if (key === this.lastKey && this.lastKernel) return this.lastKernel;
    let k = this.kernels.get(key);
    if (k) {
      this.kernels.delete(key);
      this.kernels.set(key, k);
    } else {
      const { source, functions } = this.shape.gpu(variant);
      k = createGpuKernel(this.gpu(mode), { source, functions, ...shape });
      if (this.flat) returnFlatOutput(k);
      if (this.kernels.size >= this.maxKernels) {
        const [oldKey, old] = this.kernels.entries().next().value as [string, GpuKernelRun];
        this.kernels.delete(oldKey);
        old.destroy?.();
      }
      this.kernels.set(key, k);
    }
    this.lastKey = key;
    this.lastKernel = k;
    return k;
  }

  /**
   * Runs a job's kernel calls synchronously, recording after each call what
   * ran (so the job's own result may read backend, threaded and reason; a
   * job without calls reports the twin).
   */
  run<R>(job: KernelJob<R>, choice: Choice): R {
    this.record(choice.reason);
    let next = job.next();
    while (!next.done) {
      const [kernel, args] = next.value;
      const result = kernel(...args);
      if (result instanceof Promise) {
        void result.catch(() => undefined);
        throw new CompileError(`gpu.js mode '${choice.backend}' returned a Promise: call runAsync`);
      }
      this.record(choice.reason, kernel);
      next = job.next(result);
    }
    return next.value;
  }

  /** The same, awaiting each call. */
  async runAsync<R>(job: KernelJob<R>, choice: Choice): Promise<R> {
    this.record(choice.reason);
    let next = job.next();
    while (!next.done) {
      const [kernel, args] = next.value;
      const result = await kernel(...args);
      this.record(choice.reason, kernel);
      next = job.next(result);
    }
    return next.value;
  }

  /** Releases gpu.js kernels and GPU instances (worker pools included). */
  dispose(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    this.lastKey = '';
    this.lastKernel = undefined;
    for (const g of this.gpus.values()) void g.destroy();
    this.gpus.clear();
  }
}
