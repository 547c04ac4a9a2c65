// The finite-n SGD against the reference ODE, with tolerances from the O(n^-1/2)
// fluctuations measured across seeds.
//
// For K seeded runs at dimension n recorded at t = 0, 1, …, T, and each overlap:
//   spread  = max over t of the standard deviation across runs (the fluctuation
//             scale, O(n^-1/2));
//   SE      = spread / √K, the standard error of the ensemble mean;
//   bias    = T/n: the O(1/n)-per-unit-time next-order terms of the step
//             expansion (e.g. VᵀV under 'oja' moves by O(τ̃²/n) per unit time),
//             with coefficient 1.
// Checks: |mean − ODE| ≤ 5·SE + bias at every t (the ODE is the mean to O(1/n));
// |run − ODE| ≤ 6·spread + bias for every run (a Gaussian path's sup over ~T
// correlated times is a few spreads); spread·√n ≤ 10 (the fluctuations really are
// O(n^-1/2) with an O(1) constant, so the tolerance cannot be inflated by a broken
// simulator). Power checks: the same criterion rejects wrong ODEs.

import { describe, expect, it } from 'vitest';
import { simulateSgd } from '../../../src/models/solvable-gan/index.ts';
import {
  driftA3, driftA4Column, driftOjaCaveatLiteral, ensembleDeviation, integrateReference,
  type Drift, type EnsembleDeviation,
} from './reference-ode.ts';
import { defaultInit, defaultSpec, type Overlaps, type SolvableGanSpec, type Trajectory } from '../../../src/models/solvable-gan/index.ts';

const Z_MEAN = 5;
const Z_RUN = 6;
const MAX_SPREAD_SQRT_N = 10;

interface Verdict {
  ok: boolean;
  table: string;
  failures: string[];
}

function judge(ens: EnsembleDeviation, n: number, T: number): Verdict {
  const K = ens.runs, bias = T / n;
  const failures: string[] = [];
  const rows = [`K = ${K} runs, n = ${n}, T = ${T}, bias allowance T/n = ${bias.toExponential(2)}`,
    'name    spread   spread·√n   |mean−ode|   5·SE+bias   max|run−ode|   6·spread+bias'];
  for (const [name, s] of Object.entries(ens.byName)) {
    const se = s.spread / Math.sqrt(K);
    const tolMean = Z_MEAN * se + bias, tolRun = Z_RUN * s.spread + bias;
    rows.push(`${name.padEnd(6)} ${s.spread.toExponential(2)}  ${(s.spread * Math.sqrt(n)).toFixed(2).padStart(8)}    ${s.meanDeviation.toExponential(2)}    ${tolMean.toExponential(2)}   ${s.maxDeviation.toExponential(2)}       ${tolRun.toExponential(2)}`);
    if (s.meanDeviation > tolMean) failures.push(`${name}: |mean − ode| = ${s.meanDeviation.toExponential(2)} > ${tolMean.toExponential(2)}`);
    if (s.maxDeviation > tolRun) failures.push(`${name}: max |run − ode| = ${s.maxDeviation.toExponential(2)} > ${tolRun.toExponential(2)}`);
    if (s.spread * Math.sqrt(n) > MAX_SPREAD_SQRT_N) failures.push(`${name}: spread·√n = ${(s.spread * Math.sqrt(n)).toFixed(2)} > ${MAX_SPREAD_SQRT_N}`);
  }
  return { ok: failures.length === 0, table: rows.join('\n'), failures };
}

function runs(spec: SolvableGanSpec, init: Overlaps, n: number, T: number, K: number, seed0: number, noise: 'full' | 'projected'): Trajectory[] {
  return Array.from({ length: K }, (_, k) => simulateSgd(spec, init, { n, T, seed: seed0 + k, noise }));
}

function expectAgreement(label: string, sims: Trajectory[], spec: SolvableGanSpec, init: Overlaps, n: number, T: number, drift?: Drift): void {
  const ode = integrateReference(spec, init, { T, drift });
  const v = judge(ensembleDeviation(sims, ode), n, T);
  console.log(`${label}\n${v.table}`);
  expect(v.failures, `${label}\n${v.table}`).toEqual([]);
}

function expectRejected(label: string, sims: Trajectory[], spec: SolvableGanSpec, init: Overlaps, n: number, T: number, drift: Drift): void {
  const ode = integrateReference(spec, init, { T, drift });
  const v = judge(ensembleDeviation(sims, ode), n, T);
  console.log(`${label} (must be rejected): ${v.failures.slice(0, 3).join('; ')}`);
  expect(v.ok, `${label} was not rejected\n${v.table}`).toBe(false);
}

const N = 2000;
const K = 8;

describe('SGD simulation agrees with the reference ODE within its O(n^-1/2) fluctuations', () => {
  it('d = 1, column (A.3), literal noise; the ODE without the Itô term τ²Γ/2 is rejected', () => {
    const spec = defaultSpec(1), init = defaultInit(1), T = 15;
    const sims = runs(spec, init, N, T, K, 1000, 'full');
    expectAgreement('d = 1, A.3', sims, spec, init, N, T);
    const a3 = driftA3(spec);
    const withoutIto: Drift = (t, x, out) => {
      a3(t, x, out);
      const [, q, r] = x;
      const Gamma = spec.eta_T * (spec.lambda[0] * q * q + spec.eta_T) + spec.eta_G * (spec.lambda_g[0] * r * r + spec.eta_G);
      out[1] += 0.5 * spec.tau ** 2 * Gamma * q;
      out[2] += 0.5 * spec.tau ** 2 * Gamma * r;
    };
    expectRejected('d = 1, A.3 without −(τ²/2)Γ', sims, spec, init, N, T, withoutIto);
  });

  it('d = 2, column (A.4), literal noise and the exact-in-law projected noise', () => {
    const spec = defaultSpec(2), init = defaultInit(2), T = 12;
    expectAgreement('d = 2, A.4, noise full', runs(spec, init, N, T, K, 2000, 'full'), spec, init, N, T);
    expectAgreement('d = 2, A.4, noise projected', runs(spec, init, N, T, K, 3000, 'projected'), spec, init, N, T);
  });

  it("d = 2, 'oja': follows the oja limit; the caveat's literal r-term and the column ODE are rejected", () => {
    // Large, unequal r and a fast generator, so that the three ODEs differ early.
    const init: Overlaps = { P: [[0.1, 0], [0, 0.1]], q: [0.1, 0.1], r: [0.6, 0.5], S: [[1, 0], [0, 1]] };
    const spec: SolvableGanSpec = { ...defaultSpec(2), tau_g: 0.2, normalization: 'oja' };
    const T = 6;
    const sims = runs(spec, init, N, T, K, 4000, 'projected');
    expectAgreement("d = 2, 'oja' limit", sims, spec, init, N, T);
    expectRejected("d = 2, caveat's literal oja ODE", sims, spec, init, N, T, driftOjaCaveatLiteral(spec));
    expectRejected('d = 2, column ODE', sims, spec, init, N, T, driftA4Column(spec));
  });
});
