// The simulator's output, bit for bit, against the reference copy of it taken before its
// kernels were reworked (simulate-reference.ts): same recorded times and overlaps and same
// final vectors, byte for byte, for every pass (d = 1 full and projected, d = 2, the general
// d), both normalisations, several seeds and sizes, including runs long enough for V8 to
// optimise the passes and for the ziggurat's slow path to be taken many times.
import { describe, expect, it } from 'vitest';
import { defaultInit, defaultSpec, simulateSgd, type SimulationResult } from '../../../src/models/solvable-gan/index.ts';
import { simulateSgd as referenceSimulateSgd } from './simulate-reference.ts';

/** The bytes of a run's output: times, every series (in name order) and the final vectors. */
function outputBytes(r: SimulationResult): Buffer {
  const parts: Float64Array[] = [Float64Array.from(r.t)];
  for (const name of Object.keys(r.series).sort()) parts.push(Float64Array.from(r.series[name]));
  if (r.vectors) parts.push(r.vectors.U, r.vectors.V, r.vectors.w);
  return Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}

/** Index of the first differing 8-byte word, for the failure message. */
function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i >> 3;
  return -1;
}

function expectSameBytes(d: number, opts: Parameters<typeof simulateSgd>[2], normalization: 'column' | 'oja') {
  const spec = { ...defaultSpec(d), normalization }, init = defaultInit(d);
  const ours = outputBytes(simulateSgd(spec, init, { ...opts, returnVectors: true }));
  const ref = outputBytes(referenceSimulateSgd(spec, init, { ...opts, returnVectors: true }));
  expect(ours.length, 'output length').toBe(ref.length);
  expect(ours.equals(ref), `first differing word ${firstDifference(ours, ref)} of ${ref.length / 8}`).toBe(true);
}

describe('simulateSgd: the same bytes as the reference simulator', () => {
  for (const noise of ['full', 'projected'] as const) {
    for (const d of [1, 2, 3]) {
      it(`d = ${d}, noise '${noise}': seeds 1, 7, 2024; n from 2d + 1 to 1001; both normalisations`, () => {
        for (const normalization of ['column', 'oja'] as const) {
          for (const seed of [1, 7, 2024]) {
            for (const n of [2 * d + 1, 64, 1001]) {
              expectSameBytes(d, { n, T: n > 100 ? 2 : 6, seed, noise, recordEvery: 0.5 }, normalization);
            }
          }
        }
      });
    }
    it(`d = 1, noise '${noise}': n = 20000, 3000 steps (the passes optimised by V8 mid-run)`, () => {
      expectSameBytes(1, { n: 20_000, T: 0.15, seed: 5, noise, recordEvery: 0.05 }, 'column');
    });
  }
});
