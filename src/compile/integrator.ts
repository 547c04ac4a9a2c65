// Fused fixed-step integrators: a System's whole RK4 (or Euler) step, for
// every step and every batch member, in ONE emitted function, so the state
// and the four stages stay in local variables instead of making four passes
// (plus axpy passes) over the batch per step as compileRhs + ode.rk4 does.
//
//   f64 twin   plain JS emitted from the AST: member loop outside, step loop
//              inside, params loaded (and parameter-only subexpressions
//              computed) once per member, or once per run when shared. In
//              form 'as-written' the step is the very operation sequence of
//              compileRhs + ode.rk4 (same lowering, same stage axpys, same
//              combination), so it is bit-identical to them; in form
//              'collected' polynomial drifts are evaluated as Σ c_m(θ)·x^m
//              with the coefficients hoisted (fewer operations, other
//              rounding). Divergence throws DivergenceError.
//   gpu.js     the same step in the GPU.js dialect (f32): one thread per
//              member, the step loop inside the kernel. Records come from
//              running the kernel segment by segment (f32 state passed back
//              in unchanged: f32 → f64 → f32 is exact). gpu.js cannot throw,
//              so members that leave the bound are listed in `diverged`.
//
// Both paths emit only what emit.ts emits (whitelisted operators, numbers,
// generated locals, indexed reads) plus fixed loop templates, and
// assertSafeSource checks every source before it is compiled.
//
// Layout as in src/numeric/ode.ts: y[b·D + i]; params P[j] shared or
// P[b·nP + j] per member.

import { availableParallelism } from 'node:os';
import type { GPU } from 'gpu.js';
import type { Expr, FnName } from '../symbolic/expr.ts';
import { NotPolynomialError, polyIn, type PolyIn } from '../symbolic/poly.ts';
import type { System } from '../symbolic/system.ts';
import { DivergenceError } from '../numeric/errors.ts';
import { Trajectory, type IntegrationStats } from '../numeric/trajectory.ts';
import { CompileError, Lowering, declare, quote, type CostKey, type Declared, type Op } from './lower.ts';
import { F32_MAX, emitBlock, gpuFunctionSources, jsPreamble, newNeeds, type Needs } from './emit.ts';
import {
  type GpuKernelRun, type GpuMode, type RanBackend, createGpu, createGpuKernel, plannedBackend, ranBackend, returnFlatOutput,
} from './gpujs.ts';
import { COST_NS, GPU_BACKENDS, buildJs, checkOptions, type Backend, type ParamLayout, type Precision } from './kernel.ts';

export type IntegratorMethod = 'rk4' | 'euler';

export interface IntegratorOptions {
  /** default 'rk4' (classical, as src/numeric/ode.ts) */
  readonly method?: IntegratorMethod;
  /** default 'auto' */
  readonly backend?: Backend;
  /** default 'f64' for 'auto'/'f64', 'f32' for the gpu.js backends */
  readonly precision?: Precision;
  /** name of time in the drift, if not a state or parameter (default 't') */
  readonly time?: string;
  /**
   * How the drift is evaluated. 'as-written': the operations compileRhs
   * performs, in its order (the twin is then bit-identical to compileRhs +
   * ode.rk4). 'collected': each component that is a polynomial in the state
   * becomes Σ c_m(θ, t)·x^m, its coefficients computed once per member (for
   * shared parameters once per run) and its monomials built one
   * multiplication each from shared lower ones; a component keeps its
   * written form where that needs fewer operations (or is not polynomial).
   * Same function, different rounding. Default: 'as-written' for precision
   * 'f64', 'collected' for 'f32'.
   */
  readonly form?: DriftForm;
}

export type DriftForm = 'as-written' | 'collected';

export interface RunOptions {
  /** initial states, B·D */
  readonly y0: ArrayLike<number>;
  /** nP values shared by every member, or B·nP (one row per member) */
  readonly params?: ArrayLike<number>;
  /** default 0 */
  readonly t0?: number;
  /** the step; or give t1: then h = (t1 − t0)/steps and the last step ends at t1 exactly (as ode.rk4) */
  readonly dt?: number;
  readonly t1?: number;
  readonly steps: number;
  /** record every k-th step (and the last); default: only the final state */
  readonly recordEvery?: number;
  /** or the steps to record, increasing, in [1, steps] (overrides recordEvery) */
  readonly recordSteps?: ArrayLike<number>;
  /** |y| above this (or NaN/Inf) is divergence; default 1e12 (as ode.rk4) */
  readonly blowUp?: number;
  /**
   * After each step, set state components with |y| < flushBelow to 0
   * (default 0: off). Trajectories that decay to 0 otherwise end in
   * subnormal numbers, whose arithmetic costs ~100 cycles per operation on
   * x86 (WebAssembly cannot switch on flush-to-zero). Adds at most
   * flushBelow per component per step to the error.
   */
  readonly flushBelow?: number;
}

export interface IntegratorResult {
  /** time of each record */
  readonly t: Float64Array;
  /** one B·D state per record (views into one buffer) */
  readonly y: Float64Array[];
  /** step number of each record (1 = after the first step) */
  readonly steps: Int32Array;
  /** what computed it */
  readonly backend: RanBackend;
  /** whether gpu.js split the members over worker threads */
  readonly threaded: boolean;
  readonly reason: string;
  /**
   * Members that became non-finite or left the blow-up bound, in increasing
   * order (gpu.js paths, which cannot throw: such a member's later records
   * are whatever f32 arithmetic made of it, or, when D is a multiple of 4,
   * its frozen offending state; the f64 twin throws DivergenceError instead,
   * so this is empty there).
   */
  readonly diverged: number[];
  /** for each entry of `diverged`, the step where it left the bound (0: its initial state; −1: not reported, D a multiple of 4) */
  readonly divergedStep: number[];
}

export interface Integrator {
  readonly method: IntegratorMethod;
  /** the step this integrator emits, twin and kernel alike (a DAG bound.ts's ErrorAnalysis can walk) */
  readonly program: StepProgram;
  readonly state: readonly string[];
  readonly params: readonly string[];
  readonly requested: Backend;
  readonly precision: Precision;
  /** emitted sources: the twin's (shared parameters) and the GPU.js kernel's ('' where f32 cannot hold a constant) */
  readonly source: { readonly js: string; readonly gpujs: string };
  /** operations of one step of one member (all stages; parameter-only parts hoisted out), and the predicted ns per member-step of each path */
  readonly ops: Readonly<Partial<Record<CostKey, number>>>;
  readonly cost: StepCost;
  /** backend and reason of the last run (before any run: the plan for a large batch) */
  readonly backend: RanBackend;
  readonly reason: string;
  /** Integrates; sync backends only ('async' needs runAsync). */
  run(opts: RunOptions): IntegratorResult;
  /** Same, for every backend. */
  runAsync(opts: RunOptions): Promise<IntegratorResult>;
  /** Releases gpu.js kernels and worker pools. */
  dispose(): void;
}

// ---------- the step as one Op DAG ----------

/** Slot numbers of the step program's values besides state (0..D−1) and params (D..D+nP−1). */
export interface StepSlots {
  readonly D: number;
  readonly nP: number;
  readonly h: number;
  readonly half: number;
  readonly h6: number;
  /** start time and end time of the run (only read by the time computations) */
  readonly t0: number;
  readonly tEnd: number;
  /** time at the start of the step, at its middle, at its end */
  readonly tStart: number;
  readonly tMid: number;
  readonly tNew: number;
  readonly count: number;
}

export interface StepProgram {
  readonly method: IntegratorMethod;
  readonly form: DriftForm;
  /** which components were collected into polynomial form */
  readonly collected: readonly boolean[];
  /** the DAG: slot refs are the step's inputs */
  readonly lowering: Lowering;
  /** new state after one step, one root per state variable */
  readonly roots: readonly Op[];
  readonly slots: StepSlots;
  /** whether the drift reads time */
  readonly usesTime: boolean;
}

/**
 * One step of `method` as an Op DAG, built from the drift exactly as
 * compileRhs lowers it, composed with ode.rk4's stage arithmetic:
 *   k1 = f(t, y), k2 = f(t + h/2, y + (h/2)·k1), k3 = f(t + h/2, y + (h/2)·k2),
 *   k4 = f(tNew, y + h·k3), y' = y + (h/6)·(k1 + 2·(k2 + k3) + k4)
 * (Euler: y' = y + h·f(t, y)), each sum a left fold as ode.ts writes it.
 */
export function buildStep(system: System, opts: { method?: IntegratorMethod; time?: string; form?: DriftForm } = {}): StepProgram {
  const method = opts.method ?? 'rk4';
  const form = opts.form ?? 'as-written';
  if (method !== 'rk4' && method !== 'euler') {
    throw new CompileError(`unknown method ${quote(method)} (known: rk4, euler)`, String(method));
  }
  if (form !== 'as-written' && form !== 'collected') {
    throw new CompileError(`unknown form ${quote(form)} (known: as-written, collected)`, String(form));
  }
  if (!system || !Array.isArray(system.drift) || !Array.isArray(system.state)) {
    throw new CompileError('compileIntegrator expects a System { state, params, drift }');
  }
  if (system.drift.length !== system.state.length) {
    throw new CompileError(`the drift has ${system.drift.length} components for ${system.state.length} state variables`);
  }
  const time = opts.time ?? 't';
  const groups = [{ role: 'state', names: system.state }, { role: 'param', names: system.params ?? [] }];
  const timeDeclared = !system.state.includes(time) && !(system.params ?? []).includes(time);
  if (timeDeclared) groups.push({ role: 'time', names: [time] });
  const declared = declare(groups);
  const source = new Lowering(declared);
  const written = system.drift.map((e) => source.lower(e));
  const D0 = system.state.length;
  const collected = written.map(() => false);
  const drift = form === 'as-written' ? written : written.map((op, i) => {
    const alt = collectPolynomial(system.drift[i], system.state, source);
    const inState = (slot: number) => slot < D0;
    if (!alt || total(variantOps([alt], inState)) >= total(variantOps([op], inState))) return op;
    collected[i] = true;
    return alt;
  });
  const D = system.state.length, nP = (system.params ?? []).length;
  const timeSlot = timeDeclared ? D + nP : -1;
  const base = D + nP;
  const slots: StepSlots = {
    D, nP, h: base, half: base + 1, h6: base + 2, t0: base + 3, tEnd: base + 4,
    tStart: base + 5, tMid: base + 6, tNew: base + 7, count: base + 8,
  };
  const names = [...declared.names.slice(0, base), 'h', 'half', 'h6', 't0', 'tEnd', 'tStart', 'tMid', 'tNew'];
  const roles = [...declared.roles.slice(0, base), ...names.slice(base).map(() => 'step')];
  const L = new Lowering({ names, roles } as Declared);
  let usesTime = false;

  /** f(t, z) in L: the drift with state refs replaced by z and time by tSlot. */
  const stage = (z: readonly Op[], tSlot: number): Op[] => {
    const memo = new Map<number, Op>();
    const go = (n: Op): Op => {
      const hit = memo.get(n.id);
      if (hit) return hit;
      let out: Op;
      switch (n.op) {
        case 'num': out = L.num(n.value); break;
        case 'ref':
          if (n.slot < D) out = z[n.slot];
          else if (n.slot === timeSlot) { usesTime = true; out = L.ref(tSlot); }
          else out = L.ref(n.slot);
          break;
        case 'sum': out = L.sum(n.terms.map(go), n.minus); break;
        case 'prod': out = L.prod(n.factors.map(go)); break;
        case 'div': out = L.div(go(n.a), go(n.b)); break;
        case 'neg': out = L.neg(go(n.a)); break;
        case 'ipow': out = expandPower(L, go(n.a), n.k); break;
        case 'pow': out = L.pow(go(n.a), go(n.b)); break;
        case 'call': out = L.call(n.fn as FnName, n.args.map(go)); break;
      }
      memo.set(n.id, out);
      return out;
    };
    return drift.map(go);
  };
  const y = Array.from({ length: D }, (_, i) => L.ref(i));
  const plus = (a: Op, b: Op) => L.sum([a, b], [false, false]);
  const axpy = (c: number, k: readonly Op[]) => y.map((yi, i) => plus(yi, L.prod([L.ref(c), k[i]])));
  let roots: Op[];
  if (method === 'euler') {
    roots = axpy(slots.h, stage(y, slots.tStart));
  } else {
    const k1 = stage(y, slots.tStart);
    const k2 = stage(axpy(slots.half, k1), slots.tMid);
    const k3 = stage(axpy(slots.half, k2), slots.tMid);
    const k4 = stage(axpy(slots.h, k3), slots.tNew);
    const two = L.num(2);
    roots = y.map((yi, i) => plus(yi, L.prod([
      L.ref(slots.h6),
      L.sum([k1[i], L.prod([two, plus(k2[i], k3[i])]), k4[i]], [false, false, false]),
    ])));
  }
  return { method, form, collected, lowering: L, roots, slots, usesTime };
}

/**
 * Operation counts of the nodes of `roots` that depend on a slot `variant`
 * accepts (each shared node counted once, as the emitted code computes it):
 * what a step pays per member once invariant parts are hoisted. Kinds as
 * lower.ts's countOps.
 */
export function variantOps(roots: readonly Op[], variant: (slot: number) => boolean): Partial<Record<CostKey, number>> {
  const dep = new Map<number, boolean>();
  const counts: Partial<Record<CostKey, number>> = {};
  const bump = (key: CostKey, n = 1) => { counts[key] = (counts[key] ?? 0) + n; };
  const visit = (n: Op): boolean => {
    const hit = dep.get(n.id);
    if (hit !== undefined) return hit;
    let d: boolean;
    switch (n.op) {
      case 'num': d = false; break;
      case 'ref': d = variant(n.slot); break;
      case 'neg': d = visit(n.a); break;
      case 'ipow': d = visit(n.a); if (d) bump('ipow'); break;
      case 'call': d = n.args.map(visit).some(Boolean); if (d) bump(n.fn); break;
      case 'sum': d = n.terms.map(visit).some(Boolean); if (d) bump('add', n.terms.length - 1); break;
      case 'prod': d = n.factors.map(visit).some(Boolean); if (d) bump('mul', n.factors.length - 1); break;
      default: d = [visit(n.a), visit(n.b)].some(Boolean); if (d) bump(n.op);
    }
    dep.set(n.id, d);
    return d;
  };
  roots.forEach(visit);
  return counts;
}

const total = (counts: Partial<Record<CostKey, number>>) =>
  Object.entries(counts).reduce((a, [k, n]) => a + (k === 'ipow' ? 2 : 1) * (n ?? 0), 0);

/**
 * x^k as the multiplications of emit.ts's powerSource (right-to-left binary
 * exponentiation, the same products in the same grouping), so the value is
 * bit-identical to pw<k>(x) while gpu.js's SIMD path keeps it in vector
 * registers (a helper call there runs lane by lane).
 */
function expandPower(L: Lowering, x: Op, k: number): Op {
  if (k > 1024) return L.ipow(x, k);
  let base = x;
  let acc: Op | undefined;
  for (let e = k; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) acc = acc === undefined ? base : L.prod([acc, base]);
    if (e > 1) base = L.prod([base, base]);
  }
  return acc!;
}

/**
 * A drift component as Σ_m c_m·x^m (polyIn: coefficients free of the state),
 * lowered into `L`: each term is c_m·(monomial), the monomial built from the
 * one with one factor fewer (x_j of the highest j last), so monomials share
 * their lower parts. Undefined when the component is not a polynomial in
 * the state (or its expansion fails).
 */
function collectPolynomial(e: Expr, state: readonly string[], L: Lowering): Op | undefined {
  let poly: PolyIn;
  try {
    poly = polyIn(e, state);
  } catch (err) {
    if (err instanceof NotPolynomialError) return undefined;
    throw err;
  }
  if (poly.terms.length === 0) return L.num(0);
  const monos = new Map<string, Op>();
  const mono = (exps: readonly number[]): Op | undefined => {
    const key = exps.join(',');
    const hit = monos.get(key);
    if (hit) return hit;
    let j = exps.length - 1;
    while (j >= 0 && exps[j] === 0) j--;
    if (j < 0) return undefined;
    const lower = exps.slice();
    lower[j]--;
    const rest = mono(lower);
    const out = rest === undefined ? L.ref(j) : L.prod([rest, L.ref(j)]);
    monos.set(key, out);
    return out;
  };
  const terms: Op[] = [];
  const minus: boolean[] = [];
  for (const t of poly.terms) {
    let c = t.coeff;
    let negative = false;
    if (c.kind === 'num' && c.p < 0) { c = { ...c, p: -c.p }; negative = true; }
    const coeff = L.lower(c);
    const m = mono(t.exps);
    const isOne = coeff.op === 'num' && coeff.value === 1;
    terms.push(m === undefined ? coeff : isOne ? m : L.prod([coeff, m]));
    minus.push(negative);
  }
  return L.sum(terms, minus);
}

// ---------- emitted sources ----------

const slotLocal = (slot: number) => `a${slot}`;

/** Layout of the constants array K handed to the emitted code. */
const K_H = 0, K_HALF = 1, K_H6 = 2, K_T0 = 3, K_TEND = 4, K_BOUND = 5, K_STEPS = 6, K_FLUSH = 7, K_SCHEDULE = 8;

/** Loads of the step constants and run times the block reads. */
function constantLoads(needs: Needs, s: StepSlots): string[] {
  const out: string[] = [];
  const load = (slot: number, k: number) => { if (needs.slots.has(slot)) out.push(`const a${slot} = K[${k}];`); };
  load(s.h, K_H);
  load(s.half, K_HALF);
  load(s.h6, K_H6);
  return out;
}

/**
 * Time locals of one step, in ode.rk4's arithmetic: t = t0 + s·h (s = i − 1),
 * t + h/2, and tNew = t0 + (s + 1)·h except tEnd after the last step. The
 * twin counts steps with the integer i; the GPU.js dialect with w = i as a float.
 */
function timeLines(needs: Needs, s: StepSlots, dialect: 'js' | 'gpujs'): string[] {
  const used = (slot: number) => needs.slots.has(slot);
  if (!used(s.tStart) && !used(s.tMid) && !used(s.tNew)) return [];
  const [step, one, eq] = dialect === 'js' ? ['i', '1', '==='] : ['w', '1.0', '=='];
  const out = [`const a${s.tStart} = a${s.t0} + (${step} - ${one}) * a${s.h};`];
  if (used(s.tMid)) out.push(`const a${s.tMid} = a${s.tStart} + a${s.half};`);
  if (used(s.tNew)) {
    out.push(`let a${s.tNew} = a${s.t0} + ${step} * a${s.h};`);
    out.push(`if (${step} ${eq} n) {`, `a${s.tNew} = a${s.tEnd};`, '}');
  }
  return out;
}

/** The slots a time computation needs loaded (t0, tEnd, h, half). */
function timeNeeds(needs: Needs, s: StepSlots): void {
  if (!needs.slots.has(s.tStart) && !needs.slots.has(s.tMid) && !needs.slots.has(s.tNew)) return;
  needs.slots.add(s.t0);
  needs.slots.add(s.h);
  if (needs.slots.has(s.tMid)) needs.slots.add(s.half);
  if (needs.slots.has(s.tNew)) needs.slots.add(s.tEnd);
}

function timeLoads(needs: Needs, s: StepSlots): string[] {
  const out: string[] = [];
  if (needs.slots.has(s.t0)) out.push(`const a${s.t0} = K[${K_T0}];`);
  if (needs.slots.has(s.tEnd)) out.push(`const a${s.tEnd} = K[${K_TEND}];`);
  return out;
}

function paramLoads(needs: Needs, s: StepSlots, layout: ParamLayout): string[] {
  const out: string[] = [];
  for (let j = 0; j < s.nP; j++) {
    const slot = s.D + j;
    if (!needs.slots.has(slot)) continue;
    out.push(`const a${slot} = P[${layout === 'shared' ? j : j === 0 ? 'q' : `q + ${j}`}];`);
  }
  return out;
}

const at = (base: string, i: number) => (i === 0 ? base : `${base} + ${i}`);

/** A test that is true when every listed value is within ±u (false for NaN). */
const inBound = (vals: string[]) => vals.map((v) => `Math.abs(${v}) <= u`).join(' && ');

/**
 * The f64 twin: function (X, P, Y, K, N, B). X initial states, P params, Y
 * the records (record r of member b at r·B·D + b·D), K constants (h, h/2,
 * h/6, t0, tEnd, bound, steps, flush threshold, then the steps to record
 * and a sentinel), N
 * the failure report [member, step, D new values, D last good values]
 * (N[0] = −1: none). Members run in order; after member b fails at step s,
 * later members stop before s, so the reported failure is the earliest step's
 * lowest member, as ode.rk4 reports it.
 */
function twinSource(step: StepProgram, layout: ParamLayout): { body: string; needs: Needs } {
  const { slots: s, roots } = step;
  const D = s.D;
  const needs = newNeeds();
  const invariant = (slot: number) => (slot >= D && slot < D + s.nP) || slot === s.h || slot === s.half || slot === s.h6;
  const block = emitBlock(roots, 'js', slotLocal, needs, 'v', invariant);
  timeNeeds(needs, s);
  const state = Array.from({ length: D }, (_, i) => `a${i}`);
  const fresh = Array.from({ length: D }, (_, i) => `m${i}`);
  const perMember = layout === 'member';
  const body = [
    'return function (X, P, Y, K, N, B) {',
    `const n = K[${K_STEPS}];`,
    `const u = K[${K_BOUND}];`,
    `const k = K[${K_FLUSH}];`,
    `const M = B * ${D};`,
    ...constantLoads(needs, s),
    ...timeLoads(needs, s),
    ...(perMember ? [] : [...paramLoads(needs, s, layout), ...block.outer]),
    'let d = n;',
    'for (let b = 0; b < B; b++) {',
    `const o = b * ${D};`,
    ...(perMember ? [`const q = b * ${s.nP};`, ...paramLoads(needs, s, layout), ...block.outer] : []),
    ...state.map((a, i) => `let ${a} = X[${at('o', i)}];`),
    `let c = K[${K_SCHEDULE}];`,
    'let r = 0;',
    'for (let i = 1; i <= d; i++) {',
    ...timeLines(needs, s, 'js'),
    ...block.lines,
    ...fresh.map((m, i) => `const ${m} = ${block.results[i]};`),
    `if (!(${inBound(fresh)})) {`,
    'N[0] = b;',
    'N[1] = i;',
    ...fresh.map((m, i) => `N[${2 + i}] = ${m};`),
    ...state.map((a, i) => `N[${2 + D + i}] = ${a};`),
    'd = i - 1;',
    '} else {',
    ...state.map((a, i) => `${a} = ${fresh[i]};`),
    ...state.map((a) => `if (Math.abs(${a}) < k) {\n${a} = 0;\n}`),
    'if (i === c) {',
    'const e = r * M + o;',
    ...state.map((a, i) => `Y[${at('e', i)}] = ${a};`),
    'r = r + 1;',
    `c = K[${K_SCHEDULE} + r];`,
    '}',
    '}',
    '}',
    '}',
    '};',
  ].join('\n');
  return { body, needs };
}

type TwinFn = (X: ArrayLike<number>, P: ArrayLike<number>, Y: Float64Array, K: Float64Array, N: Float64Array, B: number) => void;

/** Output cells per member of the gpu.js kernel: groups of ≤ 4 values (state, then the status if room). */
export function gpuGroups(D: number): { groups: number; width: number; status: boolean } {
  if (D + 1 <= 4) return { groups: 1, width: D + 1, status: true };
  const groups = Math.ceil(D / 4);
  return { groups, width: 4, status: D % 4 !== 0 };
}

/**
 * The GPU.js kernel: thread x = member (thread y = group of four outputs
 * when D > 3). K as for the twin, K[6] = steps of this call. Returns the
 * state after K[6] steps and, where there is room (D not a multiple of 4), a
 * status z: 0 in bound throughout, else the first step that left the bound
 * (−1: the initial state already was out of bound); the member keeps
 * stepping, so its later values are whatever f32 arithmetic makes of them.
 * Without room for z, a member out of bound stops stepping (frozen at its
 * offending state, which the host then detects).
 */
function gpuSource(step: StepProgram, layout: ParamLayout): { source: string; functions: string[] } {
  const { slots: s, roots } = step;
  const D = s.D;
  const needs = newNeeds();
  const invariant = (slot: number) => (slot >= D && slot < D + s.nP) || slot === s.h || slot === s.half || slot === s.h6;
  const block = emitBlock(roots, 'gpujs', slotLocal, needs, 'v', invariant);
  timeNeeds(needs, s);
  const { groups, width, status } = gpuGroups(D);
  const state = Array.from({ length: D }, (_, i) => `a${i}`);
  const fresh = Array.from({ length: D }, (_, i) => `m${i}`);
  const outputs = (g: number) => {
    const vals = state.slice(g * 4, g * 4 + 4);
    if (vals.length < width) vals.push(status ? 'z' : '0.0');
    while (vals.length < width) vals.push('0.0');
    return `return [${vals.join(', ')}];`;
  };
  const ret: string[] = [];
  for (let g = 0; g < groups; g++) {
    if (g < groups - 1) ret.push(`if (j == ${g}) {`, outputs(g), '}');
    else ret.push(outputs(g));
  }
  const lines = [
    'function (X, P, K) {',
    'const b = this.thread.x;',
    ...(groups > 1 ? ['const j = this.thread.y;'] : []),
    `const o = b * ${D};`,
    ...(layout === 'member' ? [`const q = b * ${s.nP};`] : []),
    `const n = K[${K_STEPS}];`,
    `const u = K[${K_BOUND}];`,
    `const k = K[${K_FLUSH}];`,
    ...constantLoads(needs, s),
    ...timeLoads(needs, s),
    ...paramLoads(needs, s, layout),
    ...block.outer,
    ...state.map((a, i) => `let ${a} = X[${at('o', i)}];`),
    'let z = 0.0;',
    `if (!(${inBound(state)})) {`,
    'z = -1.0;',
    '}',
    'for (let i = 1; i <= n; i++) {',
    // with a status output the step runs unconditionally (a branch around
    // the whole step costs ~35% on gpu.js's SIMD path) and z keeps the first
    // failing step; without one the member freezes at its offending state
    ...(status ? ['{'] : ['if (z == 0.0) {']),
    'const w = i * 1.0;',
    ...timeLines(needs, s, 'gpujs'),
    ...block.lines,
    ...fresh.map((m, i) => `const ${m} = ${block.results[i]};`),
    ...state.map((a, i) => `${a} = ${fresh[i]};`),
    ...(status ? ['if (z == 0.0) {'] : []),
    `if (!(${inBound(state)})) {`,
    'z = w;',
    '}',
    ...(status ? ['}'] : []),
    ...state.map((a) => `if (Math.abs(${a}) < k) {\n${a} = 0.0;\n}`),
    '}',
    '}',
    ...ret,
    '}',
  ];
  return { source: lines.join('\n'), functions: gpuFunctionSources(needs) };
}

// ---------- the cost model and the auto rule ----------

/** Predicted ns per member-step on each path. */
export interface StepCost {
  readonly twin: number;
  readonly webasm: number;
  /** threaded webasm, for batches of at least FUSED_THREADING.minMembers */
  readonly async: number;
}

/**
 * Measured ns per member-step inside the fused step loop (2-core VM, Node
 * 20, normal numbers; test/bench/integrator.bench.ts reprints the figures):
 * `arith` per add/mul the step performs after hoisting, `step` the fixed
 * rest (loop, bound test, record test). Fitted to Lorenz (68 operations:
 * twin 14.6 ns, webasm 4.5 ns) and the solvable-GAN ODE in collected form
 * (144 operations: twin 26 ns, webasm 9–13 ns). The twin keeps f64 values in
 * registers; the gpu.js 'webasm' kernel runs four members per SIMD
 * instruction, while Math.exp & co. there are JS imports called lane by lane
 * (COST_NS's per-call figures apply to both paths). Subnormal numbers cost
 * ~100× on both (see RunOptions.flushBelow); the model assumes none.
 */
export const FUSED_NS: {
  readonly twin: { readonly step: number; readonly arith: number };
  readonly webasm: { readonly step: number; readonly arith: number };
} = {
  twin: { step: 4, arith: 0.15 },
  webasm: { step: 0.5, arith: 0.065 },
};

/**
 * Threaded webasm ('async'): the compute splits over the cores with this
 * efficiency (Lorenz, 10^5 members: 1.8× on 2 cores), from this many members
 * on (gpu.js threads outputs of ≥ 4096 cells), plus a round trip per call.
 */
export const FUSED_THREADING = { efficiency: 0.9, minMembers: 4096, callNs: 3e5 } as const;

/** A gpu.js path is chosen only when predicted faster than this fraction of the twin. */
export const FUSED_MARGIN = 0.8;

const ARITH = new Set<CostKey>(['add', 'mul', 'abs', 'min', 'max']);

export function estimateStepCost(ops: Partial<Record<CostKey, number>>, cores = availableParallelism()): StepCost {
  let twin = FUSED_NS.twin.step, kernel = FUSED_NS.webasm.step;
  for (const [key, n] of Object.entries(ops) as [CostKey, number][]) {
    if (ARITH.has(key)) {
      twin += FUSED_NS.twin.arith * n;
      kernel += FUSED_NS.webasm.arith * n;
    } else {
      twin += COST_NS.twin[key] * n;
      kernel += COST_NS.webasm[key] * n;
    }
  }
  return { twin, webasm: kernel, async: kernel / Math.max(1, FUSED_THREADING.efficiency * cores) };
}

export interface FusedChoice {
  readonly backend: 'f64' | GpuMode;
  readonly reason: string;
}

/**
 * The auto rule. Precision 'f64' → the twin (nothing else computes in f64).
 * Precision 'f32' → the path with the least predicted time for this batch
 * (estimateStepCost × members × steps, plus a fixed cost per threaded call),
 * a gpu.js kernel only below FUSED_MARGIN × the twin's; 'async' only for
 * runAsync calls with at least FUSED_THREADING.minMembers members and ≥ 2 cores.
 */
export function chooseFused(opts: {
  precision: Precision; cost: StepCost; members: number; steps: number; calls: number; async: boolean; cores?: number;
}): FusedChoice {
  const { precision, cost, members, steps, calls, async } = opts;
  if (precision === 'f64') return { backend: 'f64', reason: "precision 'f64': only the twin computes in f64" };
  const cores = opts.cores ?? availableParallelism();
  const work = members * steps;
  const twin = cost.twin * work, webasm = cost.webasm * work;
  const threaded = async && members >= FUSED_THREADING.minMembers && cores >= 2;
  const asyncNs = threaded ? cost.async * work + FUSED_THREADING.callNs * calls : Infinity;
  const kernel: 'webasm' | 'async' = asyncNs < webasm ? 'async' : 'webasm';
  const predicted = Math.min(webasm, asyncNs);
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const figures = `${members} members × ${steps} steps, predicted ms: twin ${ms(twin)}, webasm ${ms(webasm)}`
    + (threaded ? `, async ${ms(asyncNs)}` : '');
  if (predicted < FUSED_MARGIN * twin) return { backend: kernel, reason: `f32, ${figures}: ${kernel} kernel is faster` };
  return { backend: 'f64', reason: `f32, ${figures}: the twin is faster` };
}

// ---------- the integrator ----------

/** Largest number of output cells per gpu.js call (thread ids exact in f32 on GL). */
const MAX_CELLS_PER_CALL = 2 ** 22;
const DEFAULT_BLOW_UP = 1e12;



/** A validated run: batch, layout, step size, record schedule. */
interface Plan {
  readonly B: number;
  readonly layout: ParamLayout;
  readonly P: ArrayLike<number>;
  readonly y0: Float64Array;
  readonly t0: number;
  readonly h: number;
  readonly tEnd: number;
  readonly steps: number;
  /** steps to record, increasing, last = steps unless given explicitly */
  readonly schedule: Int32Array;
  readonly bound: number;
  readonly flush: number;
}

const PLACEHOLDER = new Float64Array(1);

class FusedIntegrator implements Integrator {
  readonly state: readonly string[];
  readonly params: readonly string[];
  readonly source: { js: string; gpujs: string };
  readonly ops: Partial<Record<CostKey, number>>;
  readonly cost: StepCost;
  backend: RanBackend = 'f64';
  reason: string;
  private readonly twins = new Map<ParamLayout, TwinFn>();
  private readonly gpus = new Map<GpuMode, GPU>();
  private readonly kernels = new Map<string, GpuKernelRun>();
  private gpuUnavailable: string | undefined;

  constructor(
    readonly program: StepProgram,
    system: System,
    readonly requested: Backend,
    readonly precision: Precision,
  ) {
    this.state = [...system.state];
    this.params = [...(system.params ?? [])];
    const s = program.slots;
    this.ops = variantOps(program.roots, (slot) => slot < s.D || (slot >= s.D + s.nP && slot !== s.h && slot !== s.half && slot !== s.h6));
    this.cost = estimateStepCost(this.ops);
    const js = twinSource(program, 'shared');
    let gpujs = '';
    try {
      gpujs = gpuSource(program, 'shared').source;
    } catch (err) {
      if (!(err instanceof CompileError) || GPU_BACKENDS.has(requested)) throw err;
      this.gpuUnavailable = err.message;
    }
    this.source = { js: `${jsPreamble(js.needs)}\n${js.body}`, gpujs };
    this.twin('shared'); // compile (and check) the twin now
    if (requested !== 'auto' && requested !== 'f64') this.gpu(requested as GpuMode); // fail early if unavailable
    const planned = this.choose(1e4, 1e3, 1, requested === 'async');
    this.backend = planned.backend === 'f64' ? 'f64' : plannedBackend(this.gpu(planned.backend));
    this.reason = `planned (10^4 members × 10^3 steps): ${planned.reason}`;
  }

  get method(): IntegratorMethod {
    return this.program.method;
  }

  private choose(members: number, steps: number, calls: number, async: boolean): FusedChoice {
    const r = this.requested;
    if (r === 'auto') {
      if (this.gpuUnavailable && this.precision === 'f32') return { backend: 'f64', reason: `no GPU.js kernel: ${this.gpuUnavailable}` };
      return chooseFused({ precision: this.precision, cost: this.cost, members, steps, calls, async });
    }
    if (r === 'async' && !async) throw new CompileError("backend 'async' returns a Promise: call runAsync, not run", 'async');
    return { backend: r as 'f64' | GpuMode, reason: `backend '${r}' requested` };
  }

  private gpu(mode: GpuMode): GPU {
    let g = this.gpus.get(mode);
    if (!g) {
      g = createGpu(mode);
      this.gpus.set(mode, g);
    }
    return g;
  }

  private twin(layout: ParamLayout): TwinFn {
    let f = this.twins.get(layout);
    if (!f) {
      const { body, needs } = twinSource(this.program, layout);
      f = buildJs<TwinFn>(body, needs);
      this.twins.set(layout, f);
    }
    return f;
  }

  private plan(o: RunOptions): Plan {
    const { D, nP } = this.program.slots;
    if (!o || typeof o !== 'object') throw new RangeError('run expects { y0, params, t0, dt | t1, steps }');
    const y0 = Float64Array.from(o.y0 ?? []);
    if (y0.length === 0 || y0.length % D !== 0) {
      throw new RangeError(`y0 has length ${y0.length}, not a positive multiple of ${D} (${this.state.join(', ')})`);
    }
    const B = y0.length / D;
    let P: ArrayLike<number> = PLACEHOLDER;
    let layout: ParamLayout = 'shared';
    if (nP > 0) {
      const p = o.params;
      if (!p || typeof p.length !== 'number') throw new RangeError(`parameters ${this.params.join(', ')} need values`);
      if (p.length === nP) layout = 'shared';
      else if (p.length === B * nP) layout = 'member';
      else throw new RangeError(`params have length ${p.length}: expected ${nP} (shared) or ${B}×${nP} = ${B * nP} (per member)`);
      P = p;
    }
    const steps = o.steps;
    if (!(Number.isInteger(steps) && steps >= 1 && steps < 2 ** 31)) throw new RangeError(`steps must be a positive integer, got ${steps}`);
    const t0 = o.t0 ?? 0;
    if (!Number.isFinite(t0)) throw new RangeError(`t0 must be finite, got ${t0}`);
    let h: number, tEnd: number;
    if (o.t1 !== undefined) {
      if (o.dt !== undefined) throw new RangeError('give dt or t1, not both');
      if (!Number.isFinite(o.t1)) throw new RangeError(`t1 must be finite, got ${o.t1}`);
      h = (o.t1 - t0) / steps;
      tEnd = o.t1;
    } else {
      if (!(typeof o.dt === 'number' && Number.isFinite(o.dt) && o.dt !== 0)) throw new RangeError(`dt must be a finite non-zero number, got ${o.dt}`);
      h = o.dt;
      tEnd = t0 + steps * h;
    }
    const bound = o.blowUp ?? DEFAULT_BLOW_UP;
    if (!(bound > 0)) throw new RangeError(`blowUp must be positive, got ${bound}`);
    const flush = o.flushBelow ?? 0;
    if (!(flush >= 0 && flush < bound)) throw new RangeError(`flushBelow must be ≥ 0 and below blowUp, got ${flush}`);
    let schedule: Int32Array;
    if (o.recordSteps !== undefined) {
      schedule = Int32Array.from(o.recordSteps as ArrayLike<number>);
      for (let r = 0; r < schedule.length; r++) {
        const v = (o.recordSteps as ArrayLike<number>)[r];
        if (!(Number.isInteger(v) && v >= 1 && v <= steps) || (r > 0 && !(v > schedule[r - 1]))) {
          throw new RangeError(`recordSteps must be increasing integers in [1, ${steps}], got ${v} at ${r}`);
        }
      }
    } else {
      const every = o.recordEvery ?? steps;
      if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`recordEvery must be a positive integer, got ${every}`);
      const list: number[] = [];
      for (let s = every; s < steps; s += every) list.push(s);
      list.push(steps);
      schedule = Int32Array.from(list);
    }
    return { B, layout, P, y0, t0, h, tEnd, steps, schedule, bound, flush };
  }

  private timeOf(plan: Plan, s: number): number {
    return s === plan.steps ? plan.tEnd : plan.t0 + s * plan.h;
  }

  private memberParams(plan: Plan, b: number): string {
    const { nP } = this.program.slots;
    if (nP === 0) return '';
    const off = plan.layout === 'member' ? b * nP : 0;
    return this.params.map((p, j) => `${p}=${plan.P[off + j]}`).join(', ');
  }

  private result(plan: Plan, records: Float64Array[], stepsDone: Int32Array, extra: Omit<IntegratorResult, 't' | 'y' | 'steps'>): IntegratorResult {
    return { t: Float64Array.from(stepsDone, (s) => this.timeOf(plan, s)), y: records, steps: stepsDone, ...extra };
  }

  private checkInitial(plan: Plan, extra: Omit<IntegratorResult, 't' | 'y' | 'steps'>): void {
    const { D } = this.program.slots;
    const y = plan.y0;
    for (let i = 0; i < y.length; i++) {
      const a = Math.abs(y[i]);
      if (!(a <= plan.bound) || a === Infinity) {
        const b = Math.floor(i / D);
        throw new DivergenceError({
          reason: Number.isFinite(y[i]) ? 'blow-up' : 'non-finite', variable: this.state[i % D], component: i % D,
          batchIndex: b, t: plan.t0, step: 0, value: y[i], bound: plan.bound, params: this.memberParams(plan, b),
        }, this.result(plan, [], new Int32Array(0), extra));
      }
    }
  }

  /** The f64 twin over the whole batch; throws DivergenceError with the records before the failing step. */
  private runTwin(plan: Plan, reason: string): IntegratorResult {
    const { D } = this.program.slots;
    const extra = { backend: 'f64' as const, threaded: false, reason, diverged: [], divergedStep: [] };
    this.checkInitial(plan, extra);
    const { B, schedule } = plan;
    const M = B * D;
    const Y = new Float64Array(schedule.length * M);
    const K = new Float64Array(K_SCHEDULE + schedule.length + 1);
    K[K_H] = plan.h; K[K_HALF] = 0.5 * plan.h; K[K_H6] = plan.h / 6;
    K[K_T0] = plan.t0; K[K_TEND] = plan.tEnd;
    K[K_BOUND] = plan.bound === Infinity ? Number.MAX_VALUE : plan.bound;
    K[K_STEPS] = plan.steps;
    K[K_FLUSH] = plan.flush;
    K.set(schedule, K_SCHEDULE);
    K[K_SCHEDULE + schedule.length] = plan.steps + 1;
    const N = new Float64Array(2 + 2 * D);
    N[0] = -1;
    this.twin(plan.layout)(plan.y0, plan.P, Y, K, N, B);
    this.backend = 'f64';
    this.reason = reason;
    const views = (count: number) => Array.from({ length: count }, (_, r) => Y.subarray(r * M, (r + 1) * M));
    if (N[0] < 0) return this.result(plan, views(schedule.length), schedule, extra);
    // divergence: member b at step s; records before s are complete for every member
    const b = N[0], s = N[1];
    let kept = 0;
    while (kept < schedule.length && schedule[kept] < s) kept++;
    let component = 0;
    for (let i = 0; i < D; i++) {
      const a = Math.abs(N[2 + i]);
      if (!(a <= plan.bound) || a === Infinity) { component = i; break; }
    }
    const value = N[2 + component];
    throw new DivergenceError({
      reason: Number.isFinite(value) ? 'blow-up' : 'non-finite',
      variable: this.state[component], component, batchIndex: b,
      t: this.timeOf(plan, s), step: s, value, bound: plan.bound,
      params: this.memberParams(plan, b),
      lastState: N.slice(2 + D, 2 + 2 * D), lastTime: this.timeOf(plan, s - 1),
    }, this.result(plan, views(kept), schedule.slice(0, kept), extra));
  }

  private gpuKernel(mode: GpuMode, B: number, layout: ParamLayout, loopMax: number): GpuKernelRun {
    const key = `${mode}|${B}|${layout}|${loopMax}`;
    let k = this.kernels.get(key);
    if (!k) {
      const { source, functions } = gpuSource(this.program, layout);
      const { groups, width } = gpuGroups(this.program.slots.D);
      k = createGpuKernel(this.gpu(mode), {
        source, functions, output: groups > 1 ? [B, groups] : [B], loopMaxIterations: loopMax,
        returnType: (width === 1 ? 'Number' : `Array(${width})`) as 'Number',
      });
      returnFlatOutput(k);
      if (this.kernels.size >= 8) {
        const [oldKey, old] = this.kernels.entries().next().value as [string, GpuKernelRun];
        this.kernels.delete(oldKey);
        old.destroy?.();
      }
      this.kernels.set(key, k);
    }
    return k;
  }

  /**
   * The gpu.js kernel, segment by segment between records: each call steps
   * every member from the previous record's f32 state. A generator that
   * yields each kernel call and is resumed with its result, so that run
   * (sync) and runAsync (awaiting) share it.
   */
  private *gpuRun(plan: Plan, mode: GpuMode, reason: string): Generator<[GpuKernelRun, unknown[]], IntegratorResult, unknown> {
    const { D, nP } = this.program.slots;
    const { groups, width, status } = gpuGroups(D);
    const { B, schedule } = plan;
    const M = B * D;
    let longest = 0;
    for (let r = 0, prev = 0; r < schedule.length; prev = schedule[r++]) longest = Math.max(longest, schedule[r] - prev);
    const perCall = Math.max(1, Math.floor(MAX_CELLS_PER_CALL / groups));
    const chunks: [number, number][] = [];
    for (let b0 = 0; b0 < B; b0 += perCall) chunks.push([b0, Math.min(B, b0 + perCall)]);
    const Y = new Float64Array(schedule.length * M);
    const zs = new Float64Array(B).fill(-1);
    let last: GpuKernelRun | undefined;
    let current: Float64Array = plan.y0;
    for (let r = 0, prev = 0; r < schedule.length; prev = schedule[r++]) {
      const s1 = schedule[r];
      const K = new Float64Array(K_SCHEDULE);
      K[K_H] = plan.h; K[K_HALF] = 0.5 * plan.h; K[K_H6] = plan.h / 6;
      K[K_T0] = plan.t0 + prev * plan.h; K[K_TEND] = this.timeOf(plan, s1);
      K[K_BOUND] = Math.min(plan.bound, F32_MAX);
      K[K_STEPS] = s1 - prev;
      K[K_FLUSH] = plan.flush;
      const out = Y.subarray(r * M, (r + 1) * M);
      for (const [b0, b1] of chunks) {
        const n = b1 - b0;
        last = this.gpuKernel(mode, n, plan.layout, longest);
        const X = current.subarray(b0 * D, b1 * D);
        const Pc = plan.layout === 'member' ? (plan.P as Float64Array).subarray(b0 * nP, b1 * nP) : plan.P;
        const res = yield [last, [X, Pc, K]];
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
    this.backend = last ? ranBackend(last) : 'webasm';
    const threaded = last?.kernel?._lastRunPath === 'threaded';
    const fallback = last?.kernel?.fallbackReason;
    this.reason = fallback ? `${reason}; gpu.js fell back: ${fallback}` : reason;
    const records = Array.from({ length: schedule.length }, (_, r) => Y.subarray(r * M, (r + 1) * M));
    return this.result(plan, records, schedule, { backend: this.backend, threaded, reason: this.reason, diverged, divergedStep });
  }

  run(opts: RunOptions): IntegratorResult {
    const plan = this.plan(opts);
    const choice = this.choose(plan.B, plan.steps, plan.schedule.length, false);
    if (choice.backend === 'f64') return this.runTwin(plan, choice.reason);
    const it = this.gpuRun(plan, choice.backend, choice.reason);
    let next = it.next();
    while (!next.done) {
      const [kernel, args] = next.value;
      const res = kernel(...args);
      if (res instanceof Promise) throw new CompileError(`gpu.js mode '${choice.backend}' returned a Promise: call runAsync`);
      next = it.next(res);
    }
    return next.value;
  }

  async runAsync(opts: RunOptions): Promise<IntegratorResult> {
    const plan = this.plan(opts);
    const choice = this.choose(plan.B, plan.steps, plan.schedule.length, true);
    if (choice.backend === 'f64') return this.runTwin(plan, choice.reason);
    const it = this.gpuRun(plan, choice.backend, choice.reason);
    let next = it.next();
    while (!next.done) {
      const [kernel, args] = next.value;
      next = it.next(await kernel(...args));
    }
    return next.value;
  }

  dispose(): void {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    for (const g of this.gpus.values()) void g.destroy();
    this.gpus.clear();
  }
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

/**
 * Compiles a System's fixed-step integration into one fused f64 function
 * (and, on request or when 'auto' with f32 predicts it faster, a GPU.js
 * kernel). Every symbol of the drift must be a state variable, a parameter
 * or time.
 */
export function compileIntegrator(system: System, opts: IntegratorOptions = {}): Integrator {
  const backend = opts.backend ?? 'auto';
  const precision = checkOptions(backend, opts.precision);
  const step = buildStep(system, { method: opts.method, time: opts.time, form: opts.form ?? (precision === 'f32' ? 'collected' : 'as-written') });
  return new FusedIntegrator(step, system, backend, precision);
}

// ---------- integrate()'s RK4 path ----------

/** Which path `integrate` took, and why (attached to its Trajectory as `ran`). */
export interface IntegratePath {
  readonly path: 'fused' | 'rk4' | 'dopri5';
  readonly reason: string;
}

export interface FusedRk4Request {
  readonly y0: Float64Array;
  /** nP shared or B·nP per member */
  readonly params: Float64Array;
  readonly t0: number;
  readonly t1: number;
  readonly steps: number;
  /** as ode.rk4's RecordSpec in integrate: 'final', 'steps' or record times */
  readonly record: 'final' | 'steps' | readonly number[];
  readonly batch: number;
  readonly names: string[];
  /** the parameter description ode.rk4 would echo in a DivergenceError */
  readonly describe: string;
}

/**
 * The steps whose states `record` asks for, when every record is a grid
 * point (within ode.rk4's tolerance 1e-9·h, so rk4 would record the grid
 * state there too) and the records are sparse (at most one step in two);
 * otherwise a reason to leave it to ode.rk4.
 */
export function gridRecords(record: FusedRk4Request['record'], t0: number, t1: number, steps: number):
  { steps: number[]; reason: string } | { steps: undefined; reason: string } {
  if (record === 'steps') return { steps: undefined, reason: 'every step recorded: dense records, ode.rk4' };
  if (record === 'final') return { steps: [0, steps], reason: "record 'final'" };
  const h = (t1 - t0) / steps, tol = 1e-9 * Math.abs(h);
  const out: number[] = [];
  for (const tau of record) {
    const s = Math.round((tau - t0) / h);
    const grid = s === steps ? t1 : t0 + s * h;
    if (!(s >= 0 && s <= steps && Math.abs(tau - grid) <= tol)) {
      return { steps: undefined, reason: `record time ${tau} is between grid points (ode.rk4 interpolates)` };
    }
    out.push(s);
  }
  if (new Set(out.filter((s) => s > 0)).size > steps / 2) return { steps: undefined, reason: 'dense records, ode.rk4' };
  return { steps: out, reason: `${out.length} record times on the step grid` };
}

/**
 * integrate()'s RK4 through the fused f64 twin (form 'as-written', so the
 * result is bit-identical to compileRhs + ode.rk4): the same Trajectory
 * (times, records including the initial state, stats) and, on divergence,
 * the same DivergenceError (variable, member, step, time, value, the
 * parameter description, the batch's last good state and the records so
 * far). Undefined when the records are not sparse grid points; `why` then
 * says so.
 */
export function fusedRk4(system: System, req: FusedRk4Request): { trajectory?: Trajectory & { ran: IntegratePath }; why: string } {
  const { y0, params, t0, t1, steps, batch: B, names, describe } = req;
  const plan = gridRecords(req.record, t0, t1, steps);
  if (!plan.steps) return { why: plan.reason };
  const D = system.state.length;
  const wanted = plan.steps;
  const times: readonly number[] = req.record === 'final' ? [t0, t1] : (req.record as readonly number[]);
  const distinct = [...new Set(wanted.filter((s) => s > 0))].sort((a, b) => a - b);
  const integ = compileIntegrator(system, { backend: 'f64', form: 'as-written' });
  const ran: IntegratePath = { path: 'fused', reason: `${plan.reason}: fused f64 twin (bit-identical to compileRhs + ode.rk4)` };
  const assemble = (records: Map<number, Float64Array>, upTo: number, stats: IntegrationStats) => {
    const t: number[] = [], y: Float64Array[] = [];
    wanted.forEach((s, k) => {
      if (s > upTo) return;
      t.push(times[k]);
      y.push((records.get(s) ?? y0).slice());
    });
    return new Trajectory(Float64Array.from(t), y, B, D, names, stats);
  };
  const bySteps = (res: IntegratorResult) => new Map(Array.from(res.steps, (s, r) => [s, res.y[r]] as const));
  try {
    const res = integ.run({ y0, params, t0, t1, steps, recordSteps: distinct });
    const traj = assemble(bySteps(res), steps, { steps, rejected: 0, rhsEvals: 4 * steps });
    return { trajectory: Object.assign(traj, { ran }), why: ran.reason };
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    const s = err.step;
    const partial = s === 0
      ? new Trajectory(new Float64Array(0), [], B, D, names, { steps: 0, rejected: 0, rhsEvals: 0 })
      : assemble(bySteps(err.partial as IntegratorResult), s - 1, { steps: s, rejected: 0, rhsEvals: 4 * s });
    // the batch's last good state (ode.rk4 reports it): the same steps again, stopping before step s
    const h = (t1 - t0) / steps;
    const last = s === 0 ? undefined : s === 1 ? y0.slice() : integ.run({ y0, params, t0, dt: h, steps: s - 1 }).y[0].slice();
    throw new DivergenceError({
      reason: err.reason, variable: err.variable, component: err.component, batchIndex: err.batchIndex,
      t: err.t, step: s, value: err.value, bound: err.bound, params: describe,
      ...(last ? { lastState: last, lastTime: t0 + (s - 1) * h } : {}),
    }, partial);
  }
}
