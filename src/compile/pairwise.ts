// N×M pairwise kernels K_ij = f(dot, sqdist, nx2, ny2; params) for rows x_i
// of X (N×d) and y_j of Y (M×d): dot = x_i·y_j, sqdist = |x_i − y_j|² (summed
// directly, not as nx2 + ny2 − 2·dot, which cancels), nx2 = |x_i|²,
// ny2 = |y_j|² (norms computed once per row, in f64). For NTK Gram matrices
// and MMD. Runs on the f64 twin or a GPU.js kernel (four columns per cell).

import { availableParallelism } from 'node:os';
import type { GPU } from 'gpu.js';
import type { Expr } from '../symbolic/expr.ts';
import { F64_FUNCTIONS } from '../symbolic/evaluate.ts';
import { CompileError, Lowering, declare, type Op } from './lower.ts';
import { assertSafeSource, emitBlock, gpuFunctionSources, jsPreamble, newNeeds, type Needs } from './emit.ts';
import {
  type GpuKernelRun, type GpuMode, type RanBackend, createGpu, createGpuKernel, plannedBackend, ranBackend, returnFlatOutput,
} from './gpujs.ts';
import { type Backend, type Precision, type Vec, THREADING } from './kernel.ts';

/** The names f may use besides its parameters, in slot order. */
export const PAIRWISE_NAMES = ['dot', 'sqdist', 'nx2', 'ny2'] as const;
export type PairwiseName = (typeof PAIRWISE_NAMES)[number];

export interface PairwiseOptions {
  /** dimension of the vectors (the inner loop's length) */
  readonly d: number;
  readonly params?: readonly string[];
  /** default 'auto' */
  readonly backend?: Backend;
  /** default 'f64' for 'auto'/'f64', 'f32' for the gpu.js backends */
  readonly precision?: Precision;
}

export interface PairwiseKernel {
  readonly d: number;
  readonly params: readonly string[];
  readonly requested: Backend;
  readonly precision: Precision;
  /** which of dot, sqdist, nx2, ny2 f reads */
  readonly uses: ReadonlySet<PairwiseName>;
  /** the backend that ran the last call (before any call: the planned one) */
  readonly backend: RanBackend;
  readonly threaded: boolean;
  readonly reason: string;
  readonly source: { readonly js: string; readonly gpujs: string };
  /** f64 twin: K (N×M, row-major) from X (N×d) and Y (M×d) */
  readonly f64: (X: Vec, Y: Vec, params?: Vec, out?: Vec) => Vec;
  run(X: Vec, Y: Vec, params?: Vec, out?: Vec): Vec;
  runAsync(X: Vec, Y: Vec, params?: Vec, out?: Vec): Promise<Vec>;
  dispose(): void;
}

const slotLocal = (slot: number) => `a${slot}`;

/** Loads of the declared values a block reads (slots: 0 dot, 1 sqdist, 2 nx2, 3 ny2, 4.. params). */
function valueLoads(needs: Needs, nP: number): { perI: string[]; perJ: string[]; params: string[]; dot: boolean; sq: boolean } {
  const params: string[] = [];
  for (let s = 4; s < 4 + nP; s++) if (needs.slots.has(s)) params.push(`const a${s} = P[${s - 4}];`);
  return {
    perI: needs.slots.has(2) ? ['const a2 = NX[i];'] : [],
    perJ: needs.slots.has(3) ? ['const a3 = NY[j];'] : [],
    params,
    dot: needs.slots.has(0),
    sq: needs.slots.has(1),
  };
}

function innerLoop(d: number, dot: boolean, sq: boolean): string[] {
  if (!dot && !sq) return [];
  return [
    ...(dot ? ['let dot = 0.0;'] : []),
    ...(sq ? ['let sq = 0.0;'] : []),
    `for (let k = 0; k < ${d}; k++) {`,
    'const u = X[o + k];',
    'const w = Y[q + k];',
    ...(dot ? ['dot = dot + u * w;'] : []),
    ...(sq ? ['const e = u - w;', 'sq = sq + e * e;'] : []),
    '}',
    ...(dot ? ['const a0 = dot;'] : []),
    ...(sq ? ['const a1 = sq;'] : []),
  ];
}

function twinSource(root: Op, d: number, nP: number): { body: string; needs: Needs } {
  const needs = newNeeds();
  const block = emitBlock([root], 'js', slotLocal, needs, 'v', (slot) => slot >= 4);
  const l = valueLoads(needs, nP);
  const body = [
    'return function (X, Y, NX, NY, P, K, N, M) {',
    ...l.params,
    ...block.outer,
    'for (let i = 0; i < N; i++) {',
    `const o = i * ${d};`,
    'const r = i * M;',
    ...l.perI,
    'for (let j = 0; j < M; j++) {',
    `const q = j * ${d};`,
    ...innerLoop(d, l.dot, l.sq),
    ...l.perJ,
    ...block.lines,
    `K[r + j] = ${block.results[0]};`,
    '}',
    '}',
    'return K;',
    '};',
  ].join('\n');
  return { body, needs };
}

/** Columns j per GPU.js cell: one gather of x_i serves this many outputs. */
const COLS = 4;

/**
 * The GPU.js kernel computes K_ij for j = 4·thread.y + c, c = 0..3, with
 * i = thread.x: the lanes of a SIMD quad run over i, so per k it gathers
 * x_i once and reads four y_j uniformly (gpu.js has no vector loads, each
 * lane-varying read is a scalar gather); measured 1.8× fewer instructions
 * than one output per cell. Output [N, ceil(M/4)] with Array(4) cells.
 */
function gpuSource(root: Op, d: number, nP: number): { source: string; functions: string[] } {
  const needs = newNeeds();
  const blocks = Array.from({ length: COLS }, (_, c) =>
    emitBlock([root], 'gpujs', (slot) => (slot === 2 || slot >= 4 ? `a${slot}` : `a${slot}_${c}`), needs, `v${c}_`));
  const dot = needs.slots.has(0), sq = needs.slots.has(1);
  const cols = Array.from({ length: COLS }, (_, c) => c);
  const params: string[] = [];
  for (let s = 4; s < 4 + nP; s++) if (needs.slots.has(s)) params.push(`const a${s} = P[${s - 4}];`);
  const source = [
    'function (X, Y, NX, NY, P) {',
    'const i = this.thread.x;',
    `const j = this.thread.y * ${COLS};`,
    `const o = i * ${d};`,
    `const q = j * ${d};`,
    ...cols.flatMap((c) => [...(dot ? [`let a0_${c} = 0.0;`] : []), ...(sq ? [`let a1_${c} = 0.0;`] : [])]),
    ...(dot || sq ? [
      `for (let k = 0; k < ${d}; k++) {`,
      'const u = X[o + k];',
      ...cols.flatMap((c) => [
        `const m${c} = Y[${c === 0 ? 'q' : `q + ${c * d}`} + k];`,
        ...(dot ? [`a0_${c} = a0_${c} + u * m${c};`] : []),
        ...(sq ? [`const m${COLS + c} = u - m${c};`, `a1_${c} = a1_${c} + m${COLS + c} * m${COLS + c};`] : []),
      ]),
      '}',
    ] : []),
    ...(needs.slots.has(2) ? ['const a2 = NX[i];'] : []),
    ...(needs.slots.has(3) ? cols.map((c) => `const a3_${c} = NY[${c === 0 ? 'j' : `j + ${c}`}];`) : []),
    ...params,
    ...blocks.flatMap((b) => [...b.outer, ...b.lines]),
    `return [${blocks.map((b) => b.results[0]).join(', ')}];`,
    '}',
  ].join('\n');
  return { source, functions: gpuFunctionSources(needs) };
}

/** Y (and its norms) padded with zero rows to a multiple of COLS rows. */
function padRows(Y: Vec, M: number, width: number): Vec {
  const rows = Math.ceil(M / COLS) * COLS;
  if (rows === M) return Y;
  const out = new Float32Array(rows * width);
  out.set(Y.subarray(0, M * width));
  return out;
}

/**
 * K (N×M, row-major) from the kernel's result: cell (x = i, y = jb) holds
 * K_i,4jb..4jb+3. Takes the flat Float32Array (cells × 4) or gpu.js's shaped
 * rows of cells.
 */
function unpackColumns(result: unknown, K: Vec, N: number, M: number): void {
  const blocks = Math.ceil(M / COLS);
  const flat = result instanceof Float32Array && result.length === N * blocks * COLS ? result : undefined;
  if (!flat && !Array.isArray(result)) throw new Error('gpu.js returned an unexpected result shape');
  if (flat && M % COLS === 0) {
    // tiles of TILE rows: reads stay contiguous, written cache lines are reused by the next block
    const TILE = 64;
    for (let i0 = 0; i0 < N; i0 += TILE) {
      const i1 = Math.min(N, i0 + TILE);
      for (let jb = 0; jb < blocks; jb++) {
        for (let i = i0, src = (jb * N + i0) * COLS, dst = i0 * M + jb * COLS; i < i1; i++, src += COLS, dst += M) {
          K[dst] = flat[src]; K[dst + 1] = flat[src + 1]; K[dst + 2] = flat[src + 2]; K[dst + 3] = flat[src + 3];
        }
      }
    }
    return;
  }
  for (let jb = 0; jb < blocks; jb++) {
    const row = flat ? undefined : (result as ArrayLike<number>[][])[jb];
    const width = Math.min(COLS, M - jb * COLS);
    for (let i = 0; i < N; i++) {
      const dst = i * M + jb * COLS;
      if (flat) {
        const src = (jb * N + i) * COLS;
        for (let c = 0; c < width; c++) K[dst + c] = flat[src + c];
      } else {
        const cell = row![i];
        for (let c = 0; c < width; c++) K[dst + c] = cell[c];
      }
    }
  }
}

type TwinFn = (X: Vec, Y: Vec, NX: Vec, NY: Vec, P: Vec, K: Vec, N: number, M: number) => Vec;

const PLACEHOLDER = new Float32Array(1);

function squaredNorms(X: Vec, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * d, end = k + d; k < end; k++) s += X[k] * X[k];
    out[i] = s;
  }
  return out;
}

class CompiledPairwise implements PairwiseKernel {
  readonly uses: ReadonlySet<PairwiseName>;
  readonly source: { js: string; gpujs: string };
  readonly f64: (X: Vec, Y: Vec, params?: Vec, out?: Vec) => Vec;
  backend: RanBackend;
  threaded = false;
  reason: string;
  private twinFn: TwinFn | undefined;
  private readonly gpus = new Map<GpuMode, GPU>();
  private readonly kernels = new Map<string, GpuKernelRun>();
  private gpuUnavailable: string | undefined;

  constructor(
    private readonly root: Op, readonly d: number, readonly params: readonly string[],
    readonly requested: Backend, readonly precision: Precision,
  ) {
    const js = twinSource(root, d, params.length);
    let gpujs = '';
    try {
      gpujs = gpuSource(root, d, params.length).source;
    } catch (err) {
      if (!(err instanceof CompileError) || GPU_BACKENDS.has(requested)) throw err;
      this.gpuUnavailable = err.message;
    }
    this.source = { js: `${jsPreamble(js.needs)}\n${js.body}`, gpujs };
    this.uses = new Set(PAIRWISE_NAMES.filter((_, s) => js.needs.slots.has(s)));
    this.f64 = (X, Y, p, out) => this.runTwin(X, Y, p, out);
    if (requested !== 'auto' && requested !== 'f64') this.gpu(requested);
    const planned = this.choose(Infinity, requested === 'async');
    this.backend = planned.backend === 'f64' ? 'f64' : plannedBackend(this.gpu(planned.backend));
    this.threaded = planned.backend === 'async';
    this.reason = `planned: ${planned.reason}`;
  }

  /**
   * Auto: f64 → twin. f32 → the threaded kernel for runAsync calls of at
   * least THREADING.minCells cells on ≥ 2 cores (N = 2048, d = 64 RBF: 0.25 s
   * vs 0.55 s for a single-threaded f64 loop on 2 cores), else the twin (the
   * single-threaded webasm kernel only matches it: 0.51 s).
   */
  private choose(cells: number, async: boolean): { backend: 'f64' | GpuMode; reason: string } {
    const r = this.requested;
    if (r === 'async' && !async) throw new CompileError("backend 'async' returns a Promise: call runAsync, not run", 'async');
    if (r !== 'auto') return { backend: r, reason: `backend '${r}' requested` };
    if (this.precision === 'f64') return { backend: 'f64', reason: "precision 'f64': only the twin computes in f64" };
    if (this.gpuUnavailable) return { backend: 'f64', reason: `no GPU.js kernel: ${this.gpuUnavailable}` };
    if (async && cells >= THREADING.minCells && availableParallelism() >= 2) {
      return { backend: 'async', reason: `f32, ${cells} cells × d = ${this.d}: threaded kernel` };
    }
    return { backend: 'f64', reason: `f32, ${async ? `${cells} cells` : 'sync call'}: the twin is as fast as one kernel thread` };
  }

  private gpu(mode: GpuMode): GPU {
    let g = this.gpus.get(mode);
    if (!g) { g = createGpu(mode); this.gpus.set(mode, g); }
    return g;
  }

  private shape(X: Vec, Y: Vec, p: Vec | undefined, out: Vec | undefined): { N: number; M: number; P: Vec } {
    const { d } = this;
    if (!X || X.length % d !== 0) throw new RangeError(`X has length ${X?.length}, not a multiple of d = ${d}`);
    if (!Y || Y.length % d !== 0) throw new RangeError(`Y has length ${Y?.length}, not a multiple of d = ${d}`);
    const N = X.length / d, M = Y.length / d;
    const nP = this.params.length;
    if (nP > 0 && (!p || p.length !== nP)) {
      throw new RangeError(`params ${this.params.join(', ')}: expected ${nP} values, got ${p?.length ?? 'none'}`);
    }
    if (out && out.length < N * M) throw new RangeError(`out has length ${out.length} < ${N}×${M}`);
    return { N, M, P: nP > 0 ? p! : PLACEHOLDER };
  }

  private norms(X: Vec, Y: Vec, N: number, M: number): [Vec, Vec] {
    return [
      this.uses.has('nx2') ? squaredNorms(X, N, this.d) : PLACEHOLDER,
      this.uses.has('ny2') ? squaredNorms(Y, M, this.d) : PLACEHOLDER,
    ];
  }

  /** X, Y, NX, NY for the kernel, with Y and NY padded to whole column blocks. */
  private gpuArgs(X: Vec, Y: Vec, N: number, M: number): [Vec, Vec, Vec, Vec] {
    const [NX, NY] = this.norms(X, Y, N, M);
    return [X, padRows(Y, M, this.d), NX, this.uses.has('ny2') ? padRows(NY, M, 1) : NY];
  }

  private runTwin(X: Vec, Y: Vec, p?: Vec, out?: Vec): Vec {
    const { N, M, P } = this.shape(X, Y, p, out);
    if (!this.twinFn) {
      const { body, needs } = twinSource(this.root, this.d, this.params.length);
      const src = `${jsPreamble(needs)}\n${body}`;
      assertSafeSource(src);
      this.twinFn = new Function('H', src)(F64_FUNCTIONS) as TwinFn;
    }
    const [NX, NY] = this.norms(X, Y, N, M);
    return this.twinFn(X, Y, NX, NY, P, out ?? new Float64Array(N * M), N, M);
  }

  private kernel(mode: GpuMode, N: number, M: number): GpuKernelRun {
    const key = `${mode}|${N}|${M}`;
    let k = this.kernels.get(key);
    if (!k) {
      const { source, functions } = gpuSource(this.root, this.d, this.params.length);
      k = createGpuKernel(this.gpu(mode), {
        source, functions, output: [N, Math.ceil(M / COLS)], loopMaxIterations: this.d, returnType: 'Array(4)',
      });
      returnFlatOutput(k);
      if (this.kernels.size >= 4) {
        const [oldKey, old] = this.kernels.entries().next().value as [string, GpuKernelRun];
        this.kernels.delete(oldKey);
        old.destroy?.();
      }
      this.kernels.set(key, k);
    }
    return k;
  }

  private record(reason: string, k: GpuKernelRun | undefined): void {
    this.backend = k ? ranBackend(k) : 'f64';
    this.threaded = k?.kernel?._lastRunPath === 'threaded';
    const fallback = k?.kernel?.fallbackReason;
    this.reason = fallback ? `${reason}; gpu.js fell back: ${fallback}` : reason;
  }

  run(X: Vec, Y: Vec, p?: Vec, out?: Vec): Vec {
    const { N, M, P } = this.shape(X, Y, p, out);
    const choice = this.choose(N * M, false);
    if (choice.backend === 'f64') {
      const K = this.runTwin(X, Y, p, out);
      this.record(choice.reason, undefined);
      return K;
    }
    const k = this.kernel(choice.backend, N, M);
    const result = k(...this.gpuArgs(X, Y, N, M), P);
    if (result instanceof Promise) throw new CompileError(`gpu.js mode '${choice.backend}' returned a Promise: call runAsync`);
    const K = out ?? new Float64Array(N * M);
    unpackColumns(result, K, N, M);
    this.record(choice.reason, k);
    return K;
  }

  async runAsync(X: Vec, Y: Vec, p?: Vec, out?: Vec): Promise<Vec> {
    const { N, M, P } = this.shape(X, Y, p, out);
    const choice = this.choose(N * M, true);
    if (choice.backend === 'f64') {
      const K = this.runTwin(X, Y, p, out);
      this.record(choice.reason, undefined);
      return K;
    }
    const k = this.kernel(choice.backend, N, M);
    const K = out ?? new Float64Array(N * M);
    unpackColumns(await k(...this.gpuArgs(X, Y, N, M), P), K, N, M);
    this.record(choice.reason, k);
    return K;
  }

  dispose(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    for (const g of this.gpus.values()) void g.destroy();
    this.gpus.clear();
  }
}

const GPU_BACKENDS = new Set<Backend>(['cpu', 'webasm', 'async', 'gpu']);

/**
 * Compiles a pairwise kernel f over `dot`, `sqdist`, `nx2`, `ny2` and the
 * declared params, e.g. RBF `exp(-sqdist/(2*ell^2))` with params ['ell'].
 */
export function compilePairwise(f: Expr, opts: PairwiseOptions): PairwiseKernel {
  const { d } = opts;
  if (!Number.isSafeInteger(d) || d < 1) throw new CompileError(`d must be a positive integer, got ${String(d)}`);
  const params = opts.params ?? [];
  const backend = opts.backend ?? 'auto';
  if (!['auto', 'f64', 'cpu', 'webasm', 'async', 'gpu'].includes(backend)) {
    throw new CompileError(`unknown backend ${JSON.stringify(String(backend))} (known: auto, f64, cpu, webasm, async, gpu)`, String(backend));
  }
  const precision = opts.precision ?? (GPU_BACKENDS.has(backend) ? 'f32' : 'f64');
  if (precision === 'f64' && GPU_BACKENDS.has(backend)) {
    throw new CompileError(`backend '${backend}' computes in float32; precision 'f64' needs backend 'f64' or 'auto'`, backend);
  }
  const lowering = new Lowering(declare([{ role: 'pairwise value', names: PAIRWISE_NAMES }, { role: 'param', names: params }]));
  return new CompiledPairwise(lowering.lower(f), d, [...params], backend, precision);
}
