// The model file → derived ODE: the solvable GAN's file gives exactly today's System
// (frozen in test/fixtures/user-model, d = 1, 2, 3, both normalisations); the lifted
// derivation keeps solvable-gan's own System; the perceptron and committee-machine
// drifts equal a direct quadrature of the update's expectation at random states.

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseModelText } from '../../../src/models/user-model/model-file.ts';
import { deriveModelOde, deriveModelSde } from '../../../src/models/user-model/derive.ts';
import { PERCEPTRON_MODEL, perceptronModel } from '../../../src/models/user-model/builtin.ts';
import { deriveOverlapOde, deriveCoordinateSde } from '../../../src/models/solvable-gan/derive.ts';
import { print, evaluate } from '../../../src/symbolic/index.ts';
import { Rng, expectationNd, expectation2dPolar, erf as erfNum, gaussHermite, choleskyPsd } from '../../../src/numeric/index.ts';

const fixture = JSON.parse(readFileSync('test/fixtures/user-model/solvable-gan-system.json', 'utf8')) as Record<string, { state: string[]; params: string[]; drift: string[]; diffusion?: string[] }>;
const withD = (file: string, d: number) => readFileSync(file, 'utf8').replace('"d": 1', `"d": ${d}`).replace(/"initial": \{[^}]*\}/, '"initial": {}');

/** E[f(x)] for several integrands at once (f writes them into out), x ~ N(0, G), tensor Gauss–Hermite of order n. */
function expectationsNd(f: (x: Float64Array, out: Float64Array) => void, G: number[][], n: number, m: number): Float64Array {
  const d = G.length, L = choleskyPsd(G);
  const { nodes, weights } = gaussHermite(n);
  const idx = new Array<number>(d).fill(0);
  const x = new Float64Array(d), out = new Float64Array(m), acc = new Float64Array(m);
  for (;;) {
    let w = 1;
    for (let i = 0; i < d; i++) { w *= weights[idx[i]]; let t = 0; for (let k = 0; k <= i; k++) t += L[i][k] * nodes[idx[k]]; x[i] = t; }
    f(x, out);
    for (let j = 0; j < m; j++) acc[j] += w * out[j];
    let i = 0;
    while (i < d && ++idx[i] === n) idx[i++] = 0;
    if (i === d) return acc;
  }
}

describe('solvable GAN: model file = today\'s System', () => {
  for (const [file, norm] of [['examples/models/solvable-gan.json', 'column'], ['examples/models/solvable-gan-oja.json', 'oja']] as const) {
    it.each([1, 2, 3])(`${norm} normalisation, d = %i: same state, parameters and drift (printed identically)`, (d) => {
      const sys = deriveModelOde(parseModelText(withD(file, d)));
      const ref = fixture[`ode-${d}-${norm}`];
      expect(sys.state).toEqual(ref.state);
      expect(sys.params).toEqual(ref.params);
      expect(sys.drift.map(print)).toEqual(ref.drift);
    });
  }
  for (const [file, norm] of [['examples/models/solvable-gan.json', 'column'], ['examples/models/solvable-gan-oja.json', 'oja']] as const) {
    it.each([1, 2])(`${norm} normalisation, d = %i: the per-coordinate SDE is today's (drift and diffusion printed identically)`, (d) => {
      const sde = deriveModelSde(parseModelText(withD(file, d)));
      const ref = fixture[`sde-${d}-${norm}`];
      expect(sde.state).toEqual(ref.state);
      expect(sde.params).toEqual(ref.params);
      expect(sde.drift.map(print)).toEqual(ref.drift);
      expect(sde.diffusion!.map(print)).toEqual(ref.diffusion);
    });
  }
  it('solvable-gan\'s own derivation (now through src/symbolic/online.ts) still prints today\'s ODE and SDE', () => {
    for (const d of [1, 2]) {
      for (const norm of ['column', 'oja'] as const) {
        expect(deriveOverlapOde(d, norm).drift.map(print)).toEqual(fixture[`ode-${d}-${norm}`].drift);
        const sde = deriveCoordinateSde(d, norm);
        expect(sde.drift.map(print)).toEqual(fixture[`sde-${d}-${norm}`].drift);
        expect(sde.diffusion!.map(print)).toEqual(fixture[`sde-${d}-${norm}`].diffusion);
      }
    }
  });
});

describe('drift = direct quadrature of the update\'s expectation (closed forms, 1e-9)', () => {
  const g = (z: number) => erfNum(z / Math.SQRT2);
  const gp = (z: number) => Math.sqrt(2 / Math.PI) * Math.exp(-z * z / 2);

  it('perceptron (erf): dQ/dt and dR/dt at random states', () => {
    const sys = deriveModelOde(perceptronModel());
    const rng = new Rng(5);
    for (let trial = 0; trial < 5; trial++) {
      const T = 0.5 + rng.uniform(), Q = 0.2 + rng.uniform(), R = (rng.uniform() - 0.5) * Math.sqrt(Q * T);
      const eta = 0.2 + rng.uniform();
      const env = { Q, R, T, eta };
      const cov = [[Q, R], [R, T]];
      // n·E[Δ⟨w,w⟩] = 2η E[δ g'(λ) λ] + η² E[δ² g'(λ)²] (‖x‖²/n = 1); n·E[Δ⟨w,v⟩] = η E[δ g'(λ) ν]
      const dQ = (n: number) => expectationNd((x) => { const d = g(x[1]) - g(x[0]); return 2 * eta * d * gp(x[0]) * x[0] + eta * eta * d * d * gp(x[0]) ** 2; }, cov, n);
      const dR = (n: number) => expectationNd((x) => eta * (g(x[1]) - g(x[0])) * gp(x[0]) * x[1], cov, n);
      for (const [i, f] of [[0, dQ], [1, dR]] as const) {
        const q = f(120), check = f(90);
        expect(Math.abs(q - check)).toBeLessThan(1e-12);
        expect(Math.abs(evaluate(sys.drift[i], env) - q), `${sys.state[i]} at ${JSON.stringify(env)}`).toBeLessThan(1e-9);
      }
    }
  });

  it('perceptron (ReLU): dQ/dt and dR/dt at random states against polar quadrature split at the kinks', () => {
    const sys = deriveModelOde(parseModelText(readFileSync('examples/models/perceptron-relu.json', 'utf8')));
    const relu = (z: number) => Math.max(z, 0), step = (z: number) => (z > 0 ? 1 : 0);
    const rng = new Rng(6);
    for (let trial = 0; trial < 5; trial++) {
      const T = 0.5 + rng.uniform(), Q = 0.2 + rng.uniform(), R = (rng.uniform() - 0.5) * Math.sqrt(Q * T);
      const eta = 0.2 + rng.uniform();
      const env = { Q, R, T, eta };
      const cov = [[Q, R], [R, T]];
      const kinks: Array<[number, number]> = [[1, 0], [0, 1]];
      const dQ = (u: number, v: number) => { const d = relu(v) - relu(u); return 2 * eta * d * step(u) * u + eta * eta * d * d * step(u); };
      const dR = (u: number, v: number) => eta * (relu(v) - relu(u)) * step(u) * v;
      for (const [i, f] of [[0, dQ], [1, dR]] as const) {
        const q = expectation2dPolar(f, cov, kinks, { nAngle: 64, nRadius: 40, radius: 16 });
        const check = expectation2dPolar(f, cov, kinks, { nAngle: 48, nRadius: 32, radius: 14 });
        expect(Math.abs(q - check)).toBeLessThan(1e-12);
        expect(Math.abs(evaluate(sys.drift[i], env) - q), `${sys.state[i]} at ${JSON.stringify(env)}`).toBeLessThan(1e-9);
      }
    }
  });

  it('committee machine K = 2, M = 1 (ReLU; three half-spaces): every drift within 4 SE of Monte Carlo at a random state', () => {
    const sys = deriveModelOde(parseModelText(readFileSync('examples/models/committee-relu.json', 'utf8')));
    const G = [[0.9, 0.25, 0.3], [0.25, 0.7, -0.1], [0.3, -0.1, 1.1]];
    const eta = 0.6;
    const env: Record<string, number> = { eta, Q11: G[0][0], Q12: G[0][1], Q22: G[1][1], R1: G[0][2], R2: G[1][2], T: G[2][2] };
    const pairs: Record<string, [number, number]> = { Q11: [0, 0], Q12: [0, 1], Q22: [1, 1], R1: [0, 2], R2: [1, 2] };
    const relu = (z: number) => Math.max(z, 0), step = (z: number) => (z > 0 ? 1 : 0);
    const L = choleskyPsd(G);
    const rng = new Rng(31);
    const N = 200_000, m = sys.state.length;
    const sum = new Float64Array(m), sum2 = new Float64Array(m);
    const z = new Float64Array(3), x = new Float64Array(3);
    for (let s = 0; s < N; s++) {
      rng.fillNormal(z);
      for (let i = 0; i < 3; i++) { let t = 0; for (let k = 0; k <= i; k++) t += L[i][k] * z[k]; x[i] = t; }
      const d = relu(x[2]) - relu(x[0]) - relu(x[1]);
      sys.state.forEach((nm, i) => {
        const [a, b] = pairs[nm];
        const v = b === 2 ? eta * d * step(x[a]) * x[b]
          : eta * d * (step(x[a]) * x[b] + step(x[b]) * x[a]) + eta * eta * d * d * step(x[a]) * step(x[b]);
        sum[i] += v; sum2[i] += v * v;
      });
    }
    sys.state.forEach((nm, i) => {
      const mean = sum[i] / N, se = Math.sqrt((sum2[i] / N - mean * mean) / N);
      expect(Math.abs(evaluate(sys.drift[i], env) - mean), `${nm}: ${evaluate(sys.drift[i], env)} vs ${mean} ± ${se}`).toBeLessThan(4 * se);
    });
  });

  /** Checks every drift of a committee machine with K students, M teachers against tensor Gauss–Hermite at orders hi and lo. */
  function checkCommittee(K: number, M: number, seed: number, hi: number, lo: number, tolerance: (q: number, check: number) => number) {
    const text = readFileSync('examples/models/committee-erf.json', 'utf8').replace('"K": 2, "M": 2', `"K": ${K}, "M": ${M}`).replace(/"initial": \{[^}]*\}/, '"initial": {}');
    const sys = deriveModelOde(parseModelText(text));
    const rng = new Rng(seed);
    const D = K + M;
    // a random Gram matrix of (w_1..w_K, v_1..v_M) with variances below ~1 (Gauss–Hermite converges fast there)
    const A = Array.from({ length: D }, () => Array.from({ length: D }, () => rng.normal() / 4));
    const G = A.map((a, i) => A.map((b, j) => a.reduce((s, x, k) => s + x * b[k], 0) + (i === j ? 0.15 : 0)));
    const eta = 0.7;
    const ix = (v: 'w' | 'v', i: number) => (v === 'w' ? i : K + i);
    const name = (base: string, sizes: number[], rows: number[]) => base + rows.filter((_, k) => sizes[k] > 1).join('');
    const env: Record<string, number> = { eta };
    const pairs = new Map<string, [number, number]>();
    for (let a = 0; a < K; a++) for (let b = a; b < K; b++) { env[name('Q', [K, K], [a + 1, b + 1])] = G[a][b]; pairs.set(name('Q', [K, K], [a + 1, b + 1]), [a, b]); }
    for (let a = 0; a < K; a++) for (let m = 0; m < M; m++) { env[name('R', [K, M], [a + 1, m + 1])] = G[a][ix('v', m)]; pairs.set(name('R', [K, M], [a + 1, m + 1]), [a, ix('v', m)]); }
    for (let m = 0; m < M; m++) for (let p = m; p < M; p++) env[name('T', [M, M], [m + 1, p + 1])] = G[ix('v', m)][ix('v', p)];
    expect(sys.state.length).toBe(pairs.size);
    const which = sys.state.map((nm) => pairs.get(nm)!);
    // n·E[Δ⟨a,b⟩] = η E[δ (g'(λ_a) x_b + g'(λ_b) x_a)] + η² E[δ² g'(λ_a) g'(λ_b)] for two students; η E[δ g'(λ_a) ν_b] for a teacher b
    const f = (x: Float64Array, out: Float64Array) => {
      let d = 0;
      for (let m = 0; m < M; m++) d += g(x[K + m]);
      for (let k = 0; k < K; k++) d -= g(x[k]);
      which.forEach(([a, b], i) => {
        out[i] = b >= K ? eta * d * gp(x[a]) * x[b]
          : eta * d * (gp(x[a]) * x[b] + gp(x[b]) * x[a]) + eta * eta * d * d * gp(x[a]) * gp(x[b]);
      });
    };
    const q = expectationsNd(f, G, hi, which.length), check = expectationsNd(f, G, lo, which.length);
    sys.state.forEach((nm, i) => {
      expect(Math.abs(evaluate(sys.drift[i], env) - q[i]), `${nm}: quadrature difference ${Math.abs(q[i] - check[i])}`).toBeLessThan(tolerance(q[i], check[i]));
    });
  }

  it('committee machine K = 2, M = 1 (erf; every expectation in ≤ 3 variables): every drift at a random state to 1e-9', () => {
    checkCommittee(2, 1, 9, 60, 40, (q, check) => { expect(Math.abs(q - check)).toBeLessThan(1e-11); return 1e-9; });
  });

  // erf(x/√2)² grows like the Gaussian weight off the real axis, so tensor Gauss–Hermite converges
  // only algebraically here: the tolerance is 1e-9 plus twice the reference's own change from order 28 to 36.
  it('committee machine K = M = 2 (erf; 4-variable expectations): every drift at a random state to 1e-9 + 2·|Q_36 − Q_28|', () => {
    checkCommittee(2, 2, 10, 36, 28, (q, check) => { expect(Math.abs(q - check)).toBeLessThan(1e-7); return 1e-9 + 2 * Math.abs(q - check); });
  });
});

describe('the built-in perceptron is the shipped example', () => {
  it('examples/models/perceptron.json and PERCEPTRON_MODEL agree (except the "about" note)', () => {
    const file = JSON.parse(readFileSync('examples/models/perceptron.json', 'utf8'));
    delete file.about;
    expect(file).toEqual(JSON.parse(JSON.stringify(PERCEPTRON_MODEL)));
  });
});
