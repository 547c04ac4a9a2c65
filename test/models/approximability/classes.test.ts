import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluate } from '../../../src/symbolic/index.ts';
import { Rng, meanWithError, normalCdf, normalPdf, klGaussian, w1Samples1d } from '../../../src/numeric/index.ts';
import {
  reluExpectation, reluExpectationBatch, reluIpmObjective, gaussianIpm, gaussianIpmGrid, randomGaussian, projections,
  cubeLogPartition1, cubeMean1, cubeVariance1, expFamilyReport,
  sampleMixture, mixtureLogDensity, mixtureKl, mixtureIpm, mixtureW1Bracket, randomMixture,
  randomGenerator, perturbGenerator, sampleGenerator, generatorLogDensity, generatorKl, logDensityNet, logDensityNetValue, zeroGradient,
  actInverse, act, generatorW1Bracket,
  empiricalReluIpm1d, generatorForwardBackward,
} from '../../../src/models/approximability/index.ts';

const box = { RW: 2, Rb: 1, delta: 0.3 };

describe('Gaussian class: E ReLU(vᵀx + b) derived symbolically', () => {
  it('is the closed form m Φ(m/s) + s φ(m/s), exact, with derivatives Φ(m/s) and φ(m/s)', () => {
    const r = reluExpectation();
    expect(r.exact).toBe(true);
    expect(r.method).toBe('closed-form');
    fc.assert(fc.property(fc.double({ min: -4, max: 4, noNaN: true }), fc.double({ min: 0.05, max: 4, noNaN: true }), (m, s) => {
      const z = m / s;
      expect(evaluate(r.value, { m, s })).toBeCloseTo(m * normalCdf(z) + s * normalPdf(z), 12);
      const out = reluExpectationBatch(Float64Array.of(m, s));
      expect(out[0]).toBeCloseTo(m * normalCdf(z) + s * normalPdf(z), 12);
      expect(out[1]).toBeCloseTo(normalCdf(z), 12);
      expect(out[2]).toBeCloseTo(normalPdf(z), 12);
    }), { numRuns: 60 });
  });

  it('the objective equals a Monte Carlo estimate of (E_p − E_q) r ReLU(uᵀx + c) (4 SE)', () => {
    const rng = new Rng(3);
    const p = randomGaussian(rng, 2, 1, 0.5, 1.5), q = randomGaussian(rng, 2, 1, 0.5, 1.5);
    const u = [0.6, 0.8], c = 0.4;
    const [mp, sp, mq, sq] = projections(p, q, u);
    const v = Array.from({ length: 200000 }, () => Math.max(0, mp + sp * rng.normal() + c) - Math.max(0, mq + sq * rng.normal() + c));
    const mc = meanWithError(v);
    expect(Math.abs(reluIpmObjective(p, q, 1, u, c) - mc.mean)).toBeLessThan(4 * mc.se);
  });

  it('the optimiser is not beaten by the brute-force grid in d = 2 (1e-6 relative) and stays below its Lipschitz bound', () => {
    const rng = new Rng(11);
    const p = randomGaussian(rng, 2, 1, 0.5, 1.5), q = randomGaussian(rng, 2, 1, 0.5, 1.5);
    const o = gaussianIpm(p, q, 1);
    const g = gaussianIpmGrid(p, q, 1, { nTheta: 360, nC: 200, refine: 8 });
    expect((g.value - o.value) / o.value).toBeLessThan(1e-6);
    expect(o.value).toBeLessThanOrEqual(g.upperBound);
    expect(o.stationarity).toBeLessThan(1e-6);
  });

  it('W_F ≤ W1 of the projection on its direction ≤ W2; W_F(p, p) = 0; mean shifts give W_F = |Δμ| when D is large', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 5; k++) {
      const p = randomGaussian(rng, 3, 1, 0.5, 1.5), q = randomGaussian(rng, 3, 1, 0.5, 1.5);
      const o = gaussianIpm(p, q, 1, { randomStarts: 2 });
      expect(o.value).toBeLessThanOrEqual(o.w1AlongBest * (1 + 1e-12));
      expect(o.value).toBeGreaterThan(0);
      expect(gaussianIpm(p, p, 1, { randomStarts: 0 }).value).toBeLessThan(1e-12);
    }
    // same covariance, shifted mean: f(x) = ReLU(uᵀx + c) with c large is linear on both: W_F → |Δμ| (bounded by W1 = |Δμ|)
    const cov = Float64Array.of(1, 0, 0, 1);
    const r = gaussianIpm({ d: 2, mean: Float64Array.of(0, 0), cov }, { d: 2, mean: Float64Array.of(0.5, 0), cov }, 50);
    expect(r.value).toBeCloseTo(0.5, 6);
  });
});

describe('exponential family (truncated exponentials on the cube)', () => {
  it('A, A′, A″ match quadrature of the density on [0, 1]', () => {
    for (const t of [-3, -0.7, -1e-5, 0, 2e-3, 0.015, 0.5, 2.9]) {
      const N = 4000;
      let z = 0, m = 0, v = 0;
      for (let i = 0; i < N; i++) { const x = (i + 0.5) / N, w = Math.exp(t * x) / N; z += w; m += x * w; v += x * x * w; }
      expect(cubeLogPartition1(t)).toBeCloseTo(Math.log(z), 6);
      expect(cubeMean1(t)).toBeCloseTo(m / z, 6);
      expect(cubeVariance1(t)).toBeCloseTo(v / z - (m / z) ** 2, 6);
    }
  });

  it('W1 per coordinate equals |ΔA′| (stochastic order): checked against samples by inversion', () => {
    const rng = new Rng(2);
    const draw = (t: number) => Float64Array.from({ length: 20000 }, () => { const u = rng.uniform(); return Math.log1p(u * Math.expm1(t)) / t; });
    const w = w1Samples1d(draw(1.5), draw(-0.8));
    expect(Math.abs(w - Math.abs(cubeMean1(1.5) - cubeMean1(-0.8)))).toBeLessThan(0.01);
    const r = expFamilyReport([1.5], [-0.8]);
    expect(r.w1Lower).toBeCloseTo(r.w1Upper, 12);
  });
});

describe('mixtures of Gaussians', () => {
  it('the log density is normalised (importance sampling) and KL(p‖p) = 0', () => {
    const rng = new Rng(4);
    const p = randomMixture(rng, 2, 3, 2);
    // E_{N(0, 4I)} [p(x) / N(x; 0, 4I)] = 1
    const n = 100000, X = new Float64Array(n * 2);
    rng.fillNormal(X, 0, 2);
    const lp = mixtureLogDensity(p, X);
    const ratio = Array.from(lp, (l, s) => Math.exp(l + (X[2 * s] ** 2 + X[2 * s + 1] ** 2) / 8 + Math.log(8 * Math.PI)));
    const mc = meanWithError(ratio);
    expect(Math.abs(mc.mean - 1)).toBeLessThan(4 * mc.se);
    expect(mixtureKl(p, p, 1000, rng).mean).toBe(0);
  });

  it('one component each: the MC KL matches the Gaussian closed form; KL_sym ≤ W_F ≤ 2R·W1', () => {
    const rng = new Rng(8);
    const p = { d: 2, weights: Float64Array.of(1), means: Float64Array.of(0.5, 0) }, q = { d: 2, weights: Float64Array.of(1), means: Float64Array.of(0, 0.5) };
    const I = [1, 0, 0, 1];
    const kl = mixtureKl(p, q, 20000, rng);
    expect(Math.abs(kl.mean - klGaussian([0.5, 0], I, [0, 0.5], I, 2))).toBeLessThan(4 * kl.se + 1e-12);
    const r = mixtureIpm(p, q, { R: 2, nTrain: 500, nTest: 5000, steps: 30 });
    expect(r.klSymmetric.mean).toBeLessThanOrEqual(r.ipm.mean + 4 * r.ipm.se);
    const w1 = mixtureW1Bracket(p, q);
    expect(w1.lower).toBeCloseTo(w1.upper, 12);
    expect(r.ipm.mean - 4 * r.ipm.se).toBeLessThanOrEqual(2 * 2 * w1.upper);
    const X = sampleMixture(p, 10, rng);
    expect(X.length).toBe(20);
  });
});

describe('invertible generators and the log-density network (Lemma 4.1)', () => {
  it('σ⁻¹ inverts σ to rounding', () => {
    fc.assert(fc.property(fc.double({ min: -20, max: 20, noNaN: true }), (t) => {
      const s = { alpha: 0.3, smooth: 0.4 };
      expect(actInverse(s, act(s, t))).toBeCloseTo(t, 10);
    }));
  });

  it('log p from the forward pass equals the inverse network; one linear layer is a Gaussian and its KL is the closed form', () => {
    const rng = new Rng(1);
    const g = randomGenerator(rng, 3, 3, { box });
    const s = sampleGenerator(g, 50, rng);
    const inv = generatorLogDensity(g, s.x);
    for (let i = 0; i < 50; i++) expect(inv[i]).toBeCloseTo(s.logp[i], 9);
    // ℓ = 1: X = W(γ z) + b ~ N(b, W diag(γ²) Wᵀ)
    const p = randomGenerator(rng, 2, 1, { box }), q = perturbGenerator(p, 0.3, rng, box);
    const gauss = (h: typeof p) => {
      const W = h.layers[0].W, gm = h.gamma;
      const S = [0, 1, 2, 3].map((k) => { const i = k >> 1, j = k & 1; return W[i * 2] * gm[0] ** 2 * W[j * 2] + W[i * 2 + 1] * gm[1] ** 2 * W[j * 2 + 1]; });
      return { mu: Array.from(h.layers[0].b), S };
    };
    const a = gauss(p), b = gauss(q);
    const kl = generatorKl(p, q, 40000, rng);
    expect(Math.abs(kl.mean - klGaussian(a.mu, a.S, b.mu, b.S, 2))).toBeLessThan(4 * kl.se);
  });

  it('∇_φ f_φ matches central finite differences', () => {
    const rng = new Rng(2);
    const g = randomGenerator(rng, 3, 3, { box });
    const X = sampleGenerator(g, 3, rng).x;
    const net = logDensityNet(perturbGenerator(g, 0.2, rng, box));
    const grad = zeroGradient(net);
    logDensityNetValue(net, X, 1, grad, 1);
    const h = 1e-6;
    const check = (arr: Float64Array, garr: Float64Array) => {
      for (let i = 0; i < arr.length; i += 2) {
        const old = arr[i];
        arr[i] = old + h; const vp = logDensityNetValue(net, X, 1);
        arr[i] = old - h; const vm = logDensityNetValue(net, X, 1);
        arr[i] = old;
        expect(garr[i]).toBeCloseTo((vp - vm) / (2 * h), 5);
      }
    };
    net.V.forEach((V, k) => check(V, grad.V[k]));
    net.b.forEach((b, k) => check(b, grad.b[k]));
    check(net.gamma, grad.gamma);
  });

  it('the generator backward pass matches finite differences of Σ gx·G(z)', () => {
    const rng = new Rng(3);
    const g = randomGenerator(rng, 2, 3, { box });
    const Z = new Float64Array(8); rng.fillNormal(Z);
    const gx = new Float64Array(8); rng.fillNormal(gx);
    const net = { d: 2, sigma: g.sigma, V: g.layers.map((L) => L.W), b: g.layers.map((L) => L.b), gamma: g.gamma };
    const grad = { d: 2, sigma: g.sigma, V: g.layers.map(() => new Float64Array(4)), b: g.layers.map(() => new Float64Array(2)), gamma: new Float64Array(2) };
    generatorForwardBackward(g, Z, gx, grad);
    const loss = () => generatorForwardBackward(g, Z).reduce((s, x, i) => s + x * gx[i], 0);
    const h = 1e-6;
    const arrays = [...net.V, ...net.b, net.gamma], grads = [...grad.V, ...grad.b, grad.gamma];
    arrays.forEach((arr, r) => {
      for (let i = 0; i < arr.length; i++) {
        const old = arr[i];
        arr[i] = old + h; const vp = loss(); arr[i] = old - h; const vm = loss(); arr[i] = old;
        expect(grads[r][i]).toBeCloseTo((vp - vm) / (2 * h), 5);
      }
    });
  });

  it('the W1 bracket is ordered and both KLs vanish for p = q', () => {
    const rng = new Rng(4);
    const p = randomGenerator(rng, 2, 2, { box }), q = perturbGenerator(p, 0.2, rng, box);
    const w = generatorW1Bracket(p, q, 2000, 1);
    expect(w.lower).toBeLessThanOrEqual(w.upper.mean + 4 * w.upper.se);
    expect(generatorKl(p, p, 500, rng).mean).toBeCloseTo(0, 9);
  });
});

describe('the dilemma: the empirical ReLU IPM along a direction', () => {
  it('equals a dense scan over offsets (it is piecewise linear)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.1, max: 3, noNaN: true }), (seed, D) => {
      const rng = new Rng(seed);
      const a = Float64Array.from({ length: 7 }, () => rng.normal()), b = Float64Array.from({ length: 5 }, () => rng.normal() + 0.3);
      const exact = empiricalReluIpm1d(a, b, D);
      let scan = 0;
      const H = (c: number) => a.reduce((s, x) => s + Math.max(0, x + c), 0) / a.length - b.reduce((s, x) => s + Math.max(0, x + c), 0) / b.length;
      for (let i = -20000; i <= 20000; i++) { const c = i * 1e-3; scan = Math.max(scan, Math.min(1, D / Math.abs(c)) * Math.abs(H(c))); }
      expect(exact).toBeGreaterThanOrEqual(scan - 1e-12);
      expect(exact - scan).toBeLessThan(2e-3);
    }), { numRuns: 20 });
  });
});
