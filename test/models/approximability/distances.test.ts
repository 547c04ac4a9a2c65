import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Rng, transportW1, w1Samples, w1Samples1d, w1Gaussian1d, w2Gaussian, w2GaussianSquared, klGaussian, klExponentialFamily, meanWithError, normalQuantile,
} from '../../../src/numeric/index.ts';

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

describe('exact W1 between point sets', () => {
  it('equals the best assignment (brute force over permutations) for uniform weights', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (n, d, seed) => {
      const rng = new Rng(seed);
      const X = new Float64Array(n * d), Y = new Float64Array(n * d);
      rng.fillNormal(X); rng.fillNormal(Y);
      let best = Infinity;
      for (const p of permutations(n)) {
        let c = 0;
        for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k < d; k++) s += (X[i * d + k] - Y[p[i] * d + k]) ** 2; c += Math.sqrt(s) / n; }
        best = Math.min(best, c);
      }
      expect(w1Samples(X, n, Y, n, d)).toBeCloseTo(best, 10);
      const r = transportW1(new Float64Array(n).fill(1), X, new Float64Array(n).fill(1), Y, d);
      expect(r.cost).toBeCloseTo(best, 10);
    }), { numRuns: 40 });
  });

  it('the Hungarian and the transportation-LP paths agree on larger samples', () => {
    const rng = new Rng(9);
    const n = 60, d = 4, X = rng.fillNormal(new Float64Array(n * d)), Y = rng.fillNormal(new Float64Array(n * d), 0.2, 1.5);
    const lp = transportW1(new Float64Array(n).fill(1), X, new Float64Array(n).fill(1), Y, d).cost;
    expect(Math.abs(w1Samples(X, n, Y, n, d) - lp)).toBeLessThan(1e-12 * lp);
  });

  it('equals ∫|F − G| in 1-D for samples of different sizes, and the plan has the right marginals', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 1e6 }), (n, m, seed) => {
      const rng = new Rng(seed);
      const x = new Float64Array(n), y = new Float64Array(m);
      rng.fillNormal(x); rng.fillNormal(y, 0.3, 2);
      const r = transportW1(new Float64Array(n).fill(1), x, new Float64Array(m).fill(1), y, 1);
      expect(r.cost).toBeCloseTo(w1Samples1d(x, y), 10);
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < m; j++) s += r.plan[i * m + j]; expect(s).toBeCloseTo(1 / n, 12); }
      for (let j = 0; j < m; j++) { let s = 0; for (let i = 0; i < n; i++) s += r.plan[i * m + j]; expect(s).toBeCloseTo(1 / m, 12); }
    }), { numRuns: 40 });
  });

  it('weighted: two atoms each, against the closed form', () => {
    // a = (0.3 at 0, 0.7 at 1), b = (0.5 at 0, 0.5 at 3): the 0.3 at 0 stays, 0.2 goes from 1 to 0
    // (cost 0.2) and 0.5 from 1 to 3 (cost 1.0)
    const r = transportW1([0.3, 0.7], [0, 1], [0.5, 0.5], [0, 3], 1);
    expect(r.cost).toBeCloseTo(1.2, 12);
    expect(r.cost).toBeCloseTo(w1Samples1d([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 3, 3, 3, 3, 3]), 12);
  });
});

describe('Gaussian distances', () => {
  it('W1 of 1-D Gaussians equals ∫|F⁻¹ − G⁻¹| by quadrature on the quantiles', () => {
    fc.assert(fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true }), (m1, s1, m2, s2) => {
      const N = 20000;
      let q = 0;
      for (let i = 0; i < N; i++) { const z = normalQuantile((i + 0.5) / N); q += Math.abs(m1 - m2 + (s1 - s2) * z) / N; }
      expect(Math.abs(w1Gaussian1d(m1, s1, m2, s2) - q)).toBeLessThan(2e-3 * (1 + Math.abs(s1 - s2)));
    }), { numRuns: 30 });
  });

  it('W2: Δm² + Δs² in 1-D, the diagonal formula for commuting covariances, W1 ≤ W2', () => {
    expect(w2GaussianSquared([1], [4], [0], [1], 1)).toBeCloseTo(1 + 1, 12);
    const d = 3, S1 = [1, 0, 0, 0, 4, 0, 0, 0, 9], S2 = [4, 0, 0, 0, 1, 0, 0, 0, 0.25];
    expect(w2GaussianSquared([0, 0, 0], S1, [1, 1, 0], S2, d)).toBeCloseTo(2 + 1 + 1 + 2.5 ** 2, 10);
    expect(w1Gaussian1d(0, 1, 0.5, 2)).toBeLessThanOrEqual(w2Gaussian([0], [1], [0.5], [4], 1));
  });

  it('KL of Gaussians equals the Monte Carlo mean of the log-density ratio (4 standard errors)', () => {
    const rng = new Rng(7);
    const mu1 = [0.3, -0.2], S1 = [1.2, 0.3, 0.3, 0.8], mu2 = [-0.1, 0.4], S2 = [0.9, -0.2, -0.2, 1.5];
    const logN = (x: number[], mu: number[], S: number[]) => {
      const det = S[0] * S[3] - S[1] * S[2];
      const inv = [S[3] / det, -S[1] / det, -S[2] / det, S[0] / det];
      const a = x[0] - mu[0], b = x[1] - mu[1];
      return -0.5 * (a * (inv[0] * a + inv[1] * b) + b * (inv[2] * a + inv[3] * b)) - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    };
    const l11 = Math.sqrt(S1[0]), l21 = S1[2] / l11, l22 = Math.sqrt(S1[3] - l21 * l21);
    const v = Array.from({ length: 100000 }, () => {
      const z1 = rng.normal(), z2 = rng.normal();
      const x = [mu1[0] + l11 * z1, mu1[1] + l21 * z1 + l22 * z2];
      return logN(x, mu1, S1) - logN(x, mu2, S2);
    });
    const mc = meanWithError(v);
    expect(Math.abs(klGaussian(mu1, S1, mu2, S2, 2) - mc.mean)).toBeLessThan(4 * mc.se);
    expect(klGaussian(mu1, S1, mu1, S1, 2)).toBeCloseTo(0, 12);
  });

  it('KL as a Bregman divergence equals the Gaussian KL for the fixed-covariance family N(Σθ, Σ)', () => {
    // p_θ ∝ exp(θᵀx − xᵀΣ⁻¹x/2): log Z = θᵀΣθ/2, mean Σθ
    const S = [2, 0.5, 0.5, 1];
    const A = (t: ArrayLike<number>) => 0.5 * (t[0] * (S[0] * t[0] + S[1] * t[1]) + t[1] * (S[2] * t[0] + S[3] * t[1]));
    const grad = (t: ArrayLike<number>) => [S[0] * t[0] + S[1] * t[1], S[2] * t[0] + S[3] * t[1]];
    const t1 = [0.4, -1], t2 = [1, 0.3];
    expect(klExponentialFamily(A, grad, t1, t2)).toBeCloseTo(klGaussian(grad(t1), S, grad(t2), S, 2), 12);
  });
});
