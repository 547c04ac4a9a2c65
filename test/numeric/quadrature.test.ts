import { describe, it, expect } from 'vitest';
import {
  gaussHermite, expectation1d, expectation2d, expectationNd, choleskyPsd, normalizedHermite,
  hermiteCoefficients, gaussLegendre, integratePiecewise, expectation1dPiecewise,
  hermiteCoefficientsPiecewise, expectation2dPolar,
} from '../../src/numeric/index.ts';
import { erf, doubleFactorial } from '../../src/numeric/index.ts';

const relu = (x: number) => (x > 0 ? x : 0);
const step = (x: number) => (x > 0 ? 1 : 0);

describe('Gauss–Hermite rule (probabilists)', () => {
  it('integrates the Gaussian moments E g^{2j} = (2j−1)!! exactly up to degree 2n−1', () => {
    for (const n of [1, 2, 3, 4, 5, 8, 13, 20, 50, 100, 200, 400]) {
      const { nodes, weights } = gaussHermite(n);
      for (let j = 0; 2 * j <= Math.min(2 * n - 1, 20); j++) {
        let s = 0, odd = 0;
        for (let i = 0; i < n; i++) { s += weights[i] * nodes[i] ** (2 * j); odd += weights[i] * nodes[i] ** (2 * j + 1); }
        const exact = doubleFactorial(2 * j - 1);
        expect(Math.abs(s - exact) / exact, `n=${n} j=${j}: ${s} vs ${exact}`).toBeLessThan(1e-12 * (1 + j));
        if (2 * j + 1 <= 2 * n - 1) expect(Math.abs(odd), `odd moment n=${n} j=${j}`).toBeLessThan(1e-12 * exact);
      }
    }
  });

  it('has ascending symmetric nodes, positive weights, and the known 5-point nodes', () => {
    for (const n of [5, 64, 201]) {
      const { nodes, weights } = gaussHermite(n);
      for (let i = 0; i < n; i++) {
        expect(weights[i]).toBeGreaterThanOrEqual(0);
        expect(nodes[i] + nodes[n - 1 - i]).toBeCloseTo(0, 13);
        if (i) expect(nodes[i]).toBeGreaterThan(nodes[i - 1]);
      }
    }
    // Physicists' 5-point nodes 0, ±0.958572464613819, ±2.020182870456086, times √2.
    const { nodes } = gaussHermite(5);
    expect(nodes[2]).toBe(0);
    expect(nodes[3]).toBeCloseTo(0.958572464613819 * Math.SQRT2, 14);
    expect(nodes[4]).toBeCloseTo(2.020182870456086 * Math.SQRT2, 14);
  });

  it('refuses orders out of range', () => {
    expect(() => gaussHermite(0)).toThrow(/order/);
    expect(() => gaussHermite(2.5)).toThrow(/order/);
    expect(() => gaussHermite(100000)).toThrow(/order/);
  });

  it('E cos(u) = e^{−q/2} (geometric convergence for an entire integrand)', () => {
    for (const q of [0.1, 1, 3]) expect(Math.abs(expectation1d(Math.cos, 0, q, 40) - Math.exp(-q / 2))).toBeLessThan(1e-14);
    expect(Math.abs(expectation1d((x) => x * x, 1.5, 2, 2) - (2 + 2.25))).toBeLessThan(1e-14);
  });

  it('normalised Hermite polynomials are orthonormal under the rule', () => {
    const n = 60, K = 30;
    const { nodes, weights } = gaussHermite(n);
    const G = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const h = normalizedHermite(nodes[i], K);
      for (let a = 0; a <= K; a++) for (let b = 0; b <= K; b++) G[a][b] += weights[i] * h[a] * h[b];
    }
    for (let a = 0; a <= K; a++) for (let b = 0; b <= K; b++) expect(Math.abs(G[a][b] - (a === b ? 1 : 0))).toBeLessThan(1e-12);
  });
});

describe('correlated pairs and vectors', () => {
  it('E[u²v²] = q1 q2 + 2c² exactly with 3 points; E e^{u+v} = e^{(q1+q2+2c)/2} to 1e-13', () => {
    const cov = [[1.3, -0.4], [-0.4, 0.7]];
    expect(expectation2d((u, v) => u * u * v * v, cov, 3)).toBeCloseTo(1.3 * 0.7 + 2 * 0.16, 13);
    const exact = Math.exp((1.3 + 0.7 - 0.8) / 2);
    expect(Math.abs(expectation2d((u, v) => Math.exp(u + v), cov, 40) / exact - 1)).toBeLessThan(1e-13);
    // With a mean: E[(u)(v)] = c + m1 m2.
    expect(expectation2d((u, v) => u * v, cov, 4, [0.5, 2])).toBeCloseTo(-0.4 + 1, 13);
  });

  it('handles a singular (rank-one) covariance', () => {
    const cov = [[1, 1], [1, 1]];
    expect(expectation2d((u, v) => (u - v) ** 2, cov, 6)).toBeCloseTo(0, 14);
    expect(expectation2d((u, v) => u * v, cov, 6)).toBeCloseTo(1, 14);
  });

  it('Cholesky refuses an indefinite matrix', () => {
    expect(() => choleskyPsd([[1, 2], [2, 1]])).toThrow(/positive semidefinite/);
    expect(() => choleskyPsd([[0, 1], [1, 1]])).toThrow(/positive semidefinite/);
  });

  it('tensor rule in 3-D: E[x1² x2² x3²] by Isserlis', () => {
    const S = [[1, 0.3, -0.2], [0.3, 2, 0.5], [-0.2, 0.5, 1.5]];
    const [a, b, c, d, e, f] = [S[0][0], S[1][1], S[2][2], S[0][1], S[0][2], S[1][2]];
    const exact = a * b * c + 2 * a * f * f + 2 * b * e * e + 2 * c * d * d + 8 * d * e * f;
    expect(expectationNd((x) => x[0] ** 2 * x[1] ** 2 * x[2] ** 2, S, 4)).toBeCloseTo(exact, 12);
  });
});

describe('piecewise rules for kinks', () => {
  it('Gauss–Legendre integrates x^k exactly for k ≤ 2n − 1', () => {
    const { nodes, weights } = gaussLegendre(7);
    for (let k = 0; k <= 13; k++) {
      let s = 0;
      for (let i = 0; i < 7; i++) s += weights[i] * nodes[i] ** k;
      expect(s).toBeCloseTo(k % 2 ? 0 : 2 / (k + 1), 14);
    }
    expect(integratePiecewise(Math.abs, -1, 2, [0], 4)).toBeCloseTo(2.5, 14);
  });

  it('E relu(m + s g) = mΦ(m/s) + sφ(m/s) to 1e-14', () => {
    for (const [m, v] of [[0.3, 2], [-1, 0.5], [0, 1]]) {
      const s = Math.sqrt(v), z = m / s;
      const exact = m * 0.5 * (1 + erf(z / Math.SQRT2)) + s * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
      expect(Math.abs(expectation1dPiecewise(relu, m, v, [0]) - exact)).toBeLessThan(1e-14);
    }
  });

  it('ReLU Hermite coefficients match docs/ntk-kernels.md F.2 (exact formula to 1e-13)', () => {
    const a = hermiteCoefficientsPiecewise(relu, 10, [0]);
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    expect(a[0]).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 14);
    expect(a[1]).toBeCloseTo(0.5, 14);
    for (let k = 2; k <= 10; k++) {
      const exact = k % 2 ? 0 : (-1) ** (k / 2 + 1) * doubleFactorial(k - 3) / Math.sqrt(2 * Math.PI * fact(k));
      expect(Math.abs(a[k] - exact), `a_${k}`).toBeLessThan(1e-13);
    }
    // F.2's rounded figures.
    expect(Math.abs(a[2] - 0.28209)).toBeLessThan(5e-6);
    expect(Math.abs(a[4] + 0.08143)).toBeLessThan(5e-6);
    expect(Math.abs(a[6] - 0.04460)).toBeLessThan(5e-6);
  });

  it('erf Hermite coefficients by plain Gauss–Hermite match F.2 (smooth: fast convergence)', () => {
    const a = hermiteCoefficients(erf, 7);
    // Exact: a_k = E[erf^{(k)}(g)]/√(k!) = (2/√π)(−1)^{k−1} 3^{−k/2} H_{k−1}(0)/√(k!).
    const H0 = [1, 0, -2, 0, 12, 0, -120];
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    for (let k = 1; k <= 7; k++) {
      const exact = (2 / Math.sqrt(Math.PI)) * (-1) ** (k - 1) * 3 ** (-k / 2) * H0[k - 1] / Math.sqrt(fact(k));
      expect(Math.abs(a[k] - exact), `a_${k}`).toBeLessThan(1e-14);
    }
    // F.2's rounded figures (its a_7 = −0.04079 is −0.0407846 rounded away from the
    // nearest 5-digit value, hence 1e-5 rather than 5e-6).
    const ref = [0, 0.65147, 0, -0.17731, 0, 0.07929, 0, -0.04079];
    for (let k = 0; k <= 7; k++) expect(Math.abs(a[k] - ref[k]), `a_${k}`).toBeLessThan(1e-5);
    // Orders 60 and 120 agree to 1e-14 for the smooth erf.
    const a60 = hermiteCoefficients(erf, 7, 60), a120 = hermiteCoefficients(erf, 7, 120);
    for (let k = 0; k <= 7; k++) expect(Math.abs(a60[k] - a120[k])).toBeLessThan(1e-14);
  });

  it('plain Gauss–Hermite on a kink converges only like 1/n (why the piecewise rules exist)', () => {
    const exact = 1 / Math.sqrt(2 * Math.PI);
    const e50 = Math.abs(expectation1d(relu, 0, 1, 50) - exact);
    const e200 = Math.abs(expectation1d(relu, 0, 1, 200) - exact);
    expect(e50).toBeGreaterThan(1e-5);
    expect(e50 / e200).toBeGreaterThan(2.5); // ratio ≈ 4 when the order quadruples... at least algebraic decay
  });

  it('polar rule: arc-cosine kernels to 1e-13 for random correlations', () => {
    for (const rho of [-0.999, -0.6, 0, 0.3, 0.95, 1]) {
      const cov = [[1.7, rho * Math.sqrt(1.7 * 0.4)], [rho * Math.sqrt(1.7 * 0.4), 0.4]];
      const c = cov[0][1], D = Math.max(0, 1.7 * 0.4 - c * c), th = Math.acos(Math.max(-1, Math.min(1, rho)));
      const rr = expectation2dPolar((u, v) => relu(u) * relu(v), cov, [[1, 0], [0, 1]]);
      expect(Math.abs(rr - (Math.sqrt(D) + (Math.PI - th) * c) / (2 * Math.PI)), `rho=${rho}`).toBeLessThan(1e-13);
      const ss = expectation2dPolar((u, v) => step(u) * step(v), cov, [[1, 0], [0, 1]]);
      expect(Math.abs(ss - (Math.PI - th) / (2 * Math.PI)), `rho=${rho}`).toBeLessThan(1e-13);
    }
  });
});
