// A System's fixed step (RK4 or Euler) as one Op DAG: the drift lowered as
// compileRhs lowers it, composed with ode.rk4's stage arithmetic, optionally
// with polynomial components collected into Σ c_m(θ)·x^m. Both the f64 twin
// and the GPU.js kernel of the fused integrator are emitted from this DAG
// (fused/source.ts), and bound.ts's ErrorAnalysis can walk it.

import type { Expr, FnName } from '../../symbolic/index.ts';
import { NotPolynomialError, polyIn, type PolyIn } from '../../symbolic/index.ts';
import type { System } from '../../symbolic/index.ts';
import { CompileError, Lowering, declare, quote, type CostKey, type Declared, type Op } from '../lower.ts';
import { variantOps } from '../runtime-cost.ts';

export type IntegratorMethod = 'rk4' | 'euler';

export type DriftForm = 'as-written' | 'collected';

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
