// An ensemble of 10^5 Lorenz systems (three-variable polynomial right-hand
// side, per-member σ, ρ, β), 100 RK4 steps: the path the compile layer picks
// (compileRhs → the f64 twin, which is also what compile's auto rule picks
// for this light per-element work) against GPU.js kernels (webasm, and async
// = threaded webasm) and a hand-written Float64Array loop.
//
// Sync right-hand sides run through src/numeric/ode.ts's rk4; the async
// kernel needs an awaiting integrator, so a minimal local RK4 runs it, with
// the hand loop through the same local RK4 as its baseline. The side-by-side
// table is measured while the file is collected (vitest runs no afterAll in
// bench mode), so it prints before vitest's own table.

import { bench, describe } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { rk4 } from '../../src/numeric/index.ts';
import { compile, compileRhs } from '../../src/compile/index.ts';

const B = 100_000, D = 3, STEPS = 100, T1 = 1, REPEATS = 5;

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

type Rhs = (t: number, y: Float64Array, dydt: Float64Array) => void;

function handRhs(_t: number, y: Float64Array, dy: Float64Array): void {
  for (let b = 0, o = 0; b < B; b++, o += 3) {
    const s = P[3 * b], r = P[3 * b + 1], be = P[3 * b + 2];
    const x0 = y[o], x1 = y[o + 1], x2 = y[o + 2];
    dy[o] = s * (x1 - x0);
    dy[o + 1] = x0 * (r - x2) - x1;
    dy[o + 2] = x0 * x1 - be * x2;
  }
}

const picked = compileRhs(lorenz, { params: P });
const autoF32 = compile(lorenz, { precision: 'f32' });
autoF32.run(y0, P);
const webasm = compile(lorenz, { backend: 'webasm' });
const threaded = compile(lorenz, { backend: 'async' });
const webasmRhs: Rhs = (_t, y, dy) => { webasm.run(y, P, dy); };

const odeOpts = { t0: 0, t1: T1, steps: STEPS, batch: B, record: 'final' as const };
const viaOde = (rhs: Rhs) => rk4(rhs, y0, odeOpts).final;

/** Minimal classical RK4, awaiting each right-hand side (same stages as ode.ts). */
async function localRk4(rhs: (t: number, y: Float64Array, dy: Float64Array) => unknown): Promise<Float64Array> {
  const n = y0.length, h = T1 / STEPS;
  const y = Float64Array.from(y0);
  const k1 = new Float64Array(n), k2 = new Float64Array(n), k3 = new Float64Array(n), k4 = new Float64Array(n);
  const tmp = new Float64Array(n);
  for (let s = 0; s < STEPS; s++) {
    const t = s * h;
    await rhs(t, y, k1);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + 0.5 * h * k1[i];
    await rhs(t + 0.5 * h, tmp, k2);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + 0.5 * h * k2[i];
    await rhs(t + 0.5 * h, tmp, k3);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * k3[i];
    await rhs(t + h, tmp, k4);
    const h6 = h / 6;
    for (let i = 0; i < n; i++) y[i] += h6 * (k1[i] + 2 * (k2[i] + k3[i]) + k4[i]);
  }
  return y;
}

interface Row { name: string; run: () => Float64Array | Promise<Float64Array> }
const rows: Row[] = [
  { name: 'hand Float64Array loop, ode.rk4 (baseline)', run: () => viaOde(handRhs) },
  { name: 'picked: compileRhs (f64 twin), ode.rk4', run: () => viaOde(picked) },
  { name: 'GPU.js webasm kernel (f32), ode.rk4', run: () => viaOde(webasmRhs) },
  { name: 'hand Float64Array loop, local async rk4', run: () => localRk4(handRhs) },
  { name: 'GPU.js async kernel (f32, threaded), local async rk4', run: () => localRk4((_t, y, dy) => threaded.runAsync(y, P, dy)) },
];

/** Round-robin over the rows (so load from other processes hits all alike); best and median per row. */
async function measure(): Promise<void> {
  const times: number[][] = rows.map(() => []);
  const finals: Float64Array[] = [];
  for (let r = 0; r < REPEATS; r++) {
    for (const [i, row] of rows.entries()) {
      const t0 = performance.now();
      finals[i] = await row.run();
      times[i].push(performance.now() - t0);
    }
  }
  const reference = finals[0];
  const results = rows.map((row, i) => {
    let dev = 0;
    for (let k = 0; k < reference.length; k++) dev = Math.max(dev, Math.abs(finals[i][k] - reference[k]) / (1 + Math.abs(reference[k])));
    const sorted = [...times[i]].sort((a, b) => a - b);
    return { name: row.name, best: sorted[0], median: sorted[Math.floor(sorted.length / 2)], dev };
  });
  const base = results[0].best;
  console.log(`\nEnsemble RK4: ${B} Lorenz systems (per-member σ, ρ, β), ${STEPS} steps, best/median of ${REPEATS}`);
  console.log(`auto rule for compile(lorenz, { precision: 'f32' }) at this batch: ${autoF32.backend} — ${autoF32.reason}`);
  console.log(`${'path'.padEnd(56)} ${'best ms'.padStart(9)} ${'median'.padStart(9)} ${'vs hand'.padStart(8)}  max rel. dev. from hand`);
  for (const r of results) {
    console.log(`${r.name.padEnd(56)} ${r.best.toFixed(0).padStart(9)} ${r.median.toFixed(0).padStart(9)} ${(base / r.best).toFixed(2).padStart(7)}×  ${r.dev.toExponential(1)}`);
  }
}

await measure();

describe(`ensemble RK4, ${B} Lorenz systems × ${STEPS} steps`, () => {
  const opts = { iterations: 2, warmupIterations: 0, time: 0 };
  for (const row of rows) bench(row.name, async () => { await row.run(); }, opts);
});
