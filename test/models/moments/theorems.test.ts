import { describe, expect, it } from 'vitest';
import { moments } from '../../../src/models/index.ts';

describe('moments theorems (reduced effort)', () => {
  it('moments-recovery-rate passes with 2 trials per size', async () => {
    const t = moments.theorems.find((x) => x.id === 'moments-recovery-rate')!;
    const v = await t.check({ seed: 2, effort: 0.5 });
    expect(v.passed, v.summary).toBe(true);
  });

  for (const id of ['moments-formulas-monte-carlo', 'moments-distance-is-ipm']) {
    it(`${id} passes; the same seed gives the same figures`, async () => {
      const t = moments.theorems.find((x) => x.id === id)!;
      const a = await t.check({ seed: 2, effort: 0.3 });
      const b = await t.check({ seed: 2, effort: 0.3 });
      expect(a.passed, a.summary).toBe(true);
      expect(a.figures.map((f) => f.value)).toEqual(b.figures.map((f) => f.value));
    });
  }
});
