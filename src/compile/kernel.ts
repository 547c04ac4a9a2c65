// Batched evaluation of Exprs: many states × many parameter sets in one call,
// through the f64 twin (plain JS emitted from the AST) or a GPU.js kernel
// emitted from the same AST; plus a System's right-hand side in the batched
// layout of src/numeric/ode.ts.
//
// Layout (row-major, one row per batch member b = 0..B-1):
//   inputs  X[b·nIn + i]
//   params  P[j] shared by all members, or P[b·nP + j] per member
//   outputs Y[b·nOut + k]

import { availableParallelism } from 'node:os';
import type { GPU } from 'gpu.js';
import type { Expr } from '../symbolic/expr.ts';
import { F64_FUNCTIONS } from '../symbolic/evaluate.ts';
import type { System } from '../symbolic/system.ts';
import { CompileError, Lowering, countOps, declare, quote, type CostKey, type Op } from './lower.ts';
import { assertSafeSource, emitBlock, gpuFunctionSources, jsPreamble, newNeeds, type Needs } from './emit.ts';
import {
  type GpuKernelRun, type GpuMode, type RanBackend, copyResult, createGpu, createGpuKernel, plannedBackend, ranBackend,
} from './gpujs.ts';

export type Backend = 'auto' | 'f64' | 'cpu' | 'webasm' | 'async' | 'gpu';
export type Precision = 'f64' | 'f32';
export type Vec = Float64Array | Float32Array;
export type ParamLayout = 'shared' | 'member';

export interface CompileOptions {
  /** names of the per-member inputs (default: the System's state) */
  readonly inputs?: readonly string[];
  /** names of the parameters (default: the System's params) */
  readonly params?: readonly string[];
  /** default 'auto' */
  readonly backend?: Backend;
  /** default 'f64' for 'auto'/'f64', 'f32' for the gpu.js backends */
  readonly precision?: Precision;
}

/** The f64 twin: same call shape as Kernel.run. */
export interface Twin {
  (inputs: Vec, params?: Vec, out?: Vec): Vec;
  /** emitted source of the twin (shared-parameter variant) */
  readonly source: string;
}

export interface Kernel {
  readonly inputs: readonly string[];
  readonly params: readonly string[];
  readonly nOut: number;
  readonly requested: Backend;
  readonly precision: Precision;
  /** predicted ns per output cell on each path, used by 'auto' */
  readonly cost: CostEstimate;
  /** the backend that ran the last call; before any call, the one a large sync batch would use */
  readonly backend: RanBackend;
  /** whether the last call split its cells over worker threads */
  readonly threaded: boolean;
  /** why the last call used its backend */
  readonly reason: string;
  /** emitted sources: the twin's and the GPU.js kernel function's ('' where f32 cannot hold a constant) */
  readonly source: { readonly js: string; readonly gpujs: string };
  readonly f64: Twin;
  /** Evaluates all outputs for a batch; sync backends only ('async' needs runAsync). */
  run(inputs: Vec, params?: Vec, out?: Vec): Vec;
  /** Same, for every backend, threaded where 'async' (or 'auto' with f32) chooses so. */
  runAsync(inputs: Vec, params?: Vec, out?: Vec): Promise<Vec>;
  /** Releases gpu.js kernels and worker pools. */
  dispose(): void;
}

// ---------- the backend rule ----------

type CostTable = { readonly cell: number } & Readonly<Record<CostKey, number>>;

/**
 * Measured cost in ns (2-core VM, Node 20, 2·10^5 cells, 8 operations per
 * cell, best of 7; test/bench/compile.bench.ts reprints the comparison):
 * `cell` is the fixed cost per output cell (loads, stores and, for gpu.js,
 * the f64→f32 copy in and out and the dispatch), the rest per operation.
 * V8 inlines Math.exp & co. into the twin, while a gpu.js 'webasm' kernel
 * calls them through a JS import per element, so only f32 arithmetic helpers
 * (erf: Cody's rational form vs the f64 series in special.ts) win there.
 */
export const COST_NS: { readonly twin: CostTable; readonly webasm: CostTable } = {
  twin: {
    cell: 3, add: 0.1, mul: 0.1, div: 0.6, ipow: 0.3, pow: 40, sqrt: 1, abs: 0.1, min: 2, max: 2,
    exp: 8, log: 7.5, sin: 10, cos: 10, tanh: 12.5, arcsin: 6, arccos: 6, erf: 86, sigmoid: 9.5, softplus: 17,
    relu: 2, step: 2.8,
  },
  webasm: {
    cell: 8, add: 0.1, mul: 0.1, div: 0.1, ipow: 0.9, pow: 56, sqrt: 0.1, abs: 0.1, min: 0.3, max: 0.3,
    exp: 16.6, log: 15.3, sin: 26.7, cos: 26.7, tanh: 22.8, arcsin: 16, arccos: 16, erf: 31.8, sigmoid: 25.4, softplus: 41,
    relu: 3.3, step: 3.7,
  },
};

/**
 * 'async' (threaded webasm): its per-cell copy stays on the main thread (11 ns
 * measured), the compute splits over the cores with this efficiency (an N×N
 * pairwise kernel ran 1.9× faster on 2 cores), from this many cells on (gpu.js
 * threads outputs of ≥ 4096 cells; below two workers' worth it does not pay).
 */
export const THREADING = { cell: 11, efficiency: 0.9, minCells: 8192 } as const;

/** A kernel is chosen only when predicted faster than this fraction of the twin. */
export const KERNEL_MARGIN = 0.8;

/** Predicted ns per output cell on each path. */
export interface CostEstimate {
  readonly twin: number;
  readonly webasm: number;
  /** threaded, for a batch of at least THREADING.minCells cells */
  readonly async: number;
}

/** Predicted cost per output cell of code with these operation counts. */
export function estimateCost(counts: Partial<Record<CostKey, number>>, nOut: number, cores = availableParallelism()): CostEstimate {
  let twin = 0, kernel = 0;
  for (const [key, n] of Object.entries(counts) as [CostKey, number][]) {
    twin += COST_NS.twin[key] * n;
    kernel += COST_NS.webasm[key] * n;
  }
  twin /= nOut;
  kernel /= nOut;
  return {
    twin: COST_NS.twin.cell + twin,
    webasm: COST_NS.webasm.cell + kernel,
    async: THREADING.cell + kernel / Math.max(1, THREADING.efficiency * cores),
  };
}

export interface Choice {
  readonly backend: 'f64' | GpuMode;
  readonly reason: string;
}

/**
 * The auto rule. Precision 'f64' → the twin (nothing else computes in f64).
 * Precision 'f32' → the path with the least predicted time (COST_NS,
 * THREADING), a gpu.js kernel only if below KERNEL_MARGIN × the twin's;
 * 'async' only for runAsync calls of at least THREADING.minCells cells.
 * In practice: light per-element work (polynomials, exp, tanh) stays on the
 * twin; erf-heavy expressions go to the kernel.
 */
export function chooseBackend(opts: { precision: Precision; cost: CostEstimate; cells: number; async: boolean }): Choice {
  const { precision, cost, cells, async } = opts;
  if (precision === 'f64') return { backend: 'f64', reason: "precision 'f64': only the twin computes in f64" };
  const threaded = async && cells >= THREADING.minCells;
  const kernel: 'webasm' | 'async' = threaded && cost.async < cost.webasm ? 'async' : 'webasm';
  const predicted = kernel === 'async' ? cost.async : cost.webasm;
  const figures = `predicted ns/cell: twin ${cost.twin.toFixed(1)}, ${kernel} ${predicted.toFixed(1)}`;
  if (predicted < KERNEL_MARGIN * cost.twin) {
    return { backend: kernel, reason: `f32, ${cells} cells, ${figures}: the kernel is faster` };
  }
  return { backend: 'f64', reason: `f32, ${cells} cells, ${figures}: the twin is faster` };
}

// ---------- shared preparation ----------

interface Prepared {
  readonly lowering: Lowering;
  readonly roots: readonly Op[];
  readonly nIn: number;
  readonly nP: number;
}

function toExprList(exprs: readonly Expr[] | System): readonly Expr[] {
  if (Array.isArray(exprs)) return exprs;
  const sys = exprs as System;
  if (!sys || !Array.isArray(sys.drift)) throw new CompileError('compile expects an array of Exprs or a System');
  return sys.drift;
}

function prepare(exprs: readonly Expr[], groups: { role: string; names: readonly string[] }[]): Prepared & { declared: ReturnType<typeof declare> } {
  if (exprs.length === 0) throw new CompileError('nothing to compile: no expressions');
  const declared = declare(groups);
  const lowering = new Lowering(declared);
  const roots = exprs.map((e) => lowering.lower(e));
  const count = (role: string) => declared.roles.filter((r) => r === role).length;
  return { declared, lowering, roots, nIn: count('input') + count('state'), nP: count('param') };
}

/** Emits `const aS = <arr>[<base> + i];` for every slot in [from, to) the block reads. */
function loads(needs: Needs, from: number, to: number, arr: string, base: string): string[] {
  const out: string[] = [];
  for (let s = from; s < to; s++) {
    if (!needs.slots.has(s)) continue;
    const i = s - from;
    out.push(`const a${s} = ${arr}[${base === '' ? i : i === 0 ? base : `${base} + ${i}`}];`);
  }
  return out;
}

const slotLocal = (slot: number) => `a${slot}`;

/** Compiles emitted twin source (re-checked by assertSafeSource) with the f64 helper functions bound. */
export function buildJs<F>(body: string, needs: Needs): F {
  const src = `${jsPreamble(needs)}\n${body}`;
  assertSafeSource(src);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- src is emitted from the AST and re-checked above
  return new Function('H', src)(F64_FUNCTIONS) as F;
}

// ---------- the twin ----------

/** Twin source for one parameter layout: (X, P, Y, B) fills Y. */
function twinSource(prep: Prepared, layout: ParamLayout): { body: string; needs: Needs } {
  const { roots, nIn, nP } = prep;
  const nOut = roots.length;
  const needs = newNeeds();
  const shared = (slot: number) => layout === 'shared' && slot >= nIn;
  const block = emitBlock(roots, 'js', slotLocal, needs, 'v', shared);
  const inputLoads = loads(needs, 0, nIn, 'X', 'o');
  const paramLoads = layout === 'shared' ? loads(needs, nIn, nIn + nP, 'P', '') : loads(needs, nIn, nIn + nP, 'P', 'q');
  const stores = block.results.map((r, k) => `Y[${k === 0 ? 'r' : `r + ${k}`}] = ${r};`);
  const body = [
    'return function (X, P, Y, B) {',
    ...(layout === 'shared' ? paramLoads : []),
    ...block.outer,
    'let o = 0;', 'let r = 0;', 'let q = 0;',
    'for (let b = 0; b < B; b++) {',
    ...inputLoads,
    ...(layout === 'member' ? paramLoads : []),
    ...block.lines,
    ...stores,
    `o = o + ${nIn};`, `r = r + ${nOut};`, `q = q + ${nP};`,
    '}',
    'return Y;',
    '};',
  ].join('\n');
  return { body, needs };
}

type TwinFn = (X: Vec, P: Vec, Y: Vec, B: number) => Vec;

// ---------- the GPU.js kernel source ----------

/** Largest number of cells per gpu.js call: thread ids stay exact in f32. */
const MAX_CELLS_PER_CALL = 2 ** 22;

function gpuSource(prep: Prepared, layout: ParamLayout): { source: string; functions: string[] } {
  const { roots, nIn, nP } = prep;
  const nOut = roots.length;
  const needs = newNeeds();
  const lines = ['function (X, P) {', 'const c = this.thread.x;'];
  if (nOut === 1) lines.push('const b = c;');
  else {
    // floor((c + 1/2)/nOut) is exact for c < 2^22: the quotient stays ≥ 1/(2·nOut) away from integers
    lines.push(`const b = Math.floor((c + 0.5) / ${nOut}.0);`, `const k = c - b * ${nOut};`);
  }
  lines.push(`const o = b * ${nIn};`);
  if (layout === 'member') lines.push(`const q = b * ${nP};`);
  // each output in its own branch, with its own temporaries (v<k>_<i>);
  // the inputs any branch reads are loaded once, before the branches
  const branches = roots.map((root, k) => emitBlock([root], 'gpujs', slotLocal, needs, `v${k}_`));
  lines.push(...loads(needs, 0, nIn, 'X', 'o'));
  lines.push(...(layout === 'shared' ? loads(needs, nIn, nIn + nP, 'P', '') : loads(needs, nIn, nIn + nP, 'P', 'q')));
  branches.forEach((block, k) => {
    const body = [...block.outer, ...block.lines, `return ${block.results[0]};`];
    if (k < nOut - 1) lines.push(`if (k == ${k}.0) {`, ...body, '}');
    else lines.push(...body);
  });
  lines.push('}');
  return { source: lines.join('\n'), functions: gpuFunctionSources(needs) };
}

// ---------- the kernel ----------

const PLACEHOLDER = new Float32Array(1);

class CompiledKernel implements Kernel {
  readonly inputs: readonly string[];
  readonly params: readonly string[];
  readonly nOut: number;
  readonly cost: CostEstimate;
  readonly source: { js: string; gpujs: string };
  readonly f64: Twin;
  backend: RanBackend;
  threaded = false;
  reason: string;
  private readonly twins = new Map<ParamLayout, TwinFn>();
  private readonly gpus = new Map<GpuMode, GPU>();
  private readonly gpuKernels = new Map<string, GpuKernelRun>();
  /** why no GPU.js source exists (then 'auto' keeps to the twin) */
  private gpuUnavailable: string | undefined;

  constructor(
    private readonly prep: Prepared,
    inputs: readonly string[], params: readonly string[],
    readonly requested: Backend, readonly precision: Precision,
  ) {
    this.inputs = [...inputs];
    this.params = [...params];
    this.nOut = prep.roots.length;
    this.cost = estimateCost(countOps(prep.roots), this.nOut);
    const js = twinSource(prep, 'shared');
    let gpujs: string;
    try {
      gpujs = gpuSource(prep, 'shared').source;
    } catch (err) {
      // e.g. a constant beyond float32's range: fatal only where a kernel was asked for
      if (!(err instanceof CompileError) || GPU_BACKENDS.has(requested)) throw err;
      this.gpuUnavailable = err.message;
      gpujs = '';
    }
    this.source = { js: `${jsPreamble(js.needs)}\n${js.body}`, gpujs };
    const twin = ((x: Vec, p?: Vec, out?: Vec) => this.runTwin(x, p, out)) as Twin;
    Object.defineProperty(twin, 'source', { value: this.source.js });
    this.f64 = twin;
    if (requested !== 'auto' && requested !== 'f64') this.gpu(requested); // fail early if unavailable
    const planned = this.choose(MAX_CELLS_PER_CALL, requested === 'async');
    this.backend = planned.backend === 'f64' ? 'f64' : plannedBackend(this.gpu(planned.backend));
    this.threaded = planned.backend === 'async';
    this.reason = `planned: ${planned.reason}`;
  }

  private choose(cells: number, async: boolean): Choice {
    const r = this.requested;
    if (r === 'auto') {
      if (this.gpuUnavailable) return { backend: 'f64', reason: `no GPU.js kernel: ${this.gpuUnavailable}` };
      return chooseBackend({ precision: this.precision, cost: this.cost, cells, async });
    }
    if (r === 'async' && !async) {
      throw new CompileError("backend 'async' returns a Promise: call runAsync, not run", 'async');
    }
    return { backend: r, reason: `backend '${r}' requested` };
  }

  private gpu(mode: GpuMode): GPU {
    let g = this.gpus.get(mode);
    if (!g) {
      g = createGpu(mode);
      this.gpus.set(mode, g);
    }
    return g;
  }

  /** Batch size and parameter layout of a call, validated. */
  private shape(x: Vec, p: Vec | undefined, out: Vec | undefined): { B: number; layout: ParamLayout; P: Vec } {
    const { nIn, nP } = this.prep;
    let B: number;
    if (nIn > 0) {
      if (!x || x.length % nIn !== 0) {
        throw new RangeError(`inputs have length ${x?.length}, not a multiple of ${nIn} (${this.inputs.join(', ')})`);
      }
      B = x.length / nIn;
    } else if (out) B = Math.floor(out.length / this.nOut);
    else B = p && nP > 0 ? Math.floor(p.length / nP) : 1;
    if (nP === 0) return { B, layout: 'shared', P: PLACEHOLDER };
    if (!p) throw new RangeError(`parameters ${this.params.join(', ')} need values`);
    let layout: ParamLayout;
    if (p.length === nP) layout = 'shared';
    else if (p.length === B * nP) layout = 'member';
    else {
      throw new RangeError(`params have length ${p.length}: expected ${nP} (shared) or ${B}×${nP} = ${B * nP} (per member)`);
    }
    if (out && out.length < B * this.nOut) throw new RangeError(`out has length ${out.length} < ${B}×${this.nOut}`);
    return { B, layout, P: p };
  }

  private twin(layout: ParamLayout): TwinFn {
    let f = this.twins.get(layout);
    if (!f) {
      const { body, needs } = twinSource(this.prep, layout);
      f = buildJs<TwinFn>(body, needs);
      this.twins.set(layout, f);
    }
    return f;
  }

  private runTwin(x: Vec, p?: Vec, out?: Vec): Vec {
    const { B, layout, P } = this.shape(x, p, out);
    const Y = out ?? new Float64Array(B * this.nOut);
    return this.twin(layout)(x, P, Y, B);
  }

  private gpuKernel(mode: GpuMode, B: number, layout: ParamLayout): GpuKernelRun {
    const key = `${mode}|${B}|${layout}`;
    let k = this.gpuKernels.get(key);
    if (!k) {
      const { source, functions } = gpuSource(this.prep, layout);
      k = createGpuKernel(this.gpu(mode), { source, functions, output: [B * this.nOut], loopMaxIterations: 1 });
      if (this.gpuKernels.size >= 8) this.evictOne();
      this.gpuKernels.set(key, k);
    }
    return k;
  }

  private evictOne(): void {
    const [key, k] = this.gpuKernels.entries().next().value as [string, GpuKernelRun];
    this.gpuKernels.delete(key);
    k.destroy?.();
  }

  /** Chunks of at most MAX_CELLS_PER_CALL cells: [first member, end member). */
  private chunks(B: number): [number, number][] {
    const per = Math.max(1, Math.floor(MAX_CELLS_PER_CALL / this.nOut));
    const out: [number, number][] = [];
    for (let b0 = 0; b0 < B; b0 += per) out.push([b0, Math.min(B, b0 + per)]);
    return out;
  }

  private args(x: Vec, P: Vec, layout: ParamLayout, b0: number, b1: number): [Vec, Vec] {
    const { nIn, nP } = this.prep;
    const X = nIn === 0 ? PLACEHOLDER : x.subarray(b0 * nIn, b1 * nIn);
    const Pc = layout === 'member' ? P.subarray(b0 * nP, b1 * nP) : P;
    return [X, Pc];
  }

  private record(choice: Choice, k: GpuKernelRun | undefined): void {
    this.backend = k ? ranBackend(k) : 'f64';
    this.threaded = k?.kernel?._lastRunPath === 'threaded';
    const fallback = k?.kernel?.fallbackReason;
    this.reason = fallback ? `${choice.reason}; gpu.js fell back: ${fallback}` : choice.reason;
  }

  run(x: Vec, p?: Vec, out?: Vec): Vec {
    const { B, layout, P } = this.shape(x, p, out);
    const choice = this.choose(B * this.nOut, false);
    const Y = out ?? new Float64Array(B * this.nOut);
    if (choice.backend === 'f64') {
      this.twin(layout)(x, P, Y, B);
      this.record(choice, undefined);
      return Y;
    }
    let last: GpuKernelRun | undefined;
    for (const [b0, b1] of this.chunks(B)) {
      last = this.gpuKernel(choice.backend, b1 - b0, layout);
      const result = last(...this.args(x, P, layout, b0, b1));
      if (result instanceof Promise) throw new CompileError(`gpu.js mode '${choice.backend}' returned a Promise: call runAsync`);
      copyResult(result, Y, b0 * this.nOut);
    }
    this.record(choice, last);
    return Y;
  }

  async runAsync(x: Vec, p?: Vec, out?: Vec): Promise<Vec> {
    const { B, layout, P } = this.shape(x, p, out);
    const choice = this.choose(B * this.nOut, true);
    const Y = out ?? new Float64Array(B * this.nOut);
    if (choice.backend === 'f64') {
      this.twin(layout)(x, P, Y, B);
      this.record(choice, undefined);
      return Y;
    }
    let last: GpuKernelRun | undefined;
    for (const [b0, b1] of this.chunks(B)) {
      last = this.gpuKernel(choice.backend, b1 - b0, layout);
      copyResult(await last(...this.args(x, P, layout, b0, b1)), Y, b0 * this.nOut);
    }
    this.record(choice, last);
    return Y;
  }

  dispose(): void {
    for (const k of this.gpuKernels.values()) k.destroy?.();
    this.gpuKernels.clear();
    for (const g of this.gpus.values()) void g.destroy();
    this.gpus.clear();
  }
}

export const GPU_BACKENDS = new Set<Backend>(['cpu', 'webasm', 'async', 'gpu']);

/** Validates a backend/precision pair and returns the precision that applies. */
export function checkOptions(backend: Backend, precision: Precision | undefined): Precision {
  if (!['auto', 'f64', 'cpu', 'webasm', 'async', 'gpu'].includes(backend)) {
    throw new CompileError(`unknown backend ${quote(backend)} (known: auto, f64, cpu, webasm, async, gpu)`, String(backend));
  }
  const p = precision ?? (GPU_BACKENDS.has(backend) ? 'f32' : 'f64');
  if (p !== 'f32' && p !== 'f64') throw new CompileError(`unknown precision ${quote(p)} (known: f64, f32)`, String(p));
  if (p === 'f64' && GPU_BACKENDS.has(backend)) {
    throw new CompileError(`backend '${backend}' computes in float32; precision 'f64' needs backend 'f64' or 'auto'`, backend);
  }
  return p;
}

/**
 * Compiles expressions (or a System's drift) into a batched Kernel.
 * Every symbol must be declared in `inputs` or `params`.
 */
export function compile(exprs: readonly Expr[] | System, opts: CompileOptions = {}): Kernel {
  const list = toExprList(exprs);
  const sys = Array.isArray(exprs) ? undefined : (exprs as System);
  const inputs = opts.inputs ?? sys?.state ?? [];
  const params = opts.params ?? sys?.params ?? [];
  const backend = opts.backend ?? 'auto';
  const precision = checkOptions(backend, opts.precision);
  const prep = prepare(list, [{ role: 'input', names: inputs }, { role: 'param', names: params }]);
  return new CompiledKernel(prep, inputs, params, backend, precision);
}

// ---------- System right-hand side ----------

export interface RhsOptions {
  /** parameter values: nP shared by all members, or B·nP per member (read at every call) */
  readonly params?: ArrayLike<number>;
  /** which vector field: the drift (default) or the diagonal diffusion */
  readonly which?: 'drift' | 'diffusion';
  /** name of time in the expressions, if not a state or parameter (default 't') */
  readonly time?: string;
}

/** dydt = f(t, y) for a batch: y[b·D + i], dydt[b·D + i]; dydt may alias y. */
export interface BatchRhs {
  (t: number, y: Float64Array, dydt: Float64Array): void;
  readonly dimension: number;
  readonly source: string;
  /** The same right-hand side with other parameter values (no recompilation). */
  withParams(params: ArrayLike<number>): BatchRhs;
}

type RhsFn = (t: number, y: ArrayLike<number>, dydt: Float64Array, P: ArrayLike<number>) => void;

function rhsSource(prep: Prepared, layout: ParamLayout, timeSlot: number | undefined): { body: string; needs: Needs } {
  const { roots, nIn: D, nP } = prep;
  const needs = newNeeds();
  const slot = (s: number) => (s === timeSlot ? 't' : slotLocal(s));
  // time, and shared parameters, are the same for every member
  const invariant = (s: number) => s === timeSlot || (layout === 'shared' && s >= D);
  const block = emitBlock(roots, 'js', slot, needs, 'v', invariant);
  const stateLoads = loads(needs, 0, D, 'y', 'o');
  const paramLoads = layout === 'shared' ? loads(needs, D, D + nP, 'P', '') : loads(needs, D, D + nP, 'P', 'q');
  // all reads happen before the first write, so dydt may alias y
  const body = [
    'return function (t, y, dydt, P) {',
    'const n = y.length;',
    ...(layout === 'shared' ? paramLoads : ['let q = 0;']),
    ...block.outer,
    `for (let o = 0; o < n; o = o + ${D}) {`,
    ...stateLoads,
    ...(layout === 'member' ? [...paramLoads, `q = q + ${nP};`] : []),
    ...block.lines,
    ...block.results.map((r, i) => `dydt[${i === 0 ? 'o' : `o + ${i}`}] = ${r};`),
    '}',
    '};',
  ].join('\n');
  return { body, needs };
}

/**
 * A System's drift (or diffusion) as a batched right-hand side
 * `(t, y, dydt) => void` over B = y.length / D members, with the loop over
 * the batch inside the emitted code.
 */
export function compileRhs(system: System, opts: RhsOptions = {}): BatchRhs {
  const which = opts.which ?? 'drift';
  const exprs = which === 'drift' ? system.drift : system.diffusion;
  if (!exprs) throw new CompileError(`the system has no ${which}`);
  if (exprs.length !== system.state.length) {
    throw new CompileError(`the ${which} has ${exprs.length} components for ${system.state.length} state variables`);
  }
  const time = opts.time ?? 't';
  const groups = [{ role: 'state', names: system.state }, { role: 'param', names: system.params }];
  const timeDeclared = !system.state.includes(time) && !system.params.includes(time);
  if (timeDeclared) groups.push({ role: 'time', names: [time] });
  const prep = prepare(exprs, groups);
  const timeSlot = timeDeclared ? prep.declared.names.length - 1 : undefined;
  const D = prep.nIn, nP = prep.nP;
  const fns = new Map<ParamLayout, RhsFn>();
  const build = (layout: ParamLayout) => {
    let f = fns.get(layout);
    if (!f) {
      const { body, needs } = rhsSource(prep, layout, timeSlot);
      f = buildJs<RhsFn>(body, needs);
      fns.set(layout, f);
    }
    return f;
  };
  const shared = rhsSource(prep, 'shared', timeSlot);
  const source = `${jsPreamble(shared.needs)}\n${shared.body}`;

  const bind = (P: ArrayLike<number>): BatchRhs => {
    if (nP > 0 && (!P || typeof P.length !== 'number' || P.length === 0)) {
      throw new RangeError(`parameters ${system.params.join(', ')} need values`);
    }
    if (nP > 0 && P.length % nP !== 0) {
      throw new RangeError(`params have length ${P.length}: expected ${nP} (shared) or B×${nP} (per member)`);
    }
    const layout: ParamLayout = nP === 0 || P.length === nP ? 'shared' : 'member';
    const inner = build(layout);
    const rhs = ((t: number, y: Float64Array, dydt: Float64Array) => {
      if (y.length % D !== 0) throw new RangeError(`state has length ${y.length}, not a multiple of ${D}`);
      if (dydt.length < y.length) throw new RangeError(`dydt has length ${dydt.length} < ${y.length}`);
      if (layout === 'member' && P.length !== (y.length / D) * nP) {
        throw new RangeError(`params have length ${P.length}: expected ${nP} (shared) or ${y.length / D}×${nP} (per member)`);
      }
      inner(t, y, dydt, P);
    }) as BatchRhs;
    Object.defineProperties(rhs, {
      dimension: { value: D },
      source: { value: source },
      withParams: { value: bind },
    });
    return rhs;
  };
  return bind(opts.params ?? new Float64Array(0));
}
