// The Gaussian theorem checks (proofs/isserlis.ts, stein.ts, price.ts) at fast settings.
import { describe, it, expect } from 'vitest';
import katex from 'katex';
import type { Theorem } from '../../src/core/index.ts';
import { theorem as isserlis } from '../../proofs/isserlis.ts';
import { theorem as stein } from '../../proofs/stein.ts';
import { theorem as price } from '../../proofs/price.ts';

const THEOREMS: Theorem[] = [isserlis, stein, price];

describe.each(THEOREMS.map((t) => [t.id, t] as const))('theorem %s', (id, theorem) => {
  it('has a KaTeX-valid statement, a source and hypotheses', () => {
    expect(theorem.id).toBe(id);
    expect(() => katex.renderToString(theorem.statement, { throwOnError: true, displayMode: true })).not.toThrow();
    expect(theorem.source.length).toBeGreaterThan(10);
    expect(theorem.hypotheses.length).toBeGreaterThan(0);
  });

  it('passes its check (seeded, effort 0.25), and the same seed gives the same figures', async () => {
    const v = await theorem.check({ seed: 11, effort: 0.25 });
    const report = v.figures.map((f) => `${f.name}: ${f.value}${f.tolerance !== undefined ? ` (tolerance ${f.tolerance})` : ''}${f.note ? ` — ${f.note}` : ''}`).join('\n');
    expect(v.passed, `${v.summary}\n${report}`).toBe(true);
    expect(v.id).toBe(id);
    for (const f of v.figures) if (f.tolerance !== undefined) expect(f.value, f.name).toBeLessThanOrEqual(f.tolerance);
    const again = await theorem.check({ seed: 11, effort: 0.25 });
    expect(again.figures.map((f) => f.value)).toEqual(v.figures.map((f) => f.value));
  });
});
