// Fixed points, linear stability and phases of the solvable GAN (docs/solvable-gan.md A.6),
// from the derived ODE: every point with q = r = 0 is a fixed point (the
// discriminator is blind there); its stability in the (q_i, r_i) directions
// decides which features are learned.

import { type Expr, CONSTANTS, ZERO, add, sub, mul, neg, div } from '../../symbolic/index.ts';
import { substitute } from '../../symbolic/index.ts';
import { simplify } from '../../symbolic/index.ts';
import { polyIn } from '../../symbolic/index.ts';
import { evaluate } from '../../symbolic/index.ts';
import type { System } from '../../symbolic/index.ts';
import { jacobian } from '../../symbolic/index.ts';
import { compile, type Kernel } from '../../compile/index.ts';
import { deriveOverlapOde } from './derive.ts';
import {
  type SolvableGanSpec, type Overlaps, entryName, vectorEntryName, paramValues, validateSpec, defaultInit,
} from './spec.ts';

export type Phase = 'success' | 'oscillation' | 'failure' | 'collapse';

/** The linearisation in (q_i, r_i) at q = r = 0, P = diag(P*), S = I, as Exprs in P*_i. */
export interface FeatureLinearisation {
  /** trace of the 2×2 block (independent of P*) */
  trace: Expr;
  /** determinant of the block, a + b·P*² */
  det: Expr;
  /** P_c² = −a/b: the line is stable where P*² > P_c² (given trace < 0) */
  criticalOverlapSquared: Expr;
  /** the symbol standing for P*_i */
  overlap: string;
}

/** Per-feature linearisations of the derived ODE (symbolic; cached per d and normalisation). */
export function linearise(system: System, d: number): FeatureLinearisation[] {
  const J = jacobian(system.drift, system.state);
  const at = new Map<string, Expr>();
  for (let j = 0; j < d; j++) {
    at.set(vectorEntryName('q', j, d), ZERO);
    at.set(vectorEntryName('r', j, d), ZERO);
    for (let l = 0; l < d; l++) {
      if (j !== l) at.set(entryName('P', j, l, d), ZERO);
      if (l > j) at.set(entryName('S', j, l, d), ZERO);
    }
  }
  const index = (name: string) => system.state.indexOf(name);
  return Array.from({ length: d }, (_, i) => {
    const overlap = entryName('P', i, i, d);
    const q = index(vectorEntryName('q', i, d)), r = index(vectorEntryName('r', i, d));
    const block = [[J[q][q], J[q][r]], [J[r][q], J[r][r]]].map((row) => row.map((e) => simplify(substitute(e, at))));
    const trace = simplify(add(block[0][0], block[1][1]));
    const det = simplify(sub(mul(block[0][0], block[1][1]), mul(block[0][1], block[1][0])));
    const coeffs = polyIn(det, [overlap]);
    const byPower = new Map(coeffs.terms.map((t) => [t.exps[0], t.coeff]));
    if ([...byPower.keys()].some((k) => k !== 0 && k !== 2)) {
      throw new Error(`the determinant is not of the form a + b·${overlap}²`);
    }
    const a = byPower.get(0) ?? ZERO, b = byPower.get(2) ?? ZERO;
    const criticalOverlapSquared = simplify(neg(div(a, b)));
    return { trace, det, criticalOverlapSquared, overlap };
  });
}

export interface FeatureVerdict {
  trace: number;
  /** P_c² (negative: the whole line is stable) */
  criticalOverlapSquared: number;
  criticalOverlap: number;
  /** whether the feature is learned: P_c exceeds the initial overlap by at least minGain */
  recovered: boolean;
  /** trace > 0 or P_c ≥ 1: no stable fixed point to settle on */
  oscillates: boolean;
}

export interface PhaseVerdict {
  phase: Phase;
  recovered: boolean[];
  features: FeatureVerdict[];
  /** κ = (τ²/2)(η_T² + η_G²) */
  kappa: number;
}

interface Linearised {
  system: System;
  lin: FeatureLinearisation[];
  /** compiled on first use by classifyPhases; null where the guard cannot be set up (classifyPhase then decides) */
  compiled?: CompiledLinearisation | null;
}

const cache = new Map<string, Linearised>();

function linearisationFor(d: number, normalization: SolvableGanSpec['normalization']): Linearised {
  const key = `${d}:${normalization}`;
  let hit = cache.get(key);
  if (!hit) {
    const system = deriveOverlapOde(d, normalization);
    hit = { system, lin: linearise(system, d) };
    cache.set(key, hit);
  }
  return hit;
}

/** The derived overlap ODE, derived once per (d, normalisation) and shared with classifyPhase (a System is never modified). */
export function overlapSystem(d: number, normalization: SolvableGanSpec['normalization']): System {
  return linearisationFor(d, normalization).system;
}

/**
 * The phase predicted by the linearisation. The orbit drifts along the fixed line
 * until it reaches its stable part |P*| > P_c, so feature i is learned (its overlap
 * grows by at least `minGain`) when P_c > |P_i(0)| + minGain; when P_c² ≤ P_i(0)²
 * the line is already stable where the run starts and the discriminator's signal
 * decays before P grows. The model oscillates when a learned feature has trace > 0
 * or P_c ≥ 1 (no stable fixed point to settle on).
 */
export function classifyPhase(spec: SolvableGanSpec, init: Overlaps = defaultInit(spec.d), minGain = 0.2): PhaseVerdict {
  validateSpec(spec);
  const d = spec.d;
  const { lin } = linearisationFor(d, spec.normalization);
  const env = paramValues(spec);
  const features = lin.map((f, i): FeatureVerdict => {
    const trace = evaluate(f.trace, env);
    const pc2 = evaluate(f.criticalOverlapSquared, env);
    const p0 = init.P[i][i];
    // trace > 0: no point of the line is stable, the orbit keeps cycling through the feature
    const recovered = trace > 0 || (pc2 > 0 && Math.sqrt(pc2) > Math.abs(p0) + minGain);
    return {
      trace, criticalOverlapSquared: pc2, criticalOverlap: pc2 > 0 ? Math.sqrt(pc2) : 0,
      recovered, oscillates: trace > 0 || (recovered && pc2 >= 1),
    };
  });
  const recovered = features.map((f) => f.recovered);
  let phase: Phase;
  if (features.some((f) => f.oscillates)) phase = 'oscillation';
  else if (recovered.every((r) => !r)) phase = 'failure';
  else if (recovered.every((r) => r)) phase = 'success';
  else phase = 'collapse';
  const kappa = (spec.tau * spec.tau / 2) * (spec.eta_T ** 2 + spec.eta_G ** 2);
  return { phase, recovered, features, kappa };
}

// ---------------------------------------------------------------- many members at once

/**
 * The linearisation's trace and P_c² of every feature compiled into one f64 twin over
 * members (the parameters of a member are a row, in the derived ODE's `params` order),
 * with their magnitudes M (every constant and parameter replaced by its absolute value).
 *
 * The guard. The twin and `evaluate` compute the same Expr from the same doubles in
 * different orders (the twin divides where evaluate multiplies by Math.pow(b, −1), powers
 * by binary exponentiation, shared subexpressions once). Each is a tree of +, −, ×, ÷
 * (correctly rounded) and integer powers (binary exponentiation, or Math.pow within 2 ulps
 * as F64_MODEL in compile/bound.ts assumes), so each lies within γ_N·M of the exact value
 * (the standard forward bound for sums and products, Higham §3.1–3.4), N bounding the
 * roundings that reach any monomial (`roundings`). Negative powers
 * are allowed of sum-free bases only (their relative error is then γ-small), and no other
 * function. Underflow: with every parameter 0 or of magnitude in [2^−r, 2^r], the
 * magnitudes M of every node and intermediate keep away from subnormal numbers and overflow
 * (logBound, checked once, `r` the largest of 64, 32, 16, 8, 4, 1 that passes), so each
 * rounding stays within 2u·M of its node. A comparison the twin's value decides by more
 * than 2·γ_N·M (doubled again for the rounding of the margin itself) therefore comes out
 * the same in both paths; a member with any comparison inside its margin, or a parameter
 * outside the range, is decided by classifyPhase itself.
 */
interface CompiledLinearisation {
  /** 4 outputs per feature: trace, P_c², M(trace), M(P_c²) */
  kernel: Kernel;
  /** the guard per unit of magnitude, per output pair: 4·γ_N (trace), 4·γ_N (P_c²), per feature */
  gamma: Float64Array;
  /** parameters must be 0 or of magnitude in [2^−range, 2^range] */
  range: number;
}

/** The magnitude expression M(e), or undefined where the guard does not cover e (a function call, a non-integer power, a negative power of a sum). */
function magnitude(e: Expr): Expr | undefined {
  switch (e.kind) {
    case 'num': return { ...e, p: Math.abs(e.p) };
    case 'const': return CONSTANTS[e.name] > 0 ? e : undefined;
    case 'sym': return { kind: 'call', fn: 'abs', args: [e] };
    case 'add': case 'mul': {
      const parts = (e.kind === 'add' ? e.terms : e.factors).map(magnitude);
      if (parts.some((x) => x === undefined)) return undefined;
      return e.kind === 'add' ? { kind: 'add', terms: parts as Expr[] } : { kind: 'mul', factors: parts as Expr[] };
    }
    case 'pow': {
      const k = integerPower(e);
      if (k === undefined || (k < 0 && containsSum(e.base))) return undefined;
      const base = magnitude(e.base);
      return base && { kind: 'pow', base, exp: e.exp };
    }
    case 'call': return undefined;
  }
}

function integerPower(e: Expr & { kind: 'pow' }): number | undefined {
  const x = e.exp;
  return x.kind === 'num' && x.q === 1 && x.big === undefined && Number.isInteger(x.p) && x.p !== 0 && Math.abs(x.p) <= 64 ? x.p : undefined;
}

function containsSum(e: Expr): boolean {
  switch (e.kind) {
    case 'add': case 'call': return true;
    case 'mul': return e.factors.some(containsSum);
    case 'pow': return containsSum(e.base) || containsSum(e.exp);
    default: return false;
  }
}

/**
 * A bound R on the roundings between the inputs and the value of e in any evaluation order,
 * as relative perturbations (1 + δ)^±1 of each monomial: a sum of n terms adds n − 1 to its
 * worst term, a product of n factors (one of them a division) n to the sum of its
 * factors', a power k multiplies its base's by |k| and adds |k| + 2 (binary exponentiation,
 * or Math.pow and a reciprocal).
 */
function roundings(e: Expr): number {
  switch (e.kind) {
    case 'add': return Math.max(...e.terms.map(roundings)) + e.terms.length - 1;
    case 'mul': return e.factors.reduce((a, f) => a + roundings(f), 0) + e.factors.length;
    case 'pow': { const k = Math.abs(integerPower(e) ?? Infinity); return k * roundings(e.base) + k + 2; }
    case 'call': return Infinity;
    default: return 0;
  }
}

/**
 * A bound on |log2 M| of a node and of every intermediate result any evaluation order
 * forms on the way (partial sums and products, reciprocals, the powers of binary
 * exponentiation), for parameters 0 or of magnitude in [2^−r, 2^r] (M = 0 only where a
 * product has a zero factor; both paths then compute an exact ±0).
 */
function logBound(e: Expr, r: number): number {
  switch (e.kind) {
    case 'num': { const v = Math.abs(e.p / e.q); return v === 0 ? 0 : Math.abs(Math.log2(v)) + 1; }
    case 'const': return 2;
    case 'sym': return r;
    case 'add': return Math.max(...e.terms.map((t) => logBound(t, r))) + Math.log2(e.terms.length) + 1;
    case 'mul': return e.factors.reduce((a, f) => a + logBound(f, r), 0);
    case 'pow': return Math.abs(integerPower(e) ?? Infinity) * logBound(e.base, r);
    case 'call': return Infinity;
  }
}

function compileLinearisation(hit: Linearised): CompiledLinearisation | null {
  const exprs: Expr[] = [];
  const gamma: number[] = [];
  for (const f of hit.lin) {
    for (const e of [f.trace, f.criticalOverlapSquared]) {
      const m = magnitude(e);
      if (!m) return null;
      exprs.push(e, m);
      const n = roundings(e), u = 2 * 2 ** -53; // 2u: a rounding near the bottom of the normal range
      if (!(n * u < 0.01)) return null;
      gamma.push((4 * n * u) / (1 - n * u));
    }
  }
  // 1000: every M and intermediate stays 2^22 above the subnormal numbers (and below overflow)
  // (M's intermediates are those of e in absolute value)
  const range = [64, 32, 16, 8, 4, 1].find((r) => exprs.every((e, k) => k % 2 === 1 || logBound(e, r) <= 1000));
  if (range === undefined) return null;
  // order the outputs as documented: trace, P_c², M(trace), M(P_c²) per feature
  const ordered = hit.lin.flatMap((_, i) => [exprs[4 * i], exprs[4 * i + 2], exprs[4 * i + 1], exprs[4 * i + 3]]);
  const kernel = compile(ordered, { inputs: [], params: hit.system.params, backend: 'f64' });
  return { kernel, gamma: Float64Array.from(gamma), range };
}

/** Three-valued logic for the guarded comparisons: 1 true, 0 false, −1 undecided. */
type Tri = 1 | 0 | -1;
const or3 = (a: Tri, b: Tri): Tri => (a === 1 || b === 1 ? 1 : a === 0 && b === 0 ? 0 : -1);
const and3 = (a: Tri, b: Tri): Tri => (a === 0 || b === 0 ? 0 : a === 1 && b === 1 ? 1 : -1);
/** x > t for every value within g of x (x, g from the twin); −1 when g does not decide it */
const above = (x: number, g: number, t: number): Tri => (x - g > t ? 1 : x + g <= t ? 0 : -1);

export interface BatchPhases {
  /** classifyPhase(specs[b], init, minGain).phase for every member */
  phases: Phase[];
  /** members decided by classifyPhase itself (a comparison within the rounding margin, or out of the guard's range) */
  viaClassifyPhase: number;
}

/**
 * classifyPhase(...).phase for many members of one (d, normalisation): `specs[b]` the
 * members, `params` (optional) their parameter rows in overlapSystem(d, normalisation).params
 * order (B × nP), exactly paramValues(specs[b]) as phaseDiagram builds them: given, they are
 * trusted, not rebuilt from `specs` (leave them out unless they are those rows). The
 * linearisation's expressions are compiled once per (d, normalisation) and evaluated for all
 * members in one call; a member whose phase the compiled values do not decide beyond their
 * rounding margin (see CompiledLinearisation) goes through classifyPhase. The phases are
 * classifyPhase's, member by member.
 */
export function classifyPhases(
  specs: readonly SolvableGanSpec[], init?: Overlaps, minGain = 0.2, params?: Float64Array,
): BatchPhases {
  const B = specs.length;
  const one = (s: SolvableGanSpec) => classifyPhase(s, init, minGain).phase;
  if (B === 0) return { phases: [], viaClassifyPhase: 0 };
  const { d, normalization } = specs[0];
  if (specs.some((s) => s.d !== d || s.normalization !== normalization)) return { phases: specs.map(one), viaClassifyPhase: B };
  validateSpec(specs[0]);
  const start = init ?? defaultInit(d);
  const hit = linearisationFor(d, normalization);
  if (hit.compiled === undefined) hit.compiled = compileLinearisation(hit);
  const compiled = hit.compiled;
  if (!compiled) return { phases: specs.map(one), viaClassifyPhase: B };
  const names = hit.system.params, nP = names.length;
  let P = params;
  if (!P || P.length !== B * nP) {
    P = new Float64Array(B * nP);
    for (let b = 0; b < B; b++) {
      const v = paramValues(specs[b]);
      for (let j = 0; j < nP; j++) P[b * nP + j] = v[names[j]];
    }
  }
  const Y = compiled.kernel.f64(new Float64Array(0), P) as Float64Array;
  const lo = 2 ** -compiled.range, hi = 2 ** compiled.range;
  const threshold = start.P.slice(0, d).map((row, i) => Math.abs(row[i]) + minGain);
  const stride = 4 * d;
  const phases: Phase[] = new Array(B);
  let viaClassifyPhase = 0;
  for (let b = 0; b < B; b++) {
    let inRange = true;
    for (let j = 0; j < nP; j++) {
      const a = Math.abs(P[b * nP + j]);
      if (!(a === 0 || (a >= lo && a <= hi))) { inRange = false; break; }
    }
    // refused as classifyPhase refuses it (negative or non-finite values)
    validateSpec(specs[b]);
    const phase = inRange ? decide(Y, b * stride, d, compiled.gamma, threshold) : undefined;
    if (phase === undefined) viaClassifyPhase++;
    phases[b] = phase ?? classifyPhase(specs[b], start, minGain).phase;
  }
  return { phases, viaClassifyPhase };
}

/** The phase from the compiled values of one member, or undefined when a comparison lies within its margin. */
function decide(Y: Float64Array, o: number, d: number, gamma: Float64Array, threshold: number[]): Phase | undefined {
  let anyOscillates: Tri = 0, anyRecovered = false, allRecovered = true;
  for (let i = 0; i < d; i++) {
    const k = o + 4 * i;
    const trace = Y[k], pc2 = Y[k + 1];
    const gt = gamma[2 * i] * Y[k + 2], gp = gamma[2 * i + 1] * Y[k + 3];
    if (!(Number.isFinite(trace) && Number.isFinite(pc2) && Number.isFinite(gt) && Number.isFinite(gp))) return undefined;
    const traceUp = above(trace, gt, 0);
    // √P_c² > threshold, decided on √ of the ends of the margin (√ is monotone, also in f64)
    const rootAbove: Tri = Math.sqrt(pc2 - gp) > threshold[i] ? 1 : !(Math.sqrt(pc2 + gp) > threshold[i]) ? 0 : -1;
    const recovered = or3(traceUp, and3(above(pc2, gp, 0), rootAbove));
    const oscillates = or3(traceUp, and3(recovered, pc2 - gp >= 1 ? 1 : pc2 + gp < 1 ? 0 : -1));
    anyOscillates = or3(anyOscillates, oscillates);
    if (recovered === -1) return undefined;
    anyRecovered ||= recovered === 1;
    allRecovered &&= recovered === 1;
  }
  if (anyOscillates === 1) return 'oscillation';
  if (anyOscillates === -1) return undefined;
  return !anyRecovered ? 'failure' : allRecovered ? 'success' : 'collapse';
}
