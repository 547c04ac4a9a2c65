// Property tests of gaussianExpectation against Monte Carlo (|exact − MC| ≤ 4·SE with
// SE = sd/√N) and, for smooth integrands, against tensor Gauss–Hermite at orders K and
// 2K (tolerance from the observed convergence |Q_K − Q_2K|). Random PSD covariances
// A·Aᵀ + εI, random polynomials, random activation pairs; every draw is seeded.

import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { gaussianExpectation } from '../../src/symbolic/index.ts';
import { type Expr, sym, num } from '../../src/symbolic/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { choleskyPsd, expectation2d } from '../../src/numeric/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { erf as erfNum } from '../../src/numeric/index.ts';

const zScores: Record<string, number> = {};
const noteZ = (suite: string, z: number) => { zScores[suite] = Math.max(zScores[suite] ?? 0, Math.abs(z)); };
afterAll(() => {
  // The largest |exact − MC|/SE seen per suite (reported, and well under 4 when all is right).
  console.log('max |z| per suite:', JSON.stringify(Object.fromEntries(Object.entries(zScores).map(([k, v]) => [k, +v.toFixed(2)]))));
});

/** A random PSD covariance A·Aᵀ + εI (d×d), scaled to variances of order 1. */
function randomCovariance(rng: Rng, d: number, eps = 0.05): number[][] {
  const A = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal() / Math.sqrt(d)));
  return A.map((ai, i) => A.map((aj, j) => ai.reduce((s, x, k) => s + x * aj[k], 0) + (i === j ? eps : 0)));
}

/** Monte Carlo mean and standard error of f(x), x ~ N(mean, cov). */
function monteCarlo(f: (x: Float64Array) => number, cov: number[][], N: number, rng: Rng, mean?: number[]): { mean: number; se: number } {
  const d = cov.length;
  const L = choleskyPsd(cov);
  const g = new Float64Array(d), x = new Float64Array(d);
  let s = 0, s2 = 0;
  for (let n = 0; n < N; n++) {
    rng.fillNormal(g);
    for (let i = 0; i < d; i++) {
      let t = mean ? mean[i] : 0;
      for (let k = 0; k <= i; k++) t += L[i][k] * g[k];
      x[i] = t;
    }
    const v = f(x);
    s += v; s2 += v * v;
  }
  const m = s / N;
  return { mean: m, se: Math.sqrt(Math.max(0, s2 / N - m * m) / (N - 1)) };
}

const covEnv = (names: string[], cov: number[][]) => {
  const env: Record<string, number> = {};
  names.forEach((_, i) => names.forEach((__, j) => { env[`s${Math.min(i, j)}${Math.max(i, j)}`] = cov[i][j]; }));
  return env;
};
const symbolicCov = (d: number): Expr[][] =>
  Array.from({ length: d }, (_, i) => Array.from({ length: d }, (__, j) => sym(`s${Math.min(i, j)}${Math.max(i, j)}`)));

describe('random polynomials vs Monte Carlo (symbolic covariance, evaluated)', () => {
  it('|exact − MC| ≤ 4 SE', () => {
    const names = ['x0', 'x1', 'x2', 'x3'];
    const monomial = fc.record({
      coeff: fc.integer({ min: -3, max: 3 }).filter((k) => k !== 0),
      exps: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
    });
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 4 }), fc.array(monomial, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(),
      (d, monos, seed, withMean) => {
        const rng = new Rng(seed);
        const vars = names.slice(0, d);
        const text = monos.map((m) => `${m.coeff}*${vars.map((v, i) => `${v}^${m.exps[i]}`).join('*')}`).join('+');
        const e = parse(text);
        const cov = randomCovariance(rng, d);
        const mean = withMean ? vars.map(() => 0.5 * rng.normal()) : undefined;
        const r = gaussianExpectation(e, vars, symbolicCov(d), { mean: mean?.map((m) => num(m)) });
        expect(r.exact).toBe(true);
        const exact = evaluate(r.expr, covEnv(vars, cov));
        const env: Record<string, number> = {};
        const mc = monteCarlo((x) => { vars.forEach((v, i) => { env[v] = x[i]; }); return evaluate(e, env); }, cov, 40_000, rng.split(), mean);
        const z = mc.se > 0 ? (exact - mc.mean) / mc.se : (Math.abs(exact - mc.mean) < 1e-12 ? 0 : Infinity);
        noteZ('polynomials', z);
        expect(Math.abs(z), `E[${text}] exact ${exact}, MC ${mc.mean} ± ${mc.se} (z = ${z})`).toBeLessThanOrEqual(4);
      }), { seed: 7, numRuns: 40 });
  });
});

// One-variable factors: [expression in the variable w, evaluator].
type Act = readonly [string, (w: number) => number];
const ACTS: Act[] = [
  ['relu(w)', (w) => Math.max(w, 0)],
  ['step(w)', (w) => (w > 0 ? 1 : 0)],
  ['abs(w)', Math.abs],
  ['erf(w)', (w) => erfNum(w)],
  ['sin(w)', Math.sin],
  ['cos(w)', Math.cos],
  ['tanh(w)', Math.tanh],
  ['sigmoid(w)', (w) => 1 / (1 + Math.exp(-w))],
  ['softplus(w)', (w) => Math.log1p(Math.exp(w))],
  ['exp(w/2)', (w) => Math.exp(w / 2)],
  ['w', (w) => w],
  ['w^2', (w) => w * w],
  ['w*relu(w)', (w) => w * Math.max(w, 0)],
];
const scaleArb = fc.constantFrom(1, -1, 0.5, 2, -1.5);

describe('random activation pairs φ(αu)ψ(βv) vs Monte Carlo', () => {
  it('closed forms with a symbolic covariance, Hermite series otherwise; |exact − MC| ≤ 4 SE + truncation', () => {
    const methods = new Set<string>();
    fc.assert(fc.property(
      fc.integer({ min: 0, max: ACTS.length - 1 }), fc.integer({ min: 0, max: ACTS.length - 1 }), scaleArb, scaleArb,
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (i, j, alpha, beta, seed) => {
        const rng = new Rng(seed);
        const cov = randomCovariance(rng, 2);
        const [q1, c, q2] = [cov[0][0], cov[0][1], cov[1][1]];
        const [fa, fnA] = ACTS[i], [fb, fnB] = ACTS[j];
        const text = `(${fa.replaceAll('w', `(${alpha}*u)`)})*(${fb.replaceAll('w', `(${beta}*v)`)})`;
        const e = parse(text);
        let value: number, truncation = 0, how: string, shown: string;
        let symbolic;
        try {
          // Symbolic covariance: a closed form, a symbolic Hermite series, or an error saying none exists.
          symbolic = gaussianExpectation(e, ['u', 'v'], [[sym('q1'), sym('c')], [sym('c'), sym('q2')]]);
        } catch (err) {
          if (!/no closed form/.test((err as Error).message)) throw err;
        }
        if (symbolic?.exact) {
          value = evaluate(symbolic.expr, { q1, q2, c });
          how = symbolic.method; shown = print(symbolic.expr);
        } else {
          // Numeric covariance: Hermite series at K and 2K; truncation estimated by their difference.
          const numCov = [[num(q1), num(c)], [num(c), num(q2)]];
          const r20 = gaussianExpectation(e, ['u', 'v'], numCov, { hermiteOrder: 20 });
          const r40 = gaussianExpectation(e, ['u', 'v'], numCov, { hermiteOrder: 40 });
          value = evaluate(r40.expr, {});
          truncation = 4 * Math.abs(value - evaluate(r20.expr, {}));
          how = r40.method; shown = print(r40.expr);
        }
        methods.add(how);
        const mc = monteCarlo((x) => fnA(alpha * x[0]) * fnB(beta * x[1]), cov, 40_000, rng.split());
        const z = (value - mc.mean) / mc.se;
        noteZ(`pairs (${how})`, z);
        expect(Math.abs(value - mc.mean), `${text} [${how}] q1=${q1} c=${c} q2=${q2}: ${value} vs MC ${mc.mean} ± ${mc.se} (z=${z}, truncation ${truncation})\n${shown}`)
          .toBeLessThanOrEqual(4 * mc.se + truncation);
      }), { seed: 8, numRuns: 60 });
    expect(methods.size).toBeGreaterThanOrEqual(3);
  });
});

describe('smooth integrands vs tensor Gauss–Hermite at orders K and 2K', () => {
  const SMOOTH = ACTS.filter(([f]) => !/relu|step|abs/.test(f));
  it('|closed form − Q_2K| ≤ 10·|Q_K − Q_2K| + 1e-12', () => {
    let checked = 0;
    fc.assert(fc.property(
      fc.integer({ min: 0, max: SMOOTH.length - 1 }), fc.integer({ min: 0, max: SMOOTH.length - 1 }), scaleArb, scaleArb,
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (i, j, alpha, beta, seed) => {
        const rng = new Rng(seed);
        const cov = randomCovariance(rng, 2);
        const [q1, c, q2] = [cov[0][0], cov[0][1], cov[1][1]];
        const [fa, fnA] = SMOOTH[i], [fb, fnB] = SMOOTH[j];
        const e = parse(`(${fa.replaceAll('w', `(${alpha}*u)`)})*(${fb.replaceAll('w', `(${beta}*v)`)})`);
        let r;
        try {
          r = gaussianExpectation(e, ['u', 'v'], [[sym('q1'), sym('c')], [sym('c'), sym('q2')]]);
        } catch {
          return; // no closed form: covered by the Monte Carlo pairs and the Hermite tests
        }
        const value = evaluate(r.expr, { q1, q2, c });
        const f = (u: number, v: number) => fnA(alpha * u) * fnB(beta * v);
        const qK = expectation2d(f, cov, 40), q2K = expectation2d(f, cov, 80);
        const tol = 10 * Math.abs(qK - q2K) + 1e-12 * (1 + Math.abs(q2K));
        expect(Math.abs(value - q2K), `${print(e)} q1=${q1} c=${c} q2=${q2}: ${value} vs Q80 ${q2K} (Q40 ${qK})`).toBeLessThanOrEqual(tol);
        checked++;
      }), { seed: 9, numRuns: 80 });
    expect(checked).toBeGreaterThanOrEqual(40);
  });
});

describe('activation × polynomial in several variables vs Monte Carlo', () => {
  it('E[p(x) φ(l·x + b)] with a random linear form, bias and mean', () => {
    const acts = ['relu', 'step', 'abs', 'erf'] as const;
    const impl = { relu: (w: number) => Math.max(w, 0), step: (w: number) => (w > 0 ? 1 : 0), abs: Math.abs, erf: erfNum };
    fc.assert(fc.property(
      fc.constantFrom(...acts), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 }), fc.boolean(),
      (act, seed, degree, withBias) => {
        const rng = new Rng(seed);
        const vars = ['x0', 'x1', 'x2'];
        const cov = randomCovariance(rng, 3);
        const l = vars.map(() => Math.round(4 * rng.normal()) / 4);
        if (!l.some((x) => x !== 0)) l[0] = 1;
        const b = withBias ? Math.round(4 * rng.normal()) / 4 : 0;
        const exps = vars.map(() => 0);
        for (let k = 0; k < degree; k++) exps[rng.int(3)]++;
        const text = `${vars.map((v, i) => `${v}^${exps[i]}`).join('*')}*${act}(${vars.map((v, i) => `${l[i]}*${v}`).join('+')}+${b})`;
        const e = parse(text);
        const r = gaussianExpectation(e, vars, symbolicCov(3));
        expect(r.exact, `${text}: ${r.method}`).toBe(true);
        const value = evaluate(r.expr, covEnv(vars, cov));
        const mc = monteCarlo((x) => {
          const w = l[0] * x[0] + l[1] * x[1] + l[2] * x[2] + b;
          return x[0] ** exps[0] * x[1] ** exps[1] * x[2] ** exps[2] * impl[act](w);
        }, cov, 40_000, rng.split());
        const z = (value - mc.mean) / mc.se;
        noteZ('polynomial × activation', z);
        expect(Math.abs(z), `${text}: ${value} vs MC ${mc.mean} ± ${mc.se}\n${print(r.expr)}`).toBeLessThanOrEqual(4);
      }), { seed: 10, numRuns: 40 });
  });
});
