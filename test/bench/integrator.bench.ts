// Fused integrators (src/compile/integrator.ts) through the fair harness (interleaved
// rounds, medians, median of per-round ratios, one thread each):
//   1. Lorenz, 10^5 members × 100 RK4 steps (dt = 0.01), shared parameters, final state:
//      the fused f64 twin against a hand-written fused Float64Array loop that makes the
//      same per-step divergence test the fused paths make (an unchecked loop would not be
//      the same work); every final state to 1e-12 relative. Goal: ≥ 1×.
//   2. The solvable-GAN phase-diagram members: 10^4 (eta, tau) members, parameters per
//      member, the derived d = 1 ODE to T = 50 (1000 RK4 steps): the fused twin (form
//      'collected', flush < 1e-100, what phaseDiagram runs) against compileRhs + ode.rk4
//      (the unfused path); every final state to 1e-8 relative (other rounding: collected
//      polynomials). Goal: ≥ 2×.
import { bench, describe } from 'vitest';
import { compileIntegrator } from '../../src/compile/index.ts';
import { compileRhs } from '../../src/compile/index.ts';
import { rk4 } from '../../src/numeric/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import { deriveOverlapOde } from '../../src/models/solvable-gan/index.ts';
import { defaultInit, defaultSpec, overlapsToState, paramValues, stateNames, type SolvableGanSpec } from '../../src/models/solvable-gan/index.ts';
import { checkClose, compare } from './harness.ts';

const lorenz: System = {
  state: ['x', 'y', 'z'], params: ['sigma', 'rho', 'beta'],
  drift: [parse('sigma*(y - x)'), parse('x*(rho - z) - y'), parse('x*y - beta*z')],
};
const LB = 100_000, LSTEPS = 100, LDT = 0.01;
const LP = new Float64Array([10, 28, 8 / 3]);
const ly0 = new Rng(7).fillUniform(new Float64Array(LB * 3), -10, 10);
for (let b = 0; b < LB; b++) ly0[b * 3 + 2] += 25;

/** The same loop with the per-step divergence test every fused path performs (|y_i| ≤ 1e12, NaN fails). */
function handLorenzChecked(y: Float64Array, sigma: number, rho: number, beta: number, h: number, n: number): Float64Array {
  const out = new Float64Array(y.length);
  const half = 0.5 * h, h6 = h / 6, u = 1e12;
  for (let o = 0; o < y.length; o += 3) {
    let x = y[o], v = y[o + 1], z = y[o + 2];
    for (let s = 0; s < n; s++) {
      const k1x = sigma * (v - x), k1y = x * (rho - z) - v, k1z = x * v - beta * z;
      const x2 = x + half * k1x, y2 = v + half * k1y, z2 = z + half * k1z;
      const k2x = sigma * (y2 - x2), k2y = x2 * (rho - z2) - y2, k2z = x2 * y2 - beta * z2;
      const x3 = x + half * k2x, y3 = v + half * k2y, z3 = z + half * k2z;
      const k3x = sigma * (y3 - x3), k3y = x3 * (rho - z3) - y3, k3z = x3 * y3 - beta * z3;
      const x4 = x + h * k3x, y4 = v + h * k3y, z4 = z + h * k3z;
      const k4x = sigma * (y4 - x4), k4y = x4 * (rho - z4) - y4, k4z = x4 * y4 - beta * z4;
      const nx = x + h6 * (k1x + 2 * (k2x + k3x) + k4x);
      const ny = v + h6 * (k1y + 2 * (k2y + k3y) + k4y);
      const nz = z + h6 * (k1z + 2 * (k2z + k3z) + k4z);
      if (!(Math.abs(nx) <= u && Math.abs(ny) <= u && Math.abs(nz) <= u)) throw new Error(`diverged at member ${o / 3}, step ${s + 1}`);
      x = nx; v = ny; z = nz;
    }
    out[o] = x; out[o + 1] = v; out[o + 2] = z;
  }
  return out;
}

const twin = compileIntegrator(lorenz, { backend: 'f64' });
await compare({
  title: `Lorenz, ${LB} members × ${LSTEPS} RK4 steps, shared parameters, final state (f64)`,
  ours: { label: 'compileIntegrator f64 twin (as written)', threads: 1, run: () => twin.run({ y0: ly0, params: LP, t0: 0, dt: LDT, steps: LSTEPS }).y[0] },
  baseline: { label: 'hand-written fused Float64Array loop with the same divergence test', threads: 1, run: () => handLorenzChecked(ly0, LP[0], LP[1], LP[2], LDT, LSTEPS) },
  rounds: 7,
  goal: 1,
  check: (a, b) => checkClose('final states', a, b, { rel: 1e-12, abs: 1e-12 }),
});

// ---------- the phase-diagram members ----------
const GRID = 100;
const etas = Array.from({ length: GRID }, (_, i) => 0.5 + (i * 4.5) / (GRID - 1));
const taus = Array.from({ length: GRID }, (_, i) => 0.02 + (i * 0.98) / (GRID - 1));
const base = defaultSpec(1);
const gan = deriveOverlapOde(1, base.normalization);
const D = gan.state.length, nP = gan.params.length;
const specs: SolvableGanSpec[] = [];
for (const tau of taus) for (const eta of etas) specs.push({ ...base, tau, eta_T: eta, eta_G: eta });
const B = specs.length;
const P = new Float64Array(B * nP);
specs.forEach((s, b) => { const v = paramValues(s); gan.params.forEach((p, j) => { P[b * nP + j] = v[p]; }); });
const x0 = overlapsToState(defaultInit(1), 1);
const order = stateNames(1).map((n) => gan.state.indexOf(n));
const y0 = new Float64Array(B * D);
for (let b = 0; b < B; b++) for (let i = 0; i < D; i++) y0[b * D + order[i]] = x0[i];
const T = 50, dt = 0.05, steps = Math.round(T / dt);
const collected = compileIntegrator(gan, { backend: 'f64', form: 'collected' });
await compare({
  title: `solvable-GAN phase-diagram members: ${B} members (parameters per member) × ${steps} RK4 steps, final state (f64)`,
  ours: { label: "compileIntegrator f64 twin, form 'collected', flush < 1e-100", threads: 1, run: () => collected.run({ y0, params: P, t0: 0, t1: T, steps, flushBelow: 1e-100 }).y[0] },
  baseline: { label: 'compileRhs + ode.rk4 (unfused)', threads: 1, run: () => rk4(compileRhs(gan, { params: P }), y0, { t0: 0, t1: T, steps, batch: B, dim: D, record: 'final' }).final },
  rounds: 3,
  goal: 2,
  check: (a, b) => checkClose('final states', a, b, { rel: 1e-8, abs: 1e-90 }),
});
twin.dispose();
collected.dispose();

describe('fused integrators, small batches (vitest timing; the fair comparison prints above)', () => {
  const small = { y0: ly0.subarray(0, 3 * 10_000), params: LP, t0: 0, dt: LDT, steps: LSTEPS };
  const t = compileIntegrator(lorenz, { backend: 'f64' });
  bench('Lorenz 10^4 × 100, fused twin', () => { t.run(small); }, { iterations: 5, time: 0 });
});
