// The McKean–Vlasov particle system (docs/solvable-gan.md A.5): its empirical moments follow
// the macroscopic ODE. The particle moments obey exactly the forward-Euler scheme
// of the ODE (step dt) plus martingale noise of size O(M^-1/2), so the tolerance
// is 5 standard errors of the ensemble mean (spread across seeds / √K) plus the
// Euler discretisation bias, measured as |Euler(dt) − RK4| of the reference ODE.

import { describe, expect, it } from 'vitest';
import { simulateParticles, type ParticleResult } from '../../../src/models/solvable-gan/index.ts';
import { DivergenceError } from '../../../src/numeric/index.ts';
import { ensembleDeviation, integrateReference, referenceDrift } from './reference-ode.ts';
import {
  defaultInit, defaultSpec, overlapsToState, stateNames, SpecError, type Overlaps, type SolvableGanSpec, type Trajectory,
} from '../../../src/models/solvable-gan/index.ts';

/** Forward Euler of the reference ODE with step dt, recorded at integer times. */
function eulerReference(spec: SolvableGanSpec, init: Overlaps, T: number, dt: number): Trajectory {
  const f = referenceDrift(spec), names = stateNames(spec.d);
  let x = overlapsToState(init, spec.d);
  const k = new Float64Array(x.length);
  const out: Trajectory = { t: [0], series: Object.fromEntries(names.map((n, i) => [n, [x[i]]])) };
  const perUnit = Math.round(1 / dt);
  for (let unit = 1; unit <= T; unit++) {
    for (let s = 0; s < perUnit; s++) {
      f(0, x, k);
      x = x.map((v, i) => v + dt * k[i]);
    }
    out.t.push(unit);
    names.forEach((n, i) => out.series[n].push(x[i]));
  }
  return out;
}

const Z = 5;

function checkMoments(label: string, spec: SolvableGanSpec, init: Overlaps, M: number, T: number, dt: number, K: number): void {
  const runs: ParticleResult[] = Array.from({ length: K }, (_, s) => simulateParticles(spec, init, { M, T, dt, seed: 500 + s }));
  const rk4 = integrateReference(spec, init, { T });
  const euler = eulerReference(spec, init, T, dt);
  const ens = ensembleDeviation(runs, rk4);
  const failures: string[] = [];
  const rows = [`${label}: K = ${K}, M = ${M}, dt = ${dt}, T = ${T}`, 'name    SE of mean   |mean−ode|   Euler bias   tolerance'];
  for (const name of stateNames(spec.d)) {
    const s = ens.byName[name];
    let bias = 0;
    for (let i = 0; i < rk4.t.length; i++) bias = Math.max(bias, Math.abs(euler.series[name][i] - rk4.series[name][i]));
    const se = s.spread / Math.sqrt(K), tol = Z * se + bias;
    rows.push(`${name.padEnd(6)}  ${se.toExponential(2)}    ${s.meanDeviation.toExponential(2)}    ${bias.toExponential(2)}    ${tol.toExponential(2)}`);
    if (s.meanDeviation > tol) failures.push(`${name}: ${s.meanDeviation.toExponential(2)} > ${tol.toExponential(2)}`);
  }
  // E[ŵ²] = 1 is kept by the SDE (Itô). Euler–Maruyama adds dt²·E[b²] per step (b the drift of ŵ), which
  // the restoring term −τ²Γ(z − 1) caps at about dt·E[b²]/(τ²Γ) ≈ 1.5·dt here; dt·T is a crude upper bound.
  const z = runs.map((r) => r.series.z);
  let zMean = 0, zSpread = 0;
  for (let i = 0; i < z[0].length; i++) {
    const m = z.reduce((a, zz) => a + zz[i], 0) / K;
    const sd = Math.sqrt(z.reduce((a, zz) => a + (zz[i] - m) ** 2, 0) / (K - 1));
    zMean = Math.max(zMean, Math.abs(m - 1));
    zSpread = Math.max(zSpread, sd);
  }
  const zTol = Z * zSpread / Math.sqrt(K) + dt * T;
  rows.push(`z=E[ŵ²]: max|mean−1| ${zMean.toExponential(2)}, tolerance ${zTol.toExponential(2)}`);
  if (zMean > zTol) failures.push(`z: ${zMean.toExponential(2)} > ${zTol.toExponential(2)}`);
  console.log(rows.join('\n'));
  expect(failures, rows.join('\n')).toEqual([]);
}

describe('particle simulation of the McKean–Vlasov SDE', () => {
  it('initial empirical moments equal the requested overlaps to 1e-12; z = 1', () => {
    for (const d of [1, 2, 3]) {
      const init = defaultInit(d);
      const p = simulateParticles(defaultSpec(d), init, { M: 1000, T: 0, seed: 1 });
      const want = overlapsToState(init, d);
      stateNames(d).forEach((name, i) => expect(Math.abs(p.series[name][0] - want[i]), name).toBeLessThan(1e-12));
      expect(Math.abs(p.series.z[0] - 1)).toBeLessThan(1e-12);
      expect(p.particles.w.length).toBe(1000);
      expect(p.particles.u.length).toBe(1000 * d);
    }
  });

  it('is deterministic given the seed, and refuses bad options', () => {
    const a = simulateParticles(defaultSpec(2), defaultInit(2), { M: 500, T: 2, seed: 4 });
    const b = simulateParticles(defaultSpec(2), defaultInit(2), { M: 500, T: 2, seed: 4 });
    expect(b).toEqual(a);
    expect(() => simulateParticles(defaultSpec(1), defaultInit(1), { M: 2, T: 1, seed: 1 })).toThrow(SpecError);
    expect(() => simulateParticles(defaultSpec(1), defaultInit(1), { M: 100, T: 1, seed: 1, dt: 0 })).toThrow(/dt must be a positive number/);
  });

  it('a diverging run throws a DivergenceError with the model parameters and the moments so far as named series', () => {
    const spec = { ...defaultSpec(1), tau: 20, eta_T: 30, eta_G: 30 };
    try {
      simulateParticles(spec, defaultInit(1), { M: 200, T: 5, dt: 0.1, seed: 1, recordEvery: 0.2 });
      expect.unreachable();
    } catch (e) {
      const err = e as DivergenceError<Trajectory>;
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err.step).toBe(4);
      expect(err.t).toBeCloseTo(0.4, 12);
      expect(err.message).toMatch(/eta_T=30, .*M=200, seed=1/);
      expect(err.partial.t).toEqual([0, 0.2]);
      expect(Object.keys(err.partial.series)).toEqual(['P', 'q', 'r', 'z']);
      expect(err.partial.series.z[0]).toBeCloseTo(1, 12);
    }
  });

  it('d = 1: moments match the A.3 ODE within standard error + Euler bias', () => {
    checkMoments('d = 1', defaultSpec(1), defaultInit(1), 20000, 10, 0.01, 8);
  });

  it('d = 2 (column): moments match the A.4 ODE within standard error + Euler bias', () => {
    checkMoments('d = 2', defaultSpec(2), defaultInit(2), 20000, 8, 0.01, 8);
  });
});
