import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  chiSquareSf, chiSquareUpperQuantile, erf, erfc, gammaP, gammaQ, kolmogorovSf, logGamma, normalCdf, normalQuantile,
} from '../../src/numeric/index.ts';
import { chiSquareTest, correlation, ksTest, linearFit, logLogFit, moments } from '../../src/numeric/index.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('special functions (reference values from SciPy 1.x)', () => {
  it('incomplete gamma, log-gamma, chi-square tail and quantile', () => {
    expect(rel(gammaP(2.5, 1), 0.15085496391539038)).toBeLessThan(1e-13);
    expect(rel(gammaQ(2.5, 10), 0.0012497305630313773)).toBeLessThan(1e-12);
    expect(rel(gammaQ(50, 80), 0.0001307839765914092)).toBeLessThan(1e-11);
    expect(rel(logGamma(0.1), 2.252712651734206)).toBeLessThan(1e-14);
    expect(rel(logGamma(100.5), 361.43554046777757)).toBeLessThan(1e-14);
    expect(rel(chiSquareSf(30, 20), 0.06985366069940986)).toBeLessThan(1e-12);
    expect(rel(chiSquareUpperQuantile(1e-6, 6), 38.25833637720969)).toBeLessThan(1e-10);
  });

  it('normalQuantile inverts normalCdf to near rounding, including the far tails', () => {
    const ref: [number, number][] = [[1e-300, -37.0470962993612], [1e-20, -9.262340089798409], [0.01, -2.3263478740408408],
      [0.5, 0], [0.9, 1.2815515655446004], [1 - 1e-12, 7.0344869100478356]];
    for (const [p, x] of ref) expect(Math.abs(normalQuantile(p) - x)).toBeLessThan(1e-12 * Math.max(1, Math.abs(x)));
    fc.assert(fc.property(fc.double({ min: 1e-15, max: 1 - 1e-15, noNaN: true }), (p) => {
      expect(rel(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
    }));
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(2)).toBeNaN();
  });

  it('Kolmogorov tail; erf/erfc consistency', () => {
    const ref: [number, number][] = [[0.2, 0.999999999999495], [0.5, 0.9639452436648751], [1, 0.26999967167735456], [2, 0.0006709252557796953]];
    for (const [x, p] of ref) expect(rel(kolmogorovSf(x), p)).toBeLessThan(1e-9);
    fc.assert(fc.property(fc.double({ min: -6, max: 6, noNaN: true }), (x) => {
      expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThan(1e-15);
    }));
  });
});

describe('stats', () => {
  it('moments of a known sample; correlation of ±linear data', () => {
    const m = moments([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.variance).toBeCloseTo(5 / 3, 15);
    expect(m.skewness).toBeCloseTo(0, 15);
    expect(m.excessKurtosis).toBeCloseTo(1.64 - 3, 14); // m4/m2² = 2.5625/1.5625
    expect(correlation([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(correlation([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 15);
  });

  it('linearFit recovers exact lines; logLogFit reads off the power', () => {
    fc.assert(fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (a, b) => {
      const xs = [0, 1, 2, 3.5, 7];
      const fit = linearFit(xs, xs.map((x) => a + b * x));
      expect(Math.abs(fit.slope - b)).toBeLessThan(1e-12);
      expect(Math.abs(fit.intercept - a)).toBeLessThan(1e-12);
    }));
    const hs = [0.1, 0.05, 0.025];
    expect(logLogFit(hs, hs.map((h) => 3 * h ** 4)).slope).toBeCloseTo(4, 12);
  });

  it('KS and chi-square tests: statistic, degrees of freedom, p-value', () => {
    const n = 1000, xs = Array.from({ length: n }, (_, i) => (i + 0.5) / n); // perfectly uniform
    const ks = ksTest(xs, (x) => x);
    expect(ks.statistic).toBeCloseTo(0.5 / n, 15);
    expect(ks.pValue).toBeGreaterThan(0.999);
    const chi = chiSquareTest([10, 20, 30], [20, 20, 20]);
    expect(chi.statistic).toBe(10);
    expect(chi.degreesOfFreedom).toBe(2);
    expect(chi.pValue).toBeCloseTo(Math.exp(-5), 14); // χ²₂ tail is e^{−x/2}
  });
});
