// bigRatioToNumber: an exact ratio of BigInts to the nearest double, ties to even, on the
// normal and the subnormal range (below 2^−1022 a single rounding onto the 2^−1074 grid;
// rounding to 53 bits first gave 1.319233244534891e-308 one unit off, found by the
// print/parse round-trip property test). JavaScript's parseFloat is correctly rounded, so
// a decimal mantissa over a power of ten must give what parseFloat gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bigRatioToNumber } from '../../src/symbolic/expr.ts';
import { num, numValue, parse, print } from '../../src/symbolic/index.ts';

const UNIT = 2n ** 1074n;

describe('bigRatioToNumber', () => {
  it('the subnormal grid exactly, halves to even', () => {
    expect(bigRatioToNumber(1n, UNIT)).toBe(Number.MIN_VALUE);
    expect(bigRatioToNumber(2n ** 52n - 1n, UNIT)).toBe((2 ** 52 - 1) * Number.MIN_VALUE);
    expect(bigRatioToNumber(-7n, UNIT)).toBe(-7 * Number.MIN_VALUE);
    expect(bigRatioToNumber(1n, 2n * UNIT)).toBe(0); // ½ unit: to even, 0
    expect(bigRatioToNumber(3n, 2n * UNIT)).toBe(2 * Number.MIN_VALUE); // 1½ units: to even, 2
    expect(bigRatioToNumber(5n, 4n * UNIT)).toBe(Number.MIN_VALUE); // 1¼ units
    expect(bigRatioToNumber(7n, 4n * UNIT)).toBe(2 * Number.MIN_VALUE); // 1¾ units
    expect(bigRatioToNumber(2n ** 52n, UNIT)).toBe(2 ** -1022); // the smallest normal
  });

  it('a decimal mantissa over a power of ten gives parseFloat of the same decimal (subnormal, tiny normal and ordinary exponents)', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: 1n, max: 10n ** 17n }), fc.integer({ min: 290, max: 340 }), fc.integer({ min: -20, max: 20 }),
      (m, k, shift) => {
        const e = shift === 0 ? k : k + shift; // mostly near 10^-308, some further away
        expect(bigRatioToNumber(m, 10n ** BigInt(e))).toBe(parseFloat(`${m}e-${e}`));
        expect(bigRatioToNumber(-m, 10n ** BigInt(e))).toBe(-parseFloat(`${m}e-${e}`));
      }), { numRuns: 3000, seed: 20261203 });
  });

  it('every subnormal double comes back from print and parse with the same value', () => {
    expect(numValue(parse(print(num(1.319233244534891e-308))) as Parameters<typeof numValue>[0])).toBe(1.319233244534891e-308);
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 52 - 1 }), (k) => {
      const x = k * Number.MIN_VALUE;
      const back = parse(print(num(x)));
      expect(back.kind).toBe('num');
      expect(numValue(back as Parameters<typeof numValue>[0])).toBe(x);
    }), { numRuns: 2000, seed: 1620629490 });
  });
});
