// The NTK-GAN particle flow's costs (src/models/ntk-gan): the kernel field
// f(x_i), ∇f(x_i) for N = 500 particles against |S| = 1000 centres (ReLU NTK,
// depth 3, d = 2: symbolic gradient, compiled f64 twin), the LSGAN coefficients
// on |S| = 1000 by Lanczos and on |S| = 400 by the full eigendecomposition, the
// vanilla kernel ODE (dopri5) on |S| = 400, and one whole IPM generator step at
// N = M = 500 (GAN(TK)²'s eight-Gaussians size).
// Through the fair harness (outside baseline): the Gram matrix on S, |S| = 1000, against
// the same NTK recursion in NumPy (test/bench/ntk_numpy.py), one thread each, every entry
// checked. The other rows are vitest timings of our own paths (no outside baseline yet).
import { bench, describe } from 'vitest';
import { PyBaseline, checkClose, compare, pythonHas } from './harness.ts';
import { dataset } from '../../src/models/ntk-gan/index.ts';
import { parseGanKernel } from '../../src/models/ntk-gan/index.ts';
import { infiniteDiscriminator, trainingSet } from '../../src/models/ntk-gan/index.ts';
import { particleVelocities, solveDiscriminator } from '../../src/models/ntk-gan/index.ts';

const relu = parseGanKernel('relu', 2);
const big = dataset('eight_gaussians', { particles: 500, targets: 500, seed: 1 });
const small = dataset('eight_gaussians', { particles: 200, targets: 200, seed: 1 });
const trainBig = trainingSet(big.source, big.target), trainSmall = trainingSet(small.source, small.target);
const gramBig = relu.matrix(trainBig.S), gramSmall = relu.matrix(trainSmall.S);
const coef = Float64Array.from(trainBig.w, (w, i) => w * trainBig.ybar[i]);

if (pythonHas('numpy').ok) {
  const S = trainBig.S as { data: Float64Array; rows: number; cols: number };
  const py = new PyBaseline('ntk_numpy.py', 1);
  try {
    const info = await py.call('load', { path: py.file('s.f64', S.data), n: S.rows, d: S.cols });
    const n = S.rows;
    await compare({
      title: `ntk-gan discriminator Gram matrix on S, |S| = ${n}, d = ${S.cols} (preset 'relu': depth-3 ReLU NTK, W = 1, b = 1, no output bias)`,
      ours: { label: "parseGanKernel('relu').matrix(S) (kernels(), f64)", threads: 1, run: () => relu.matrix(trainBig.S).data },
      baseline: py.side(`NumPy ${String(info.numpy)} vectorised recursion`, 'gram', { depth: 3, w_std: 1, b_std: 1, w_list: [1, 1, 1, 1], b_list: [1, 1, 1, 0] }, true),
      rounds: 7,
      goal: 1,
      // NumPy's diagonal is O(√eps) off through arctan2 (ours uses ρ = 1 exactly there)
      check: (a, b) => checkClose('NTK', a, b!.subarray(n * n), { rel: 1e-7 }),
    });
  } finally {
    await py.close();
  }
} else {
  console.log('ntk-gan bench: NumPy comparison skipped (numpy not importable)');
}

describe('ntk-gan (vitest timings of our own paths)', () => {
  bench('field: f and ∇f, 500 × 1000 pairs (ReLU NTK, depth 3)', () => { relu.field(big.source, trainBig.S, coef); }, { iterations: 5, warmupIterations: 1 });
  bench('Gram matrix on S, |S| = 1000 (kernels())', () => { relu.matrix(trainBig.S); }, { iterations: 5, warmupIterations: 1 });
  bench('LSGAN coefficients, |S| = 1000, Lanczos', () => { infiniteDiscriminator(relu, trainBig, { loss: 'lsgan', t: 1, spectral: 'lanczos', gram: gramBig }); }, { iterations: 5, warmupIterations: 1 });
  bench('LSGAN coefficients, |S| = 400, eigendecomposition', () => { infiniteDiscriminator(relu, trainSmall, { loss: 'lsgan', t: 1, spectral: 'eigen', gram: gramSmall }); }, { iterations: 3, warmupIterations: 1 });
  bench('vanilla kernel ODE, |S| = 400, dopri5 rtol 1e-11', () => { infiniteDiscriminator(relu, trainSmall, { loss: 'vanilla', t: 1, gram: gramSmall }); }, { iterations: 5, warmupIterations: 1 });
  for (const loss of ['ipm', 'lsgan'] as const) {
    bench(`one ${loss} generator step (solve + velocities), N = M = 500`, () => {
      const disc = solveDiscriminator(big.source, big.target, { loss, kernel: relu, steps: 1, lrG: 1000 });
      particleVelocities(disc, big.source, 1000);
    }, { iterations: 3, warmupIterations: 1 });
  }
});
