// The bench harness's own pieces: medians, the element-wise check, the Python environment
// (OPENBLAS tuning unset, thread counts set), and compare()'s interleaving and ratio.
import { describe, expect, it } from 'vitest';
import { checkClose, compare, median, pythonEnv } from './harness.ts';

describe('bench harness', () => {
  it('median of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('checkClose passes within the tolerance and throws naming the element beyond it', () => {
    expect(checkClose('x', [1, 2, 3], [1, 2, 3 + 1e-13], { rel: 1e-12 })).toMatch(/all 3 elements agree/);
    expect(() => checkClose('x', [1, 2, 3], [1, 2.001, 3], { rel: 1e-6 })).toThrow(/element 1 differs/);
    expect(() => checkClose('x', [1, 2], [1, 2, 3], { rel: 1 })).toThrow(/2 elements, the baseline 3/);
    expect(() => checkClose('x', [NaN], [1], { rel: 1 })).toThrow(/element 0/);
  });

  it('pythonEnv unsets the OPENBLAS tuning variables and sets the thread counts', () => {
    const saved = { ...process.env };
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    process.env.OPENBLAS_L2_SIZE = '512';
    try {
      const env = pythonEnv(2);
      expect(env.OPENBLAS_CORETYPE).toBeUndefined();
      expect(env.OPENBLAS_L2_SIZE).toBeUndefined();
      expect(env.OPENBLAS_NUM_THREADS).toBe('2');
      expect(env.OMP_NUM_THREADS).toBe('2');
    } finally {
      process.env = saved;
    }
  });

  it('compare alternates the order, takes the median of per-round ratios and checks outputs', async () => {
    const order: string[] = [];
    let k = 0;
    const r = await compare({
      title: 'harness self-test', rounds: 4, warmup: 0,
      ours: { label: 'a', threads: 1, selfTimed: true, run: () => { order.push('a'); return { output: 1, seconds: 1 }; } },
      baseline: { label: 'b', threads: 1, selfTimed: true, run: () => { order.push('b'); k++; return { output: 1, seconds: [2, 2, 4, 8, 16][k - 1] }; } },
      check: (x, y) => { if (x !== y) throw new Error('differ'); return 'same'; },
      goal: 3,
    });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(r.ours.cold).toBe(1);
    expect(r.baseline.cold).toBe(2);
    expect(r.ratio).toBe(6); // rounds' ratios 2, 4, 8, 16
    expect(r.met).toBe(true);
    await expect(compare({
      title: 'mismatch', rounds: 1, warmup: 0,
      ours: { label: 'a', threads: 1, run: () => 1 }, baseline: { label: 'b', threads: 1, run: () => 2 },
      check: (x, y) => { if (x !== y) throw new Error('outputs differ'); return 'same'; },
    })).rejects.toThrow(/outputs differ/);
  });
});
