// phaseDiagramAsync (members split over threads) gives phaseDiagram's batched result:
// the same phases and the same final states, bit for bit.
import { describe, expect, it } from 'vitest';
import { phaseDiagram, phaseDiagramAsync, defaultSpec } from '../../../src/models/solvable-gan/index.ts';

describe('phaseDiagramAsync', () => {
  it('matches phaseDiagram (batched) exactly, on 1 and 2 threads', async () => {
    const opts = { base: defaultSpec(1), etas: [0.5, 1.5, 3, 4.5, 5], taus: [0.02, 0.3, 0.6, 0.8, 1], T: 40 };
    const sync = phaseDiagram({ ...opts, batched: true });
    for (const threads of [1, 2]) {
      const a = await phaseDiagramAsync({ ...opts, threads });
      expect(a.ode).toEqual(sync.ode);
      expect(a.predicted).toEqual(sync.predicted);
      expect(Array.from(a.final)).toEqual(Array.from(sync.final));
      if (threads === 2) expect(a.path).toMatch(/split over 2 threads/);
    }
  });
});
