// Batched evaluation of Exprs: many states × many parameter sets in one call,
// through the f64 twin (plain JS emitted from the AST) or a GPU.js kernel
// emitted from the same AST; plus a System's right-hand side in the batched
// layout of src/numeric/ode.ts.
//
// Layout (row-major, one row per batch member b = 0..B-1):
//   inputs  X[b·nIn + i]
//   params  P[j] shared by all members, or P[b·nP + j] per member
//   outputs Y[b·nOut + k]
//
// The elementwise shape on the compile runtime (runtime.ts): this file emits
// the twin and GPU.js sources per parameter layout and marshals a call's
// arguments; the runtime compiles and caches them, chooses the backend with
// runtime-cost.ts's rule, chunks large batches and reports what ran.

import { ArgumentError } from '../core/index.ts';
import type { Expr } from '../symbolic/index.ts';
import type { System } from '../symbolic/index.ts';
import { CompileError, Lowering, countOps, declare, type Op } from './lower.ts';
import { emitBlock, gpuFunctionSources, jsPreamble, newNeeds, type Needs } from './emit.ts';
import { type GpuMode, type RanBackend, copyResult } from './gpujs.ts';
import {
  type Backend, type KernelJob, type ParamLayout, type ShapeSources, type Vec, MAX_CELLS_PER_CALL, Runtime, RuntimeReport, checkOptions, chunks, twinFunction,
} from './runtime.ts';
import { type Choice, type CostEstimate, type Precision, chooseBackend, estimateCost } from './runtime-cost.ts';

export type { Backend, ParamLayout, Vec } from './runtime.ts';
export { GPU_BACKENDS, checkOptions } from './runtime.ts';
export {
  COST_NS, KERNEL_MARGIN, THREADING, chooseBackend, estimateCost, type Choice, type CostEstimate, type Precision,
} from './runtime-cost.ts';


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

/** The elementwise shape: one twin and one GPU.js source per parameter layout. */
function elementwiseSources(prep: Prepared): ShapeSources<ParamLayout> {
  return {
    twin(layout) {
      const { body, needs } = twinSource(prep, layout);
      return `${jsPreamble(needs)}\n${body}`;
    },
    gpu: (layout) => gpuSource(prep, layout),
  };
}

class CompiledKernel extends RuntimeReport<ParamLayout> implements Kernel {
  readonly inputs: readonly string[];
  readonly params: readonly string[];
  readonly nOut: number;
  readonly cost: CostEstimate;
  readonly f64: Twin;
  protected readonly rt: Runtime<ParamLayout>;

  constructor(
    private readonly prep: Prepared,
    inputs: readonly string[], params: readonly string[],
    requested: Backend, precision: Precision,
  ) {
    super();
    this.inputs = [...inputs];
    this.params = [...params];
    this.nOut = prep.roots.length;
    this.cost = estimateCost(countOps(prep.roots), this.nOut);
    this.rt = new Runtime(elementwiseSources(prep), { requested, precision, shown: 'shared' });
    const twin = ((x: Vec, p?: Vec, out?: Vec) => this.runTwin(x, p, out)) as Twin;
    Object.defineProperty(twin, 'source', { value: this.rt.source.js });
    this.f64 = twin;
    this.rt.plan(this.choose(MAX_CELLS_PER_CALL, requested === 'async'), 'planned');
  }

  private choose(cells: number, async: boolean): Choice {
    return this.rt.choose(async, () => chooseBackend({ precision: this.rt.precision, cost: this.cost, cells, async }));
  }

  /** Batch size and parameter layout of a call, validated. */
  private shape(x: Vec, p: Vec | undefined, out: Vec | undefined): { B: number; layout: ParamLayout; P: Vec } {
    const { nIn, nP } = this.prep;
    let B: number;
    if (nIn > 0) {
      if (!x || x.length % nIn !== 0) {
        throw new ArgumentError(`inputs have length ${x?.length}, not a multiple of ${nIn} (${this.inputs.join(', ')})`);
      }
      B = x.length / nIn;
    } else if (out) B = Math.floor(out.length / this.nOut);
    else B = p && nP > 0 ? Math.floor(p.length / nP) : 1;
    if (nP === 0) return { B, layout: 'shared', P: PLACEHOLDER };
    if (!p) throw new ArgumentError(`parameters ${this.params.join(', ')} need values`);
    let layout: ParamLayout;
    if (p.length === nP) layout = 'shared';
    else if (p.length === B * nP) layout = 'member';
    else {
      throw new ArgumentError(`params have length ${p.length}: expected ${nP} (shared) or ${B}×${nP} = ${B * nP} (per member)`);
    }
    if (out && out.length < B * this.nOut) throw new ArgumentError(`out has length ${out.length} < ${B}×${this.nOut}`);
    return { B, layout, P: p };
  }

  private runTwin(x: Vec, p?: Vec, out?: Vec): Vec {
    const { B, layout, P } = this.shape(x, p, out);
    const Y = out ?? new Float64Array(B * this.nOut);
    return this.rt.twin<TwinFn>(layout)(x, P, Y, B);
  }

  /** The gpu.js calls of a batch: chunks of at most MAX_CELLS_PER_CALL cells, each copied into Y. */
  private *gpuJob(mode: GpuMode, x: Vec, P: Vec, layout: ParamLayout, B: number, Y: Vec): KernelJob<Vec> {
    const { nIn, nP } = this.prep;
    for (const [b0, b1] of chunks(B, this.nOut)) {
      const k = this.rt.kernel(mode, layout, { output: [(b1 - b0) * this.nOut], loopMaxIterations: 1 });
      const X = nIn === 0 ? PLACEHOLDER : x.subarray(b0 * nIn, b1 * nIn);
      const Pc = layout === 'member' ? P.subarray(b0 * nP, b1 * nP) : P;
      copyResult(yield [k, [X, Pc]], Y, b0 * this.nOut);
    }
    return Y;
  }

  run(x: Vec, p?: Vec, out?: Vec): Vec {
    const { B, layout, P } = this.shape(x, p, out);
    const choice = this.choose(B * this.nOut, false);
    const Y = out ?? new Float64Array(B * this.nOut);
    if (choice.backend === 'f64') {
      this.rt.twin<TwinFn>(layout)(x, P, Y, B);
      this.rt.record(choice.reason);
      return Y;
    }
    return this.rt.run(this.gpuJob(choice.backend, x, P, layout, B, Y), choice);
  }

  async runAsync(x: Vec, p?: Vec, out?: Vec): Promise<Vec> {
    const { B, layout, P } = this.shape(x, p, out);
    const choice = this.choose(B * this.nOut, true);
    const Y = out ?? new Float64Array(B * this.nOut);
    if (choice.backend === 'f64') {
      this.rt.twin<TwinFn>(layout)(x, P, Y, B);
      this.rt.record(choice.reason);
      return Y;
    }
    return this.rt.runAsync(this.gpuJob(choice.backend, x, P, layout, B, Y), choice);
  }

  dispose(): void {
    this.rt.dispose();
  }
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
      f = twinFunction<RhsFn>(`${jsPreamble(needs)}\n${body}`);
      fns.set(layout, f);
    }
    return f;
  };
  const shared = rhsSource(prep, 'shared', timeSlot);
  const source = `${jsPreamble(shared.needs)}\n${shared.body}`;

  const bind = (P: ArrayLike<number>): BatchRhs => {
    if (nP > 0 && (!P || typeof P.length !== 'number' || P.length === 0)) {
      throw new ArgumentError(`parameters ${system.params.join(', ')} need values`);
    }
    if (nP > 0 && P.length % nP !== 0) {
      throw new ArgumentError(`params have length ${P.length}: expected ${nP} (shared) or B×${nP} (per member)`);
    }
    const layout: ParamLayout = nP === 0 || P.length === nP ? 'shared' : 'member';
    const inner = build(layout);
    const rhs = ((t: number, y: Float64Array, dydt: Float64Array) => {
      if (y.length % D !== 0) throw new ArgumentError(`state has length ${y.length}, not a multiple of ${D}`);
      if (dydt.length < y.length) throw new ArgumentError(`dydt has length ${dydt.length} < ${y.length}`);
      if (layout === 'member' && P.length !== (y.length / D) * nP) {
        throw new ArgumentError(`params have length ${P.length}: expected ${nP} (shared) or ${y.length / D}×${nP} (per member)`);
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
