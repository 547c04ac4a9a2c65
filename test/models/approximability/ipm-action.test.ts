import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/index.ts';
import { specValuesFromFlags, SpecError, findTheory } from '../../../src/models/index.ts';
import { approximability, runExperiment, experimentFigure, type ApproximabilitySpec } from '../../../src/models/approximability/index.ts';
import { gaussianIpm } from '../../../src/models/approximability/index.ts';
import { klGaussian, w2Gaussian } from '../../../src/numeric/index.ts';

const action = approximability.actions![0];

function spec(flags: Record<string, string>): ApproximabilitySpec {
  return approximability.makeSpec(specValuesFromFlags(approximability, 'ipm', new Map(Object.entries(flags))));
}

async function cli(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

describe('gandyn ipm (the approximability theory’s standalone action)', () => {
  it('is registered, standalone, and its gaussian result agrees with the closed forms', () => {
    expect(findTheory('approximability')).toBe(approximability);
    expect(action.verb).toBe('ipm');
    expect(action.standalone).toBe(true);
    const s = spec({ class: 'gaussian', p: 'mean=0,0;cov=1,0.3,0.3,1', q: 'mean=0.5,0;var=2,0.5' });
    const r = action.run(s, {});
    const cov = Float64Array.of(1, 0.3, 0.3, 1), covQ = Float64Array.of(2, 0, 0, 0.5);
    expect(r.details.klPQ).toBeCloseTo(klGaussian([0, 0], cov, [0.5, 0], covQ, 2), 12);
    expect(r.details.w2).toBeCloseTo(w2Gaussian([0, 0], cov, [0.5, 0], covQ, 2), 12);
    expect(r.details.ipm).toBeCloseTo(gaussianIpm({ d: 2, mean: Float64Array.of(0, 0), cov }, { d: 2, mean: Float64Array.of(0.5, 0), cov: covQ }, 1).value, 12);
    const grid = r.details.grid as { relativeGap: number };
    expect(grid.relativeGap).toBeLessThan(1e-6);
    expect(r.lines.join('\n')).toContain('W_F ≤ W1(projection) holds');
  });

  it('expfamily, mixture and invertible run and report their bounds', () => {
    const e = action.run(spec({ class: 'expfamily', p: 'theta=0.5,-1', q: 'theta=1,0' }), {});
    expect((e.details.theorem32 as { holds: boolean }).holds).toBe(true);
    const m = action.run(spec({ class: 'mixture', p: 'weights=0.5,0.5;means=0,0,2,0', q: '{"weights":[0.3,0.7],"means":[[0,0.5],[2,0]]}', samples: '2000', steps: '10' }), {});
    const mk = m.details.klSymmetric as { mean: number }, mi = m.details.ipm as { mean: number; se: number };
    expect(mk.mean).toBeLessThanOrEqual(mi.mean + 4 * mi.se);
    const v = action.run(spec({ class: 'invertible', p: 'seed=1', q: 'seed=1;perturb=0.2', samples: '1000', steps: '3', layers: '2' }), {});
    expect(v.details.layers).toBe(2);
    expect((v.details.klSymmetric as { mean: number }).mean).toBeGreaterThan(0);
  });

  it('refuses bad input in makeSpec with one clear line naming the flag', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ class: 'gaussian', p: 'mean=0,0;cov=1,2,2,1', q: 'mean=0,0;sigma=1' }, /--p: covariance is not positive definite/],
      [{ class: 'gaussian', p: 'mean=0,0;cov=1,0.1,0,1', q: 'mean=0,0;sigma=1' }, /--p: covariance is not symmetric/],
      [{ class: 'gaussian', p: 'mean=0,0;sigma=1', q: 'mean=0;sigma=1' }, /dimension mismatch/],
      [{ class: 'gaussian', p: 'mean=0,0;cov=1,0,0', q: 'mean=0,0;sigma=1' }, /--p cov has 3 entries, expected 2×2/],
      [{ class: 'gaussian', p: 'mean=0,0;sigma=1', q: 'mean=0,0;sigma=1;constructor=1' }, /--q: unknown key "constructor"/],
      [{ class: 'gaussian', p: 'mean=0,x', q: 'mean=0,0;sigma=1' }, /--p mean: "x" is not a finite decimal number/],
      [{ class: 'gaussian', p: 'mean=0', q: 'mean=0;sigma=1' }, /--p: give exactly one of cov, var, sigma/],
      [{ class: 'gaussian', q: 'mean=0;sigma=1' }, /--p is required/],
      [{ class: 'expfamily', p: 'theta=5,0', q: 'theta=0,0' }, /above --R 3/],
      [{ class: 'mixture', p: 'weights=0.5,0.6;means=0,0,1,1', q: 'weights=1;means=0,0' }, /--p: weights sum to 1.1/],
      [{ class: 'mixture', p: '{"weights":[0.5,0.5],"means":[[0,0],[1]]}', q: 'weights=1;means=0,0' }, /dimension mismatch/],
      [{ class: 'invertible', p: '{"gamma":[1,1],"layers":[{"W":[[1,2],[2,4]],"b":[0,0]}]}', q: 'seed=2', layers: '1' }, /--p layers\[0\]\.W is not invertible/],
      [{ class: 'invertible', p: '{"gamma":[1,1],"layers":[{"W":[[1,0],[0,1]],"b":[0,0,0]}]}', q: 'seed=2', layers: '1' }, /b has 3 entries, expected 2 \(dimension mismatch\)/],
      [{ class: 'invertible', p: '{"gamma":[1,1],"layers":[{"W":[[5,0],[0,1]],"b":[0,0]}]}', q: 'seed=2', layers: '1' }, /outside \[1\/--RW, --RW\]/],
      [{ class: 'invertible', p: 'seed=1', q: 'seed=2', d: '2', layers: '2', delta: '0.3' }, null as unknown as RegExp],
      [{ class: 'invertible', p: '{"gamma":[1,1],"layers":[{"W":[[1,0],[0,1]],"b":[0,0]}]}', q: 'seed=2', d: '3', layers: '1' }, /dimension mismatch/],
      [{ class: 'invertible', p: '{not json', q: 'seed=2' }, /--p: not valid JSON/],
    ];
    for (const [flags, message] of bad) {
      if (message === null) { expect(() => spec(flags)).not.toThrow(); continue; }
      let caught: unknown;
      try { spec(flags); } catch (e) { caught = e; }
      expect(caught, JSON.stringify(flags)).toBeInstanceOf(SpecError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain('\n');
    }
  });

  it('through the CLI: exit 2 with the message on bad input, exit 0 and JSON on good input', async () => {
    const bad = await cli('ipm', '--class', 'gaussian', '--p', 'mean=0,0;cov=1,2,2,1', '--q', 'mean=0,0;sigma=1');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--p: covariance is not positive definite/);
    const ok = await cli('ipm', '--class', 'expfamily', '--p', 'theta=0.5,-1', '--q', 'theta=1,0', '--json');
    expect(ok.code).toBe(0);
    const j = JSON.parse(ok.out);
    expect(j.class).toBe('expfamily');
    expect(j.ipm).toBeGreaterThan(0);
  });
});

describe('figures and simulate through the CLI', () => {
  it('figures approximability writes the five scatters; simulate runs with tiny sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apx-'));
    const f = await cli('figures', 'approximability', '--pairs', '2', '--out', dir, '--json');
    expect(f.code, f.err).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['approximability-dilemma.svg', 'approximability-expfamily.svg', 'approximability-gaussian.svg', 'approximability-invertible.svg', 'approximability-mixture.svg']);
    const s = await cli('simulate', 'approximability', '--dims', '2', '--iterations', '1', '--perturbed', '3', '--critic-steps', '1', '--kl-samples', '100', '--checkpoints', '1', '--layers', '2', '--json');
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out).t).toEqual([0, 1]);
    const big = await cli('simulate', 'approximability', '--dims', '10', '--json');
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/above the limit/);
  }, 60_000);
});

describe('simulate approximability (E.3), tiny', () => {
  it('runs, is deterministic, and draws its figure', () => {
    const values = specValuesFromFlags(approximability, 'simulate', new Map([['dims', '2'], ['iterations', '4'], ['perturbed', '3'], ['layers', '2']]));
    const base = approximability.makeSpec(values);
    const s = { ...base, eval: { klSamples: 200, train: 64, test: 200, restrictedSteps: 3, mlpSteps: 5, batch: 16, criticSteps: 1, checkpoints: 2 } } as ApproximabilitySpec;
    const a = runExperiment(s as never), b = runExperiment(s as never);
    expect(a.series).toEqual(b.series);
    expect(a.t).toEqual([0, 2, 4]);
    expect(a.series.klSym_d2.every((x) => Number.isFinite(x) && x >= -1e-9)).toBe(true);
    const fig = experimentFigure(a);
    expect(fig.svg).toContain('<svg');
    expect(approximability.simulateCost!(base)).toBeGreaterThan(0);
  });

  it('refuses dims outside 2..10', () => {
    const values = specValuesFromFlags(approximability, 'simulate', new Map([['dims', '2,11']]));
    expect(() => approximability.makeSpec(values)).toThrow(/--dims must be a comma list of integers in 2..10/);
  });
});
