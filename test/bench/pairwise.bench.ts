// N×N RBF Gram matrix (N = 2048, d = 64): the threaded GPU.js kernel
// ('async': webasm split over worker threads) against a single-threaded
// hand-written Float64Array loop, with the f64 twin, the single-threaded
// webasm kernel and the auto choice alongside. Goal: ≥ 1.8× on 2 cores.
// The side-by-side table is measured round-robin while the file is collected
// (vitest runs no afterAll in bench mode), so it prints before vitest's table.

import { availableParallelism } from 'node:os';
import { bench, describe } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { compilePairwise } from '../../src/compile/index.ts';

const N = 2048, d = 64, ELL = 4, REPEATS = 5;
const X = new Rng(7).fillUniform(new Float64Array(N * d), -1, 1);
const ell = new Float64Array([ELL]);

function handLoop(): Float64Array {
  const K = new Float64Array(N * N);
  const c = -1 / (2 * ELL * ELL);
  for (let i = 0; i < N; i++) {
    const oi = i * d;
    for (let j = 0; j < N; j++) {
      const oj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = X[oi + k] - X[oj + k];
        s += t * t;
      }
      K[i * N + j] = Math.exp(c * s);
    }
  }
  return K;
}

const rbf = parse('exp(-sqdist/(2*ell^2))');
const threaded = compilePairwise(rbf, { d, params: ['ell'], backend: 'async' });
const single = compilePairwise(rbf, { d, params: ['ell'], backend: 'webasm' });
const twin = compilePairwise(rbf, { d, params: ['ell'], backend: 'f64' });
const auto = compilePairwise(rbf, { d, params: ['ell'], precision: 'f32' });

const rows: { name: string; run: () => Float64Array | Promise<Float64Array> }[] = [
  { name: 'hand Float64Array loop, 1 thread (baseline)', run: handLoop },
  { name: 'GPU.js async kernel (f32, threaded)', run: () => threaded.runAsync(X, X, ell) as Promise<Float64Array> },
  { name: 'auto, f32, runAsync', run: () => auto.runAsync(X, X, ell) as Promise<Float64Array> },
  { name: 'GPU.js webasm kernel (f32, 1 thread, SIMD)', run: () => single.run(X, X, ell) as Float64Array },
  { name: 'f64 twin, 1 thread', run: () => twin.run(X, X, ell) as Float64Array },
];

async function measure(): Promise<void> {
  const times: number[][] = rows.map(() => []);
  const finals: Float64Array[] = [];
  for (const [i, row] of rows.entries()) finals[i] = await row.run(); // warm-up: kernel builds, JIT
  for (let r = 0; r < REPEATS; r++) {
    for (const [i, row] of rows.entries()) {
      const t0 = performance.now();
      finals[i] = await row.run();
      times[i].push(performance.now() - t0);
    }
  }
  const stats = times.map((ts) => {
    const s = [...ts].sort((a, b) => a - b);
    return { best: s[0], median: s[Math.floor(s.length / 2)] };
  });
  console.log(`\nRBF Gram matrix N = ${N}, d = ${d}, ${availableParallelism()} cores; best/median of ${REPEATS}, round-robin`);
  console.log(`auto (f32, runAsync) ran: ${auto.backend}${auto.threaded ? ' threaded' : ''} — ${auto.reason}`);
  console.log(`${'path'.padEnd(46)} ${'best ms'.padStart(8)} ${'median'.padStart(8)} ${'speed-up (best/median)'.padStart(24)}  max |ΔK|`);
  rows.forEach((row, i) => {
    let dev = 0;
    for (let k = 0; k < finals[0].length; k++) dev = Math.max(dev, Math.abs(finals[i][k] - finals[0][k]));
    const up = `${(stats[0].best / stats[i].best).toFixed(2)}× / ${(stats[0].median / stats[i].median).toFixed(2)}×`;
    console.log(`${row.name.padEnd(46)} ${stats[i].best.toFixed(0).padStart(8)} ${stats[i].median.toFixed(0).padStart(8)} ${up.padStart(24)}  ${dev.toExponential(1)}`);
  });
}

await measure();

describe(`pairwise RBF N = ${N}, d = ${d}`, () => {
  const opts = { iterations: 3, warmupIterations: 0, time: 0 };
  for (const row of rows.slice(0, 2)) bench(row.name, async () => { await row.run(); }, opts);
});
