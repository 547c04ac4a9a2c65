// The f64x2 atan2 of src/ntk/wasm-atan2.ts against this runtime's Math.atan2 (V8's fdlibm
// port), bit for bit: the same f64 bits, -0 included, or NaN on both sides. Inputs, all
// from fixed seeds: 10^6 pairs of uniformly random bit patterns (every exponent from
// 2^-1074 to 2^1023, both signs, some Infinity and NaN), 10^6 pairs whose exponents differ
// by at most 66 (fdlibm's atan path), ratios |y/x| at and around each boundary of fdlibm's
// ranges (2^-27, 7/16, 11/16, 19/16, 39/16, the k = ±60 cut of e_atan2.c, 2^66), x = ±1
// exactly, the erf dual's x ≥ 0 (+0 and +Infinity included), and every pair of special
// values. Vectors with both, one and no lane on emitAtan2's fast path are all checked.
import { describe, expect, it } from 'vitest';
import { Code, encodeModule, I32, V128, wasmApi } from '../../src/ntk/wasm-encoder.ts';
import { atan2Scratch, emitAtan2 } from '../../src/ntk/wasm-atan2.ts';
import { Rng } from '../../src/numeric/index.ts';

/** Pairs per call of the wasm function (its memory holds Y, X and the result of one chunk). */
const CHUNK = 1 << 16;

type Atan2Fn = (pY: number, pX: number, pOut: number, bytes: number) => void;

/** atan2 of Y[i], X[i] through a wasm module running emitAtan2 over the arrays, two lanes at a time. */
function wasmAtan2(): (Y: Float64Array, X: Float64Array) => Float64Array {
  const c = new Code([I32, I32, I32, I32]);
  const [pY, pX, pOut, bytes] = [0, 1, 2, 3];
  const i = c.local(I32), y = c.local(V128), x = c.local(V128);
  const s = atan2Scratch(c);
  c.i32(0).set(i);
  c.op('loop');
  c.get(pY).get(i).op('i32.add').simd('v128.load').set(y);
  c.get(pX).get(i).op('i32.add').simd('v128.load').set(x);
  c.get(pOut).get(i).op('i32.add');
  emitAtan2(c, y, x, s);
  c.simd('v128.store');
  c.get(i).i32(16).op('i32.add').tee(i).get(bytes).op('i32.lt_u').op('br_if', 0);
  c.op('end');
  const api = wasmApi();
  if (!api) throw new Error('no WebAssembly in this runtime');
  const module = encodeModule([{ name: 'atan2', code: c }], Math.ceil((3 * 8 * CHUNK) / 65536));
  expect(api.validate(module)).toBe(true);
  const memory = new api.Memory({ initial: Math.ceil((3 * 8 * CHUNK) / 65536) });
  const run = new api.Instance(new api.Module(module), { env: { memory } }).exports.atan2 as Atan2Fn;
  const F = new Float64Array(memory.buffer);
  return (Y, X) => {
    const out = new Float64Array(Y.length);
    for (let a = 0; a < Y.length; a += CHUNK) {
      const n = Math.min(CHUNK, Y.length - a);
      F.set(Y.subarray(a, a + n), 0);
      F.set(X.subarray(a, a + n), CHUNK);
      if (n & 1) { F[n] = 0; F[CHUNK + n] = 0; }
      run(0, 8 * CHUNK, 16 * CHUNK, 8 * (n + (n & 1)));
      out.set(F.subarray(2 * CHUNK, 2 * CHUNK + n), a);
    }
    return out;
  };
}

const atan2 = wasmAtan2();

/** Pairs where got differs from Math.atan2 (other bits, or NaN on one side only): their count and the first few. */
function mismatches(Y: Float64Array, X: Float64Array, got: Float64Array): { count: number; first: string[] } {
  const first: string[] = [];
  let count = 0;
  for (let k = 0; k < Y.length; k++) {
    const want = Math.atan2(Y[k], X[k]), g = got[k];
    if (Object.is(want, g) || (Number.isNaN(want) && Number.isNaN(g))) continue;
    if (count++ < 5) first.push(`atan2(${Y[k]}, ${X[k]}) = ${want}, wasm ${g}`);
  }
  return { count, first };
}

function expectBitIdentical(Y: Float64Array, X: Float64Array): void {
  const m = mismatches(Y, X, atan2(Y, X));
  expect(m.first).toEqual([]);
  expect(m.count).toBe(0);
}

/** A fixed-seed stream of 32-bit words (the project's xoshiro128** generator). */
function words(seed: number): () => number {
  const rng = new Rng(seed >>> 0);
  return () => rng.nextUint32();
}

const bitsView = new DataView(new ArrayBuffer(8));
/** The double with sign s (0, 1), biased exponent e (0..2047) and mantissa words hi (20 bits), lo. */
function double(s: number, e: number, hi: number, lo: number): number {
  bitsView.setUint32(0, ((s << 31) | (e << 20) | (hi & 0xfffff)) >>> 0);
  bitsView.setUint32(4, lo >>> 0);
  return bitsView.getFloat64(0);
}
function highWord(v: number): number { bitsView.setFloat64(0, v); return bitsView.getUint32(0) & 0x7fffffff; }

/** n pairs of uniformly random bit patterns. */
function randomBits(n: number, seed: number): [Float64Array, Float64Array] {
  const u = words(seed), Y = new Float64Array(n), X = new Float64Array(n);
  const Uy = new Uint32Array(Y.buffer), Ux = new Uint32Array(X.buffer);
  for (let k = 0; k < 2 * n; k++) { Uy[k] = u(); Ux[k] = u(); }
  return [Y, X];
}

/** n pairs of finite doubles, random signs and mantissas, x's biased exponent uniform, y's within ±66 of it. */
function closeExponents(n: number, seed: number): [Float64Array, Float64Array] {
  const u = words(seed), Y = new Float64Array(n), X = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ex = u() % 2047, ey = Math.min(2046, Math.max(0, ex + (u() % 133) - 66));
    X[k] = double(u() & 1, ex, u(), u());
    Y[k] = double(u() & 1, ey, u(), u());
  }
  return [Y, X];
}

/** The double k ulps from b > 0 (k of either sign). */
function ulpsFrom(b: number, k: number): number {
  bitsView.setFloat64(0, b);
  bitsView.setBigUint64(0, bitsView.getBigUint64(0) + BigInt(k));
  return bitsView.getFloat64(0);
}

/**
 * Pairs with |y/x| near b: ratios within 16 ulps of b and uniform ones within b·2^-8 and
 * within [b/2, 2b], with x a power of two (y = t·x exact) or a random double (y = t·x
 * rounded), exponents within ±900, random signs.
 */
function nearRatio(b: number, seed: number): [Float64Array, Float64Array] {
  const u = words(seed), unit = () => u() / 2 ** 32;
  const ratios: number[] = [];
  for (let k = -16; k <= 16; k++) for (let r = 0; r < 64; r++) ratios.push(ulpsFrom(b, k));
  for (let r = 0; r < 30000; r++) ratios.push(b * (1 + (2 * unit() - 1) * 2 ** -8));
  for (let r = 0; r < 30000; r++) ratios.push(b * 2 ** (2 * unit() - 1));
  const Y = new Float64Array(ratios.length), X = new Float64Array(ratios.length);
  ratios.forEach((t, k) => {
    const e = (u() % 1801) - 900;
    const x = (k & 1 ? 2 ** e : double(0, 1023 + e, u(), u())) * (u() & 1 ? -1 : 1);
    X[k] = x;
    Y[k] = t * Math.abs(x) * (u() & 1 ? -1 : 1);
  });
  return [Y, X];
}

/** fdlibm's branch for a pair: 'special', 'k>60', 'k<-60, x<0', or atan's range id (−1..3, or 'tiny') with x's sign. */
function branch(y: number, x: number): string {
  if (!Number.isFinite(y) || !Number.isFinite(x) || y === 0 || x === 0) return 'special';
  const k = (highWord(y) - highWord(x)) >> 20;
  const neg = Object.is(Math.sign(x), -1) ? 'x<0' : 'x>0';
  if (k > 60) return 'k>60';
  if (k < -60 && neg === 'x<0') return 'k<-60, x<0';
  const t = Math.abs(y / x);
  const id = t < 2 ** -27 ? 'tiny' : t < 0.4375 ? -1 : t < 0.6875 ? 0 : t < 1.1875 ? 1 : t < 2.4375 ? 2 : 3;
  return `id ${id}, ${neg}`;
}

function branchCounts(Y: Float64Array, X: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 0; k < Y.length; k++) { const b = branch(Y[k], X[k]); counts.set(b, (counts.get(b) ?? 0) + 1); }
  return counts;
}

describe('wasm f64x2 atan2 is Math.atan2 bit for bit', () => {
  it('the comparison tells apart one ulp, -0 from +0, and NaN from a number', () => {
    const Y = Float64Array.of(1, 0, 0, NaN, NaN), X = Float64Array.of(3, 1, -1, 1, 0);
    const got = atan2(Y, X);
    expect(mismatches(Y, X, got).count).toBe(0);
    const off = got.slice();
    off[0] = ulpsFrom(off[0], 1);
    off[1] = -0;
    off[2] = NaN;
    off[3] = 0;
    expect(mismatches(Y, X, off).count).toBe(4);
  });

  it('on 10^6 pairs of random bit patterns (all exponents, both signs)', () => {
    const [Y, X] = randomBits(1_000_000, 0x5eed1);
    const counts = branchCounts(Y, X);
    expect(counts.get('special')).toBeGreaterThan(500); // Infinity and NaN patterns: 2 in 2048 draws
    expect(counts.get('k>60')).toBeGreaterThan(100_000);
    expect(counts.get('k<-60, x<0')).toBeGreaterThan(100_000);
    expectBitIdentical(Y, X);
  });

  it('on 10^6 pairs with exponents within 66 of each other: every range of atan, both signs of x', () => {
    const [Y, X] = closeExponents(1_000_000, 0x5eed2);
    const counts = branchCounts(Y, X);
    // vectors (pairs of lanes) with both, one or no lane on emitAtan2's fast path 0 < |y/x| < 2^60
    const fast = (k: number) => { const t = Math.abs(Y[k] / X[k]); return t > 0 && t < 2 ** 60 ? 1 : 0; };
    const perVector = [0, 0, 0];
    for (let k = 0; k < Y.length; k += 2) perVector[fast(k) + fast(k + 1)]++;
    for (const n of perVector) expect(n).toBeGreaterThan(1_000);
    for (const id of ['tiny', -1, 0, 1, 2, 3]) {
      for (const s of ['x>0', 'x<0']) expect(counts.get(`id ${id}, ${s}`) ?? 0).toBeGreaterThan(id === 'tiny' || id === -1 ? 10_000 : 1_000);
    }
    expectBitIdentical(Y, X);
  });

  const boundaries: Array<[string, number]> = [
    ['2^-27', 2 ** -27], ['7/16', 7 / 16], ['11/16', 11 / 16], ['19/16', 19 / 16], ['39/16', 39 / 16],
    ['2^60', 2 ** 60], ['2^61', 2 ** 61], ['2^62', 2 ** 62], ['2^-60', 2 ** -60], ['2^-61', 2 ** -61], ['2^-62', 2 ** -62],
    ['2^-58', 2 ** -58], ['2^-59', 2 ** -59],
    ['2^66', 2 ** 66],
  ];
  it.each(boundaries)('around the boundary |y/x| = %s', (_, b) => {
    const [Y, X] = nearRatio(b, Math.round(Math.log2(b) * 1000) + 77);
    const branches = new Set(Array.from(Y, (y, k) => branch(y, X[k])));
    // past 2^62 every pair is k > 60 (fdlibm's atan cut at 2^66 is not reached from atan2)
    if (b >= 2 ** 62) expect([...branches]).toEqual(['k>60']);
    else expect(branches.size).toBeGreaterThan(1);
    expectBitIdentical(Y, X);
  });

  it('at x = 1 and x = -1 exactly (fdlibm returns atan(y) at x = 1)', () => {
    for (const [seed, make] of [[0x5eed3, randomBits], [0x5eed4, closeExponents]] as const) {
      const [Y] = make(200_000, seed);
      expectBitIdentical(Y, new Float64Array(Y.length).fill(1));
      expectBitIdentical(Y, new Float64Array(Y.length).fill(-1));
    }
    const big = Float64Array.from({ length: 200 }, (_, k) => 2 ** (58 + k / 20) * (k & 1 ? -1 : 1));
    expectBitIdentical(big, new Float64Array(big.length).fill(1));
  });

  it('on the erf dual\'s domain: x ≥ 0 with +0 and +Infinity, y of any sign with ±0 and ±Infinity', () => {
    const [Y, X] = closeExponents(200_000, 0x5eed5);
    for (let k = 0; k < X.length; k++) {
      X[k] = k % 7 === 3 ? 0 : k % 11 === 5 ? Infinity : Math.abs(X[k]);
      if (k % 13 === 1) Y[k] = [0, -0, Infinity, -Infinity][(k / 13) & 3];
    }
    expectBitIdentical(Y, X);
  });

  it('on every pair of special values', () => {
    const S = [0, -0, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE,
      1, -1, 2 ** -1022, -(2 ** -1022), 2 ** -27, -0.5, 3];
    const Y = new Float64Array(S.length ** 2), X = new Float64Array(S.length ** 2);
    S.forEach((y, a) => S.forEach((x, b) => { Y[a * S.length + b] = y; X[a * S.length + b] = x; }));
    expectBitIdentical(Y, X);
  });
});

describe('matchesMathAtan2 (the wasm kernel takes erf layers only where it holds)', () => {
  it('holds on this runtime, whose Math.atan2 the tests above match bit for bit, and fails for an atan2 one ulp off anywhere in its probe', async () => {
    const { matchesMathAtan2, atan2Probe } = await import('../../src/ntk/wasm-atan2.ts');
    expect(matchesMathAtan2()).toBe(true);
    expect(atan2Probe(Math.atan2)).toBe(true);
    const ulpUp = (v: number) => { const b = new Float64Array([v]); new BigInt64Array(b.buffer)[0] += 1n; return b[0]; };
    // one ulp off on one range of fdlibm's each (and on x = 0, x = ±Infinity), or only zero's sign
    const ranges: Array<(y: number, x: number) => boolean> = [
      (y, x) => Math.abs(y / x) < 7 / 16, (y, x) => Math.abs(y / x) >= 7 / 16 && Math.abs(y / x) < 11 / 16,
      (y, x) => Math.abs(y / x) >= 11 / 16 && Math.abs(y / x) < 19 / 16, (y, x) => Math.abs(y / x) >= 19 / 16 && Math.abs(y / x) < 39 / 16,
      (y, x) => Math.abs(y / x) >= 39 / 16 && Number.isFinite(x) && x !== 0, (_y, x) => x === 0, (_y, x) => !Number.isFinite(x),
    ];
    for (const off of ranges) expect(atan2Probe((y, x) => (off(y, x) ? ulpUp(Math.atan2(y, x)) : Math.atan2(y, x)))).toBe(false);
  });
});
