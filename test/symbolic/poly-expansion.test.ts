// Powers of sums by counting (multinomial coefficients, src/symbolic/poly.ts), the
// expansion limits, and exactness of coefficients (issue 15).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parse, polyFromExpr, polyMul, polyPow, polyEqual, polyIsExact, polyTerms, powTermBound, PolyExpansionError, MAX_POLY_TERMS,
  polyToExpr, print, mul, num, sym,
} from '../../src/symbolic/index.ts';
import { InputError } from '../../src/core/index.ts';

const VARS10 = 'a,b,c,d,e,f,g,h,i,j'.split(',');

describe('powers of sums by counting', () => {
  it('(a+…+j)^8: C(17, 9) = 24310 terms, coefficient of a²b²c²d² = 8!/2!⁴ = 2520, all exact', () => {
    const t0 = performance.now();
    const p = polyFromExpr(parse(`(${VARS10.join('+')})^8`));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(p.terms.size).toBe(24310);
    expect(polyIsExact(p)).toBe(true);
    const term = polyTerms(p).find((t) => t.factors.length === 4 && ['a', 'b', 'c', 'd'].every((v) => t.factors.some((f) => f.key === v && f.exp === 2)));
    expect(term?.coeff).toMatchObject({ p: 2520, q: 1 });
  });

  it('property: equals the repeated product on random sums of terms with disjoint atoms', () => {
    const term = fc.record({ c: fc.integer({ min: -4, max: 4 }).filter((x) => x !== 0), q: fc.integer({ min: 1, max: 3 }), e: fc.integer({ min: 1, max: 3 }) });
    fc.assert(fc.property(fc.array(term, { minLength: 2, maxLength: 4 }), fc.boolean(), fc.integer({ min: 2, max: 6 }), (ts, withConst, k) => {
      // atoms: x0, x1 (two atoms in one term), x2, ...: disjoint across terms
      const text = ts.map((t, i) => `(${t.c}/${t.q})*x${i}^${t.e}${i === 0 ? '*y^2' : ''}`).join('+') + (withConst ? '+5/2' : '');
      const base = polyFromExpr(parse(text));
      const viaCounting = polyPow(base, k);
      const viaProducts = polyMul(...new Array(k).fill(base));
      expect(polyEqual(viaCounting, viaProducts), `(${text})^${k}`).toBe(true);
    }), { numRuns: 80, seed: 15 });
  });

  it('shared atoms fall back to products, bounded by the exponent box: (1+x+…+x^20)^10 has 201 terms', () => {
    const sum = Array.from({ length: 21 }, (_, i) => `x^${i}`).join('+');
    const p = polyFromExpr(parse(`(${sum})^10`));
    expect(p.terms.size).toBe(201);
    expect(powTermBound(polyFromExpr(parse(sum)), 10)).toBe(201);
  });

  it('refuses beyond MAX_POLY_TERMS at once, with the estimate', () => {
    const t0 = performance.now();
    let err: unknown;
    try { polyFromExpr(parse(`(${VARS10.join('+')})^20`)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PolyExpansionError);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(new RegExp(`\\(a\\+b\\+c.*\\)\\^20 would give up to 10015005 terms, above the limit ${MAX_POLY_TERMS}`));
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('coefficients beyond 2^53 stay exact (BigInt); a float coefficient makes the polynomial not exact', () => {
    expect(polyIsExact(polyFromExpr(parse('(a+b)^40')))).toBe(true); // binom(40, 20) ≈ 1.4e11
    const p70 = polyFromExpr(parse('(a+b)^70'));
    expect(polyIsExact(p70)).toBe(true);
    expect(print(polyToExpr(p70))).toContain('+112186277816662845432*a^35*b^35+'); // binom(70, 35) exactly
    expect(print(polyToExpr(polyFromExpr(parse('3^40*x'))))).toBe('12157665459056928801*x');
    expect(polyIsExact(polyFromExpr(parse('2*x + 1/3')))).toBe(true);
    expect(polyIsExact(polyFromExpr(mul(num(0.1), sym('x'))))).toBe(false);
  });
});
