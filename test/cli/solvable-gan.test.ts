import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.ts';
import { parse } from '../../src/symbolic/index.ts';

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

describe('gandyn derive solvable-gan', () => {
  it('--json gives state, params, drift and diffusion in the input grammar', async () => {
    const r = await run('derive', 'solvable-gan', '--d', '2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.state).toEqual(['P11', 'P12', 'P21', 'P22', 'q1', 'q2', 'r1', 'r2', 'S12']);
    expect(Object.keys(j.drift)).toEqual(j.state);
    for (const e of Object.values(j.drift) as string[]) expect(() => parse(e)).not.toThrow();
    expect(Object.keys(j.diffusion)).toEqual(j.sde.state);
    for (const e of Object.values(j.diffusion) as string[]) expect(() => parse(e)).not.toThrow();
  });

  it('--latex prints the ODE and the SDE, each rendering in KaTeX', async () => {
    const r = await run('derive', 'solvable-gan', '--latex');
    expect(r.code).toBe(0);
    const blocks = r.out.split('\n').filter((l) => !l.startsWith('%')).join('\n').split('\\end{align}').filter((b) => b.trim());
    expect(blocks).toHaveLength(2);
    for (const b of blocks) {
      expect(() => katex.renderToString(`${b}\\end{align}`, { throwOnError: true, displayMode: true })).not.toThrow();
    }
    expect(r.out).toMatch(/\\tau_\{g\}/);
  });

  it('refuses an unknown model and a bad d', async () => {
    expect((await run('derive', 'nope')).code).toBe(2);
    expect((await run('derive', 'solvable-gan', '--d', '0')).code).toBe(2);
    expect((await run('derive', 'solvable-gan', '--normalization', 'qr')).code).toBe(2);
  });
});

describe('gandyn phase solvable-gan', () => {
  it('d = 2, eta = 1, 2, 4, 5: oscillation, success, collapse, failure', async () => {
    const phases = [];
    for (const eta of ['1', '2', '4', '5']) {
      const r = await run('phase', 'solvable-gan', '--d', '2', '--set', `eta=${eta}`, '--json');
      expect(r.code).toBe(0);
      phases.push(JSON.parse(r.out));
    }
    expect(phases.map((p) => p.phase)).toEqual(['oscillation', 'success', 'collapse', 'failure']);
    expect(phases[2].recovered).toEqual([false, true]);
    expect(phases[3].recovered).toEqual([false, false]);
  });

  it('reproduces P_c = 0.884 for lambda = 3, eta = 2 (docs/solvable-gan.md A.6)', async () => {
    const j = JSON.parse((await run('phase', 'solvable-gan', '--set', 'eta=2', '--json')).out);
    expect(j.features[0].criticalOverlap).toBeCloseTo(0.8844, 4);
  });
});

describe('gandyn simulate / integrate solvable-gan', () => {
  it('simulate is deterministic for a seed and differs across seeds', async () => {
    const a = await run('simulate', 'solvable-gan', '--n', '300', '--T', '3', '--seed', '5', '--json');
    const b = await run('simulate', 'solvable-gan', '--n', '300', '--T', '3', '--seed', '5', '--json');
    const c = await run('simulate', 'solvable-gan', '--n', '300', '--T', '3', '--seed', '6', '--json');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out).not.toBe(c.out);
    const j = JSON.parse(a.out);
    expect(j.t).toEqual([0, 1, 2, 3]);
    expect(Object.keys(j.series)).toEqual(['P', 'q', 'r']);
  });

  it('integrate takes the same flags and writes --out atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gandyn-'));
    const file = join(dir, 'traj.json');
    const r = await run('integrate', 'solvable-gan', '--d', '2', '--T', '4', '--set', 'lambda=3,5,eta=2', '--init', 'P11=0.2', '--out', file);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    expect(j.series.P11[0]).toBe(0.2);
    // default r = Pᵀq with the changed P11
    expect(j.series.r1[0]).toBeCloseTo(0.2 * 0.1, 12);
    expect(j.t).toHaveLength(5);
  });

  it('bad parameters and impossible initial overlaps exit with code 2 and one line', async () => {
    for (const args of [
      ['--set', 'tau=-1'], ['--set', 'lambda=3,5'], ['--set', 'eta_T=abc'], ['--set', 'foo=1'],
      ['--init', 'P=2'], ['--init', 'q=0.9,r=-0.9,P=0.9'], ['--T', '-1'], ['--n', '2'],
    ]) {
      const r = await run('simulate', 'solvable-gan', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('a diverging run stops with exit 2, names the variable, step and parameters, and keeps its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gandyn-'));
    const file = join(dir, 'div.json');
    const r = await run('simulate', 'solvable-gan', '--n', '200', '--T', '3', '--set', 'tau=1e200', '--out', file);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/w = /);
    expect(r.err).toMatch(/step 1/);
    expect(r.err).toMatch(/tau=1e\+200/);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    expect(j.diverged).toMatch(/Divergence/);
    expect(j.series.P).toHaveLength(1);
  });

  it('a diverging integration keeps the recorded part, named by state variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gandyn-'));
    const file = join(dir, 'idiv.json');
    const r = await run('integrate', 'solvable-gan', '--T', '5', '--set', 'tau=1e200', '--out', file);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(j.series)).toEqual(['P', 'q', 'r']);
    expect(j.series.P[0]).toBe(0.1);
    expect(j.diverged).toMatch(/Divergence/);
  });
});
