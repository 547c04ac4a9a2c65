import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, sortedIndices } from '../../../src/numeric/index.ts';
import {
  parseGenerator, UnitMoments, patternFormula, generatorMoments, monteCarloMoments,
} from '../../../src/models/moments/index.ts';

const evalFormula = (f: ReturnType<typeof patternFormula>, G: number[][]) =>
  f.terms.reduce((s, t) => s + t.factors.reduce((p, [a, b, e]) => p * G[a][b] ** e, t.coeff), 0);

describe('unit moments: exact (Isserlis) pattern formulas', () => {
  it('E[u³v³] = 9 q1 q2 c + 6 c³ and E[u⁶] = 15 q³ (papers.md D.2)', () => {
    const pair = patternFormula('t^3', [1, 1]);
    const diag = patternFormula('t^3', [2]);
    fc.assert(fc.property(fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (q1, q2, r) => {
      const c = r * Math.sqrt(q1 * q2);
      const G = [[q1, c], [c, q2]];
      expect(evalFormula(pair, G)).toBeCloseTo(9 * q1 * q2 * c + 6 * c ** 3, 10);
      expect(evalFormula(diag, [[q1]])).toBeCloseTo(15 * q1 ** 3, 10);
    }), { numRuns: 50 });
  });

  it('the Hermite series of a polynomial σ is finite and equals Isserlis (random generators)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
      const g = parseGenerator({ d: 2, m: 3, k: 2, activation: 't^3 - 2*t + 0.5*t^2', seed });
      const ex = new UnitMoments(g), he = new UnitMoments(g, { forceHermite: true, hermiteOrder: 14 });
      for (const p of [1, 2, 3, 4]) {
        for (const idx of sortedIndices(3, p)) {
          const a = ex.moment(idx).value, b = he.moment(idx);
          expect(Math.abs(a - b.value)).toBeLessThanOrEqual(b.errorBound + 1e-9 * Math.max(1, Math.abs(a)));
        }
      }
    }), { numRuns: 6 });
  });
});

describe('unit moments: Hermite series for general σ', () => {
  it('ReLU pair moment equals the arc-cosine kernel (Cho & Saul) within the error bound', () => {
    const g = parseGenerator({ d: 1, m: 2, k: 2, activation: 'relu', B: [[1.2, 0.3], [-0.4, 0.9]], A: [[1, 1]] });
    const u = new UnitMoments(g, { hermiteOrder: 30 });
    const [q1, c, q2] = [u.G[0], u.G[1], u.G[3]];
    const th = Math.acos(c / Math.sqrt(q1 * q2));
    const exact = (Math.sqrt(q1 * q2) / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
    const r = u.moment([0, 1]);
    expect(Math.abs(r.value - exact)).toBeLessThanOrEqual(r.errorBound);
    expect(r.errorBound).toBeLessThan(1e-4);
    expect(u.moment([0, 0]).value).toBeCloseTo(q1 / 2, 10); // E relu(u)² = q/2
    expect(u.moment([0]).value).toBeCloseTo(Math.sqrt(q1 / (2 * Math.PI)), 10);
  });

  it('two distinct units: the rigorous bound covers |M(10) − M(40)| and is small at K = 40', () => {
    for (const act of ['relu(t)', 'tanh(t)', 'abs(t) - t^2/3']) {
      const g = parseGenerator({ d: 1, m: 4, k: 3, activation: act, seed: 3 });
      const lo = new UnitMoments(g, { hermiteOrder: 10 }), hi = new UnitMoments(g, { hermiteOrder: 40 });
      for (const idx of [[0, 1], [0, 0, 1], [1, 1, 2, 2], [0, 0, 0, 3]]) {
        const a = lo.moment(idx), b = hi.moment(idx);
        expect(b.errorBound).toBeLessThan(1e-6);
        expect(Math.abs(a.value - b.value)).toBeLessThanOrEqual(a.errorBound + b.errorBound);
      }
    }
  });

  it('three and four distinct units: the estimate (K vs 2K/3) tracks the change to K = 40', () => {
    for (const act of ['relu(t)', 'tanh(t)']) {
      const g = parseGenerator({ d: 1, m: 4, k: 3, activation: act, seed: 3 });
      const lo = new UnitMoments(g, { hermiteOrder: 24 }), hi = new UnitMoments(g, { hermiteOrder: 40 });
      for (const idx of [[0, 1, 2], [0, 1, 2, 3], [0, 0, 1, 2]]) {
        const a = lo.moment(idx), b = hi.moment(idx);
        expect(Math.abs(a.value - b.value)).toBeLessThanOrEqual(3 * a.errorEstimate);
      }
    }
  });
});

describe('moment tensors vs Monte Carlo (k = 1..4)', () => {
  for (const act of ['t^3', 't^3 - 2*t', 'tanh(t)', 'relu(t)']) {
    it(`σ = ${act}: every entry within its uncertainty + 5 standard errors`, () => {
      const g = parseGenerator({ d: 2, m: 2, k: 3, activation: act, seed: 11 });
      const ex = generatorMoments(g, 4);
      const mc = monteCarloMoments(g, 4, 20_000, new Rng(5));
      ex.tensors.forEach((t, p) => {
        for (let i = 0; i < t.tensor.length; i++) {
          expect(Math.abs(t.tensor[i] - mc.tensors[p].mean[i])).toBeLessThanOrEqual(t.uncertainty[i] + 5 * mc.tensors[p].standardError[i]);
        }
      });
    });
  }

  it('an odd σ has vanishing odd moments; the same seed gives the same bytes', () => {
    const g = parseGenerator('d=3; m=2; k=2; activation=t^3; seed=4');
    const ex = generatorMoments(g, 4);
    expect(ex.exact).toBe(true);
    expect(Math.max(...ex.tensors[0].tensor.map(Math.abs), ...ex.tensors[2].tensor.map(Math.abs))).toBe(0);
    const a = monteCarloMoments(g, 2, 500, new Rng(9)), b = monteCarloMoments(g, 2, 500, new Rng(9));
    expect(Array.from(a.tensors[1].mean)).toEqual(Array.from(b.tensors[1].mean));
  });
});
