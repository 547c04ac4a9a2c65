// The heart of the solvable-GAN check: finite-n SGD against the derived ODE, as a
// rate over n, and the phases seen three ways (linearisation, long ODE run, SGD).
import { describe, expect, it } from 'vitest';
import { convergenceRate, comparePhases, odeTrajectory } from '../../../src/models/solvable-gan/index.ts';
import { simulateSgd } from '../../../src/models/solvable-gan/index.ts';
import { ensembleDeviation } from './reference-ode.ts';
import { defaultInit, defaultSpec } from '../../../src/models/solvable-gan/index.ts';
import { CONVERGENCE_SETUP, SLOPE_BAND } from '../../../src/models/solvable-gan/index.ts';
import { PHASE_SETUP } from '../../../src/models/solvable-gan/index.ts';

describe('solvable GAN: theory against simulation', () => {
  it('max_t |SGD − ODE| shrinks like n^(-1/2) (slope fitted over n = 500 … 4000)', () => {
    const r = convergenceRate({ ...CONVERGENCE_SETUP, seeds: 16, firstSeed: 11 });
    const table = r.ns.map((n, i) => `n=${n}: ${r.deviations[i].toFixed(4)} ± ${r.standardErrors[i].toFixed(4)}`).join(', ');
    console.log(`convergence: ${table}; slope ${r.fit.slope.toFixed(3)} ± ${r.fit.slopeStdErr.toFixed(3)}`);
    expect(r.fit.slope, `fitted slope (${table})`).toBeGreaterThanOrEqual(SLOPE_BAND[0]);
    expect(r.fit.slope, `fitted slope (${table})`).toBeLessThanOrEqual(SLOPE_BAND[1]);
  });

  it('d = 3 (no table to copy): the derived ODE against SGD at n = 2000, mean of 6 runs within 5 standard errors', () => {
    const spec = defaultSpec(3), init = defaultInit(3), n = 2000, T = 8, K = 6;
    const ode = odeTrajectory(spec, init, T);
    const sims = Array.from({ length: K }, (_, k) => simulateSgd(spec, init, { n, T, seed: 300 + k, noise: 'projected' }));
    const ens = ensembleDeviation(sims, ode);
    const rows: string[] = [];
    for (const [name, v] of Object.entries(ens.byName)) {
      // the mean of K runs fluctuates by spread/√K; O(1/n) finite-size bias allowed as T/n
      const tol = (5 * v.spread) / Math.sqrt(K) + T / n;
      rows.push(`${name}: |mean - ODE| ${v.meanDeviation.toExponential(2)} vs ${tol.toExponential(2)} (spread·√n ${(v.spread * Math.sqrt(n)).toFixed(2)})`);
      expect(v.meanDeviation, rows.at(-1)).toBeLessThanOrEqual(tol);
    }
    console.log(`d = 3:\n${rows.join('\n')}`);
  });

  it('phases at eta = 1, 2, 4, 5 (d = 2): linearisation, ODE to t = 600 and SGD at n = 2000 agree', () => {
    const rows = comparePhases({ ...PHASE_SETUP, seed: 3 });
    rows.forEach((r, i) => {
      const detail = `eta ${r.eta}: formula ${r.formula.phase} ${JSON.stringify(r.formula.recovered)}, `
        + `ODE ${r.ode.phase} P=${r.ode.finalOverlaps.map((v) => v.toFixed(3))}, `
        + `SGD ${r.simulation!.phase} P=${r.simulation!.finalOverlaps.map((v) => v.toFixed(3))} max|q| ${r.simulation!.lateDiscriminatorOverlap.toFixed(3)}`;
      expect(r.formula.phase, detail).toBe(PHASE_SETUP.expected[i]);
      expect(r.ode.phase, detail).toBe(r.formula.phase);
      expect(r.ode.recovered, detail).toEqual(r.formula.recovered);
      expect(r.simulation!.phase, detail).toBe(r.formula.phase);
      expect(r.simulation!.recovered, detail).toEqual(r.formula.recovered);
    });
  });
});
