import { ArgumentError } from '../../src/core/index.ts';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { equal } from '../../src/symbolic/index.ts';
import {
  expand, polyIn, fromPolyIn, NotPolynomialError, polyFromExpr, polyToExpr, polyAdd, polyMul, polyPow,
  polyScale, polyVar, polyConst, polyEqual, polyIsZero, polySub, polyTerms, polyDegree, polyConstValue,
} from '../../src/symbolic/index.ts';
import { exprArb, envArb, evalWithError } from './helpers.ts';

/** FC_SCALE=20 for a soak run. */
const SCALE = Number(process.env.FC_SCALE ?? 1);

const ex = (s: string) => print(expand(parse(s)));

describe('expand: fixed examples', () => {
  const cases: Array<[string, string]> = [
    ['(1+rho)^2', '1+2*rho+rho^2'],
    ['(a+b)^3', 'a^3+3*a^2*b+3*a*b^2+b^3'],
    ['(x-y)*(x+y)', 'x^2-y^2'],
    ['-(a-b)^2', '-a^2+2*a*b-b^2'],
    ['exp((1+x)^2)*(x+1)', 'exp(1+2*x+x^2)+exp(1+2*x+x^2)*x'],
    ['1/x*x', '1'],
    ['1/(2*x) + x^-1', '3/(2*x)'],
    ['x^(n-n)', '1'],
    ['(a*b)^n', '(a*b)^n'],
    ['pi*(pi+1)', 'pi+pi^2'],
    ['1/10+2/10-3/10', '0'],
    ['0.5*x+0.25*x', '3*x/4'],
    // decimal literals are exact rationals of any size
    ['1e20*x+1e20*x+x', '200000000000000000001*x'],
    ['1e-20*x*(1e20*x+1)', 'x/100000000000000000000+x^2'],
    ['(x+1)^2-(x-1)^2', '4*x'],
    ['2*sqrt(x)*sqrt(x)', '2*sqrt(x)^2'],
    ['x^(1/2)*y', 'x^(1/2)*y'],
    ['(s11+s12)*(s12+s22)', 's11*s12+s11*s22+s12^2+s12*s22'],
    ['1^x', '1'],
  ];
  for (const [src, want] of cases) it(`${src} -> ${want}`, () => expect(ex(src)).toBe(want));

  it('is idempotent and order-independent', () => {
    const a = expand(parse('(c+b+a)^3*(y-x)'));
    expect(equal(expand(a), a)).toBe(true);
    expect(equal(expand(parse('(y-x)*(a+b+c)^3')), a)).toBe(true);
  });

  it('division of a sum by zero throws', () => {
    expect(() => expand(parse('1/(x-x)'))).toThrow(/division by zero/);
  });
});

describe('polyIn', () => {
  it('collects coefficients free of the variables', () => {
    const p = polyIn(parse('(a*u+b)^2*v + exp(c)*u + 3'), ['u', 'v']);
    expect(p.terms.map((t) => [t.exps.join(','), print(t.coeff)])).toEqual([
      ['0,0', '3'], ['1,0', 'exp(c)'], ['0,1', 'b^2'], ['1,1', '2*a*b'], ['2,1', 'a^2'],
    ]);
    expect(print(expand(fromPolyIn(p)))).toBe(print(expand(parse('(a*u+b)^2*v + exp(c)*u + 3'))));
  });
  it('zero polynomial has no terms', () => {
    expect(polyIn(parse('u-u'), ['u']).terms).toEqual([]);
  });
  for (const [src, culprit] of [['exp(u)', 'exp(u)'], ['u^(1/2)+1', 'u^(1/2)'], ['1/u', '1/u'],
    ['x/(1+u)', '1/(1+u)'], ['u^n', 'u^n'], ['sin(v*u)', 'sin(u*v)']] as const) {
    it(`refuses ${src}, naming ${culprit}`, () => {
      let err: unknown;
      try { polyIn(parse(src), ['u', 'v']); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(NotPolynomialError);
      expect(print((err as NotPolynomialError).offending)).toBe(culprit);
      expect((err as Error).message).toContain(culprit);
    });
  }
});

describe('poly arithmetic helpers', () => {
  it('builds Isserlis-style sums', () => {
    const s = (n: string) => polyVar(n);
    // E[x1 x2 x3 x4] = s12 s34 + s13 s24 + s14 s23, squared
    const w = polyAdd(polyMul(s('s12'), s('s34')), polyMul(s('s13'), s('s24')), polyMul(s('s14'), s('s23')));
    const w2 = polyPow(w, 2);
    expect(polyTerms(w2).length).toBe(6);
    expect(polyEqual(polySub(w2, polyMul(w, w)), polyConst(0))).toBe(true);
    expect(polyIsZero(polySub(polyScale(w, 2), polyAdd(w, w)))).toBe(true);
    expect(polyDegree(w2, 's12')).toBe(2);
    expect(polyConstValue(polyFromExpr(parse('3/4')))!.q).toBe(4);
    expect(print(polyToExpr(polyScale(polyAdd(s('a'), polyConst(1)), 0.5)))).toBe('0.5+0.5*a');
  });
});

describe('expand: properties', () => {
  it('preserves values at random points (tolerance: running error bound of both sides)', () => {
    fc.assert(fc.property(exprArb({ depth: 3 }), envArb(), (e, env) => {
      let x: ReturnType<typeof expand>;
      try { x = expand(e); } catch (err) {
        if ((err instanceof ArgumentError || err instanceof RangeError)) return; // 1/0 found exactly
        throw err;
      }
      const a = evalWithError(e, env), b = evalWithError(x, env);
      if (!Number.isFinite(a.value) || !Number.isFinite(a.err) || !Number.isFinite(b.err)) return;
      const tol = 2 * (a.err + b.err) + 1e-300;
      if (!(Math.abs(a.value - b.value) <= tol)) {
        throw new Error(`expand changed the value\n e = ${print(e)}\n expand(e) = ${print(x)}\n at ${JSON.stringify(env)}\n`
          + ` ${a.value} vs ${b.value}, |diff| = ${Math.abs(a.value - b.value)}, tol = ${tol}`);
      }
    }), { numRuns: 1500 * SCALE });
  });

  it('is idempotent on random expressions', () => {
    fc.assert(fc.property(exprArb({ depth: 3 }), (e) => {
      let x;
      try { x = expand(e); } catch { return; }
      const y = expand(x);
      if (!equal(x, y)) throw new Error(`expand not idempotent: ${print(x)} -> ${print(y)}`);
    }), { numRuns: 500 * SCALE });
  });

  it('expands (a+b+c+d+e+f)^5 to 252 terms with multinomial coefficients', () => {
    const x = expand(parse('(a+b+c+d+e+f)^5'));
    expect(x.kind === 'add' && x.terms.length).toBe(252);
    const at1 = polyTerms(polyFromExpr(x)).reduce((s, t) => s + t.coeff.p / t.coeff.q, 0);
    expect(at1).toBe(6 ** 5);
  });
});
