// Every registered theorem: a unique id, a statement KaTeX renders, hypotheses and a source;
// the fast ones pass their check (the slow solvable-GAN ones are exercised by their own tests).
import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { theorems } from '../proofs/index.ts';

describe('proofs/ registry', () => {
  it('ids are unique and every statement renders in KaTeX', () => {
    expect(new Set(theorems.map((t) => t.id)).size).toBe(theorems.length);
    for (const t of theorems) {
      expect(() => katex.renderToString(t.statement, { throwOnError: true, displayMode: true }), t.id).not.toThrow();
      expect(t.hypotheses.length, t.id).toBeGreaterThan(0);
      expect(t.source.length, t.id).toBeGreaterThan(0);
    }
  });

  for (const id of ['ntk-width-rate', 'ipm-mmd-flow']) {
    it(`${id} passes its check and the same seed gives the same figures`, async () => {
      const t = theorems.find((x) => x.id === id)!;
      const a = await t.check({ seed: 1, effort: 0.5 });
      const b = await t.check({ seed: 1, effort: 0.5 });
      expect(a.passed, a.summary).toBe(true);
      expect(a.figures.map((f) => f.value)).toEqual(b.figures.map((f) => f.value));
    });
  }
});
