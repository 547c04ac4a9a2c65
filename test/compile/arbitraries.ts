// Random expressions over the input grammar (strings, then parse) and
// seeded random points, shared by the compile property tests.

import fc from 'fast-check';
import { FUNCTIONS } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';

export const INPUTS = ['x', 'y', 'z'] as const;
export const PARAMS = ['a', 'b'] as const;
export const NAMES = [...INPUTS, ...PARAMS];

const UNARY = Object.keys(FUNCTIONS).filter((f) => FUNCTIONS[f as keyof typeof FUNCTIONS] === 1);

const leaf = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 9 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0.5', '0.1', '2.5', '1e-3', '1.7e2', 'pi', '3/7') },
);

/** A random expression in the input grammar, at most ~5 levels deep. */
export const exprString: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { maxDepth: 5, depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/'), tie('e')).map(([a, op, b]) => `(${a})${op}(${b})`),
    fc.tuple(tie('e'), fc.integer({ min: -3, max: 5 })).map(([a, k]) => `(${a})^(${k})`),
    fc.tuple(tie('e'), fc.constantFrom('1/2', '-1/2', '1.5', '0.3', 'x')).map(([a, k]) => `(${a})^(${k})`),
    fc.tuple(fc.constantFrom(...UNARY), tie('e')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(fc.constantFrom('min', 'max'), tie('e'), tie('e')).map(([f, a, b]) => `${f}(${a},${b})`),
    tie('e').map((a) => `-(${a})`),
  ),
})).e;

/** B points in the box [-scale, scale]^width, row-major, from a seed. */
export function randomPoints(seed: number, B: number, width: number, scale = 2): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(B * width), -scale, scale);
}
