// Generator particle flows (B.4) and the distances between particles and target:
// property (b), the IPM flow is gradient descent on MMD² with the NTK, so MMD²
// decreases at every step by at least half its first-order prediction (Armijo,
// c = ½) at GAN(TK)²'s step size; MMD/energy estimators; the Sinkhorn divergence
// against the exact 1-D W₂².
import { describe, expect, it } from 'vitest';
import { dataset, gantk2Modes1d } from '../../../src/models/ntk-gan/index.ts';
import { parseGanKernel } from '../../../src/models/ntk-gan/index.ts';
import { FlowDivergenceError, runParticleFlow } from '../../../src/models/ntk-gan/index.ts';
import { distanceKernel, energyDistance, gaussianKernel, mmd2 } from '../../../src/models/ntk-gan/index.ts';
import { sinkhornDivergence, w2Squared1d } from '../../../src/models/ntk-gan/index.ts';
import { parseArchitecture } from '../../../src/ntk/index.ts';
import { Rng } from '../../../src/numeric/index.ts';

describe('datasets', () => {
  it('are seeded, of the documented shapes, and distinct across seeds', () => {
    const a = dataset('eight_gaussians', { seed: 4 }), b = dataset('eight_gaussians', { seed: 4 }), c = dataset('eight_gaussians', { seed: 5 });
    expect(a.source.rows).toBe(500);
    expect(a.target.rows).toBe(500);
    expect(a.d).toBe(2);
    expect(Array.from(a.target.data)).toEqual(Array.from(b.target.data));
    expect(Array.from(a.source.data)).not.toEqual(Array.from(c.source.data));
    // every target within 4 std of a centre on the radius-5 circle
    for (let j = 0; j < a.target.rows; j++) {
      const r = Math.hypot(a.target.data[2 * j], a.target.data[2 * j + 1]);
      expect(Math.abs(r - 5)).toBeLessThan(4 * 0.5 * Math.SQRT2);
    }
    const m = dataset('modes_1d', { seed: 1, particles: 300, targets: 400 });
    expect([m.d, m.source.rows, m.target.rows]).toEqual([1, 300, 400]);
    expect(Array.from(m.target.data).every((v) => Math.abs(Math.abs(v) - 2) < 5 * 0.3)).toBe(true);
    expect(() => dataset('nine_gaussians', { seed: 1 })).toThrow(/unknown dataset/);
    expect(gantk2Modes1d().fake.rows).toBe(5);
  });
});

describe('MMD² and energy distance', () => {
  const rng = new Rng(8);
  const X = Array.from({ length: 6 }, () => [rng.normal(), rng.normal()]);
  const Y = Array.from({ length: 5 }, () => [rng.normal() + 1, rng.normal()]);

  it('match the brute-force double sums (biased and unbiased)', () => {
    const k = (a: number[], b: number[]) => Math.exp(-((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) / 2);
    const mean = (A: number[][], B: number[][], drop: boolean) => {
      let s = 0, c = 0;
      A.forEach((a, i) => B.forEach((b, j) => { if (!(drop && i === j)) { s += k(a, b); c++; } }));
      return s / c;
    };
    const g = gaussianKernel(1);
    expect(Math.abs(mmd2(g, X, Y) - (mean(X, X, false) + mean(Y, Y, false) - 2 * mean(X, Y, false)))).toBeLessThan(1e-15);
    expect(Math.abs(mmd2(g, X, Y, 'unbiased') - (mean(X, X, true) + mean(Y, Y, true) - 2 * mean(X, Y, false)))).toBeLessThan(1e-15);
    expect(energyDistance([[0]], [[1]])).toBe(2);
    expect(distanceKernel.matrix([[0, 0]], [[3, 4]]).data[0]).toBe(-5);
  });

  it('the unbiased estimator has mean 0 for equal laws; the biased one is positive (200 replicates, 4 SE)', () => {
    const g = gaussianKernel(1);
    const r = new Rng(9);
    const u: number[] = [], b: number[] = [];
    for (let k = 0; k < 200; k++) {
      const A = Array.from({ length: 15 }, () => [r.normal()]), B = Array.from({ length: 15 }, () => [r.normal()]);
      u.push(mmd2(g, A, B, 'unbiased'));
      b.push(mmd2(g, A, B));
    }
    const m = u.reduce((s, v) => s + v, 0) / u.length;
    const se = Math.sqrt(u.reduce((s, v) => s + (v - m) ** 2, 0) / (u.length - 1) / u.length);
    console.log(`unbiased MMD² over 200 equal-law replicates: mean ${m.toExponential(2)} ± ${se.toExponential(2)}`);
    expect(Math.abs(m)).toBeLessThan(4 * se);
    expect(Math.min(...b)).toBeGreaterThan(0);
  });
});

describe('Sinkhorn divergence', () => {
  it('→ W₂² of sorted 1-D samples as ε → 0, within the derived bound ε log n', () => {
    const r = new Rng(2);
    const n = 64;
    const x = Array.from({ length: n }, () => [r.normal()]), y = Array.from({ length: n }, () => [0.7 + 1.3 * r.normal()]);
    const w = w2Squared1d(x.map((v) => v[0]), y.map((v) => v[0]));
    const errs: number[] = [];
    for (const epsilon of [1e-2, 1e-3, 1e-4]) {
      const s = sinkhornDivergence(x, y, { epsilon });
      errs.push(Math.abs(s.divergence - w));
      console.log(`ε = ${epsilon}: S_ε = ${s.divergence.toFixed(7)}, W₂² = ${w.toFixed(7)}, |diff| ${errs[errs.length - 1].toExponential(2)} ≤ bound ${s.bound.toExponential(2)} (${s.iterations} iterations, marginal error ${s.marginalError.toExponential(1)})`);
      expect(errs[errs.length - 1]).toBeLessThanOrEqual(s.bound);
    }
    expect(errs[2]).toBeLessThan(errs[0]);
    expect(Math.abs(sinkhornDivergence(x, x, { epsilon: 1e-3 }).divergence)).toBeLessThan(1e-8);
  });
});

describe('particle flow (B.4)', () => {
  const ds = dataset('eight_gaussians', { particles: 80, targets: 80, seed: 3 });

  it('(b) the IPM flow is gradient descent on MMD²_NTK: Armijo (c = ½) at every step with GAN(TK)²\'s step, and MMD² falls 100×', () => {
    const k = parseGanKernel('relu', 2);
    const N = 80, lrG = 2 * N, t = 1, steps = 40;
    const r = runParticleFlow(ds.source, ds.target, { loss: 'ipm', kernel: k, steps, lrG, t, metricsEvery: 1 });
    // x_i ← x_i − h ∂MMD²/∂x_i with h = η_G t/2 and ∂MMD²/∂x_i = −(2/(N t)) ∇f(x_i) = −(2/(η_G t)) v_i,
    // so the first-order decrease is h|∇MMD²|² = 2 Σ|v_i|² / (η_G t)
    let worst = Infinity;
    for (let s = 0; s < steps; s++) {
      const predicted = (2 * r.metrics[s].velocity2) / (lrG * t);
      const actual = r.metrics[s].mmd2 - r.metrics[s + 1].mmd2;
      worst = Math.min(worst, actual / predicted);
      expect(actual, `step ${s}`).toBeGreaterThanOrEqual(0.5 * predicted);
    }
    const first = r.metrics[0].mmd2, last = r.metrics[steps].mmd2;
    console.log(`IPM/NTK flow, N = 80, η_G/N = 2: MMD² ${first.toExponential(3)} → ${last.toExponential(3)} in ${steps} steps; worst decrease / first-order prediction ${worst.toFixed(3)}; energy ${r.metrics[0].energy.toFixed(3)} → ${r.metrics[steps].energy.toFixed(4)}; ${r.seconds.toFixed(2)} s`);
    expect(last).toBeLessThan(first / 100);
    expect(r.nonSmooth.diagonal).toBe(N * steps); // each particle meets itself at each step
    expect(r.metrics[steps].energy).toBeLessThan(r.metrics[0].energy / 20);
  });

  it('the decrease matches its first-order prediction as the step shrinks (|1 − ratio| ∝ h once h is below the inter-particle cusp scale)', () => {
    const k = parseGanKernel('relu', 2);
    const dev = [0.125, 0.03125, 0.0078125].map((per) => {
      const r = runParticleFlow(ds.source, ds.target, { loss: 'ipm', kernel: k, steps: 1, lrG: per * 80, metricsEvery: 1 });
      const predicted = (2 * r.metrics[0].velocity2) / (per * 80);
      return Math.abs(1 - (r.metrics[0].mmd2 - r.metrics[1].mmd2) / predicted);
    });
    console.log(`|1 − decrease/prediction| for η_G/N = 1/8, 1/32, 1/128: ${dev.map((d) => d.toExponential(2)).join(', ')}`);
    // each 4× smaller step: 4× smaller deviation for a C² functional; 2.5× leaves room for the second-order term's variation
    expect(dev[1]).toBeLessThan(dev[0] / 2.5);
    expect(dev[2]).toBeLessThan(dev[1] / 2.5);
  });

  it('RBF and no-bias kernels: their own MMD² decreases monotonically too', () => {
    for (const spec of ['rbf', 'relu_nobias']) {
      const r = runParticleFlow(ds.source, ds.target, { loss: 'ipm', kernel: parseGanKernel(spec, 2), steps: 20, lrG: 160, metricsEvery: 1 });
      for (let s = 0; s < 20; s++) expect(r.metrics[s + 1].mmd2, `${spec}, step ${s}`).toBeLessThan(r.metrics[s].mmd2);
    }
  });

  it('LSGAN and vanilla flows bring the particles closer (energy distance), deterministically', () => {
    const small = dataset('eight_gaussians', { particles: 40, targets: 40, seed: 2 });
    for (const loss of ['lsgan', 'vanilla'] as const) {
      const run = () => runParticleFlow(small.source, small.target, { loss, kernel: parseGanKernel('relu', 2), steps: 15, lrG: 80 });
      const a = run(), b = run();
      expect(Array.from(a.final.data)).toEqual(Array.from(b.final.data));
      expect(a.metrics[a.metrics.length - 1].energy).toBeLessThan(0.5 * a.metrics[0].energy);
    }
  });

  it('a finite-width discriminator (hinge) drives the flow too; hinge is refused at infinite width', () => {
    const small = dataset('modes_1d', { particles: 30, targets: 30, seed: 2 });
    const r = runParticleFlow(small.source, small.target, {
      loss: 'hinge', finite: { arch: parseArchitecture('serial(dense(1, 1), relu, dense(1, 1), relu, dense(1, none))'), width: 64, seed: 1, lr: 0.1 }, steps: 10, lrG: 60,
    });
    expect(r.metrics[r.metrics.length - 1].energy).toBeLessThan(r.metrics[0].energy);
    expect(() => runParticleFlow(small.source, small.target, { loss: 'hinge', kernel: parseGanKernel('relu', 1), steps: 1, lrG: 1 })).toThrow(/finite-width/);
  });

  it('a blow-up stops with FlowDivergenceError naming the step and parameters, keeping what was computed', () => {
    const small = dataset('eight_gaussians', { particles: 10, targets: 10, seed: 2 });
    try {
      runParticleFlow(small.source, small.target, { loss: 'ipm', kernel: parseGanKernel('relu', 2), steps: 50, lrG: 1e15 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FlowDivergenceError);
      expect((err as Error).message).toMatch(/generator step \d+.*lr-g 1000000000000000/);
      expect((err as FlowDivergenceError).partial.snapshots[0].step).toBe(0);
    }
  });
});
