// Closed-form NNGP and NTK between two input sets, in f64, matching
// neural-tangents' kernel_fn(x1, x2, ('nngp', 'ntk')) with diagonal_batch=True.
//
// x2 omitted (or the same array as x1) means the Gram matrix: only the tiles of the
// upper triangle are computed (each value written to both halves while the tile is
// in cache), and its diagonal uses S_ii = s_i exactly (correlation exactly 1),
// which neural-tangents gets only up to O(√eps) for ReLU.

import type { Architecture } from './architecture.ts';
import { type DiagFn, type RowsFn, type KernelPlan, ROW_SCRATCH, TILE, allTemplated, compileSource, diagSource, kernelPlan, rowsSource } from './codegen.ts';
import { availableParallelism } from 'node:os';
import { ArgumentError } from '../core/index.ts';
import { chooseTwinThreads, TWIN_THREADING, WorkerPool } from '../compile/index.ts';
import { WORKER_JOB, wasmRows, wasmRowsThreaded, wasmUnsupported } from './wasm-kernel.ts';

/** A dense row-major f64 matrix. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Input rows: a Matrix or an array of equal-length number arrays. */
export type Inputs = Matrix | readonly (readonly number[])[];

/** Wrong shapes or values of kernel inputs. */
export class KernelInputError extends ArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'KernelInputError';
  }
}

/** A Matrix from rows or a Matrix, checking shape and finiteness. */
export function toMatrix(x: Inputs, name = 'x'): Matrix {
  if (x === null || typeof x !== 'object') throw new KernelInputError(`${name} must be a matrix or an array of rows, got ${x === null ? 'null' : typeof x}`);
  if (!Array.isArray(x)) {
    const m = x as Matrix;
    if (!(m.data instanceof Float64Array)) throw new KernelInputError(`${name}.data must be a Float64Array`);
    if (!Number.isSafeInteger(m.rows) || !Number.isSafeInteger(m.cols) || m.rows < 0 || m.cols < 1) {
      throw new KernelInputError(`${name} has an invalid shape ${String(m.rows)}×${String(m.cols)}`);
    }
    if (m.data.length !== m.rows * m.cols) throw new KernelInputError(`${name}.data has length ${m.data.length}, not ${m.rows}×${m.cols}`);
    for (let t = 0; t < m.data.length; t++) {
      if (!Number.isFinite(m.data[t])) throw new KernelInputError(`${name}[${Math.floor(t / m.cols)}][${t % m.cols}] is not finite (${m.data[t]})`);
    }
    return m;
  }
  const rows = x as readonly (readonly number[])[];
  if (rows.length === 0) throw new KernelInputError(`${name} has no rows`);
  const cols = Array.isArray(rows[0]) ? rows[0].length : -1;
  if (cols < 1) throw new KernelInputError(`${name}[0] must be a non-empty array of numbers`);
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== cols) {
      throw new KernelInputError(`${name}[${i}] has ${Array.isArray(r) ? r.length : 'no'} entries but ${name}[0] has ${cols}`);
    }
    r.forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new KernelInputError(`${name}[${i}][${k}] is not a finite number (${String(v)})`);
      data[i * cols + k] = v;
    });
  });
  return { data, rows: rows.length, cols };
}

/** The kernels of the scalar output between x1 and x2. */
export interface KernelResult {
  /** N1×N2 NNGP */
  readonly nngp: Matrix;
  /** N1×N2 NTK (absent when only the NNGP was requested) */
  readonly ntk?: Matrix;
  /** output variances of the x1 rows (neural-tangents cov1) */
  readonly cov1: Float64Array;
  /** output variances of the x2 rows (cov2; equal to cov1 for a Gram matrix) */
  readonly cov2: Float64Array;
  /** whether x2 was x1 (a symmetric Gram matrix) */
  readonly gram: boolean;
  /** per hidden layer: how its dual was computed ('closed-form' or the elementwise method) */
  readonly methods: readonly string[];
  /** threads used: 0 for the calling thread alone, else that many (the calling thread and threads − 1 workers) */
  readonly threads: number;
  /** which tile kernel ran ('wasm-simd': wasm-kernel.ts, f64x2; 'js': codegen.ts) and why */
  readonly engine: { readonly ran: 'wasm-simd' | 'js'; readonly reason: string };
}

export interface KernelOptions {
  /** which kernels (default both); the NNGP is always computed */
  readonly get?: readonly ('nngp' | 'ntk')[];
  /**
   * Worker threads for kernelsAsync (default: all cores, at most 8, from the entry counts of
   * WASM_THREADING for the wasm kernel and from 2^18 entries for the JS kernel, when every
   * activation has a closed form; else 0).
   */
  readonly threads?: number;
  /**
   * Buffers to write the N1×N2 results into (every entry is overwritten), e.g. to
   * reuse them across calls: fresh multi-MB arrays cost the operating system's page
   * faults and zeroing on every call, which at N ≥ 4000 is a large part of the time
   * (V8's ArrayBuffers come from malloc in 4 KB pages; starting Node with
   * GLIBC_TUNABLES=glibc.malloc.hugetlb=1 gives them transparent huge pages, which
   * NumPy asks for on its own arrays, and cuts that cost about tenfold).
   * `ntk` is needed when the NTK is requested. kernelsAsync needs SharedArrayBuffer-backed
   * buffers here (else it allocates shared ones).
   */
  readonly out?: { readonly nngp: Float64Array; readonly ntk?: Float64Array };
  /**
   * Tile kernel (default 'auto'): 'wasm' the WebAssembly SIMD kernel of the ABReLU and erf
   * families (relu, leaky_relu, abrelu, abs, erf, sigmoid_like at every layer, mixed as they
   * come; an error elsewhere), 'js' the generated
   * JS kernel, 'auto' wasm where it applies (also on kernelsAsync's worker threads), else JS.
   * Both give the same values (the same operations in the same order).
   */
  readonly engine?: 'auto' | 'wasm' | 'js';
}

/** The caller's output buffers, checked against the result's shape; null when none were given. */
function outputBuffers(opts: KernelOptions, n: number, wantNtk: boolean, shared: boolean): { nngp: Float64Array; ntk: Float64Array | null } | null {
  const out = opts.out;
  if (out === undefined) return null;
  const ok = (a: unknown): a is Float64Array => a instanceof Float64Array && a.length === n;
  if (!ok(out.nngp)) throw new KernelInputError(`out.nngp must be a Float64Array of length ${n} (N1·N2)`);
  if (wantNtk && !ok(out.ntk)) throw new KernelInputError(`out.ntk must be a Float64Array of length ${n} (N1·N2) when the NTK is requested`);
  // workers see whole buffers: only shared buffers that are exactly the arrays can be handed over
  const whole = (a: Float64Array) => a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.buffer.byteLength === n * 8;
  if (shared && !(whole(out.nngp) && (!wantNtk || whole(out.ntk!)))) return null;
  return { nngp: out.nngp, ntk: wantNtk ? out.ntk! : null };
}

interface Prepared {
  plan: KernelPlan;
  X1: Matrix;
  X2: Matrix;
  gram: boolean;
  D1: Float64Array; R1: Float64Array; D2: Float64Array; R2: Float64Array;
  ext: Array<((S: number, s1: number, s2: number, out: Float64Array) => void) | undefined>;
}

function prepare(arch: Architecture, x1: Inputs, x2: Inputs | null | undefined, opts: KernelOptions, shared: boolean): Prepared {
  const X1 = toMatrix(x1, 'x1');
  const gram = x2 === undefined || x2 === null || x2 === x1;
  const X2 = gram ? X1 : toMatrix(x2, 'x2');
  if (X1.rows === 0) throw new KernelInputError('x1 has no rows');
  if (X2.cols !== X1.cols) throw new KernelInputError(`x1 has ${X1.cols} columns but x2 has ${X2.cols}: both need the input dimension`);
  const get = opts.get ?? ['nngp', 'ntk'];
  for (const g of get) if (g !== 'nngp' && g !== 'ntk') throw new KernelInputError(`get: unknown kernel '${String(g)}' (known: nngp, ntk)`);
  const plan = kernelPlan(arch, X1.cols, get.includes('ntk'));
  const DS = plan.depth + 1;
  const alloc = (n: number) => (shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
  const extD = plan.activations.map((a) => a.diag);
  const ext = plan.activations.map((a) => a.dual);
  const diag = compileSource<DiagFn>(diagSource(plan));
  const variances = (X: Matrix, name: string) => {
    const D = alloc(X.rows * DS), R = alloc(X.rows * DS);
    const bad = diag(X.data, X.rows, D, R, extD);
    if (bad >= 0) {
      const row = Math.floor(bad / DS), layer = bad % DS;
      throw new ArgumentError(
        `the variance of ${name} row ${row} entering ${layer < plan.depth ? `activation ${layer + 1} (${plan.activations[layer].spec})` : 'the output'} `
        + `is ${D[bad]}: the kernel overflows f64 or leaves the activation's domain for ${arch.spec}`);
    }
    return { D, R };
  };
  const v1 = variances(X1, 'x1');
  const v2 = gram ? v1 : variances(X2, 'x2');
  return { plan, X1, X2, gram, D1: v1.D, R1: v1.R, D2: v2.D, R2: v2.R, ext };
}

type Engine = KernelResult['engine'];

/** The tile kernel for a prepared call on `threads` threads: wasm where it applies unless 'js' is asked for. */
function chooseEngine(p: Prepared, opts: KernelOptions, threads = 1): Engine {
  const asked = opts.engine ?? 'auto';
  if (asked !== 'auto' && asked !== 'wasm' && asked !== 'js') throw new KernelInputError(`engine: unknown kernel '${String(asked)}' (known: auto, wasm, js)`);
  if (asked === 'js') return { ran: 'js', reason: "engine: 'js' asked for" };
  const why = wasmUnsupported(p.plan, p.X1.rows, p.X2.rows, threads);
  if (why === null) return { ran: 'wasm-simd', reason: asked === 'wasm' ? "engine: 'wasm' asked for" : 'ABReLU and erf families: the wasm f64x2 kernel applies' };
  if (asked === 'wasm') throw new KernelInputError(`engine: 'wasm' does not apply: ${why}`);
  return { ran: 'js', reason: why };
}

function finish(p: Prepared, nngp: Float64Array, ntk: Float64Array | null, threads: number, engine: Engine): KernelResult {
  const N1 = p.X1.rows, N2 = p.X2.rows;
  const L = p.plan.depth, DS = L + 1;
  const cov1 = new Float64Array(N1), cov2 = new Float64Array(N2);
  for (let i = 0; i < N1; i++) cov1[i] = p.D1[i * DS + L];
  for (let j = 0; j < N2; j++) cov2[j] = p.D2[j * DS + L];
  return {
    nngp: { data: nngp, rows: N1, cols: N2 },
    ...(ntk ? { ntk: { data: ntk, rows: N1, cols: N2 } } : {}),
    cov1, cov2, gram: p.gram,
    methods: p.plan.activations.map((a) => a.method),
    threads, engine,
  };
}

/**
 * NNGP and NTK of `arch` between the rows of x1 (N1×d) and x2 (N2×d), in f64,
 * on the calling thread. x2 omitted: the Gram matrix of x1.
 */
export function kernels(arch: Architecture, x1: Inputs, x2?: Inputs | null, opts: KernelOptions = {}): KernelResult {
  const p = prepare(arch, x1, x2, opts, false);
  const N1 = p.X1.rows, N2 = p.X2.rows;
  const given = outputBuffers(opts, N1 * N2, p.plan.wantNtk, false);
  const nngp = given ? given.nngp : new Float64Array(N1 * N2);
  const ntk = given ? given.ntk : p.plan.wantNtk ? new Float64Array(N1 * N2) : null;
  // checked (and compiled once) whichever kernel runs: an activation's template is refused or accepted alike
  const rows = compileSource<RowsFn>(rowsSource(p.plan));
  const engine = chooseEngine(p, opts);
  if (engine.ran === 'wasm-simd') {
    wasmRows(p.plan, p.X1.data, p.X2.data, N1, N2, p.D1, p.R1, p.D2, p.R2, nngp, ntk, p.gram);
    return finish(p, nngp, ntk, 0, engine);
  }
  const blocks = Int32Array.from({ length: Math.ceil(N1 / TILE) }, (_, b) => b * TILE);
  rows(p.X1.data, p.X2.data, N1, N2, p.D1, p.R1, p.D2, p.R2, nngp, ntk, blocks, blocks.length, p.gram,
    new Float64Array(ROW_SCRATCH), p.ext, new Float64Array(2));
  return finish(p, nngp, ntk, 0, engine);
}

// ---------------------------------------------------------------- worker threads

// One pool for both tile kernels: a job with a wasm module runs WORKER_JOB (wasm-kernel.ts,
// constant text) with `source` the wasm kernel's block driver on the shared wasm memory,
// else `source` is the plan's JS kernel; either source is checked by compileSource on the
// calling thread before any job is posted.
const pool = new WorkerPool('new Function(source)()', `
  if (m.module) {
${WORKER_JOB}
    return;
  }
  const f = (b) => new Float64Array(b);
  const X1 = f(m.X1), X2 = f(m.X2), D1 = f(m.D1), R1 = f(m.R1), D2 = f(m.D2), R2 = f(m.R2), NNGP = f(m.NNGP);
  const NTK = m.NTK ? f(m.NTK) : null, ROW = new Float64Array(m.tile);
  const counter = new Int32Array(m.counter), order = new Int32Array(m.order), one = new Int32Array(1);
  for (let k = Atomics.add(counter, 0, 1); k < order.length; k = Atomics.add(counter, 0, 1)) {
    one[0] = order[k];
    fn(X1, X2, m.N1, m.N2, D1, R1, D2, R2, NNGP, NTK, one, 1, m.sym, ROW, null, null);
  }`, 'kernel');

/** Stops the kernel worker threads (they are also unref'd: they never keep the process alive). */
export async function shutdownKernelWorkers(): Promise<void> {
  await pool.shutdown();
}

function toShared(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float64Array(new SharedArrayBuffer(a.length * 8));
  s.set(a);
  return s;
}

/**
 * The row blocks (TILE rows) in the order threads claim them: most expensive first (a
 * Gram block row's cost falls linearly with its index), so that the last blocks
 * claimed are the cheap ones and every thread finishes at about the same time
 * (longest-processing-time-first on a shared counter: equal cost even when a thread
 * starts late or the machine is loaded).
 */
function blockOrder(N1: number): Int32Array {
  const n = Math.ceil(N1 / TILE);
  const a = new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
  for (let b = 0; b < n; b++) a[b] = b * TILE;
  return a;
}

/**
 * Entries (N1·N2, halved for a Gram matrix) from which kernelsAsync's default runs the wasm
 * kernel on all cores (at most 8), measured against the calling thread alone on a 2-core
 * VM (depth-3 ReLU, d = 16; median ratios of interleaved rounds, each begun when other
 * processes had left at least 1.7 cores idle):
 *   fresh  results allocated by the call (Gram N = 400: 0.98×, 500: 1.08×, 750: 1.40×); the
 *          page faults of the new result arrays are split over the threads too;
 *   out    into the caller's shared buffers, the kernel alone (N = 750: 0.97×, 1000: 1.19×,
 *          1500: 1.65×);
 *   cold   when the pool's workers are not running yet: the call also starts them (55–90 ms
 *          on an idle machine; warmKernelWorkers starts them ahead): first calls at N = 1000
 *          took 1.5–1.8× the calling thread's time, at N = 2000 0.56–1.17×.
 * (Gram N ≈ 512, 887 and 2048.) The JS kernel keeps the compile runtime's rule
 * (chooseTwinThreads: 2^18 entries).
 */
export const WASM_THREADING = { fresh: 2 ** 17, out: 3 * 2 ** 17, cold: 2 ** 21 } as const;

/** Default thread count of kernelsAsync (see WASM_THREADING). */
function defaultThreads(p: Prepared, opts: KernelOptions): number {
  const cells = p.X1.rows * p.X2.rows * (p.gram ? 0.5 : 1);
  const cores = Math.min(availableParallelism(), TWIN_THREADING.maxThreads);
  if (!allTemplated(p.plan) || cores < 2) return 0;
  if (opts.engine === 'js' || wasmUnsupported(p.plan, p.X1.rows, p.X2.rows, cores) !== null) return chooseTwinThreads(cells, true);
  const workers = Math.min(cores, Math.ceil(p.X1.rows / TILE)) - 1;
  const reused = outputBuffers(opts, p.X1.rows * p.X2.rows, p.plan.wantNtk, true) !== null;
  const min = pool.size < workers ? WASM_THREADING.cold : reused ? WASM_THREADING.out : WASM_THREADING.fresh;
  return cells >= min ? cores : 0;
}

/**
 * Same as `kernels`, split over threads when that pays (options.threads to force a
 * count; 0 or 1 runs on the calling thread alone): the calling thread and threads − 1
 * pooled workers claim row blocks, most expensive first, from a shared counter.
 * Outputs live in SharedArrayBuffers.
 */
export async function kernelsAsync(arch: Architecture, x1: Inputs, x2?: Inputs | null, opts: KernelOptions = {}): Promise<KernelResult> {
  const probe = prepare(arch, x1, x2, opts, true);
  let threads = opts.threads ?? defaultThreads(probe, opts);
  if (!Number.isSafeInteger(threads) || threads < 0) throw new KernelInputError(`threads must be a non-negative integer, got ${String(threads)}`);
  if (threads > 0 && !allTemplated(probe.plan)) {
    throw new KernelInputError('worker threads need closed-form activations; elementwise activations run with threads: 0');
  }
  threads = Math.min(threads, Math.ceil(probe.X1.rows / TILE));
  if (threads <= 1) return kernels(arch, x1, x2, opts);
  const p = probe;
  const N1 = p.X1.rows, N2 = p.X2.rows;
  const given = outputBuffers(opts, N1 * N2, p.plan.wantNtk, true);
  const nngp = given ? given.nngp : new Float64Array(new SharedArrayBuffer(N1 * N2 * 8));
  const ntk = given ? given.ntk : p.plan.wantNtk ? new Float64Array(new SharedArrayBuffer(N1 * N2 * 8)) : null;
  const engine = chooseEngine(p, opts, threads);
  if (engine.ran === 'wasm-simd') {
    await wasmRowsThreaded(p.plan, p.X1.data, p.X2.data, N1, N2, p.D1, p.R1, p.D2, p.R2, nngp, ntk, p.gram, threads,
      blockOrder(N1), (k, message) => pool.run(k, message));
    return finish(p, nngp, ntk, threads, engine);
  }
  const source = rowsSource(p.plan);
  const rows = compileSource<RowsFn>(source); // checked (and compiled once) here: workers only run sources the runtime accepted
  const X1 = toShared(p.X1.data);
  const X2 = p.gram ? X1 : toShared(p.X2.data);
  const order = blockOrder(N1);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  // threads − 1 workers and the calling thread claim blocks from the shared counter
  // (one fewer worker to start and to wake, no idle main thread)
  const jobs = Array.from({ length: threads - 1 }, (_, k) => pool.run(k, {
    source, N1, N2, sym: p.gram, order: order.buffer, counter: counter.buffer, tile: ROW_SCRATCH,
    X1: X1.buffer, X2: X2.buffer, D1: p.D1.buffer, R1: p.R1.buffer, D2: p.D2.buffer, R2: p.R2.buffer,
    NNGP: nngp.buffer, NTK: ntk ? ntk.buffer : null,
  }));
  try {
    const one = new Int32Array(1), row = new Float64Array(ROW_SCRATCH), out = new Float64Array(2);
    for (let k = Atomics.add(counter, 0, 1); k < order.length; k = Atomics.add(counter, 0, 1)) {
      one[0] = order[k];
      rows(X1, X2, N1, N2, p.D1, p.R1, p.D2, p.R2, nngp, ntk, one, 1, p.gram, row, p.ext, out);
    }
  } finally {
    await Promise.allSettled(jobs);
  }
  await Promise.all(jobs);
  return finish(p, nngp, ntk, threads, engine);
}

/**
 * Starts the kernel worker threads kernelsAsync would use for `threads` threads (the
 * calling thread is one of them), off the critical path: a later kernelsAsync call finds
 * them running. Returns when they are up.
 */
export async function warmKernelWorkers(threads: number): Promise<void> {
  if (!Number.isSafeInteger(threads) || threads < 0) throw new KernelInputError(`threads must be a non-negative integer, got ${String(threads)}`);
  await pool.warm(threads - 1);
}
