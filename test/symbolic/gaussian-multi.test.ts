// Multi-variable closed forms (erf family by Gaussian tilt, ReLU family by Stein, zero by
// parity) against the classic Saad–Solla forms, Monte Carlo (|exact − MC| ≤ 4 SE) and
// tensor Gauss–Hermite; the Hermite series to order 200 against polar quadrature, with
// its error estimate as the tolerance.

import { describe, it, expect } from 'vitest';
import { gaussianExpectation, parse, evaluate, type Expr } from '../../src/symbolic/index.ts';
import { Rng, choleskyPsd, expectationNd, expectation2dPolar } from '../../src/numeric/index.ts';

const P = parse;
const covExpr = (C: number[][]): Expr[][] => C.map((r) => r.map((x) => P(String(x))));
const vars4 = ['x1', 'x2', 'x3', 'x4'];

function randomCovariance(rng: Rng, d: number): number[][] {
  const A = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal() / Math.sqrt(d)));
  return A.map((ai, i) => A.map((aj, j) => ai.reduce((s, x, k) => s + x * aj[k], 0) + (i === j ? 0.2 : 0)));
}

function monteCarlo(f: (x: Float64Array) => number, cov: number[][], N: number, rng: Rng): { mean: number; se: number } {
  const d = cov.length, L = choleskyPsd(cov);
  const g = new Float64Array(d), x = new Float64Array(d);
  let s = 0, s2 = 0;
  for (let n = 0; n < N; n++) {
    rng.fillNormal(g);
    for (let i = 0; i < d; i++) { let t = 0; for (let k = 0; k <= i; k++) t += L[i][k] * g[k]; x[i] = t; }
    const v = f(x);
    s += v; s2 += v * v;
  }
  const mean = s / N;
  return { mean, se: Math.sqrt(Math.max(0, s2 / N - mean * mean) / N) };
}

const fnOf = (e: string, vars: string[]) => {
  const ex = P(e);
  const env: Record<string, number> = Object.create(null);
  return (x: Float64Array) => { vars.forEach((v, i) => { env[v] = x[i]; }); return evaluate(ex, env); };
};

// g(x) = erf(x/√2), the Saad–Solla activation.
const g = (a: string) => `erf(${a}/sqrt(2))`;
const gp = (a: string) => `sqrt(2/pi)*exp(-${a}^2/2)`;

function saadSolla(C: number[][]) {
  const c = (i: number, j: number) => C[i - 1][j - 1];
  const L3 = (1 + c(1, 1)) * (1 + c(3, 3)) - c(1, 3) ** 2;
  const I3 = (2 / Math.PI) / Math.sqrt(L3) * (c(2, 3) * (1 + c(1, 1)) - c(1, 2) * c(1, 3)) / (1 + c(1, 1));
  const L4 = (1 + c(1, 1)) * (1 + c(2, 2)) - c(1, 2) ** 2;
  const l0 = L4 * c(3, 4) - c(2, 3) * c(2, 4) * (1 + c(1, 1)) - c(1, 3) * c(1, 4) * (1 + c(2, 2))
    + c(1, 2) * c(1, 3) * c(2, 4) + c(1, 2) * c(1, 4) * c(2, 3);
  const l1 = L4 * (1 + c(3, 3)) - c(2, 3) ** 2 * (1 + c(1, 1)) - c(1, 3) ** 2 * (1 + c(2, 2)) + 2 * c(1, 2) * c(1, 3) * c(2, 3);
  const l2 = L4 * (1 + c(4, 4)) - c(2, 4) ** 2 * (1 + c(1, 1)) - c(1, 4) ** 2 * (1 + c(2, 2)) + 2 * c(1, 2) * c(1, 4) * c(2, 4);
  const I4 = 4 / Math.PI ** 2 / Math.sqrt(L4) * Math.asin(l0 / Math.sqrt(l1 * l2));
  const I2 = (2 / Math.PI) * Math.asin(c(3, 4) / Math.sqrt((1 + c(3, 3)) * (1 + c(4, 4))));


  return { I2, I3, I4 };
}

describe('erf family: closed forms by Gaussian tilt (Saad & Solla 1995)', () => {
  const rng = new Rng(20261202);
  const cases = Array.from({ length: 4 }, () => randomCovariance(rng, 4));
  it.each(cases.map((C, i) => [i, C] as const))('random covariance %i: I2, I3, I4 exact and equal to the classic forms, and to MC', (_, C) => {
    const ref = saadSolla(C);
    const E = (e: string) => gaussianExpectation(P(e), vars4, covExpr(C));
    const items: Array<[string, number]> = [
      [`${g('x3')}*${g('x4')}`, ref.I2],
      [`${gp('x1')}*x2*${g('x3')}`, ref.I3],
      [`${gp('x1')}*${gp('x2')}*${g('x3')}*${g('x4')}`, ref.I4],
    ];
    const mcRng = new Rng(7);
    for (const [e, classic] of items) {
      const r = E(e);
      expect(r.exact, e).toBe(true);
      const v = evaluate(r.expr, {});
      expect(Math.abs(v - classic), e).toBeLessThan(1e-12 * (1 + Math.abs(classic)));
      const mc = monteCarlo(fnOf(e, vars4), C, 40000, mcRng);
      expect(Math.abs(v - mc.mean), `${e} vs MC`).toBeLessThan(4 * mc.se);
    }
  });

  it('E[g′(u) u g(w)], E[g(u) g(v) g(w)] (zero by parity), E[g′(u) g′(v) u v g(w)]: exact, vs tensor Gauss–Hermite', () => {
    const C = cases[0].slice(0, 3).map((r) => r.slice(0, 3));
    const vars = ['x1', 'x2', 'x3'];
    for (const e of [`${gp('x1')}*x1*${g('x3')}`, `${g('x1')}*${g('x2')}*${g('x3')}`, `${gp('x1')}*${gp('x2')}*x1*x2*${g('x3')}`,
      `${gp('x1')}*x2^2*${g('x3')}*x3`]) {
      const r = gaussianExpectation(P(e), vars, covExpr(C));
      expect(r.exact, e).toBe(true);
      const v = evaluate(r.expr, {});
      const q40 = expectationNd(fnOf(e, vars), C, 40), q30 = expectationNd(fnOf(e, vars), C, 30);
      expect(Math.abs(v - q40), e).toBeLessThan(10 * Math.abs(q40 - q30) + 1e-12);
    }
  });

  it('symbolic covariance: E[g′(u) v g(w)] is a closed form that evaluates to the classic I3', () => {
    const S = [['Q11', 'Q12', 'R1'], ['Q12', 'Q22', 'R2'], ['R1', 'R2', 'T']].map((r) => r.map((x) => P(x)));
    const r = gaussianExpectation(P(`${gp('x1')}*x2*${g('x3')}`), ['x1', 'x2', 'x3'], S);
    expect(r.exact).toBe(true);
    const C = [[1.3, 0.2, 0.4], [0.2, 0.7, -0.3], [0.4, -0.3, 1.1]];
    const env = { Q11: 1.3, Q12: 0.2, R1: 0.4, Q22: 0.7, R2: -0.3, T: 1.1 };
    const C4 = [[...C[0], 0], [...C[1], 0], [...C[2], 0], [0, 0, 0, 1]];
    expect(Math.abs(evaluate(r.expr, env) - saadSolla(C4).I3)).toBeLessThan(1e-13);
  });
});

describe('ReLU family: closed forms by Stein reduction to the pair table', () => {
  it('E[step(u) v relu(w)], E[step(u) u relu(w)], E[step(u) step(v) relu(w)·w]: exact and within 4 SE of Monte Carlo', () => {
    const rng = new Rng(11);
    const C = randomCovariance(rng, 3);
    const vars = ['x1', 'x2', 'x3'];
    const mcRng = new Rng(12);
    for (const e of ['step(x1)*x2*relu(x3)', 'step(x1)*x1*relu(x3)', 'relu(x1)*relu(x3)*x2^2']) {
      const r = gaussianExpectation(P(e), vars, covExpr(C));
      expect(r.exact, e).toBe(true);
      const v = evaluate(r.expr, {});
      const mc = monteCarlo(fnOf(e, vars), C, 60000, mcRng);
      expect(Math.abs(v - mc.mean), `${e}: ${v} vs ${mc.mean} ± ${mc.se}`).toBeLessThan(4 * mc.se);
    }
  });

  it('three half-spaces (relu/step, by Stein and conditioning on δ down to the pair table and the orthant formula): exact, within 4 SE of Monte Carlo', () => {
    const C = randomCovariance(new Rng(21), 3);
    const vars = ['x1', 'x2', 'x3'];
    const mcRng = new Rng(22);
    for (const e of ['relu(x1)*relu(x2)*relu(x3)', 'step(x1)*step(x2)*step(x3)', 'step(x1)*step(x2)*relu(x3)', 'relu(x1)*step(x2)*relu(x3)*x2^2', 'relu(x1+x2)*relu(x2)*step(x3-x1)']) {
      const r = gaussianExpectation(P(e), vars, covExpr(C));
      expect(r.exact, e).toBe(true);
      const v = evaluate(r.expr, {});
      const mc = monteCarlo(fnOf(e, vars), C, 100000, mcRng);
      expect(Math.abs(v - mc.mean), `${e}: ${v} vs ${mc.mean} ± ${mc.se}`).toBeLessThan(4 * mc.se);
    }
  });

  it('three ReLUs: independent case is the product of the single moments; Price: ∂/∂c12 E[relu relu relu] = E[step step relu]', () => {
    const vars = ['x1', 'x2', 'x3'];
    const D = [[1.3, 0, 0], [0, 0.7, 0], [0, 0, 2]];
    const ind = evaluate(gaussianExpectation(P('relu(x1)*relu(x2)*relu(x3)'), vars, covExpr(D)).expr, {});
    expect(Math.abs(ind - Math.sqrt(1.3 * 0.7 * 2) / (2 * Math.PI) ** 1.5)).toBeLessThan(1e-14);
    const S = [['q1', 'c', 'a'], ['c', 'q2', 'b'], ['a', 'b', 'q3']].map((r) => r.map((x) => P(x)));
    const relu3 = gaussianExpectation(P('relu(x1)*relu(x2)*relu(x3)'), vars, S);
    const ssr = gaussianExpectation(P('step(x1)*step(x2)*relu(x3)'), vars, S);
    expect(relu3.exact && ssr.exact).toBe(true);
    const env = { q1: 1.2, q2: 0.9, q3: 1.1, a: 0.5, b: -0.2, c: 0.3 };
    const h = 1e-5;
    const fd = (evaluate(relu3.expr, { ...env, c: env.c + h }) - evaluate(relu3.expr, { ...env, c: env.c - h })) / (2 * h);
    expect(Math.abs(fd - evaluate(ssr.expr, env))).toBeLessThan(1e-8);
  });

  it('four half-spaces with a constant have no closed form (orthant of dimension 4): not exact, with an error estimate', () => {
    const C = [[1, 0.3, 0.2, 0.1], [0.3, 1, 0.1, 0.2], [0.2, 0.1, 1, 0.3], [0.1, 0.2, 0.3, 1]];
    const r = gaussianExpectation(P('step(x1)*step(x2)*relu(x3)*relu(x4)'), vars4, covExpr(C));
    expect(r.exact).toBe(false);
    expect(r.errorEstimate).toBeGreaterThan(0);
  });
});

describe('Hermite series: stable to order 200, error estimate checked against polar quadrature', () => {
  const pairs: Array<[string, Array<[number, number]>]> = [
    ['abs(u)*cos(v)', [[1, 0]]], ['tanh(u)*tanh(v)', []], ['abs(u)*tanh(v+0.3)', [[1, 0]]], ['sigmoid(u)*abs(v)^3', [[0, 1]]],
  ];
  const C = [[1, 0.9], [0.9, 1]];
  it('abs(u)·cos(v) at ρ = 0.9, order 100: 0.27356', () => {
    const r = gaussianExpectation(P('abs(u)*cos(v)'), ['u', 'v'], covExpr(C), { hermiteOrder: 100 });
    expect(r.exact).toBe(false);
    expect(evaluate(r.expr, {})).toBeCloseTo(0.27356, 5);
    expect(r.errorEstimate).toBeLessThan(1e-8);
  });
  it.each(pairs)('%s at orders 10, 50, 100, 200: |series − quadrature| ≤ errorEstimate + quadrature error', (e, kinks) => {
    const f = fnOf(e, ['u', 'v']);
    const fuv = (u: number, v: number) => f(Float64Array.of(u, v));
    const q = expectation2dPolar(fuv, C, kinks, { nAngle: 64, nRadius: 40, radius: 16 });
    const qc = expectation2dPolar(fuv, C, kinks, { nAngle: 48, nRadius: 32, radius: 14 });
    const qErr = Math.abs(q - qc) + 1e-14;
    for (const K of [10, 50, 100, 200]) {
      const r = gaussianExpectation(P(e), ['u', 'v'], covExpr(C), { hermiteOrder: K });
      expect(r.errorEstimate, `${e} K=${K}`).toBeDefined();
      const v = evaluate(r.expr, {});
      expect(Math.abs(v - q), `${e} K=${K}: ${v} vs ${q}, est ${r.errorEstimate}`).toBeLessThanOrEqual(r.errorEstimate! + qErr);
      if (K >= 100) expect(r.errorEstimate!, `${e} K=${K}`).toBeLessThan(1e-4);
    }
  });
});

describe('gandyn expect: the Hermite series at order 100 with its error estimate', () => {
  it("expect 'abs(u)*cos(v)' --cov '[[1,0.9],[0.9,1]]' --order 100 --json → 0.27356, errorEstimate present", async () => {
    const { main } = await import('../../src/cli/index.ts');
    let out = '';
    const code = await main(['expect', 'abs(u)*cos(v)', '--vars', 'u,v', '--cov', '[[1,0.9],[0.9,1]]', '--order', '100', '--json'],
      { out: (s: string) => { out += s; }, err: () => {} } as never);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.exact).toBe(false);
    expect(Number(r.expr)).toBeCloseTo(0.27356, 5);
    expect(r.errorEstimate).toBeGreaterThan(0);
    expect(r.errorEstimate).toBeLessThan(1e-8);
  });
});
