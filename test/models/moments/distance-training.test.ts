import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, tensorInner } from '../../../src/numeric/index.ts';
import {
  parseGenerator, generatorMoments, momentDiscrepancies, momentDistance, witnessTensors, evaluateOnSamples,
  PolynomialCritic, trainMoments, crossingSteps, sampleMoments, sampleGenerator,
} from '../../../src/models/moments/index.ts';
import { monomialExponents } from '../../../src/models/moments/training.ts';
import { kendallTauWithDegree, signTestPValue, necessityPair } from '../../../src/models/moments/training-theorems.ts';

describe('moment distance as an IPM', () => {
  it('the witness attains Σ‖Δ_k‖ (per-degree) and (Σ‖Δ_k‖²)^½ (joint); random members of the ball do not exceed it', () => {
    const p = generatorMoments(parseGenerator('d=2; m=2; k=2; activation=t^3+t; seed=1'), 3).tensors.map((t) => t.tensor);
    const q = generatorMoments(parseGenerator('d=2; m=2; k=2; activation=tanh; seed=2'), 3).tensors.map((t) => t.tensor);
    const disc = momentDiscrepancies(p, q);
    for (const ball of ['per-degree', 'joint'] as const) {
      const w = witnessTensors(p, q, ball);
      const value = w.reduce((s, t, k) => s + tensorInner(t, p[k]) - tensorInner(t, q[k]), 0);
      expect(value).toBeCloseTo(momentDistance(disc, ball), 10);
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
      const rng = new Rng(seed);
      const T = p.map((t) => { const v = rng.fillNormal(new Float64Array(t.length)); const n = Math.sqrt(tensorInner(v, v)); return v.map((x) => x / n); });
      expect(T.reduce((s, t, k) => s + tensorInner(t, p[k]) - tensorInner(t, q[k]), 0)).toBeLessThanOrEqual(momentDistance(disc) + 1e-12);
    }), { numRuns: 50 });
  });

  it('between samples the distance equals its witness evaluated pointwise', () => {
    const g1 = parseGenerator('d=2; m=2; k=2; activation=relu; seed=3'), g2 = parseGenerator('d=2; m=2; k=2; activation=relu; seed=4');
    const n = 2000, rng = new Rng(1);
    const x = sampleGenerator(g1, n, rng.split()), y = sampleGenerator(g2, n, rng.split());
    const sx = sampleMoments(x, n, 2, 4), sy = sampleMoments(y, n, 2, 4);
    const w = witnessTensors(sx, sy);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(evaluateOnSamples(w, x, n, 2)) - mean(evaluateOnSamples(w, y, n, 2))).toBeCloseTo(momentDistance(momentDiscrepancies(sx, sy)), 9);
  });
});

describe('polynomial critic and training', () => {
  it('monomials of degree 1..K: C(d+K, K) − 1 of them; ∇_x f matches central differences', () => {
    expect(monomialExponents(3, 4).length).toBe(34);
    const c = new PolynomialCritic(2, 4, 1.7);
    new Rng(2).fillNormal(c.coeffs);
    const x = [0.4, -0.9], g = new Float64Array(2), phi = new Float64Array(c.exps.length);
    c.inputGradient(x, 0, g);
    const f = (v: number[]) => { c.features(v, 0, phi); return phi.reduce((s, p, i) => s + p * c.coeffs[i], 0); };
    for (let j = 0; j < 2; j++) {
      const h = 1e-6, up = [...x], dn = [...x];
      up[j] += h; dn[j] -= h;
      expect(g[j]).toBeCloseTo((f(up) - f(dn)) / (2 * h), 6);
    }
  });

  it('a short sampled WGAN run is deterministic per seed and logs finite discrepancies', () => {
    const target = parseGenerator('d=2; m=2; k=2; activation=t^3; seed=1');
    const init = parseGenerator('d=2; m=2; k=2; activation=t^3; seed=2');
    const cfg = { target, init, critic: { kind: 'poly', degree: 2 } as const, constraint: 'gp' as const, clip: 0.1, gpLambda: 1, steps: 20, batch: 16, criticSteps: 2, lrGenerator: 0.01, lrCritic: 0.01, every: 5, orders: 4, seed: 3, gradient: 'sampled' as const, criticScale: 'target-rms' as const };
    const a = trainMoments(cfg), b = trainMoments(cfg);
    expect(a.discrepancy).toEqual(b.discrepancy);
    expect(a.steps).toEqual([0, 5, 10, 15, 20]);
    expect(a.discrepancy.flat().every(Number.isFinite)).toBe(true);
    expect(crossingSteps(a, 1e-9)).toEqual([21, 21, 21, 21].map((v, k) => (a.discrepancy[k][0] === 0 ? 0 : v)));
  });

  it('the necessity pair agrees in m₁ and m₂, not in m₃', () => {
    const { target, init } = necessityPair(5);
    const a = generatorMoments(target, 3).tensors, b = generatorMoments(init, 3).tensors;
    const d = momentDiscrepancies(a.map((t) => t.tensor), b.map((t) => t.tensor));
    expect(d[0]).toBeLessThan(1e-12 * (1 + Math.abs(a[0].tensor[0])));
    expect(d[1]).toBeLessThan(1e-12 * a[1].tensor[0]);
    expect(d[2]).toBeGreaterThan(1e-2 * Math.abs(a[2].tensor[0]));
  });

  it('rank statistics: Kendall τ and the sign test', () => {
    expect(kendallTauWithDegree([1, 2, 3, 4])).toBe(1);
    expect(kendallTauWithDegree([4, 3, 2, 1])).toBe(-1);
    expect(kendallTauWithDegree([5, 5, 5, 5])).toBe(0);
    expect(signTestPValue(10, 10)).toBeCloseTo(1 / 1024, 12);
    expect(signTestPValue(0, 4)).toBe(1);
  });
});
