// GanKernel.matrix's Gram path for kernels of dot and sqdist only (the RBF): computed on the
// upper block triangle and mirrored, bit-identical to the full pairwise evaluation; kernels
// that read |x|² or |s|² keep the full evaluation (their k(x, s) need not be symmetric).
import { describe, expect, it } from 'vitest';
import { GanKernel, rbfKernel } from '../../src/ntk/index.ts';
import { compilePairwise } from '../../src/compile/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { call, mul, neg, sym } from '../../src/symbolic/index.ts';

function rows(n: number, d: number, seed: number): { data: Float64Array; rows: number; cols: number } {
  const data = new Float64Array(n * d);
  new Rng(seed).fillNormal(data);
  return { data, rows: n, cols: d };
}

/** Index of the first entry whose bits differ (Object.is), or −1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('GanKernel.matrix: symmetric Gram of a dot/sqdist kernel', () => {
  it.each([[1, 2], [63, 2], [64, 3], [150, 2], [200, 5]])('N = %i, d = %i: the same bits as every pair evaluated', (n, d) => {
    const k = rbfKernel(d, 0.7);
    const X = rows(n, d, n + d);
    const full = compilePairwise(k.expr, { d, backend: 'f64', precision: 'f64' }).run(X.data, X.data) as Float64Array;
    const g = k.matrix(X);
    expect(g.rows).toBe(n);
    expect(g.cols).toBe(n);
    const at = firstDifference(g.data, full);
    expect(at, at < 0 ? '' : `entry (${Math.floor(at / n)}, ${at % n}): ${g.data[at]} vs ${full[at]}`).toBe(-1);
    // and exactly symmetric, with k(x, x) = 1
    for (let i = 0; i < n; i++) {
      expect(g.data[i * n + i]).toBe(1);
      for (let j = 0; j < i; j++) expect(g.data[i * n + j]).toBe(g.data[j * n + i]);
    }
  });

  it('a kernel reading |x|² keeps the full evaluation (k(x, s) ≠ k(s, x) there)', () => {
    const d = 2;
    const k = new GanKernel('exp(-sqdist)·nx2', 'rbf', d, mul(call('exp', neg(sym('sqdist'))), sym('nx2')));
    const X = rows(70, d, 5);
    const g = k.matrix(X);
    const full = compilePairwise(k.expr, { d, backend: 'f64', precision: 'f64' }).run(X.data, X.data) as Float64Array;
    expect(firstDifference(g.data, full)).toBe(-1);
    expect(g.data[1]).not.toBe(g.data[70]);
  });
});
