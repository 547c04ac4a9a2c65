// Infinite-width gradient-descent MSE predictions against neural-tangents
// (test/fixtures/ntk/predict.json: ReLU depth 2, t = 1, 10, 100, ∞, mean and
// covariance for get = nngp and ntk), and against the mean of finite networks
// trained by gradient descent.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { predictFromKernels, gradientDescentMseEnsemble } from '../../src/ntk/index.ts';
import { parseArchitecture } from '../../src/ntk/index.ts';
import { kernels, type Matrix } from '../../src/ntk/index.ts';
import { finiteNetwork, trainMse } from '../../src/ntk/index.ts';
import { symmetricEigen } from '../../src/numeric/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const P = JSON.parse(readFileSync(new URL('../fixtures/ntk/predict.json', import.meta.url), 'utf8'));
const M = (a: number[][]): Matrix => ({ data: Float64Array.from(a.flat()), rows: a.length, cols: a[0].length });
const yTrain: number[] = P.y_train.map((r: number[]) => r[0]);
const T_KEYS = ['1.0', '10.0', '100.0', 'inf'];
const arch = parseArchitecture('serial(dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1))');

describe('predictions against neural-tangents', () => {
  // The train–train NTK has condition number ~925: solving with it costs ~3 digits, so 1e-10 relative.
  it.each(['nngp', 'ntk'] as const)('%s: mean and covariance at t = 1, 10, 100, ∞ from the fixture kernels', (get) => {
    const k = {
      trainTrain: M(P.kernels[`train_train_${get}`]), testTrain: M(P.kernels[`test_train_${get}`]),
      nngpTrainTrain: M(P.kernels.train_train_nngp), nngpTestTrain: M(P.kernels.test_train_nngp), nngpTestTest: M(P.kernels.test_test_nngp),
    };
    for (const tk of T_KEYS) {
      const t = tk === 'inf' ? Infinity : Number(tk);
      const r = predictFromKernels(k, yTrain, { get, t, computeCov: true });
      const mean: number[] = P.predictions[get].mean[tk].map((v: number[]) => v[0]);
      const scale = Math.max(...mean.map(Math.abs));
      mean.forEach((v, i) => expect(Math.abs(r.mean[i] - v), `${get} t=${tk} mean[${i}]`).toBeLessThanOrEqual(1e-10 * Math.max(Math.abs(v), 1e-3 * scale)));
      const cov: number[] = P.predictions[get].cov[tk].flat();
      const cscale = Math.max(...cov.map(Math.abs));
      cov.forEach((v, i) => expect(Math.abs(r.cov!.data[i] - v), `${get} t=${tk} cov[${i}]`).toBeLessThanOrEqual(1e-10 * cscale));
    }
    // neural-tangents' t = ∞ through the eigendecomposition agrees with our Cholesky route
    const viaEigh: number[] = P.predictions[get]['mean_inf_via_eigh_t=np.inf'].map((v: number[]) => v[0]);
    const inf = predictFromKernels(k, yTrain, { get, t: Infinity });
    viaEigh.forEach((v, i) => expect(Math.abs(inf.mean[i] - v)).toBeLessThanOrEqual(1e-9 * Math.abs(v)));
  });

  it('end to end from the architecture: our kernels equal the fixture kernels, and so do the predictions', () => {
    const ens = gradientDescentMseEnsemble(arch, P.x_train, yTrain);
    const close = (a: Float64Array, b: number[][], tol: number, what: string) => b.flat().forEach((v, i) => expect(Math.abs(a[i] - v), what).toBeLessThanOrEqual(tol * Math.abs(v)));
    close(ens.trainTrain.ntk.data, P.kernels.train_train_ntk, 1e-13, 'train_train_ntk');
    close(ens.trainTrain.nngp.data, P.kernels.train_train_nngp, 1e-13, 'train_train_nngp');
    close(kernels(arch, P.x_test, P.x_train).ntk!.data, P.kernels.test_train_ntk, 1e-13, 'test_train_ntk');
    for (const get of ['nngp', 'ntk'] as const) {
      for (const tk of T_KEYS) {
        const r = ens.predict(P.x_test, { get, t: tk === 'inf' ? Infinity : Number(tk), computeCov: true });
        close(r.mean, P.predictions[get].mean[tk], 1e-9, `${get} mean t=${tk}`);
        const cscale = Math.max(...P.predictions[get].cov[tk].flat().map(Math.abs));
        (P.predictions[get].cov[tk].flat() as number[]).forEach((v, i) => expect(Math.abs(r.cov!.data[i] - v)).toBeLessThanOrEqual(1e-9 * cscale));
      }
    }
  });

  it('limits: t = 0 gives mean 0 and the prior covariance; many small discrete steps approach continuous time', () => {
    const k = { trainTrain: M(P.kernels.train_train_ntk), testTrain: M(P.kernels.test_train_ntk), nngpTrainTrain: M(P.kernels.train_train_nngp), nngpTestTrain: M(P.kernels.test_train_nngp), nngpTestTest: M(P.kernels.test_test_nngp) };
    const r0 = predictFromKernels(k, yTrain, { get: 'ntk', t: 0, computeCov: true });
    expect(Array.from(r0.mean).every((v) => v === 0)).toBe(true);
    (P.kernels.test_test_nngp.flat() as number[]).forEach((v, i) => expect(r0.cov!.data[i]).toBeCloseTo(v, 14));
    const cont = predictFromKernels(k, yTrain, { get: 'ntk', t: 3 });
    // discrete GD with η = 3/k: error O(η λ_max/n) relative to the flow's change
    const disc = predictFromKernels(k, yTrain, { get: 'ntk', steps: 30000, learningRate: 1e-4 });
    for (let i = 0; i < 10; i++) expect(Math.abs(disc.mean[i] - cont.mean[i])).toBeLessThan(1e-3 * Math.max(...Array.from(cont.mean, Math.abs)));
  });

  it('rejects inconsistent inputs', () => {
    const k = { trainTrain: M(P.kernels.train_train_ntk), testTrain: M(P.kernels.test_train_ntk) };
    expect(() => predictFromKernels(k, yTrain.slice(1), { get: 'ntk', t: 1 })).toThrow(/19 values for 20/);
    expect(() => predictFromKernels(k, yTrain, { get: 'ntk' })).toThrow(/exactly one of t and steps/);
    expect(() => predictFromKernels(k, yTrain, { get: 'ntk', t: 1, computeCov: true })).toThrow(/covariance needs/);
    expect(() => predictFromKernels(k, yTrain, { get: 'ntk', t: -1 })).toThrow(/t must be ≥ 0/);
  });
});

describe('finite networks trained by gradient descent → the infinite-width mean', () => {
  // f_t(x) of a wide network is, to O(1/√width), its linearisation
  //   f_t(x) = f_0(x) + Θ_xd V g(Λ) Vᵀ (y − f_0(X)),
  // so c(x) = f_0(x) − Θ_xd V g(Λ) Vᵀ f_0(X), computed from each network's own f_0 with
  // the infinite-width NTK, has mean exactly 0 over initialisations. Averaging
  // f_t(x) − c(x) (a control variate) estimates E[f_t(x)] without bias and with
  // the O(1) prior variance of f_0 removed. Discrete GD (η = 0.2, 25 steps; stable:
  // ηλ_max/n = 0.83 < 2) is compared with the discrete-time prediction.
  it('width 256, 16 seeds: every test mean within 4 standard errors + O(1/width); the spread around the linearisation halves from width 64', () => {
    const rng = new Rng(5);
    const xtr = Array.from({ length: 8 }, () => [rng.normal(), rng.normal()]);
    const ytr = xtr.map(([a, b]) => Math.sin(2 * a) * Math.cos(b));
    const xte = Array.from({ length: 4 }, () => [rng.normal(), rng.normal()]);
    const ens = gradientDescentMseEnsemble(arch, xtr, ytr);
    const lambdaMax = Math.max(...symmetricEigen(ens.trainTrain.ntk.data, 8).values);
    const lr = 0.2, steps = 25;
    expect(lr * lambdaMax / 8).toBeLessThan(2);
    const inf = ens.predict(xte, { get: 'ntk', steps, learningRate: lr, computeCov: true });
    const td = kernels(arch, xte, xtr).ntk!;
    const study = (width: number, seeds: number) => {
      const sum = new Float64Array(4), sq = new Float64Array(4);
      for (let s = 0; s < seeds; s++) {
        const net0 = finiteNetwork(arch, { d: 2, width, seed: 4000 + s });
        const f0tr = net0.forward(xtr), f0te = net0.forward(xte);
        const lin = predictFromKernels({ trainTrain: ens.trainTrain.ntk, testTrain: td }, f0tr, { get: 'ntk', steps, learningRate: lr }).mean;
        const f = trainMse(net0, xtr, ytr, { learningRate: lr, steps }).forward(xte);
        for (let i = 0; i < 4; i++) { const v = f[i] - (f0te[i] - lin[i]); sum[i] += v; sq[i] += v * v; }
      }
      const mean = Array.from(sum, (v) => v / seeds);
      const se = Array.from(sq, (v, i) => Math.sqrt(Math.max(0, v / seeds - mean[i] ** 2) / (seeds - 1)));
      const z2 = mean.reduce((a, m, i) => a + ((m - inf.mean[i]) / se[i]) ** 2, 0);
      return { mean, se, z2 };
    };
    const narrow = study(64, 16), wide = study(256, 16);
    const scale = Math.max(...Array.from(inf.mean, Math.abs));
    console.log(`GD ensemble vs infinite width (η=${lr}, ${steps} steps): infinite ${Array.from(inf.mean, (v) => v.toFixed(4)).join(' ')}\n`
      + `  width 64:  ${narrow.mean.map((v, i) => `${v.toFixed(4)}±${narrow.se[i].toFixed(4)}`).join(' ')}  Σz² = ${narrow.z2.toFixed(1)}\n`
      + `  width 256: ${wide.mean.map((v, i) => `${v.toFixed(4)}±${wide.se[i].toFixed(4)}`).join(' ')}  Σz² = ${wide.z2.toFixed(1)}\n`
      + `  prior sd without the control variate: ${Array.from({ length: 4 }, (_, i) => Math.sqrt(inf.cov!.data[i * 5]).toFixed(3)).join(' ')}`);
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(wide.mean[i] - inf.mean[i]), `test point ${i}`).toBeLessThanOrEqual(4 * wide.se[i] + 2 * scale / 256);
    }
    // the residual f_t − c around the linearisation shrinks like width^(-1/2): ×1/2 from 64 to 256
    const seSum = (r: { se: number[] }) => r.se.reduce((a, b) => a + b, 0);
    expect(seSum(wide) / seSum(narrow)).toBeLessThan(0.75);
  });
});
