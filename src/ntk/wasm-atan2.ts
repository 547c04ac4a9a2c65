// atan2 on f64x2 lanes, bit for bit V8's Math.atan2 (its fdlibm port, base::ieee754::atan2
// with atan), for every pair of doubles: ±0, subnormals, ±Infinity and NaN included (a NaN
// result is a NaN; its payload is not specified). Each lane runs the IEEE-754 operations
// of fdlibm's branch for it in fdlibm's order, or (four places, below) operations shown
// to give the same bits; the branches become lane selects:
//
// - atan2(−y, x) = −atan2(y, x) on every fdlibm branch (rounding is symmetric), so the
//   magnitude is computed and takes y's sign bit at the end;
// - atan of t = |y|/|x| (= |y/x| exactly): its reduced argument is ONE division
//   (p·t − q)/(p + q·t), with (p, q) = (1, 0) below 7/16 (t/1), (2, 1): (2t − 1)/(2 + t),
//   (1, 1): (t − 1)/(t + 1), (1, 1.5): (t − 1.5)/(1 + 1.5t), (0, 1) from 39/16: −1/t (the
//   terms added are exact: 1·t = t, t − 0 = t, 0·t = +0 for finite t). Then
//   atanhi − ((x·(s1 + s2) − atanlo) − x), with atanhi = atanlo = 0 below 7/16, where fdlibm
//   has x − x·(s1 + s2): the same bits (fl(a − b) = −fl(b − a), a nonzero difference), and
//   below 2^−27, where fdlibm returns t, also t (x·(s1 + s2) < t·2^−55 < half an ulp of t;
//   +0 for t = +0). The per-range constants are v128 xors of the nested range masks with
//   the xors of neighbouring values. fdlibm's |x| ≥ 2^66 branch of atan is not reached
//   from atan2 (k ≤ 60 gives t < 2^62);
// - x = 1, where fdlibm returns atan(y), needs no branch: atan is odd, and for |y| ≥ 2^61
//   both give pi/2's high part;
// - where 0 < t < 2^60 (t finite and nonzero: no special case; k ≤ 60), the result is
//   z = atan(t), or pi − (z − pi_lo) for x < 0. fdlibm takes z = 0 instead where x < 0 and
//   k < −60 (t < 2^−59): both give pi (0 < pi_lo − t < 2^−52, half an ulp of pi). Only
//   when some lane lies outside does the rest run (one branch per pair): k = (iy − ix) >> 20
//   on the high words in i64 lanes (k > 60: pi/2 + pi_lo/2 and no quadrant), then the
//   special cases y = ±Inf, x = ±Inf, x = ±0, y = ±0, NaN, each overriding the ones before
//   (fdlibm tests them in the reverse order).
//
// Cost per pair of lanes: 2 f64x2 divisions, about 80 other SIMD ops and 40 v128.const,
// and one branch; the rest of fdlibm (about 25 ops and 16 v128.const) runs only for pairs
// with a lane outside 0 < |y/x| < 2^60. Ratios beyond 2^±255 make subnormal
// intermediates (z, w), which are slow on x86.
//
// Contract: emitAtan2(c, y, x, s) reads the v128 locals y and x (not changed) and leaves
// atan2(y, x) per f64 lane on the stack; values below on the stack are left alone. It
// uses s's scratch locals (atan2Scratch(c), allocated once per function, reused by every
// call) and emits one `if … end` block. Ops: f64x2/v128 ones of wasm-encoder.ts and
// i64x2.shr_s/shr_u/sub/gt_s/all_true, v128.xor.

import { Code, encodeModule, I32, V128, wasmApi } from './wasm-encoder.ts';

// fdlibm s_atan.c: atan(0.5), atan(1), atan(1.5), atan(inf) as high and low parts, and the
// coefficients aT[0..10] of the odd polynomial
const ATAN_HI = [4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00];
const ATAN_LO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17];
const AT = [3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01, -1.11111104054623557880e-01,
  9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02, -5.83357013379057348645e-02,
  4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02];
// fdlibm e_atan2.c; its results add `tiny` (to raise inexact), evaluated here as C does
const TINY = 1.0e-300, PI_O_4 = 7.8539816339744827900e-01, PI_O_2 = 1.5707963267948965580e+00;
const PI = 3.1415926535897931160e+00, PI_LO = 1.2246467991473531772e-16;
const PI_T = PI + TINY, PI_O_2_T = PI_O_2 + TINY, PI_O_4_T = PI_O_4 + TINY, THREE_PI_O_4_T = 3.0 * PI_O_4 + TINY;
const PI_O_2_BIG = PI_O_2 + 0.5 * PI_LO;

/** Lower ends of atan's ranges id = 0..3 (7/16, 11/16, 19/16, 39/16); below the first, id = −1. */
const RANGE = [0.4375, 0.6875, 1.1875, 2.4375];
/** Per range id = −1..3: the reduced argument's (p, q) in (p·t − q)/(p + q·t), and atanhi, atanlo. */
const P = [1, 2, 1, 1, 0], Q = [0, 1, 1, 1.5, 1];
const HI = [0, ...ATAN_HI], LO = [0, ...ATAN_LO];
/** k > 60 ⟺ iy − ix ≥ 61·2^20 (k = floor((iy − ix)/2^20)). */
const K_BIG = 61 * 2 ** 20 - 1;
/**
 * Below this t, k ≤ 60: |y| < 2^60·|x| keeps the high words' difference iy − ix at most
 * 60·2^20 (a subnormal x's high word only overstates its exponent; a subnormal y's is
 * below 2^20).
 */
const FAST_T = 2 ** 60;

/** Scratch v128 locals of emitAtan2. */
export interface Atan2Scratch {
  readonly ay: number; readonly ax: number; readonly t: number; readonly ranges: readonly number[];
  readonly p: number; readonly q: number; readonly xr: number; readonly z: number; readonly w: number;
  readonly r: number; readonly out: number; readonly xneg: number; readonly big: number; readonly yinf: number;
}

/** Allocates emitAtan2's scratch locals in c (once per function). */
export function atan2Scratch(c: Code): Atan2Scratch {
  const v = () => c.local(V128);
  return {
    ay: v(), ax: v(), t: v(), ranges: [v(), v(), v(), v()], p: v(), q: v(), xr: v(), z: v(), w: v(),
    r: v(), out: v(), xneg: v(), big: v(), yinf: v(),
  };
}

/** A v128 whose i64 lanes are both n (0 ≤ n < 2^52: the f64 with those bits is the subnormal n·2^−1074). */
function i64x2(c: Code, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** 52) throw new RangeError(`i64x2 constant: ${n}`);
  c.f64x2(n * Number.MIN_VALUE);
}

const bits = new DataView(new ArrayBuffer(16));
/** The double whose bits are a's xor b's (never a NaN for the tables here, whose bits a v128.const could not be sure to keep). */
function xorBits(a: number, b: number): number {
  bits.setFloat64(0, a);
  bits.setFloat64(8, b);
  bits.setBigUint64(0, bits.getBigUint64(0) ^ bits.getBigUint64(8));
  const v = bits.getFloat64(0);
  if (Number.isNaN(v)) throw new RangeError(`xor of ${a} and ${b} is a NaN pattern`);
  return v;
}

/** Leaves atan2(y, x) of the v128 locals y, x on the stack (see the top of this file). */
export function emitAtan2(c: Code, y: number, x: number, s: Atan2Scratch): void {
  const add = () => c.simd('f64x2.add'), sub = () => c.simd('f64x2.sub'), mul = () => c.simd('f64x2.mul');
  const select = () => c.simd('v128.bitselect');
  /** the per-range constant vals[id + 1]: vals[0] xor, for each range mask, (mask and the next two values' xor) */
  const pick = (vals: readonly number[]) => {
    c.f64x2(vals[0]);
    for (let k = 0; k < 4; k++) { c.get(s.ranges[k]).f64x2(xorBits(vals[k], vals[k + 1])).simd('v128.and').simd('v128.xor'); }
  };
  /** c0 + w·(c1 + w·(…)) for coefficients AT[from], AT[from + 2], …, AT[10 or 9], innermost first */
  const poly = (from: number) => {
    let k = from;
    while (k + 2 < AT.length) k += 2;
    c.f64x2(AT[k]);
    for (k -= 2; k >= from; k -= 2) { c.get(s.w); mul(); c.f64x2(AT[k]); add(); }
  };

  // t = |y|/|x|; the range masks t ≥ 7/16, 11/16, 19/16, 39/16
  c.get(y).simd('f64x2.abs').set(s.ay);
  c.get(x).simd('f64x2.abs').set(s.ax);
  c.get(s.ay).get(s.ax).simd('f64x2.div').set(s.t);
  RANGE.forEach((b, k) => c.get(s.t).f64x2(b).simd('f64x2.ge').set(s.ranges[k]));
  // reduced argument xr = (p·t − q)/(p + q·t); z = xr², w = z²
  pick(P); c.tee(s.p).get(s.t); mul(); pick(Q); c.tee(s.q); sub();
  c.get(s.p).get(s.q).get(s.t); mul(); add();
  c.simd('f64x2.div').tee(s.xr).get(s.xr); mul(); c.tee(s.z).get(s.z); mul(); c.set(s.w);
  // r = atan(t) = atanhi − ((xr·(s1 + s2) − atanlo) − xr)
  pick(HI);
  c.get(s.xr);
  poly(0); c.get(s.z); mul(); // s1
  poly(1); c.get(s.w); mul(); // s2
  add(); mul();
  pick(LO); sub(); c.get(s.xr); sub(); sub(); c.set(s.r);

  // x < 0 by its sign bit (x = −0 counts, as in fdlibm); the quadrant: pi − (r − pi_lo) there
  c.get(x).i32(63).simd('i64x2.shr_s').set(s.xneg);
  c.f64x2(PI).get(s.r).f64x2(PI_LO); sub(); sub();
  c.get(s.r).get(s.xneg); select(); c.set(s.out);
  // that is atan2's magnitude where 0 < t < 2^60 (no special case, k ≤ 60); unless every
  // lane is such, the rest of fdlibm runs (leaving those lanes' result as it is)
  c.get(s.t).f64x2(0).simd('f64x2.gt').get(s.t).f64x2(FAST_T).simd('f64x2.lt').simd('v128.and');
  c.simd('i64x2.all_true').op('i32.eqz').op('if');
  // k > 60 from the high words iy, ix
  c.get(s.ay).i32(32).simd('i64x2.shr_u').get(s.ax).i32(32).simd('i64x2.shr_u').simd('i64x2.sub');
  i64x2(c, K_BIG); c.simd('i64x2.gt_s').set(s.big);
  c.f64x2(PI_O_2_BIG).get(s.r).get(s.big); select(); c.set(s.r);
  c.f64x2(PI).get(s.r).f64x2(PI_LO); sub(); sub();
  c.get(s.r).get(s.xneg).get(s.big).simd('v128.andnot'); select();
  c.set(s.r);
  // special cases, each overriding the ones before it (fdlibm tests them in the reverse order)
  c.get(s.ay).f64x2(Infinity).simd('f64x2.eq').set(s.yinf);
  c.f64x2(PI_O_2_T).get(s.r).get(s.yinf); select(); c.set(s.r); // y = ±Inf
  c.f64x2(THREE_PI_O_4_T).f64x2(PI_T).get(s.yinf); select();
  c.f64x2(PI_O_4_T).f64x2(0).get(s.yinf); select();
  c.get(s.xneg); select();
  c.get(s.r).get(s.ax).f64x2(Infinity).simd('f64x2.eq'); select(); c.set(s.r); // x = ±Inf
  c.f64x2(PI_O_2_T).get(s.r).get(x).f64x2(0).simd('f64x2.eq'); select(); c.set(s.r); // x = ±0
  c.f64x2(PI_T).f64x2(0).get(s.xneg); select();
  c.get(s.r).get(y).f64x2(0).simd('f64x2.eq'); select(); c.set(s.r); // y = ±0
  c.get(x).get(y); add();
  c.get(s.r).get(x).get(x).simd('f64x2.ne').get(y).get(y).simd('f64x2.ne').simd('v128.or'); select(); c.set(s.out); // NaN
  c.op('end');
  // with y's sign bit
  c.get(y).get(s.out).f64x2(-0); select();
}

/** Pairs in matchesMathAtan2's probe. */
const PROBE_PAIRS = 512;
let probed: boolean | undefined;

/**
 * Whether emitAtan2 gives this runtime's Math.atan2 bit for bit on a fixed probe: ratios
 * |y/x| from 2^−30 to 2^62 and around each of fdlibm's range boundaries, both signs, x = 0,
 * ±Infinity. V8 computes Math.atan2 with fdlibm compiled from C++, where a compiler may fuse
 * multiply-adds on some CPUs; where this is false the JS kernel's erf layers (Math.atan2)
 * and the wasm kernel's could differ in the last bits, so the wasm kernel does not take erf.
 * Computed once per process (a module of one loop over 512 pairs).
 */
export function matchesMathAtan2(): boolean {
  if (probed === undefined) probed = atan2Probe(Math.atan2);
  return probed;
}

/** Whether emitAtan2 gives `reference` bit for bit on matchesMathAtan2's probe (false without wasm SIMD). */
export function atan2Probe(reference: (y: number, x: number) => number): boolean {
  const api = wasmApi();
  if (!api) return false;
  const c = new Code([I32]);
  const i = c.local(I32), y = c.local(V128), x = c.local(V128);
  const s = atan2Scratch(c);
  c.i32(0).set(i);
  c.op('loop');
  c.get(i).simd('v128.load').set(y);
  c.get(i).simd('v128.load', 8 * PROBE_PAIRS).set(x);
  c.get(i);
  emitAtan2(c, y, x, s);
  c.simd('v128.store', 16 * PROBE_PAIRS);
  c.get(i).i32(16).op('i32.add').tee(i).get(0).op('i32.lt_u').op('br_if', 0);
  c.op('end');
  const bytes = encodeModule([{ name: 'atan2', code: c }], 1);
  if (!api.validate(bytes)) return false;
  const memory = new api.Memory({ initial: 1 });
  const run = new api.Instance(new api.Module(bytes), { env: { memory } }).exports.atan2 as (end: number) => void;
  const F = new Float64Array(memory.buffer, 0, 3 * PROBE_PAIRS);
  let seed = 12345;
  const u = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 2 ** 32; };
  const bounds = [2 ** -27, 7 / 16, 11 / 16, 19 / 16, 39 / 16, 2 ** 60];
  for (let k = 0; k < PROBE_PAIRS; k++) {
    const ratio = k < 384 ? 2 ** (92 * u() - 30) : bounds[k % bounds.length] * (1 + (u() - 0.5) * 2 ** -40);
    const xk = k % 97 === 0 ? 0 : k % 89 === 0 ? Infinity : (0.5 + u()) * 2 ** Math.floor(40 * u() - 20);
    F[PROBE_PAIRS + k] = k % 3 === 0 ? -xk : xk;
    F[k] = (k % 2 === 0 ? -1 : 1) * ratio * (xk === 0 || xk === Infinity ? 1 : xk);
  }
  run(8 * PROBE_PAIRS);
  for (let k = 0; k < PROBE_PAIRS; k++) if (!Object.is(F[2 * PROBE_PAIRS + k], reference(F[k], F[PROBE_PAIRS + k]))) return false;
  return true;
}
