// docs/effective-dynamics.md C.2: the particle model, its critics and the collapse transition.
import { describe, expect, it } from 'vitest';
import { IntegrationError } from '../../../src/core/index.ts';
import { parseGanKernel } from '../../../src/ntk/index.ts';
import { Rng } from '../../../src/numeric/index.ts';
import {
  KernelCritic, NetworkCritic, makeTargets, runParticles, type ParticleDivergence,
} from '../../../src/models/effective-gan/index.ts';

const mat = (data: Float64Array, cols: number) => ({ data, rows: data.length / cols, cols });

describe('critics', () => {
  it('kernel critic: the gradient is that of t[(1/M)Σk(x, y) − (1/N)Σk(x, x_j)] (central differences)', () => {
    const k = parseGanKernel('rbf(2)', 2);
    const rng = new Rng(5);
    const P = mat(new Rng(1).fillNormal(new Float64Array(12)), 2), Q = mat(new Rng(2).fillNormal(new Float64Array(8)), 2);
    const c = new KernelCritic(k, 0.7);
    c.train(P, Q);
    const x = [rng.normal(), rng.normal()];
    const f = (z: number[]) => {
      let s = 0;
      for (let m = 0; m < P.rows; m++) s += (0.7 / P.rows) * k.pairGradient(z, [P.data[2 * m], P.data[2 * m + 1]]).value;
      for (let j = 0; j < Q.rows; j++) s -= (0.7 / Q.rows) * k.pairGradient(z, [Q.data[2 * j], Q.data[2 * j + 1]]).value;
      return s;
    };
    const g = c.gradient(mat(Float64Array.from(x), 2));
    const h = 1e-5;
    for (let a = 0; a < 2; a++) {
      const xp = x.slice(), xm = x.slice(); xp[a] += h; xm[a] -= h;
      expect(g[a]).toBeCloseTo((f(xp) - f(xm)) / (2 * h), 7);
    }
  });

  it('MLP critic: particles move along ∇f (wgan) and sigmoid(−f)∇f (bce), by central differences of the network', () => {
    for (const loss of ['wgan', 'bce'] as const) {
      const c = new NetworkCritic({ d: 2, activation: 'tanh', width: 8, depth: 2, loss, penalty: 'full', lambda: 1.25, lrD: 0.05, optimizer: 'adam', weightDecay: 1e-4, steps: 3, seed: 2 });
      c.train(mat(Float64Array.of(1, 1, -1, 1), 2), mat(Float64Array.of(0, 0, 0.5, 0), 2));
      const x = Float64Array.of(0.3, -0.2);
      const v = c.gradient(mat(x, 2));
      const f = (z: Float64Array) => c.net.forward(z, 1)[0];
      const h = 1e-6, fx = f(x), w = loss === 'wgan' ? 1 : 1 / (1 + Math.exp(fx));
      for (let a = 0; a < 2; a++) {
        const xp = x.slice(), xm = x.slice(); xp[a] += h; xm[a] -= h;
        expect(v[a]).toBeCloseTo(w * (f(xp) - f(xm)) / (2 * h), 6);
      }
    }
  });
});

describe('the particle model', () => {
  const targets = makeTargets('ring8', 40, 0.05, 1);
  const critic = (lrD: number, seed = 1) => new NetworkCritic({ d: 2, activation: 'relu', width: 32, depth: 1, loss: 'wgan', penalty: 'full', lambda: 1.25, lrD, optimizer: 'sgd', weightDecay: 1e-4, steps: 5, seed });
  const run = (ratio: number, lrD: number, seed: number, steps = 200) => runParticles({
    targets, N: 40, kernel: { kind: 'two-number', g1: 1, g2: ratio }, coupling: 'sum', lrG: 0.01, steps, critic: critic(lrD, seed), initStd: 0.1, seed, every: steps, blowup: 1e3,
  });

  it('same seed, same bytes', () => {
    expect(Array.from(run(0.1, 0.01, 3, 20).final.data)).toEqual(Array.from(run(0.1, 0.01, 3, 20).final.data));
  });

  it('collapse at g2/g1 = 0.9 with a small η_D, full coverage at g2/g1 = 0 with a moderate η_D, across seeds', () => {
    for (const seed of [1, 2]) {
      const collapsed = run(0.9, 0.001, seed), covered = run(0, 0.01, seed);
      expect(collapsed.order.collapse).toBeGreaterThan(0.6);
      expect(covered.order.collapse).toBeLessThan(0.1);
      expect(covered.order.covered).toBe(8);
    }
  });

  it('a blow-up throws an IntegrationError naming the step, with the metrics so far', () => {
    let err: unknown;
    try {
      runParticles({ targets, N: 40, kernel: { kind: 'two-number', g1: 1, g2: 0.9 }, coupling: 'sum', lrG: 5, steps: 50, critic: critic(0.01), initStd: 0.1, seed: 1, every: 1, blowup: 100 });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(IntegrationError);
    const e = err as IntegrationError<ParticleDivergence>;
    expect(e.message).toMatch(/diverged at step \d+ of 50/);
    expect(e.partial.metrics.step.length).toBe(e.partial.step);
    expect(e.partial.metrics.step[0]).toBe(0);
  });
});
