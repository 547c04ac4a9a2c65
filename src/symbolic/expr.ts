// The one expression tree of gan-dynamics. Parser, printers, differentiation,
// Gaussian expectations and the code emitter all walk this type.

import { ArgumentError } from '../core/index.ts';

/** Arity of every function of the grammar (a frozen object without prototype: look names up with isFnName). */
export const FUNCTIONS = nameTable({
  exp: 1, log: 1, sqrt: 1, abs: 1, sin: 1, cos: 1, tanh: 1, erf: 1,
  relu: 1, step: 1, sigmoid: 1, softplus: 1, arcsin: 1, arccos: 1,
  min: 2, max: 2,
} as const);

export type FnName = keyof typeof FUNCTIONS;

export function isFnName(name: string): name is FnName {
  return typeof name === 'string' && Object.hasOwn(FUNCTIONS, name);
}

/** Named constants the grammar knows without declaration. */
export const CONSTANTS = nameTable({ pi: Math.PI } as const);
export type ConstName = keyof typeof CONSTANTS;

/** Whether `name` is a named constant of the grammar ('pi'); never true for 'constructor' and the like. */
export function isConstName(name: string): name is ConstName {
  return typeof name === 'string' && Object.hasOwn(CONSTANTS, name);
}

/**
 * A frozen copy of `entries` without a prototype, for tables looked up by names that
 * may come from a user: `table['constructor']` and `table['__proto__']` are undefined,
 * `'toString' in table` is false. Prefer a Map where the table is not exported.
 */
export function nameTable<T extends object>(entries: T): Readonly<T> {
  return Object.freeze(Object.assign(Object.create(null) as T, entries));
}

/**
 * A number: an exact rational p/q (p, q safe integers, q > 0, lowest terms); or, when p
 * is not an integer, a float held in p with q = 1; or an exact rational too large for
 * safe integers ("big"): then `big` holds |numerator| and the denominator as BigInts
 * (lowest terms), the sign is p's, and p is a rough float approximation of the value
 * (use numValue for the nearest double) with q = 1: never 0, never ±Infinity, never an
 * integer unless the value is one, never a safe integer (so checks such as `p === 0`,
 * `p === 1 && q === 1` or `Number.isSafeInteger(p)` stay false for it; `{ ...n, p: -n.p }`
 * negates it). A value has one form: big only
 * when it does not fit the small one. At most MAX_EXACT_DIGITS digits each.
 */
export interface Num {
  readonly kind: 'num';
  readonly p: number;
  readonly q: number;
  readonly big?: { readonly num: bigint; readonly den: bigint };
}
export interface Sym { readonly kind: 'sym'; readonly name: string }
export interface Const { readonly kind: 'const'; readonly name: ConstName }
export interface Add { readonly kind: 'add'; readonly terms: readonly Expr[] }
export interface Mul { readonly kind: 'mul'; readonly factors: readonly Expr[] }
export interface Pow { readonly kind: 'pow'; readonly base: Expr; readonly exp: Expr }
export interface Call { readonly kind: 'call'; readonly fn: FnName; readonly args: readonly Expr[] }

export type Expr = Num | Sym | Const | Add | Mul | Pow | Call;

// ---------- numbers ----------

function gcd(a: number, b: number): number {
  a = Math.abs(a); b = Math.abs(b);
  while (b) { const t = a % b; a = b; b = t; }
  return a;
}

const isExactInt = (x: number) => Number.isSafeInteger(x);

/** Whether n is an exact rational in the small form (p, q safe integers). A big exact Num is not. */
export function isExact(n: Num): boolean { return isExactInt(n.p) && isExactInt(n.q); }

/** Whether n is an exact rational, in the small or the big form (not a float). */
export function isRational(n: Num): boolean { return n.big !== undefined || (isExactInt(n.p) && isExactInt(n.q)); }

/** Whether n is an integer: exactly for an exact n, by its value for a float. */
export function isIntegerNum(n: Num): boolean {
  if (n.big) return n.big.den === 1n;
  return n.q === 1 && Number.isInteger(n.p);
}

export function rat(p: number, q = 1): Num {
  if (!Number.isFinite(p) || !Number.isFinite(q) || q === 0) {
    throw new ArgumentError(`non-finite number ${p}/${q} in an expression`);
  }
  if (isExactInt(p) && isExactInt(q)) {
    if (q < 0) { p = -p; q = -q; }
    const g = gcd(p, q) || 1;
    return { kind: 'num', p: p / g + 0, q: q / g };
  }
  return { kind: 'num', p: p / q + 0, q: 1 };
}

/** A number from a float: exact when it is an integer, otherwise a float. */
export function num(x: number): Num {
  return rat(x, 1);
}

// ----- big exact rationals -----

/** Most decimal digits of the numerator, and of the denominator, of an exact number. */
export const MAX_EXACT_DIGITS = 10_000;
const MAX_EXACT_BITS = Math.ceil(MAX_EXACT_DIGITS * Math.log2(10));

const SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

export function bigGcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) { const t = a % b; a = b; b = t; }
  return a;
}

/** Bits of |x| (0 for 0). */
export function bigBitLength(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * The nearest f64 to n/d (d > 0), rounded to nearest in the normal range (a 64-bit
 * quotient with a sticky bit, rounded once by Number()); ±Infinity beyond the f64
 * range, 0 below it.
 */
export function bigRatioToNumber(n: bigint, d: bigint): number {
  if (n === 0n) return 0;
  const neg = n < 0n;
  const N = neg ? -n : n;
  if (N << 1022n < d) {
    // below 2^−1022 the result is a multiple of 2^−1074 with fewer than 53 bits: round the
    // quotient in those units once (to nearest, ties to even) and scale exactly; rounding to
    // 53 bits first and then to the subnormal grid would round twice
    const top = N << 1074n;
    let q = top / d;
    const twice = 2n * (top - q * d);
    if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
    const r = Number(q) * Number.MIN_VALUE;
    return neg ? -r : r;
  }
  const s = 65 - (bigBitLength(N) - bigBitLength(d));
  const top = s >= 0 ? N << BigInt(s) : N;
  const bottom = s >= 0 ? d : d << BigInt(-s);
  let q = top / bottom;
  if (q * bottom !== top) q |= 1n; // sticky: q has 65+ bits, so this only breaks ties
  let r = Number(q) * 2 ** -s;
  if (!Number.isFinite(r) || r === 0) {
    // an exponent beyond what one multiplication reaches: scale in two steps
    const half = Math.trunc(-s / 2);
    r = Number(q) * 2 ** half * 2 ** (-s - half);
  }
  return neg ? -r : r;
}

function nextTowards(x: number, up: boolean): number {
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  // x > 0 here: one ulp up or down
  bits[0] += up ? 1n : -1n;
  return buf[0];
}

/**
 * A double a > 0 approximating a value that is not an integer, moved off the safe
 * integers (where it would read as exact): by one ulp (towards the value when `up` says
 * where it lies), or, in [2^52, 2^53) where every double is an integer, to 2^52 - 1/2
 * or 2^53, whichever is nearer.
 */
function offSafeIntegers(a: number, up: () => boolean): number {
  if (!Number.isInteger(a) || a > Number.MAX_SAFE_INTEGER) return a;
  if (a < 2 ** 52) return nextTowards(a, up());
  return a < 1.5 * 2 ** 52 ? 2 ** 52 - 0.5 : 2 ** 53;
}

/** The approximation held in p for a big Num of sign s and magnitude num/den (see Num). */
function bigApprox(num: bigint, den: bigint, negative: boolean): number {
  let a = bigRatioToNumber(num, den);
  if (a === 0) a = Number.MIN_VALUE;
  else if (!Number.isFinite(a)) a = Number.MAX_VALUE;
  // a big integer is at least 2^53, so a safe integer here approximates a non-integer
  else a = offSafeIntegers(a, () => BigInt(a) * den < num);
  return negative ? -a : a;
}

/** A float Num for the non-integer value approximated by f (finite, nonzero): never read as exact. */
function inexact(f: number, up: () => boolean): Num {
  const a = offSafeIntegers(Math.abs(f), () => (f < 0 ? !up() : up()));
  return { kind: 'num', p: f < 0 ? -a : a, q: 1 };
}

/** Thrown for an exact number beyond MAX_EXACT_DIGITS whose nearest double overflows or underflows. */
function tooLarge(bits: number): ArgumentError {
  const digits = Math.ceil(bits * Math.log10(2));
  return new ArgumentError(`an exact number of about ${digits} digits is beyond the limit of ${MAX_EXACT_DIGITS} digits and out of the f64 range`);
}

/**
 * The exact rational n/d as a Num (d ≠ 0): the small form when numerator and
 * denominator are safe integers, else the big form. Beyond MAX_EXACT_DIGITS digits the
 * nearest float instead (a float Num), or an ArgumentError when that overflows or
 * underflows.
 */
export function bigNum(n: bigint, d: bigint = 1n): Num {
  if (d === 0n) throw new ArgumentError('division by zero');
  if (d < 0n) { n = -n; d = -d; }
  if (n === 0n) return { kind: 'num', p: 0, q: 1 };
  const g = bigGcd(n, d);
  return g === 1n ? bigNumReduced(n, d) : bigNumReduced(n / g, d / g);
}

/** bigNum for n/d already in lowest terms with d > 0 (skips the gcd). */
export function bigNumReduced(n: bigint, d: bigint): Num {
  const negative = n < 0n;
  const mag = negative ? -n : n;
  if (mag <= SAFE_BIG && d <= SAFE_BIG) return { kind: 'num', p: Number(n), q: Number(d) };
  const bits = Math.max(bigBitLength(mag), bigBitLength(d));
  if (bits > MAX_EXACT_BITS) {
    const f = bigRatioToNumber(n, d);
    if (!Number.isFinite(f) || f === 0) throw tooLarge(bits);
    // d > 1 here (an integer this long is out of the f64 range): the value is no integer
    return inexact(f, () => BigInt(f) * d < n);
  }
  return { kind: 'num', p: bigApprox(mag, d, negative), q: 1, big: { num: mag, den: d } };
}

/** Signed numerator and denominator of an exact Num as BigInts; undefined for a float. */
export function numBigParts(n: Num): { n: bigint; d: bigint } | undefined {
  if (n.big) return { n: n.p < 0 ? -n.big.num : n.big.num, d: n.big.den };
  return isExact(n) ? { n: BigInt(n.p), d: BigInt(n.q) } : undefined;
}

/** The value as the nearest double (for evaluation and compilation; ±Infinity or 0 beyond the f64 range for a big Num). */
export function numValue(n: Num): number {
  if (n.big) return bigRatioToNumber(n.p < 0 ? -n.big.num : n.big.num, n.big.den);
  return n.p / n.q;
}

/** -n. */
export function numNeg(n: Num): Num {
  return n.p === 0 ? n : { ...n, p: -n.p };
}

/** |n|. */
export function numAbs(n: Num): Num {
  return n.p < 0 ? numNeg(n) : n;
}

/** The numerator and the denominator of an exact Num as exact Nums (n itself and 1 for a float). */
export function numParts(n: Num): { numer: Num; denom: Num } {
  if (n.big) {
    return {
      numer: bigNum(n.p < 0 ? -n.big.num : n.big.num),
      denom: bigNum(n.big.den),
    };
  }
  if (!isExact(n) || n.q === 1) return { numer: n, denom: ONE };
  return { numer: { kind: 'num', p: n.p, q: 1 }, denom: { kind: 'num', p: n.q, q: 1 } };
}

/** Whether two Nums have the same form and value. */
export function numEqual(a: Num, b: Num): boolean {
  if (a.p !== b.p || a.q !== b.q) return false;
  if (a.big === undefined || b.big === undefined) return a.big === b.big;
  return a.big.num === b.big.num && a.big.den === b.big.den;
}

/** Sign of a - b (exact for two exact numbers; by value when either is a float). */
export function numCompare(a: Num, b: Num): number {
  const x = numBigParts(a), y = numBigParts(b);
  if (x && y) {
    const l = x.n * y.d, r = y.n * x.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  const u = numValue(a), v = numValue(b);
  return u < v ? -1 : u > v ? 1 : 0;
}

export function numAdd(a: Num, b: Num): Num {
  if (isExact(a) && isExact(b)) {
    const p = a.p * b.q + b.p * a.q, q = a.q * b.q;
    if (isExactInt(p) && isExactInt(q)) return rat(p, q);
  }
  const x = numBigParts(a), y = numBigParts(b);
  if (x && y) return x.d === y.d ? bigNum(x.n + y.n, x.d) : bigNum(x.n * y.d + y.n * x.d, x.d * y.d);
  return num(numValue(a) + numValue(b));
}

export function numMul(a: Num, b: Num): Num {
  if (isExact(a) && isExact(b)) {
    const p = a.p * b.p, q = a.q * b.q;
    if (isExactInt(p) && isExactInt(q)) return rat(p, q);
  }
  const x = numBigParts(a), y = numBigParts(b);
  if (x && y) return bigNum(x.n * y.n, x.d * y.d);
  return num(numValue(a) * numValue(b));
}

/** 1/a. */
export function numInv(a: Num): Num {
  if (a.p === 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
  if (a.big) return bigNum(a.p < 0 ? -a.big.den : a.big.den, a.big.num);
  return isExact(a) ? rat(a.q, a.p) : num(1 / a.p);
}

/**
 * a^k for integer k, exact when a is. An exact power whose numerator or denominator
 * would exceed MAX_EXACT_DIGITS is the nearest float instead, or an ArgumentError when
 * that is out of the f64 range (estimated before any large power is formed).
 */
export function numPowInt(a: Num, k: number): Num {
  if (k === 0) return ONE;
  if (k < 0) return numPowInt(numInv(a), -k);
  if (k === 1) return a;
  // small exact a whose power surely fits: the plain loop (the hot path)
  const small = isExact(a) && Math.max(Math.abs(a.p), a.q) ** k <= Number.MAX_SAFE_INTEGER;
  const parts = small ? undefined : numBigParts(a);
  if (parts) {
    const bits = Math.max(bigBitLength(parts.n), bigBitLength(parts.d));
    if ((bits - 1) * k > MAX_EXACT_BITS) {
      // at least (bits - 1) k bits: beyond the limit, so the float power (or a refusal)
      const f = numValue(a) ** k;
      if (!Number.isFinite(f) || f === 0) throw tooLarge((bits - 1) * k);
      // the base is no integer (a big integer's power is out of the f64 range), nor is its power
      return inexact(f, () => true);
    }
    if (bits * k > 53) {
      const K = BigInt(k);
      return bigNumReduced(parts.n ** K, parts.d ** K);
    }
  }
  let r: Num = ONE, base = a;
  while (k > 0) {
    if (k & 1) r = numMul(r, base);
    k = Math.floor(k / 2);
    if (k) base = numMul(base, base);
  }
  return r;
}

export const ZERO = rat(0);
export const ONE = rat(1);
export const MINUS_ONE = rat(-1);
export const TWO = rat(2);
export const HALF = rat(1, 2);

// ---------- constructors (light, local simplification only) ----------

export function sym(name: string): Sym { return { kind: 'sym', name }; }
export function constant(name: ConstName): Const { return { kind: 'const', name }; }
export const PI = constant('pi');

export const isNum = (e: Expr): e is Num => e.kind === 'num';
export const isZero = (e: Expr) => e.kind === 'num' && e.p === 0;
export const isOne = (e: Expr) => e.kind === 'num' && e.p === 1 && e.q === 1;

export function add(...terms: Expr[]): Expr {
  const flat: Expr[] = [];
  let c: Num = ZERO;
  for (const t of terms) {
    if (t.kind === 'add') {
      for (const u of t.terms) {
        if (u.kind === 'num') c = numAdd(c, u); else flat.push(u);
      }
    } else if (t.kind === 'num') c = numAdd(c, t);
    else flat.push(t);
  }
  if (c.p !== 0) flat.unshift(c);
  if (flat.length === 0) return ZERO;
  if (flat.length === 1) return flat[0];
  return { kind: 'add', terms: flat };
}

export function mul(...factors: Expr[]): Expr {
  const flat: Expr[] = [];
  let c: Num = ONE;
  for (const f of factors) {
    if (f.kind === 'mul') {
      for (const u of f.factors) {
        if (u.kind === 'num') c = numMul(c, u); else flat.push(u);
      }
    } else if (f.kind === 'num') c = numMul(c, f);
    else flat.push(f);
  }
  if (c.p === 0) return ZERO;
  if (!(c.p === 1 && c.q === 1)) flat.unshift(c);
  if (flat.length === 0) return ONE;
  if (flat.length === 1) return flat[0];
  return { kind: 'mul', factors: flat };
}

export function pow(base: Expr, exp: Expr): Expr {
  if (exp.kind === 'num') {
    if (exp.p === 0) return ONE;
    if (exp.p === 1 && exp.q === 1) return base;
    // 0^(-1/2) and 0^(-0.3) divide by zero as 0^(-1) does
    if (base.kind === 'num' && base.p === 0 && exp.p < 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
    if (base.kind === 'num' && exp.q === 1 && isExactInt(exp.p) && isRational(base)) {
      if (base.p === 0 && exp.p < 0) throw new ArgumentError('division by zero: 0 raised to a negative power');
      return numPowInt(base, exp.p);
    }
  }
  if (base.kind === 'num' && (base.p === 1 && base.q === 1)) return ONE;
  if (base.kind === 'mul' && exp.kind === 'num' && exp.q === 1 && isExactInt(exp.p)) {
    return mul(...base.factors.map((f) => pow(f, exp)));
  }
  if (base.kind === 'pow' && exp.kind === 'num' && exp.q === 1 && isExactInt(exp.p)
      && base.exp.kind === 'num') {
    // (b^r)^k = b^(r k) for integer k. When r is not an integer this holds in real
    // arithmetic only if r k is not an integer either ((x^(1/2))^2 is NaN for x < 0, x is not).
    const rk = numMul(base.exp, exp);
    const rIsInt = (base.exp.q === 1 && isExactInt(base.exp.p)) || base.exp.big?.den === 1n;
    if (rIsInt || !isIntegerNum(rk)) return pow(base.base, rk);
  }
  return { kind: 'pow', base, exp };
}

export const neg = (e: Expr): Expr => mul(MINUS_ONE, e);
export const sub = (a: Expr, b: Expr): Expr => add(a, neg(b));
export const div = (a: Expr, b: Expr): Expr => mul(a, pow(b, MINUS_ONE));

export function call(fn: FnName, ...args: Expr[]): Call {
  if (!isFnName(fn)) throw new ArgumentError(`unknown function '${String(fn)}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
  if (args.length !== FUNCTIONS[fn]) {
    throw new ArgumentError(`${fn} takes ${FUNCTIONS[fn]} argument(s), got ${args.length}`);
  }
  return { kind: 'call', fn, args };
}

// ---------- traversal ----------

export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'add': return e.terms;
    case 'mul': return e.factors;
    case 'pow': return [e.base, e.exp];
    case 'call': return e.args;
    default: return [];
  }
}

/** Rebuild e with new children (through the simplifying constructors). */
export function withChildren(e: Expr, cs: readonly Expr[]): Expr {
  switch (e.kind) {
    case 'add': return add(...cs);
    case 'mul': return mul(...cs);
    case 'pow': return pow(cs[0], cs[1]);
    case 'call': return call(e.fn, ...cs);
    default: return e;
  }
}

export function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  const cs = children(e);
  if (cs.length === 0) return e;
  return withChildren(e, cs.map(f));
}

export function freeSymbols(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === 'sym') out.add(e.name);
  for (const c of children(e)) freeSymbols(c, out);
  return out;
}

export function dependsOn(e: Expr, name: string): boolean {
  if (e.kind === 'sym') return e.name === name;
  return children(e).some((c) => dependsOn(c, name));
}

export function size(e: Expr): number {
  let n = 1;
  for (const c of children(e)) n += size(c);
  return n;
}

/** Structural equality. */
export function equal(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'num': return numEqual(a, b as Num);
    case 'sym': return a.name === (b as Sym).name;
    case 'const': return a.name === (b as Const).name;
    case 'call': if (a.fn !== (b as Call).fn) return false; break;
    default: break;
  }
  const ca = children(a), cb = children(b);
  return ca.length === cb.length && ca.every((c, i) => equal(c, cb[i]));
}
