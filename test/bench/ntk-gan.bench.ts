// The NTK-GAN particle flow's costs (src/models/ntk-gan): the kernel field
// f(x_i), ∇f(x_i) for N = 500 particles against |S| = 1000 centres (ReLU NTK,
// depth 3, d = 2: symbolic gradient, compiled f64 twin), the LSGAN coefficients
// on |S| = 1000 by Lanczos and on |S| = 400 by the full eigendecomposition, the
// vanilla kernel ODE (dopri5) on |S| = 400, and one whole IPM generator step at
// N = M = 500 (GAN(TK)²'s eight-Gaussians size).
// Through the fair harness (outside baseline): the Gram matrix on S, |S| = 1000, against
// the same NTK recursion in NumPy (test/bench/ntk_numpy.py), and the 'rbf' kernel's Gram
// against NumPy's exp of |x|² + |s|² − 2x·s (test/bench/ntk_paths_numpy.py), one thread each,
// every entry checked. The other rows are vitest timings of our own paths (no outside baseline yet).
import { bench, describe } from 'vitest';
import { PyBaseline, checkClose, compare, pythonHas } from './harness.ts';
import { dataset } from '../../src/models/ntk-gan/index.ts';
import { parseGanKernel } from '../../src/models/ntk-gan/index.ts';
import { infiniteDiscriminator, trainingSet } from '../../src/models/ntk-gan/index.ts';
import { particleVelocities, solveDiscriminator } from '../../src/models/ntk-gan/index.ts';

const relu = parseGanKernel('relu', 2), rbf = parseGanKernel('rbf', 2);
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
      rounds: 15,
      goal: 1,
      // NumPy's diagonal is O(√eps) off through arctan2 (ours uses ρ = 1 exactly there)
      check: (a, b) => checkClose('NTK', a, b!.subarray(n * n), { rel: 1e-7 }),
    });
  } finally {
    await py.close();
  }
  const EPS = 2 ** -52;
  let maxNorm2 = 0;
  for (let i = 0; i < S.rows; i++) {
    let t = 0;
    for (let k = 0; k < S.cols; k++) t += S.data[i * S.cols + k] ** 2;
    maxNorm2 = Math.max(maxNorm2, t);
  }
  const pr = new PyBaseline('ntk_paths_numpy.py', 1);
  try {
    const info = await pr.call('load', { path: pr.file('s.f64', S.data), n: S.rows, d: S.cols });
    const n = S.rows;
    await compare({
      title: `ntk-gan discriminator Gram matrix on S, |S| = ${n}, d = ${S.cols} (kernel 'rbf': exp(−|x − s|²/(2d)))`,
      ours: { label: "parseGanKernel('rbf').matrix(S) (pairwise f64 twin on |x − s|², symmetric)", threads: 1, run: () => rbf.matrix(trainBig.S).data },
      baseline: pr.side(`NumPy ${String(info.numpy)} exp of |x|² + |s|² − 2 x·s (one BLAS product)`, 'rbf', { gamma: 0.5 }, true),
      rounds: 15,
      goal: 1,
      // NumPy's |x|² + |s|² − 2x·s cancels: each of the three terms and the two sums round, so its
      // absolute error is ≤ 5 eps (|x|² + |s|² + 2|x||s|) ≤ 20 eps max|x|²; ours sums (x − s)² directly,
      // ≤ (d + 1) eps |x − s|² ≤ 4(d + 1) eps max|x|². In k = exp(−γ|x − s|²/d) the two give a relative
      // difference ≤ (γ/d)·(20 + 4(d + 1)) eps max|x|², plus the two exps' rounding (≤ 4 eps).
      check: (a, b) => checkClose('k', a, b!, { rel: (0.5 / S.cols) * (20 + 4 * (S.cols + 1)) * EPS * maxNorm2 + 4 * EPS, abs: 1e-300 }),
    });
  } finally {
    await pr.close();
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
