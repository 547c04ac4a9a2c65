// N×N RBF Gram matrix (N = 2048, d = 64) through the compile layer's pairwise kernels,
// through the fair harness (interleaved rounds, medians, median of per-round ratios):
//   1. the f64 twin, 1 thread, against a hand-written Float64Array loop, 1 thread
//      (every entry to 1e-12 relative); the twin sums four columns j side by side (one
//      load of x_ik for four independent chains, each entry's bits those of a one-column
//      loop), the hand loop is the plain triple loop;
//   2. the GPU.js webasm kernel (f32, SIMD), 1 thread, against the same hand loop
//      (every entry to 2e-6 absolute: K ∈ (0, 1], f32 rounding of the distance and exp);
//   3. scaling: the threaded 'async' kernel on 2 threads against the same f32 kernel on
//      1 thread (the goal: ≥ 1.8× with two threads; every entry identical to 1e-7).
import { availableParallelism } from 'node:os';
import { bench, describe } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { compilePairwise } from '../../src/compile/index.ts';
import { checkClose, compare } from './harness.ts';

const N = 2048, d = 64, ELL = 4;
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
const hand = { label: 'hand Float64Array loop', threads: 1, run: handLoop };
const title = `RBF Gram matrix N = ${N}, d = ${d}`;

await compare({
  title: `${title}, f64`, rounds: 5, goal: 1,
  ours: { label: 'compilePairwise f64 twin', threads: 1, run: () => twin.run(X, X, ell) as Float64Array },
  baseline: hand,
  check: (a, b) => checkClose('K', a, b, { rel: 1e-12, abs: 1e-300 }),
});
await compare({
  title: `${title}, f32 kernel`, rounds: 5, goal: 1,
  ours: { label: 'compilePairwise webasm (f32, SIMD)', threads: 1, run: () => single.run(X, X, ell) as Float64Array },
  baseline: hand,
  noCold: true,
  check: (a, b) => checkClose('K', a, b, { rel: 0, abs: 2e-6 }),
});
const threads = Math.min(2, availableParallelism());
const scaling = await compare({
  title: `${title}, f32: scaling from 1 to ${threads} threads of the same kernel`, rounds: 5, goal: 1.8,
  ours: { label: "compilePairwise 'async' (f32, worker threads)", threads, run: () => threaded.runAsync(X, X, ell) as Promise<Float64Array> },
  baseline: { label: 'compilePairwise webasm (f32, SIMD), the same kernel on the calling thread', threads: 1, run: () => single.run(X, X, ell) as Float64Array },
  check: (a, b) => checkClose('K', a, b, { rel: 0, abs: 1e-7 }),
  note: 'a scaling figure (same kernel, 2 threads against 1): the goal is parallel speed-up, not a comparison with another implementation',
});

if (!scaling.met) {
  console.log(`  why the 1.8× goal is not met here (measured): during the threaded calls our process got ${scaling.oursCores.toFixed(2)} cores `
    + `(CPU time / wall time) of the ${threads} it asked for; a speed-up of 1.8× needs at least 1.8 cores (${scaling.load.split(' on ')[0]})`);
}

describe(`pairwise RBF N = ${N}, d = ${d} (vitest timing; the fair comparison prints above)`, () => {
  bench('f64 twin', () => { twin.run(X, X, ell); }, { iterations: 2, warmupIterations: 0, time: 0 });
});
