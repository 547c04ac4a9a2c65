// Compiled numeric expectations: E_i = E[f_i(z)], z ~ N(0, C_i(state, params)), the
// auxiliary quantities of a System whose drift has no closed form
// (src/symbolic/gaussian-numeric.ts), evaluated at every right-hand side call.
//
// The rule: a tensor trapezoid rule in whitened coordinates z = Lξ (L the lower
// Cholesky factor of C, semidefinite allowed: a degenerate direction gets the single
// node ξ = 0), nodes ξ_j on a grid of spacing h_j, with the Gaussian weight φ(ξ_j) (the
// weights of each direction renormalised to sum 1), nodes with |ξ| > R dropped (a ball),
// R = 7.5 (the χ²_4 tail beyond R² is below 2e-11) plus the shift of exp(c·z) factors.
// For an integrand analytic in the strip |Im ξ_j| < a_j the trapezoid rule's error is
// O(exp(−2π a_j/h_j)) — geometric in the number of nodes, where Gauss–Hermite converges
// only like exp(−c·√n) for such integrands (tanh: poles at ±iπ/2) — so each direction
// gets h_j = min(EXPECTATION_MAX_STEP, 2π a_j / (ln(1/TOL) + 6.5 + 1.6(P − 1))), a_j = min
// over the factors φ(c·z) of s_φ/|(cᵀL)_j| with s_φ the distance of φ's nearest
// singularity from the real axis (tanh π/2; sigmoid, softplus π; entire functions π/2
// as a nominal value) and P the integrand's total power of such factors (poles of order
// P: a larger constant); the constants 6.5 and 1.6 are calibrated on tanh^P and
// sigmoid^P, P ≤ 7, standard deviations 0.3–3. The rule runs on the grid k·h_j and on
// the shifted grid (k + 1/2)·h_j: the trapezoid rule's aliasing error changes sign
// with the half shift, so the value is their mean and the error estimate their
// half-difference. The four-dimensional orthant probability, the one kink integrand
// gaussian.ts defers, has its own rule (orthant.ts).
//
// The code of each group of expectations that share one covariance is emitted from the
// AST (emit.ts) into one loop nest: the factors of level l (those whose last variable
// is z_l, which the lower-triangular L completes at level l) are computed in loop l,
// shared between the integrands (CSE), and carried in running products.

import type { Expr } from '../symbolic/index.ts';
import {
  type NumericExpectation, type System, systemExpectations, isOrthant, polyFromExpr, polyTerms, dependsOn, diff, evaluate, print, pow, rat,
} from '../symbolic/index.ts';
import { choleskyPsd } from '../numeric/index.ts';
import { compile, compileRhs, type BatchRhs } from './kernel.ts';
import { CompileError, Lowering, declare, type Op } from './lower.ts';
import { emitBlock, jsPreamble, newNeeds } from './emit.ts';
import { twinFunction } from './runtime.ts';
import { orthant4 } from './orthant.ts';

/** Absolute accuracy the node spacing is chosen for (per unit of the integrand's size). */
export const EXPECTATION_TOLERANCE = 1e-8;
/** Radius of the ball of whitened nodes. */
export const EXPECTATION_RADIUS = 7.5;
/** Largest node spacing in whitened coordinates (resolves the Gaussian weight and polynomial factors). */
export const EXPECTATION_MAX_STEP = 0.6;

/** Most nodes of one grid of one group (before the ball is cut out): bounds the work of one evaluation. */
export const EXPECTATION_MAX_NODES = 5e7;

/** Distance from the real axis of the nearest singularity of each function of unit argument. */
const STRIP = new Map<string, number>([
  ['tanh', Math.PI / 2], ['sigmoid', Math.PI], ['softplus', Math.PI],
  ['erf', Math.PI / 2], ['exp', Math.PI / 2], ['sin', Math.PI / 2], ['cos', Math.PI / 2],
]);

/** How the numeric expectations are computed, for reports. */
export const EXPECTATION_RULE_TEXT = `tensor trapezoid rule in whitened (Cholesky) coordinates, ball of radius ${EXPECTATION_RADIUS}, `
  + `node spacing from the integrand's strip of analyticity for accuracy ${EXPECTATION_TOLERANCE}, mean of the integer and half-integer grids, `
  + 'error estimate their half-difference; 4-D orthant probabilities E[step(z1)...step(z4)] by Plackett\'s identity (Gauss-Legendre in the '
  + 'correlation path, error estimate the difference of two orders)';

/** One factor φ(c·z) of an integrand: which functions and how fast it varies along each variable. */
export interface FactorScale {
  readonly strip: number;
  /** the power of an exp factor (it moves the integrand's mass by power·|cᵀL| in whitened coordinates), else 0 */
  readonly growth: number;
  /** the integrand's total power of such factors (the order of its poles: a larger constant in the error) */
  readonly order: number;
  readonly coeff: readonly number[];
}

type SumFn = (K: Float64Array, X: Float64Array, w: Float64Array, N: Int32Array, Y: Float64Array) => void;

/** One pass of the rule: the expectations that share a covariance (what a re-implementation of the rule needs). */
export interface ExpectationGroup {
  readonly d: number;
  readonly vars: readonly string[];
  /** indices into the System's expectations */
  readonly members: readonly number[];
  /** the covariance, row-major d×d, over the System's state and parameters */
  readonly cov: readonly Expr[];
  readonly integrands: readonly Expr[];
  readonly scales: readonly FactorScale[];
}

interface Group {
  readonly d: number;
  /** indices into the System's expectations */
  readonly members: readonly number[];
  /** offset of this group's d×d covariance in the covariance kernel's output */
  readonly covOffset: number;
  readonly scales: readonly FactorScale[];
  readonly sum: SumFn;
  readonly source: string;
}

/** The factors of a product: [atom, power] with the variables each depends on. */
function factorsOf(integrand: Expr, vars: readonly string[]): Array<{ atom: Expr; exp: number; last: number }> {
  const terms = polyTerms(polyFromExpr(integrand));
  if (terms.length !== 1) throw new CompileError(`numeric expectation: the integrand ${print(integrand)} is not a product`);
  const t = terms[0];
  if (!(t.coeff.kind === 'num' && t.coeff.p === 1 && t.coeff.q === 1)) {
    throw new CompileError(`numeric expectation: the integrand ${print(integrand)} has a coefficient`);
  }
  return t.factors.map((f) => {
    let last = -1;
    vars.forEach((v, i) => { if (dependsOn(f.atom, v)) last = i; });
    if (last < 0) throw new CompileError(`numeric expectation: the factor ${print(f.atom)} is free of ${vars.join(', ')}`);
    return { atom: f.atom, exp: f.exp, last };
  });
}

function scaleOf(atom: Expr, vars: readonly string[], order: number, power: number): FactorScale | null {
  if (atom.kind !== 'call') return null;
  const strip = STRIP.get(atom.fn);
  if (strip === undefined) throw new CompileError(`numeric expectation: no rule for ${atom.fn}`);
  const coeff = vars.map((v) => evaluate(diff(atom.args[0], v), {}));
  if (!coeff.every(Number.isFinite)) throw new CompileError(`numeric expectation: the argument of ${print(atom)} is not affine with numeric coefficients`);
  return { strip, coeff, order, growth: atom.fn === 'exp' ? power : 0 };
}

const m = (level: number, k: number) => `m${level}_${k}`;

/** Emits the loop nest of one group: (K = L row-major d×d then the ball's radius², X nodes, w weights, N ranges per level, Y out). */
function emitGroupSum(integrands: readonly Expr[], vars: readonly string[]): { source: string; sum: SumFn } {
  const d = vars.length;
  const declared = declare([{ role: 'input', names: vars }]);
  const lowering = new Lowering(declared);
  const needs = newNeeds();
  const perLevel: Array<Array<{ q: number; root: Op }>> = Array.from({ length: d }, () => []);
  integrands.forEach((f, q) => {
    for (const fac of factorsOf(f, vars)) {
      const e = fac.exp === 1 ? fac.atom : pow(fac.atom, rat(fac.exp));
      perLevel[fac.last].push({ q, root: lowering.lower(e) });
    }
  });
  const nQ = integrands.length;
  const outer: string[] = [];
  const open: string[] = [];
  const close: string[] = [];
  const r2 = `K[${d * d}]`;
  for (let l = 0; l < d; l++) {
    const lines: string[] = [];
    lines.push(`for (let m${l} = N[${2 * l}]; m${l} < N[${2 * l + 1}]; m${l} = m${l} + 1) {`);
    lines.push(`const ${m(l, 2)} = ${l === 0 ? '' : `${m(l - 1, 2)} + `}X[m${l}] * X[m${l}];`);
    lines.push(`if (${m(l, 2)} <= ${r2}) {`);
    const zTerms = Array.from({ length: l + 1 }, (_, j) => `K[${l * d + j}] * X[m${j}]`);
    lines.push(`const a${l} = ${zTerms.join(' + ')};`);
    lines.push(`const ${m(l, 0)} = ${l === 0 ? '' : `${m(l - 1, 0)} * `}w[m${l}];`);
    const block = emitBlock(perLevel[l].map((x) => x.root), 'js', (s) => `a${s}`, needs, `v${l}_`);
    outer.push(...block.outer);
    lines.push(...block.lines);
    for (let q = 0; q < nQ; q++) {
      const mine = perLevel[l].flatMap((x, i) => (x.q === q ? [block.results[i]] : []));
      const prev = l === 0 ? [] : [m(l - 1, 3 + q)];
      const parts = [...prev, ...mine];
      lines.push(`const ${m(l, 3 + q)} = ${parts.length ? parts.join(' * ') : '1'};`);
    }
    open.push(...lines);
    close.push('}', '}');
  }
  const acc: string[] = [];
  const last = d - 1;
  for (let q = 0; q < nQ; q++) {
    acc.push(`${m(d, q)} = ${m(d, q)} + ${m(last, 0)} * ${m(last, 3 + q)};`);
  }
  const body = [
    'return function (K, X, w, N, Y) {',
    ...outer,
    ...Array.from({ length: nQ }, (_, k) => `let ${m(d, k)} = 0;`),
    ...open, ...acc, ...close,
    ...Array.from({ length: nQ }, (_, k) => `Y[${k}] = ${m(d, k)};`),
    '};',
  ].join('\n');
  const source = `${jsPreamble(needs)}\n${body}`;
  return { source, sum: twinFunction<SumFn>(source) };
}

/**
 * The nodes of one direction: spacing h over [−R, R], on the integers (shift 0) or the
 * half-integers (shift 1/2) of the spacing; the single node 0 for a degenerate direction.
 */
function direction(h: number, shift: 0 | 0.5, degenerate: boolean, radius: number): { x: number[]; w: number[] } {
  if (degenerate) return { x: [0], w: [1] };
  const J = Math.ceil(radius / h);
  const step = radius / J;
  const x: number[] = [], w: number[] = [];
  let sw = 0;
  for (let k = -J; k <= J - (shift ? 1 : 0); k++) {
    const xi = (k + shift) * step, phi = Math.exp(-0.5 * xi * xi);
    x.push(xi); w.push(phi); sw += phi;
  }
  return { x, w: w.map((v) => v / sw) };
}

/**
 * The numeric expectations of a System, compiled: evaluate(state, params) fills the
 * values and their error estimates, in the order of system.expectations.
 */
export class ExpectationEvaluator {
  readonly expectations: readonly NumericExpectation[];
  private readonly groups: Group[] = [];
  /** the four-dimensional orthant probabilities (orthant.ts: Plackett's identity, not the trapezoid rule) */
  private readonly orthants: Array<{ index: number; covOffset: number }> = [];
  /** the groups of one pass each, with everything the rule reads */
  readonly plan: ExpectationGroup[] = [];
  private readonly covKernel: ReturnType<typeof compile> | null;
  private readonly covOut: Float64Array;
  /** largest error estimate of each expectation over every evaluation so far */
  readonly maxError: Float64Array;
  evaluations = 0;

  constructor(system: System) {
    this.expectations = systemExpectations(system);
    const byCov = new Map<string, number[]>();
    this.expectations.forEach((q, i) => {
      if (isOrthant(q) && q.vars.length === 4) return;
      const key = `${q.vars.join(',')}|${q.cov.map((r) => r.map(print).join(',')).join(';')}`;
      const list = byCov.get(key) ?? [];
      list.push(i);
      byCov.set(key, list);
    });
    const entries: Expr[] = [];
    for (const members of byCov.values()) {
      const first = this.expectations[members[0]];
      const d = first.vars.length;
      const covOffset = entries.length;
      entries.push(...first.cov.flat());
      const integrands = members.map((i) => this.expectations[i].integrand);
      const scales = integrands.flatMap((f) => {
        const facs = factorsOf(f, first.vars);
        const order = facs.reduce((sum, fac) => sum + (fac.atom.kind === 'call' ? fac.exp : 0), 0);
        return facs.flatMap((fac) => scaleOf(fac.atom, first.vars, order, fac.exp) ?? []);
      });
      const { source, sum } = emitGroupSum(integrands, first.vars);
      this.groups.push({ d, members, covOffset, scales, sum, source });
      this.plan.push({ d, vars: first.vars, members, cov: first.cov.flat(), integrands, scales });
    }
    this.expectations.forEach((q, i) => {
      if (!(isOrthant(q) && q.vars.length === 4)) return;
      this.orthants.push({ index: i, covOffset: entries.length });
      entries.push(...q.cov.flat());
    });
    this.covKernel = entries.length ? compile(entries, { inputs: system.state, params: system.params, backend: 'f64' }) : null;
    this.covOut = new Float64Array(entries.length);
    this.maxError = new Float64Array(this.expectations.length);
  }

  /** Emitted sources, one per group of expectations sharing a covariance. */
  get sources(): string[] { return this.groups.map((g) => g.source); }

  /** Values (and error estimates) of every expectation at one state and parameter vector. */
  evaluate(state: ArrayLike<number>, params: ArrayLike<number>, out: Float64Array, err?: Float64Array): void {
    if (!this.covKernel) return;
    this.covKernel.f64(Float64Array.from(state), Float64Array.from(params), this.covOut);
    this.evaluations++;
    for (const g of this.groups) {
      const { d } = g;
      const C = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (__, j) => this.covOut[g.covOffset + i * d + j]));
      let L: number[][];
      try {
        L = choleskyPsd(C);
      } catch (e) {
        const names = g.members.map((i) => this.expectations[i].name).join(', ');
        throw new CompileError(`numeric expectation ${names}: the covariance [${C.map((r) => `[${r.join(', ')}]`).join(', ')}] is not positive semidefinite (${(e as Error).message})`);
      }
      const K = new Float64Array(d * d + 1);
      for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) K[i * d + j] = L[i][j];
      // exp(c·z) factors move the mass by |cᵀL| (per power): the ball grows by as much
      let moved = 0;
      for (const s of g.scales) {
        if (s.growth === 0) continue;
        let n2 = 0;
        for (let j = 0; j < d; j++) { let c = 0; for (let i = j; i < d; i++) c += s.coeff[i] * L[i][j]; n2 += c * c; }
        moved += s.growth * Math.sqrt(n2);
      }
      const radius = EXPECTATION_RADIUS + moved;
      K[d * d] = radius * radius;
      const steps = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        let h = EXPECTATION_MAX_STEP;
        for (const s of g.scales) {
          let c = 0;
          for (let i = j; i < d; i++) c += s.coeff[i] * L[i][j];
          const bound = (2 * Math.PI * s.strip) / ((Math.log(1 / EXPECTATION_TOLERANCE) + 6.5 + 1.6 * (s.order - 1)) * Math.abs(c));
          if (bound < h) h = bound;
        }
        steps[j] = h;
      }
      let nodes = 1;
      for (let j = 0; j < d; j++) nodes *= L[j][j] === 0 ? 1 : 2 * Math.ceil(radius / steps[j]) + 1;
      if (nodes > EXPECTATION_MAX_NODES) {
        const names = g.members.map((i) => this.expectations[i].name).join(', ');
        throw new CompileError(`numeric expectation ${names}: at the covariance [${C.map((r) => `[${r.map((x) => x.toPrecision(4)).join(', ')}]`).join(', ')}] the rule needs ${nodes.toExponential(1)} nodes, above the limit ${EXPECTATION_MAX_NODES.toExponential(0)} (the overlaps have grown too large for ${d}-variable expectations)`);
      }
      const Y = [new Float64Array(g.members.length), new Float64Array(g.members.length)];
      ([0, 0.5] as const).forEach((shift, k) => {
        const X: number[] = [], W: number[] = [];
        const N = new Int32Array(2 * d);
        for (let j = 0; j < d; j++) {
          const dir = direction(steps[j], shift, L[j][j] === 0, radius);
          N[2 * j] = X.length;
          X.push(...dir.x); W.push(...dir.w);
          N[2 * j + 1] = X.length;
        }
        g.sum(K, Float64Array.from(X), Float64Array.from(W), N, Y[k]);
      });
      g.members.forEach((i, q) => {
        out[i] = (Y[0][q] + Y[1][q]) / 2;
        const e = Math.abs(Y[0][q] - Y[1][q]) / 2;
        if (err) err[i] = e;
        if (e > this.maxError[i]) this.maxError[i] = e;
      });
    }
    for (const o of this.orthants) {
      const C = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (__, j) => this.covOut[o.covOffset + i * 4 + j]));
      const r = orthant4(C);
      out[o.index] = r.value;
      if (err) err[o.index] = r.error;
      if (r.error > this.maxError[o.index]) this.maxError[o.index] = r.error;
    }
  }
}

/**
 * The drift of a System with numeric expectations as a batched right-hand side: for
 * each member, the expectations at its state, then the compiled drift with them as
 * extra parameters. `params`: nP shared, or B·nP per member.
 */
export function expectationRhs(system: System, params: ArrayLike<number>, evaluator = new ExpectationEvaluator(system)): BatchRhs {
  const list = evaluator.expectations;
  const nP = system.params.length, nE = list.length, D = system.state.length;
  const extended: System = { state: system.state, params: [...system.params, ...list.map((q) => q.name)], drift: system.drift };
  let P = new Float64Array(0);
  let inner: BatchRhs | null = null;
  const values = new Float64Array(nE);
  const rhs = ((t: number, y: Float64Array, dydt: Float64Array) => {
    const B = y.length / D;
    if (!inner || P.length !== B * (nP + nE)) {
      P = new Float64Array(B * (nP + nE));
      inner = compileRhs(extended, { params: P });
    }
    for (let b = 0; b < B; b++) {
      const own = params.length === nP ? params : Array.prototype.slice.call(params, b * nP, (b + 1) * nP) as number[];
      for (let j = 0; j < nP; j++) P[b * (nP + nE) + j] = own[j];
      evaluator.evaluate(y.subarray(b * D, (b + 1) * D), own, values);
      P.set(values, b * (nP + nE) + nP);
    }
    inner(t, y, dydt);
  }) as BatchRhs;
  Object.defineProperties(rhs, {
    dimension: { value: D },
    source: { value: evaluator.sources.join('\n') },
    withParams: { value: (p: ArrayLike<number>) => expectationRhs(system, p, evaluator) },
  });
  return rhs;
}
