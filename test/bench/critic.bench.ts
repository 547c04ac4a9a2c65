// Full-batch training steps of the MLP critic (src/ntk/critic.ts) on the penalised
// WGAN objective of papers.md C.3b, L = −(E_P f − E_Q f) + λ(E_Q‖∇f‖² − 1) (exact
// parameter gradient: backprop, tangent pass, reverse through both), plus an Adam
// update, against the same step in NumPy (test/bench/critic_numpy.py: whole-batch
// matmuls, one BLAS thread; served by pyserve.py) through the fair harness:
// interleaved rounds, medians, median of per-round ratios. Each call runs `steps`
// steps from the same initial parameters with a fresh Adam state on both sides, so
// the parameters after them are compared element-wise.
//   Sizes: the effective-GAN 2-D critic (d = 2, tanh, hidden [64, 64], 256 + 256 rows)
//   and the MNIST-sized one (d = 784, relu, hidden [128], 100 + 100 rows).
import { bench, describe } from 'vitest';
import { MlpCritic, Optimizer, criticObjective, type CriticActivation, type CriticObjective } from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { PyBaseline, checkClose, compare, pythonHas } from './harness.ts';

const CASES: { d: number; hidden: number[]; act: CriticActivation; n: number; steps: number }[] = [
  { d: 2, hidden: [64, 64], act: 'tanh', n: 256, steps: 10 },
  { d: 784, hidden: [128], act: 'relu', n: 100, steps: 5 },
];
const LAMBDA = 1.25, LR = 1e-3, ROUNDS = 7;

function setup(c: typeof CASES[number]) {
  const critic = new MlpCritic({ d: c.d, hidden: c.hidden, activation: c.act, seed: 1 });
  const P = new Rng(2).fillNormal(new Float64Array(c.n * c.d), 1, 1);
  const Q = new Rng(3).fillNormal(new Float64Array(c.n * c.d), -1, 1);
  const theta0 = Float64Array.from(critic.params);
  const objective: CriticObjective = { loss: 'wgan', penalty: { kind: 'fake-unit', lambda: LAMBDA } };
  const grad = new Float64Array(critic.size);
  const run = (): Float64Array => {
    critic.params.set(theta0);
    const opt = new Optimizer(critic.size, { kind: 'adam', learningRate: LR });
    for (let s = 0; s < c.steps; s++) {
      criticObjective(critic, objective, P, c.n, Q, c.n, { grad });
      opt.step(critic.params, grad);
    }
    return Float64Array.from(critic.params);
  };
  return { critic, P, Q, theta0, run };
}

const status = pythonHas('numpy');
if (!status.ok) {
  console.log(`critic bench: NumPy comparison skipped (${status.why})`);
} else {
  const py = new PyBaseline('critic_numpy.py', 1);
  try {
    for (const c of CASES) {
      const s = setup(c);
      await compare({
        title: `critic: ${c.steps} Adam steps of WGAN + λ(E_Q‖∇f‖² − 1), d = ${c.d}, ${c.act} hidden [${c.hidden.join(', ')}] (${s.critic.size} parameters), ${c.n} + ${c.n} rows`,
        ours: { label: 'criticObjective + Optimizer (Float64Array loops)', threads: 1, run: s.run },
        baseline: {
          label: 'NumPy whole-batch matmuls', threads: 1, selfTimed: true,
          prepare: async () => {
            await py.call('load', {
              params: py.file('theta.f64', s.theta0), P: py.file('P.f64', s.P), Q: py.file('Q.f64', s.Q),
              d: c.d, hidden: c.hidden, act: c.act, lam: LAMBDA, nP: c.n, nQ: c.n,
            });
          },
          run: async () => { const r = await py.call('run', { steps: c.steps, lr: LR }, true); return { output: r.data!, seconds: r.seconds }; },
        },
        rounds: ROUNDS,
        rate: { perCall: c.steps, unit: 'steps/s' },
        // Adam divides by √v̂ + ε: a gradient that is 0 in exact arithmetic (the readout
        // bias: Σ w_i = 0) but ~1e-17 after rounding moves by up to η·1e-17/ε = 1e-12
        // per step on one side only, hence abs 1e-10.
        check: (a, b) => checkClose('parameters after the steps', a, b, { rel: 1e-9, abs: 1e-10 }),
      });
    }
  } finally {
    await py.close();
  }
}

describe('critic step (vitest timing; the fair comparison prints above)', () => {
  const s = setup(CASES[0]);
  bench('10 Adam steps, d = 2, tanh [64, 64], 256 + 256 rows', () => { s.run(); }, { time: 500 });
});
