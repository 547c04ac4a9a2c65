// Independent oracles for our own algebra: mathjs's derivative (simplify: false),
// which is right for elementary functions, and nerdamer's expand on small
// polynomials. Our results must agree with theirs at random points.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as math from 'mathjs';
import nerdamer from 'nerdamer';
import { diff } from '../../src/symbolic/index.ts';
import { expand } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { parse } from '../../src/symbolic/index.ts';
import { exprArb, dividesByZero } from './helpers.ts';

const ELEMENTARY = ['exp', 'sin', 'cos', 'tanh'] as const;

describe('cross-check against mathjs and nerdamer', () => {
  it('diff agrees with mathjs.derivative (simplify: false) on elementary expressions', () => {
    fc.assert(fc.property(
      exprArb({ vars: ['x', 'y'], depth: 3, functions: [...ELEMENTARY], floats: false }),
      fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true }),
      (e, x, y) => {
        const text = print(e);
        // e divides by an expression that expands to 0 (1/(y-y)): undefined everywhere, refused
        if (dividesByZero(e)) return;
        const ours = evaluate(diff(e, 'x'), { x, y });
        const theirs = math.derivative(text, 'x', { simplify: false }).evaluate({ x, y, pi: Math.PI }) as number;
        if (!Number.isFinite(ours) || !Number.isFinite(theirs) || Math.abs(theirs) > 1e8) return; // outside both domains
        // two f64 evaluations of equivalent expressions of modest size: agreement to ~1e-9 relative
        expect(Math.abs(ours - theirs), `${text}: ours ${ours}, mathjs ${theirs}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(theirs)));
      },
    ), { numRuns: 300, seed: 3 });
  });

  it('expand agrees with nerdamer.expand on small polynomials', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }),
      (factors, power, a, b) => {
        const text = `(${factors.map(([p, q, k]) => `(${p}*a+${q}*b)^${k}`).join('*')}+1)^${power}`;
        const ours = evaluate(expand(parse(text)), { a, b });
        const theirs = Number(nerdamer(text, { a: String(a), b: String(b) }).expand().evaluate().text('decimals'));
        expect(Math.abs(ours - theirs), `${text} at a=${a}, b=${b}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(theirs)));
      },
    ), { numRuns: 60, seed: 4 });
  });
});
