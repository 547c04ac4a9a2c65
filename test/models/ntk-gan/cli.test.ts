import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/index.ts';
import { kernels } from '../../../src/ntk/index.ts';
import { parseArchitecture } from '../../../src/ntk/index.ts';

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'gandyn-ntk-'));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const RELU3 = 'serial(dense(1, 1), relu, dense(1, 1), relu, dense(1, 1), relu, dense(1, 1))';

describe('gandyn ntk', () => {
  it('prints {"nngp", "ntk"} equal to kernels(); F.3\'s ReLU test vectors', async () => {
    const a = file('a.json', [[1, 0], [0.3, -0.2]]), b = file('b.json', [[0.6, 0.8], [-1, 2], [1, 0]]);
    const r = await run('ntk', '--arch', RELU3, '--x1', a, '--x2', b, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const ref = kernels(parseArchitecture(RELU3), [[1, 0], [0.3, -0.2]], [[0.6, 0.8], [-1, 2], [1, 0]]);
    expect(j.nngp.flat()).toEqual(Array.from(ref.nngp.data));
    expect(j.ntk.flat()).toEqual(Array.from(ref.ntk!.data));
    expect(j.nngp[0][0]).toBeCloseTo(1.917693, 6);
    expect(j.ntk[0][0]).toBeCloseTo(3.234406, 6);
    expect(j.ntk[0][1]).toBeCloseTo(2.921453, 6);
    expect(j.nngp[0][2]).toBe(1.9375);
    expect(j.ntk[0][2]).toBe(3.5);
  });

  it('x2 defaults to x1 (a symmetric Gram matrix); the table form without --json', async () => {
    const a = file('g.json', [[1, 0, 2], [0.5, -1, 0], [2, 2, 2]]);
    const r = await run('ntk', '--arch', 'serial(dense(1.5, 0.5), erf, dense(1.5, 0.5))', '--x1', a, '--json');
    const j = JSON.parse(r.out);
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(j.ntk[i][k]).toBe(j.ntk[k][i]);
    const t = await run('ntk', '--arch', 'serial(dense(1.5, 0.5), erf, dense(1.5, 0.5))', '--x1', a);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^nngp \(3×3\):/);
    expect(t.out).toMatch(/\nntk \(3×3\):/);
  });

  it('--parameterization standard (with --width) changes the NTK, not the NNGP', async () => {
    const a = file('s.json', [[1, 0], [0, 1]]);
    const arch = 'serial(dense(1.5, 0.3), relu, dense(1.5, 0.3))';
    const ntk = JSON.parse((await run('ntk', '--arch', arch, '--x1', a, '--json')).out);
    const std = JSON.parse((await run('ntk', '--arch', arch, '--x1', a, '--parameterization', 'standard', '--width', '64', '--json')).out);
    expect(std.nngp).toEqual(ntk.nngp);
    expect(std.ntk[0][0]).not.toBeCloseTo(ntk.ntk[0][0], 3);
    const noWidth = await run('ntk', '--arch', arch, '--x1', a, '--parameterization', 'standard');
    expect(noWidth.code).toBe(2);
    expect(noWidth.err).toMatch(/width/);
  });

  it('--latex prints the recursion, rendering in KaTeX', async () => {
    const r = await run('ntk', '--arch', RELU3, '--latex');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\\Theta_\{4,xy\}/);
    expect(() => katex.renderToString(r.out, { throwOnError: true, displayMode: true })).not.toThrow();
  });

  it.each([
    ['a missing file', () => ['--x1', join(dir, 'nope.json')], /cannot read the file \(ENOENT\)/],
    ['ragged rows', () => ['--x1', file('r.json', [[1, 2], [3]])], /ragged rows: row 1 has 1 entries but row 0 has 2/],
    ['a dimension mismatch', () => ['--x1', file('d1.json', [[1, 2]]), '--x2', file('d2.json', [[1, 2, 3]])], /dimension mismatch/],
    ['not JSON', () => ['--x1', file('bad.json', '[[1, 2]')], /not JSON/],
    ['not rows', () => ['--x1', file('flat.json', [1, 2, 3])], /row 0 is not an array/],
    ['a non-number', () => ['--x1', file('nan.json', [[1, 'x']])], /not a finite number/],
    ['no inputs', () => [], /give --x1/],
  ])('exit 2 with one line for %s', async (_name, args, message) => {
    const r = await run('ntk', '--arch', RELU3, ...args());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('exit 2 for a bad architecture or parameterization', async () => {
    const a = file('ok.json', [[1, 0]]);
    for (const args of [['--arch', 'serial(dense(1, 1), relu'], ['--arch', 'serial(dense(1, 1), nosuch, dense(1, 1))'], ['--arch', RELU3, '--parameterization', 'fancy']]) {
      const r = await run('ntk', ...args, '--x1', a);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('gandyn ntk-gan', () => {
  it('writes metrics.json, metrics.csv, particles.json and particles.svg to --out', async () => {
    const out = join(dir, 'run1');
    const r = await run('ntk-gan', '--dataset', 'eight_gaussians', '--loss', 'ipm', '--kernel', 'relu', '--steps', '20', '--seed', '3', '--particles', '60', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['metrics.csv', 'metrics.json', 'particles.json', 'particles.svg']);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,mmd2,mmd2_rbf,energy_distance,seconds');
    expect(csv.length).toBe(1 + 21);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    expect(rows[rows.length - 1][0]).toBe(20);
    expect(rows[rows.length - 1][1]).toBeLessThan(rows[0][1] / 10);
    const j = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(j.config).toMatchObject({ dataset: 'eight_gaussians', loss: 'ipm', steps: 20, particles: 60, lrG: 120 });
    expect(j.nonSmooth.diagonal).toBe(60 * 20);
    const p = JSON.parse(readFileSync(join(out, 'particles.json'), 'utf8'));
    expect(p.snapshots.map((s: { step: number }) => s.step)).toEqual([0, 1, 2, 5, 10, 20]);
    expect(p.snapshots[0].particles).toHaveLength(60);
    expect(readFileSync(join(out, 'particles.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    // the same seed gives the same run
    const again = await run('ntk-gan', '--steps', '20', '--seed', '3', '--particles', '60', '--json');
    expect(JSON.parse(again.out).metrics.map((m: { mmd2: number }) => m.mmd2)).toEqual(j.metrics.map((m: { mmd2: number }) => m.mmd2));
  });

  it('modes_1d with LSGAN, vanilla (Lambert W), RBF and a finite-width hinge discriminator', async () => {
    for (const args of [
      ['--dataset', 'modes_1d', '--loss', 'lsgan', '--kernel', 'rbf', '--steps', '5', '--particles', '40'],
      ['--dataset', 'modes_1d', '--loss', 'vanilla', '--vanilla', 'lambertw', '--steps', '5', '--particles', '40'],
      ['--dataset', 'modes_1d', '--loss', 'hinge', '--width', '32', '--disc-lr', '0.1', '--steps', '3', '--particles', '20'],
      ['--dataset', 'eight_gaussians', '--steps', '4', '--particles', '30', '--sinkhorn', '0.05'],
    ]) {
      const r = await run('ntk-gan', ...args, '--json');
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.metrics.length).toBeGreaterThan(1);
      if (args.includes('--sinkhorn')) expect(j.sinkhorn[0].divergence).toBeGreaterThan(j.sinkhorn[j.sinkhorn.length - 1].divergence);
    }
  });

  it('prints a metrics table without --out or --json', async () => {
    const r = await run('ntk-gan', '--steps', '2', '--particles', '10');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/step\s+mmd2\s+mmd2_rbf\s+energy\s+seconds/);
  });

  it.each([
    [['--dataset', 'nine_gaussians'], /--dataset must be one of/],
    [['--loss', 'wasserstein'], /--loss must be one of/],
    [['--loss', 'hinge'], /give --width/],
    [['--steps', '-3'], /--steps must be a decimal integer in 0\.\.1000000/],
    [['--particles', '1'], /--particles must be a decimal integer in 2\.\.20000/],
    [['--lr-g', '0'], /--lr-g must be a positive number/],
    [['--kernel', 'serial(dense(1, 1), relu'], /--kernel: expected '\)'/],
    [['--kernel', 'rbf', '--width', '16'], /must be an architecture/],
    [['--width', '16', '--disc-time', '1', '--disc-lr', '0.3'], /whole number of steps/],
    [['--vanilla', 'euler'], /--vanilla must be one of ode, lambertw/],
    [['--snapshots', '0,x'], /--snapshots: "x" is not a step in 0\.\.2/],
  ])('exit 2 with one line for %j', async (args, message) => {
    const r = await run('ntk-gan', '--steps', '2', '--particles', '10', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a diverging run exits 2 naming the step and keeps its data', async () => {
    const out = join(dir, 'diverged');
    const r = await run('ntk-gan', '--steps', '30', '--particles', '10', '--lr-g', '1e15', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/diverged at generator step \d+.*written to/);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).diverged).toMatch(/diverged/);
  });
});
