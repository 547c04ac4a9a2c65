// NaN propagates through evaluate() (issue 15: relu(sqrt(-1)) gave 0, step(log(-1))
// gave 0.5): an undefined argument makes every function of the grammar, and every
// operator, undefined. The compiled f64 twin must agree with evaluate() there.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type Expr, type FnName, F64_FUNCTIONS, FUNCTIONS, call, dependsOn, evaluate, parse, print, pow, sub, sym, substitute,
} from '../../src/symbolic/index.ts';
import { compile } from '../../src/compile/index.ts';
import { exprArb, envArb, ALL_FUNCTIONS } from './helpers.ts';

const RUNS = Number(process.env.FC_RUNS ?? 1000);

describe('evaluate: NaN in, NaN out', () => {
  it('relu(sqrt(-1)), step(log(-1)) and friends are NaN', () => {
    for (const s of ['relu(sqrt(-1))', 'step(log(-1))', 'abs(arcsin(2))', 'min(sqrt(-1), 1)', 'max(1, log(-1))',
      'sigmoid(sqrt(-1))', 'softplus(log(-2))', 'relu(-sqrt(-1))', 'step(sqrt(-1)-sqrt(-1))', 'relu(x)^0*step(sqrt(x))']) {
      expect(evaluate(parse(s), { x: -1 }), s).toBeNaN();
    }
  });

  it('every function of the grammar, NaN in any argument position', () => {
    for (const fn of ALL_FUNCTIONS) {
      const f = F64_FUNCTIONS[fn];
      if (FUNCTIONS[fn] === 1) expect(f(NaN), fn).toBeNaN();
      else for (const args of [[NaN, 1], [1, NaN], [NaN, NaN], [NaN, -Infinity], [Infinity, NaN]]) expect(f(...args), `${fn}(${args})`).toBeNaN();
    }
  });

  it('an undefined base stays undefined under a zero exponent; 1^NaN is NaN', () => {
    const x = sym('x'), y = sym('y');
    const e = pow(x, sub(y, y)); // the exponent is 0 everywhere but not the literal 0
    expect(evaluate(e, { x: NaN, y: 3 })).toBeNaN();
    expect(evaluate(e, { x: 2, y: 3 })).toBe(1);
    expect(evaluate(pow(sub(x, sub(x, sym('z'))), y), { x: 5, z: 1, y: NaN })).toBeNaN();
  });

  it('values at defined points are unchanged: relu, step, min, max, abs at 0, ±0 and ±Infinity', () => {
    expect(F64_FUNCTIONS.relu(0)).toBe(0);
    expect(F64_FUNCTIONS.relu(-0)).toBe(0);
    expect(F64_FUNCTIONS.relu(-Infinity)).toBe(0);
    expect(F64_FUNCTIONS.relu(Infinity)).toBe(Infinity);
    expect(F64_FUNCTIONS.step(0)).toBe(0.5);
    expect(F64_FUNCTIONS.step(-0)).toBe(0.5);
    expect(F64_FUNCTIONS.step(-Infinity)).toBe(0);
    expect(F64_FUNCTIONS.step(1e-300)).toBe(1);
  });

  it('property: any expression of the grammar that depends on x is NaN at x = NaN', () => {
    let checked = 0;
    fc.assert(fc.property(exprArb({ depth: 4 }), envArb(['y', 'z']), (e, env) => {
      if (!dependsOn(e, 'x')) return;
      checked++;
      const v = evaluate(e, { ...env, x: NaN });
      if (!Number.isNaN(v)) throw new Error(`${print(e)} at x = NaN, ${JSON.stringify(env)} gave ${v}`);
    }), { numRuns: RUNS });
    expect(checked).toBeGreaterThan(0.3 * RUNS);
  });
});

describe('the compiled f64 twin agrees with evaluate at NaN-producing points', () => {
  const twinAt = (e: Expr, x: number, y: number) =>
    compile([e], { inputs: ['x', 'y'], backend: 'f64' }).f64(new Float64Array([x, y]), new Float64Array(0))[0];

  it('every function applied to sqrt(x) or log(x) at x = -1', () => {
    const x = sym('x');
    for (const fn of ALL_FUNCTIONS) {
      const forms = FUNCTIONS[fn] === 1
        ? [call(fn, call('sqrt', x)), call(fn, call('log', x))]
        : [call(fn, call('sqrt', x), sym('y')), call(fn, sym('y'), call('log', x)), call(fn as FnName, call('sqrt', x), call('sqrt', x))];
      for (const e of forms) {
        expect(evaluate(e, { x: -1, y: 2 }), print(e)).toBeNaN();
        expect(twinAt(e, -1, 2), `twin of ${print(e)}`).toBeNaN();
      }
    }
  });

  it('property: random expressions in x with x replaced by sqrt(x), at x = -1 (numeric powers only)', () => {
    fc.assert(fc.property(exprArb({ depth: 3, vars: ['x', 'y'], symbolicPowers: false }), fc.integer({ min: -8, max: 8 }), (e, k) => {
      if (!dependsOn(e, 'x')) return;
      const u = substitute(e, { x: call('sqrt', sym('x')) });
      const y = k / 4;
      const ref = evaluate(u, { x: -1, y });
      expect(ref, print(u)).toBeNaN();
      const tw = twinAt(u, -1, y);
      if (!Number.isNaN(tw)) throw new Error(`twin ${tw} but evaluate NaN for ${print(u)} at x = -1, y = ${y}`);
    }), { numRuns: 150, seed: 15 });
  });

  // Math.pow(NaN, 0) is 1; the emitted pow keeps an undefined base undefined, like evaluate().
  it('NaN^(y-y): the twin gives NaN like evaluate', () => {
    const e = pow(call('sqrt', sym('x')), sub(sym('y'), sym('y')));
    expect(evaluate(e, { x: -1, y: 2 })).toBeNaN();
    expect(twinAt(e, -1, 2)).toBeNaN();
  });

  it('the twin\'s general power keeps every defined value: ±Infinity, ±0 and NaN exponents', () => {
    const e = pow(sym('x'), sub(sym('y'), sub(sym('y'), sym('y'))));
    const cases: [number, number][] = [[Infinity, 0], [-Infinity, 0], [Infinity, 0.5], [0, 0], [-0, 3], [-0, 0.5], [2, 0], [2, NaN], [1, NaN], [0.5, -Infinity], [-8, 1 / 3]];
    for (const [x, y] of cases) {
      const ref = evaluate(e, { x, y });
      const tw = twinAt(e, x, y);
      expect(Object.is(tw, ref) || (Number.isNaN(tw) && Number.isNaN(ref)), `${x}^${y}: twin ${tw}, evaluate ${ref}`).toBe(true);
    }
  });
});
