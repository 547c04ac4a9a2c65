// Exact rationals with BigInt numerator and denominator, for results that outgrow the
// f64-backed Num of expr.ts (e.g. E[u^100] = 99!!, a 79-digit integer). Always
// normalised: gcd(n, d) = 1, d > 0.

import { type Num, isExact, rat, num } from './expr.ts';

export interface BigRational {
  readonly n: bigint;
  readonly d: bigint;
}

function bgcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) { const t = a % b; a = b; b = t; }
  return a;
}

export function bigRat(n: bigint | number, d: bigint | number = 1n): BigRational {
  let N = BigInt(n), D = BigInt(d);
  if (D === 0n) throw new RangeError('BigRational with a zero denominator');
  if (D < 0n) { N = -N; D = -D; }
  const g = bgcd(N, D);
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
  return isExact(x) ? bigRat(BigInt(x.p), BigInt(x.q)) : undefined;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether numerator and denominator are safe integers (the value fits an exact Num). */
export function bigIsSafe(a: BigRational): boolean {
  return a.n <= SAFE && a.n >= -SAFE && a.d <= SAFE;
}

/** The exact Num when it fits (numerator and denominator safe integers), else undefined. */
export function bigToNum(a: BigRational): Num | undefined {
  return bigIsSafe(a) ? rat(Number(a.n), Number(a.d)) : undefined;
}

/** "p" or "p/q" in decimal digits. */
export function bigToString(a: BigRational): string {
  return a.d === 1n ? a.n.toString() : `${a.n.toString()}/${a.d.toString()}`;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * The nearest f64 to a (within one ulp: the quotient is formed from 64-bit-exact
 * leading parts, then scaled); ±Infinity beyond the f64 range.
 */
export function bigToNumber(a: BigRational): number {
  if (a.n === 0n) return 0;
  const neg = a.n < 0n;
  const N = neg ? -a.n : a.n;
  // q = N / d scaled by 2^s so that it has 64+ significant bits, then divided by 2^s
  const s = 64 - (bitLength(N) - bitLength(a.d));
  const q = s >= 0 ? (N << BigInt(s)) / a.d : N / (a.d << BigInt(-s));
  const v = Number(q) * 2 ** -s;
  let r: number;
  if (Number.isFinite(v) && v !== 0) r = v;
  else {
    // exponent beyond what one multiplication reaches: scale in two steps
    const half = Math.trunc(-s / 2);
    r = Number(q) * 2 ** half * 2 ** (-s - half);
  }
  return neg ? -r : r;
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
    const bits = bitLength(x);
    if (bits <= 1000) return Math.log(Number(x));
    const shift = bits - 64;
    return Math.log(Number(x >> BigInt(shift))) + shift * Math.LN2;
  };
  return lnAbs(a.n) - lnAbs(a.d);
}
