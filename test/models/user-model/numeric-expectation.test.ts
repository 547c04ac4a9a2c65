// Numeric expectations (src/symbolic/gaussian-numeric.ts → src/compile/expectation.ts):
// each E_i against an independent high-order Gauss–Hermite rule and, for erf, the closed
// form, within its own error estimate; the tanh/sigmoid drifts against a direct quadrature
// of the update's expectation at random states (1e-6); the rate theorem for the tanh
// committee; the ReLU committee with K + M = 4 (its one four-dimensional orthant
// probability against exact cases and Monte Carlo, the drift against Monte Carlo, the rate
// theorem); other kinks still refused; the definitions render in KaTeX.

import { describe, it, expect } from 'vitest';
import katex from 'katex';
import { readFileSync } from 'node:fs';
import { parseModelText } from '../../../src/models/user-model/model-file.ts';
import { deriveModelOde } from '../../../src/models/user-model/derive.ts';
import { defaultInitial } from '../../../src/models/user-model/theory.ts';
import { checkRate } from '../../../src/models/user-model/rate.ts';
import {
  type NumericExpectation, type SystemWithExpectations, evaluate, parse, systemExpectations, expectationLatex, expectationText,
  gaussianExpectation, GaussianExpectationError, isOrthant,
} from '../../../src/symbolic/index.ts';
import { ExpectationEvaluator } from '../../../src/compile/expectation.ts';
import { orthant4 } from '../../../src/compile/orthant.ts';
import { integrate } from '../../../src/compile/index.ts';
import { Rng, gaussHermite, choleskyPsd } from '../../../src/numeric/index.ts';

const load = (file: string, replace: (s: string) => string = (s) => s) => parseModelText(replace(readFileSync(`examples/models/${file}`, 'utf8')));

/** E[f(x)] for several integrands at once, x ~ N(0, G), tensor Gauss–Hermite of order n. */
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

/** A random Gram matrix of dimension D with variances ~0.3..1. */
function randomGram(rng: Rng, D: number): number[][] {
  const A = Array.from({ length: D }, () => Array.from({ length: D }, () => rng.normal() / 3));
  return A.map((a, i) => A.map((b, j) => a.reduce((s, x, k) => s + x * b[k], 0) + (i === j ? 0.2 : 0)));
}

/** Values and error estimates of a System's expectations at env. */
function evaluateAt(sys: SystemWithExpectations, env: Record<string, number>) {
  const ev = new ExpectationEvaluator(sys);
  const n = sys.expectations.length;
  const value = new Float64Array(n), err = new Float64Array(n);
  ev.evaluate(sys.state.map((s) => env[s]), sys.params.map((p) => env[p]), value, err);
  return { value, err };
}

describe('each numeric expectation against an independent rule', () => {
  it('perceptron (sigmoid) and tanh: every E_i against Gauss–Hermite of order 300 (itself converged to 1e-11 against order 200), within its error estimate', () => {
    for (const [file, g] of [['perceptron-sigmoid.json', 'sigmoid'], ['perceptron.json', 'tanh']] as const) {
      const sys = deriveModelOde(load(file, (s) => s.replace(/"g": "[^"]*"/, `"g": "${g}(z)"`))) as SystemWithExpectations;
      expect(sys.expectations.length).toBeGreaterThan(0);
      const rng = new Rng(3);
      for (let trial = 0; trial < 3; trial++) {
        const G = randomGram(rng, 2);
        const env: Record<string, number> = { Q: G[0][0], R: G[0][1], T: G[1][1], eta: 0.5 };
        const { value, err } = evaluateAt(sys, env);
        sys.expectations.forEach((q, i) => {
          const C = q.cov.map((r) => r.map((c) => evaluate(c, env)));
          const f = (x: Float64Array, out: Float64Array) => { out[0] = evaluate(q.integrand, Object.fromEntries(q.vars.map((v, k) => [v, x[k]]))); };
          const hi = expectationsNd(f, C, 300, 1)[0], lo = expectationsNd(f, C, 200, 1)[0];
          expect(Math.abs(hi - lo)).toBeLessThan(1e-11);
          expect(Math.abs(value[i] - hi), `${q.name} = E[${expectationText([q])}]: ${value[i]} vs ${hi}, estimate ${err[i]}`).toBeLessThan(err[i] + 1e-11);
          expect(err[i]).toBeLessThan(1e-8);
        });
      }
    }
  });

  it('erf through the numeric rule equals the closed form, within the error estimate (1, 2, 3 and 4 variables; a degenerate covariance)', () => {
    const cases: Array<{ integrand: string; cov: number[][] }> = [
      { integrand: 'erf(z1)^2', cov: [[0.8]] },
      { integrand: 'erf(z1)*erf(z2)', cov: [[1.1, 0.4], [0.4, 0.6]] },
      { integrand: 'erf(z1)*exp(z2 + z3)', cov: [[1, 0.3, 0.2], [0.3, 0.7, -0.1], [0.2, -0.1, 0.5]] },
      { integrand: 'erf(z1 + z4)*erf(z2 - z3)', cov: [[1, 0.3, 0.2, 0.1], [0.3, 0.7, -0.1, 0], [0.2, -0.1, 0.5, 0.1], [0.1, 0, 0.1, 0.4]] },
      { integrand: 'erf(z1)*erf(z2)', cov: [[1, 1], [1, 1]] },
    ];
    for (const c of cases) {
      const vars = c.cov.map((_, i) => `z${i + 1}`);
      const integrand = parse(c.integrand);
      const exact = gaussianExpectation(integrand, vars, c.cov.map((r) => r.map((x) => parse(String(x)))));
      expect(exact.exact, c.integrand).toBe(true);
      const q: NumericExpectation = { name: 'E_1', vars, cov: c.cov.map((r) => r.map((x) => parse(String(x)))), integrand };
      const sys: SystemWithExpectations = { state: ['s'], params: [], drift: [parse('E_1')], expectations: [q] };
      const { value, err } = evaluateAt(sys, { s: 0 });
      const want = evaluate(exact.expr, {});
      expect(Math.abs(value[0] - want), `${c.integrand}: ${value[0]} vs ${want} (estimate ${err[0]})`).toBeLessThan(err[0] + 1e-12);
      expect(err[0]).toBeLessThan(1e-8);
    }
  });
});

describe('derived drift = direct quadrature of the update\'s expectation (numeric, 1e-6)', () => {
  function checkCommittee(g: string, gp: (z: number) => number, gf: (z: number) => number, K: number, M: number, seed: number, hi: number, lo: number, converged: number) {
    const sys = deriveModelOde(load('committee-tanh.json', (s) => s.replace('"K": 2, "M": 2', `"K": ${K}, "M": ${M}`).replace('"g": "tanh(z)"', `"g": "${g}"`)
      .replace(/"initial": \{[^}]*\}/, '"initial": {}'))) as SystemWithExpectations;
    expect(systemExpectations(sys).length).toBeGreaterThan(0);
    const rng = new Rng(seed);
    const D = K + M;
    const G = randomGram(rng, D);
    const eta = 0.7;
    const nm = (base: string, sizes: number[], rows: number[]) => base + rows.filter((_, k) => sizes[k] > 1).join('');
    const env: Record<string, number> = { eta };
    const pairs = new Map<string, [number, number]>();
    for (let a = 0; a < K; a++) for (let b = a; b < K; b++) { env[nm('Q', [K, K], [a + 1, b + 1])] = G[a][b]; pairs.set(nm('Q', [K, K], [a + 1, b + 1]), [a, b]); }
    for (let a = 0; a < K; a++) for (let m = 0; m < M; m++) { env[nm('R', [K, M], [a + 1, m + 1])] = G[a][K + m]; pairs.set(nm('R', [K, M], [a + 1, m + 1]), [a, K + m]); }
    for (let m = 0; m < M; m++) for (let p = m; p < M; p++) env[nm('T', [M, M], [m + 1, p + 1])] = G[K + m][K + p];
    const which = sys.state.map((s) => pairs.get(s)!);
    const f = (x: Float64Array, out: Float64Array) => {
      let d = 0;
      for (let m = 0; m < M; m++) d += gf(x[K + m]);
      for (let k = 0; k < K; k++) d -= gf(x[k]);
      which.forEach(([a, b], i) => {
        out[i] = b >= K ? eta * d * gp(x[a]) * x[b] : eta * d * (gp(x[a]) * x[b] + gp(x[b]) * x[a]) + eta * eta * d * d * gp(x[a]) * gp(x[b]);
      });
    };
    const q = expectationsNd(f, G, hi, which.length), check = expectationsNd(f, G, lo, which.length);
    const { value } = evaluateAt(sys, env);
    const withE = { ...env, ...Object.fromEntries(sys.expectations.map((e, i) => [e.name, value[i]])) };
    sys.state.forEach((s, i) => {
      expect(Math.abs(q[i] - check[i]), `${s}: reference not converged`).toBeLessThan(converged);
      expect(Math.abs(evaluate(sys.drift[i], withE) - q[i]), `${s}`).toBeLessThan(1e-6 + 2 * Math.abs(q[i] - check[i]));
    });
  }
  const tanhP = (z: number) => 1 - Math.tanh(z) ** 2;
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  it('tanh committee K = 2, M = 1 at a random state', () => checkCommittee('tanh(z)', tanhP, Math.tanh, 2, 1, 4, 90, 70, 1e-6));
  it('sigmoid committee K = 1, M = 2 at a random state', () => checkCommittee('sigmoid(z)', (z) => sig(z) * (1 - sig(z)), sig, 1, 2, 5, 90, 70, 1e-8));
  // tensor Gauss–Hermite converges only like exp(−c√n) for tanh (poles at ±iπ/2): in 4 variables the reference
  // changes by < 3e-7 from order 48 to 56, and the tolerance is 1e-6 plus twice that change
  it('tanh committee K = M = 2 (4-variable expectations) at a random state', () => checkCommittee('tanh(z)', tanhP, Math.tanh, 2, 2, 6, 56, 48, 3e-7), 120_000);
});

describe('the tanh committee end to end', () => {
  it('rate theorem: max_t |sim − ODE| against n = 50, 200, 800 has a fitted slope in [−0.75, −0.25]', () => {
    const m = load('committee-tanh.json');
    const params = Object.fromEntries(m.params.map((p) => [p.name, p.default]));
    const r = checkRate(m, params, defaultInitial(m), { ns: [50, 200, 800], T: 0.5, every: 0.125, seeds: 8, seed: 3 });
    expect(r.passed, `slope ${r.slope}, errors ${r.errors.join(', ')}`).toBe(true);
  }, 120_000);

  it('integrate reports the rule and each expectation\'s largest error estimate; the definitions render in KaTeX', () => {
    const m = load('perceptron-sigmoid.json');
    const sys = deriveModelOde(m) as SystemWithExpectations;
    const tr = integrate(sys, { params: { eta: 1, T: 1 }, initial: [{ Q: 0.5, R: 0.1 }], t1: 1, method: 'rk4', steps: 50, record: 'final' }) as ReturnType<typeof integrate> & { expectations: { maxErrorEstimate: number[]; rule: string } };
    expect(tr.expectations.maxErrorEstimate.length).toBe(sys.expectations.length);
    expect(Math.max(...tr.expectations.maxErrorEstimate)).toBeLessThan(1e-8);
    expect(tr.expectations.rule).toMatch(/trapezoid/);
    expect(() => katex.renderToString(expectationLatex(sys.expectations), { throwOnError: true, displayMode: true })).not.toThrow();
  });
});

describe('ReLU with K + M = 4: the four-dimensional orthant probability', () => {
  const p3 = (r12: number, r13: number, r23: number) => 1 / 8 + (Math.asin(r12) + Math.asin(r13) + Math.asin(r23)) / (4 * Math.PI);
  it('orthant4 against the exact cases (equicorrelated 1/2 → 1/5; one independent → P3/2; a repeated variable → P3) and Monte Carlo', () => {
    const eq = [[1, 0.5, 0.5, 0.5], [0.5, 1, 0.5, 0.5], [0.5, 0.5, 1, 0.5], [0.5, 0.5, 0.5, 1]];
    const cases: Array<[number[][], number]> = [
      [eq, 0.2],
      [[[1, 0.3, -0.2, 0], [0.3, 1, 0.4, 0], [-0.2, 0.4, 1, 0], [0, 0, 0, 1]], p3(0.3, -0.2, 0.4) / 2],
      [[[2, 2, 0.3, -0.4], [2, 2, 0.3, -0.4], [0.3, 0.3, 1, 0.2], [-0.4, -0.4, 0.2, 0.5]], p3(0.3 / Math.SQRT2, -0.4 / Math.sqrt(2 * 0.5), 0.2 / Math.sqrt(0.5))],
    ];
    for (const [C, want] of cases) {
      const r = orthant4(C);
      expect(Math.abs(r.value - want), JSON.stringify(C)).toBeLessThan(r.error + 1e-13);
    }
    const rng = new Rng(8);
    for (let trial = 0; trial < 2; trial++) {
      const G = randomGram(rng, 4), L = choleskyPsd(G), N = 400_000;
      let hit = 0;
      const z = new Float64Array(4);
      for (let s2 = 0; s2 < N; s2++) {
        rng.fillNormal(z);
        let ok = true;
        for (let i = 0; i < 4 && ok; i++) { let t = 0; for (let k = 0; k <= i; k++) t += L[i][k] * z[k]; ok = t > 0; }
        if (ok) hit++;
      }
      const p = hit / N, se = Math.sqrt(p * (1 - p) / N), r = orthant4(G);
      expect(r.error).toBeLessThan(1e-12);
      expect(Math.abs(r.value - p), `${r.value} vs ${p} ± ${se}`).toBeLessThan(4 * se);
    }
  });

  it('committee-relu-2x2.json: one numeric expectation (the orthant); every drift within 4 SE of Monte Carlo at a random state', () => {
    const sys = deriveModelOde(load('committee-relu-2x2.json')) as SystemWithExpectations;
    expect(sys.expectations.length).toBe(1);
    expect(isOrthant(sys.expectations[0])).toBe(true);
    const G = [[0.9, 0.25, 0.3, 0.1], [0.25, 0.7, -0.1, 0.35], [0.3, -0.1, 1.1, 0.2], [0.1, 0.35, 0.2, 0.8]];
    const eta = 0.6;
    const env: Record<string, number> = { eta, Q11: G[0][0], Q12: G[0][1], Q22: G[1][1], R11: G[0][2], R12: G[0][3], R21: G[1][2], R22: G[1][3], T11: G[2][2], T12: G[2][3], T22: G[3][3] };
    const pairs: Record<string, [number, number]> = { Q11: [0, 0], Q12: [0, 1], Q22: [1, 1], R11: [0, 2], R12: [0, 3], R21: [1, 2], R22: [1, 3] };
    const { value, err } = evaluateAt(sys, env);
    expect(err[0]).toBeLessThan(1e-12);
    const withE = { ...env, [sys.expectations[0].name]: value[0] };
    const relu = (x: number) => Math.max(x, 0), step = (x: number) => (x > 0 ? 1 : 0);
    const L = choleskyPsd(G);
    const rng = new Rng(32);
    const N = 200_000, m = sys.state.length;
    const sum = new Float64Array(m), sum2 = new Float64Array(m);
    const z = new Float64Array(4), x = new Float64Array(4);
    for (let s2 = 0; s2 < N; s2++) {
      rng.fillNormal(z);
      for (let i = 0; i < 4; i++) { let t = 0; for (let k = 0; k <= i; k++) t += L[i][k] * z[k]; x[i] = t; }
      const d = relu(x[2]) + relu(x[3]) - relu(x[0]) - relu(x[1]);
      sys.state.forEach((nm, i) => {
        const [a, b] = pairs[nm];
        const v = b >= 2 ? eta * d * step(x[a]) * x[b]
          : eta * d * (step(x[a]) * x[b] + step(x[b]) * x[a]) + eta * eta * d * d * step(x[a]) * step(x[b]);
        sum[i] += v; sum2[i] += v * v;
      });
    }
    sys.state.forEach((nm, i) => {
      const mean = sum[i] / N, se = Math.sqrt((sum2[i] / N - mean * mean) / N);
      expect(Math.abs(evaluate(sys.drift[i], withE) - mean), `${nm}: ${evaluate(sys.drift[i], withE)} vs ${mean} ± ${se}`).toBeLessThan(4 * se);
    });
  });

  it('committee-relu-2x2.json: rate theorem, fitted slope in [−0.75, −0.25]', () => {
    const m = load('committee-relu-2x2.json');
    const params = Object.fromEntries(m.params.map((p) => [p.name, p.default]));
    const r = checkRate(m, params, defaultInitial(m), { ns: [50, 200, 800], T: 0.5, every: 0.125, seeds: 8, seed: 3 });
    expect(r.passed, `slope ${r.slope}, errors ${r.errors.join(', ')}`).toBe(true);
  }, 120_000);
});

describe('what the numeric rules do not take is still refused', () => {
  it('an abs activation in a committee with K + M = 4 (kinks other than the orthant): a GaussianExpectationError that says kink', () => {
    const m = load('committee-relu.json', (s) => s.replace(/"K": 2, "M": 1/, '"K": 2, "M": 2').replace('"g": "relu(z)"', '"g": "abs(z)"').replace(/"initial": \{[^}]*\}/, '"initial": {}'));
    expect(() => deriveModelOde(m)).toThrow(GaussianExpectationError);
    expect(() => deriveModelOde(m)).toThrow(/kink/);
  });
  it('a state whose overlaps need more nodes than the limit: a CompileError naming the expectation and the limit, not a hang', () => {
    const big = [[400, 1, 2, 3], [1, 300, 1, 2], [2, 1, 500, 1], [3, 2, 1, 400]];
    const q: NumericExpectation = { name: 'E_1', vars: ['z1', 'z2', 'z3', 'z4'], cov: big.map((r) => r.map((x) => parse(String(x)))), integrand: parse('tanh(z1)^2*tanh(z2)^2*tanh(z3)*tanh(z4)') };
    const sys: SystemWithExpectations = { state: ['s'], params: [], drift: [parse('E_1')], expectations: [q] };
    expect(() => evaluateAt(sys, { s: 0 })).toThrow(/E_1: .* above the limit/);
  });

  it('an activation of a parameter-scaled field with no closed form: refused, naming why', () => {
    const text = readFileSync('examples/models/perceptron.json', 'utf8').replace('"g": "erf(z/sqrt(2))"', '"g": "tanh(beta*z)"').replace('"eta": 1', '"eta": 1, "beta": 2');
    expect(() => deriveModelOde(parseModelText(text))).toThrow(/symbolic coefficient/);
  });
});
