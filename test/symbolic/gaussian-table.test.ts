// Every closed form of gaussian-table.ts against quadrature that is accurate to
// ~1e-14 for these integrands (polar rule split at the kinks for pairs, piecewise
// Gauss–Legendre for one variable), and the δ entries through Price's theorem.

import { describe, it, expect } from 'vitest';
import { type ActKind, singleMoment, pairMomentBase, pairMoment } from '../../src/symbolic/gaussian-table.ts';
import { sym } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { polyAtom } from '../../src/symbolic/index.ts';
import { erf } from '../../src/numeric/index.ts';
import { expectation2dPolar, expectation1dPiecewise } from '../../src/numeric/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const F: Partial<Record<ActKind, (x: number) => number>> = {
  relu: (x) => (x > 0 ? x : 0),
  step: (x) => (x > 0 ? 1 : 0),
  abs: Math.abs,
  sign: (x) => Math.sign(x),
  erf,
  derf: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  one: () => 1,
};
const EVALUABLE = Object.keys(F) as ActKind[];
const SYMBOLIC = { q1: polyAtom('q1'), q2: polyAtom('q2'), c: polyAtom('c') };

/** Random covariances, including near-degenerate correlations. */
function randomCovariances(seed: number, n: number): Array<{ q1: number; q2: number; c: number }> {
  const rng = new Rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const q1 = 0.1 + 2.5 * rng.uniform(), q2 = 0.1 + 2.5 * rng.uniform();
    const rho = i === 0 ? 0.999 : i === 1 ? -0.98 : 2 * rng.uniform() - 1;
    out.push({ q1, q2, c: rho * Math.sqrt(q1 * q2) });
  }
  return out;
}

describe('pair closed forms vs the polar quadrature rule', () => {
  const covs = randomCovariances(11, 6);
  for (const a of EVALUABLE) {
    for (const b of EVALUABLE) {
      const formula = pairMomentBase(a, b, SYMBOLIC);
      if (formula === null) continue;
      it(`E[${a}(u) ${b}(v)]`, () => {
        for (const { q1, q2, c } of covs) {
          const exact = evaluate(formula, { q1, q2, c });
          const quad = expectation2dPolar((u, v) => F[a]!(u) * F[b]!(v), [[q1, c], [c, q2]], [[1, 0], [0, 1]]);
          const err = Math.abs(exact - quad);
          // Polar rule: ~1e-14 absolute here; the closed forms lose a few digits near |ρ| = 1 (√D).
          expect(err, `${a}·${b} at q1=${q1} q2=${q2} c=${c}: closed ${exact}, quadrature ${quad}`).toBeLessThan(1e-11 * (1 + Math.abs(quad)));
        }
      });
    }
  }
});

describe('Price consistency ∂_c E[φ(u)ψ(v)] = E[φ′(u)ψ′(v)] (covers the δ entries)', () => {
  const kinds: ActKind[] = ['relu', 'step', 'abs', 'sign', 'erf', 'sin', 'cos', 'delta', 'derf'];
  const covs = randomCovariances(12, 4).slice(2); // away from |ρ| = 1, where δ entries blow up
  for (const a of kinds) {
    for (const b of kinds) {
      const f = pairMoment(a, 0, b, 0, SYMBOLIC);
      const fPrime = pairMoment(a, 1, b, 1, SYMBOLIC);
      if (f === null || fPrime === null) continue;
      it(`${a}·${b}`, () => {
        for (const { q1, q2, c } of covs) {
          // Central difference, h = 1e-4·√(q1 q2): truncation O(h²) ~ 1e-8, rounding ~1e-12.
          const h = 1e-4 * Math.sqrt(q1 * q2);
          const fd = (evaluate(f, { q1, q2, c: c + h }) - evaluate(f, { q1, q2, c: c - h })) / (2 * h);
          const exact = evaluate(fPrime, { q1, q2, c });
          expect(Math.abs(fd - exact), `${a}·${b}: FD ${fd} vs ${exact}`).toBeLessThan(1e-6 * (1 + Math.abs(exact)));
        }
      });
    }
  }
});

describe('single-variable moments E[φ^{(k)}(w)], w ~ N(b, s)', () => {
  const cases: Array<[number, number]> = [[0.7, 0], [1.9, 0.4], [0.3, -1.2], [2.5, 2]];
  for (const kind of ['relu', 'step', 'abs', 'sign', 'erf', 'derf', 'sin', 'cos'] as ActKind[]) {
    it(`${kind}, k = 0 against piecewise quadrature`, () => {
      const formula = singleMoment(kind, 0, sym('s'), sym('b'))!;
      for (const [s, b] of cases) {
        const exact = evaluate(formula, { s, b });
        const quad = expectation1dPiecewise(F[kind]!, b, s, [0]);
        expect(Math.abs(exact - quad), `${kind} s=${s} b=${b}`).toBeLessThan(1e-13);
      }
    });
    it(`${kind}, k = 1..5: d/db of order k−1 (finite differences)`, () => {
      for (let k = 1; k <= 5; k++) {
        const lower = singleMoment(kind, k - 1, sym('s'), sym('b'));
        const upper = singleMoment(kind, k, sym('s'), sym('b'));
        if (lower === null || upper === null) continue;
        for (const [s, b] of cases) {
          const h = 1e-4;
          const fd = (evaluate(lower, { s, b: b + h }) - evaluate(lower, { s, b: b - h })) / (2 * h);
          const exact = evaluate(upper, { s, b });
          expect(Math.abs(fd - exact), `${kind}^(${k}) s=${s} b=${b}: FD ${fd} vs ${exact}`).toBeLessThan(1e-6 * (1 + Math.abs(exact)));
        }
      }
    });
  }
  it('zero-mean special cases take the b = 0 branch and agree with the general one', () => {
    for (const kind of ['relu', 'step', 'abs', 'sign', 'erf', 'derf', 'sin', 'cos', 'delta'] as ActKind[]) {
      for (let k = 0; k <= 4; k++) {
        const z = singleMoment(kind, k, sym('s'), { kind: 'num', p: 0, q: 1 });
        const g = singleMoment(kind, k, sym('s'), sym('b'));
        if (z === null || g === null) continue;
        for (const s of [0.4, 1, 2.2]) {
          const zv = evaluate(z, { s }), gv = evaluate(g, { s, b: 0 });
          expect(Math.abs(zv - gv), `${kind}^(${k}) at s=${s}`).toBeLessThan(1e-13 * (1 + Math.abs(gv)));
        }
      }
    }
  });
  it('tanh and sigmoid only by symmetry', () => {
    expect(singleMoment('tanh', 0, sym('s'), { kind: 'num', p: 0, q: 1 })).toEqual({ kind: 'num', p: 0, q: 1 });
    expect(singleMoment('sigmoid', 0, sym('s'), { kind: 'num', p: 0, q: 1 })).toEqual({ kind: 'num', p: 1, q: 2 });
    expect(singleMoment('tanh', 1, sym('s'), { kind: 'num', p: 0, q: 1 })).toBeNull();
    expect(singleMoment('softplus', 0, sym('s'), { kind: 'num', p: 0, q: 1 })).toBeNull();
  });
});
