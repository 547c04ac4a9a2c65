import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import katex from 'katex';
import { main } from '../../src/cli/index.ts';

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

describe('gandyn diff', () => {
  it('prints the derivative in the input grammar and as JSON', async () => {
    const r = await run('diff', 'x^3*sin(x)', 'x', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j).sort()).toEqual(['expr', 'latex']);
    // 3x² sin x + x³ cos x, checked by value
    const again = await run('diff', 'x^3*sin(x)', 'x');
    expect(again.out.trim()).toBe(j.expr);
    expect(() => katex.renderToString(j.latex, { throwOnError: true })).not.toThrow();
  });

  it('differentiates erf and max correctly (where nerdamer does not)', async () => {
    const erf = JSON.parse((await run('diff', 'erf(x)', 'x', '--json')).out);
    expect(erf.expr).not.toMatch(/119696244/);
    expect(erf.expr).toMatch(/exp/);
    const mx = (await run('diff', 'max(0,x)', 'x')).out.trim();
    expect(mx).not.toBe('0');
  });
});

describe('gandyn expect', () => {
  it('gives the documented example 1+2*rho^2', async () => {
    const r = await run('expect', 'u^2*v^2', '--vars', 'u,v', '--cov', '[[1,rho],[rho,1]]', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.expr).toBe('1+2*rho^2');
    expect(j.exact).toBe(true);
    expect(() => katex.renderToString(j.latex, { throwOnError: true })).not.toThrow();
  });

  it('handles a symbolic covariance', async () => {
    const r = await run('expect', 'u^2*v^2', '--vars', 'u,v', '--cov', '[[q1,c],[c,q2]]');
    expect(r.out.trim()).toMatch(/q1\*q2/);
  });

  it('marks a Hermite series as not exact', async () => {
    const r = await run('expect', 'tanh(u)*tanh(v)', '--vars', 'u,v', '--cov', '[[1,0.5],[0.5,1]]', '--json', '--order', '12');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.exact).toBe(false);
  });

  it('refuses a covariance of the wrong shape with exit code 2', async () => {
    const r = await run('expect', 'u*v', '--vars', 'u,v', '--cov', '[[1]]');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a negative variance', async () => {
    const r = await run('expect', 'u^2', '--vars', 'u', '--cov', '[[-1]]');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/variance|semidefinite|negative/i);
  });
});

describe('bad input', () => {
  it('names the position of a parse error on one line, exit code 2, no stack trace', async () => {
    const r = await run('diff', 'x + * y', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/position 4/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses unknown commands and missing arguments with exit code 2', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('diff', 'x')).code).toBe(2);
    expect((await run('verify', 'no-such-theorem')).code).toBe(2);
  });

  it('refuses hostile strings in every expression argument (fast-check)', async () => {
    const hostile = fc.constantFrom(
      'constructor', '__proto__', 'process', 'require', 'globalThis', '`x`', 'x;y', 'x//y', '${x}',
      'this.constructor', 'process.exit(1)', 'require("fs")', 'х', 'ｘ', '"x"', "'x'", '\\u0061',
    );
    await fc.assert(fc.asyncProperty(hostile, fc.constantFrom('', 'x+', '1*', 'sin('), async (h, prefix) => {
      const canary = (globalThis as Record<string, unknown>).__gandynCanary;
      const r1 = await run('diff', prefix + h + (prefix.endsWith('(') ? ')' : ''), 'x');
      const r2 = await run('expect', `${h}*u`, '--vars', 'u', '--cov', '[[1]]');
      const r3 = await run('diff', 'x', h);
      expect(r1.code).toBe(2);
      expect(r2.code).toBe(2);
      expect(r3.code).toBe(2);
      expect((globalThis as Record<string, unknown>).__gandynCanary).toBe(canary);
    }), { numRuns: 60, seed: 7 });
  });
});

describe('gandyn latex', () => {
  it('prints Greek names as Greek', async () => {
    const r = await run('latex', 'tau*eta_T + lambda_g');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\\tau/);
    expect(r.out).toMatch(/\\eta_\{T\}/);
    expect(r.out).toMatch(/\\lambda_\{g\}/);
  });
});
