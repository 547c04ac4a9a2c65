// N×M pairwise kernels K_ij = f(dot, sqdist, nx2, ny2; params) for rows x_i
// of X (N×d) and y_j of Y (M×d): dot = x_i·y_j, sqdist = |x_i − y_j|² (summed
// directly, not as nx2 + ny2 − 2·dot, which cancels), nx2 = |x_i|²,
// ny2 = |y_j|² (norms computed once per row, in f64). For NTK Gram matrices
// and MMD. Runs on the f64 twin or a GPU.js kernel (four columns per cell),
// through the compile runtime (runtime.ts: caches, chunks of rows, backend
// choice with runtime-cost.ts's pairwise figures, report).

import { ArgumentError } from '../core/index.ts';
import type { Expr } from '../symbolic/index.ts';
import { CompileError, Lowering, declare, type Op } from './lower.ts';
import { emitBlock, gpuFunctionSources, jsPreamble, newNeeds, type Needs } from './emit.ts';
import type { GpuMode, RanBackend } from './gpujs.ts';
import {
  type Backend, type KernelJob, type ShapeSources, type Vec, MAX_CELLS_PER_CALL, Runtime, RuntimeReport, checkOptions, chunks,
} from './runtime.ts';
import { type Choice, type CostEstimate, type Precision, choosePairwise, estimatePairwiseCost, variantOps } from './runtime-cost.ts';

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

/**
 * innerLoop for columns j + c, c = 0..cols−1, side by side: one load of x_ik serves every
 * column, and each column's sums (a0_c, a1_c) are chains of their own, added in the order of k
 * as alone, so each entry has the bits of the one-column loop. y_jk of column c is m_c, its
 * difference from x_ik m_(cols + c).
 */
function innerLoopColumns(d: number, dot: boolean, sq: boolean, cols: number): string[] {
  if (!dot && !sq) return [];
  const cs = Array.from({ length: cols }, (_, c) => c);
  return [
    ...(dot ? cs.map((c) => `let a0_${c} = 0.0;`) : []),
    ...(sq ? cs.map((c) => `let a1_${c} = 0.0;`) : []),
    `for (let k = 0; k < ${d}; k++) {`,
    'const u = X[o + k];',
    ...cs.map((c) => `const m${c} = Y[${at('q', c * d)} + k];`),
    ...(dot ? cs.map((c) => `a0_${c} = a0_${c} + u * m${c};`) : []),
    ...(sq ? cs.flatMap((c) => [`const m${cols + c} = u - m${c};`, `a1_${c} = a1_${c} + m${cols + c} * m${cols + c};`]) : []),
    '}',
  ];
}

const at = (base: string, i: number) => (i === 0 ? base : `${base} + ${i}`);

/**
 * Columns j the twin computes side by side: the sum over k of one entry is a chain of dependent
 * additions, and independent chains next to each other keep the floating-point units busy.
 */
const TWIN_COLS = 4;

function twinSource(root: Op, d: number, nP: number): { body: string; needs: Needs } {
  const needs = newNeeds();
  const block = emitBlock([root], 'js', slotLocal, needs, 'v', (slot) => slot >= 4);
  const l = valueLoads(needs, nP);
  // column c of a group: its own dot, sqdist and ny2 (slots 0, 1, 3) and temporaries, suffixed _c
  const column = (c: number) => {
    const blk = emitBlock([root], 'js', (slot) => (slot === 0 || slot === 1 || slot === 3 ? `a${slot}_${c}` : slotLocal(slot)), needs, 'v', (slot) => slot >= 4);
    const outerTemps = new Set(blk.outer.map((line) => /^const (v\d+) =/.exec(line)?.[1]));
    const rename = (code: string) => code.replace(/\bv(\d+)\b/g, (t) => (outerTemps.has(t) ? t : `${t}_${c}`));
    if (blk.outer.join('\n') !== block.outer.join('\n')) throw new CompileError('internal: pairwise columns hoisted different parameter code');
    return { lines: blk.lines.map(rename), result: rename(blk.results[0]) };
  };
  const group = Array.from({ length: TWIN_COLS }, (_, c) => column(c));
  const body = [
    'return function (X, Y, NX, NY, P, K, N, M) {',
    ...l.params,
    ...block.outer,
    'for (let i = 0; i < N; i++) {',
    `const o = i * ${d};`,
    'const r = i * M;',
    ...l.perI,
    // groups of TWIN_COLS columns, then the columns left over one by one
    'let j = 0;',
    `for (; j + ${TWIN_COLS - 1} < M; j = j + ${TWIN_COLS}) {`,
    `const q = j * ${d};`,
    ...innerLoopColumns(d, l.dot, l.sq, TWIN_COLS),
    ...(needs.slots.has(3) ? group.map((_, c) => `const a3_${c} = NY[${at('j', c)}];`) : []),
    ...group.flatMap((g) => g.lines),
    ...group.map((g, c) => `K[${at('r + j', c)}] = ${g.result};`),
    '}',
    'for (; j < M; j++) {',
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
 * The threaded ('async') kernel's calls per runAsync: from `minCells` output cells on, the rows of
 * X go in `calls` equal chunks, all posted at once, and the calling thread copies each chunk's
 * result into K while the workers compute the next. That copy (gpu.js's slice of the output,
 * then f32 → f64, four columns per cell, into a fresh K whose pages it faults in) is serial work
 * on the calling thread: at N = 2048, d = 64 (RBF, 2-core VM) it measured 130 ms of CPU with
 * 4 KiB pages and 40–70 ms with huge pages, against the workers' 2 × 140–160 ms; after a single
 * call it capped the ideal two-thread speed-up at about 1.5× and 1.7× (test/bench/pairwise.bench.ts
 * prints the measured parts).
 */
export const ASYNC_PIPELINE = { calls: 4, minCells: 2 ** 16 } as const;

/** [first, end) row ranges of equal length (the last padded past N) for the threaded kernel's calls. */
export function pipelineRows(N: number, blocks: number): { rows: number; parts: [number, number][] } {
  if (N === 0) return { rows: 0, parts: [] };
  const cells = N * blocks;
  const calls = Math.min(N, Math.max(Math.ceil(cells / MAX_CELLS_PER_CALL), cells >= ASYNC_PIPELINE.minCells ? ASYNC_PIPELINE.calls : 1));
  const rows = Math.max(1, Math.min(Math.ceil(N / calls), Math.floor(MAX_CELLS_PER_CALL / blocks)));
  const parts: [number, number][] = [];
  for (let i0 = 0; i0 < N; i0 += rows) parts.push([i0, Math.min(N, i0 + rows)]);
  return { rows, parts };
}

/**
 * K (N×M, row-major) from the kernel's result: cell (x = i, y = jb) holds
 * K_i,4jb..4jb+3. Takes the flat Float32Array (cells × 4) or gpu.js's shaped
 * rows of cells; the result has R ≥ N rows i (those past N are padding).
 */
function unpackColumns(result: unknown, K: Vec, N: number, M: number, R = N): void {
  const blocks = Math.ceil(M / COLS);
  const flat = result instanceof Float32Array && result.length === R * blocks * COLS ? result : undefined;
  if (!flat && !Array.isArray(result)) throw new Error('gpu.js returned an unexpected result shape');
  if (flat && M % COLS === 0) {
    // tiles of TILE rows: reads stay contiguous, written cache lines are reused by the next block
    const TILE = 64;
    for (let i0 = 0; i0 < N; i0 += TILE) {
      const i1 = Math.min(N, i0 + TILE);
      for (let jb = 0; jb < blocks; jb++) {
        for (let i = i0, src = (jb * R + i0) * COLS, dst = i0 * M + jb * COLS; i < i1; i++, src += COLS, dst += M) {
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
        const src = (jb * R + i) * COLS;
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

/** The slots an Op DAG reads. */
function readSlots(root: Op): Set<number> {
  const seen = new Set<number>(), slots = new Set<number>();
  const visit = (n: Op): void => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    switch (n.op) {
      case 'num': return;
      case 'ref': slots.add(n.slot); return;
      case 'neg': case 'ipow': visit(n.a); return;
      case 'call': n.args.forEach(visit); return;
      case 'sum': n.terms.forEach(visit); return;
      case 'prod': n.factors.forEach(visit); return;
      default: visit(n.a); visit(n.b);
    }
  };
  visit(root);
  return slots;
}

/** The pairwise shape: one variant; its twin, its GPU.js source (Array(4) cells). */
function pairwiseSources(root: Op, d: number, nP: number): ShapeSources<'pair'> {
  return {
    twin() {
      const { body, needs } = twinSource(root, d, nP);
      return `${jsPreamble(needs)}\n${body}`;
    },
    gpu: () => gpuSource(root, d, nP),
  };
}

class CompiledPairwise extends RuntimeReport<'pair'> implements PairwiseKernel {
  readonly uses: ReadonlySet<PairwiseName>;
  readonly f64: (X: Vec, Y: Vec, params?: Vec, out?: Vec) => Vec;
  /** predicted ns per output cell on each path, used by 'auto' */
  readonly cost: CostEstimate;
  protected readonly rt: Runtime<'pair'>;

  constructor(root: Op, readonly d: number, readonly params: readonly string[], requested: Backend, precision: Precision) {
    super();
    this.rt = new Runtime(pairwiseSources(root, d, params.length), { requested, precision, shown: 'pair', kernels: 4, flat: true });
    const reads = readSlots(root);
    this.uses = new Set(PAIRWISE_NAMES.filter((_, s) => reads.has(s)));
    this.cost = estimatePairwiseCost(variantOps([root], (slot) => slot < 4), d, this.uses.has('dot') || this.uses.has('sqdist'));
    this.f64 = (X, Y, p, out) => this.runTwin(X, Y, p, out);
    this.rt.plan(this.choose(Infinity, requested === 'async'), 'planned');
  }

  /**
   * Auto: f64 → twin. f32 → the threaded kernel for runAsync calls of at
   * least THREADING.minCells cells on ≥ 2 cores (N = 2048, d = 64 RBF: 0.25 s
   * vs 0.55 s for a single-threaded f64 loop on 2 cores), else the twin (the
   * single-threaded webasm kernel only matches it: 0.51 s); see choosePairwise.
   */
  private choose(cells: number, async: boolean): Choice {
    return this.rt.choose(async, () => choosePairwise({ precision: this.rt.precision, cost: this.cost, cells, d: this.d, async }));
  }

  private shape(X: Vec, Y: Vec, p: Vec | undefined, out: Vec | undefined): { N: number; M: number; P: Vec } {
    const { d } = this;
    if (!X || X.length % d !== 0) throw new ArgumentError(`X has length ${X?.length}, not a multiple of d = ${d}`);
    if (!Y || Y.length % d !== 0) throw new ArgumentError(`Y has length ${Y?.length}, not a multiple of d = ${d}`);
    const N = X.length / d, M = Y.length / d;
    const nP = this.params.length;
    if (nP > 0 && (!p || p.length !== nP)) {
      throw new ArgumentError(`params ${this.params.join(', ')}: expected ${nP} values, got ${p?.length ?? 'none'}`);
    }
    if (out && out.length < N * M) throw new ArgumentError(`out has length ${out.length} < ${N}×${M}`);
    return { N, M, P: nP > 0 ? p! : PLACEHOLDER };
  }

  private norms(X: Vec, Y: Vec, N: number, M: number): [Vec, Vec] {
    return [
      this.uses.has('nx2') ? squaredNorms(X, N, this.d) : PLACEHOLDER,
      this.uses.has('ny2') ? squaredNorms(Y, M, this.d) : PLACEHOLDER,
    ];
  }

  private twinRun(X: Vec, Y: Vec, P: Vec, N: number, M: number, out: Vec | undefined): Vec {
    const [NX, NY] = this.norms(X, Y, N, M);
    return this.rt.twin<TwinFn>('pair')(X, Y, NX, NY, P, out ?? new Float64Array(N * M), N, M);
  }

  private runTwin(X: Vec, Y: Vec, p?: Vec, out?: Vec): Vec {
    const { N, M, P } = this.shape(X, Y, p, out);
    return this.twinRun(X, Y, P, N, M, out);
  }

  /**
   * The gpu.js calls: rows of X in chunks of at most MAX_CELLS_PER_CALL
   * cells, against all of Y (and its norms) padded to whole column blocks.
   */
  private *gpuJob(mode: GpuMode, X: Vec, Y: Vec, P: Vec, N: number, M: number, K: Vec): KernelJob<Vec> {
    if (M === 0) return K; // an empty K (N = 0 makes no chunks): no kernel call
    const { d } = this;
    const [NX, NY] = this.norms(X, Y, N, M);
    const Yp = padRows(Y, M, d), NYp = this.uses.has('ny2') ? padRows(NY, M, 1) : NY;
    const blocks = Math.ceil(M / COLS);
    const parts = chunks(N, blocks);
    for (const [i0, i1] of parts) {
      const whole = parts.length === 1;
      const k = this.rt.kernel(mode, 'pair', { output: [i1 - i0, blocks], loopMaxIterations: d, returnType: 'Array(4)' });
      const Xc = whole ? X : X.subarray(i0 * d, i1 * d);
      const NXc = whole || !this.uses.has('nx2') ? NX : NX.subarray(i0, i1);
      const result = yield [k, [Xc, Yp, NXc, NYp, P]];
      unpackColumns(result, whole ? K : K.subarray(i0 * M, i1 * M), i1 - i0, M);
    }
    return K;
  }

  run(X: Vec, Y: Vec, p?: Vec, out?: Vec): Vec {
    const { N, M, P } = this.shape(X, Y, p, out);
    const choice = this.choose(N * M, false);
    if (choice.backend === 'f64') {
      const K = this.twinRun(X, Y, P, N, M, out);
      this.rt.record(choice.reason);
      return K;
    }
    return this.rt.run(this.gpuJob(choice.backend, X, Y, P, N, M, out ?? new Float64Array(N * M)), choice);
  }

  async runAsync(X: Vec, Y: Vec, p?: Vec, out?: Vec): Promise<Vec> {
    const { N, M, P } = this.shape(X, Y, p, out);
    const choice = this.choose(N * M, true);
    if (choice.backend === 'f64') {
      const K = this.twinRun(X, Y, P, N, M, out);
      this.rt.record(choice.reason);
      return K;
    }
    const K = out ?? new Float64Array(N * M);
    if (choice.backend === 'async') return this.threadedRun(X, Y, P, N, M, K, choice);
    return this.rt.runAsync(this.gpuJob(choice.backend, X, Y, P, N, M, K), choice);
  }

  /**
   * The threaded kernel over ASYNC_PIPELINE's row chunks: the next chunk's call posted before
   * the current one is awaited (one kernel shape, so gpu.js runs them one after another on its
   * workers), each result copied into K as it arrives, while the workers compute the next.
   */
  private async threadedRun(X: Vec, Y: Vec, P: Vec, N: number, M: number, K: Vec, choice: Choice): Promise<Vec> {
    const { d } = this;
    const [NX, NY] = this.norms(X, Y, N, M);
    const Yp = padRows(Y, M, d), NYp = this.uses.has('ny2') ? padRows(NY, M, 1) : NY;
    const blocks = Math.ceil(M / COLS);
    const { rows, parts } = pipelineRows(N, blocks);
    this.rt.record(choice.reason);
    if (parts.length === 0 || M === 0) return K; // an empty K: no kernel call
    const k = this.rt.kernel('async', 'pair', { output: [rows, blocks], loopMaxIterations: d, returnType: 'Array(4)' });
    const rowsOf = (A: Vec, width: number, i0: number, i1: number): Vec => {
      if (parts.length === 1 && i1 - i0 === rows) return A;
      if (i1 - i0 === rows) return A.subarray(i0 * width, i1 * width);
      const padded = new Float32Array(rows * width); // the last chunk, short of `rows`: zero rows after it
      padded.set(A.subarray(i0 * width, i1 * width));
      return padded;
    };
    const post = (c: number): Promise<unknown> => {
      const [i0, i1] = parts[c];
      const p = Promise.resolve(k(rowsOf(X, d, i0, i1), Yp, this.uses.has('nx2') ? rowsOf(NX, 1, i0, i1) : NX, NYp, P));
      p.catch(() => undefined); // awaited below; a failure must not surface as unhandled meanwhile
      return p;
    };
    // two calls in flight at most: gpu.js stages a queued call's arguments (Y included) when
    // it is posted, so posting every chunk at once would hold one copy per chunk
    let next = post(0);
    for (let c = 0; c < parts.length; c++) {
      const [i0, i1] = parts[c];
      const current = next;
      if (c + 1 < parts.length) next = post(c + 1);
      const result = await current;
      this.rt.record(choice.reason, k);
      unpackColumns(result, K.subarray(i0 * M, i1 * M), i1 - i0, M, rows);
    }
    return K;
  }

  dispose(): void {
    this.rt.dispose();
  }
}

/**
 * Compiles a pairwise kernel f over `dot`, `sqdist`, `nx2`, `ny2` and the
 * declared params, e.g. RBF `exp(-sqdist/(2*ell^2))` with params ['ell'].
 */
export function compilePairwise(f: Expr, opts: PairwiseOptions): PairwiseKernel {
  const { d } = opts;
  if (!Number.isSafeInteger(d) || d < 1) throw new CompileError(`d must be a positive integer, got ${String(d)}`);
  const params = opts.params ?? [];
  const backend = opts.backend ?? 'auto';
  const precision = checkOptions(backend, opts.precision);
  const lowering = new Lowering(declare([{ role: 'pairwise value', names: PAIRWISE_NAMES }, { role: 'param', names: params }]));
  return new CompiledPairwise(lowering.lower(f), d, [...params], backend, precision);
}
