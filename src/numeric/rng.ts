// Seeded, splittable random numbers in f64.
//
// Generator: xoshiro128** (Blackman & Vigna), 128-bit state, 32-bit outputs,
// written with Math.imul so that V8 keeps everything in 32-bit registers.
// Seeding and splitting: a port of NumPy's SeedSequence hash (32-bit words), so a
// child stream depends only on the seed and its spawn path, never on how many
// numbers the parent has drawn. Normals: the 256-layer ziggurat of Marsaglia &
// Tsang with Doornik's fix (layer index and abscissa from independent bits),
// laid out as in NumPy: 8 bits layer, 1 bit sign, 52 bits abscissa.

import { ArgumentError } from '../core/index.ts';

const TWO_POW_32 = 4294967296;
const TWO_POW_M53 = 1 / 9007199254740992;

// ---------------------------------------------------------------- SeedSequence

const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

/** Splits a non-negative integer seed into little-endian 32-bit words. */
function seedWords(seed: number | bigint): number[] {
  let s: bigint;
  if (typeof seed === 'bigint') s = seed;
  else {
    if (!Number.isSafeInteger(seed)) {
      throw new ArgumentError(`Rng seed must be a safe integer or a bigint, got ${seed}`);
    }
    s = BigInt(seed);
  }
  if (s < 0n) throw new ArgumentError(`Rng seed must be non-negative, got ${s}`);
  const words: number[] = [];
  do {
    words.push(Number(s & 0xffffffffn));
    s >>= 32n;
  } while (s > 0n);
  return words;
}

/** NumPy SeedSequence: entropy words (+ spawn key) → `nWords` well-mixed state words. */
function seedSequenceState(entropy: number[], spawnKey: number[], nWords: number): Uint32Array {
  const words = entropy.slice();
  if (spawnKey.length > 0) {
    while (words.length < POOL_SIZE) words.push(0);
    words.push(...spawnKey);
  }
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool = new Uint32Array(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < words.length ? words[i] : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  for (let src = POOL_SIZE; src < words.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(words[src]));
  }
  const state = new Uint32Array(nWords);
  let hc = INIT_B;
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % POOL_SIZE] ^ hc) >>> 0;
    hc = Math.imul(hc, MULT_B) >>> 0;
    v = Math.imul(v, hc) >>> 0;
    state[i] = (v ^ (v >>> 16)) >>> 0;
  }
  return state;
}

/** Exposed for tests: the 32-bit words NumPy's `SeedSequence(seed, spawn_key).generate_state(n)` gives. */
export function seedSequenceWords(seed: number | bigint, spawnKey: number[] = [], nWords = 4): Uint32Array {
  return seedSequenceState(seedWords(seed), spawnKey, nWords);
}

// ---------------------------------------------------------------- ziggurat tables

/** Right edge of the base layer of the 256-layer normal ziggurat. */
export const ZIGGURAT_R = 3.6541528853610088;
const ZIGGURAT_INV_R = 1 / ZIGGURAT_R;

/** Layer tables of an N-layer ziggurat: k (accept thresholds, integers < 2^bits), w (abscissa scale), f (density at edges). */
interface ZigguratTables { k: Float64Array; w: Float64Array; f: Float64Array }

/**
 * The tables of an N-layer normal ziggurat with base-strip edge r, for abscissas of
 * `bits` random bits (Marsaglia & Tsang's construction, laid out as in NumPy).
 */
function buildZigguratTables(N: number, r: number, bits: number): ZigguratTables {
  const k = new Float64Array(N), w = new Float64Array(N), fT = new Float64Array(N);
  const m = 2 ** bits;
  const f = (x: number) => Math.exp(-0.5 * x * x);
  // Area of each layer: the base strip (r·f(r) plus the tail) for f(x) = e^{-x²/2}.
  // ∫_r^∞ e^{-x²/2} dx = √(π/2)·erfc(r/√2); erfc from its continued fraction.
  const z = r / Math.SQRT2;
  let fr = z, C = z, D = 0;
  for (let i = 1; i < 200; i++) {
    D = 1 / (z + (i / 2) * D);
    C = z + i / 2 / C;
    fr *= C * D;
  }
  const tail = Math.sqrt(Math.PI / 2) * Math.exp(-z * z) / (Math.sqrt(Math.PI) * fr);
  const v = r * f(r) + tail;
  let dn = r, tn = r;
  const q = v / f(dn);
  k[0] = Math.floor((dn / q) * m);
  k[1] = 0;
  w[0] = q / m;
  w[N - 1] = dn / m;
  fT[0] = 1;
  fT[N - 1] = f(dn);
  for (let i = N - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(v / dn + f(dn)));
    k[i + 1] = Math.floor((dn / tn) * m);
    tn = dn;
    fT[i] = f(dn);
    w[i] = dn / m;
  }
  return { k, w, f: fT };
}

/** The same tables indexed by layer + N·signBit, so the sign needs no branch. */
function signedTables(t: ZigguratTables): { k: Float64Array; w: Float64Array } {
  const N = t.k.length;
  const k = new Float64Array(2 * N), w = new Float64Array(2 * N);
  for (let i = 0; i < N; i++) {
    k[i] = k[i + N] = t.k[i];
    w[i] = t.w[i];
    w[i + N] = -t.w[i];
  }
  return { k, w };
}

const T256 = buildZigguratTables(256, ZIGGURAT_R, 52);
const kTable = T256.k, wTable = T256.w, fTable = T256.f;
const { k: kSigned, w: wSigned } = signedTables(T256);

// ---------------------------------------------------------------- Rng

/** Scratch of fillNormalFast: the xoshiro state (0-3) and the words of a rejected draw (4-5). */
const fastState = new Int32Array(6);

/**
 * The ziggurat's fast path (~99.3 % of draws) from out[i] on, with the xoshiro128** state in
 * st[0..3]: returns the index of the first draw that needs the slow path (its two words in
 * st[4], st[5], the state already past them) or out.length. Kept apart from the slow path so
 * that the state stays in registers (1.5–1.8× the throughput of one loop with both paths,
 * measured interleaved).
 */
function fillNormalFast(out: Float64Array, i: number, st: Int32Array, mean: number, std: number): number {
  let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
  const k = kSigned, w = wSigned, n = out.length;
  for (; i < n; i++) {
    let m = Math.imul(s1, 5);
    const hi = Math.imul((m << 7) | (m >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const lo = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const layerAndSign = hi & 0x1ff;
    const rabs = (hi >>> 9) * 536870912 + (lo >>> 3);
    if (rabs >= k[layerAndSign]) {
      st[4] = hi; st[5] = lo;
      break;
    }
    out[i] = mean + std * (rabs * w[layerAndSign]);
  }
  st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  return i;
}

/**
 * fillNormalFast for standard normals written to out[off + j], j from `j` to v.length, that
 * also adds Σ out[off + j]·v[j] into dot[0] (the projection costs almost nothing here: the
 * generator keeps the integer units busy and leaves the floating-point ones free).
 */
function fillNormalDotFast(out: Float64Array, off: number, v: Float64Array, j: number, st: Int32Array, dot: Float64Array): number {
  let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
  const k = kSigned, w = wSigned, n = v.length;
  let sum = dot[0];
  for (; j < n; j++) {
    let m = Math.imul(s1, 5);
    const hi = Math.imul((m << 7) | (m >>> 25), 9);
    let t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const lo = Math.imul((m << 7) | (m >>> 25), 9);
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const layerAndSign = hi & 0x1ff;
    const rabs = (hi >>> 9) * 536870912 + (lo >>> 3);
    if (rabs >= k[layerAndSign]) {
      st[4] = hi; st[5] = lo;
      break;
    }
    const x = rabs * w[layerAndSign];
    out[off + j] = x;
    sum += x * v[j];
  }
  st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  dot[0] = sum;
  return j;
}

/** Running sum of fillNormalDotFast. */
const dotScratch = new Float64Array(1);

/**
 * Seeded random number generator. Same seed → same stream, on every platform.
 * `split()` gives independent child streams determined by the seed and the split index.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private readonly entropy: number[];
  private readonly spawnKey: number[];
  private childCount = 0;

  /** `seed`: a non-negative safe integer or bigint; `spawnKey` as NumPy's SeedSequence spawn_key (split() fills it in). */
  constructor(seed: number | bigint, spawnKey: number[] = []) {
    this.entropy = seedWords(seed);
    this.spawnKey = spawnKey.slice();
    const st = seedSequenceState(this.entropy, this.spawnKey, 4);
    this.s0 = st[0] | 0;
    this.s1 = st[1] | 0;
    this.s2 = st[2] | 0;
    this.s3 = st[3] | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // xoshiro's one forbidden state
  }

  /** An independent child stream; the k-th split of a given Rng is always the same stream. */
  split(): Rng {
    const child = Object.create(Rng.prototype) as Rng;
    const key = [...this.spawnKey, this.childCount++];
    const st = seedSequenceState(this.entropy, key, 4);
    Object.assign(child, {
      s0: st[0] | 0, s1: st[1] | 0, s2: st[2] | 0, s3: st[3] | 0,
      entropy: this.entropy, spawnKey: key, childCount: 0,
    });
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    return child;
  }

  /** `n` independent child streams. */
  splitMany(n: number): Rng[] {
    return Array.from({ length: n }, () => this.split());
  }

  /** A copy in the same state: it will produce the same numbers as this one from here on. */
  clone(): Rng {
    const c = Object.create(Rng.prototype) as Rng;
    Object.assign(c, {
      s0: this.s0, s1: this.s1, s2: this.s2, s3: this.s3,
      entropy: this.entropy, spawnKey: this.spawnKey.slice(), childCount: this.childCount,
    });
    return c;
  }

  /** The generator state (four 32-bit words), e.g. to checkpoint a simulation. */
  getState(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /** An Rng that continues from a state saved by `getState()` (its later splits use `seed`). */
  static fromState(state: ArrayLike<number>, seed: number | bigint = 0): Rng {
    if (state.length !== 4) throw new ArgumentError(`Rng.fromState: need 4 words, got ${state.length}`);
    const r = new Rng(seed);
    r.s0 = state[0] | 0; r.s1 = state[1] | 0; r.s2 = state[2] | 0; r.s3 = state[3] | 0;
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) throw new ArgumentError('Rng.fromState: the all-zero state is not allowed');
    return r;
  }

  /** Next raw 32-bit output as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2 ^ s0, s3 = this.s3 ^ s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5, b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) * TWO_POW_M53;
  }

  /** Uniform integer in [0, n), unbiased; n a positive safe integer. */
  int(n: number): number {
    if (!(Number.isSafeInteger(n) && n > 0)) throw new ArgumentError(`Rng.int: n must be a positive safe integer, got ${n}`);
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let r: number;
      do r = this.nextUint32(); while (r >= limit);
      return r % n;
    }
    const limit = 9007199254740992 - (9007199254740992 % n);
    let r: number;
    do {
      r = (this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6);
    } while (r >= limit);
    return r % n;
  }

  /** Fills `out` with uniforms in [lo, hi) (default [0, 1)). */
  fillUniform(out: Float64Array, lo = 0, hi = 1): Float64Array {
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const scale = (hi - lo) * TWO_POW_M53;
    for (let i = 0, n = out.length; i < n; i++) {
      let m = Math.imul(s1, 5);
      const a = Math.imul((m << 7) | (m >>> 25), 9) >>> 5;
      let t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      m = Math.imul(s1, 5);
      const b = Math.imul((m << 7) | (m >>> 25), 9) >>> 6;
      t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = lo + (a * 67108864 + b) * scale;
    }
    this.s0 = s0; this.s1 = s1; this.s2 = s2; this.s3 = s3;
    return out;
  }

  /** One standard normal deviate (ziggurat). */
  normal(): number {
    for (;;) {
      const hi = this.nextUint32(), lo = this.nextUint32();
      const layerAndSign = hi & 0x1ff; // bits 0-7 layer, bit 8 sign
      const rabs = (hi >>> 9) * 536870912 + (lo >>> 3); // 23 + 29 = 52 bits
      const x = rabs * wSigned[layerAndSign];
      if (rabs < kSigned[layerAndSign]) return x;
      const y = this.zigguratSlow(layerAndSign & 0xff, x, lo & 1);
      if (y === y) return y;
    }
  }

  /** Fills `out` with N(mean, std²) deviates. */
  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    const st = fastState;
    st[0] = this.s0; st[1] = this.s1; st[2] = this.s2; st[3] = this.s3;
    const n = out.length;
    let i = 0;
    for (;;) {
      i = fillNormalFast(out, i, st, mean, std);
      if (i === n) break;
      const y = this.slowFromFastState(st);
      if (y === y) out[i++] = mean + std * y;
    }
    this.s0 = st[0]; this.s1 = st[1]; this.s2 = st[2]; this.s3 = st[3];
    return out;
  }

  /**
   * Writes standard normals to out[offset], …, out[offset + v.length − 1] (the same draws as
   * fillNormal on that range) and returns Σ out[offset + j]·v[j], summed in order of j.
   */
  fillNormalDot(out: Float64Array, offset: number, v: Float64Array): number {
    const n = v.length;
    if (!(Number.isInteger(offset) && offset >= 0 && offset + n <= out.length)) {
      throw new ArgumentError(`Rng.fillNormalDot: range [${offset}, ${offset + n}) is not inside out (length ${out.length})`);
    }
    const st = fastState, dot = dotScratch;
    st[0] = this.s0; st[1] = this.s1; st[2] = this.s2; st[3] = this.s3;
    dot[0] = 0;
    let j = 0;
    for (;;) {
      j = fillNormalDotFast(out, offset, v, j, st, dot);
      if (j === n) break;
      const y = this.slowFromFastState(st);
      if (y === y) {
        out[offset + j] = y;
        dot[0] += y * v[j];
        j++;
      }
    }
    this.s0 = st[0]; this.s1 = st[1]; this.s2 = st[2]; this.s3 = st[3];
    return dot[0];
  }

  /**
   * The slow path for the draw a fast loop stopped at (its words in st[4], st[5], the state in
   * st[0..3]), drawing its uniforms from that state and leaving the state there. NaN: draw again.
   */
  private slowFromFastState(st: Int32Array): number {
    this.s0 = st[0]; this.s1 = st[1]; this.s2 = st[2]; this.s3 = st[3];
    const hi = st[4], lo = st[5], layerAndSign = hi & 0x1ff;
    const rabs = (hi >>> 9) * 536870912 + (lo >>> 3);
    const y = this.zigguratSlow(layerAndSign & 0xff, rabs * wSigned[layerAndSign], lo & 1);
    st[0] = this.s0; st[1] = this.s1; st[2] = this.s2; st[3] = this.s3;
    return y;
  }

  /** Ziggurat slow path (~0.7 % of draws): the tail or the wedge test. NaN means "draw again". */
  private zigguratSlow(idx: number, x: number, tailSignBit: number): number {
    if (idx === 0) {
      for (;;) {
        const xx = -ZIGGURAT_INV_R * Math.log1p(-this.uniform());
        const yy = -Math.log1p(-this.uniform());
        if (yy + yy > xx * xx) return tailSignBit ? -(ZIGGURAT_R + xx) : ZIGGURAT_R + xx;
      }
    }
    if ((fTable[idx - 1] - fTable[idx]) * this.uniform() + fTable[idx] < Math.exp(-0.5 * x * x)) return x;
    return NaN;
  }
}

/** Ziggurat layer tables, for tests: `k` accept thresholds, `w` abscissa scales, `f` densities at layer edges. */
export function zigguratTables(): { k: Float64Array; w: Float64Array; f: Float64Array } {
  return { k: kTable.slice(), w: wTable.slice(), f: fTable.slice() };
}

