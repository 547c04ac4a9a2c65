import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../../../src/numeric/index.ts';
import { simulateSgd, type SgdVectors } from '../../../src/models/solvable-gan/index.ts';
import {
  SpecError, defaultInit, defaultSpec, overlapsToState, stateNames, type Overlaps,
} from '../../../src/models/solvable-gan/index.ts';

/** Column j of a row-major n×d matrix dotted with column l of another. */
function colDot(A: Float64Array, j: number, B: Float64Array, l: number, n: number, d: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += A[i * d + j] * B[i * d + l];
  return s;
}

function normsOf(v: SgdVectors): { w: number; V: number[]; UtU: number[][] } {
  const { n, d } = v;
  let w = 0;
  for (let i = 0; i < n; i++) w += v.w[i] * v.w[i];
  return {
    w: Math.sqrt(w),
    V: Array.from({ length: d }, (_, l) => Math.sqrt(colDot(v.V, l, v.V, l, n, d))),
    UtU: Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, l) => colDot(v.U, j, v.U, l, n, d))),
  };
}

const inits: [string, number, Overlaps][] = [
  ['default d = 1', 1, defaultInit(1)],
  ['default d = 2', 2, defaultInit(2)],
  ['default d = 3', 3, defaultInit(3)],
  ['large overlaps d = 2', 2, { P: [[0.6, -0.2], [0.1, 0.5]], q: [0.3, 0.4], r: [0.5, 0.3], S: [[1, 0.3], [0.3, 1]] }],
  ['singular d = 1 (V = U)', 1, { P: [[1]], q: [0.3], r: [0.3], S: [[1]] }],
];

describe('simulateSgd: construction', () => {
  for (const [label, d, init] of inits) {
    it(`overlaps at t = 0 equal the requested ones to 1e-12 (${label})`, () => {
      const sim = simulateSgd(defaultSpec(d), init, { n: 501, T: 0, seed: 3 });
      expect(sim.t).toEqual([0]);
      const want = overlapsToState(init, d);
      stateNames(d).forEach((name, i) => {
        expect(Math.abs(sim.series[name][0] - want[i]), name).toBeLessThan(1e-12);
      });
    });
  }

  it('refuses n < 2d + 1, bad T and bad recordEvery as input errors', () => {
    expect(() => simulateSgd(defaultSpec(2), defaultInit(2), { n: 4, T: 1, seed: 1 })).toThrow(SpecError);
    expect(() => simulateSgd(defaultSpec(2), defaultInit(2), { n: 4, T: 1, seed: 1 })).toThrow(/n must be an integer ≥ 2d \+ 1 = 5, got 4/);
    expect(() => simulateSgd(defaultSpec(1), defaultInit(1), { n: 100, T: -1, seed: 1 })).toThrow(/T must be a finite number ≥ 0/);
    expect(() => simulateSgd(defaultSpec(1), defaultInit(1), { n: 100, T: 1, seed: 1, recordEvery: 0 })).toThrow(/recordEvery must be a positive number/);
    expect(() => simulateSgd({ ...defaultSpec(1), tau: -1 }, defaultInit(1), { n: 100, T: 1, seed: 1 })).toThrow(/tau must be ≥ 0/);
  });
});

describe('simulateSgd: determinism and recording', () => {
  for (const noise of ['full', 'projected'] as const) {
    it(`same seed, same output; different seed, different output (noise '${noise}')`, () => {
      const opts = { n: 300, T: 4, noise };
      const a = simulateSgd(defaultSpec(2), defaultInit(2), { ...opts, seed: 11 });
      const b = simulateSgd(defaultSpec(2), defaultInit(2), { ...opts, seed: 11 });
      const c = simulateSgd(defaultSpec(2), defaultInit(2), { ...opts, seed: 12 });
      expect(b).toEqual(a);
      expect(c.series.q1).not.toEqual(a.series.q1);
    });
  }

  it('a longer run with the same seed extends a shorter one exactly', () => {
    const short = simulateSgd(defaultSpec(1), defaultInit(1), { n: 400, T: 2, seed: 5 });
    const long = simulateSgd(defaultSpec(1), defaultInit(1), { n: 400, T: 3, seed: 5 });
    for (const name of stateNames(1)) expect(long.series[name].slice(0, 3)).toEqual(short.series[name]);
  });

  it('records at t = 0, recordEvery, …, T and reports progress', () => {
    const seen: number[] = [];
    const sim = simulateSgd(defaultSpec(1), defaultInit(1), { n: 200, T: 2.5, seed: 1, recordEvery: 0.5, onProgress: (t) => seen.push(t) });
    expect(sim.t).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(seen).toEqual(sim.t);
    const odd = simulateSgd(defaultSpec(1), defaultInit(1), { n: 200, T: 1.25, seed: 1 });
    expect(odd.t).toEqual([0, 1, 1.25]);
  });
});

describe('simulateSgd: conservation', () => {
  for (const normalization of ['column', 'oja'] as const) {
    for (const T of [0.5, 3]) {
      it(`‖w‖ = 1, unit columns of V, U untouched, recorded overlaps = vectors' overlaps (${normalization}, T = ${T})`, () => {
        const spec = { ...defaultSpec(2), normalization };
        const init = inits[3][2];
        const sim = simulateSgd(spec, init, { n: 1000, T, seed: 9, returnVectors: true });
        const v = sim.vectors!;
        const norms = normsOf(v);
        expect(Math.abs(norms.w - 1)).toBeLessThan(1e-12);
        for (const x of norms.V) expect(Math.abs(x - 1)).toBeLessThan(1e-12);
        for (let j = 0; j < 2; j++) for (let l = 0; l < 2; l++) expect(Math.abs(norms.UtU[j][l] - (j === l ? 1 : 0))).toBeLessThan(1e-12);
        const last = sim.t.length - 1;
        expect(Math.abs(sim.series.P12[last] - colDot(v.U, 0, v.V, 1, v.n, 2))).toBeLessThan(1e-12);
        expect(Math.abs(sim.series.S12[last] - colDot(v.V, 0, v.V, 1, v.n, 2))).toBeLessThan(1e-12);
      });
    }
  }

  it("'oja' keeps VᵀV = I (S12 = O(T/n)) where 'column' lets S12 move at O(1)·t", () => {
    // r large and unequal so that the column rule rotates the columns of V towards each other.
    const init: Overlaps = { P: [[0.1, 0], [0, 0.1]], q: [0.1, 0.1], r: [0.6, 0.5], S: [[1, 0], [0, 1]] };
    const n = 2000, T = 5;
    const spec = { ...defaultSpec(2), tau_g: 0.2 };
    const oja = simulateSgd({ ...spec, normalization: 'oja' }, init, { n, T, seed: 2 });
    const col = simulateSgd(spec, init, { n, T, seed: 2 });
    const maxAbs = (xs: number[]) => Math.max(...xs.map(Math.abs));
    console.log(`max |S12| over t ≤ ${T}, n = ${n}: oja ${maxAbs(oja.series.S12).toExponential(2)}, column ${maxAbs(col.series.S12).toExponential(2)}`);
    expect(maxAbs(oja.series.S12)).toBeLessThan(10 * T / n);
    expect(maxAbs(col.series.S12)).toBeGreaterThan(0.05);
  });
});

describe('simulateSgd: divergence', () => {
  it('NaN/Inf stops the run with a DivergenceError naming variable, step and parameters, keeping the records', () => {
    let caught: unknown;
    try {
      simulateSgd({ ...defaultSpec(1), eta_T: 1e300 }, defaultInit(1), { n: 100, T: 2, seed: 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DivergenceError);
    const err = caught as DivergenceError<{ t: number[] }>;
    expect(err.message).toMatch(/step \d+/);
    expect(err.message).toMatch(/eta_T=1e\+300/);
    expect(err.message).toMatch(/n=100/);
    expect(err.variable).toMatch(/w|yᵀw/);
    expect(err.step).toBeGreaterThanOrEqual(1);
    expect(err.partial.t[0]).toBe(0);
    expect(err.lastState?.length).toBe(3);
  });
});
