// docs/effective-dynamics.md C.2, C.3b: the latent kernel, its two numbers, the coupling.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseArchitecture } from '../../../src/ntk/index.ts';
import { Rng } from '../../../src/numeric/index.ts';
import { concentration, couple, latentKernel, latents, twoNumberEigenvalues, twoNumbers } from '../../../src/models/effective-gan/index.ts';

const reluNoBias = (L: number) => parseArchitecture(`serial(${Array(L).fill('dense(1, none), relu').join(', ')}, dense(1, none))`);

describe('the two numbers g1, g2 of a latent NTK', () => {
  it('bias-free ReLU NTKs of depth 1, 2, 3, 5 give g2/g1 = 0.1592, 0.2286, 0.2651, 0.2987 (docs C.3b)', () => {
    [[1, 0.1592], [2, 0.2286], [3, 0.2651], [5, 0.2987]].forEach(([L, r]) => expect(twoNumbers(reluNoBias(L)).ratio).toBeCloseTo(r, 4));
  });

  it('depth 1 in closed form: Θ(c) = Σ(c) + c Σ̇(c), Σ = (√(1−c²) + (π − arccos c) c)/(2π), Σ̇ = (π − arccos c)/(2π): g1 = 1, g2 = 1/(2π)', () => {
    const two = twoNumbers(reluNoBias(1));
    expect(two.g1).toBeCloseTo(1, 12);
    expect(two.g2).toBeCloseTo(1 / (2 * Math.PI), 12);
  });

  it('sphere latents: the diagonal is g1 exactly, the off-diagonal spread falls like d_z^-1/2', () => {
    const c = concentration(reluNoBias(2), { dzs: [16, 64, 256, 1024], n: 30, seed: 3 });
    for (const p of c.points) expect(p.diagSpread).toBeLessThan(1e-13);
    expect(c.offFit.slope).toBeGreaterThan(-0.6);
    expect(c.offFit.slope).toBeLessThan(-0.4);
    // the mean approaches g2 (bias O(1/d_z)) and every entry approaches it
    const last = c.points[c.points.length - 1];
    expect(Math.abs(last.offMean / c.two.g1 - c.two.ratio)).toBeLessThan(0.01);
    expect(last.offMaxDeviation).toBeLessThan(c.points[0].offMaxDeviation);
  });

  it('Gaussian latents: both diagonal and off-diagonal spreads fall like d_z^-1/2 (with bias)', () => {
    const c = concentration(parseArchitecture('serial(dense(1, 0.1), relu, dense(1, 0.1))'), { dzs: [16, 64, 256, 1024], n: 30, seed: 4, law: 'gaussian' });
    expect(c.diagFit!.slope).toBeGreaterThan(-0.65);
    expect(c.diagFit!.slope).toBeLessThan(-0.35);
    expect(c.offFit.slope).toBeGreaterThan(-0.65);
    expect(c.offFit.slope).toBeLessThan(-0.35);
  });

  it('latentKernel is the Gram matrix of the sphere latents (|z|² = d_z)', () => {
    const Z = latents(5, 50, 'sphere', new Rng(1));
    for (let i = 0; i < 5; i++) {
      let s = 0; for (let k = 0; k < 50; k++) s += Z.data[i * 50 + k] ** 2;
      expect(s).toBeCloseTo(50, 10);
    }
    const th = latentKernel(reluNoBias(1), Z);
    expect(th.rows).toBe(5);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(th.data[i * 5 + j]).toBeCloseTo(th.data[j * 5 + i], 12);
  });
});

describe('the coupling Σ_j Θ_ij v_j', () => {
  it('two-number form in O(N d) equals the dense Gram product, mean = sum / N', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 3 }), fc.double({ min: 0.1, max: 3, noNaN: true }),
      fc.double({ min: 0, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (N, d, g1, r, seed) => {
        const v = new Float64Array(N * d); new Rng(seed).fillNormal(v);
        const theta = new Float64Array(N * N).map((_, k) => (Math.floor(k / N) === k % N ? g1 : r * g1));
        const a = couple({ kind: 'two-number', g1, g2: r * g1 }, v, N, d, 'sum', new Float64Array(N * d));
        const b = couple({ kind: 'gram', theta: { data: theta, rows: N, cols: N } }, v, N, d, 'sum', new Float64Array(N * d));
        const m = couple({ kind: 'two-number', g1, g2: r * g1 }, v, N, d, 'mean', new Float64Array(N * d));
        for (let k = 0; k < N * d; k++) {
          expect(a[k]).toBeCloseTo(b[k], 10);
          expect(m[k]).toBeCloseTo(a[k] / N, 12);
        }
      }), { numRuns: 60 });
  });

  it('1 is an eigenvector with g1 + (N−1) g2 and e_1 − e_2 one with g1 − g2 (C.2)', () => {
    const N = 6, g1 = 1.3, g2 = 0.4;
    const e = twoNumberEigenvalues(g1, g2, N);
    const ones = new Float64Array(N).fill(1), diff = new Float64Array(N); diff[0] = 1; diff[1] = -1;
    const a = couple({ kind: 'two-number', g1, g2 }, ones, N, 1, 'sum', new Float64Array(N));
    const b = couple({ kind: 'two-number', g1, g2 }, diff, N, 1, 'sum', new Float64Array(N));
    for (let i = 0; i < N; i++) { expect(a[i]).toBeCloseTo(e.centreOfMass, 12); expect(b[i]).toBeCloseTo(e.relative * diff[i], 12); }
  });
});
