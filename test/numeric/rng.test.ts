import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, seedSequenceWords, zigguratTables, ZIGGURAT_R } from '../../src/numeric/index.ts';
import { erfc, normalCdf, normalQuantile, chiSquareUpperQuantile } from '../../src/numeric/index.ts';
import { chiSquareTest, correlation, ksTest, moments } from '../../src/numeric/index.ts';

// Every statistical check below rejects at level ALPHA (two-sided where it matters); the seeds
// are fixed, so the tests are deterministic, and a failure means a real defect with odds 1 − ALPHA.
const ALPHA = 1e-6;
const Z = normalQuantile(1 - ALPHA / 2); // ≈ 4.89

/** |estimate − expected| ≤ Z·stderr, with the figures in the failure message. */
function expectWithinZ(name: string, estimate: number, expected: number, stderr: number) {
  const z = Math.abs(estimate - expected) / stderr;
  expect(z, `${name}: estimate ${estimate}, expected ${expected}, stderr ${stderr.toExponential(3)}, |z| = ${z.toFixed(2)} > ${Z.toFixed(2)}`).toBeLessThanOrEqual(Z);
}

/** xoshiro128** exactly as in the reference C code, for cross-checking the inlined versions. */
function referenceXoshiro128ss(state: number[], count: number): number[] {
  const s = Uint32Array.from(state);
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0);
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = rotl(s[3], 11);
  }
  return out;
}

describe('seeding and determinism', () => {
  it('hashes seeds exactly like NumPy SeedSequence(...).generate_state(4)', () => {
    // Values printed by NumPy 2.4: SeedSequence(42), SeedSequence(42, spawn_key=(3,)), SeedSequence(2**70 + 5).
    expect(Array.from(seedSequenceWords(42))).toEqual([3444837047, 2669555309, 2046530742, 3581440988]);
    expect(Array.from(seedSequenceWords(42, [3]))).toEqual([3276785861, 872644253, 1208066006, 3985109429]);
    expect(Array.from(seedSequenceWords(2n ** 70n + 5n))).toEqual([4017225302, 169096299, 2618547816, 1818267758]);
  });

  it('nextUint32, fillUniform and fillNormal follow reference xoshiro128**', () => {
    const ref = referenceXoshiro128ss([1, 2, 3, 4], 1000);
    expect(ref[0]).toBe(11520);
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 1000 }, () => rng.nextUint32())).toEqual(ref);
    const u = Rng.fromState([1, 2, 3, 4]).fillUniform(new Float64Array(500));
    for (let i = 0; i < 500; i++) {
      expect(u[i]).toBe(((ref[2 * i] >>> 5) * 67108864 + (ref[2 * i + 1] >>> 6)) / 2 ** 53);
    }
  });

  it('same seed gives the same stream; normal() and fillNormal agree draw for draw', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 3000 }), (seed, n) => {
        const a = new Rng(seed), b = new Rng(BigInt(seed));
        const xa = a.fillNormal(new Float64Array(n));
        const xb = Float64Array.from({ length: n }, () => b.normal());
        expect(xb).toEqual(xa);
        expect(a.uniform()).toBe(b.uniform());
        expect(a.int(1000)).toBe(b.int(1000));
      }),
      { numRuns: 50 },
    );
    expect(new Rng(1).uniform()).not.toBe(new Rng(2).uniform());
  });

  it('getState/fromState resumes the stream; clone continues identically', () => {
    const a = new Rng(9);
    a.fillNormal(new Float64Array(123));
    const b = Rng.fromState(a.getState());
    const c = a.clone();
    const xa = a.fillNormal(new Float64Array(1000));
    expect(b.fillNormal(new Float64Array(1000))).toEqual(xa);
    expect(c.fillNormal(new Float64Array(1000))).toEqual(xa);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all-zero/);
  });

  it('split children depend only on seed and split index, not on parent draws', () => {
    const p1 = new Rng(2024), p2 = new Rng(2024);
    p2.fillNormal(new Float64Array(777));
    const c1 = p1.split(), c2 = p2.split();
    expect(c1.fillUniform(new Float64Array(100))).toEqual(c2.fillUniform(new Float64Array(100)));
    const d1 = p1.split(), d2 = p2.split();
    expect(d1.uniform()).toBe(d2.uniform());
    expect(d1.getState()).not.toEqual(c1.getState());
    expect(c1.split().getState()).toEqual(c2.split().getState());
    // A child stream is NumPy's spawn: SeedSequence(2024, spawn_key=(0,)).
    expect(new Rng(2024).split().getState()).toEqual(seedSequenceWords(2024, [0]));
  });

  it('rejects invalid seeds and ranges', () => {
    expect(() => new Rng(-1)).toThrow(/non-negative/);
    expect(() => new Rng(1.5)).toThrow(/safe integer/);
    expect(() => new Rng(0).int(0)).toThrow(/positive/);
  });
});

describe('uniform()', () => {
  const n = 1 << 20;
  const u = new Rng(11).fillUniform(new Float64Array(n));

  it('has mean 1/2 and variance 1/12, within Monte Carlo error', () => {
    const m = moments(u);
    expectWithinZ('mean', m.mean, 0.5, Math.sqrt(1 / 12 / n));
    // Var of the sample variance of U(0,1): (μ4 − σ⁴)/n with μ4 = 1/80.
    expectWithinZ('variance', m.variance, 1 / 12, Math.sqrt((1 / 80 - 1 / 144) / n));
    expect(Math.min(...u.subarray(0, 1000))).toBeGreaterThanOrEqual(0);
  });

  it('passes a 256-bin chi-square and a KS test', () => {
    const bins = 256, counts = new Float64Array(bins);
    for (const x of u) counts[Math.floor(x * bins)]++;
    const chi = chiSquareTest(counts, new Float64Array(bins).fill(n / bins));
    const threshold = chiSquareUpperQuantile(ALPHA, chi.degreesOfFreedom);
    expect(chi.statistic, `chi2 = ${chi.statistic} > ${threshold} (df ${chi.degreesOfFreedom})`).toBeLessThan(threshold);
    const ks = ksTest(u.subarray(0, 200_000), (x) => Math.min(1, Math.max(0, x)));
    expect(ks.pValue, `KS √n·D = ${ks.scaled}, p = ${ks.pValue} < ${ALPHA}`).toBeGreaterThan(ALPHA);
  });

  it('has no lag-1 serial correlation', () => {
    const r = correlation(u.subarray(0, n - 1), u.subarray(1));
    expectWithinZ('lag-1 correlation', r, 0, 1 / Math.sqrt(n - 1));
  });

  it('int(n) is uniform on [0, n), also for n above 2^32', () => {
    const rng = new Rng(5), k = 7, draws = 700_000, counts = new Float64Array(k);
    for (let i = 0; i < draws; i++) counts[rng.int(k)]++;
    const chi = chiSquareTest(counts, new Float64Array(k).fill(draws / k));
    const threshold = chiSquareUpperQuantile(ALPHA, k - 1);
    expect(chi.statistic, `chi2 = ${chi.statistic} > ${threshold}`).toBeLessThan(threshold);
    const big = 3 * 2 ** 32 + 1;
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = rng.int(big);
      expect(Number.isInteger(v) && v >= 0 && v < big).toBe(true);
      sum += v;
    }
    expectWithinZ('mean of int(3·2^32+1)', sum / 100_000, (big - 1) / 2, big / Math.sqrt(12 * 100_000));
  });
});

describe('normal() by ziggurat', () => {
  const n = 2_000_000;
  const x = new Rng(31337).fillNormal(new Float64Array(n));

  it('layer tables: every layer (and the base strip with its tail) has the same area', () => {
    // Layer i is [0, x_i] × [f(x_i), f(x_{i−1})] for f(x) = e^{−x²/2}, x_0 = 0; the base strip is
    // [0, r] × [0, f(r)] plus the tail beyond r. Statistical tests cannot see a table defect of a few
    // percent in one thin layer with affordable sample sizes, so the tables are checked exactly.
    const { k, w, f } = zigguratTables();
    const r = ZIGGURAT_R, m52 = 2 ** 52;
    const area = r * Math.exp(-r * r / 2) + Math.sqrt(Math.PI / 2) * erfc(r / Math.SQRT2);
    let worst = 0;
    for (let i = 1; i < 256; i++) {
      const xi = w[i] * m52;
      expect(f[i]).toBeCloseTo(Math.exp(-xi * xi / 2), 15);
      worst = Math.max(worst, Math.abs(xi * (f[i - 1] - f[i]) - area) / area);
      if (i >= 2) expect(k[i]).toBe(Math.floor((w[i - 1] / w[i]) * m52));
    }
    expect(worst, `worst relative layer-area error ${worst}`).toBeLessThan(1e-10);
    expect(w[255] * m52).toBe(r);
    expect(w[0] * m52 * f[255]).toBeCloseTo(area, 15);
    expect(k[0]).toBe(Math.floor((r / (w[0] * m52)) * m52));
    expect(k[1]).toBe(0);
  });

  it('has mean 0, variance 1, skewness 0, excess kurtosis 0 within Monte Carlo error', () => {
    const m = moments(x);
    expectWithinZ('mean', m.mean, 0, Math.sqrt(1 / n));
    expectWithinZ('variance', m.variance, 1, Math.sqrt(2 / n));
    expectWithinZ('skewness', m.skewness, 0, Math.sqrt(6 / n));
    expectWithinZ('excess kurtosis', m.excessKurtosis, 0, Math.sqrt(24 / n));
  });

  it('passes KS against normalCdf', () => {
    const ks = ksTest(x.subarray(0, 500_000), normalCdf);
    expect(ks.pValue, `KS √n·D = ${ks.scaled.toFixed(4)}, p = ${ks.pValue} < ${ALPHA}`).toBeGreaterThan(ALPHA);
  });

  it('passes a chi-square on bins cut at the ziggurat layer edges and in the tail', () => {
    const { w } = zigguratTables();
    const layerEdges = Array.from({ length: 255 }, (_, i) => w[i + 1] * 2 ** 52);
    const positive = [0, ...layerEdges, 4.0, 4.5, Infinity];
    // Merge neighbouring cells until each expects ≥ 50 draws (chi-square validity).
    const edges: number[] = [0];
    for (let i = 1; i < positive.length; i++) {
      const last = edges[edges.length - 1];
      if (n * (normalCdf(positive[i]) - normalCdf(last)) >= 50 || i === positive.length - 1) edges.push(positive[i]);
    }
    const all = [...edges.slice(1).reverse().map((e) => -e), ...edges];
    const cells = all.length - 1;
    const expected = new Float64Array(cells), observed = new Float64Array(cells);
    for (let c = 0; c < cells; c++) {
      expected[c] = n * (all[c + 1] <= 0 ? normalCdf(all[c + 1]) - normalCdf(all[c]) : erfc(all[c] / Math.SQRT2) / 2 - erfc(all[c + 1] / Math.SQRT2) / 2);
    }
    for (const v of x) {
      let lo = 0, hi = cells; // binary search for the cell with all[c] ≤ v < all[c+1]
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (v < all[mid]) hi = mid; else lo = mid;
      }
      observed[lo]++;
    }
    const chi = chiSquareTest(observed, expected);
    const threshold = chiSquareUpperQuantile(ALPHA, chi.degreesOfFreedom);
    expect(chi.statistic, `chi2 = ${chi.statistic.toFixed(1)} > ${threshold.toFixed(1)} (df ${chi.degreesOfFreedom})`).toBeLessThan(threshold);
  });

  it('puts the right mass beyond the base strip r = 3.654 (the exact-tail path)', () => {
    let beyond = 0;
    for (const v of x) if (Math.abs(v) > ZIGGURAT_R) beyond++;
    const p = erfc(ZIGGURAT_R / Math.SQRT2);
    expectWithinZ('P(|x| > r)', beyond / n, p, Math.sqrt(p * (1 - p) / n));
  });

  it('fillNormalDot writes the draws of fillNormal into its range and returns their dot product, summed in order', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 5 }), (seed, n, offset) => {
        const v = new Rng(seed + 1).fillUniform(new Float64Array(n), -1, 1);
        const a = new Rng(seed), b = new Rng(seed);
        const out = new Float64Array(offset + n + 3).fill(7);
        const dot = a.fillNormalDot(out, offset, v);
        const ref = b.fillNormal(new Float64Array(n));
        let sum = 0;
        for (let j = 0; j < n; j++) {
          expect(out[offset + j]).toBe(ref[j]);
          sum += ref[j] * v[j];
        }
        expect(dot).toBe(sum);
        expect(Array.from(out.subarray(0, offset))).toEqual(Array(offset).fill(7));
        expect(Array.from(out.subarray(offset + n))).toEqual([7, 7, 7]);
        expect(a.getState()).toEqual(b.getState());
      }),
      { numRuns: 40 },
    );
    expect(() => new Rng(1).fillNormalDot(new Float64Array(4), 2, new Float64Array(3))).toThrow(/not inside out/);
    expect(() => new Rng(1).fillNormalDot(new Float64Array(4), -1, new Float64Array(1))).toThrow(/not inside out/);
  });

  it('fillNormal(out, mean, std) is mean + std·z of the same stream', () => {
    const z = new Rng(3).fillNormal(new Float64Array(100));
    const y = new Rng(3).fillNormal(new Float64Array(100), 2, 0.5);
    for (let i = 0; i < 100; i++) expect(y[i]).toBeCloseTo(2 + 0.5 * z[i], 14);
  });
});

describe('split streams', () => {
  it('are uncorrelated: √n·r within the Bonferroni-corrected normal quantile, pairwise', () => {
    const n = 200_000, parent = new Rng(99);
    const streams = [parent, ...parent.splitMany(7), parent.split().split()];
    const samples = streams.map((s) => s.fillNormal(new Float64Array(n)));
    const pairs = (samples.length * (samples.length - 1)) / 2;
    const zPair = normalQuantile(1 - ALPHA / (2 * pairs));
    let worst = 0;
    for (let i = 0; i < samples.length; i++) {
      for (let j = i + 1; j < samples.length; j++) {
        worst = Math.max(worst, Math.abs(correlation(samples[i], samples[j])) * Math.sqrt(n));
      }
    }
    expect(worst, `max √n·|r| over ${pairs} pairs = ${worst.toFixed(3)} > ${zPair.toFixed(3)}`).toBeLessThan(zPair);
  });

  it('sibling streams seeded 0..k share no values (no overlapping sequences)', () => {
    const words = new Set<number>();
    const parent = new Rng(0);
    let total = 0;
    for (const s of parent.splitMany(16)) {
      for (let i = 0; i < 20_000; i++) { words.add(s.nextUint32() * 4294967296 + s.nextUint32()); total++; }
    }
    // 64-bit pairs: a collision among 3.2e5 random values has probability ~3e-9.
    expect(words.size).toBe(total);
  });
});
