// The live page's flows, checked in Node (no browser): the NTK-GAN step is gradient
// ascent of the MMD witness, i.e. (finite differences) descent on MMD², and equals the
// ntk-gan theory's own particle flow (`gandyn simulate ntk-gan --kernel rbf(1)`); the
// symbolic kernel derivative matches numbers; the f32 error bound is positive and small.
import { describe, expect, it } from 'vitest';
import { IpmFlow, deriveKernel, KERNELS } from '../../web/src/ipm-flow.ts';
import { EffectiveFlow } from '../../web/src/effective.ts';
import { predictedPhase, phaseMap } from '../../web/src/solvable.ts';
import { runParticleFlow, dataset } from '../../src/models/ntk-gan/index.ts';
import { rbfKernel } from '../../src/ntk/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';

/** V-statistic MMD² of the RBF kernel exp(−|x − y|²/(2s²)) between particles X and targets Y (2-D rows). */
function mmd2(X: Float64Array, Y: Float64Array, s: number): number {
  const k = (a: Float64Array, i: number, b: Float64Array, j: number) => Math.exp(-((a[2 * i] - b[2 * j]) ** 2 + (a[2 * i + 1] - b[2 * j + 1]) ** 2) / (2 * s * s));
  const N = X.length / 2, M = Y.length / 2;
  let xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) xx += k(X, i, X, j);
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) yy += k(Y, i, Y, j);
  for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) xy += k(X, i, Y, j);
  return xx / (N * N) + yy / (M * M) - (2 * xy) / (N * M);
}

describe('live page: NTK-GAN IPM flow', () => {
  it('one step is x += (η_G/N)∇f_t with ∇f_t(x_i) = −(N t/2) ∂MMD²/∂x_i (central differences)', () => {
    const cfg = { particles: 12, targets: 10, seed: 4, bandwidth: 1.3, lrG: 24, discTime: 0.7, backend: 'f64' as const, kernel: 'rbf' as const };
    const flow = new IpmFlow(cfg);
    const x0 = Float64Array.from(flow.x);
    flow.advance(1);
    const h = 1e-5;
    let worst = 0;
    for (let k = 0; k < x0.length; k++) {
      const p = Float64Array.from(x0), m = Float64Array.from(x0);
      p[k] += h; m[k] -= h;
      const dmmd = (mmd2(p, flow.y, cfg.bandwidth) - mmd2(m, flow.y, cfg.bandwidth)) / (2 * h);
      const gradF = ((flow.x[k] - x0[k]) * cfg.particles) / cfg.lrG;
      const expected = -(cfg.particles * cfg.discTime / 2) * dmmd;
      worst = Math.max(worst, Math.abs(gradF - expected) / (1e-8 + Math.abs(expected)));
    }
    expect(worst).toBeLessThan(1e-6); // central differences: O(h²) ≈ 1e-10 relative, plus rounding ~1e-11/h
    flow.dispose();
  });

  it('equals the ntk-gan theory\'s particle flow with the same kernel, data and rates', () => {
    const cfg = { particles: 40, targets: 40, seed: 2, bandwidth: 1, lrG: 80, discTime: 1, backend: 'f64' as const, kernel: 'rbf' as const };
    const flow = new IpmFlow(cfg);
    flow.advance(3);
    const data = dataset('eight_gaussians', { particles: 40, targets: 40, seed: 2 });
    // rbf(γ) is exp(−γ|x − y|²/d): γ = 1 at d = 2 is the bandwidth s = 1
    const r = runParticleFlow(data.source, data.target, { loss: 'ipm', kernel: rbfKernel(2, 1), steps: 3, lrG: 80, t: 1 });
    let worst = 0;
    for (let k = 0; k < flow.x.length; k++) worst = Math.max(worst, Math.abs(flow.x[k] - r.final.data[k]));
    expect(worst).toBeLessThan(1e-12);
    flow.dispose();
  });

  it('the derived g\'(sqdist) matches central differences of k, for both kernels', () => {
    for (const name of Object.keys(KERNELS) as (keyof typeof KERNELS)[]) {
      const { k, dk } = deriveKernel(name);
      for (const [sq, s] of [[0.3, 1], [2.5, 0.7], [9, 2]]) {
        const h = 1e-6 * (1 + sq);
        const fd = (evaluate(k, { sqdist: sq + h, s }) - evaluate(k, { sqdist: sq - h, s })) / (2 * h);
        expect(Math.abs(evaluate(dk, { sqdist: sq, s }) - fd)).toBeLessThan(1e-7 * (1 + Math.abs(fd)));
      }
    }
  });

  it('the f32 error bound of a step is positive, and small against the step itself', () => {
    const flow = new IpmFlow({ particles: 64, targets: 64, seed: 1, backend: 'f64' });
    const b = flow.stepErrorBound();
    const x0 = Float64Array.from(flow.x);
    flow.advance(1);
    let step = 0;
    for (let k = 0; k < x0.length; k++) step = Math.max(step, Math.abs(flow.x[k] - x0[k]));
    expect(Math.min(...b)).toBeGreaterThan(0);
    expect(Math.max(...b)).toBeLessThan(1e-3 * step);
    flow.dispose();
  });
});

describe('live page: solvable and effective GAN', () => {
  it('the phase map is the phase predicted at each cell', () => {
    const map = phaseMap(0.2, 4, 3);
    expect(map).toHaveLength(3);
    expect(map[0]).toHaveLength(4);
    expect(map[0][0]).toBe(predictedPhase({ tau: 0.02 + 0.5 * (0.38 / 3), ratio: 0.2, eta: 0.5 + 0.5 * (4.5 / 4) }).phase);
  });

  it('effective-GAN steps are deterministic for a seed and change with g2/g1', () => {
    const a = new EffectiveFlow(), b = new EffectiveFlow(), c = new EffectiveFlow();
    a.advance(2); b.advance(2);
    c.set({ ratio: 0.3 }); c.advance(2);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
  });
});
