// src/symbolic/linearize.ts: Jacobian, determinant, characteristic polynomial, quadratic
// roots and the elimination to a second-order equation, checked against numbers.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parse, evaluate, sym, num, characteristicPolynomial, determinant, eliminateToSecondOrder, linearize, quadraticRoots, criticalValue, equivalent,
} from '../../../src/symbolic/index.ts';
import { deriveDamping, checkEigenmodes, modeSystem } from '../../../src/models/effective-gan/index.ts';

describe('linear analysis of a System', () => {
  it('determinant of a numeric matrix equals the LU value (property, 1..4)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.array(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: n, maxLength: n }), { minLength: n, maxLength: n })), (A) => {
      const n = A.length;
      const M = A.map((r) => r.slice());
      let det = 1;
      for (let k = 0; k < n; k++) {
        let p = k; for (let i = k + 1; i < n; i++) if (Math.abs(M[i][k]) > Math.abs(M[p][k])) p = i;
        if (M[p][k] === 0) { det = 0; break; }
        if (p !== k) { [M[p], M[k]] = [M[k], M[p]]; det = -det; }
        det *= M[k][k];
        for (let i = k + 1; i < n; i++) { const f = M[i][k] / M[k][k]; for (let j = k; j < n; j++) M[i][j] -= f * M[k][j]; }
      }
      expect(evaluate(determinant(A.map((r) => r.map((v) => num(v)))), {})).toBeCloseTo(det, 8);
    }), { numRuns: 60 });
  });

  it('characteristic polynomial of a symbolic 2×2: μ² − tr μ + det; its roots are the eigenvalues', () => {
    const A = [[sym('a'), sym('b')], [sym('c'), sym('d')]];
    const cp = characteristicPolynomial(A, 'mu');
    expect(equivalent(cp, parse('mu^2 - (a + d)*mu + a*d - b*c'))).toBe(true);
    const [r1, r2] = quadraticRoots(cp, 'mu');
    const env = { a: 1, b: 2, c: 3, d: 0.5 }; // real eigenvalues: trace 1.5, determinant −5.5
    const x1 = evaluate(r1, env), x2 = evaluate(r2, env);
    expect(x1 + x2).toBeCloseTo(1.5, 12);
    expect(x1 * x2).toBeCloseTo(-5.5, 12);
    expect(x1).toBeGreaterThan(x2);
  });

  it('eliminating w from a generic linear system gives q̈ = tr J q̇ − det J q + c (Cayley–Hamilton)', () => {
    const sys = { state: ['q', 'w'], params: ['a', 'b', 'c', 'd', 'e'], drift: [parse('a*q + b*w + e'), parse('c*q + d*w')] };
    const so = eliminateToSecondOrder(sys, 'q');
    expect(equivalent(so.gamma, parse('-(a + d)'))).toBe(true);
    expect(equivalent(so.omega2, parse('a*d - b*c'))).toBe(true);
    expect(equivalent(so.forcing, parse('-d*e'))).toBe(true);
    const J = linearize(sys);
    expect(J.map((r) => r.map((x) => evaluate(x, { a: 1, b: 2, c: 3, d: 4, e: 0 })))).toEqual([[1, 2], [3, 4]]);
  });

  it('refuses systems it cannot eliminate (nonlinear in w, no dependence on w)', () => {
    expect(() => eliminateToSecondOrder({ state: ['q', 'w'], params: [], drift: [parse('w^2'), parse('q')] }, 'q')).toThrow(/not linear/);
    expect(() => eliminateToSecondOrder({ state: ['q', 'w'], params: [], drift: [parse('q'), parse('w')] }, 'q')).toThrow(/does not depend/);
  });
});

describe('the damped oscillator of one mode (docs C.3, C.3b), derived', () => {
  it('γ = 2λη_D, ω² = η_Gη_D g and λ_c = √(η_G g/η_D) for λ(E‖∇f‖² − 1)', () => {
    const d = deriveDamping('full');
    expect(equivalent(d.gamma, parse('2*lambda*eta_D'))).toBe(true);
    expect(equivalent(d.omega2, parse('eta_G*eta_D*g'))).toBe(true);
    expect(d.matchesExpected).toBe(true);
    expect(equivalent(d.lambdaC, parse('sqrt(eta_G*g/eta_D)'))).toBe(true);
  });

  it('the (λ/2)‖∇f‖² variant doubles λ_c (C.3\'s α_c)', () => {
    const d = deriveDamping('half');
    expect(equivalent(d.gamma, parse('lambda*eta_D'))).toBe(true);
    expect(equivalent(d.lambdaC, parse('2*sqrt(eta_G*g/eta_D)'))).toBe(true);
  });

  it('criticalValue really solves γ² = 4ω² (numeric check at random parameters)', () => {
    const sys = modeSystem('full');
    const so = eliminateToSecondOrder(sys, 'q');
    const lc = criticalValue(so, 'lambda');
    fc.assert(fc.property(fc.double({ min: 1e-3, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 10, noNaN: true }), (eG, eD, g) => {
      const env = { eta_G: eG, eta_D: eD, g, y: 0 };
      const l = evaluate(lc, env);
      const gamma = evaluate(so.gamma, { ...env, lambda: l }), w2 = evaluate(so.omega2, env);
      expect(gamma * gamma / (4 * w2)).toBeCloseTo(1, 10);
    }), { numRuns: 40 });
  });

  it('eigenmodes: det(μI − Θ) = (μ − g1 − (N−1)g2)(μ − g1 + g2)^(N−1) for N = 2..6', () => {
    for (let N = 2; N <= 6; N++) expect(checkEigenmodes(N).holds).toBe(true);
  });
});
