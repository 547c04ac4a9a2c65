import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  driftA3, driftA4Column, driftOja, driftOjaCaveatLiteral, ensembleDeviation, integrateReference, maxDeviation,
  referenceDrift, stateLayout, type Drift,
} from './reference-ode.ts';
import { defaultInit, defaultSpec, stateNames, type SolvableGanSpec } from '../../../src/models/solvable-gan/index.ts';

const positive = fc.double({ min: 0.1, max: 6, noNaN: true });
const cosine = fc.double({ min: -0.95, max: 0.95, noNaN: true });

function evalDrift(f: Drift, x: number[]): number[] {
  const out = new Float64Array(x.length);
  f(0, Float64Array.from(x), out);
  return Array.from(out);
}

function specD1(tau: number, tau_g: number, lam: number, lamg: number, eT: number, eG: number): SolvableGanSpec {
  return { d: 1, lambda: [lam], lambda_g: [lamg], eta_T: eT, eta_G: eG, tau, tau_g, normalization: 'column' };
}

describe('reference ODE transcriptions', () => {
  it('A.4 and the oja limit reduce to A.3 for d = 1 (random points)', () => {
    fc.assert(fc.property(positive, positive, positive, positive, positive, positive, cosine, cosine, cosine,
      (tau, tau_g, lam, lamg, eT, eG, P, q, r) => {
        const spec = specD1(tau / 10, tau_g / 10, lam, lamg, eT, eG);
        const a3 = evalDrift(driftA3(spec), [P, q, r]);
        for (const f of [driftA4Column(spec), driftOja(spec), driftOjaCaveatLiteral(spec)]) {
          const other = evalDrift(f, [P, q, r]);
          for (let i = 0; i < 3; i++) expect(Math.abs(other[i] - a3[i])).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(a3[i])));
        }
      }));
  });

  it('A.3 at a hand-computed point', () => {
    // τ = 0.2, τ̃ = 0.04, λ = λ̃ = 3, η = 2, (P, q, r) = (0.1, 0.1, 0.01):
    // Γ = 2(3·0.01 + 2) + 2(3·0.0001 + 2) = 8.0606
    const [dP, dq, dr] = evalDrift(driftA3(defaultSpec(1)), [0.1, 0.1, 0.01]);
    expect(dP).toBeCloseTo(0.04 * 3 * 0.01 * (0.1 - 0.001), 15);
    expect(dq).toBeCloseTo(0.2 * (0.3 * 0.99 - 0.03 * (0.1 - 0.001)) - 0.02 * 0.1 * 8.0606, 15);
    expect(dr).toBeCloseTo(0.04 * 0.03 * 0.9999 + 0.2 * (0.3 * (0.1 - 0.001) - 0.03 * 0.9999) - 0.02 * 0.01 * 8.0606, 15);
  });

  it('A.4 for d = 2, entry by entry, at a hand-computed point', () => {
    const spec = { ...defaultSpec(2), tau: 0.3, tau_g: 0.1, eta_T: 1.5, eta_G: 0.5, lambda: [2, 4], lambda_g: [3, 5] };
    const L = stateLayout(2);
    const P = [[0.3, 0.1], [-0.2, 0.4]], q = [0.2, -0.1], r = [0.15, 0.25], S12 = 0.05;
    const x = new Array(L.size).fill(0);
    x[L.P(0, 0)] = P[0][0]; x[L.P(0, 1)] = P[0][1]; x[L.P(1, 0)] = P[1][0]; x[L.P(1, 1)] = P[1][1];
    x[L.q(0)] = q[0]; x[L.q(1)] = q[1]; x[L.r(0)] = r[0]; x[L.r(1)] = r[1]; x[L.S(0, 1)] = S12;
    const f = evalDrift(driftA4Column(spec), x);
    const lam = [2, 4], lg = [3, 5], tau = 0.3, tg = 0.1;
    const qLq = 2 * 0.04 + 4 * 0.01, rLr = 3 * 0.0225 + 5 * 0.0625, A = qLq - rLr;
    const Gamma = 1.5 * (qLq + 1.5) + 0.5 * (rLr + 0.5);
    const S = [[1, S12], [S12, 1]];
    for (let j = 0; j < 2; j++) {
      for (let l = 0; l < 2; l++) expect(f[L.P(j, l)]).toBeCloseTo(tg * lg[l] * r[l] * (q[j] - P[j][l] * r[l]), 15);
      const PLr = P[j][0] * lg[0] * r[0] + P[j][1] * lg[1] * r[1];
      expect(f[L.q(j)]).toBeCloseTo(tau * (lam[j] * q[j] - PLr - q[j] * A) - 0.5 * tau * tau * Gamma * q[j], 15);
      const PtLq = P[0][j] * lam[0] * q[0] + P[1][j] * lam[1] * q[1];
      const SLr = S[j][0] * lg[0] * r[0] + S[j][1] * lg[1] * r[1];
      expect(f[L.r(j)]).toBeCloseTo(tg * lg[j] * r[j] * (1 - r[j] ** 2) + tau * (PtLq - SLr - r[j] * A) - 0.5 * tau * tau * Gamma * r[j], 15);
    }
    expect(f[L.S(0, 1)]).toBeCloseTo(tg * ((3 + 5) * r[0] * r[1] - S12 * (3 * r[0] ** 2 + 5 * r[1] ** 2)), 15);
  });

  it('oja limit: S = I is invariant, its P equation is the caveat\'s, its r equation differs unless Λ̃ ∝ I', () => {
    const L = stateLayout(2);
    fc.assert(fc.property(cosine, cosine, cosine, cosine, cosine, cosine, cosine, cosine, positive, positive,
      (P11, P12, P21, P22, q1, q2, r1, r2, lg1, lg2) => {
        const spec = { ...defaultSpec(2), normalization: 'oja' as const, lambda_g: [lg1, lg2] };
        const x = [P11, P12, P21, P22, q1, q2, r1, r2, 0];
        const oja = evalDrift(driftOja(spec), x);
        const lit = evalDrift(driftOjaCaveatLiteral(spec), x);
        expect(Math.abs(oja[L.S(0, 1)])).toBe(0);
        expect(Math.abs(lit[L.S(0, 1)])).toBe(0);
        for (let i = 0; i < 6; i++) expect(Math.abs(oja[i] - lit[i])).toBeLessThan(1e-14);
        // r: τ̃ Λ̃ r (rᵀr) against τ̃ r (rᵀΛ̃ r); their difference for l = 1 is τ̃ r1 r2² (λ̃1 − λ̃2).
        expect(oja[L.r(0)] - lit[L.r(0)]).toBeCloseTo(-spec.tau_g * r1 * r2 * r2 * (lg1 - lg2), 14);
        const iso = { ...spec, lambda_g: [lg1, lg1] };
        const a = evalDrift(driftOja(iso), x), b = evalDrift(driftOjaCaveatLiteral(iso), x);
        for (let i = 0; i < x.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-14);
      }));
  });

  it('referenceDrift picks A.3 for d = 1 and the normalisation for d > 1', () => {
    const x = [0.2, 0.1, -0.1, 0.3, 0.2, 0.1, 0.3, 0.2, 0.1];
    expect(evalDrift(referenceDrift(defaultSpec(2)), x)).toEqual(evalDrift(driftA4Column(defaultSpec(2)), x));
    const oja = { ...defaultSpec(2), normalization: 'oja' as const };
    expect(evalDrift(referenceDrift(oja), x)).toEqual(evalDrift(driftOja(oja), x));
    expect(() => driftA3(defaultSpec(2))).toThrow(/d = 1/);
  });
});

describe('integrateReference and the deviation helpers', () => {
  it('records at t = 0, 1, …, T in stateNames order and conserves nothing it should not', () => {
    const traj = integrateReference(defaultSpec(2), defaultInit(2), { T: 5 });
    expect(traj.t).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(traj.series)).toEqual(stateNames(2));
    expect(traj.series.P11[0]).toBe(0.1);
    expect(traj.series.r2[0]).toBeCloseTo(0.01, 15);
    const half = integrateReference(defaultSpec(2), defaultInit(2), { T: 5, recordEvery: 0.5 });
    expect(half.t.length).toBe(11);
    expect(half.series.q2[10]).toBeCloseTo(traj.series.q2[5], 9);
  });

  it('RK4 at dt = 0.01 is converged (against dt = 0.0025) to 1e-8 over T = 50', () => {
    const spec = defaultSpec(2);
    const a = integrateReference(spec, defaultInit(2), { T: 50 });
    const b = integrateReference(spec, defaultInit(2), { T: 50, dt: 0.0025 });
    expect(maxDeviation(a, b).max).toBeLessThan(1e-8);
  });

  it('maxDeviation and ensembleDeviation', () => {
    const ode = { t: [0, 1, 2], series: { q: [0, 1, 2], r: [0, 0, 0] } };
    const sim = { t: [0, 0.5, 1, 2], series: { q: [0, 0.7, 1, 2.1], r: [0, 0, 0.05, 0], z: [1, 1, 1, 1] } };
    const dev = maxDeviation(sim, ode);
    expect(dev.byName.q).toBeCloseTo(0.2, 12); // ode(0.5) = 0.5 by interpolation
    expect(dev.byName.r).toBeCloseTo(0.05, 12);
    expect(dev.at).toEqual({ name: 'q', t: 0.5 });
    expect('z' in dev.byName).toBe(false);
    const runs = [
      { t: [0, 1, 2], series: { q: [0, 1.1, 2] } },
      { t: [0, 1, 2], series: { q: [0, 0.9, 2.2] } },
    ];
    const ens = ensembleDeviation(runs, ode);
    expect(ens.byName.q.meanDeviation).toBeCloseTo(0.1, 12);
    expect(ens.byName.q.maxDeviation).toBeCloseTo(0.2, 12);
    expect(ens.byName.q.spread).toBeCloseTo(Math.SQRT2 * 0.1, 12);
  });
});
