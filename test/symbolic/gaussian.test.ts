// gaussianExpectation: API, validation, dispatch, closed forms and special cases.
// Monte Carlo and quadrature property tests are in gaussian-mc.test.ts.

import { describe, it, expect } from 'vitest';
import {
  gaussianExpectation, validateCovariance, GaussianExpectationError,
} from '../../src/symbolic/index.ts';
import { wickMoment, covarianceAsPolys } from '../../src/symbolic/gaussian-wick.ts';
import { reluHermiteCoefficient, normalizedHermiteExpr } from '../../src/symbolic/gaussian-hermite.ts';
import { type Expr, sym, rat, add, mul, freeSymbols } from '../../src/symbolic/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { polyFromExpr, polyEqual } from '../../src/symbolic/index.ts';
import { expectation2d, expectation2dPolar, expectation1dPiecewise } from '../../src/numeric/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { erf, doubleFactorial } from '../../src/numeric/index.ts';

const P = (s: string) => parse(s);
const M = (rows: string[][]) => rows.map((r) => r.map(P));
const SYM2 = M([['q1', 'c'], ['c', 'q2']]);
const UV = ['u', 'v'];
const E = (e: string, cov: Expr[][] = SYM2, vars = UV, opts = {}) => gaussianExpectation(P(e), vars, cov, opts);
const samePoly = (a: Expr, b: Expr) => polyEqual(polyFromExpr(a), polyFromExpr(b));
const val = (e: Expr, env: Record<string, number>) => evaluate(e, env);

describe('polynomials (Isserlis)', () => {
  it('the CLI examples', () => {
    const r = E('u^2*v^2', M([['1', 'rho'], ['rho', '1']]));
    expect(print(r.expr)).toBe('1+2*rho^2');
    expect(r).toMatchObject({ exact: true, method: 'isserlis' });
    expect(samePoly(E('u^2*v^2').expr, P('q1*q2+2*c^2'))).toBe(true);
  });

  it('E[g^{2k}] = (2k−1)!! and E[u^{2k}] = (2k−1)!! q^k; odd moments vanish', () => {
    for (let k = 0; k <= 12; k++) {
      expect(print(E(`g^${2 * k}`, [[rat(1)]], ['g']).expr)).toBe(String(doubleFactorial(2 * k - 1)));
      expect(samePoly(E(`u^${2 * k}`, [[sym('q')]], ['u']).expr, mul(rat(doubleFactorial(2 * k - 1)), P(`q^${k}`)))).toBe(true);
      expect(print(E(`u^${2 * k + 1}`, [[sym('q')]], ['u']).expr)).toBe('0');
    }
  });

  it('symbolic 4×4 covariance: E[x1²x2²x3²x4²] has 17 monomials whose coefficients sum to 7!! = 105', () => {
    const names = ['x1', 'x2', 'x3', 'x4'];
    const cov = names.map((_, i) => names.map((__, j) => sym(`s${Math.min(i, j) + 1}${Math.max(i, j) + 1}`)));
    const r = gaussianExpectation(P('x1^2*x2^2*x3^2*x4^2'), names, cov);
    const p = polyFromExpr(r.expr);
    expect(p.terms.size).toBe(17);
    let total = 0;
    for (const t of p.terms.values()) total += t.coeff.p / t.coeff.q;
    expect(total).toBe(105);
  });

  it('agrees with direct enumeration of pairings for random monomials', () => {
    const rng = new Rng(2024);
    const d = 4;
    const names = ['a', 'b', 'c', 'e'];
    const cov = names.map((_, i) => names.map((__, j) => sym(`s${Math.min(i, j)}${Math.max(i, j)}`)));
    const pairingSum = (idx: number[]): Expr => {
      if (idx.length === 0) return rat(1);
      const [first, ...rest] = idx;
      return add(...rest.map((j, k) => mul(cov[first][j], pairingSum(rest.filter((_, kk) => kk !== k)))));
    };
    for (let trial = 0; trial < 25; trial++) {
      const degree = 2 * (1 + rng.int(4));
      const idx = Array.from({ length: degree }, () => rng.int(d));
      const monomial = mul(...idx.map((i) => sym(names[i])));
      const r = gaussianExpectation(monomial, names, cov);
      expect(samePoly(r.expr, pairingSum(idx)), `E[${print(monomial)}]`).toBe(true);
    }
  });

  it('coefficients may be any Exprs free of the variables; numeric and composite covariance entries', () => {
    expect(samePoly(E('alpha*u^2 + sin(beta)*u*v + 3').expr, P('alpha*q1 + sin(beta)*c + 3'))).toBe(true);
    const r = E('u^2*v^2', M([['2', 'a+b'], ['a+b', '1/2']]));
    expect(samePoly(r.expr, P('1 + 2*(a+b)^2'))).toBe(true);
  });

  it('with a mean: E[(u)^2] = q1 + m², E[u v] = c + m1 m2', () => {
    expect(samePoly(E('u^2', SYM2, UV, { mean: [P('m1'), P('m2')] }).expr, P('q1 + m1^2'))).toBe(true);
    expect(samePoly(E('u*v', SYM2, UV, { mean: [P('m1'), P('m2')] }).expr, P('c + m1*m2'))).toBe(true);
  });

  it('the moment engine caches sub-moments: E[x^(4,4,4,4)] for a symbolic 4×4 covariance', () => {
    const names = ['x1', 'x2', 'x3', 'x4'];
    const cov = names.map((_, i) => names.map((__, j) => sym(`s${Math.min(i, j) + 1}${Math.max(i, j) + 1}`)));
    const p = wickMoment(covarianceAsPolys(cov), [4, 4, 4, 4]);
    let total = 0;
    for (const t of p.terms.values()) total += t.coeff.p / t.coeff.q;
    expect(total).toBe(doubleFactorial(15)); // all Σ entries 1: E[g^16]
  });
});

describe('closed forms (the activation table)', () => {
  const covs = [[1.3, 0.4, 0.7], [0.5, -0.45, 2], [2, 1.99, 2]]; // q1, c, q2
  const relu = (x: number) => (x > 0 ? x : 0), step = (x: number) => (x > 0 ? 1 : 0);
  type Reference = (q1: number, c: number, q2: number) => number;
  const cases: Array<[string, (u: number, v: number) => number, Reference?]> = [
    ['relu(u)*relu(v)', (u, v) => relu(u) * relu(v)],
    ['step(u)*step(v)', (u, v) => step(u) * step(v)],
    ['relu(u)*step(v)', (u, v) => relu(u) * step(v)],
    ['abs(u)*abs(v)', (u, v) => Math.abs(u * v)],
    ['erf(u)*erf(v)', (u, v) => erf(u) * erf(v)],
    ['erf(2*u)*erf(v/3)', (u, v) => erf(2 * u) * erf(v / 3)],
    ['relu(-2*u)*relu(3*v)', (u, v) => relu(-2 * u) * relu(3 * v)],
    ['u*relu(v)', (u, v) => u * relu(v)],
    ['u*step(v)', (u, v) => u * step(v)],
    ['u*abs(v)', (u, v) => u * Math.abs(v)],
    ['u*erf(v)', (u, v) => u * erf(v)],
    ['v^3*relu(u)', (u, v) => v ** 3 * relu(u)],
    ['u^2*v*step(v)', (u, v) => u * u * v * step(v)],
    ['sin(u)*sin(v)', (u, v) => Math.sin(u) * Math.sin(v)],
    ['cos(u)*cos(v)', (u, v) => Math.cos(u) * Math.cos(v)],
    ['sin(u)*cos(v)', (u, v) => Math.sin(u) * Math.cos(v)],
    ['sin(2*u)*cos(v-1)', (u, v) => Math.sin(2 * u) * Math.cos(v - 1)],
    ['exp(u)*exp(v)', (u, v) => Math.exp(u + v)],
    ['u^2*v*exp(u/2-v)', (u, v) => u * u * v * Math.exp(u / 2 - v)],
    ['exp(u)*relu(v)', (u, v) => Math.exp(u) * relu(v)],
    ['exp(v/2)*erf(u)', (u, v) => Math.exp(v / 2) * erf(u)],
    ['relu(u)*sin(v)', (u, v) => relu(u) * Math.sin(v)],
    ['step(u)*cos(v)', (u, v) => step(u) * Math.cos(v)],
    ['exp(-u^2)*exp(-v^2)', (u, v) => Math.exp(-u * u - v * v)],
    ['relu(u)^2*relu(v)', (u, v) => relu(u) ** 2 * relu(v)],
    ['erf(u)^2', (u) => erf(u) ** 2],
    // Shifted kinks: references by 1-D piecewise quadrature (after conditioning on v).
    ['relu(u+1)', (u) => relu(u + 1), (q1) => expectation1dPiecewise(relu, 1, q1, [0])],
    ['abs(v-0.5)*u^2', (u, v) => Math.abs(v - 0.5) * u * u,
      (q1, c, q2) => expectation1dPiecewise((v) => (q1 - c * c / q2 + (c * v / q2) ** 2) * Math.abs(v - 0.5), 0, q2, [0.5])],
    ['tanh(u)*abs(v)', (u, v) => Math.tanh(u) * Math.abs(v)],
  ];
  for (const [expr, f, reference] of cases) {
    it(`${expr}: symbolic closed form = accurate quadrature`, () => {
      const r = E(expr);
      expect(r.exact, `${expr} went to ${r.method}`).toBe(true);
      expect(['closed-form', 'complete-square', 'isserlis'].some((m) => r.method.includes(m))).toBe(true);
      expect([...freeSymbols(r.expr)].every((n) => ['q1', 'q2', 'c'].includes(n))).toBe(true);
      for (const [q1, c, q2] of covs) {
        const exact = val(r.expr, { q1, q2, c });
        // Zero-mean kinks lie on lines through the origin: the polar rule is f64-accurate
        // (smooth integrands too); shifted kinks use the piecewise 1-D reference.
        const quad = reference ? reference(q1, c, q2) : expectation2dPolar(f, [[q1, c], [c, q2]], [[1, 0], [0, 1]]);
        const tol = 1e-10 * (1 + Math.abs(quad));
        expect(Math.abs(exact - quad), `${expr} at q1=${q1} c=${c} q2=${q2}: ${exact} vs ${quad}\n${print(r.expr)}`).toBeLessThan(tol);
      }
    });
  }

  it('readable forms of the classic kernels', () => {
    expect(print(E('relu(u)*relu(v)').expr)).toBe('(sqrt(-c^2+q1*q2)+(pi-arccos(c/sqrt(q2*q1)))*c)/(2*pi)');
    expect(print(E('step(u)*step(v)').expr)).toBe('(pi-arccos(c/sqrt(q2*q1)))/(2*pi)');
    expect(print(E('u*relu(v)').expr)).toBe('c/2');
    expect(print(E('exp(u)*exp(v)').expr)).toBe('exp(c+q1/2+q2/2)');
    expect(print(E('relu(u)').expr)).toBe('sqrt(q1)/sqrt(2*pi)');
  });

  it('single-variable expectations with a symbolic mean', () => {
    const r = E('relu(u)', SYM2, UV, { mean: [P('m'), P('0')] });
    expect(r.exact).toBe(true);
    for (const [q1, m] of [[0.5, 0.3], [2, -1]]) {
      const q = expectation1dPiecewise((x) => Math.max(x, 0), m, q1, [0]);
      expect(Math.abs(val(r.expr, { q1, m }) - q)).toBeLessThan(1e-13);
    }
    expect(print(E('exp(u)', SYM2, UV, { mean: [P('m'), P('0')] }).expr)).toBe('exp(m+q1/2)');
    expect(print(E('tanh(u)').expr)).toBe('0');
    expect(print(E('sigmoid(v)').expr)).toBe('1/2');
  });
});

describe('Hermite series and quadrature fallbacks', () => {
  const N = M([['1.3', '0.4'], ['0.4', '0.7']]);

  it('tanh·tanh with numeric covariance: Hermite series vs 2-D Gauss–Hermite, truncation bounded by |S_K − S_2K|', () => {
    const r20 = E('tanh(u)*tanh(v)', N, UV, { hermiteOrder: 20 });
    const r40 = E('tanh(u)*tanh(v)', N, UV, { hermiteOrder: 40 });
    expect(r20).toMatchObject({ exact: false, method: 'hermite', truncationOrder: 20 });
    const q = expectation2d((u, v) => Math.tanh(u) * Math.tanh(v), [[1.3, 0.4], [0.4, 0.7]], 120);
    const q2 = expectation2d((u, v) => Math.tanh(u) * Math.tanh(v), [[1.3, 0.4], [0.4, 0.7]], 240);
    expect(Math.abs(q - q2)).toBeLessThan(1e-12);
    const s20 = val(r20.expr, {}), s40 = val(r40.expr, {});
    // Error budget: truncation (estimated by |S20 − S40|) + quadrature (|Q120 − Q240|) + rounding.
    const bound = 4 * Math.abs(s20 - s40) + 4 * Math.abs(q - q2) + 1e-13;
    expect(Math.abs(s20 - q), `S20=${s20} S40=${s40} Q120=${q} Q240=${q2}`).toBeLessThan(bound);
    expect(Math.abs(s40 - q2)).toBeLessThan(1e-12);
  });

  it('returns a series in c with numeric coefficients when only the variances are numeric', () => {
    const r = E('tanh(u)*tanh(v)', M([['1', 'c'], ['c', '1']]), UV, { hermiteOrder: 9 });
    expect(r.method).toBe('hermite');
    expect([...freeSymbols(r.expr)]).toEqual(['c']);
    const p = polyFromExpr(r.expr);
    expect(p.terms.size).toBe(5); // odd powers c, c^3, ..., c^9 only
    // ρ = 0.3: compare with quadrature, remainder of an alternating-sign-free series bounded by the next terms.
    const q = expectation2d((u, v) => Math.tanh(u) * Math.tanh(v), [[1, 0.3], [0.3, 1]], 120);
    expect(Math.abs(val(r.expr, { c: 0.3 }) - q)).toBeLessThan(1e-6);
  });

  it('polynomial × non-closed-form activation: a finite series (numeric coefficients, no truncation)', () => {
    const r = E('u*tanh(v)', N);
    expect(r).toMatchObject({ method: 'hermite', truncationOrder: 1, exact: false });
    const q = expectation2d((u, v) => u * Math.tanh(v), [[1.3, 0.4], [0.4, 0.7]], 120);
    expect(Math.abs(val(r.expr, {}) - q)).toBeLessThan(1e-12);
  });

  it('shifted kinks: relu(u+1)·relu(v−1/2) by the exact-coefficient series', () => {
    const r = E('relu(u+1)*relu(v-1/2)', N, UV, { hermiteOrder: 30 });
    expect(r.method).toBe('hermite');
    const q = expectation2d((u, v) => Math.max(u + 1, 0) * Math.max(v - 0.5, 0), [[1.3, 0.4], [0.4, 0.7]], 400);
    // Quadrature error across a shifted kink ~1/n (≈ 1e-4 at 400): that is the tolerance.
    expect(Math.abs(val(r.expr, {}) - q)).toBeLessThan(2e-4);
  });

  it('one linear form without closed form: piecewise quadrature (softplus)', () => {
    const r = E('softplus(u)', N);
    expect(r).toMatchObject({ method: 'quadrature', exact: false });
    const q = expectation2d((u) => Math.log1p(Math.exp(u)), [[1.3, 0.4], [0.4, 0.7]], 150);
    expect(Math.abs(val(r.expr, {}) - q)).toBeLessThan(1e-12);
  });

  it('three linear forms with numeric covariance: polar rule (kinks through the origin)', () => {
    const r = E('relu(u)*relu(v)*relu(u+v)', N);
    expect(r.method).toBe('quadrature');
    const relu = (x: number) => (x > 0 ? x : 0);
    const q = expectation2dPolar((u, v) => relu(u) * relu(v) * relu(u + v), [[1.3, 0.4], [0.4, 0.7]], [[1, 0], [0, 1], [1, 1]], { nAngle: 48 });
    expect(Math.abs(val(r.expr, {}) - q)).toBeLessThan(1e-12);
  });

  it('explains what is missing when no method applies', () => {
    expect(() => E('tanh(u)*tanh(v)')).toThrow(/no closed form.*numeric values for the variance/);
    expect(() => E('u^(-1)')).toThrow(/not defined/);
    expect(() => E('softplus(alpha*u)', N)).toThrow(/numeric values for alpha/);
    expect(print(E('tanh(alpha*u)', N).expr)).toBe('0'); // odd, zero mean: exact by symmetry
  });
});

describe('Hermite coefficients (docs/ntk-kernels.md F.2)', () => {
  it('ReLU: a₀ = 1/√(2π), a₁ = 1/2, a₂ = 0.28209, a₄ = −0.08143, a₆ = 0.04460, odd k ≥ 3 zero', () => {
    const a = (k: number) => val(reluHermiteCoefficient(k), {});
    expect(a(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
    expect(a(1)).toBe(0.5);
    expect(Math.abs(a(2) - 0.28209)).toBeLessThan(5e-6);
    expect(Math.abs(a(4) + 0.08143)).toBeLessThan(5e-6);
    expect(Math.abs(a(6) - 0.04460)).toBeLessThan(5e-6);
    expect(a(3)).toBe(0);
    expect(a(5)).toBe(0);
  });

  it('the same coefficients come out of the closed-form engine: a_k = E[relu(g) h_k(g)]', () => {
    for (let k = 0; k <= 8; k++) {
      const r = gaussianExpectation(mul(P('relu(g)'), normalizedHermiteExpr(k, sym('g'))), ['g'], [[rat(1)]]);
      expect(r.exact).toBe(true);
      expect(Math.abs(val(r.expr, {}) - val(reluHermiteCoefficient(k), {})), `a_${k}`).toBeLessThan(1e-14);
    }
  });

  it('erf: a₁ = 0.65147, a₃ = −0.17731, a₅ = 0.07929 (exact through the engine)', () => {
    const a = (k: number) => val(gaussianExpectation(mul(P('erf(g)'), normalizedHermiteExpr(k, sym('g'))), ['g'], [[rat(1)]]).expr, {});
    expect(Math.abs(a(1) - 0.65147)).toBeLessThan(5e-6);
    expect(Math.abs(a(3) + 0.17731)).toBeLessThan(5e-6);
    expect(Math.abs(a(5) - 0.07929)).toBeLessThan(5e-6);
    expect(Math.abs(a(7) + 0.0407846)).toBeLessThan(5e-7); // F.2 prints −0.04079
  });
});

describe('docs/ntk-kernels.md F.3 test vectors through a small NNGP/NTK recursion (test-only)', () => {
  const kernel = (act: 'relu' | 'erf') => {
    const K = E(`${act}(u)*${act}(v)`).expr;
    // Σ̇ = E[φ′φ′]: step·step for relu, (2/√π)² E[e^{−u²} e^{−v²}] for erf.
    const Kdot = act === 'relu' ? E('step(u)*step(v)').expr : E('4/pi*exp(-u^2)*exp(-v^2)').expr;
    return { K, Kdot };
  };
  const run = (act: 'relu' | 'erf', sw: number, sb: number, L: number, x: number[], y: number[]) => {
    const { K, Kdot } = kernel(act);
    const dot = (a: number[], b: number[]) => (a[0] * b[0] + a[1] * b[1]) / 2;
    let q1 = sw * sw * dot(x, x) + sb * sb, q2 = sw * sw * dot(y, y) + sb * sb, c = sw * sw * dot(x, y) + sb * sb;
    let ntk = c;
    for (let l = 0; l < L; l++) {
      const cNext = sw * sw * val(K, { q1, q2, c }) + sb * sb;
      ntk = cNext + sw * sw * val(Kdot, { q1, q2, c }) * ntk;
      [q1, q2, c] = [sw * sw * val(K, { q1, q2: q1, c: q1 }) + sb * sb, sw * sw * val(K, { q1: q2, q2, c: q2 }) + sb * sb, cNext];
    }
    return { nngp: c, ntk };
  };
  const vectors: Array<[string, 'relu' | 'erf', number, number, number, number[], number, number]> = [
    ['ReLU (0.6, 0.8)', 'relu', 1, 1, 3, [0.6, 0.8], 1.917693, 3.234406],
    ['ReLU (−1, 2)', 'relu', 1, 1, 3, [-1, 2], 1.921670, 2.921453],
    ['ReLU (1, 0)', 'relu', 1, 1, 3, [1, 0], 1.9375, 3.5],
    ['erf (0.6, 0.8)', 'erf', 1.5, 0.5, 2, [0.6, 0.8], 1.021023, 2.578825],
    ['erf (−1, 2)', 'erf', 1.5, 0.5, 2, [-1, 2], 0.172870, -0.152652],
    ['ReLU √2, no bias', 'relu', Math.SQRT2, 0, 2, [0.6, 0.8], 0.733434, 1.544416],
  ];
  for (const [name, act, sw, sb, L, y, nngp, ntk] of vectors) {
    it(name, () => {
      const r = run(act, sw, sb, L, [1, 0], y);
      // The table prints 6–7 significant digits.
      expect(Math.abs(r.nngp - nngp), `NNGP ${r.nngp}`).toBeLessThan(6e-7);
      expect(Math.abs(r.ntk - ntk), `NTK ${r.ntk}`).toBeLessThan(6e-7);
    });
  }
});

describe('validation', () => {
  it('refuses malformed covariances with clear messages', () => {
    expect(() => validateCovariance(UV, [[P('1')]])).toThrow(/square 2×2/);
    expect(() => validateCovariance(UV, M([['1', 'a'], ['b', '1']]))).toThrow(/not symmetric: \[0\]\[1\] = a but \[1\]\[0\] = b/);
    expect(() => validateCovariance(UV, M([['-1', '0'], ['0', '1']]))).toThrow(/negative variance: cov\[0\]\[0\] = -1 for u/);
    expect(() => validateCovariance(UV, M([['1', '2'], ['2', '1']]))).toThrow(/covariance is not positive semidefinite: eigenvalue -(1|0\.9999)/);
    expect(() => validateCovariance(['u', 'v', 'w'], M([['1', '2', 'a'], ['2', '1', 'b'], ['a', 'b', 'q']]))).toThrow(/not positive semidefinite: eigenvalue -(1|0\.9999).*block u, v/);
    expect(() => validateCovariance(UV, M([['u', '0'], ['0', '1']]))).toThrow(/depends on the variable u/);
    expect(() => validateCovariance(['u', 'u'], SYM2)).toThrow(/distinct/);
    expect(() => validateCovariance(UV, SYM2, [P('1')])).toThrow(/mean must have 2 entries/);
  });

  it('accepts symmetric-after-expansion, singular and symbolic covariances', () => {
    expect(() => validateCovariance(UV, M([['1', '(a+b)^2'], ['a^2+2*a*b+b^2', '3']]))).not.toThrow();
    expect(() => validateCovariance(UV, M([['1', '1'], ['1', '1']]))).not.toThrow();
    expect(() => validateCovariance(UV, SYM2)).not.toThrow();
  });

  it('hermiteOrder must be an integer in range', () => {
    expect(() => E('u', SYM2, UV, { hermiteOrder: -1 })).toThrow(GaussianExpectationError);
    expect(() => E('u', SYM2, UV, { hermiteOrder: 2.5 })).toThrow(/hermiteOrder/);
  });
});
