import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/index.ts';
import { moments } from '../../../src/models/index.ts';
import { specValuesFromFlags } from '../../../src/models/index.ts';
import { runMoments } from '../../../src/models/moments/moments-action.ts';

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

describe('gandyn moments', () => {
  it('the action run directly: the cubic pair formula and exact tensors', () => {
    const spec = moments.makeSpec(specValuesFromFlags(moments, 'moments', new Map([['generator', 'd=2; m=2; k=2; activation=t^3; seed=1'], ['order', '2']])));
    const r = runMoments(spec.query);
    expect(r.details.exact).toBe(true);
    expect(JSON.stringify(r.details.unitMomentFormulas)).toContain('9 g_{11} g_{12} g_{22} + 6 g_{12}^{3}');
  });

  it('prints the tensors, the distance to --other and a Monte Carlo check (JSON)', async () => {
    const r = await run('moments', '--generator', 'd=2; m=2; k=2; activation=relu; seed=1', '--order', '3', '--other', 'd=2; m=3; k=2; activation=tanh; seed=2', '--samples', '20000', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.method).toBe('hermite');
    expect(j.moments).toHaveLength(3);
    expect(j.moments[1].entries).toHaveLength(3);
    expect(j.distance.value).toBeCloseTo(j.distance.discrepancies.reduce((a: number, b: number) => a + b, 0), 12);
    expect(Math.max(...j.monteCarlo.maxZ)).toBeLessThan(5);
  });

  it('--latex renders with KaTeX', async () => {
    const r = await run('moments', '--order', '2', '--latex');
    expect(r.code).toBe(0);
    const blocks = r.out.trim().split('\n').map((l) => l.replace(/^\$\$|\$\$$/g, ''));
    expect(blocks.length).toBeGreaterThan(4);
    for (const b of blocks) expect(() => katex.renderToString(b, { throwOnError: true })).not.toThrow();
  });

  it('bad generator specs exit 2 with one line naming the key', async () => {
    for (const [spec, what] of [
      ['d=0', 'd must be'], ['x=1', 'unknown key'], ['constructor=1', 'unknown key'], ['activation=foo(t)', 'activation'], ['{"d": [1]}', 'd must be'],
      ['{bad', 'invalid JSON'], ['d=2; m=1; A=[[1,2]]', 'A must be a list of 2 rows'], ['activation=exp(t^2)', 'not finite'], ['d=200; activation=t^3', 'above the limit'],
    ]) {
      const r = await run('moments', '--generator', spec, ...(spec.startsWith('d=200') ? ['--order', '4'] : []));
      expect(r.code, spec).toBe(2);
      expect(r.err, spec).toContain(what);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run('moments', '--order', '5')).code).toBe(2);
    expect((await run('moments', '--other', 'd=3; m=1')).code).toBe(0);
    expect((await run('moments', '--other', 'd=4; m=1')).code).toBe(2);
  });
});

describe('gandyn simulate / figures / recover moments', () => {
  it('simulate: discrepancy series per critic and degree; exact gradients refuse the MLP', async () => {
    const r = await run('simulate', 'moments', '--critic', 'poly3', '--steps', '10', '--every', '5', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.t).toEqual([0, 5, 10]);
    expect(Object.keys(j.series)).toEqual(['poly3_m1', 'poly3_m2', 'poly3_m3', 'poly3_m4']);
    expect((await run('simulate', 'moments', '--gradient', 'exact', '--critic', 'mlp')).code).toBe(2);
    expect((await run('simulate', 'moments', '--every', '500', '--steps', '10')).code).toBe(2);
  });

  it('figures: one SVG with a panel per critic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gandyn-moments-'));
    const r = await run('figures', 'moments', '--out', dir, '--steps', '4', '--every', '2', '--batch', '8');
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['moments-discrepancy.svg']);
    expect(readFileSync(join(dir, 'moments-discrepancy.svg'), 'utf8')).toContain('critic mlp');
  });

  it('recover: error per n, a fitted slope, a figure; hypotheses checked first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gandyn-recover-'));
    const r = await run('recover', 'moments', '--sizes', '2000,8000', '--trials', '2', '--json', '--figures', dir);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sizes).toEqual([2000, 8000]);
    expect(j.error[1]).toBeLessThan(j.error[0]);
    expect(readdirSync(dir)).toEqual(['moments-recovery.svg']);
    for (const [flag, value] of [['--generator', 'd=2; m=3; k=3'], ['--generator', 'd=4; m=2; k=2; activation=t^3'], ['--sizes', '10,20'], ['--sizes', '1000']]) {
      const bad = await run('recover', 'moments', flag, value);
      expect(bad.code, value).toBe(2);
    }
  });
});
