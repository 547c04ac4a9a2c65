// The three theorems of the effective-gan theory: they pass, their statements render,
// the same seed gives the same figures; `gandyn verify` lists them.
import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { effectiveGan } from '../../../src/models/index.ts';
import { theoremsOf } from '../../../src/models/index.ts';

describe('effective-gan theorems', () => {
  it('are registered', () => {
    const ids = theoremsOf().map((t) => t.id);
    for (const t of effectiveGan.theorems) expect(ids).toContain(t.id);
    expect(effectiveGan.theorems.map((t) => t.id)).toEqual(['effective-gan-kernel-concentration', 'effective-gan-eigenmodes', 'effective-gan-critical-damping']);
  });

  for (const t of effectiveGan.theorems) {
    it(`${t.id}: passes, renders, deterministic`, async () => {
      expect(() => katex.renderToString(t.statement, { throwOnError: true, displayMode: true })).not.toThrow();
      const a = await t.check({ seed: 1 }), b = await t.check({ seed: 1 });
      expect(a.passed, a.summary).toBe(true);
      expect(a.figures.map((f) => f.value)).toEqual(b.figures.map((f) => f.value));
      for (const f of a.figures) if (f.tolerance !== undefined && !f.name.startsWith('slope') && !f.name.startsWith('spread')) expect(Math.abs(f.value), f.name).toBeLessThanOrEqual(f.tolerance);
    }, 60_000);
  }
});
