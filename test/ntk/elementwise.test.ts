// Activations written as formulas: the Gaussian engine's closed forms where it finds
// them (equal to the built-in closed forms), otherwise order-studied Gauss–Hermite
// quadrature whose reported accuracy is honest (checked against a polar-rule
// reference), and K̇ from the symbolic derivative.

import { describe, expect, it } from 'vitest';
import { elementwise } from '../../src/ntk/index.ts';
import { closedFormActivation } from '../../src/ntk/index.ts';
import { dualFunction, diagFunction } from '../../src/ntk/index.ts';
import { parseArchitecture } from '../../src/ntk/index.ts';
import { kernels } from '../../src/ntk/index.ts';
import { expectation2dPolar, expectation1dPiecewise, gaussHermite } from '../../src/numeric/index.ts';
import { print, sym } from '../../src/symbolic/index.ts';
import { compile } from '../../src/compile/index.ts';
import { ParseError } from '../../src/symbolic/index.ts';

const POINTS: Array<[number, number, number]> = [[0.7, 1.3, 0.4], [2, 0.5, -0.6], [1, 1, 0.999], [0.3, 0.3, -0.2], [5, 3, 2.5]];

describe('elementwise activations', () => {
  it('uses the Gaussian engine where it has a closed form and then equals the built-in dual', () => {
    const pairs: Array<[string, string, number[]]> = [['relu(x)', 'relu', []], ['erf(x)', 'erf', [1, 1, 0]], ['x^2', 'monomial', [2]],
      ['abs(x)', 'abs', []], ['sin(x)', 'sin', [1, 1, 0]], ['2*erf(3*x) + 1', 'erf', [2, 3, 1]]];
    for (const [formula, name, args] of pairs) {
      const a = elementwise(formula);
      expect(a.exact, formula).toBe(true);
      expect(a.method, formula).toMatch(/^closed-form \(Gaussian engine: /);
      const ours = dualFunction(a), ref = dualFunction(closedFormActivation(name as 'relu', args));
      for (const [s1, s2, S] of POINTS) {
        const [K, Kd] = ours(S, s1, s2), [Kr, Kdr] = ref(S, s1, s2);
        expect(Math.abs(K - Kr), `${formula} K`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(Kr)));
        expect(Math.abs(Kd - Kdr), `${formula} K̇`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(Kdr)));
      }
    }
  });

  it('x*tanh(x): quadrature, K̇ from the symbolic derivative, stated accuracy met against a polar-rule reference', () => {
    const phi = (x: number) => x * Math.tanh(x), dphi = (x: number) => Math.tanh(x) + x / Math.cosh(x) ** 2;
    const check = (points: Array<[number, number, number]>) => {
      const a = elementwise('x*tanh(x)');
      expect(a.exact).toBe(false);
      expect(print(a.derivative)).toMatch(/tanh/);
      const dual = dualFunction(a), diag = diagFunction(a);
      let worst = 0;
      for (const [s1, s2, S] of points) {
        const [K, Kd] = dual(S, s1, s2);
        const cov = [[s1, S], [S, s2]];
        const opts = { nAngle: 64, nRadius: 40 }; // angle split on u = 0, v = 0, where x·tanh(x) bends
        const Kref = expectation2dPolar((u, v) => phi(u) * phi(v), cov, [[1, 0], [0, 1]], opts);
        const Kdref = expectation2dPolar((u, v) => dphi(u) * dphi(v), cov, [[1, 0], [0, 1]], opts);
        worst = Math.max(worst, Math.abs(K - Kref) / Math.max(1, Math.abs(Kref)), Math.abs(Kd - Kdref) / Math.max(1, Math.abs(Kdref)));
        const kref = expectation1dPiecewise((u) => phi(u) ** 2, 0, s1, [0], 8, 40, 0.1);
        worst = Math.max(worst, Math.abs(diag(s1) - kref) / Math.max(1, kref));
      }
      console.log(`x*tanh(x) at variances ≤ ${Math.max(...points.map((p) => Math.max(p[0], p[1])))}: actual error ${worst.toExponential(1)}; ${a.method}`);
      // the order study's estimate (max |E_n − E_2n| at the band's probes) holds, with a factor 10 of slack
      expect(worst).toBeLessThanOrEqual(Math.max(10 * a.accuracy.estimatedError!, 1e-12));
      return a;
    };
    // unit-scale variances: the study converges to the default tolerance 1e-10
    const small = check([[0.7, 0.9, 0.4], [0.3, 0.3, -0.2], [0.5, 0.8, 0.6]]);
    expect(small.accuracy.method).toBe('quadrature');
    expect(small.accuracy.converged).toBe(true);
    expect(small.method).toMatch(/quadrature \(2-D Gauss–Hermite by variance band/);
    // variance up to 10: x·tanh(x) has poles at ±iπ/2, i.e. 0.5 standard deviations from the real axis,
    // and Gauss–Hermite converges slowly; the method says so (above the tolerance) and its estimate holds
    const large = check([[5, 3, 2.5], [2, 0.5, -0.6], [1, 1, 0.999]]);
    expect(large.method).toMatch(/above the tolerance/);
  });

  it('forced quadrature of a kinked function reports a larger error honestly (relu by tensor Gauss–Hermite)', () => {
    const a = elementwise('relu(x)', { forceQuadrature: true, maxOrder: 64 });
    const ref = dualFunction(closedFormActivation('relu', []));
    const dual = dualFunction(a);
    let worst = 0;
    for (const [s1, s2, S] of POINTS.slice(0, 4)) {
      const [K, Kd] = dual(S, s1, s2), [Kr, Kdr] = ref(S, s1, s2);
      worst = Math.max(worst, Math.abs(K - Kr) / Math.max(1, Math.abs(Kr)), Math.abs(Kd - Kdr) / Math.max(1, Math.abs(Kdr)));
    }
    expect(a.accuracy.converged).toBe(false);
    expect(a.accuracy.estimatedError!).toBeGreaterThan(1e-8);
    expect(worst).toBeLessThanOrEqual(10 * a.accuracy.estimatedError!);
  });

  it('runs inside an architecture: kernels with an elementwise layer say which method ran', () => {
    const arch = parseArchitecture('serial(dense(1.2, 0.1), elementwise("x*tanh(x)"), dense(1, 0.1), elementwise("relu(x)"), dense(1, 0.1))');
    const r = kernels(arch, [[0.3, 1], [1, -0.5]], [[0.2, 0.2]]);
    expect(r.methods[0]).toMatch(/^quadrature/);
    expect(r.methods[1]).toMatch(/^closed-form/);
    expect(Array.from(r.ntk!.data).every(Number.isFinite)).toBe(true);
  });

  it('rejects formulas in other symbols and Gaussian integrals that diverge', () => {
    expect(() => elementwise('x*y')).toThrow(ParseError);
    expect(() => elementwise('exp(x^2)')).toThrow(/not finite|no value|infinite/i);
  });

  it('the fast duals give the same bits as a plain evaluation: closed form through one twin call, quadrature with φ and φ\' on one grid', () => {
    // closed form: the engine's K and K̇ compiled on their own, one point per call
    for (const formula of ['erf(x)', 'x^3 + x']) {
      const a = elementwise(formula);
      const ex = a.dualExprs!(sym('q1'), sym('q2'), sym('c'));
      const ref = compile([ex.K, ex.Kdot], { inputs: ['q1', 'q2', 'c'], backend: 'f64' });
      const dual = dualFunction(a);
      for (const [s1, s2, S] of POINTS) {
        const want = ref.f64(Float64Array.of(s1, s2, S));
        expect(dual(S, s1, s2), formula).toEqual([want[0], want[1]]);
      }
    }
    // quadrature: φ and φ' each compiled alone over the whole node grid, the n×n rule summed row by row
    const a = elementwise('x*tanh(x)');
    const f = compile([a.expr], { inputs: ['x'], backend: 'f64' }), g = compile([a.derivative], { inputs: ['x'], backend: 'f64' });
    const rule = (fn: typeof f, S: number, s1: number, s2: number, n: number) => {
      const { nodes, weights } = gaussHermite(n);
      const p = Math.sqrt(s1), q = Math.sqrt(s2);
      const rho = Math.min(1, Math.max(-1, S / (p * q))), rc = Math.sqrt((1 - rho) * (1 + rho));
      const u = nodes.map((x) => p * x), v = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = q * (rho * nodes[i] + rc * nodes[j]);
      const fu = fn.f64(u), fv = fn.f64(v);
      let s = 0;
      for (let i = 0; i < n; i++) {
        let inner = 0;
        for (let j = 0; j < n; j++) inner += weights[j] * fv[i * n + j];
        s += weights[i] * fu[i] * inner;
      }
      return s;
    };
    const dual = dualFunction(a), diag = diagFunction(a);
    for (const [s1, s2, S] of POINTS) {
      const n = a.orderAt!(Math.max(s1, s2));
      expect(dual(S, s1, s2)).toEqual([rule(f, S, s1, s2, n), rule(g, S, s1, s2, n)]);
      const m = Math.min(4 * a.orderAt!(s1), 600);
      const { nodes, weights } = gaussHermite(m);
      const fu = f.f64(nodes.map((x) => Math.sqrt(s1) * x));
      let k = 0;
      for (let i = 0; i < m; i++) k += weights[i] * fu[i] * fu[i];
      expect(diag(s1)).toBe(k);
    }
    expect(elementwise('erf(x)').orderAt).toBeUndefined();
  });
});
