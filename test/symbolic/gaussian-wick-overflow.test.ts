// The Isserlis path over polynomial covariances (src/symbolic/gaussian-wick.ts) keeps
// exact coefficients, BigInt beyond 2^53 (it said "non-finite number Infinity/1 in an
// expression" past the f64 range).
import { describe, expect, it } from 'vitest';
import { covarianceAsPolys, wickExpectation, wickMoment } from '../../src/symbolic/gaussian-wick.ts';
import { parse, polyToExpr, print, polyIsExact } from '../../src/symbolic/index.ts';
import { ArgumentError } from '../../src/core/index.ts';

function doubleFactorial(n: number): bigint {
  let r = 1n;
  for (let k = n; k > 1; k -= 2) r *= BigInt(k);
  return r;
}

describe('Isserlis with a symbolic covariance: exact beyond 2^53', () => {
  const sigma = covarianceAsPolys([[parse('q')]]);
  it('E[u^6] = 15 q^3, exact', () => {
    const p = wickMoment(sigma, [6]);
    expect(print(polyToExpr(p))).toBe('15*q^3');
    expect(polyIsExact(p)).toBe(true);
  });
  it('E[u^100] = 99!! q^50 exactly (99!! > 2^53 is held as a BigInt)', () => {
    const p = wickMoment(sigma, [100]);
    expect(polyIsExact(p)).toBe(true);
    expect(print(polyToExpr(p))).toBe(`${doubleFactorial(99)}*q^50`);
  });
  it('E[u^400] = 399!! q^200 exactly (about 1e432, beyond f64 but within the exact-number limit)', () => {
    const r = wickExpectation(sigma, [{ exps: [400], coeff: { kind: 'num', p: 1, q: 1 } }]);
    expect(print(polyToExpr(r))).toBe(`${doubleFactorial(399)}*q^200`);
  });
});
