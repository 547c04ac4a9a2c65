import { describe, expect, it } from 'vitest';
import katex from 'katex';
import { approximabilityTheorems, boundFigures } from '../../../src/models/approximability/index.ts';
import { theoremsOf } from '../../../src/models/index.ts';

describe('approximability theorems', () => {
  it('are in the registry, with statements KaTeX renders', () => {
    const ids = new Set(theoremsOf().map((t) => t.id));
    for (const t of approximabilityTheorems) {
      expect(ids.has(t.id), t.id).toBe(true);
      expect(() => katex.renderToString(t.statement, { throwOnError: true, displayMode: true }), t.id).not.toThrow();
    }
  });

  for (const t of approximabilityTheorems) {
    it(`${t.id} passes on its default pairs`, async () => {
      const v = await t.check({ seed: 1 });
      expect(v.passed, `${v.summary}\n${JSON.stringify(v.figures)}`).toBe(true);
      expect(v.figures.length).toBeGreaterThan(0);
    }, 60_000);
  }

  it('the exponential-family check is deterministic and its figures draw', async () => {
    const t = approximabilityTheorems.find((x) => x.id === 'approximability-expfamily-kl')!;
    const a = await t.check({ seed: 3 }), b = await t.check({ seed: 3 });
    expect(a.figures.map((f) => f.value)).toEqual(b.figures.map((f) => f.value));
    const figs = boundFigures({ kind: 'figures', pairs: 10, seed: 1 });
    expect(figs.map((f) => f.name)).toEqual(['approximability-gaussian.svg', 'approximability-expfamily.svg', 'approximability-mixture.svg', 'approximability-dilemma.svg', 'approximability-invertible.svg']);
    for (const f of figs) expect(f.svg).toContain(f.name.includes('dilemma') ? '<polyline' : '<circle');
  }, 60_000);
});
