// The register-tiled matrix products (matmul, matmulTransB, gramRows) against the plain
// loops they replace, bit for bit (Object.is per entry: −0 and NaN included), on seeded
// random shapes: 1×1, odd sizes around the 4×4 tiles, k = 0, exact zeros, ±∞ and NaN.

import { describe, expect, it } from 'vitest';
import { Rng, matmul, matmulTransB, gramRows } from '../../src/numeric/index.ts';

/** The i-p-j loop matmul was before the tiles: out from +0, terms with a[i, p] = 0 skipped. */
function naiveMatmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aip * b[p * n + j];
    }
  }
  return out;
}

/** The dot-product loop: out[i, j] = Σ_p a[i, p]·b[j, p] from +0, every term. */
function naiveTransB(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Entries: normal, with a share of exact ±0 and (when special) ±∞ and NaN. */
function entries(rng: Rng, len: number, special: boolean): Float64Array {
  const x = rng.fillNormal(new Float64Array(len));
  for (let t = 0; t < len; t++) {
    const u = rng.uniform();
    if (u < 0.15) x[t] = u < 0.075 ? 0 : -0;
    else if (special && u < 0.2) x[t] = [Infinity, -Infinity, NaN][rng.int(3)];
  }
  return x;
}

function expectSameBits(got: Float64Array, want: Float64Array): void {
  expect(got.length).toBe(want.length);
  const bad: number[] = [];
  for (let t = 0; t < want.length; t++) if (!Object.is(got[t], want[t])) bad.push(t);
  expect(bad).toEqual([]);
}

const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17];
// k = 128, 129, 300: across matmul's blocks of 128 values of p
const shapes: [number, number, number][] = [[1, 1, 1], [1, 0, 1], [3, 0, 5], [4, 4, 4], [5, 9, 7], [17, 33, 13], [64, 31, 65], [4, 128, 4], [9, 129, 7], [8, 300, 13]];
{
  const rng = new Rng(20261203);
  for (let t = 0; t < 40; t++) shapes.push([sizes[rng.int(sizes.length)] || 1, sizes[rng.int(sizes.length)], sizes[rng.int(sizes.length)] || 1]);
}

describe('matmul (4×4 tiles, i-p-j order, zero terms skipped)', () => {
  it.each(shapes)('is bit-identical to the plain loop, %i×%i·×%i', (m, k, n) => {
    const rng = new Rng(m * 1009 + k * 101 + n);
    for (const special of [false, true]) {
      const a = entries(rng, m * k, special), b = entries(rng, k * n, special);
      expectSameBits(matmul(a, b, m, k, n), naiveMatmul(a, b, m, k, n));
    }
  });

  it('skips 0·∞ and 0·NaN (a zero a[i, p] contributes nothing), but ∞·0 with b = 0 is NaN', () => {
    // 5×2 · 2×5 puts entries both in a tile and on the edges
    const a = new Float64Array(10), b = new Float64Array(10).fill(1);
    b[0] = Infinity; b[1] = NaN; // row p = 0 of b
    for (let i = 0; i < 5; i++) { a[i * 2] = 0; a[i * 2 + 1] = 2; }
    const out = matmul(a, b, 5, 2, 5);
    expect(Array.from(out)).toEqual(new Array(25).fill(2));
    const c = Float64Array.from([Infinity, 1]), z = Float64Array.from([0, 0]);
    expect(matmul(c, z, 1, 2, 1)[0]).toBeNaN();
  });

  it('k = 0 gives zeros, and writes into a given output', () => {
    const out = new Float64Array(6).fill(7);
    expect(Array.from(matmul(new Float64Array(0), new Float64Array(0), 2, 0, 3, out))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => matmul(new Float64Array(4), new Float64Array(4), 2, 2, 2, new Float64Array(3))).toThrow(/output/);
    expect(() => matmul(new Float64Array(4), new Float64Array(5), 2, 2, 2)).toThrow(/shapes/);
  });
});

describe('matmulTransB and gramRows (4×4 tiles, dot-product order)', () => {
  it.each(shapes)('matmulTransB is bit-identical to the dot-product loop, %i×%i·(%i×k)ᵀ', (m, k, n) => {
    const rng = new Rng(m * 7919 + k * 31 + n);
    for (const special of [false, true]) {
      const a = entries(rng, m * k, special), b = entries(rng, n * k, special);
      expectSameBits(matmulTransB(a, b, m, k, n), naiveTransB(a, b, m, k, n));
    }
  });

  it.each(sizes.filter((s) => s > 0).flatMap((m) => [0, 1, 6, 19].map((k) => [m, k])))('gramRows is bit-identical to A·Aᵀ by the loop, m = %i, k = %i', (m, k) => {
    const rng = new Rng(m * 131 + k);
    for (const special of [false, true]) {
      const a = entries(rng, m * k, special);
      expectSameBits(gramRows(a, m, k), naiveTransB(a, a, m, k, m));
    }
  });

  it('keeps 0·∞ = NaN (no zero skipping in the dot-product form)', () => {
    expect(matmulTransB(Float64Array.from([0, 1]), Float64Array.from([Infinity, 1]), 1, 2, 1)[0]).toBeNaN();
    expect(() => matmulTransB(new Float64Array(3), new Float64Array(4), 2, 2, 2)).toThrow(/shapes/);
  });
});
