// An ensemble of 10^5 Lorenz systems (per-member σ, ρ, β), 100 RK4 steps through
// src/numeric/ode.ts's rk4: the compiled right-hand side (compileRhs: the f64 twin,
// which compile's auto rule picks for this light per-element work) against a
// hand-written Float64Array right-hand side through the same rk4, one thread each,
// through the fair harness. Every final state is checked element-wise (1e-12 relative:
// the same arithmetic in the same order). Goal: ≥ 1× the hand-written loop.
import { bench, describe } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { rk4 } from '../../src/numeric/index.ts';
import { compileRhs } from '../../src/compile/index.ts';
import { checkClose, compare } from './harness.ts';

const B = 100_000, D = 3, STEPS = 100, T1 = 1;

const lorenz: System = {
  state: ['x', 'y', 'z'],
  params: ['sigma', 'rho', 'beta'],
  drift: [parse('sigma*(y - x)'), parse('x*(rho - z) - y'), parse('x*y - beta*z')],
};

const rng = new Rng(2024);
const y0 = rng.fillUniform(new Float64Array(B * D), -5, 5);
const P = new Float64Array(B * 3);
for (let b = 0; b < B; b++) {
  P[3 * b] = 9 + 2 * rng.uniform();
  P[3 * b + 1] = 26 + 4 * rng.uniform();
  P[3 * b + 2] = 2.5 + 0.3 * rng.uniform();
}

function handRhs(_t: number, y: Float64Array, dy: Float64Array): void {
  for (let b = 0, o = 0; b < B; b++, o += 3) {
    const s = P[3 * b], r = P[3 * b + 1], be = P[3 * b + 2];
    const x0 = y[o], x1 = y[o + 1], x2 = y[o + 2];
    dy[o] = s * (x1 - x0);
    dy[o + 1] = x0 * (r - x2) - x1;
    dy[o + 2] = x0 * x1 - be * x2;
  }
}

const odeOpts = { t0: 0, t1: T1, steps: STEPS, batch: B, record: 'final' as const };

await compare({
  title: `ensemble RK4, ${B} Lorenz systems × ${STEPS} steps (per-member parameters, f64)`,
  ours: { label: 'compileRhs (f64 twin) through ode.rk4', threads: 1, run: () => rk4(compileRhs(lorenz, { params: P }), y0, odeOpts).final },
  baseline: { label: 'hand-written Float64Array right-hand side through ode.rk4', threads: 1, run: () => rk4(handRhs, y0, odeOpts).final },
  rounds: 7,
  goal: 1,
  check: (a, b) => checkClose('final states', a, b, { rel: 1e-12, abs: 1e-300 }),
});

describe(`ensemble RK4, ${B} Lorenz systems × ${STEPS} steps (vitest timing; the fair comparison prints above)`, () => {
  bench('compileRhs + ode.rk4', () => { rk4(compileRhs(lorenz, { params: P }), y0, odeOpts); }, { iterations: 2, warmupIterations: 0, time: 0 });
});
