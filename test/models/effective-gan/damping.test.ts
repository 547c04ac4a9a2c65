// docs/effective-dynamics.md C.3: the discrete particle–critic system against the damped
// oscillator it linearises to, and the measured optimum of the penalty against λ_c.
import { describe, expect, it } from 'vitest';
import { logLogFit } from '../../../src/numeric/index.ts';
import { criticalLambda, dampedRun, dampingScan, modeEigenvalue, type DampingSetting } from '../../../src/models/effective-gan/index.ts';

/** q(s) of q'' + q' + q = 0, q(0) = 1, q'(0) = 0 (ω = 1, γ = 1). */
const exact = (s: number) => { const b = Math.sqrt(3) / 2; return Math.exp(-s / 2) * (Math.cos(b * s) + Math.sin(b * s) / (2 * b)); };

describe('critical damping', () => {
  it('the alternating discrete updates converge to the oscillator at first order in the step (fitted slope)', () => {
    const hs = [0.02, 0.01, 0.005];
    const errors = hs.map((h) => {
      const s: DampingSetting = { lrG: h, lrD: h, g1: 1, g2: 0, N: 2, coupling: 'sum', mode: 'relative', penalty: 'full' };
      const K = Math.round(4 / h);
      const r = dampedRun(s, 0.5, { eps: 1e-9, maxSteps: K, seed: 3, every: 1 }); // γ = 2λη_D = h, ω² = h²
      let worst = 0;
      r.step.forEach((k, i) => { worst = Math.max(worst, Math.abs(r.distance[i] - Math.abs(exact(k * h)))); });
      return worst;
    });
    const fit = logLogFit(hs, errors);
    expect(fit.slope).toBeGreaterThan(0.85);
    expect(fit.slope).toBeLessThan(1.15);
    expect(errors[2]).toBeLessThan(0.01);
  });

  it('eigenvalue of each mode and its λ_c (sum and mean coupling, both penalties)', () => {
    const base: DampingSetting = { lrG: 0.01, lrD: 0.04, g1: 2, g2: 0.5, N: 5, coupling: 'sum', mode: 'centre', penalty: 'full' };
    expect(modeEigenvalue(base)).toBeCloseTo(4, 12);
    expect(modeEigenvalue({ ...base, mode: 'relative' })).toBeCloseTo(1.5, 12);
    expect(modeEigenvalue({ ...base, coupling: 'mean' })).toBeCloseTo(0.8, 12);
    expect(criticalLambda(base)).toBeCloseTo(Math.sqrt(0.01 * 4 / 0.04), 12);
    expect(criticalLambda({ ...base, penalty: 'half' })).toBeCloseTo(2 * Math.sqrt(0.01 * 4 / 0.04), 12);
  });

  it('the fastest λ lies within 15 % of the derived λ_c; far from it convergence is slower', () => {
    const s: DampingSetting = { lrG: 0.02, lrD: 0.01, g1: 1, g2: 0.2, N: 3, coupling: 'mean', mode: 'relative', penalty: 'half' };
    const r = dampingScan(s, { points: 21 });
    expect(Math.abs(r.relativeError)).toBeLessThan(0.15);
    const near = (f: number) => r.times[r.lambdas.reduce((b, l, i) => (Math.abs(Math.log(l / (f * r.lambdaC))) < Math.abs(Math.log(r.lambdas[b] / (f * r.lambdaC))) ? i : b), 0)];
    expect(near(0.3)).toBeGreaterThan(1.5 * r.timeOpt);
    expect(near(3)).toBeGreaterThan(1.5 * r.timeOpt);
  });
});
