// A theory written in the test itself, registered by passing it to the CLI: it gets
// derive, integrate, simulate, phase, verify, models and LaTeX with no edit anywhere else.
import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { main } from '../../src/cli/index.ts';
import {
  type Theory, theories, optionNumber, single, checkKnownNames, SpecError,
} from '../../src/models/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import type { Theorem } from '../../src/core/index.ts';

interface ToySpec { k: number; sigma: number; x0: number; particles: number; T: number; dt: number; seed: number }

/** N particles dX = −k X dt + σ dW (Euler–Maruyama); their mean follows dx/dt = −k x. */
function simulateToy(s: ToySpec): { t: number[]; series: Record<string, number[]> } {
  const rng = new Rng(s.seed);
  const x = new Float64Array(s.particles).fill(s.x0);
  const steps = Math.round(s.T / s.dt);
  const t = [0], mean = [s.x0], se = [0];
  for (let k = 1; k <= steps; k++) {
    for (let i = 0; i < x.length; i++) x[i] += -s.k * x[i] * s.dt + s.sigma * Math.sqrt(s.dt) * rng.normal();
    if (k % Math.round(1 / s.dt) === 0) {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
      t.push(k * s.dt); mean.push(m); se.push(Math.sqrt(v / x.length));
    }
  }
  return { t, series: { x: mean, se } };
}

const toySpec = (k: number): ToySpec => ({ k, sigma: 0.3, x0: 1, particles: 4000, T: 3, dt: 0.01, seed: 7 });

const meanTheorem: Theorem = {
  id: 'toy-mean',
  title: 'The particle mean follows the ODE',
  source: 'linearity of expectation',
  statement: String.raw`\mathbb{E} X_t = x_0 e^{-k t}`,
  hypotheses: ['dX = −kX dt + σ dW'],
  check(opts = {}) {
    const s = { ...toySpec(0.8), seed: opts.seed ?? 1 };
    const r = simulateToy(s);
    // Euler's mean is x0 (1 − k dt)^(t/dt); its gap to e^{−kt} is O(dt), below 4 SE here
    const z = Math.max(...r.t.slice(1).map((t, i) => Math.abs(r.series.x[i + 1] - s.x0 * Math.exp(-s.k * t)) / r.series.se[i + 1]));
    return { id: 'toy-mean', passed: z < 4, figures: [{ name: 'max |mean − ODE| / SE', value: z, tolerance: 4 }], summary: `z = ${z.toFixed(2)}`, seconds: 0 };
  },
};

const toy: Theory<ToySpec> = {
  id: 'toy-decay',
  title: 'Toy: linear decay',
  source: 'this test',
  summary: 'dx/dt = −k x and its particle version.',
  options: [
    { name: 'particles', kind: 'integer', min: 2, max: 100_000, default: '4000', description: 'particles', verbs: ['simulate'] },
    { name: 'seed', kind: 'integer', min: 0, default: '7', description: 'seed', verbs: ['simulate'] },
  ],
  parameters: () => [{ name: 'k', description: 'rate', default: 0.8 }, { name: 'sigma', description: 'noise', default: 0.3 }],
  initialValues: () => [{ name: 'x', description: 'initial x', default: 1 }],
  makeSpec(values) {
    checkKnownNames(values.set, ['k', 'sigma'], '--set');
    checkKnownNames(values.init, ['x'], '--init');
    const k = single(values.set, 'k', '--set') ?? 0.8;
    if (!(k > 0)) throw new SpecError(`--set k must be positive, got ${k}`);
    return {
      ...toySpec(k), sigma: single(values.set, 'sigma', '--set') ?? 0.3, x0: single(values.init, 'x', '--init') ?? 1,
      particles: values.options.has('particles') ? optionNumber(values, 'particles') : 4000,
      seed: values.options.has('seed') ? optionNumber(values, 'seed') : 7,
    };
  },
  derive: (s) => ({
    ode: { state: ['x'], params: ['k'], drift: [parse('-k*x')] },
    odeLabel: 'mean of the particles',
    sde: { state: ['x'], params: ['k', 'sigma'], drift: [parse('-k*x')], diffusion: [parse('sigma')] },
    sdeLabel: 'one particle',
    params: { k: s.k },
    initial: [s.x0],
  }),
  integrateDefaults: { T: 3, every: 1 },
  simulate: (s) => simulateToy(s),
  phase: (s) => ({ phase: 'decay', details: { phase: 'decay', rate: s.k }, lines: [`phase: decay at rate ${s.k}`] }),
  theorems: [meanTheorem],
};

const registry = { theories: [...theories, toy as Theory] };

async function run(...argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } }, registry);
  return { code, out, err };
}

describe('a theory registered in a test', () => {
  it('derive prints its ODE and SDE, as text, JSON and KaTeX-renderable LaTeX', async () => {
    const text = await run('derive', 'toy-decay');
    expect(text.code).toBe(0);
    expect(text.out).toContain('dx/dt = -k*x');
    const j = JSON.parse((await run('derive', 'toy-decay', '--json')).out);
    expect(j.drift).toEqual({ x: '-k*x' });
    expect(j.diffusion).toEqual({ x: 'sigma' });
    const tex = (await run('derive', 'toy-decay', '--latex')).out;
    const blocks = tex.split('\n').filter((l) => !l.startsWith('%')).join('\n').split('\\end{align}').filter((b) => b.trim());
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(() => katex.renderToString(`${b}\\end{align}`, { throwOnError: true, displayMode: true })).not.toThrow();
  });

  it('integrate gives x0 e^{-kt} to the integrator tolerance', async () => {
    const r = await run('integrate', 'toy-decay', '--set', 'k=0.5', '--init', 'x=2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.t).toEqual([0, 1, 2, 3]);
    j.t.forEach((t: number, i: number) => expect(Math.abs(j.series.x[i] - 2 * Math.exp(-0.5 * t))).toBeLessThan(1e-8));
  });

  it('simulate is seeded, and its mean agrees with the integrated ODE within 4 standard errors', async () => {
    const a = await run('simulate', 'toy-decay', '--json', '--seed', '3');
    const b = await run('simulate', 'toy-decay', '--json', '--seed', '3');
    expect(a.out).toBe(b.out);
    const sim = JSON.parse(a.out), ode = JSON.parse((await run('integrate', 'toy-decay', '--json')).out);
    sim.t.forEach((_: number, i: number) => {
      if (i > 0) expect(Math.abs(sim.series.x[i] - ode.series.x[i]) / sim.series.se[i]).toBeLessThan(4);
    });
  });

  it('phase, verify and models see it; its validator refuses bad values with exit 2', async () => {
    expect((await run('phase', 'toy-decay', '--json')).out).toContain('"rate":0.8');
    const v = await run('verify', 'toy-mean', '--json', '--out', `${process.env.TMPDIR ?? '/tmp'}/toy-verify.json`);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out).verdicts[0].passed).toBe(true);
    const models = JSON.parse((await run('models', '--json')).out);
    const row = models.find((m: { id: string }) => m.id === 'toy-decay');
    expect(row.capabilities).toEqual(['derive', 'integrate', 'simulate', 'phase']);
    expect(row.parameters.map((p: { name: string }) => p.name)).toEqual(['k', 'sigma']);
    for (const args of [['--set', 'k=-1'], ['--set', 'q=1'], ['--init', 'y=1'], ['--particles', '1'], ['--seed', '0x10']]) {
      const r = await run('simulate', 'toy-decay', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect((await run('figures', 'toy-decay', '--out', '/tmp/x')).code).toBe(2);
  });

  it('a failing theorem makes verify exit 1', async () => {
    const failing: Theorem = { ...meanTheorem, id: 'toy-fails', check: () => ({ id: 'toy-fails', passed: false, figures: [], summary: 'no', seconds: 0 }) };
    let out = '';
    const code = await main(['verify', 'toy-fails', '--out', `${process.env.TMPDIR ?? '/tmp'}/toy-fails.json`], { out: (s) => { out += s; }, err: () => {} }, { theories: [toy as Theory], theorems: [failing] });
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL/);
  });
});

describe('gandyn models', () => {
  it('--json lists every built-in theory with capabilities, parameters and defaults', async () => {
    const rows = JSON.parse((await run('models', '--json')).out);
    const byId = new Map(rows.map((r: { id: string }) => [r.id, r]));
    for (const t of theories) expect(byId.has(t.id), t.id).toBe(true);
    const sg = byId.get('solvable-gan') as { capabilities: string[]; parameters: { name: string; default: unknown }[]; options: { name: string }[] };
    expect(sg.capabilities).toEqual(['derive', 'integrate', 'simulate', 'phase', 'figures']);
    expect(sg.parameters.find((p) => p.name === 'tau')!.default).toBe(0.2);
    expect(sg.options.map((o) => o.name)).toContain('normalization');
  });

  it('names like constructor and __proto__ are unknown models, not crashes', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const r = await run('derive', name);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown model/);
    }
  });
});
