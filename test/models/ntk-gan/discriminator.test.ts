// Infinite-width discriminators (docs/ntk-gan.md B.3): the LSGAN closed form against
// the kernel gradient-flow ODE (property d), B.3's K⁻¹ formula, eigen vs Lanczos,
// discrete time, IPM = LSGAN to first order in t (property e), vanilla ODE vs
// its Lambert-W eigenbasis approximation; the losses of B.2.
import { describe, expect, it } from 'vitest';
import { parseGanKernel } from '../../../src/models/ntk-gan/index.ts';
import { infiniteDiscriminator, trainingSet } from '../../../src/models/ntk-gan/index.ts';
import { LOSSES, LOSS_NAMES, discriminatorLoss, lossGradientOnS } from '../../../src/models/ntk-gan/index.ts';
import { dopri5 } from '../../../src/numeric/index.ts';
import { expmSymmetric, solve } from '../../../src/numeric/index.ts';
import { logLogFit } from '../../../src/numeric/index.ts';
import { Rng } from '../../../src/numeric/index.ts';

const relu = parseGanKernel('relu', 2);
const rng = new Rng(21);
const pts = (n: number, shift: number) => Array.from({ length: n }, () => [rng.normal() + shift, rng.normal()]);
const fake = pts(7, -1), real = pts(4, 1.5);
const train = trainingSet(fake, real);
const probes = [[0.2, 0.3], [-2, 1], [3, -1], [0.9, 2.2]];

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('losses (B.2)', () => {
  it('ℓ_fake, ℓ_real, c as tabulated; derivatives match central differences away from kinks', () => {
    const L = LOSSES;
    expect([L.ipm.lFake(0.3), L.ipm.lReal(0.3), L.ipm.c(0.3)]).toEqual([0.3, -0.3, -0.3]);
    expect([L.lsgan.lFake(0.5), L.lsgan.lReal(0.5), L.lsgan.c(0.5)]).toEqual([2.25, 0.25, 0.25]);
    expect(L.vanilla.lFake(0)).toBeCloseTo(Math.LN2, 15);
    expect(L.vanilla.c(2)).toBeCloseTo(Math.log1p(Math.exp(-2)), 15);
    expect([L.hinge.lFake(-2), L.hinge.lFake(0.5), L.hinge.lReal(2), L.hinge.lReal(0.5), L.hinge.c(0.7)]).toEqual([0, 1.5, 0, 0.5, -0.7]);
    for (const name of LOSS_NAMES) {
      const l = L[name];
      for (const f of [-2.3, -0.4, 0.35, 1.7]) {
        const h = 1e-6;
        for (const [fn, dfn] of [[l.lFake, l.dlFake], [l.lReal, l.dlReal], [l.c, l.dc]] as const) {
          expect(Math.abs((fn(f + h) - fn(f - h)) / (2 * h) - dfn(f)), `${name} at ${f}`).toBeLessThan(1e-8);
        }
      }
    }
  });

  it('∂L_D/∂f(s) carries the weights 1/N, 1/M: it is the gradient of discriminatorLoss', () => {
    const f = [0.3, -0.2, 0.9, 1.1, -0.5];
    for (const name of LOSS_NAMES) {
      const g = lossGradientOnS(LOSSES[name], f, 2, 3);
      f.forEach((_, i) => {
        const p = f.slice(), m = f.slice();
        p[i] += 1e-6; m[i] -= 1e-6;
        const num = (discriminatorLoss(LOSSES[name], p, 2, 3) - discriminatorLoss(LOSSES[name], m, 2, 3)) / 2e-6;
        expect(Math.abs(num - g[i]), `${name}, point ${i}`).toBeLessThan(1e-8);
      });
    }
  });
});

describe('IPM closed form', () => {
  it('f_t(x) = ηt [mean_j k(x, y_j) − mean_i k(x, x_i)]', () => {
    const d = infiniteDiscriminator(relu, train, { loss: 'ipm', t: 0.8, eta: 1.5 });
    const Kr = relu.matrix(probes, real), Kf = relu.matrix(probes, fake);
    const v = d.value(probes);
    probes.forEach((_, i) => {
      let a = 0, b = 0;
      for (let j = 0; j < real.length; j++) a += Kr.data[i * real.length + j] / real.length;
      for (let j = 0; j < fake.length; j++) b += Kf.data[i * fake.length + j] / fake.length;
      expect(Math.abs(v[i] - 1.2 * (a - b))).toBeLessThan(1e-13 * (1 + Math.abs(v[i])));
    });
  });
});

describe('LSGAN closed form (B.3)', () => {
  it('(d) equals the kernel gradient-flow ODE ∂_t f_S = −2η K W (f_S − ȳ) integrated by dopri5, N ≠ M', () => {
    const K = relu.matrix(train.S);
    const n = K.rows;
    for (const t of [0.05, 0.5, 3]) {
      const eta = 0.7;
      const closed = infiniteDiscriminator(relu, train, { loss: 'lsgan', t, eta, spectral: 'eigen' });
      const ode = dopri5((_t, f, out) => {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += K.data[i * n + j] * train.w[j] * (f[j] - train.ybar[j]);
          out[i] = -2 * eta * s;
        }
      }, new Float64Array(n), { t0: 0, t1: t, rtol: 1e-12, atol: 1e-14, record: 'final' });
      const err = maxDiff(closed.onS!, ode.final);
      console.log(`LSGAN t = ${t}: |closed form − dopri5| on S = ${err.toExponential(2)} (dopri5 rtol 1e-12)`);
      // dopri5's global error ≈ rtol × (number of steps) × max|f|
      expect(err).toBeLessThan(1e-12 * Math.max(10, ode.stats.steps) * (1 + maxAbs(ode.final)));
    }
  });

  it('equals B.3\'s k(x,S) K⁻¹ (I − e^{−(2ηt/N)K}) ȳ for N = M', () => {
    const tr = trainingSet(pts(5, -1), pts(5, 1.2));
    const K = relu.matrix(tr.S);
    const n = K.rows, N = 5, t = 0.9;
    const E = expmSymmetric(Float64Array.from(K.data, (v) => (-2 * t / N) * v), n);
    const rhs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += ((i === j ? 1 : 0) - E[i * n + j]) * tr.ybar[j];
      rhs[i] = s;
    }
    const alpha = solve(K.data, rhs, n);
    const kx = relu.matrix(probes, tr.S);
    const d = infiniteDiscriminator(relu, tr, { loss: 'lsgan', t });
    const v = d.value(probes);
    probes.forEach((_, i) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += kx.data[i * n + j] * alpha[j];
      // K⁻¹ amplifies rounding by cond(K)
      expect(Math.abs(v[i] - s)).toBeLessThan(1e-9 * (1 + Math.abs(s)));
    });
  });

  it('eigen and Lanczos agree to 1e-12; discrete time equals iterating a ← a − 2lr W(Ka − ȳ)', () => {
    const e = infiniteDiscriminator(relu, train, { loss: 'lsgan', t: 2, spectral: 'eigen' });
    const l = infiniteDiscriminator(relu, train, { loss: 'lsgan', t: 2, spectral: 'lanczos' });
    expect(maxDiff(e.coef, l.coef)).toBeLessThan(1e-12 * maxAbs(e.coef));
    const lr = 0.01, steps = 150;
    const disc = infiniteDiscriminator(relu, train, { loss: 'lsgan', t: lr * steps, lr });
    const K = relu.matrix(train.S), n = K.rows;
    const a = new Float64Array(n);
    for (let s = 0; s < steps; s++) {
      const f = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f[i] += K.data[i * n + j] * a[j];
      for (let i = 0; i < n; i++) a[i] -= 2 * lr * train.w[i] * (f[i] - train.ybar[i]);
    }
    expect(maxDiff(disc.coef, a)).toBeLessThan(1e-12 * maxAbs(a));
    expect(() => infiniteDiscriminator(relu, train, { loss: 'lsgan', t: 1, lr: 0.3 })).toThrow(/integer/);
  });
});

describe('IPM = LSGAN = vanilla to first order in t (property e)', () => {
  it('f^LSGAN_t = 2 f^IPM_t + O(t²), f^vanilla_t = f^IPM_t / 2 + O(t²) (ℓ\'(0) = 2w ȳ·, w ȳ σ(0))', () => {
    const ts = [0.02, 0.006, 0.002, 0.0006];
    const eL: number[] = [], eV: number[] = [];
    for (const t of ts) {
      const ipm = infiniteDiscriminator(relu, train, { loss: 'ipm', t }).value(probes);
      const ls = infiniteDiscriminator(relu, train, { loss: 'lsgan', t }).value(probes);
      const va = infiniteDiscriminator(relu, train, { loss: 'vanilla', t }).value(probes);
      eL.push(maxDiff(ls, ipm.map((v) => 2 * v)));
      eV.push(maxDiff(va, ipm.map((v) => v / 2)));
    }
    const fl = logLogFit(ts, eL), fv = logLogFit(ts, eV);
    console.log(`max |LSGAN − 2·IPM|: ${eL.map((e) => e.toExponential(2)).join(', ')} at t = ${ts.join(', ')}: slope ${fl.slope.toFixed(3)}`);
    console.log(`max |vanilla − IPM/2|: ${eV.map((e) => e.toExponential(2)).join(', ')}: slope ${fv.slope.toFixed(3)}`);
    // the difference is c₂t² + c₃t³: log-log slope 2 + O(t c₃/c₂) (≈ 0.04 at t = 0.1, so t ≤ 0.02 here); f itself is O(t)
    expect(Math.abs(fl.slope - 2)).toBeLessThan(0.05);
    expect(Math.abs(fv.slope - 2)).toBeLessThan(0.05);
  });
});

describe('vanilla: ODE on S and the Lambert-W eigenbasis approximation', () => {
  it('the ODE solution satisfies ∂_t f_S = η K W ȳ∘σ(−ȳ∘f_S): discrete Euler converges to it at O(lr)', () => {
    const t = 1;
    const ode = infiniteDiscriminator(relu, train, { loss: 'vanilla', t });
    const errs = [0.02, 0.01, 0.005].map((lr) => maxDiff(infiniteDiscriminator(relu, train, { loss: 'vanilla', t, lr }).onS!, ode.onS!));
    const fit = logLogFit([0.02, 0.01, 0.005], errs);
    console.log(`vanilla Euler − dopri5 on S: ${errs.map((e) => e.toExponential(2)).join(', ')}; order ${fit.slope.toFixed(3)}`);
    expect(Math.abs(fit.slope - 1)).toBeLessThan(0.05);
  });

  it('the approximation is exact when ȳ is an eigenvector of KW (a pair mirrored through 0) and second order in t otherwise', () => {
    const pair = trainingSet([[-0.7, 0.4]], [[0.7, -0.4]]);
    for (const t of [0.3, 2, 10]) {
      const a = infiniteDiscriminator(relu, pair, { loss: 'vanilla', t });
      const b = infiniteDiscriminator(relu, pair, { loss: 'vanilla', t, vanilla: 'lambertw' });
      const va = a.value(probes), vb = b.value(probes);
      expect(maxDiff(va, vb), `t = ${t}`).toBeLessThan(1e-9 * (1 + maxAbs(va)));
    }
    const ts = [0.2, 0.1, 0.05, 0.025];
    const errs = ts.map((t) => maxDiff(
      infiniteDiscriminator(relu, train, { loss: 'vanilla', t }).value(probes),
      infiniteDiscriminator(relu, train, { loss: 'vanilla', t, vanilla: 'lambertw' }).value(probes)));
    const fit = logLogFit(ts, errs);
    const at1 = maxDiff(infiniteDiscriminator(relu, train, { loss: 'vanilla', t: 1 }).value(probes),
      infiniteDiscriminator(relu, train, { loss: 'vanilla', t: 1, vanilla: 'lambertw' }).value(probes));
    console.log(`Lambert-W approximation − ODE: ${errs.map((e) => e.toExponential(2)).join(', ')} at t = ${ts.join(', ')} (order ${fit.slope.toFixed(2)}); ${at1.toExponential(2)} at t = 1`);
    expect(fit.slope).toBeGreaterThan(1.9);
  });

  it('refuses hinge at infinite width and a bad time', () => {
    expect(() => infiniteDiscriminator(relu, train, { loss: 'hinge', t: 1 })).toThrow(/finite width/);
    expect(() => infiniteDiscriminator(relu, train, { loss: 'ipm', t: -1 })).toThrow(/t must be/);
  });
});
