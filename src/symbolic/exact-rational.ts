// Exact rationals with BigInt numerator and denominator, for exact polynomial
// arithmetic (big-poly.ts, e.g. E[u^100] = 99!!, a 79-digit integer). Always
// normalised: gcd(n, d) = 1, d > 0. A Num holds the same values (its big form).

import {
  type Num, MAX_EXACT_DIGITS, bigGcd, bigBitLength, bigNumReduced, bigRatioToNumber, numBigParts, num,
} from './expr.ts';

export interface BigRational {
  readonly n: bigint;
  readonly d: bigint;
}

export function bigRat(n: bigint | number, d: bigint | number = 1n): BigRational {
  let N = BigInt(n), D = BigInt(d);
  if (D === 0n) throw new RangeError('BigRational with a zero denominator');
  if (D < 0n) { N = -N; D = -D; }
  const g = bigGcd(N, D);
  return g > 1n ? { n: N / g, d: D / g } : { n: N, d: D };
}

export const BIG_ZERO: BigRational = { n: 0n, d: 1n };
export const BIG_ONE: BigRational = { n: 1n, d: 1n };

export function bigAdd(a: BigRational, b: BigRational): BigRational {
  if (a.d === b.d) return bigRat(a.n + b.n, a.d);
  return bigRat(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function bigMul(a: BigRational, b: BigRational): BigRational {
  if (a.n === 0n || b.n === 0n) return BIG_ZERO;
  return bigRat(a.n * b.n, a.d * b.d);
}

export function bigPow(a: BigRational, k: number): BigRational {
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`bigPow needs a non-negative integer exponent, got ${k}`);
  return { n: a.n ** BigInt(k), d: a.d ** BigInt(k) };
}

export const bigIsZero = (a: BigRational): boolean => a.n === 0n;

/** An exact Num as a BigRational; undefined for a float Num (not exact). */
export function bigFromNum(x: Num): BigRational | undefined {
  return numBigParts(x);
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether numerator and denominator are safe integers (the value fits the small form of Num). */
export function bigIsSafe(a: BigRational): boolean {
  return a.n <= SAFE && a.n >= -SAFE && a.d <= SAFE;
}

/** Whether numerator and denominator have at most MAX_EXACT_DIGITS digits (the value fits an exact Num). */
export function bigFitsNum(a: BigRational): boolean {
  const limit = Math.ceil(MAX_EXACT_DIGITS * Math.log2(10));
  return bigBitLength(a.n) <= limit && bigBitLength(a.d) <= limit;
}

/** The exact Num (small or big form) when it fits (bigFitsNum), else undefined. */
export function bigToNum(a: BigRational): Num | undefined {
  return bigFitsNum(a) ? bigNumReduced(a.n, a.d) : undefined;
}

/** "p" or "p/q" in decimal digits. */
export function bigToString(a: BigRational): string {
  return a.d === 1n ? a.n.toString() : `${a.n.toString()}/${a.d.toString()}`;
}

/**
 * The nearest f64 to a (correctly rounded in the normal range); ±Infinity beyond the
 * f64 range.
 */
export function bigToNumber(a: BigRational): number {
  return bigRatioToNumber(a.n, a.d);
}

/** The value as a Num: exact when it fits, else the nearest float (inexact), or undefined beyond the f64 range. */
export function bigToNumOrFloat(a: BigRational): Num | undefined {
  const exact = bigToNum(a);
  if (exact) return exact;
  const v = bigToNumber(a);
  return Number.isFinite(v) ? num(v) : undefined;
}

/** ln|a| for a ≠ 0, accurate to a few ulps also far beyond the f64 range. */
export function bigLogAbs(a: BigRational): number {
  if (a.n === 0n) return -Infinity;
  const lnAbs = (x: bigint): number => {
    if (x < 0n) x = -x;
    const bits = bigBitLength(x);
    if (bits <= 1000) return Math.log(Number(x));
    const shift = bits - 64;
    return Math.log(Number(x >> BigInt(shift))) + shift * Math.LN2;
  };
  return lnAbs(a.n) - lnAbs(a.d);
}
