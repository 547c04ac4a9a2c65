import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/numeric/index.ts';
import {
  parseGenerator, tensorPowerIteration, recoverFromSamples, columnMatchError, unitCumulants, recoveryTarget, sampleGenerator,
} from '../../../src/models/moments/index.ts';

describe('recovery from the third cumulant', () => {
  it('tensor power iteration recovers an orthogonal decomposition exactly', () => {
    const m = 3, lam = [2, -1.5, 0.7];
    // orthonormal basis by Gram–Schmidt of a fixed matrix
    const V = [[1, 0.2, 0.1], [0.3, 1, -0.2], [0.1, 0.4, 1]];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) { const d = V[i].reduce((s, v, k) => s + v * V[j][k], 0); V[i] = V[i].map((v, k) => v - d * V[j][k]); }
      const n = Math.hypot(...V[i]); V[i] = V[i].map((v) => v / n);
    }
    const T = new Float64Array(m ** 3);
    for (let r = 0; r < m; r++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) T[(a * m + b) * m + c] += lam[r] * V[r][a] * V[r][b] * V[r][c];
    const { vectors, lambdas } = tensorPowerIteration(T, m, new Rng(1));
    expect([...lambdas].sort((x, y) => x - y).map((v) => +v.toFixed(9))).toEqual([0.7, 1.5, 2]);
    for (const v of vectors) {
      const best = Math.max(...V.map((u) => Math.abs(u.reduce((s, x, k) => s + x * v[k], 0))));
      expect(best).toBeCloseTo(1, 9);
    }
  });

  it('recovers A up to permutation from samples; fails cleanly for an odd σ', () => {
    const g = recoveryTarget(parseGenerator('d=5; m=3; k=3; activation=t^3+t^2; seed=2'));
    const n = 100_000;
    const x = sampleGenerator(g, n, new Rng(4));
    const rec = recoverFromSamples(x, n, g.d, g.m, unitCumulants(g), new Rng(5));
    expect(columnMatchError(rec.A, g.A, g.d, g.m)).toBeLessThan(0.1);
    const odd = recoveryTarget(parseGenerator('d=5; m=3; k=3; activation=t^3; seed=2'));
    expect(() => recoverFromSamples(x, n, odd.d, odd.m, unitCumulants(odd), new Rng(5))).toThrow(/third cumulant/);
  });
});
