// The effective particle model (docs/effective-dynamics.md C.2, C.3b) against NumPy
// (test/bench/effective_gan_numpy.py, one BLAS thread, served by pyserve.py) through the
// fair harness: interleaved rounds, medians, median of per-round ratios.
//  1. one full phase-diagram cell: N = 100 particles in 2-D against M = 100 ring8 targets,
//     ReLU critic [64], 5 full-batch SGD critic steps (weight decay 1e-4) on the WGAN
//     objective with λ(E_Q‖∇f‖² − 1), λ = 1.25, per particle step, 1000 particle steps,
//     two-number coupling; the final particles are compared element-wise;
//  2. the coupling alone at N = 4096, d = 2: two-number form (O(N d)), 1000 steps, and the
//     dense Gram form Θ V (O(N² d)), 10 steps.
import { bench, describe } from 'vitest';
import { Rng } from '../../src/numeric/index.ts';
import { NetworkCritic, couple, initialParticles, makeTargets, runParticles } from '../../src/models/effective-gan/index.ts';
import { PyBaseline, checkClose, compare, pythonHas } from './harness.ts';

const N = 100, STEPS = 1000, CRITIC_STEPS = 5, WIDTH = 64, LAMBDA = 1.25, LRD = 0.01, WD = 1e-4, LRG = 0.01, G1 = 1, G2 = 0.1;
const targets = makeTargets('ring8', N, 0.05, 1);
const X0 = initialParticles(N, 2, 0.1, 1);
const critic = () => new NetworkCritic({ d: 2, activation: 'relu', width: WIDTH, depth: 1, loss: 'wgan', penalty: 'full', lambda: LAMBDA, lrD: LRD, optimizer: 'sgd', weightDecay: WD, steps: CRITIC_STEPS, seed: 1 });
const theta0 = Float64Array.from(critic().net.params);
const cell = (steps: number) => runParticles({
  targets, N, kernel: { kind: 'two-number', g1: G1, g2: G2 }, coupling: 'sum', lrG: LRG, steps, critic: critic(), initStd: 0.1, seed: 1, every: steps, blowup: 1e6,
}).final.data;

const NC = 4096, D = 2, TWO_STEPS = 1000, GRAM_STEPS = 10, LR = 1e-4;
const V0 = new Rng(7).fillNormal(new Float64Array(NC * D));
const theta = new Float64Array(NC * NC);
{ const r = new Rng(8); for (let i = 0; i < NC; i++) for (let j = 0; j <= i; j++) { const v = i === j ? 1 : 0.1 + 0.01 * r.normal(); theta[i * NC + j] = v; theta[j * NC + i] = v; } }
const runTwo = () => { const V = Float64Array.from(V0), u = new Float64Array(NC * D); for (let s = 0; s < TWO_STEPS; s++) { couple({ kind: 'two-number', g1: G1, g2: G2 }, V, NC, D, 'sum', u); for (let k = 0; k < V.length; k++) V[k] += LR * u[k]; } return V; };
const gram = { kind: 'gram' as const, theta: { data: theta, rows: NC, cols: NC } };
const runGram = () => { const V = Float64Array.from(V0), u = new Float64Array(NC * D); for (let s = 0; s < GRAM_STEPS; s++) { couple(gram, V, NC, D, 'sum', u); for (let k = 0; k < V.length; k++) V[k] += LR * u[k]; } return V; };

const status = pythonHas('numpy');
if (!status.ok) {
  console.log(`effective-gan bench: NumPy comparison skipped (${status.why})`);
} else {
  const py = new PyBaseline('effective_gan_numpy.py', 1);
  try {
    await compare({
      title: `effective-gan: one phase-diagram cell, N = M = ${N}, d = 2, ReLU critic [${WIDTH}], ${CRITIC_STEPS} SGD critic steps per particle step, ${STEPS} particle steps`,
      ours: { label: 'runParticles + NetworkCritic (Float64Array loops)', threads: 1, run: () => cell(STEPS) },
      baseline: {
        label: 'NumPy whole-batch matmuls', threads: 1, selfTimed: true,
        prepare: async () => { await py.call('load_cell', { params: py.file('theta.f64', theta0), P: py.file('P.f64', targets.points.data), X0: py.file('X0.f64', X0.data), d: 2, width: WIDTH, lam: LAMBDA, N, M: N }); },
        run: async () => { const r = await py.call('run_cell', { steps: STEPS, critic_steps: CRITIC_STEPS, lrD: LRD, wd: WD, lrG: LRG, g1: G1, g2: G2 }, true); return { output: r.data!, seconds: r.seconds }; },
      },
      rounds: 3, goal: 1, rate: { perCall: STEPS, unit: 'particle steps/s' },
      // 5000 critic steps through ReLU kinks: rounding differences (summation order of the
      // matmuls) grow over the run; the check bounds them, it does not claim bitwise equality.
      check: (a, b) => checkClose('final particles', a, b, { rel: 1e-6, abs: 1e-8 }),
    });
    await py.call('load_coupling', { V: py.file('V.f64', V0), theta: py.file('T.f64', theta), N: NC, d: D });
    await compare({
      title: `effective-gan: two-number coupling, N = ${NC}, d = ${D}, ${TWO_STEPS} steps`,
      ours: { label: 'couple() two-number, O(N d)', threads: 1, run: runTwo },
      baseline: py.side('NumPy (g1 − g2) V + g2 ΣV', 'run_two', { steps: TWO_STEPS, g1: G1, g2: G2, lr: LR }, true) as never,
      rounds: 5, goal: 1, rate: { perCall: TWO_STEPS, unit: 'steps/s' },
      check: (a: Float64Array, b: Float64Array | null) => checkClose('V after the steps', a, b!, { rel: 1e-12, abs: 1e-14 }),
    });
    await compare({
      title: `effective-gan: dense Gram coupling Θ V, N = ${NC}, d = ${D}, ${GRAM_STEPS} steps`,
      ours: { label: 'couple() gram, Float64Array loops', threads: 1, run: runGram },
      baseline: py.side('NumPy Θ @ V (BLAS, 1 thread)', 'run_gram', { steps: GRAM_STEPS, lr: LR }, true) as never,
      rounds: 3, goal: 1, rate: { perCall: GRAM_STEPS, unit: 'steps/s' },
      note: 'memory-bound: each step streams Θ (134 MB); a plain loop reads it no faster than BLAS dgemv. The two-number form above is what the model uses by default.',
      check: (a: Float64Array, b: Float64Array | null) => checkClose('V after the steps', a, b!, { rel: 1e-10, abs: 1e-12 }),
    });
  } finally {
    await py.close();
  }
}

describe('effective-gan (vitest timing; the fair comparison prints above)', () => {
  bench('50 particle steps of the default cell', () => { cell(50); }, { time: 500 });
});
