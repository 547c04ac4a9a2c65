// phaseDiagram({ precision: 'f32' }): the f32 kernel's phases, checked after the run by
// re-running in f64 the members near a boundary or a threshold and a random sample, equal
// the f64 diagram's phases cell by cell; the check's counts add up; same seed, same bytes.
import { describe, expect, it } from 'vitest';
import { F32_MARGIN, F32_SAMPLE, phaseDiagram, phaseDiagramAsync, defaultSpec } from '../../../src/models/solvable-gan/index.ts';

const grid = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

describe("phaseDiagram, precision 'f32'", () => {
  for (const [d, T] of [[1, 50], [1, 400], [2, 100]] as const) {
    it(`gives the f64 phases on every cell (d = ${d}, 24×24 grid, T = ${T}), re-running only part of the grid`, () => {
      const opts = { base: defaultSpec(d), etas: grid(24, 0.5, 5), taus: grid(24, 0.02, 1), T };
      const f64 = phaseDiagram(opts);
      const f32 = phaseDiagram({ ...opts, precision: 'f32' });
      const c = f32.f32!;
      console.log(`d = ${d}, T = ${T}: ${f32.path}`);
      expect(f32.ode).toEqual(f64.ode);
      expect(f32.predicted).toEqual(f64.predicted);
      expect(c.fellBack).toBe(false);
      expect(c.largestDeviation).toBeLessThanOrEqual(F32_MARGIN / 2);
      expect(c.recomputed).toBe(c.flagged + c.sampled);
      expect(c.sampled).toBe(Math.min(24 * 24 - c.flagged, Math.max(F32_SAMPLE.min, Math.ceil(F32_SAMPLE.fraction * 24 * 24))));
      expect(c.recomputed).toBeLessThan(24 * 24 / 2);
      expect(c.sampleChanged).toBe(0);
      // the final states are f32 ones (f64 for the re-run members): within f32 accuracy of f64's, not equal
      let worst = 0;
      f32.final.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - f64.final[i])); });
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(F32_MARGIN);
    });
  }

  it('is deterministic (same seed, same bytes) and the seed picks the sample', () => {
    const opts = { base: defaultSpec(1), etas: grid(30, 0.5, 5), taus: grid(30, 0.02, 1), T: 50, precision: 'f32' as const };
    const a = phaseDiagram(opts), b = phaseDiagram(opts), c = phaseDiagram({ ...opts, seed: 7 });
    expect(Array.from(b.final)).toEqual(Array.from(a.final));
    expect(b.f32).toEqual(a.f32);
    expect(c.ode).toEqual(a.ode);
    expect(Array.from(c.final)).not.toEqual(Array.from(a.final));
  });

  it('falls back to f64 when the margin does not hold (a margin below the f32 deviation): then the f64 diagram, bit for bit', () => {
    const opts = { base: defaultSpec(1), etas: grid(16, 0.5, 5), taus: grid(16, 0.02, 1), T: 50 };
    const f64 = phaseDiagram(opts);
    const tight = phaseDiagram({ ...opts, precision: 'f32', margin: 1e-12 });
    expect(tight.f32!.largestDeviation).toBeGreaterThan(1e-12 / 2);
    expect(tight.f32!.fellBack).toBe(true);
    expect(tight.path).toMatch(/f32 check failed/);
    expect(tight.ode).toEqual(f64.ode);
    expect(Array.from(tight.final)).toEqual(Array.from(f64.final));
  });

  it('a member that diverges: the f64 diagram\'s DivergenceError (the member numbered in the grid)', () => {
    // the diverging row last, in a grid large enough that only part of it is re-run in f64
    const opts = { base: defaultSpec(1), etas: grid(12, 0.5, 5), taus: [...grid(10, 0.02, 1), 50], T: 50 };
    const thrown = (precision: 'f64' | 'f32') => {
      try { phaseDiagram({ ...opts, precision }); } catch (err) { return err as Error & { batchIndex?: number }; }
      throw new Error(`no divergence in ${precision}`);
    };
    const f64 = thrown('f64'), f32 = thrown('f32');
    expect(f32.name).toBe('DivergenceError');
    expect(f32.message).toBe(f64.message);
    expect(f32.batchIndex).toBe(f64.batchIndex);
    expect(f64.batchIndex).toBeGreaterThanOrEqual(120);
  });

  it('refuses bad options with one line naming them', async () => {
    const opts = { base: defaultSpec(1), etas: [1, 2], taus: [0.2, 0.4], T: 10 };
    expect(() => phaseDiagram({ ...opts, precision: 'f16' as 'f32' })).toThrow(/precision/);
    expect(() => phaseDiagram({ ...opts, precision: 'f32', batched: false })).toThrow(/batched/);
    expect(() => phaseDiagram({ ...opts, precision: 'f32', seed: 0.5 })).toThrow(/seed/);
    expect(() => phaseDiagram({ ...opts, precision: 'f32', margin: 0 })).toThrow(/margin/);
    expect(() => phaseDiagram({ ...opts, precision: 'f32', margin: Number.NaN })).toThrow(/margin/);
    await expect(phaseDiagramAsync({ ...opts, precision: 'f32' } as never)).rejects.toThrow(/f64 only/);
  });
});
