// Exact Gaussian expectations of rational polynomials by counting (src/symbolic/gaussian-exact.ts):
// issue 15's cases, an independent closed form, and a property test against the general
// engine's Isserlis path where both are exact.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  exactPolynomialExpectation, ExactExpectationLimitError, MAX_EXACT_DEGREE, gaussianExpectation, parse, parseMatrix,
  bigRat, bigToNumber, bigToString, bigToNum, isExact, print, exactExpectationResult,
} from '../../src/symbolic/index.ts';

const E = (e: string, vars: string, cov: string, mean?: string) =>
  exactPolynomialExpectation(parse(e), vars.split(','), parseMatrix(cov), mean ? parseMatrix(mean)[0] : undefined);

function doubleFactorial(n: number): bigint {
  let r = 1n;
  for (let k = n; k > 1; k -= 2) r *= BigInt(k);
  return r;
}
function binom(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - i + 1)) / BigInt(i);
  return r;
}

describe('exact Gaussian expectations by counting', () => {
  it('E[(a+…+j)^8] over 10 independent standard variables is 7!!·10^4 = 1 050 000, in well under a second', () => {
    const vars = 'a,b,c,d,e,f,g,h,i,j';
    const I = `[${vars.split(',').map((_, i) => `[${vars.split(',').map((__, j) => (i === j ? 1 : 0)).join(',')}]`).join(',')}]`;
    const t0 = performance.now();
    const r = E(`(${vars.split(',').join('+')})^8`, vars, I)!;
    expect(r.text).toBe('1050000');
    expect(r.num && isExact(r.num) && r.num.p).toBe(1050000);
    expect(performance.now() - t0).toBeLessThan(1000);
    // degree 40 too: 39!!·10^20, a 44-digit integer
    expect(E(`(${vars.split(',').join('+')})^40`, vars, I)!.text).toBe((doubleFactorial(39) * 10n ** 20n).toString());
  });

  it('E[u^100] = 99!! exactly (79 digits), as an exact Num (its big form) with the nearest f64 beside it', () => {
    const r = E('u^100', 'u', '[[1]]')!;
    expect(r.text).toBe(doubleFactorial(99).toString());
    expect(r.text).toHaveLength(79);
    expect(print(r.num!)).toBe(r.text);
    expect(Math.abs(r.float / 2.7253921397507295e78 - 1)).toBeLessThan(4 * 2 ** -53);
  });

  it('E[u^200 v^200] with correlation 1/2 equals the closed form through v = u/2 + (√3/2) w', () => {
    // E[u^m v^n] = Σ_{j even} binom(n, j) (1/2)^{n−j} (3/4)^{j/2} (j−1)!! (m+n−j−1)!!
    const m = 200, n = 200;
    let num = 0n, den = 1n;
    const add = (p: bigint, q: bigint) => { num = num * q + p * den; den *= q; };
    for (let j = 0; j <= n; j += 2) {
      const p = binom(n, j) * 3n ** BigInt(j / 2) * doubleFactorial(j - 1) * doubleFactorial(m + n - j - 1);
      const q = 2n ** BigInt(n - j) * 4n ** BigInt(j / 2);
      add(p, q);
    }
    const ref = bigToString(bigRat(num, den));
    const t0 = performance.now();
    const r = E('u^200*v^200', 'u,v', '[[1,1/2],[1/2,1]]')!;
    expect(r.text).toBe(ref);
    expect(r.float).toBe(Infinity); // beyond the f64 range: only the exact text holds it
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('means and rational covariances: E[(u+1)^4] = 10, E[u^2 v^2] = q1 q2 + 2c²', () => {
    expect(E('u^4', 'u', '[[1]]', '[[1]]')!.text).toBe('10');
    expect(E('(u+1)^4', 'u', '[[1]]')!.text).toBe('10');
    expect(E('u^2*v^2', 'u,v', '[[2,1/3],[1/3,5]]')!.text).toBe(bigToString(bigRat(2 * 5 * 9 + 2, 9)));
    expect(E('3', 'u', '[[1]]')!.text).toBe('3');
    expect(E('u^3 - 2*u*v + 1/7', 'u,v', '[[1,1/2],[1/2,1]]')!.text).toBe('-6/7');
  });

  it('not applicable (undefined) outside rational polynomials: the general engine handles those', () => {
    for (const [e, cov] of [['exp(u)', '[[1]]'], ['u^(1/2)', '[[1]]'], ['pi*u^2', '[[1]]'], ['1/u', '[[1]]'], ['u^2/q', '[[1]]'], ['u^2', '[[sqrt(s)]]'], ['u^q', '[[1]]']]) {
      expect(E(e, 'u', cov), e).toBeUndefined();
    }
    // decimal literals are exact rationals in the grammar
    expect(E('0.1*u^2', 'u', '[[3]]')!.text).toBe('3/10');
  });

  it('symbols other than the variables enter polynomially: E[q u^2] = q s, E[(a+…+j)^8] with Var a = s', () => {
    expect(E('q*u^2', 'u', '[[s]]')!.text).toBe('q*s');
    const vars = 'a,b,c,d,e,f,g,h,i,j';
    const cov = `[${vars.split(',').map((_, i) => `[${vars.split(',').map((__, j) => (i === j ? (i === 0 ? 's' : '1') : '0')).join(',')}]`).join(',')}]`;
    const t0 = performance.now();
    const r = E(`(${vars.split(',').join('+')})^8`, vars, cov)!;
    // 105 (s + 9)^4
    expect(r.text).toBe('688905+306180*s+51030*s^2+3780*s^3+105*s^4');
    expect(performance.now() - t0).toBeLessThan(1000);
    const big = exactExpectationResult(E('u^100*q', 'u', '[[1]]')!);
    expect(big.exact).toBe(true);
    expect(print(big.expr)).toBe(`${doubleFactorial(99)}*q`);
    expect(exactExpectationResult(E('u^4*v^2', 'u,v', '[[q,c],[c,p]]')!)).toMatchObject({ exact: true });
    expect(print(exactExpectationResult(E('u^4*v^2', 'u,v', '[[q,c],[c,p]]')!).expr)).toBe('12*c^2*q+3*p*q^2');
  });

  it('refuses beyond the documented limits with the size in the message', () => {
    expect(() => E(`u^${MAX_EXACT_DEGREE + 2}`, 'u', '[[1]]')).toThrow(ExactExpectationLimitError);
    expect(() => E(`u^${MAX_EXACT_DEGREE + 2}`, 'u', '[[1]]')).toThrow(/degree 4098 is above the limit 4096/);
    // a product of two sums of 380 distinct monomials: 144 400 product terms
    const names = Array.from({ length: 20 }, (_, i) => `x${i}`);
    const sum = names.flatMap((x, i) => names.filter((_, j) => j !== i).map((y) => `${x}*${y}^2`)).join('+');
    const I = `[${names.map((_, i) => `[${names.map((__, j) => (i === j ? 1 : 0)).join(',')}]`).join(',')}]`;
    expect(() => E(`(${sum})*(${sum})`, names.join(','), I)).toThrow(/380×380 = 144400 product terms, above the limit 100000/);
  });

  it('bigToNumber rounds to within an ulp and overflows to Infinity', () => {
    expect(bigToNumber(bigRat(1, 3))).toBe(1 / 3);
    expect(bigToNumber(bigRat(-22, 7))).toBe(-22 / 7);
    expect(bigToNumber(bigRat(10n ** 400n, 10n ** 399n))).toBe(10);
    expect(Math.abs(bigToNumber(bigRat(1n, 10n ** 320n)) - 1e-320)).toBeLessThanOrEqual(5e-324);
    expect(bigToNumber(bigRat(10n ** 400n))).toBe(Infinity);
    expect(print(bigToNum(bigRat(2n ** 53n))!)).toBe('9007199254740992');
    expect(bigToNum(bigRat(2n ** 53n - 1n))?.p).toBe(2 ** 53 - 1);
    expect(bigToNum(bigRat(10n ** 10001n))).toBeUndefined(); // beyond MAX_EXACT_DIGITS
  });

  it('property: equals the general engine (Isserlis on the expanded polynomial) on random rational polynomials', () => {
    const form = fc.record({ a: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 3, maxLength: 3 }), b: fc.integer({ min: -2, max: 2 }) });
    const factor = fc.record({ f: form, k: fc.integer({ min: 0, max: 4 }) });
    const term = fc.record({ c: fc.integer({ min: -5, max: 5 }), q: fc.integer({ min: 1, max: 4 }), fs: fc.array(factor, { minLength: 1, maxLength: 3 }) });
    const L = fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 6, maxLength: 6 });
    const vars = ['u', 'v', 'w'];
    fc.assert(fc.property(fc.array(term, { minLength: 1, maxLength: 3 }), L, fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 3, maxLength: 3 }), (terms, l, mu) => {
      // Σ = L Lᵀ + I, L lower triangular with small integers: positive definite, rational
      const Lm = [[l[0], 0, 0], [l[1], l[2], 0], [l[3], l[4], l[5]]];
      const S = Lm.map((r, i) => Lm.map((s, j) => r.reduce((acc, x, k) => acc + x * s[k], 0) + (i === j ? 1 : 0)));
      const aff = (f: { a: number[]; b: number }) => `(${f.a.map((x, i) => `${x}*${vars[i]}`).join('+')}+${f.b})`;
      const text = terms.map((t) => `(${t.c}/${t.q})*${t.fs.map((f) => `${aff(f.f)}^${f.k}`).join('*')}`).join('+');
      const e = parse(text);
      const cov = S.map((r) => r.map((x) => parse(String(x))));
      const mean = mu.map((x) => parse(String(x)));
      const mine = exactPolynomialExpectation(e, vars, cov, mean)!;
      const ref = gaussianExpectation(e, vars, cov, { mean });
      expect(ref.exact).toBe(true);
      expect(mine.text, text).toBe(print(ref.expr));
    }), { numRuns: 60, seed: 15 });
  });

  it('property: equals the general engine with a symbolic covariance and symbolic coefficients', () => {
    const monomial = fc.record({ c: fc.integer({ min: -3, max: 3 }).filter((x) => x !== 0), sym: fc.constantFrom('', 'k*', 'k^2*'), exps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }) });
    const vars = ['x0', 'x1', 'x2'];
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.array(monomial, { minLength: 1, maxLength: 4 }), fc.boolean(), (d, monos, withMean) => {
      const vs = vars.slice(0, d);
      const text = monos.map((m) => `${m.c}*${m.sym}${vs.map((v, i) => `${v}^${m.exps[i]}`).join('*')}`).join('+');
      const e = parse(text);
      const cov = vs.map((_, i) => vs.map((__, j) => parse(`s${Math.min(i, j)}${Math.max(i, j)}`)));
      const mean = withMean ? vs.map((_, i) => parse(`m${i}`)) : undefined;
      const mine = exactExpectationResult(exactPolynomialExpectation(e, vs, cov, mean)!);
      const ref = gaussianExpectation(e, vs, cov, mean ? { mean } : {});
      expect(mine.exact).toBe(true);
      expect(print(mine.expr), text).toBe(print(ref.expr));
    }), { numRuns: 60, seed: 16 });
  });
});

describe('exactExpectationResult: exact only when it is', () => {
  it('values of up to MAX_EXACT_DIGITS digits are exact Nums; beyond, the exact text and exp(ln v)', () => {
    const small = exactExpectationResult(E('u^4', 'u', '[[1/2]]')!);
    expect(small).toMatchObject({ exact: true, expr: { kind: 'num', p: 3, q: 4 } });
    expect(small.exactValue).toBeUndefined();
    const big = exactExpectationResult(E('u^100', 'u', '[[1]]')!);
    expect(big.exact).toBe(true);
    expect(print(big.expr)).toBe(doubleFactorial(99).toString());
    expect(print(exactExpectationResult(E('u^400', 'u', '[[1]]')!).expr)).toBe(doubleFactorial(399).toString());
    // 399!!·10^12000: 12 434 digits, beyond the limit of 10 000
    const huge = exactExpectationResult(E('u^400', 'u', '[[10^60]]')!);
    expect(huge.exact).toBe(false);
    expect(huge.exactValue).toBe((doubleFactorial(399) * 10n ** 12000n).toString());
    expect(print(huge.expr)).toMatch(/^exp\(\d+\.\d+\)$/);
    // ln(399!! 10^12000) = Σ ln(odd k ≤ 399) + 12000 ln 10
    let ln = 12000 * Math.log(10);
    for (let k = 1; k <= 399; k += 2) ln += Math.log(k);
    const arg = (huge.expr as unknown as { args: { p: number }[] }).args[0].p;
    expect(Math.abs(arg - ln) / ln).toBeLessThan(1e-14);
  });
});

describe('gaussianExpectation routes rational polynomials to the exact path', () => {
  it('(a+…+j)^8 over ten independent variables is 105·10^4 exactly, quickly', () => {
    const vars = 'abcdefghij'.split('');
    const cov = vars.map((_, i) => vars.map((__, j) => parse(i === j ? '1' : '0')));
    const t0 = performance.now();
    const r = gaussianExpectation(parse(`(${vars.join('+')})^8`), vars, cov);
    expect(print(r.expr)).toBe('1050000');
    expect(r.exact).toBe(true);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('u^100 is 99!! as an exact integer (exact: true)', () => {
    const r = gaussianExpectation(parse('u^100'), ['u'], [[parse('1')]]);
    expect(r.exact).toBe(true);
    let dfact = 1n;
    for (let k = 1n; k <= 99n; k += 2n) dfact *= k;
    expect(print(r.expr)).toBe(dfact.toString());
  });
});
