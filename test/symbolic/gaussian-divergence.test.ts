// Divergent Gaussian expectations are refused, convergent quadrature results carry
// their order and an error estimate (issue 15: `gandyn expect 'exp(u^2)'` printed
// 8.7e51, `exp(u^2/2)` 12.49; both expectations are infinite).
//
// Closed forms used as references: for x ~ N(μ, Σ) and a symmetric A with
// Σ⁻¹ − 2A positive definite, E[exp(xᵀAx)] = det(I − 2AΣ)^{-1/2}
// · exp(μᵀ(I − 2AΣ)⁻¹Aμ); in 1-D, (1 − 2aσ²)^{-1/2} exp(aμ²/(1 − 2aσ²)).
import { describe, expect, it } from 'vitest';
import {
  type Expr, GaussianExpectationError, evaluate, freeSymbols, gaussianExpectation, parse, parseMatrix, print,
} from '../../src/symbolic/index.ts';
import { expectation1dPiecewise } from '../../src/numeric/index.ts';

const E = (s: string, vars: string, cov: string, mean?: string) =>
  gaussianExpectation(parse(s), vars.split(','), parseMatrix(cov), mean ? { mean: parseMatrix(mean)[0] } : {});

/** The value of a result free of symbols (a float, possibly times constants such as √π). */
const valueOf = (e: Expr) => {
  expect(freeSymbols(e).size, print(e)).toBe(0);
  return evaluate(e, {});
};

describe('divergent expectations are refused with "diverges"', () => {
  it.each([
    ['exp(u^2)', 'u', '[[1]]', undefined],
    ['exp(u^2/2)', 'u', '[[1]]', undefined], // the boundary: the integrand tends to a constant
    ['exp(u^2/4)', 'u', '[[2]]', undefined], // 2aσ² = 1
    ['exp(u^2)', 'u', '[[1]]', '[[1]]'], // with a mean
    ['3*exp(u^2)*sin(u) + u^2', 'u', '[[1]]', undefined],
    ['exp(u^2)*exp(-u^2/4)', 'u', '[[1]]', undefined], // the bump exp(-u^2/4) does not save it
    ['sqrt(exp(u^2))', 'u', '[[1]]', undefined],
    ['exp(u^2)^(3/4)*erf(u)', 'u', '[[1]]', undefined],
    ['exp(u^3)', 'u', '[[1]]', undefined],
    ['exp(-u^3)', 'u', '[[1]]', undefined],
    ['exp(u^4-u^2)*relu(u)^0', 'u', '[[1]]', undefined],
    ['exp(u*v)', 'u,v', '[[1,0],[0,1]]', undefined], // E[exp(u v)] = E[exp(u²/2)]
    ['exp(u*v)', 'u,v', '[[1,1/2],[1/2,1]]', undefined], // u+v has variance 3: E[exp((u+v)²/4)] = ∞
    ['exp(u^2/4+v^2)', 'u,v', '[[1,0],[0,1]]', undefined],
    ['exp(u^2)*step(u-v)', 'u,v', '[[1,0],[0,1]]', undefined],
    ['exp(u^2)', 'u,v', '[[1,1],[1,1]]', undefined], // singular covariance
    ['exp(2*u^2/3)*(1+v^2)', 'u,v,w', '[[1,0,0],[0,1,0],[0,0,1]]', undefined],
  ] as const)('E[%s], vars %s, cov %s, mean %s', (s, vars, cov, mean) => {
    expect(() => E(s, vars, cov, mean)).toThrow(GaussianExpectationError);
    expect(() => E(s, vars, cov, mean)).toThrow(/diverges/);
  });

  it('the message names the growth and the decay', () => {
    expect(() => E('exp(u^2)', 'u', '[[1]]')).toThrow('E[exp(u^2)] diverges: the integrand grows like exp(u^2), faster than the Gaussian density exp(-u^2/2) decays');
    expect(() => E('exp(u^2/2)', 'u', '[[1]]')).toThrow(/as fast as the Gaussian density exp\(-u\^2\/2\) decays/);
  });

  it('an integrand that decays too slowly for the rule is refused, not given a wrong value', () => {
    // E[exp(u²/2)/(1+u²)] = √(π/2) is finite, but the integrand decays like 1/u²: no f64 rule on |u| ≤ 37 σ resolves it
    expect(() => E('exp(u^2/2)/(1+u^2)', 'u', '[[1]]')).toThrow(/diverges or decays too slowly/);
    expect(() => E('exp(0.499*u^2)', 'u', '[[1]]')).toThrow(/decays too slowly/);
  });
});

describe('convergent exponentials: value within the reported error of the closed form', () => {
  const cases: Array<[string, string, string, string | undefined, number]> = [
    ['exp(u^2/4)', 'u', '[[1]]', undefined, Math.SQRT2], // 1/√(1 − 1/2)
    ['exp(u^2/10)', 'u', '[[2]]', undefined, 1 / Math.sqrt(1 - 0.4)],
    ['exp(45/100*u^2)', 'u', '[[1]]', undefined, 1 / Math.sqrt(1 - 0.9)],
    ['exp(u^2/4)', 'u', '[[1]]', '[[1/2]]', Math.SQRT2 * Math.exp(0.25 * 0.25 / 0.5)],
    ['exp(u^2)*exp(-u^2/2)', 'u', '[[1/2]]', undefined, 1 / Math.sqrt(1 - 0.5)], // net a = 1/2, 2aσ² = 1/2
    ['exp(u^2/2)*sigmoid(u)*sigmoid(-u)', 'u', '[[1]]', undefined, 1 / Math.sqrt(2 * Math.PI)], // σ(u)σ(−u) = σ′(u)
    ['exp(u*v/2)', 'u,v', '[[1,0],[0,1]]', undefined, 2 / Math.sqrt(3)], // det [[1, −1/2], [−1/2, 1]] = 3/4
    ['exp(u*v)', 'u,v', '[[1,-1/2],[-1/2,1]]', undefined, 2 / Math.sqrt(5)], // √2 · √(2/5)
    ['exp((u^2+v^2)/4)', 'u,v', '[[1,1/2],[1/2,1]]', undefined, 4 / Math.sqrt(3)], // det(I − Σ/2) = 3/16
  ];
  it.each(cases)('E[%s], vars %s, cov %s, mean %s', (s, vars, cov, mean, exact) => {
    const r = E(s, vars, cov, mean);
    expect(r.exact).toBe(false);
    expect(r.method).toBe('quadrature');
    expect(r.quadratureOrder).toBeGreaterThanOrEqual(24);
    const v = valueOf(r.expr);
    const err = r.errorEstimate!;
    expect(err).toBeGreaterThan(0);
    expect(Math.abs(v - exact), `value ${v}, exact ${exact}, errorEstimate ${err}`).toBeLessThanOrEqual(err);
    // and the estimate is informative: 1-D rules to ~1e-13; the 2-D polar rule's estimate is
    // the error of its coarser check rule, ~1e-5
    expect(err).toBeLessThan((vars.includes(',') ? 1e-4 : 1e-12) * exact);
  });
});

describe('quadrature results carry their order and error estimate', () => {
  it('E[exp(sin(u))] against an independent wide-range rule', () => {
    const r = E('exp(sin(u))', 'u', '[[1]]');
    expect(r).toMatchObject({ exact: false, method: 'quadrature', quadratureOrder: 32 });
    const ref = expectation1dPiecewise((x) => Math.exp(Math.sin(x)), 0, 1, [], 4, 48, 0.5);
    expect(Math.abs(valueOf(r.expr) - ref)).toBeLessThanOrEqual(r.errorEstimate! + 1e-15);
    expect(r.errorEstimate!).toBeLessThan(1e-12);
  });

  it('bounded and super-quadratically damped integrands are not called divergent', () => {
    for (const s of ['exp(u^2)/(1+exp(u^2))', 'exp(u^2-u^4)', 'exp(u^2)*exp(-u^2)', 'exp(u^3-u^4)']) {
      const r = E(s, 'u', '[[1]]');
      expect(r.method, s).toBe('quadrature');
      expect(Number.isFinite(valueOf(r.expr)), s).toBe(true);
    }
    // the exponential is multiplied by erf(u − v) = erf(0) = 0 on the support of a singular covariance
    expect(valueOf(E('exp(u*v)*erf(u-v)', 'u,v', '[[1,1],[1,1]]').expr)).toBe(0);
  });

  it('mixed with closed forms: the error covers the quadrature part', () => {
    const r = E('exp(u^2/4) + u^2 - 2*exp(u^2/4)', 'u', '[[1]]');
    expect(r.method.split('+').sort()).toEqual(['isserlis', 'quadrature']);
    expect(Math.abs(valueOf(r.expr) - (1 - Math.SQRT2))).toBeLessThanOrEqual(r.errorEstimate!);
  });

  it('a symbolic coefficient keeps the order but has no numeric error estimate', () => {
    const r = E('a*exp(sin(u))', 'u', '[[1]]');
    expect(r.quadratureOrder).toBe(32);
    expect(r.errorEstimate).toBeUndefined();
  });

  it('closed forms carry neither', () => {
    const r = E('exp(u)*relu(u)', 'u', '[[1]]');
    expect(r.exact).toBe(true);
    expect(r.quadratureOrder).toBeUndefined();
    expect(r.errorEstimate).toBeUndefined();
  });
});
