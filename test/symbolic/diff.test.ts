import { ArgumentError } from '../../src/core/index.ts';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { type Expr, children, sub } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { diff, diffN, jacobian, gradient, simplify } from '../../src/symbolic/index.ts';
import { exprArb, envArb, evalWithError, ALL_FUNCTIONS, dividesByZero } from './helpers.ts';

/** FC_RUNS=50000 for a soak run. */
const RUNS = Number(process.env.FC_RUNS ?? 2000);

const d = (s: string, x = 'x') => print(diff(parse(s), x));

describe('diff: fixed rules', () => {
  const cases: Array<[string, string]> = [
    ['x^2', '2*x'],
    ['x^3*y', '3*x^2*y'],
    ['y', '0'],
    ['pi*x', 'pi'],
    ['exp(2*x)', '2*exp(2*x)'],
    ['log(x)', '1/x'],
    ['sqrt(x)', '1/(2*sqrt(x))'],
    ['abs(x)', '-1+2*step(x)'],
    ['sin(x)', 'cos(x)'],
    ['cos(x)', '-sin(x)'],
    ['tanh(x)', '1-tanh(x)^2'],
    ['erf(x)', '2*exp(-x^2)/sqrt(pi)'],
    ['relu(x)', 'step(x)'],
    ['step(x)', '0'],
    ['sigmoid(x)', 'sigmoid(x)*(1-sigmoid(x))'],
    ['softplus(x)', 'sigmoid(x)'],
    ['arcsin(x)', '1/(1-x^2)^(1/2)'],
    ['arccos(x)', '-1/(1-x^2)^(1/2)'],
    ['min(x,y)', 'step(y-x)'],
    ['max(0,x)', 'step(x)'],
    ['max(x,x^2)', 'step(x-x^2)+2*x*step(x^2-x)'],
    ['x^x', 'x^x*(1+log(x))'],
    ['2^x', '2^x*log(2)'],
    ['x^n', 'n*x^(-1+n)'],
    ['x^(1/2)', '1/(2*x^(1/2))'],
    ['1/x', '-1/x^2'],
    ['x*exp(-x^2/2)', 'exp(-x^2/2)-x^2*exp(-x^2/2)'],
    ['relu(w*x+b)', 'w*step(w*x+b)'],
  ];
  for (const [src, want] of cases) it(`d/dx ${src} = ${want}`, () => expect(d(src)).toBe(want));

  it('jacobian, gradient, diffN', () => {
    const J = jacobian([parse('x*y'), parse('x+y^2')], ['x', 'y']).map((r) => r.map(print));
    expect(J).toEqual([['y', 'x'], ['1', '2*y']]);
    expect(gradient(parse('x^2*y'), ['x', 'y']).map(print)).toEqual(['2*x*y', 'x^2']);
    expect(print(diffN(parse('x^4'), 'x', 3))).toBe('24*x');
    expect(() => diffN(parse('x'), 'x', -1)).toThrow(ArgumentError);
  });
});

/** Arguments of the non-smooth functions in e (differences a-b for min/max). */
function kinkArguments(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === 'call') {
    if (e.fn === 'relu' || e.fn === 'step' || e.fn === 'abs') out.push(e.args[0]);
    if (e.fn === 'min' || e.fn === 'max') out.push(sub(e.args[0], e.args[1]));
  }
  for (const c of children(e)) kinkArguments(c, out);
  return out;
}

interface FdEstimate { value: number; truncation: number; roundoff: number; h: number; D: number[] }

/**
 * Richardson-extrapolated central difference of e in x at env, with error estimates,
 * or a reason to skip. Tries h0 = 2^-6, 2^-9, ... (relative to max(1,|x|)) until the
 * six differences D(h0/2^i) are in the asymptotic regime: successive changes shrink by
 * 4 (truncation ~ c h^2, ratio accepted in [3.2, 5]) or sit at rounding level.
 */
function finiteDifference(e: Expr, env: Record<string, number>, x: string): FdEstimate | string {
  const x0 = env[x];
  const at = (t: number) => evalWithError(e, { ...env, [x]: t });
  const c = at(x0);
  if (!Number.isFinite(c.value) || !Number.isFinite(c.err)) return 'f(x) not finite';
  const kinks = kinkArguments(e);
  levels: for (let j = 6; j <= 33; j += 3) {
    // The irrational factor keeps h from being commensurate with pi and the dyadic grid
    // of test points (sin(pi/x) at x = -2^-20 with h = 2^-33 aliases exactly otherwise).
    const h = 0.7390851332151607 * 2 ** -j * Math.max(1, Math.abs(x0));
    // no kink in [x-h, x+h]: kink arguments keep a strict sign on 17 samples
    for (const k of kinks) {
      let s0 = 0;
      for (let i = -8; i <= 8; i++) {
        const v = evaluate(k, { ...env, [x]: x0 + (i / 8) * h });
        const sg = Math.sign(v);
        if (!Number.isFinite(v) || sg === 0 || (s0 !== 0 && sg !== s0)) continue levels;
        s0 = sg;
      }
    }
    const D: number[] = [], RO: number[] = [], S: number[] = [];
    for (const k of [h, h / 2, h / 4, h / 8, h / 16, h / 32]) {
      const xp = x0 + k, xm = x0 - k;
      const p = at(xp), m = at(xm);
      if (![p.value, m.value, p.err, m.err].every(Number.isFinite)) continue levels;
      D.push((p.value - m.value) / (xp - xm));
      S.push(p.value + m.value - 2 * c.value);
      // rounding of f at both points, plus the subtraction and division
      RO.push((p.err + m.err + 2 * Number.EPSILON * (Math.abs(p.value) + Math.abs(m.value))) / (2 * k));
    }
    for (let i = 0; i + 2 < D.length; i++) {
      const d1 = Math.abs(D[i] - D[i + 1]), d2 = Math.abs(D[i + 1] - D[i + 2]);
      const noise = 4 * (RO[i] + RO[i + 1] + RO[i + 2]);
      if (d2 > noise && !(d2 * 3.2 <= d1 && d1 <= d2 * 5 + noise)) continue levels;
    }
    // second differences must shrink ~4x too (no pole or jump hidden by symmetry)
    const fNoise = 4 * (c.err + Number.EPSILON * Math.abs(c.value)) + 4 * RO[0] * h;
    for (let i = 0; i + 1 < S.length; i++) if (Math.abs(S[i + 1]) > 0.35 * Math.abs(S[i]) + fNoise) continue levels;
    const n = D.length - 1;
    return {
      value: (4 * D[n] - D[n - 1]) / 3,
      truncation: Math.abs(D[n - 1] - D[n]), // ~3x the error of D(h/32); Richardson's error is O(h^4)
      roundoff: (4 * RO[n] + RO[n - 1]) / 3,
      h, D,
    };
  }
  return 'no step size in the asymptotic regime';
}

describe('diff: agrees with central finite differences', () => {
  it('on random expressions over the whole grammar', () => {
    let checked = 0, skipped = 0;
    fc.assert(fc.property(exprArb({ depth: 3 }), envArb(), (e, env) => {
      if (dividesByZero(e)) { skipped++; return; } // undefined everywhere: diff refuses it (tested below)
      const fd = finiteDifference(e, env, 'x');
      if (typeof fd === 'string') { skipped++; return; }
      const de = diff(e, 'x');
      const s = evalWithError(de, env);
      if (!Number.isFinite(s.err)) { skipped++; return; }
      const tol = 2 * (fd.truncation + fd.roundoff + s.err) + 1e-300;
      checked++;
      if (!(Math.abs(s.value - fd.value) <= tol)) {
        throw new Error(`diff disagrees with finite differences\n e = ${print(e)}\n de/dx = ${print(de)}\n`
          + ` at ${JSON.stringify(env)}, h = ${fd.h}\n symbolic ${s.value}, Richardson ${fd.value} (D = ${fd.D.join(', ')})\n`
          + ` |diff| = ${Math.abs(s.value - fd.value)}, tol = 2*(truncation ${fd.truncation} + roundoff ${fd.roundoff} + eval ${s.err})`);
      }
    }), { numRuns: RUNS });
    // The property must not be vacuous.
    console.log(`diff vs finite differences: ${checked} points checked, ${skipped} skipped (kinks, poles, domains)`);
    expect(checked).toBeGreaterThan(0.4 * RUNS);
  });

  it('on each function composed with a polynomial argument', () => {
    for (const fn of ALL_FUNCTIONS) {
      const e = fn === 'min' || fn === 'max' ? parse(`${fn}(x^2/3, 1/4-x/5)`) : parse(`${fn}(x^2/3-x/5+1/10)`);
      const de = diff(e, 'x');
      for (const x of [-0.9, -0.3, 0.2, 0.7]) {
        const h = 1e-5;
        const fd = (evaluate(e, { x: x + h }) - evaluate(e, { x: x - h })) / (2 * h);
        // |error| <= h^2/6 |f'''| + eps |f| / h; both well under 1e-6 for these smooth, O(1) functions.
        expect(Math.abs(evaluate(de, { x }) - fd), `${fn} at ${x}: ${print(de)}`).toBeLessThan(1e-6);
      }
    }
  });
});

describe('diff: inputs undefined everywhere (issue 15: diff of 1/(x-x) printed 0)', () => {
  const undefinedEverywhere = [
    '1/(x-x)', '1/(x-x) + x', '1/(y-y)', 'x/(2*x-x-x)', '(x*y-y*x)^(-1/2)', 'x/((x+1)^2-x^2-2*x-1)',
    'exp(1/(x-x))', 'sin(x)/(x*(y-y))', 'step(1/(x-x))', '1/(1/(x-x)+1)',
  ];
  it.each(undefinedEverywhere)('%s: diff, diffN, gradient and jacobian refuse it, as simplify does', (s) => {
    const e = parse(s);
    expect(() => simplify(e)).toThrow(ArgumentError);
    expect(() => diff(e, 'x')).toThrow(/division by zero/);
    expect(() => diff(e, 'x')).toThrow(ArgumentError);
    expect(() => diffN(e, 'x', 0)).toThrow(ArgumentError);
    expect(() => gradient(e, ['x', 'y'])).toThrow(ArgumentError);
    expect(() => jacobian([parse('x'), e], ['x'])).toThrow(ArgumentError);
    expect(dividesByZero(e)).toBe(true);
  });

  it('the pipeline of `gandyn diff` (simplify of the derivative) refuses 1/(x-x)', () => {
    expect(() => simplify(diff(parse('1/(x-x)'), 'x'))).toThrow(/division by zero/);
  });

  it('denominators that only vanish somewhere are differentiated as before', () => {
    expect(print(diff(parse('1/(x-y)'), 'x'))).toBe('-1/(x-y)^2');
    expect(print(diff(parse('x/(x-x+1)'), 'x'))).toBe('1/(1+x-x)');
    expect(print(diff(parse('(x^2-1)^(-1/2)'), 'x'))).toBe('-x/(-1+x^2)^(3/2)');
  });

  it('a zero base under any negative power is a division by zero, as 0^(-1) always was', () => {
    for (const s of ['0^(-1)', '0^(-1/2)', '0^(-0.3)', '(1-1)^(-2)']) expect(() => parse(s), s).toThrow(ArgumentError);
    expect(parse('0^(1/2)').kind).toBe('pow');
  });
});
