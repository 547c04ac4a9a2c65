// The effective-gan commands through main(): simulate, phase, figures, damping, derive;
// bad input exits 2 with one line; a blow-up exits 2 and keeps the partial metrics.
import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/index.ts';

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}
const dir = mkdtempSync(join(tmpdir(), 'gandyn-effective-'));
const SMALL = ['--particles', '16', '--steps', '30', '--width', '16'];

describe('gandyn … effective-gan', () => {
  it('simulate: order parameters per step as JSON', async () => {
    const r = await run('simulate', 'effective-gan', ...SMALL, '--every', '10', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.t).toEqual([0, 10, 20, 30]);
    expect(Object.keys(j.series)).toEqual(expect.arrayContaining(['diversity', 'collapse', 'quality', 'covered', 'centre_motion', 'relative_motion']));
    for (const v of j.series.collapse) { expect(v).toBeGreaterThanOrEqual(-1e-7); expect(v).toBeLessThanOrEqual(1 + 1e-7); }
  });

  it('the initial cloud sits off the symmetric origin (one collapsed cloud), or at it with --init-centre 0', async () => {
    const off = JSON.parse((await run('simulate', 'effective-gan', '--steps', '0', '--json')).out);
    const at0 = JSON.parse((await run('simulate', 'effective-gan', '--steps', '0', '--init-centre', '0', '--json')).out);
    expect(off.series.collapse[0]).toBeGreaterThan(0.9);
    expect(at0.series.collapse[0]).toBeLessThan(0.2); // the origin is equidistant from the 8 modes
  });

  it('other paths: latent kernel, kernel critic, BCE, Adam, mean coupling, grid25, MNIST', async () => {
    for (const args of [
      ['--kernel', 'latent', '--latent-dim', '64'], ['--critic', 'kernel', '--critic-kernel', 'rbf(2)'], ['--critic', 'kernel'],
      ['--loss', 'bce', '--optimizer', 'adam', '--lr-d', '0.001'], ['--coupling', 'mean', '--critic', 'erf', '--depth', '2'],
      ['--target', 'grid25', '--targets', '50', '--penalty', 'half'], ['--target', 'mnist', '--particles', '10', '--steps', '3', '--width', '4'],
    ]) {
      const r = await run('simulate', 'effective-gan', ...SMALL, ...args, '--json');
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.series.diversity.every((v: number) => Number.isFinite(v))).toBe(true);
    }
  });

  it('bad input exits 2 with one line naming the flag', async () => {
    for (const [args, msg] of [
      [['--g2-ratio', '1'], /--g2-ratio must be in \[0, 1\)/], [['--g2-ratio', '-0.1'], /--g2-ratio/], [['--particles', '1'], /--particles/],
      [['--lr-g', '-0.1'], /--lr-g must be a positive number/], [['--lr-d', '0'], /--lr-d/], [['--target', 'cifar'], /--target must be one of ring8, grid25, mnist/],
      [['--critic', 'kernel', '--critic-kernel', 'serial(dense(1'], /--critic-kernel/], [['--generator', 'nonsense'], /--generator/],
    ] as const) {
      const r = await run('simulate', 'effective-gan', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const p = await run('phase', 'effective-gan', '--ratios', '0,1');
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/--ratios/);
    const big = await run('phase', 'effective-gan', '--ratios', '0,0.1,0.2,0.3,0.4,0.5,0.6,0.7', '--lr-ds', '1,2,3,4,5,6,7,8', '--particles', '4096', '--steps', '100000');
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/above the limit/);
  });

  it('a blow-up exits 2 naming the step and writes the metrics so far to --out', async () => {
    const out = join(dir, 'partial.json');
    const r = await run('simulate', 'effective-gan', ...SMALL, '--g2-ratio', '0.9', '--lr-g', '5', '--blowup', '100', '--every', '1', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/diverged at step \d+ of 30/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.t[0]).toBe(0);
    expect(j.series.diversity.length).toBe(j.t.length);
    expect(j.diverged).toMatch(/diverged/);
  });

  it('phase: the collapse table and JSON over a small grid', async () => {
    const r = await run('phase', 'effective-gan', ...SMALL, '--ratios', '0,0.9', '--lr-ds', '0.001,0.01', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.collapse).toHaveLength(2);
    expect(j.collapse[0]).toHaveLength(2);
    expect(j.linearBoundary).toBeCloseTo(1 / 17, 12);
    expect(['transition', 'collapse', 'coverage', 'diverged']).toContain(j.phase);
  });

  it('phase with the default model: collapse at (g2/g1 = 0.9, η_D = 3e-4), coverage at (0, 1e-2), mean of 2 seeds', async () => {
    const r = await run('phase', 'effective-gan', '--particles', '50', '--steps', '200', '--ratios', '0,0.9', '--lr-ds', '0.0003,0.01', '--seeds', '2', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.collapse[0][1]).toBeGreaterThan(0.8);
    expect(j.collapse[1][0]).toBeLessThan(0.2);
    expect(j.phase).toBe('transition');
  });

  it('figures: collapse diagram, particles and kernel concentration as SVG', async () => {
    const out = join(dir, 'figs');
    const r = await run('figures', 'effective-gan', ...SMALL, '--ratios', '0,0.5', '--lr-ds', '0.01', '--out', out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['collapse-diagram.svg', 'kernel-concentration.svg', 'particles.svg']);
    expect(readFileSync(join(out, 'collapse-diagram.svg'), 'utf8')).toMatch(/^<svg[\s\S]*1\/\(N\+1\)/);
  });

  it('damping: derived λ_c, the measured optimum within 15 %, LaTeX that KaTeX renders, two SVGs', async () => {
    const figs = join(dir, 'damping');
    const r = await run('damping', 'effective-gan', '--particles', '4', '--points', '15', '--json', '--figures', figs);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.derivation.lambdaCMatchesDocs).toBe(true);
    expect(j.lambdaC).toBeCloseTo(Math.sqrt(0.01 * 0.95 / 0.01), 12);
    expect(Math.abs(j.relativeError)).toBeLessThan(0.15);
    expect(readdirSync(figs).sort()).toEqual(['damping-scan.svg', 'damping-trajectories.svg']);
    const t = await run('damping', 'effective-gan', '--particles', '4', '--points', '5', '--latex');
    expect(t.code).toBe(0);
    for (const line of t.out.split('\n').filter((l) => l && !l.startsWith('%'))) expect(() => katex.renderToString(line, { displayMode: true, throwOnError: true })).not.toThrow();
    const bad = await run('damping', 'effective-gan', '--penalty', 'none');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--penalty none/);
  });

  it('derive prints the linearised mode system; integrate runs it', async () => {
    const r = await run('derive', 'effective-gan');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dq\/dt = eta_G\*g\*psi/);
    const i = await run('integrate', 'effective-gan', '--T', '100', '--every', '50', '--json');
    expect(i.code).toBe(0);
    expect(JSON.parse(i.out).t).toEqual([0, 50, 100]);
  });
});
