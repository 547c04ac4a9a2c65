// The two noise modes of the online SGD (SimulateOptions.noise, CLI --noise) give the
// overlaps the same law: 'projected' draws aᵀw, ãᵀw as scalars and the rest of the
// noise as σ(b − (bᵀw)w), which is exact in law given the past (simulate.ts). Checked on
// the final overlaps of many independent short runs: means and variances of each mode
// agree within the two-sample z bound at level 1e-6 (Bonferroni over the comparisons),
// and the same statistic does flag a run whose law differs (a changed noise level), so
// the check has power at this sample size.
import { describe, expect, it } from 'vitest';
import { simulateSgd, stateNames, defaultInit, defaultSpec, type SolvableGanSpec } from '../../../src/models/solvable-gan/index.ts';
import { normalQuantile } from '../../../src/numeric/index.ts';
import { main } from '../../../src/cli/index.ts';

const RUNS = 300, N = 60, T = 2;

function finals(spec: SolvableGanSpec, noise: 'full' | 'projected', firstSeed: number): number[][] {
  const d = spec.d;
  const names = stateNames(d);
  return Array.from({ length: RUNS }, (_, k) => {
    const r = simulateSgd(spec, defaultInit(d), { n: N, T, seed: firstSeed + k, noise });
    return names.map((nm) => r.series[nm][r.series[nm].length - 1]);
  });
}

/** Largest two-sample |z| over the components' means and variances. */
function worstZ(a: number[][], b: number[][]): number {
  let worst = 0;
  for (let c = 0; c < a[0].length; c++) {
    const stats = (xs: number[][]) => {
      const n = xs.length;
      const mean = xs.reduce((s, x) => s + x[c], 0) / n;
      const dev = xs.map((x) => (x[c] - mean) ** 2);
      const v = dev.reduce((s, x) => s + x, 0) / (n - 1);
      // standard error of the sample variance from the sample's own fourth moment
      const m4 = dev.reduce((s, x) => s + x * x, 0) / n;
      return { mean, se2Mean: v / n, v, se2Var: Math.max(m4 - v * v, 0) / n };
    };
    const A = stats(a), B = stats(b);
    worst = Math.max(worst,
      Math.abs(A.mean - B.mean) / Math.sqrt(A.se2Mean + B.se2Mean),
      Math.abs(A.v - B.v) / Math.sqrt(A.se2Var + B.se2Var));
  }
  return worst;
}

describe("online SGD noise modes 'full' and 'projected'", () => {
  it('give the final overlaps the same law (means and variances, d = 1 and d = 2)', () => {
    for (const d of [1, 2]) {
      const spec = defaultSpec(d);
      const comparisons = 2 * stateNames(d).length;
      const zMax = normalQuantile(1 - 1e-6 / (2 * comparisons));
      const z = worstZ(finals(spec, 'full', 1), finals(spec, 'projected', 100_001));
      expect(z, `d = ${d}: worst two-sample |z| ${z.toFixed(2)} > ${zMax.toFixed(2)}`).toBeLessThan(zMax);
    }
  });

  it('the same statistic detects a different law (eta_T = 2 against 4)', () => {
    const spec = defaultSpec(1);
    const zMax = normalQuantile(1 - 1e-6 / (2 * 2 * stateNames(1).length));
    const z = worstZ(finals(spec, 'full', 1), finals({ ...spec, eta_T: 4 }, 'projected', 100_001));
    expect(z).toBeGreaterThan(zMax);
  });

  it('the CLI selects the mode with --noise and refuses other values with exit 2', async () => {
    const run = async (...argv: string[]) => {
      let out = '', err = '';
      const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
      return { code, out, err };
    };
    const args = ['simulate', 'solvable-gan', '--n', '200', '--T', '2', '--seed', '3', '--json'];
    const full = await run(...args);
    const fullExplicit = await run(...args, '--noise', 'full');
    const projected = await run(...args, '--noise', 'projected');
    expect(full.code).toBe(0);
    expect(projected.code).toBe(0);
    expect(fullExplicit.out).toBe(full.out);
    expect(projected.out).not.toBe(full.out);
    const bad = await run(...args, '--noise', 'half');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/noise/);
  });
});
