import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MlpCritic, criticObjective, generatorLossGradient, Optimizer, Minibatcher, trainCritic,
  CriticInputError, finiteNetwork, stack, relu, erfAct,
  type CriticActivation, type CriticObjective, type CriticOptions,
} from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { IntegrationError as CoreIntegrationError } from '../../src/core/index.ts';

const EPS = 2 ** -52;

function normals(n: number, seed: number, mean = 0, std = 1): Float64Array {
  return new Rng(seed).fillNormal(new Float64Array(n), mean, std);
}

/**
 * Central difference D(h) of a scalar function of t at 0 and its error bound from
 * the step size: the truncation error of D(h) is ≈ |D(h) − D(2h)|/3 (Richardson:
 * D(h) = F' + c h² + O(h⁴)), rounding ≲ ε·max|F|/h; the bound is twice their sum.
 */
function centralDiff(F: (t: number) => number, h: number): { value: number; bound: number } {
  const Dh = (F(h) - F(-h)) / (2 * h);
  const D2h = (F(2 * h) - F(-2 * h)) / (4 * h);
  const scale = Math.max(Math.abs(F(0)), Math.abs(F(h)), Math.abs(F(-h)), 1e-300);
  return { value: Dh, bound: 2 * (Math.abs(Dh - D2h) / 3 + 16 * EPS * scale / h) };
}

function lossAt(critic: MlpCritic, obj: CriticObjective, P: Float64Array, nP: number, Q: Float64Array, nQ: number, seed: number): number {
  return criticObjective(critic, obj, P, nP, Q, nQ, { rng: new Rng(seed) }).loss;
}

/** Every parameter's derivative against its central difference; returns the worst ratio error/bound. */
function checkParamGradient(critic: MlpCritic, obj: CriticObjective, P: Float64Array, nP: number, Q: Float64Array, nQ: number, h = 1e-5): number {
  const { grad } = criticObjective(critic, obj, P, nP, Q, nQ, { rng: new Rng(9) });
  const g = Float64Array.from(grad);
  const theta = critic.params;
  let worst = 0;
  for (let p = 0; p < theta.length; p++) {
    const t0 = theta[p];
    const fd = centralDiff((t) => { theta[p] = t0 + t; const v = lossAt(critic, obj, P, nP, Q, nQ, 9); theta[p] = t0; return v; }, h);
    const err = Math.abs(fd.value - g[p]);
    const ratio = err / (fd.bound + 1e-13 * (1 + Math.abs(g[p])));
    worst = Math.max(worst, ratio);
  }
  return worst;
}

const OBJECTIVES: [string, CriticObjective][] = [
  ['wgan', { loss: 'wgan' }],
  ['wgan + λ(E_Q‖∇f‖² − 1)', { loss: 'wgan', penalty: { kind: 'fake-unit', lambda: 1.25 } }],
  ['wgan + (λ/2)E_Q‖∇f‖²', { loss: 'wgan', penalty: { kind: 'fake-half', lambda: 0.7 } }],
  ['wgan-gp on interpolates', { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 10 } }],
  ['bce', { loss: 'bce' }],
  ['bce + λ(E_Q‖∇f‖² − 1)', { loss: 'bce', penalty: { kind: 'fake-unit', lambda: 0.5 } }],
];

describe('MlpCritic forward and input gradient', () => {
  it('matches FiniteNetwork (same layout, same seed) for relu and erf, both parameterizations', () => {
    const d = 3, width = 6, n = 7;
    const X = normals(n * d, 5);
    for (const parameterization of ['ntk', 'standard'] as const) {
      for (const [act, activation] of [['relu', relu()], ['erf', erfAct()]] as const) {
        const wStd = 1.3, bStd = 0.4;
        const critic = new MlpCritic({ d, hidden: [width, width], activation: act, parameterization, wStd, bStd, seed: 11 });
        const net = finiteNetwork(stack(2, activation, wStd, bStd, { parameterization }), { d, width, seed: 11 });
        expect(Array.from(critic.params)).toEqual(Array.from(net.params));
        const f = critic.forward(X, n);
        const fNet = net.forward({ data: X, rows: n, cols: d });
        const gNet = net.gradInput({ data: X, rows: n, cols: d }).data;
        const g = critic.inputGradient(X, n);
        for (let i = 0; i < n; i++) expect(Math.abs(f[i] - fNet[i])).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(fNet[i])));
        for (let t = 0; t < n * d; t++) expect(Math.abs(g[t] - gNet[t])).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(gNet[t])));
      }
    }
  });

  it('input gradient and ∂f/∂θ agree with central differences (tanh, erf, relu)', () => {
    const d = 3, n = 4;
    const X = normals(n * d, 6);
    for (const activation of ['tanh', 'erf', 'relu'] as CriticActivation[]) {
      const critic = new MlpCritic({ d, hidden: [5, 4], activation, bStd: 0.3, seed: 3 });
      const values = new Float64Array(n);
      const G = critic.inputGradient(X, n, undefined, values);
      expect(Array.from(values)).toEqual(Array.from(critic.forward(X, n)));
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < d; k++) {
          const x0 = X[i * d + k];
          const fd = centralDiff((t) => { X[i * d + k] = x0 + t; const v = critic.forward(X, n)[i]; X[i * d + k] = x0; return v; }, 1e-5);
          expect(Math.abs(fd.value - G[i * d + k])).toBeLessThanOrEqual(fd.bound + 1e-13);
        }
      }
      const weights = [0.5, -1, 2, 0.25];
      const grad = critic.paramGradient(X, n, weights);
      const theta = critic.params;
      for (let p = 0; p < theta.length; p++) {
        const t0 = theta[p];
        const fd = centralDiff((t) => {
          theta[p] = t0 + t;
          const f = critic.forward(X, n);
          theta[p] = t0;
          return f.reduce((s, v, i) => s + weights[i] * v, 0);
        }, 1e-5);
        expect(Math.abs(fd.value - grad[p])).toBeLessThanOrEqual(fd.bound + 1e-13);
      }
    }
  });

  it('reuses its workspace: a larger batch after a smaller one and back gives the same numbers', () => {
    const critic = new MlpCritic({ d: 2, hidden: [8], activation: 'tanh', seed: 1 });
    const X = normals(100 * 2, 2);
    const small = critic.forward(X, 3);
    critic.forward(X, 100);
    expect(Array.from(critic.forward(X, 3))).toEqual(Array.from(small));
  });
});

describe('critic objectives: exact parameter gradients (penalty = mixed second derivative)', () => {
  const d = 2, nP = 5, nQ = 4;
  const P = normals(nP * d, 21, 1, 1), Q = normals(nQ * d, 22, -0.5, 0.8);
  for (const [name, obj] of OBJECTIVES) {
    for (const activation of ['tanh', 'erf', 'relu'] as CriticActivation[]) {
      it(`${name}, ${activation}: every ∂L/∂θ_p within the central-difference bound`, () => {
        const critic = new MlpCritic({ d, hidden: [6, 5], activation, bStd: 0.2, seed: 4 });
        expect(checkParamGradient(critic, obj, P, nP, Q, nQ)).toBeLessThanOrEqual(1);
      });
    }
  }

  it('ntk parameterization and no biases: gradients still exact', () => {
    const critic = new MlpCritic({ d, hidden: [4, 3, 5], activation: 'erf', parameterization: 'ntk', bStd: null, seed: 8 });
    for (const [, obj] of OBJECTIVES) expect(checkParamGradient(critic, obj, P, nP, Q, nQ)).toBeLessThanOrEqual(1);
  });

  it('property: random shapes, activations, objectives and points — directional derivative within its bound', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom<CriticActivation>('relu', 'tanh', 'erf', 'linear'),
      fc.constantFrom<'ntk' | 'standard'>('ntk', 'standard'),
      fc.integer({ min: 0, max: OBJECTIVES.length - 1 }),
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 2 ** 30 }),
      (dd, hidden, activation, parameterization, oi, np, nq, seed) => {
        const critic = new MlpCritic({ d: dd, hidden, activation, parameterization, bStd: 0.3, seed });
        const Pp = normals(np * dd, seed + 1, 0.5), Qq = normals(nq * dd, seed + 2, -0.5);
        const obj = OBJECTIVES[oi][1];
        const { grad } = criticObjective(critic, obj, Pp, np, Qq, nq, { rng: new Rng(seed) });
        const v = normals(critic.size, seed + 3);
        let gv = 0;
        for (let p = 0; p < v.length; p++) gv += grad[p] * v[p];
        const theta0 = Float64Array.from(critic.params);
        const fd = centralDiff((t) => {
          for (let p = 0; p < v.length; p++) critic.params[p] = theta0[p] + t * v[p];
          const L = lossAt(critic, obj, Pp, np, Qq, nq, seed);
          critic.params.set(theta0);
          return L;
        }, 1e-5);
        return Math.abs(fd.value - gv) <= fd.bound + 1e-12 * (1 + Math.abs(gv));
      }), { numRuns: 150, seed: 1234 });
  });

  it('generator loss gradient agrees with central differences in the inputs (wgan and non-saturating bce)', () => {
    const critic = new MlpCritic({ d, hidden: [6], activation: 'tanh', seed: 5 });
    const X = Float64Array.from(Q);
    for (const loss of ['wgan', 'bce'] as const) {
      const G = Float64Array.from(generatorLossGradient(critic, loss, X, nQ).grad);
      for (let t = 0; t < nQ * d; t++) {
        const x0 = X[t];
        const fd = centralDiff((s) => { X[t] = x0 + s; const v = generatorLossGradient(critic, loss, X, nQ).loss; X[t] = x0; return v; }, 1e-5);
        expect(Math.abs(fd.value - G[t])).toBeLessThanOrEqual(fd.bound + 1e-13);
      }
    }
  });
});

describe('analytic case: a linear critic f(x) = v·x + c', () => {
  // Effective v = product of the layer matrices; the penalised WGAN objective
  // E_P f − E_Q f − pen(v) has the optimum v* along Δ = μ_P − μ_Q:
  //   fake-half (λ/2)‖v‖²:       v* = Δ/λ
  //   fake-unit λ(‖v‖² − 1):      v* = Δ/(2λ)
  //   interpolate-gp λ(‖v‖ − 1)²: v* = (1 + ‖Δ‖/(2λ)) Δ/‖Δ‖
  const d = 3, n = 400;
  const muP = [1, -0.5, 0.25], muQ = [-0.5, 0.5, 0];
  const P = new Float64Array(n * d), Q = new Float64Array(n * d);
  const noise = normals(2 * n * d, 31, 0, 0.3);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) { P[i * d + k] = muP[k] + noise[i * d + k]; Q[i * d + k] = muQ[k] + noise[(n + i) * d + k]; }
  // the sample means define Δ exactly for the full-batch objective
  const delta = [0, 1, 2].map((k) => { let s = 0; for (let i = 0; i < n; i++) s += P[i * d + k] - Q[i * d + k]; return s / n; });
  const dn = Math.hypot(...delta);
  const cases: [string, CriticObjective, number[]][] = [
    ['fake-half', { loss: 'wgan', penalty: { kind: 'fake-half', lambda: 2 } }, delta.map((x) => x / 2)],
    ['fake-unit', { loss: 'wgan', penalty: { kind: 'fake-unit', lambda: 1.25 } }, delta.map((x) => x / 2.5)],
    ['interpolate-gp', { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 1 } }, delta.map((x) => (1 + dn / 2) * x / dn)],
  ];
  for (const [name, obj, vStar] of cases) {
    it(`${name}: trained v equals the optimum, and ∇f = v everywhere`, () => {
      const critic = new MlpCritic({ d, hidden: [3], activation: 'linear', wStd: 0.5, seed: 2 });
      const opt = new Optimizer(critic.size, { kind: 'adam', learningRate: 0.02 });
      trainCritic(critic, P, n, Q, n, { objective: obj, optimizer: opt, steps: 3000, seed: 1 });
      const G = critic.inputGradient(P, 2);
      for (let k = 0; k < d; k++) {
        expect(G[k]).toBeCloseTo(G[d + k], 12);
        expect(Math.abs(G[k] - vStar[k])).toBeLessThan(1e-4);
      }
    });
  }
});

describe('optimisers and minibatches', () => {
  it('SGD step, momentum, coupled weight decay', () => {
    const opt = new Optimizer(2, { kind: 'sgd', learningRate: 0.1, beta1: 0.5, weightDecay: 0.2 });
    const th = Float64Array.from([1, -2]);
    opt.step(th, Float64Array.from([3, 4]));
    // g = (3 + 0.2, 4 − 0.4); m = g; θ −= 0.1 m
    expect(th[0]).toBeCloseTo(1 - 0.1 * 3.2, 15);
    expect(th[1]).toBeCloseTo(-2 - 0.1 * 3.6, 15);
    const th1 = Float64Array.from(th);
    opt.step(th, Float64Array.from([0, 0]));
    expect(th[0]).toBeCloseTo(th1[0] - 0.1 * (0.5 * 3.2 + 0.2 * th1[0]), 15);
  });

  it('Adam: the first step is −η·sign(g) (bias correction), AdamW decays decoupled, clipping clamps', () => {
    const opt = new Optimizer(3, { kind: 'adam', learningRate: 0.01, eps: 1e-12 });
    const th = Float64Array.from([0, 0, 0]);
    opt.step(th, Float64Array.from([5, -0.001, 2e3]));
    // m̂ = g, v̂ = g²: step = −η g/(|g| + ε)
    [5, -0.001, 2e3].forEach((g, p) => expect(th[p]).toBeCloseTo(-0.01 * g / (Math.abs(g) + 1e-12), 15));
    const w = new Optimizer(1, { kind: 'adam', learningRate: 0.1, weightDecay: 0.5, decoupledWeightDecay: true, eps: 1e-12 });
    const t2 = Float64Array.from([2]);
    w.step(t2, Float64Array.from([1]));
    expect(t2[0]).toBeCloseTo(2 - 0.1 - 0.1 * 0.5 * 2, 12);
    const c = new Optimizer(2, { kind: 'sgd', learningRate: 1, clip: 0.01 });
    const t3 = Float64Array.from([0, 0]);
    c.step(t3, Float64Array.from([-5, 0.001]));
    expect(Array.from(t3)).toEqual([0.01, -0.001]);
  });

  it('refuses bad optimiser options', () => {
    expect(() => new Optimizer(1, { kind: 'adam', learningRate: -1 })).toThrow(CriticInputError);
    expect(() => new Optimizer(1, { kind: 'adam', learningRate: 1, beta2: 1 })).toThrow(/beta2/);
    expect(() => new Optimizer(1, { kind: 'rmsprop' as 'sgd', learningRate: 1 })).toThrow(/sgd or adam/);
  });

  it('minibatches cover each row once per epoch, deterministically', () => {
    const rows = 10, d = 2;
    const data = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) { data[i * d] = i; data[i * d + 1] = -i; }
    const seen: number[] = [];
    const mb = new Minibatcher(data, rows, d, 5, new Rng(3));
    for (let b = 0; b < 2; b++) { const x = mb.next(); for (let j = 0; j < 5; j++) { seen.push(x[j * d]); expect(x[j * d + 1]).toBe(-x[j * d]); } }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again: number[] = [];
    const mb2 = new Minibatcher(data, rows, d, 5, new Rng(3));
    for (let b = 0; b < 2; b++) { const x = mb2.next(); for (let j = 0; j < 5; j++) again.push(x[j * d]); }
    expect(again).toEqual(seen);
  });
});

describe('training', () => {
  // P = N(2, 1), Q = N(−2, 1): the Bayes classifier sign(x) has accuracy Φ(2) = 0.977.
  const n = 256;
  const P = normals(n, 41, 2, 1), Q = normals(n, 42, -2, 1);
  const fresh = 2000;
  const Pt = normals(fresh, 43, 2, 1), Qt = normals(fresh, 44, -2, 1);
  const accuracy = (c: MlpCritic, threshold: number) => {
    const fp = c.forward(Pt, fresh), fq = c.forward(Qt, fresh);
    let ok = 0;
    for (let i = 0; i < fresh; i++) ok += (fp[i] > threshold ? 1 : 0) + (fq[i] <= threshold ? 1 : 0);
    return ok / (2 * fresh);
  };

  it('BCE critic separates two 1-D Gaussians (accuracy within 8 standard errors of Bayes)', () => {
    const critic = new MlpCritic({ d: 1, hidden: [16, 16], activation: 'relu', seed: 7 });
    const opt = new Optimizer(critic.size, { kind: 'adam', learningRate: 3e-3 });
    const losses = trainCritic(critic, P, n, Q, n, { objective: { loss: 'bce' }, optimizer: opt, steps: 300, batch: 64, seed: 3 });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const bayes = 0.97725, se = Math.sqrt(bayes * (1 - bayes) / (2 * fresh));
    expect(accuracy(critic, 0)).toBeGreaterThan(bayes - 8 * se);
  });

  it('penalised WGAN critic (C.3b, λ = 1.25) separates them: E_P f − E_Q f > 1 on fresh samples, midpoint threshold > 90 % accurate', () => {
    const critic = new MlpCritic({ d: 1, hidden: [16, 16], activation: 'tanh', seed: 7 });
    const opt = new Optimizer(critic.size, { kind: 'adam', learningRate: 3e-3, weightDecay: 1e-4 });
    trainCritic(critic, P, n, Q, n, { objective: { loss: 'wgan', penalty: { kind: 'fake-unit', lambda: 1.25 } }, optimizer: opt, steps: 400, seed: 3 });
    const fp = critic.forward(Pt, fresh), fq = critic.forward(Qt, fresh);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(fp) - mean(fq)).toBeGreaterThan(1);
    const mid = (mean(fp) + mean(fq)) / 2;
    expect(accuracy(critic, mid)).toBeGreaterThan(0.9);
  });

  it('weight clipping keeps every parameter in [−c, c]', () => {
    const critic = new MlpCritic({ d: 1, hidden: [8], seed: 1 });
    const opt = new Optimizer(critic.size, { kind: 'sgd', learningRate: 0.05, clip: 0.01 });
    trainCritic(critic, P, n, Q, n, { objective: { loss: 'wgan' }, optimizer: opt, steps: 20, seed: 1 });
    expect(Math.max(...Array.from(critic.params, Math.abs))).toBeLessThanOrEqual(0.01);
  });

  it('same seed, same bytes (minibatches and WGAN-GP interpolates)', () => {
    const run = () => {
      const critic = new MlpCritic({ d: 1, hidden: [8, 8], activation: 'erf', seed: 12 });
      const opt = new Optimizer(critic.size, { kind: 'adam', learningRate: 1e-2 });
      const losses = trainCritic(critic, P, n, Q, n, { objective: { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 10 } }, optimizer: opt, steps: 30, batch: 32, seed: 5 });
      return Buffer.concat([Buffer.from(critic.params.buffer), Buffer.from(losses.buffer)]);
    };
    const a = run(), b = run();
    expect(a.equals(b)).toBe(true);
  });

  it('divergence throws an IntegrationError naming the step and keeping the losses', () => {
    const critic = new MlpCritic({ d: 1, hidden: [4], activation: 'linear', seed: 1 });
    const opt = new Optimizer(critic.size, { kind: 'sgd', learningRate: 1e3 });
    let caught: unknown;
    try { trainCritic(critic, P, n, Q, n, { objective: { loss: 'wgan' }, optimizer: opt, steps: 200, seed: 1 }); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(CoreIntegrationError);
    expect((caught as Error).message).toMatch(/diverged at step \d+/);
    expect(((caught as CoreIntegrationError).partial as Float64Array).length).toBeGreaterThan(0);
  });
});

describe('input validation', () => {
  const base: CriticOptions = { d: 2, hidden: [3], seed: 1 };
  it.each([
    [{ ...base, d: 0 }, /d must be/],
    [{ ...base, hidden: [] }, /at least one/],
    [{ ...base, hidden: [2.5] }, /hidden\[0\]/],
    [{ ...base, activation: 'constructor' as CriticActivation }, /activation must be/],
    [{ ...base, parameterization: '__proto__' as 'ntk' }, /parameterization/],
    [{ ...base, wStd: -1 }, /wStd/],
    [{ ...base, bStd: Number.NaN }, /bStd/],
  ])('refuses %j', (opts, msg) => {
    expect(() => new MlpCritic(opts)).toThrow(msg);
  });
  it('refuses short batches, a missing rng for WGAN-GP, and bad penalties', () => {
    const c = new MlpCritic(base);
    expect(() => c.forward(new Float64Array(3), 2)).toThrow(CriticInputError);
    const X = new Float64Array(4);
    expect(() => criticObjective(c, { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 1 } }, X, 2, X, 2)).toThrow(/rng/);
    expect(() => criticObjective(c, { loss: 'wgan', penalty: { kind: 'fake-unit', lambda: -1 } }, X, 2, X, 2)).toThrow(/lambda/);
    expect(() => criticObjective(c, { loss: 'hinge' as 'wgan' }, X, 2, X, 2)).toThrow(/loss/);
  });
});
