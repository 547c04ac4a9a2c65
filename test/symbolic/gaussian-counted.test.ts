// Isserlis by counting pairing patterns (countedIsserlis, src/symbolic/gaussian-wick.ts),
// the fast path of gaussianExpectation for integer monomials under a covariance of symbols
// and integers: the same Expr as the exact path (gaussian-exact.ts) on random inputs
// (seeded), against a brute-force sum over pairings, analytic cases, and the cases it
// must leave to the exact path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countedIsserlis, MAX_COUNTED_STEPS, MAX_COUNTED_SYMBOLS } from '../../src/symbolic/gaussian-wick.ts';
import {
  type Expr, exactPolynomialExpectation, exactExpectationResult, gaussianExpectation, parse, print, sym, rat,
  MAX_EXACT_DEGREE, MAX_EXACT_STATES, ExactExpectationLimitError,
} from '../../src/symbolic/index.ts';

const LIMITS = { maxDegree: MAX_EXACT_DEGREE, maxStates: MAX_EXACT_STATES };
const names = (d: number) => Array.from({ length: d }, (_, i) => `x${i + 1}`);
const symbolicCov = (d: number): Expr[][] =>
  names(d).map((_, i) => names(d).map((__, j) => sym(`s${Math.min(i, j) + 1}${Math.max(i, j) + 1}`)));
const old = (e: Expr, vars: string[], cov: Expr[][]) => exactExpectationResult(exactPolynomialExpectation(e, vars, cov)!);

/** Σ over all pairings of the multiset {i × k_i} of Π cov[i][j] (numeric covariance). */
function bruteForce(k: readonly number[], cov: readonly (readonly number[])[]): number {
  const idx = k.flatMap((n, i) => new Array<number>(n).fill(i));
  const go = (rest: number[]): number => {
    if (rest.length === 0) return 1;
    const [a, ...others] = rest;
    let s = 0;
    for (let m = 0; m < others.length; m++) s += cov[a][others[m]] * go([...others.slice(0, m), ...others.slice(m + 1)]);
    return s;
  };
  return idx.length % 2 === 1 ? 0 : go(idx);
}

// A symmetric covariance of distinct symbols, a repeated symbol, zeros and small integers.
const entry = fc.oneof(fc.constant('own'), fc.constant('q'), fc.constant(0), fc.integer({ min: -3, max: 3 }));
const problem = fc.integer({ min: 1, max: 4 }).chain((d) => fc.record({
  d: fc.constant(d),
  entries: fc.array(entry, { minLength: d * d, maxLength: d * d }),
  terms: fc.array(fc.record({
    coeff: fc.integer({ min: -5, max: 5 }),
    exps: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: d, maxLength: d }),
  }), { minLength: 1, maxLength: 3 }),
}));

function build(p: { d: number; entries: Array<string | number>; terms: Array<{ coeff: number; exps: number[] }> }) {
  const vars = names(p.d);
  const cov: Expr[][] = vars.map((_, i) => vars.map((__, j) => {
    const [a, b] = [Math.min(i, j), Math.max(i, j)];
    const v = p.entries[a * p.d + b];
    return v === 'own' ? sym(`s${a + 1}${b + 1}`) : v === 'q' ? sym('q') : rat(v as number);
  }));
  const text = p.terms.map((t) => `(${t.coeff})*${t.exps.map((k, i) => `${vars[i]}^${k}`).join('*')}`).join(' + ');
  return { vars, cov, e: parse(text), text };
}

describe('Isserlis by counting pairing patterns', () => {
  it('gives the exact path\'s Expr on random integer polynomials and covariances (seeded)', () => {
    fc.assert(fc.property(problem, (p) => {
      const { vars, cov, e } = build(p);
      const fast = countedIsserlis(e, vars, cov, undefined, LIMITS);
      expect(fast).toBeDefined();
      const slow = old(e, vars, cov);
      expect(slow.exact).toBe(true);
      expect(fast).toStrictEqual(slow.expr);
    }), { numRuns: 300, seed: 1616 });
  });

  it('agrees with a brute-force sum over all pairings for numeric covariances (seeded)', () => {
    fc.assert(fc.property(problem, (p) => {
      const { vars, e } = build(p);
      const numeric = vars.map((_, i) => vars.map((__, j) => {
        const v = p.entries[Math.min(i, j) * p.d + Math.max(i, j)];
        return typeof v === 'number' ? v : i === j ? 2 : 1;
      }));
      if (p.terms.some((t) => t.exps.reduce((s, k) => s + k, 0) > 10)) return; // keep the brute force small
      const cov = numeric.map((row) => row.map((x) => rat(x)));
      const fast = countedIsserlis(e, vars, cov, undefined, LIMITS)!;
      const want = p.terms.reduce((s, t) => s + t.coeff * bruteForce(t.exps, numeric), 0);
      expect(fast).toStrictEqual(rat(want));
    }), { numRuns: 200, seed: 1617 });
  });

  it('gaussianExpectation takes it and returns the exact path\'s result, field for field', () => {
    for (const [text, d] of [['x1^2*x2^2*x3^2*x4^2', 4], ['x1^4*x2^4*x3^4*x4^4', 4], ['3*x1*x2 - x3^2*x4^2 + 7', 4], ['x1*x2*x3', 3], ['5', 2]] as const) {
      const vars = names(d), cov = symbolicCov(d), e = parse(text);
      expect(gaussianExpectation(e, vars, cov)).toStrictEqual({ ...old(e, vars, cov), method: 'isserlis' });
    }
  });

  it('analytic cases: 3σ², σ11σ22 + 2σ12², 105 pairings, Π(2k_i − 1)!! for independent variables', () => {
    const at = (text: string, d: number, cov: Expr[][]) => print(countedIsserlis(parse(text), names(d), cov, undefined, LIMITS)!);
    expect(at('x1^4', 1, symbolicCov(1))).toBe('3*s11^2');
    expect(at('x1^2*x2^2', 2, symbolicCov(2))).toBe('s11*s22+2*s12^2');
    const ones = names(4).map(() => names(4).map(() => rat(1)));
    expect(at('x1^2*x2^2*x3^2*x4^2', 4, ones)).toBe('105');
    const identity = names(3).map((_, i) => names(3).map((__, j) => rat(i === j ? 1 : 0)));
    expect(at('x1^6*x2^4*x3^2', 3, identity)).toBe(String(15 * 3 * 1));
  });

  it('leaves to the exact path what it does not take', () => {
    const vars = names(2), cov = symbolicCov(2);
    const none = (text: string, c: Expr[][] = cov, mean?: Expr[]) => countedIsserlis(parse(text), vars, c, mean, LIMITS);
    expect(none('x1^2/2')).toBeUndefined(); // rational coefficient
    expect(none('a*x1^2')).toBeUndefined(); // another symbol
    expect(none('(x1+x2)^2')).toBeUndefined(); // not expanded
    expect(none('x1^2', cov, [rat(1), rat(0)])).toBeUndefined(); // nonzero mean
    expect(none('x1^2', [[parse('2*s11'), sym('s12')], [sym('s12'), sym('s22')]])).toBeUndefined();
    expect(none('x1^2', [[rat(1, 2), sym('s12')], [sym('s12'), sym('s22')]])).toBeUndefined();
    expect(none('x1^2', cov, [rat(0), rat(0)])).toBeDefined();
    // coefficients beyond 2^53: E[x^60] = 59!! s^30; the exact path keeps it exact (BigInt Num)
    const big = parse('x1^60');
    expect(countedIsserlis(big, ['x1'], [[sym('s')]], undefined, LIMITS)).toBeUndefined();
    expect(gaussianExpectation(big, ['x1'], [[sym('s')]])).toStrictEqual({ ...old(big, ['x1'], [[sym('s')]]), method: 'isserlis' });
    // beyond the exact path's limits the exact path still decides (and refuses)
    const huge = parse(`x1^${MAX_EXACT_DEGREE + 2}`);
    expect(countedIsserlis(huge, ['x1'], [[rat(0)]], undefined, LIMITS)).toBeUndefined();
    expect(() => gaussianExpectation(huge, ['x1'], [[rat(0)]])).toThrow(ExactExpectationLimitError);
  });

  it(`keys at most ${MAX_COUNTED_SYMBOLS} covariance symbols, whatever the monomial uses`, () => {
    // d(d+1)/2 distinct symbols: 4095 at d = 90, 4186 at d = 91
    for (const [d, counted] of [[90, true], [91, false]] as const) {
      const vars = names(d), cov = symbolicCov(d);
      const e = parse('x1^2*x2^2');
      const got = countedIsserlis(e, vars, cov, undefined, LIMITS);
      if (counted) expect(got).toStrictEqual(old(e, vars, cov).expr);
      else expect(got).toBeUndefined();
    }
  });

  it(`stops after ${MAX_COUNTED_STEPS} steps (E[Π x_i²] over 12 variables has millions of patterns)`, () => {
    const vars = names(12);
    const e = parse(vars.map((v) => `${v}^2`).join('*'));
    const t0 = performance.now();
    expect(countedIsserlis(e, vars, symbolicCov(12), undefined, LIMITS)).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(10_000); // about 1 s here; unbounded it runs for minutes
  });
});
