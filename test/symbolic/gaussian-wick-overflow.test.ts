// The Isserlis path over polynomial covariances (src/symbolic/gaussian-wick.ts) keeps f64
// coefficients; when one overflows, the error says so (it said "non-finite number
// Infinity/1 in an expression"), and below the overflow the moment is unchanged.
import { describe, expect, it } from 'vitest';
import { covarianceAsPolys, wickExpectation, wickMoment } from '../../src/symbolic/gaussian-wick.ts';
import { parse, polyToExpr, print, polyIsExact } from '../../src/symbolic/index.ts';
import { ArgumentError } from '../../src/core/index.ts';

describe('Isserlis with a symbolic covariance: overflow is named', () => {
  const sigma = covarianceAsPolys([[parse('q')]]);
  it('E[u^6] = 15 q^3, exact', () => {
    const p = wickMoment(sigma, [6]);
    expect(print(polyToExpr(p))).toBe('15*q^3');
    expect(polyIsExact(p)).toBe(true);
  });
  it('E[u^100] has a float coefficient (99!! > 2^53): not exact', () => {
    expect(polyIsExact(wickMoment(sigma, [100]))).toBe(false);
  });
  it('E[u^400]: 399!! ≈ 1e432 overflows f64, refused with the degree and the exact path named', () => {
    let err: unknown;
    try { wickExpectation(sigma, [{ exps: [400], coeff: { kind: 'num', p: 1, q: 1 } }]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toMatch(/degree-400 Gaussian moment exceed the f64 range .*computed exactly instead/);
    expect(() => wickMoment(sigma, [400])).toThrow(/degree-400/);
  });
});
