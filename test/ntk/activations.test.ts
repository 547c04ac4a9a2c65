// Closed-form duals against quadrature: every activation, several parameter
// settings, random covariances. Reference: E[f(u, v)] by the polar rule of
// numeric/quadrature.ts with the angle split on the lines u = 0 and v = 0 (exact
// to ~1e-14 for the kinks of relu-family and sign, and for smooth f). Also: the
// Exprs (plain and safe) equal the code templates, K̇ = ∂K/∂S (Price's theorem)
// symbolically, and the Hermite dual at general variance (neural-tangents only
// covers unit variance).

import { describe, expect, it } from 'vitest';
import { closedFormActivation, type Activation, type ClosedFormName } from '../../src/ntk/index.ts';
import { dualFunction, diagFunction, arccos } from '../../src/ntk/codegen.ts';
import { expectation2dPolar, expectation1dPiecewise } from '../../src/numeric/index.ts';
import { sym } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { diff } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const SETTINGS: Array<[ClosedFormName, number[], { maxVar?: number }?]> = [
  ['relu', []], ['leaky_relu', [0.1]], ['abrelu', [-0.4, 1.3]], ['abs', []], ['sign', []],
  ['erf', [1, 1, 0]], ['erf', [1.7, 0.6, 0.2]], ['sigmoid_like', []], ['gelu', []],
  ['sin', [1, 1, 0]], ['sin', [1.3, 0.7, 0.4]], ['cos', [1, 1, 0]], ['cos', [1, 2, 0.3]], ['rbf', [0.5]],
  ['exp', [0.5, 0.3]], ['exp', [1, -0.8]], ['gaussian', [1, -1]], ['gaussian', [0.7, 0.1], { maxVar: 2 }], ['gabor', []],
  ['identity', []], ['monomial', [0]], ['monomial', [1]], ['monomial', [2]], ['monomial', [3]], ['monomial', [5]],
  ['polynomial', [0.1, 1, 0.5]], ['polynomial', [1, -2, 0, 0.3]],
  ['hermite', [0]], ['hermite', [1]], ['hermite', [2]], ['hermite', [3]], ['hermite', [4]], ['hermite', [6]],
];

const KINKS: Array<[number, number]> = [[1, 0], [0, 1]];

function quadratureDual(act: Activation, S: number, s1: number, s2: number): { K: number; Kd: number; k1: number } {
  const cov = [[s1, S], [S, s2]];
  const opts = { nAngle: 40, nRadius: 24 };
  return {
    K: expectation2dPolar((u, v) => act.phi(u) * act.phi(v), cov, KINKS, opts),
    Kd: expectation2dPolar((u, v) => act.dphi(u) * act.dphi(v), cov, KINKS, opts),
    k1: expectation1dPiecewise((u) => act.phi(u) ** 2, 0, s1, [0], 12, 24, 0.5),
  };
}

describe('closed-form duals against quadrature', () => {
  it.each(SETTINGS.map(([n, a, o]) => ({ name: n, args: a, maxVar: o?.maxVar ?? 3 })))('$name($args)', ({ name, args, maxVar }) => {
    const act = closedFormActivation(name, args);
    const dual = dualFunction(act), diag = diagFunction(act);
    const rng = new Rng(20240 + name.length * 7 + args.length);
    let worst = 0, where = '';
    for (let t = 0; t < 12; t++) {
      const s1 = 0.05 + (maxVar - 0.05) * rng.uniform(), s2 = 0.05 + (maxVar - 0.05) * rng.uniform();
      const rho = -0.97 + 1.94 * rng.uniform();
      const S = rho * Math.sqrt(s1 * s2);
      const [K, Kd] = dual(S, s1, s2);
      const q = quadratureDual(act, S, s1, s2);
      // scale: the Cauchy–Schwarz bound √(E φ(u)² E φ(v)²) (and the same for φ')
      const kScale = Math.sqrt(q.k1 * expectation1dPiecewise((v) => act.phi(v) ** 2, 0, s2, [0], 12, 24, 0.5));
      const dScale = Math.sqrt(expectation1dPiecewise((u) => act.dphi(u) ** 2, 0, s1, [0], 12, 24, 0.5)
        * expectation1dPiecewise((v) => act.dphi(v) ** 2, 0, s2, [0], 12, 24, 0.5));
      const eK = Math.abs(K - q.K) / Math.max(Math.abs(q.K), 1e-3 * kScale, 1e-300);
      const eKd = name === 'sign' ? 0 : Math.abs(Kd - q.Kd) / Math.max(Math.abs(q.Kd), 1e-3 * dScale, 1e-300);
      const ek = Math.abs(diag(s1) - q.k1) / Math.max(Math.abs(q.k1), 1e-300);
      const e = Math.max(eK, eKd, ek);
      if (e > worst) { worst = e; where = `s1=${s1} s2=${s2} rho=${rho}: K ${K} vs ${q.K}, K̇ ${Kd} vs ${q.Kd}, k ${diag(s1)} vs ${q.k1}`; }
    }
    expect(worst, `${act.spec}: ${where}`).toBeLessThan(1e-11);
    if (name === 'sign') expect(dual(0.3, 1, 1)[1]).toBe(0); // neural-tangents: the NTK does not pass through sign
  });

  it('the kernels are correct at correlation ±1 and for a zero variance', () => {
    for (const [name, args] of SETTINGS) {
      const act = closedFormActivation(name, args);
      const dual = dualFunction(act), diag = diagFunction(act);
      // ρ = 1: K = k(s) exactly in exact arithmetic
      const [K1] = dual(0.7, 0.7, 0.7);
      expect(Math.abs(K1 - diag(0.7)), act.spec).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(K1)));
      // zero variance: u ≡ 0, so K = φ(0)·E φ(v)
      const [K0] = dual(0, 0, 1.3);
      const ref = act.phi(0) * expectation1dPiecewise(act.phi, 0, 1.3, [0], 12, 24, 0.5);
      expect(Math.abs(K0 - ref), act.spec).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
      expect(Number.isFinite(dual(0, 0, 0)[0]) && Number.isFinite(dual(0, 0, 0)[1]), act.spec).toBe(true);
    }
  });

  it('Hermite at general variance differs from the unit-variance formula ρ^k (neural-tangents) and matches quadrature', () => {
    const act = closedFormActivation('hermite', [3]);
    const dual = dualFunction(act);
    const [Kunit] = dual(0.4, 1, 1);
    expect(Kunit).toBeCloseTo(0.4 ** 3, 15);
    const [K] = dual(0.9, 2, 1.5);
    const q = quadratureDual(act, 0.9, 2, 1.5);
    expect(Math.abs(K - q.K)).toBeLessThan(1e-12 * Math.abs(q.K));
    const rho = 0.9 / Math.sqrt(3);
    expect(Math.abs(K - rho ** 3)).toBeGreaterThan(0.1);
  });
});

describe('Exprs of the duals', () => {
  it('plain and safe Exprs equal the code templates; K̇ = ∂K/∂c (Price) symbolically', () => {
    const rng = new Rng(7);
    const q1 = sym('q1'), q2 = sym('q2'), c = sym('c'), q = sym('q');
    for (const [name, args, o] of SETTINGS) {
      const act = closedFormActivation(name, args);
      const dual = dualFunction(act), diag = diagFunction(act);
      const plain = act.dualExprs!(q1, q2, c, false), safe = act.dualExprs!(q1, q2, c, true);
      const dK = diff(plain.K, 'c');
      for (let t = 0; t < 6; t++) {
        const maxVar = o?.maxVar ?? 3;
        const s1 = 0.05 + (maxVar - 0.05) * rng.uniform(), s2 = 0.05 + (maxVar - 0.05) * rng.uniform();
        const S = (-0.95 + 1.9 * rng.uniform()) * Math.sqrt(s1 * s2);
        const env = { q1: s1, q2: s2, c: S, q: s1 };
        const [K, Kd] = dual(S, s1, s2);
        const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${act.spec} ${what}: ${a} vs ${b}`)
          .toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
        close(evaluate(plain.K, env), K, 'K plain');
        close(evaluate(safe.K, env), K, 'K safe');
        close(evaluate(plain.Kdot, env), Kd, 'K̇ plain');
        close(evaluate(safe.Kdot, env), Kd, 'K̇ safe');
        close(evaluate(act.diagExpr!(q, false), env), diag(s1), 'k');
        close(evaluate(act.diagExpr!(q, true), env), diag(s1), 'k safe');
        if (name !== 'sign') close(evaluate(dK, env), Kd, '∂K/∂c');
      }
    }
  });
});

describe('arccos (the kernels\' inverse cosine)', () => {
  it('arccos is within 2 ulp of Math.acos on [−1, 1], exact at 0 and ±1', () => {
    const rng = new Rng(5);
    let worst = 0;
    for (let t = 0; t < 200000; t++) {
      const x = t % 2 === 0 ? 2 * rng.uniform() - 1 : (rng.uniform() < 0.5 ? -1 : 1) * (1 - rng.uniform() ** 12);
      const ref = Math.acos(x);
      worst = Math.max(worst, Math.abs(arccos(x) - ref) / (Number.EPSILON * Math.max(ref, 1e-300)));
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(arccos(1)).toBe(0);
    expect(arccos(-1)).toBe(Math.PI);
    expect(arccos(0)).toBe(Math.PI / 2);
    expect(Number.isNaN(arccos(NaN))).toBe(true);
  });
});
