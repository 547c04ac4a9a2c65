// Fused integrators (src/compile/integrator.ts):
// (a) the f64 twin, as written, is bit-identical to compileRhs + ode.rk4 (the
//     same operations in the same order per stage); the collected form agrees
//     within a propagated f64 rounding bound;
// (b) the f32 GPU.js kernel agrees with the twin within a bound derived from
//     f32 rounding, the step count and the growth of perturbations along the
//     f64 run (see `propagatedBound`);
// (c) divergence: the twin throws DivergenceError naming variable, member,
//     step, time and the member's parameters, with the records so far; the
//     kernels list the diverged members;
// (d) analytic solutions (harmonic oscillator, a non-normal linear system):
//     global error of order 4, fitted over step sizes;
// (e) hostile names and nodes never reach the emitted code;
// plus the run API (records, dt/t1, layouts, errors) and the auto rule.

import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import type { Expr } from '../../src/symbolic/index.ts';
import { F64_FUNCTIONS } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import { rk4 } from '../../src/numeric/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { DivergenceError } from '../../src/numeric/index.ts';
import { symmetricEigen } from '../../src/numeric/index.ts';
import { compileRhs } from '../../src/compile/index.ts';
import { CompileError, type Op } from '../../src/compile/lower.ts';
import { assertSafeSource } from '../../src/compile/index.ts';
import { ErrorAnalysis, F32_WASM_MODEL, F64_MODEL, type ErrorModel } from '../../src/compile/index.ts';
import {
  FUSED_MARGIN, FUSED_THREADING, buildStep, chooseFused, compileIntegrator, estimateStepCost,
  type Integrator, type IntegratorResult, type StepProgram,
} from '../../src/compile/index.ts';
import { deriveOverlapOde } from '../../src/models/solvable-gan/index.ts';
import { defaultInit, defaultSpec, overlapsToState, paramValues, stateNames } from '../../src/models/solvable-gan/index.ts';

const live: Integrator[] = [];
const keep = (i: Integrator) => { live.push(i); return i; };
afterAll(() => live.forEach((i) => i.dispose()));

const sys = (state: string[], params: string[], drift: string[]): System =>
  ({ state, params, drift: drift.map((d) => parse(d)) });

const lorenz = sys(['x', 'y', 'z'], ['sigma', 'rho', 'beta'], ['sigma*(y - x)', 'x*(rho - z) - y', 'x*y - beta*z']);
const LORENZ_P = new Float64Array([10, 28, 8 / 3]);

/** Exact equality of two arrays, reporting the first difference. */
function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${what}: entry ${i} differs: ${a[i]} vs ${b[i]} (Δ = ${a[i] - b[i]})`);
  }
}

// ---------- the solvable GAN, as in phase-diagram.ts ----------

const gan = deriveOverlapOde(1);
/** `count` members of the phase-diagram grid (every k-th point of a 100 × 100 grid), params per member. */
function ganBatch(count: number): { y0: Float64Array; P: Float64Array; B: number } {
  const D = gan.state.length, nP = gan.params.length;
  const base = defaultSpec(1);
  const P = new Float64Array(count * nP);
  const stride = Math.floor(10_000 / count);
  for (let b = 0; b < count; b++) {
    const k = b * stride;
    const eta = 0.5 + ((k % 100) * 4.5) / 99, tau = 0.02 + (Math.floor(k / 100) * 0.98) / 99;
    const v = paramValues({ ...base, tau, eta_T: eta, eta_G: eta });
    gan.params.forEach((p, j) => { P[b * nP + j] = v[p]; });
  }
  const x0 = overlapsToState(defaultInit(1), 1);
  const order = stateNames(1).map((n) => gan.state.indexOf(n));
  const y0 = new Float64Array(count * D);
  for (let b = 0; b < count; b++) for (let i = 0; i < D; i++) y0[b * D + order[i]] = x0[i];
  return { y0, P, B: count };
}

// ---------- random polynomial systems ----------

/**
 * A damped random polynomial system: dx_i/dt = −x_i³ + Σ c·θ^a·x^m over a
 * few monomials of degree ≤ 3 (coefficients in [−1, 1]), optionally with a
 * time-dependent forcing 0.3·sin(t)·x_0 (so time slots are exercised).
 */
function randomSystem(rng: Rng, withTime: boolean): System {
  const D = 1 + Math.floor(rng.uniform() * 4), nP = Math.floor(rng.uniform() * 3);
  const state = ['x', 'y', 'z', 'w'].slice(0, D), params = ['a', 'b'].slice(0, nP);
  const drift = state.map((s) => {
    const terms = [`-${s}^3`];
    const n = 1 + Math.floor(rng.uniform() * 4);
    for (let k = 0; k < n; k++) {
      const c = (rng.uniform() * 2 - 1).toFixed(3);
      const factors = [c];
      if (nP > 0 && rng.uniform() < 0.6) factors.push(params[Math.floor(rng.uniform() * nP)]);
      const deg = Math.floor(rng.uniform() * 4);
      for (let j = 0; j < deg; j++) factors.push(state[Math.floor(rng.uniform() * D)]);
      terms.push(`(${factors.join('*')})`);
    }
    if (withTime && s === state[0]) terms.push('0.3*sin(t)*x');
    return terms.join(' + ');
  });
  return sys(state, params, drift);
}

describe('(a) the f64 twin equals compileRhs + ode.rk4', () => {
  it('bit for bit on random polynomial systems (shared and per-member params, records, time, Euler)', () => {
    const rng = new Rng(20240611);
    let compared = 0;
    for (let trial = 0; trial < 24; trial++) {
      const system = randomSystem(rng, trial % 3 === 0);
      const D = system.state.length, nP = system.params.length, B = 7;
      const y0 = Float64Array.from({ length: B * D }, () => rng.uniform() * 2 - 1);
      const shared = Float64Array.from({ length: nP }, () => rng.uniform() * 2 - 1);
      const member = Float64Array.from({ length: B * nP }, () => rng.uniform() * 2 - 1);
      const t0 = 0.25, t1 = 0.25 + 2 * rng.uniform() + 0.5, steps = 40 + Math.floor(rng.uniform() * 60), every = 7;
      const twin = keep(compileIntegrator(system, { backend: 'f64' }));
      for (const P of nP > 0 ? [shared, member] : [shared]) {
        const ref = rk4(compileRhs(system, { params: P }), y0, { t0, t1, steps, batch: B, dim: D, record: { every } });
        const got = twin.run({ y0, params: P, t0, t1, steps, recordEvery: every });
        const what = `trial ${trial} (${system.drift.length} eqs, ${P.length} params): ${twin.source.js.length} chars`;
        expect(got.y.length, what).toBe(ref.y.length - 1);
        got.y.forEach((y, r) => expectIdentical(y, ref.y[r + 1], `${what}, record ${r}`));
        expectIdentical(got.t, ref.t.subarray(1), `${what}, times`);
        compared += got.y.length * B * D;
      }
      // Euler against the same right-hand side stepped by hand: y + h·f(t, y)
      const euler = keep(compileIntegrator(system, { method: 'euler', backend: 'f64' }));
      const rhs = compileRhs(system, { params: shared });
      const y = Float64Array.from(y0), k = new Float64Array(y.length), h = (t1 - t0) / steps;
      for (let s = 0; s < steps; s++) {
        rhs(t0 + s * h, y, k);
        for (let i = 0; i < y.length; i++) y[i] = y[i] + h * k[i];
      }
      expectIdentical(euler.run({ y0, params: shared, t0, t1, steps }).y[0], y, `trial ${trial}, Euler`);
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it('bit for bit on the solvable-GAN ODE (phase-diagram members, 1000 steps, records)', () => {
    const { y0, P, B } = ganBatch(100);
    const D = gan.state.length;
    const steps = 1000, T = 50, every = 125;
    const ref = rk4(compileRhs(gan, { params: P }), y0, { t0: 0, t1: T, steps, batch: B, dim: D, record: { every } });
    const got = keep(compileIntegrator(gan)).run({ y0, params: P, t0: 0, t1: T, steps, recordEvery: every });
    expect(got.backend).toBe('f64');
    got.y.forEach((y, r) => expectIdentical(y, ref.y[r + 1], `record ${r}`));
  });

  it('the collected form agrees within the propagated f64 rounding bound', () => {
    const { y0, P, B } = ganBatch(12);
    const steps = 800, T = 40, checks = 8;
    const written = keep(compileIntegrator(gan, { backend: 'f64', form: 'as-written' }));
    const collected = keep(compileIntegrator(gan, { backend: 'f64', form: 'collected' }));
    expect(collected.program.collected).toEqual([true, true, true]);
    const run = { y0, params: P, t0: 0, t1: T, steps, recordEvery: 1 };
    const a = written.run(run), b = collected.run(run);
    // local: each step's f64 rounding bound of both operation sequences, at the f64 point
    const check = compareWithBound(gan, y0, a, b, P, B, T / steps, checks, [
      { program: written.program, model: F64_MODEL, f32: false },
      { program: collected.program, model: F64_MODEL, f32: false },
    ], 0, false);
    console.log(`collected vs as written: worst |Δ|/bound = ${check.worstRatio.toExponential(2)} over ${check.compared} checks`);
    expect(check.worstRatio, 'bound too loose to mean anything').toBeGreaterThan(1e-3);
  });
});

// ---------- the propagated bound ----------

/**
 * Value and Jacobian (∂/∂ state) of every node of a step DAG at a point:
 * forward-mode differentiation in f64 in node order (children precede
 * parents in a Lowering).
 */
function stepJacobian(program: StepProgram, values: Float64Array): { next: Float64Array; M: Float64Array } {
  const { lowering, roots, slots } = program;
  const D = slots.D;
  const n = lowering.nodes.length;
  const v = new Float64Array(n), g = new Float64Array(n * D);
  const dfn: Partial<Record<string, (x: number) => number>> = {
    exp: Math.exp, sin: Math.cos, cos: (x) => -Math.sin(x), log: (x) => 1 / x, sqrt: (x) => 0.5 / Math.sqrt(x),
    tanh: (x) => 1 - Math.tanh(x) ** 2,
  };
  for (const node of lowering.nodes as Op[]) {
    const i = node.id, gi = i * D;
    const grad = (c: Op) => c.id * D;
    switch (node.op) {
      case 'num': v[i] = node.value; break;
      case 'ref': v[i] = values[node.slot]; if (node.slot < D) g[gi + node.slot] = 1; break;
      case 'neg': v[i] = -v[node.a.id]; for (let j = 0; j < D; j++) g[gi + j] = -g[grad(node.a) + j]; break;
      case 'sum': {
        node.terms.forEach((t, k) => {
          const s = node.minus[k] ? -1 : 1;
          v[i] += s * v[t.id];
          for (let j = 0; j < D; j++) g[gi + j] += s * g[grad(t) + j];
        });
        break;
      }
      case 'prod': {
        v[i] = v[node.factors[0].id];
        for (let j = 0; j < D; j++) g[gi + j] = g[grad(node.factors[0]) + j];
        for (let k = 1; k < node.factors.length; k++) {
          const f = node.factors[k];
          for (let j = 0; j < D; j++) g[gi + j] = g[gi + j] * v[f.id] + v[i] * g[grad(f) + j];
          v[i] *= v[f.id];
        }
        break;
      }
      case 'div': {
        const a = v[node.a.id], b = v[node.b.id];
        v[i] = a / b;
        for (let j = 0; j < D; j++) g[gi + j] = (g[grad(node.a) + j] * b - a * g[grad(node.b) + j]) / (b * b);
        break;
      }
      case 'ipow': {
        const a = v[node.a.id];
        v[i] = a ** node.k;
        for (let j = 0; j < D; j++) g[gi + j] = node.k * a ** (node.k - 1) * g[grad(node.a) + j];
        break;
      }
      case 'call': {
        const d = dfn[node.fn];
        if (!d || node.args.length !== 1) throw new Error(`stepJacobian: no derivative for ${node.fn}`);
        const a = v[node.args[0].id];
        v[i] = F64_FUNCTIONS[node.fn](a);
        for (let j = 0; j < D; j++) g[gi + j] = d(a) * g[grad(node.args[0]) + j];
        break;
      }
      default: throw new Error(`stepJacobian: unsupported ${node.op}`);
    }
  }
  const next = Float64Array.from(roots, (r) => v[r.id]);
  const M = new Float64Array(D * D);
  roots.forEach((r, row) => { for (let j = 0; j < D; j++) M[row * D + j] = g[r.id * D + j]; });
  return { next, M };
}

/** ‖A‖₂ of a D×D matrix: √λmax(AᵀA), the eigenvalue of AᵀA − I by Jacobi (accurate near the identity). */
function norm2(A: Float64Array, D: number): number {
  const S = new Float64Array(D * D);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += A[k * D + i] * A[k * D + j];
    S[i * D + j] = s - (i === j ? 1 : 0);
  }
  const { values } = symmetricEigen(S, D);
  return Math.sqrt(Math.max(0, 1 + Math.max(...values)));
}

function matmul(A: Float64Array, B: Float64Array, D: number): Float64Array {
  const C = new Float64Array(D * D);
  for (let i = 0; i < D; i++) for (let k = 0; k < D; k++) {
    const a = A[i * D + k];
    for (let j = 0; j < D; j++) C[i * D + j] += a * B[k * D + j];
  }
  return C;
}

const vecNorm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));

/**
 * The bound on |ỹ_k − y_k| (two computations of the same fixed-step map Φ,
 * compared along the reference run y_n = `a`, every step recorded; `b`
 * recorded at least at the `checks` equally spaced steps compared):
 *
 *   e_{n+1} ≤ ‖M_n‖·e_n + δ_n   ⇒   e_k ≤ Σ_{n<k} ‖M_{k−1}⋯M_{n+1}‖₂ δ_n + ‖M_{k−1}⋯M_0‖₂ e_0
 *
 * with M_n = ∂Φ/∂y at y_n (forward-mode derivative of the step DAG) and
 * δ_n = Σ over both computations of ‖bound of |computed step − Φ| at y_n‖₂:
 * bound.ts's ErrorAnalysis walking the very DAG each path runs, under its
 * model (f32 webasm or f64), the state taken as exact input, every other
 * input (params, h, h/2, h/6) as rounded to the working precision, times
 * with the error of their f32 computation in the kernel. e_0 is the
 * rounding of y0 to f32. The recursion is the linearisation of
 * Φ(ỹ) − Φ(y) = M·(ỹ − y) + O(e²); S = 2 covers the dropped O(e²) term and
 * δ evaluated at y_n instead of at ỹ_n (both relative O(e), e ≤ 1e-3 here).
 * Flushing adds √D·flushBelow per step.
 */
const S = 2;
function compareWithBound(
  system: System, y0: Float64Array, a: IntegratorResult, b: IntegratorResult, P: Float64Array, B: number, h: number,
  checks: number, sides: { program: StepProgram; model: ErrorModel; f32: boolean }[], flush: number, y0Rounded: boolean,
): { worstRatio: number; compared: number } {
  const D = system.state.length, nP = system.params.length;
  const program = sides[0].program;
  const steps = a.y.length;
  const analyses = sides.map((s) => ({ ...s, analysis: new ErrorAnalysis(s.program.lowering, s.model) }));
  let worstRatio = 0, compared = 0;
  const failures: string[] = [];
  for (let m = 0; m < B; m++) {
    const values = new Float64Array(program.slots.count);
    const off = P.length === nP ? 0 : m * nP;
    for (let j = 0; j < nP; j++) values[D + j] = P[off + j];
    values[program.slots.h] = h; values[program.slots.half] = 0.5 * h; values[program.slots.h6] = h / 6;
    const Ms: Float64Array[] = [], deltas: number[] = [];
    const { tStart, tMid, tNew } = program.slots;
    for (let n = 0; n < steps; n++) {
      const from = n === 0 ? y0 : a.y[n - 1];
      for (let i = 0; i < D; i++) values[i] = from[m * D + i];
      values[tStart] = n * h; values[tMid] = n * h + 0.5 * h; values[tNew] = (n + 1) * h; // t0 = 0
      // the kernel computes times in f32 from its segment's start T0 (≤ t) and the step count w:
      // fl(fl(T0) + fl((w − 1)·fl(h))) (+ fl(h/2)) errs by at most u·(|T0| + 2(w − 1)|h| + 2|t| + |h|)
      const timeError = 4 * 2 ** -24 * (2 * (n + 1) * h);
      Ms.push(stepJacobian(program, values).M);
      let delta = 0;
      for (const side of analyses) {
        const inputErrors = Float64Array.from(values, (v, slot) => (slot < D || !side.f32 ? 0
          : slot === tStart || slot === tMid || slot === tNew ? timeError : Math.abs(Math.fround(v) - v)));
        delta += vecNorm(side.analysis.evaluate(side.program.roots, values, inputErrors).map((r) => r.bound));
      }
      deltas.push(delta + Math.sqrt(D) * flush);
    }
    const start = y0.subarray(m * D, (m + 1) * D);
    const e0 = y0Rounded ? vecNorm(Array.from(start, (v) => Math.fround(v) - v)) : 0;
    for (let c = 1; c <= checks; c++) {
      const k = Math.round((c * steps) / checks);
      let Q: Float64Array = identity(D), bound = 0;
      for (let n = k - 1; n >= 0; n--) {
        bound += norm2(Q, D) * deltas[n];
        Q = matmul(Q, Ms[n], D);
      }
      bound = S * (bound + norm2(Q, D) * e0);
      const r = Array.from(b.steps).indexOf(k);
      if (r < 0) throw new Error(`no record of step ${k} to compare`);
      const diff = vecNorm(Array.from({ length: D }, (_, i) => a.y[k - 1][m * D + i] - b.y[r][m * D + i]));
      compared++;
      worstRatio = Math.max(worstRatio, diff / bound);
      if (!(diff <= bound)) failures.push(`member ${m}, step ${k}: |Δ| = ${diff.toExponential(3)} > bound ${bound.toExponential(3)}`);
    }
  }
  if (failures.length) throw new Error(`${failures.length} of ${compared} checks exceed the bound:\n${failures.slice(0, 10).join('\n')}`);
  return { worstRatio, compared };
}

const identity = (D: number) => { const I = new Float64Array(D * D); for (let i = 0; i < D; i++) I[i * D + i] = 1; return I; };

/** Steps k·steps/checks, k = 1..checks (the steps compareWithBound compares). */
const checkSteps = (steps: number, checks: number) => Array.from({ length: checks }, (_, c) => Math.round(((c + 1) * steps) / checks));

describe('(b) the f32 kernel agrees with the f64 twin within the propagated f32 bound', () => {
  async function f32Check(label: string, system: System, y0: Float64Array, P: Float64Array, T: number, steps: number,
    backend: 'webasm' | 'async' | 'cpu', opts: { checks?: number; boundMembers?: number; flush?: number } = {}) {
    const B = y0.length / system.state.length, checks = opts.checks ?? 10, h = T / steps;
    const twin = keep(compileIntegrator(system, { backend: 'f64' }));
    const kernel = keep(compileIntegrator(system, { backend }));
    const ref = twin.run({ y0, params: P, t0: 0, t1: T, steps, recordEvery: 1 });
    const run = { y0, params: P, t0: 0, t1: T, steps, recordSteps: checkSteps(steps, checks), flushBelow: opts.flush ?? 0 };
    const got = backend === 'async' ? await kernel.runAsync(run) : kernel.run(run);
    expect(got.diverged, label).toEqual([]);
    const n = Math.min(B, opts.boundMembers ?? B);
    const D = system.state.length, nP = system.params.length;
    const sub = (r: IntegratorResult) => ({ ...r, y: r.y.map((y) => y.subarray(0, n * D)) });
    const { worstRatio, compared } = compareWithBound(system, y0, sub(ref), sub(got), P.length === nP ? P : P.subarray(0, n * nP),
      n, h, checks, [
        { program: kernel.program, model: F32_WASM_MODEL, f32: true },
        { program: twin.program, model: F64_MODEL, f32: false },
      ], opts.flush ?? 0, true);
    console.log(`${label} [${got.backend}${got.threaded ? ', threaded' : ''}]: worst |Δ|/bound = ${worstRatio.toExponential(2)} over ${compared} checks`);
    // and the bound is not vacuous: the worst member comes within 10^3 of it
    expect(worstRatio, `${label}: bound too loose to mean anything`).toBeGreaterThan(1e-3);
    return got;
  }

  it('solvable GAN, phase-diagram members, 1000 steps (webasm; with a subnormal flush)', async () => {
    const { y0, P } = ganBatch(24);
    await f32Check('GAN', gan, y0, P, 50, 1000, 'webasm');
    await f32Check('GAN, flush < 1e-10', gan, y0.subarray(0, 36), P.subarray(0, 72), 50, 1000, 'webasm', { flush: 1e-10 });
  });

  it('Lorenz over one time unit (webasm, cpu, and async threaded over 4096 members)', async () => {
    const B = 4096;
    const y0 = new Rng(3).fillUniform(new Float64Array(B * 3), -10, 10);
    await f32Check('Lorenz', lorenz, y0.subarray(0, 48), LORENZ_P, 1, 100, 'webasm');
    await f32Check('Lorenz', lorenz, y0.subarray(0, 12), LORENZ_P, 1, 100, 'cpu');
    const threaded = await f32Check('Lorenz', lorenz, y0, LORENZ_P, 1, 100, 'async', { boundMembers: 48 });
    if (availableParallelism() >= 2) expect(threaded.threaded).toBe(true);
    // the same wasm code on one thread gives the same bits
    const one = keep(compileIntegrator(lorenz, { backend: 'webasm' })).run({
      y0, params: LORENZ_P, t0: 0, t1: 1, steps: 100, recordSteps: checkSteps(100, 10),
    });
    one.y.forEach((y, r) => expectIdentical(y, threaded.y[r], `threaded vs one thread, record ${r}`));
  });

  it('random damped polynomial systems, some forced by sin(t) (webasm, per-member params)', async () => {
    const rng = new Rng(77);
    for (let trial = 0; trial < 6; trial++) {
      const system = randomSystem(rng, trial % 2 === 1);
      const B = 16, D = system.state.length, nP = system.params.length;
      const y0 = Float64Array.from({ length: B * D }, () => rng.uniform() * 2 - 1);
      const P = Float64Array.from({ length: B * nP }, () => rng.uniform() * 2 - 1);
      await f32Check(`random system ${trial} (D = ${D}${trial % 2 ? ', forced' : ''})`, system, y0, P, 2, 200, 'webasm');
    }
  });

  it('D = 6 (two output groups per member) and D = 1', async () => {
    const six = sys(['p', 'q', 'r', 's', 'u', 'v'], ['a'], ['q - a*p^3', 'r - q^3', 's - r^3 + p*q', 'u - s^3', 'v - u^3', '-p - v^3']);
    const one = sys(['x'], ['a'], ['a*x - x^3']);
    const rng = new Rng(5);
    await f32Check('D = 6', six, Float64Array.from({ length: 8 * 6 }, () => rng.uniform() * 2 - 1), new Float64Array([0.7]), 3, 300, 'webasm');
    await f32Check('D = 1', one, Float64Array.from({ length: 8 }, () => rng.uniform() * 2 - 1), new Float64Array([1.3]), 3, 300, 'webasm');
  });
});

describe('(c) divergence', () => {
  // x' = a·x² blows up at t = 1/(a·x0); y' = −y stays put
  const blow = sys(['x', 'y'], ['a'], ['a*x^2', '-y']);
  const x0 = [0.3, 0.9, 0.7, -1, 0.9, 0.2];
  const y0 = Float64Array.from(x0.flatMap((x) => [x, 1]));
  const P = Float64Array.from(x0.map((_, b) => (b === 4 ? 1.1 : 1)));
  const run = { y0, params: P, t0: 0, t1: 2, steps: 400, recordEvery: 20, blowUp: 1e6 };

  it('the twin throws DivergenceError naming variable, member, step, time and params, with the records so far', () => {
    const twin = keep(compileIntegrator(blow));
    let err: unknown;
    try { twin.run(run); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError<IntegratorResult>;
    // member 4 (a·x0 = 0.99) blows up before members 1 (0.9) and 2 (0.7); the earliest step wins
    expect(d.batchIndex).toBe(4);
    expect(d.variable).toBe('x');
    expect(d.reason).toBe('blow-up');
    expect(d.message).toMatch(/batch member 4/);
    expect(d.message).toMatch(/a=1\.1/);
    expect(d.message).toContain(`step ${d.step}`);
    expect(d.t).toBeCloseTo(d.step * 2 / 400, 12);
    expect(Math.abs(d.lastState![0])).toBeLessThanOrEqual(1e6);
    // ode.rk4 on the same batch fails at the same place with the same value
    let ref: DivergenceError | undefined;
    try { rk4(compileRhs(blow, { params: P }), y0, { t0: 0, t1: 2, steps: 400, batch: 6, dim: 2, names: ['x', 'y'], record: { every: 20 }, blowUp: 1e6 }); } catch (e) { ref = e as DivergenceError; }
    expect(ref).toBeInstanceOf(DivergenceError);
    expect([d.batchIndex, d.step, d.variable, d.t, d.value]).toEqual([ref!.batchIndex, ref!.step, ref!.variable, ref!.t, ref!.value]);
    // partial: every record before the failing step, for every member, equal to rk4's
    const partial = d.partial;
    expect(partial.y.length).toBe(Math.floor((d.step - 1) / 20));
    expect(partial.y.length).toBeGreaterThan(0);
    const refPartial = ref!.partial as { y: Float64Array[] };
    partial.y.forEach((y, r) => expectIdentical(y, refPartial.y[r + 1], `partial record ${r}`));
    expect(Array.from(partial.steps)).toEqual(partial.y.map((_, r) => 20 * (r + 1)));
  });

  it('members stepped side by side fail exactly as one at a time: every member first to fail, a later one failing earlier, odd batches', () => {
    // The twin steps members in groups; a group with a failing member is rerun member by member.
    // x' = a·x² from x0 = 0.5 leaves 1e6 at t ≈ 2/a, so a orders the failures (a = 0.5: none by t = 3).
    const twin = keep(compileIntegrator(blow));
    const check = (a: number[], note: string) => {
      const B = a.length, P = Float64Array.from(a), y0 = Float64Array.from(a.flatMap((_, b) => [0.5, 1 + b]));
      const opts = { t0: 0, t1: 3, steps: 300, batch: B, dim: 2, names: ['x', 'y'], record: { every: 25 }, blowUp: 1e6 };
      let mine: DivergenceError<IntegratorResult> | undefined, ref: DivergenceError | undefined;
      let fine: IntegratorResult | undefined, refFine: { y: Float64Array[] } | undefined;
      try { fine = twin.run({ y0, params: P, t0: 0, t1: 3, steps: 300, recordEvery: 25, blowUp: 1e6 }); } catch (e) { mine = e as DivergenceError<IntegratorResult>; }
      try { refFine = rk4(compileRhs(blow, { params: P }), y0, opts) as { y: Float64Array[] }; } catch (e) { ref = e as DivergenceError; }
      if (!ref) {
        expect(mine, note).toBeUndefined();
        fine!.y.forEach((y, r) => expectIdentical(y, refFine!.y[r + 1], `${note}: record ${r}`));
        return;
      }
      expect(mine, note).toBeInstanceOf(DivergenceError);
      expect([mine!.batchIndex, mine!.step, mine!.variable, mine!.t, mine!.value], note).toEqual([ref.batchIndex, ref.step, ref.variable, ref.t, ref.value]);
      const refPartial = ref.partial as { y: Float64Array[] };
      mine!.partial.y.forEach((y, r) => expectIdentical(y, refPartial.y[r + 1], `${note}: partial record ${r}`));
    };
    for (const B of [1, 2, 3, 4, 5]) {
      check(Array.from({ length: B }, () => 0.5), `B = ${B}, no failure`);
      for (let m = 0; m < B; m++) {
        check(Array.from({ length: B }, (_, b) => (b === m ? 2 : 0.5)), `B = ${B}, member ${m} fails`);
        // member m fails late, the member after it (in the same or the next group) early
        if (m + 1 < B) check(Array.from({ length: B }, (_, b) => (b === m ? 1 : b === m + 1 ? 3 : 0.5)), `B = ${B}, member ${m} late, ${m + 1} early`);
      }
    }
  });

  it('non-finite values are named too (sqrt of a negative number)', () => {
    const nan = sys(['x', 'y'], [], ['-1', 'sqrt(x)']);
    let err: unknown;
    try { keep(compileIntegrator(nan)).run({ y0: [1, 0, 0.047, 0], t0: 0, dt: 0.01, steps: 100 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect([d.reason, d.variable, d.batchIndex]).toEqual(['non-finite', 'y', 1]);
    expect(d.step).toBe(5); // step 5's last stage reads y at x = 0.047 − 0.04 − 0.01 < 0
    // the f32 kernel reports the same member and step
    const f32 = keep(compileIntegrator(nan, { backend: 'webasm' })).run({ y0: [1, 0, 0.047, 0], t0: 0, dt: 0.01, steps: 100 });
    expect([f32.diverged, f32.divergedStep]).toEqual([[1], [5]]);
    expect(Number.isNaN(f32.y[0][3])).toBe(true);
  });

  it('an initial state out of bound fails at step 0', () => {
    const bad = Float64Array.from(y0);
    bad[2] = NaN;
    expect(() => keep(compileIntegrator(blow)).run({ ...run, y0: bad })).toThrow(/step 0\), batch member 1: x = NaN/);
  });

  it('the f32 kernels list the diverged members (and their steps) instead of returning NaN silently', async () => {
    // each member alone in f64: which ones blow up, and at which step
    const twin = keep(compileIntegrator(blow));
    const f64Steps = new Map<number, number>();
    for (let b = 0; b < x0.length; b++) {
      try { twin.run({ ...run, y0: y0.subarray(2 * b, 2 * b + 2), params: P.subarray(b, b + 1) }); } catch (e) { f64Steps.set(b, (e as DivergenceError).step); }
    }
    expect([...f64Steps.keys()]).toEqual([1, 2, 4]);
    for (const backend of ['webasm', 'async'] as const) {
      const kernel = keep(compileIntegrator(blow, { backend }));
      const got = backend === 'async' ? await kernel.runAsync(run) : kernel.run(run);
      expect(got.diverged, backend).toEqual([1, 2, 4]);
      // f32 rounding may move the crossing of 10^6 by a step
      got.divergedStep.forEach((s, k) => expect(Math.abs(s - f64Steps.get(got.diverged[k])!), backend).toBeLessThanOrEqual(1));
      // the members that stayed bounded are right
      for (const b of [0, 3, 5]) expect(Number.isFinite(got.y[got.y.length - 1][2 * b])).toBe(true);
    }
  });

  it('D a multiple of 4: the kernel freezes a diverged member at its offending state (no room for a status)', () => {
    const four = sys(['x', 'y', 'z', 'w'], [], ['x^2', '-y', '-z', '-w']);
    const kernel = keep(compileIntegrator(four, { backend: 'webasm' }));
    const got = kernel.run({ y0: [2, 1, 1, 1, -0.5, 1, 1, 1], t0: 0, dt: 0.01, steps: 100, blowUp: 1e6 });
    expect(got.diverged).toEqual([0]);
    expect(got.divergedStep).toEqual([-1]);
    expect(Math.abs(got.y[0][0])).toBeGreaterThan(1e6);
    expect(got.y[0][1]).toBeGreaterThan(0.5); // frozen near t = 0.5, not stepped to t = 1
  });
});

describe('(d) analytic solutions: global error of order 4', () => {
  /** Least-squares slope of log(err) against log(h). */
  const slope = (hs: number[], errs: number[]) => {
    const x = hs.map(Math.log), y = errs.map(Math.log);
    const mx = x.reduce((a, b) => a + b) / x.length, my = y.reduce((a, b) => a + b) / y.length;
    return x.reduce((s, xi, i) => s + (xi - mx) * (y[i] - my), 0) / x.reduce((s, xi) => s + (xi - mx) ** 2, 0);
  };
  const STEPS = [100, 200, 400, 800];

  it('harmonic oscillators (ω per member): slope 4 and the leading coefficient T·ω⁵·h⁴/120', () => {
    // x' = v, v' = −ω²x from (1, 0): x = cos ωt, v = −ω sin ωt. RK4's amplification on
    // y' = iωy is e^z − z⁵/120 + O(z⁶), z = iωh, so after T/h steps the error is
    // ≈ |y0|·T·ω⁵·h⁴/120 (in the norm |(x, v/ω)|), with relative corrections O(ωh).
    const osc = keep(compileIntegrator(sys(['x', 'v'], ['omega'], ['v', '-omega^2*x'])));
    const omegas = [0.5, 1, 2], T = 10;
    const y0 = Float64Array.from(omegas.flatMap(() => [1, 0]));
    const errs = omegas.map(() => [] as number[]);
    for (const steps of STEPS) {
      const fin = osc.run({ y0, params: omegas, t0: 0, t1: T, steps }).y[0];
      omegas.forEach((w, b) => errs[b].push(Math.hypot(fin[2 * b] - Math.cos(w * T), fin[2 * b + 1] / w + Math.sin(w * T))));
    }
    omegas.forEach((w, b) => {
      const hs = STEPS.map((n) => T / n);
      const p = slope(hs, errs[b]);
      const lead = errs[b][3] / (T * w ** 5 * hs[3] ** 4 / 120);
      console.log(`ω = ${w}: fitted order ${p.toFixed(4)}, error / (T ω⁵ h⁴/120) = ${lead.toFixed(4)} at h = ${hs[3]}`);
      // the next term is relative O((ωh)²) in the slope over this range (≤ 0.04 at ωh = 0.2)
      expect(Math.abs(p - 4), `ω = ${w}: order ${p}`).toBeLessThan(0.05);
      expect(Math.abs(lead - 1), `ω = ${w}: leading coefficient ${lead}`).toBeLessThan(0.02);
    });
  });

  it('a non-normal linear system y\' = A·y: slope 4', () => {
    // A = [[−1, 2], [0, −3]]: x = (x0 + y0)e^{−t} − y0 e^{−3t}, y = y0 e^{−3t}
    const lin = keep(compileIntegrator(sys(['x', 'y'], [], ['-x + 2*y', '-3*y'])));
    const T = 2, x0 = 0.3, yy = 1.2;
    const exact = [(x0 + yy) * Math.exp(-T) - yy * Math.exp(-3 * T), yy * Math.exp(-3 * T)];
    const errs = STEPS.map((steps) => {
      const fin = lin.run({ y0: [x0, yy], t0: 0, t1: T, steps }).y[0];
      return Math.hypot(fin[0] - exact[0], fin[1] - exact[1]);
    });
    const p = slope(STEPS.map((n) => T / n), errs);
    console.log(`linear system: fitted order ${p.toFixed(4)}, errors ${errs.map((e) => e.toExponential(2)).join(', ')}`);
    expect(Math.abs(p - 4), `order ${p}`).toBeLessThan(0.05);
    expect(errs[3]).toBeGreaterThan(1e-13); // still truncation error, not rounding
  });
});

describe('(e) hostile names and nodes never reach the emitted code', () => {
  const CANARY = '__gdIntegratorCanary';
  const g = globalThis as Record<string, unknown>;
  const sources: string[] = [];
  const RealFunction = globalThis.Function;
  beforeAll(() => {
    g[CANARY] = 'intact';
    globalThis.Function = new Proxy(RealFunction, {
      construct(target, args) { sources.push(String(args[args.length - 1])); return Reflect.construct(target, args); },
    });
  });
  afterAll(() => { globalThis.Function = RealFunction; });

  const HOSTILE = [
    'constructor', '__proto__', 'prototype', 'process', 'require', 'globalThis', 'eval', 'Function', 'this', 'Math',
    'thread', 'K', 'N', 'x;y', `globalThis.${CANARY}='pwned'`, 'x)//', '`x`', '${x}', '"x"', '\u0430', 'x\u200By', 'a b', '1x', '',
  ];

  it('refuses hostile state, parameter and time names with CompileError naming them', () => {
    for (const name of HOSTILE) {
      for (const where of ['state', 'param', 'time'] as const) {
        const system: System = where === 'state'
          ? { state: [name], params: [], drift: [parse('1')] }
          : { state: ['x'], params: where === 'param' ? [name] : [], drift: [parse('-x')] };
        let err: unknown;
        try {
          keep(compileIntegrator(system, where === 'time' ? { time: name } : {}));
        } catch (e) { err = e; }
        // harmless valid identifiers (e.g. 'K', 'N', 'thread') compile: they are slots, never text
        if (err === undefined) { expect(/^[A-Za-z][A-Za-z0-9_]*$/.test(name), `${where} ${JSON.stringify(name)}`).toBe(true); continue; }
        expect(err, `${where} ${JSON.stringify(name)}`).toBeInstanceOf(CompileError);
      }
    }
  });

  it('refuses hand-built hostile nodes (as if read from JSON) and unknown options', () => {
    const bad: Expr[] = [
      { kind: 'sym', name: `globalThis.${CANARY}='pwned'` } as Expr,
      { kind: 'call', fn: 'constructor', args: [{ kind: 'sym', name: 'x' }] } as unknown as Expr,
      { kind: 'num', p: Infinity, q: 1 } as Expr,
      { kind: 'evil' } as unknown as Expr,
    ];
    for (const e of bad) {
      expect(() => compileIntegrator({ state: ['x'], params: [], drift: [e] }), JSON.stringify(e)).toThrow(CompileError);
      expect(() => compileIntegrator({ state: ['x'], params: [], drift: [e] }, { precision: 'f32' }), JSON.stringify(e)).toThrow(CompileError);
    }
    expect(() => compileIntegrator(lorenz, { method: 'leapfrog' as 'rk4' })).toThrow(CompileError);
    expect(() => compileIntegrator(lorenz, { backend: 'evil' as 'f64' })).toThrow(CompileError);
    expect(() => compileIntegrator(lorenz, { form: 'sneaky' as 'collected' })).toThrow(CompileError);
  });

  it('every source compiled or handed to gpu.js passes the token check; the canary is untouched', () => {
    const a = keep(compileIntegrator(lorenz, { form: 'collected' }));
    a.run({ y0: [1, 1, 1], params: LORENZ_P, t0: 0, dt: 0.01, steps: 10 });
    const b = keep(compileIntegrator(sys(['x'], ['a'], ['erf(x) + sigmoid(a*t) - softplus(x)^3'])));
    b.run({ y0: [0.1, 0.2], params: [1, 2], t0: 0, dt: 0.01, steps: 10 });
    for (const i of [a, b]) { assertSafeSource(i.source.js); assertSafeSource(i.source.gpujs); }
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources.filter((x) => x.includes('function'))) assertSafeSource(src);
    expect(g[CANARY]).toBe('intact');
  });
});

describe('run API', () => {
  const twin = keep(compileIntegrator(lorenz));
  const y0 = new Float64Array([1, 2, 20, -3, 1, 25]);

  it('records: recordEvery (and the last step), recordSteps, times from dt or t1', () => {
    const a = twin.run({ y0, params: LORENZ_P, t0: 1, dt: 0.01, steps: 25, recordEvery: 10 });
    expect(Array.from(a.steps)).toEqual([10, 20, 25]);
    expect(Array.from(a.t)).toEqual([1 + 10 * 0.01, 1 + 20 * 0.01, 1 + 25 * 0.01]);
    const b = twin.run({ y0, params: LORENZ_P, t0: 1, t1: 1.25, steps: 25, recordSteps: [3, 20, 25] });
    expect(Array.from(b.steps)).toEqual([3, 20, 25]);
    expect(b.t[2]).toBe(1.25);
    expectIdentical(b.y[1], a.y[1], 'record at step 20');
    const c = twin.run({ y0, params: LORENZ_P, t0: 1, dt: 0.01, steps: 25 });
    expect(c.y.length).toBe(1);
    expectIdentical(c.y[0], a.y[2], 'final state');
    expect(c.diverged).toEqual([]);
  });

  it('run() reads a Float64Array y0 in place: y0 unchanged, results not views of it, the same bits as a plain array', () => {
    const before = y0.slice();
    const a = twin.run({ y0, params: LORENZ_P, t0: 0, dt: 0.01, steps: 30, recordEvery: 10 });
    expectIdentical(y0, before, 'y0 after run');
    for (const rec of a.y) expect(rec.buffer).not.toBe(y0.buffer);
    const b = twin.run({ y0: Array.from(y0), params: LORENZ_P, t0: 0, dt: 0.01, steps: 30, recordEvery: 10 });
    a.y.forEach((rec, r) => expectIdentical(rec, b.y[r], `record ${r}`));
  });

  it('per-member parameters equal to the shared ones give the same bits', () => {
    const shared = twin.run({ y0, params: LORENZ_P, t0: 0, dt: 0.01, steps: 50 });
    const member = twin.run({ y0, params: [...LORENZ_P, ...LORENZ_P], t0: 0, dt: 0.01, steps: 50 });
    expectIdentical(member.y[0], shared.y[0], 'member vs shared');
  });

  it('refuses malformed runs with clear messages', () => {
    expect(() => twin.run({ y0: [1, 2], params: LORENZ_P, dt: 0.1, steps: 1 })).toThrow(/multiple of 3/);
    expect(() => twin.run({ y0, params: [1, 2], dt: 0.1, steps: 1 })).toThrow(/expected 3 \(shared\) or 2×3/);
    expect(() => twin.run({ y0, params: LORENZ_P, dt: 0.1, steps: 0 })).toThrow(/steps/);
    expect(() => twin.run({ y0, params: LORENZ_P, steps: 1 })).toThrow(/dt/);
    expect(() => twin.run({ y0, params: LORENZ_P, dt: 0.1, t1: 1, steps: 1 })).toThrow(/not both/);
    expect(() => twin.run({ y0, params: LORENZ_P, dt: 0.1, steps: 5, recordSteps: [3, 2] })).toThrow(/increasing/);
    expect(() => twin.run({ y0, params: LORENZ_P, dt: 0.1, steps: 5, recordSteps: [6] })).toThrow(/\[1, 5\]/);
    const asyncOnly = keep(compileIntegrator(lorenz, { backend: 'async' }));
    expect(() => asyncOnly.run({ y0, params: LORENZ_P, dt: 0.1, steps: 1 })).toThrow(/runAsync/);
    expect(() => compileIntegrator(lorenz, { backend: 'webasm', precision: 'f64' })).toThrow(/float32/);
  });
});

describe('the auto rule', () => {
  it("f64 → the twin; f32 → the predicted-faster path, saying why", async () => {
    const f64 = keep(compileIntegrator(lorenz));
    const r = f64.run({ y0: [1, 1, 1], params: LORENZ_P, dt: 0.01, steps: 10 });
    expect([r.backend, r.reason]).toEqual(['f64', "precision 'f64': only the twin computes in f64"]);
    const f32 = keep(compileIntegrator(lorenz, { precision: 'f32' }));
    const big = new Float64Array(3 * 8192).fill(1);
    const ra = await f32.runAsync({ y0: big, params: LORENZ_P, dt: 0.001, steps: 20 });
    expect(ra.reason).toMatch(/predicted ms: twin [\d.]+, webasm [\d.]+/);
    expect(ra.backend).not.toBe('f64'); // polynomial arithmetic: the SIMD kernel is predicted ≥ 2× faster
    const rs = f32.run({ y0: big, params: LORENZ_P, dt: 0.001, steps: 20 });
    expect(rs.threaded).toBe(false);
  });

  it('chooseFused: transcendental-heavy steps stay on the twin; threading needs members and cores', () => {
    const poly = estimateStepCost({ add: 40, mul: 40 });
    const heavy = estimateStepCost({ add: 10, mul: 10, exp: 12 });
    const base = { precision: 'f32' as const, members: 10_000, steps: 1000, calls: 1 };
    expect(chooseFused({ ...base, cost: poly, async: false }).backend).toBe('webasm');
    expect(chooseFused({ ...base, cost: heavy, async: false }).backend).toBe('f64');
    expect(chooseFused({ ...base, cost: poly, async: true, cores: 2 }).backend).toBe('async');
    expect(chooseFused({ ...base, cost: poly, async: true, cores: 1 }).backend).toBe('webasm');
    expect(chooseFused({ ...base, members: FUSED_THREADING.minMembers - 1, cost: poly, async: true, cores: 2 }).backend).toBe('webasm');
    expect(poly.webasm).toBeLessThan(FUSED_MARGIN * poly.twin);
  });

  it('buildStep: RK4 is four stages of the drift, Euler one', () => {
    const rk = buildStep(lorenz), eu = buildStep(lorenz, { method: 'euler' });
    expect(rk.roots.length).toBe(3);
    expect(rk.lowering.nodes.length).toBeGreaterThan(3 * eu.lowering.nodes.length);
  });
});

describe('integrate() dispatches RK4 with final or sparse grid records to the fused twin', () => {
  const osc = sys(['x', 'v'], ['mu'], ['v', '-x + mu*(1 - x^2)*v']);
  const initial = [{ x: 1, v: 0 }, { x: 0.5, v: -1 }, { x: -2, v: 0.3 }];
  const params = [{ mu: 0.5 }, { mu: 1 }, { mu: 2 }];
  /** What integrate did before: compileRhs + ode.rk4 with the same options. */
  const direct = (record: 'final' | 'steps' | number[], steps: number, t1: number, sys0: System = osc,
    prm: Record<string, number>[] = params, init: Record<string, number>[] = initial, blowUp?: number) => {
    const nP = sys0.params.length, D = sys0.state.length;
    const P = new Float64Array(prm.length * nP);
    prm.forEach((p, b) => sys0.params.forEach((name, j) => { P[b * nP + j] = p[name]; }));
    const y0 = Float64Array.from(init.flatMap((s) => sys0.state.map((name) => s[name])));
    return rk4(compileRhs(sys0, { params: P }), y0, {
      t0: 0, t1, batch: init.length, dim: D, names: [...sys0.state], params: `${prm.length} parameter sets`, steps, record, ...(blowUp ? { blowUp } : {}),
    });
  };
  const same = (a: { t: Float64Array; y: Float64Array[]; stats: unknown }, b: { t: Float64Array; y: Float64Array[]; stats: unknown }) => {
    expectIdentical(a.t, b.t, 'times');
    expect(a.y.length).toBe(b.y.length);
    a.y.forEach((y, r) => expectIdentical(y, b.y[r], `record ${r}`));
    expect(a.stats).toEqual(b.stats);
  };

  it('same Trajectory, bit for bit; `ran` names the path', async () => {
    const { integrate } = await import('../../src/compile/dynamics.ts');
    const fin = integrate(osc, { params, initial, t1: 7, steps: 700, record: 'final' });
    expect(fin.ran.path).toBe('fused');
    same(fin, direct('final', 700, 7));
    const times = Array.from({ length: 8 }, (_, i) => i * 1);
    const grid = integrate(osc, { params, initial, t1: 7, steps: 700, record: times });
    expect(grid.ran.path).toBe('fused');
    same(grid, direct(times, 700, 7));
    const off = integrate(osc, { params, initial, t1: 7, steps: 700, record: [0.005, 1] });
    expect(off.ran).toEqual({ path: 'rk4', reason: 'record time 0.005 is between grid points (ode.rk4 interpolates): compileRhs + ode.rk4' });
    const dense = integrate(osc, { params, initial, t1: 7, steps: 70 });
    expect(dense.ran.path).toBe('rk4');
    same(dense, direct('steps', 70, 7));
  });

  it('the same DivergenceError: message, member, step, last state, partial records', async () => {
    const { integrate } = await import('../../src/compile/dynamics.ts');
    const blow = sys(['x', 'y'], ['a'], ['a*x^2', '-y']);
    const init = [{ x: 0.3, y: 1 }, { x: 0.9, y: 1 }, { x: 0.95, y: 2 }];
    const prm = [{ a: 1 }, { a: 1 }, { a: 1 }];
    const catchIt = (f: () => unknown) => { try { f(); } catch (e) { return e as DivergenceError<{ t: Float64Array; y: Float64Array[]; stats: unknown }>; } throw new Error('no divergence'); };
    for (const record of ['final', [0, 0.5, 1, 1.5, 2]] as const) {
      const a = catchIt(() => integrate(blow, { params: prm, initial: init, t1: 2, steps: 200, record: record as 'final' }));
      const b = catchIt(() => direct(record === 'final' ? 'final' : [...record], 200, 2, blow, prm, init));
      expect(a).toBeInstanceOf(DivergenceError);
      expect(a.message).toBe(b.message);
      expect([a.batchIndex, a.step, a.variable, a.t, a.value, a.lastTime, a.params]).toEqual([b.batchIndex, b.step, b.variable, b.t, b.value, b.lastTime, b.params]);
      expectIdentical(a.lastState!, b.lastState!, 'last state');
      same(a.partial, b.partial);
    }
  });
});
