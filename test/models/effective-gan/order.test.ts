// docs/effective-dynamics.md C.1: the order parameters of the authors' notebook.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { orderParameters, makeTargets, mnistImages, MNIST_MEAN, MNIST_STD } from '../../../src/models/effective-gan/index.ts';

const mat = (rows: number[][]) => ({ data: Float64Array.from(rows.flat()), rows: rows.length, cols: rows[0].length });

describe('order parameters', () => {
  const modes = mat([[0, 0], [1, 0], [0, 1], [1, 1]]);
  it('full coverage gives diversity 0 (up to the 1e-8 of the formula), total collapse log M', () => {
    const cover = orderParameters(mat([[0, 0], [1, 0], [0, 1], [1, 1]]), modes, 'euclidean');
    expect(Math.abs(cover.diversity)).toBeLessThan(1e-7);
    expect(cover.covered).toBe(4);
    expect(cover.quality).toBe(0);
    const col = orderParameters(mat([[0.1, 0], [0, 0.1], [0.05, 0.05]]), modes, 'euclidean');
    expect(col.diversity).toBeCloseTo(Math.log(4), 7);
    expect(col.collapse).toBeCloseTo(1, 7);
    expect(col.covered).toBe(1);
  });

  it('equals log M + Σ p log(p + 1e-8) for any assignment (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }), (assign) => {
      const X = mat(assign.map((m) => [modes.data[2 * m] + 0.01, modes.data[2 * m + 1] - 0.01]));
      const o = orderParameters(X, modes, 'euclidean');
      const p = [0, 1, 2, 3].map((m) => assign.filter((a) => a === m).length / assign.length);
      const want = Math.log(4) + p.reduce((s, q) => s + q * Math.log(q + 1e-8), 0);
      expect(o.diversity).toBeCloseTo(want, 12);
      expect(o.quality).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    }), { numRuns: 50 });
  });

  it('cosine assignment ignores the norm (high-dimensional form)', () => {
    const o = orderParameters(mat([[5, 0.1], [0.2, 9]]), mat([[1, 0], [0, 1]]), 'cosine');
    expect(o.covered).toBe(2);
    expect(o.quality).toBeCloseTo(((1 - 5 / Math.hypot(5, 0.1)) + (1 - 9 / Math.hypot(0.2, 9))) / 2, 12);
  });
});

describe('targets', () => {
  it('ring8 / grid25: balanced modes, noise of --mode-std, same seed same bytes', () => {
    const a = makeTargets('ring8', 16, 0, 1), b = makeTargets('grid25', 50, 0.05, 2), c = makeTargets('grid25', 50, 0.05, 2);
    expect(a.modes.rows).toBe(8);
    expect(Array.from(a.points.data.slice(0, 16))).toEqual(Array.from(a.modes.data));
    expect(b.modes.rows).toBe(25);
    expect(Array.from(b.points.data)).toEqual(Array.from(c.points.data));
  });

  it('mnist: M normalised 784-vectors from the shipped package, digits m mod 10, seeded', () => {
    const X = mnistImages(20, 1);
    expect(X.cols).toBe(784);
    expect(X.rows).toBe(20);
    let lo = Infinity, hi = -Infinity;
    for (const v of X.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBeCloseTo((0 - MNIST_MEAN) / MNIST_STD, 10); // background pixels
    expect(hi).toBeLessThanOrEqual((1 - MNIST_MEAN) / MNIST_STD + 1e-12);
    expect(hi).toBeGreaterThan(2);
    expect(Array.from(mnistImages(20, 1).data)).toEqual(Array.from(X.data));
    expect(Array.from(mnistImages(20, 2).data)).not.toEqual(Array.from(X.data));
  });
});
