// The fused step's emitted sources: the f64 twin (member loop outside, step
// loop inside, divergence test and records in the loop) and the GPU.js kernel
// (one thread per member and group of four outputs, the step loop inside).
// Both print the step DAG through emit.ts's emitBlock plus fixed loop
// templates; the runtime checks every source with assertSafeSource before
// compiling it.

import { emitBlock, gpuFunctionSources, jsPreamble, newNeeds, type Needs } from '../emit.ts';
import type { ParamLayout, ShapeSources } from '../runtime.ts';
import type { StepProgram, StepSlots } from './step.ts';

const slotLocal = (slot: number) => `a${slot}`;

/** Layout of the constants array K handed to the emitted code. */
export const K_H = 0, K_HALF = 1, K_H6 = 2, K_T0 = 3, K_TEND = 4, K_BOUND = 5, K_STEPS = 6, K_FLUSH = 7, K_SCHEDULE = 8;

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

/** Members the twin steps together (see twinSource); 3 and 4 measured no faster than 2. */
const TWIN_LANES = 2;

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
 *
 * Members are stepped in groups of `lanes` (t, t + 1, …, each with its own locals,
 * the operations of each exactly those of one member alone): one member's step is
 * a chain of dependent operations, and independent chains side by side keep the
 * floating-point units busy where one leaves them waiting. When any member of a
 * group leaves the bound, the group is run again one member at a time by the
 * plain loop, which reports the failure and shortens the later members as above;
 * so every record and every failure report is the one of the one-member loop, bit
 * for bit. The plain loop also takes the members left over after the last group.
 */
function twinSource(step: StepProgram, layout: ParamLayout, lanes = TWIN_LANES): { body: string; needs: Needs } {
  const { slots: s, roots } = step;
  const D = s.D;
  const needs = newNeeds();
  const invariant = (slot: number) => (slot >= D && slot < D + s.nP) || slot === s.h || slot === s.half || slot === s.h6;
  const perMember = layout === 'member';
  const block = emitBlock(roots, 'js', slotLocal, needs, 'v', invariant);
  const ownSlot = (slot: number) => slot < D || (perMember && slot >= D && slot < D + s.nP);
  const paramLines = paramLoads(needs, s, layout);
  /** Lane l > 0 of a group: its own state (and per-member parameter) locals and temporaries, suffixed _l. */
  const lane = (l: number) => {
    const blk = emitBlock(roots, 'js', (slot) => (ownSlot(slot) ? `a${slot}_${l}` : slotLocal(slot)), needs, 'v', invariant);
    // with shared parameters the hoisted part is the same text in every lane: lane 0's serves all
    const shareOuter = !perMember && blk.outer.join('\n') === block.outer.join('\n');
    const outerTemps = new Set(blk.outer.map((line) => /^const (v\d+) =/.exec(line)?.[1]));
    const rename = (code: string) => code.replace(/\bv(\d+)\b/g, (t) => (shareOuter && outerTemps.has(t) ? t : `${t}_${l}`));
    const params = paramLines.map((line) => line.replace(/^const (a\d+) = P\[q(?: \+ (\d+))?\];$/,
      (_, a: string, j?: string) => `const ${a}_${l} = P[q + ${l * s.nP + Number(j ?? 0)}];`));
    return {
      suffix: `_${l}`, lines: blk.lines.map(rename), outer: shareOuter ? [] : blk.outer.map(rename),
      results: blk.results.map(rename), params,
    };
  };
  const group = [{ suffix: '', lines: block.lines, outer: block.outer, results: block.results, params: paramLines },
    ...Array.from({ length: lanes - 1 }, (_, l) => lane(l + 1))];
  timeNeeds(needs, s);
  const state = Array.from({ length: D }, (_, i) => `a${i}`);
  const fresh = Array.from({ length: D }, (_, i) => `m${i}`);
  const flush = (a: string) => `if (Math.abs(${a}) < k) {\n${a} = 0;\n}`;
  const each = (f: (g: typeof group[number], l: number) => string[]) => group.flatMap(f);
  const body = [
    'return function (X, P, Y, K, N, B) {',
    `const n = K[${K_STEPS}];`,
    `const u = K[${K_BOUND}];`,
    `const k = K[${K_FLUSH}];`,
    `const M = B * ${D};`,
    ...constantLoads(needs, s),
    ...timeLoads(needs, s),
    ...(perMember ? [] : [...paramLines, ...each((g) => g.outer)]),
    'let d = n;',
    // j: the members done; each round steps groups of `lanes` members from j on (t, t + 1, …)
    // until one leaves the bound (z = 1), then runs that group, or the last members that make
    // no whole group, through the one-member loop
    'let j = 0;',
    'for (let w = 0; w < B; w = j) {',
    'let z = 0;',
    'let t = w;',
    `for (; t + ${lanes - 1} < B && z === 0; t = t + ${lanes}) {`,
    `const o = t * ${D};`,
    ...(perMember ? [`const q = t * ${s.nP};`, ...each((g) => g.params), ...each((g) => g.outer)] : []),
    ...each((g, l) => state.map((a, i) => `let ${a}${g.suffix} = X[${at('o', l * D + i)}];`)),
    `let c = K[${K_SCHEDULE}];`,
    'let r = 0;',
    'for (let i = 1; i <= d && z === 0; i++) {',
    ...timeLines(needs, s, 'js'),
    ...each((g) => g.lines),
    ...each((g) => fresh.map((m, i) => `const ${m}${g.suffix} = ${g.results[i]};`)),
    `if (!(${group.map((g) => inBound(fresh.map((m) => m + g.suffix))).join(' && ')})) {`,
    'z = 1;',
    '} else {',
    ...each((g) => state.map((a, i) => `${a}${g.suffix} = ${fresh[i]}${g.suffix};`)),
    ...each((g) => state.map((a) => flush(a + g.suffix))),
    'if (i === c) {',
    'const e = r * M + o;',
    ...each((g, l) => state.map((a, i) => `Y[${at('e', l * D + i)}] = ${a}${g.suffix};`)),
    'r = r + 1;',
    `c = K[${K_SCHEDULE} + r];`,
    '}',
    '}',
    '}',
    '}',
    // z = 1: the group that failed starts at t − lanes and the next round at t; else the members
    // from t on (fewer than a group) are left
    `const x = t - ${lanes} * z;`,
    'j = z * t + (1 - z) * B;',
    'for (let b = x; b < j; b++) {',
    `const o = b * ${D};`,
    ...(perMember ? [`const q = b * ${s.nP};`, ...paramLines, ...block.outer] : []),
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
    ...state.map(flush),
    'if (i === c) {',
    'const e = r * M + o;',
    ...state.map((a, i) => `Y[${at('e', i)}] = ${a};`),
    'r = r + 1;',
    `c = K[${K_SCHEDULE} + r];`,
    '}',
    '}',
    '}',
    '}',
    '}',
    '};',
  ].join('\n');
  return { body, needs };
}

export type TwinFn = (X: ArrayLike<number>, P: ArrayLike<number>, Y: Float64Array, K: Float64Array, N: Float64Array, B: number) => void;

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

/** The fused-step shape: one twin and one GPU.js source per parameter layout. */
export function fusedSources(program: StepProgram): ShapeSources<ParamLayout> {
  return {
    twin(layout) {
      const { body, needs } = twinSource(program, layout);
      return `${jsPreamble(needs)}\n${body}`;
    },
    gpu: (layout) => gpuSource(program, layout),
  };
}
