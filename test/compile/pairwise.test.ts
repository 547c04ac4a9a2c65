// Pairwise N×M kernels: the twin against a direct f64 evaluation, the f32
// kernels against the twin within a derived bound, loops longer than
// gpu.js's default cap, backend choice and reporting.

import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import { compilePairwise, type PairwiseKernel, PAIRWISE_NAMES } from '../../src/compile/index.ts';
import { CompileError } from '../../src/compile/index.ts';
import { ASYNC_PIPELINE, pipelineRows } from '../../src/compile/pairwise.ts';
import { F32_WASM_MODEL, F64_MODEL, boundEvaluator } from '../../src/compile/index.ts';
import { randomPoints } from './arbitraries.ts';

const live: PairwiseKernel[] = [];
const keep = (k: PairwiseKernel) => { live.push(k); return k; };
afterAll(() => live.forEach((k) => k.dispose()));

const COS = 'min(1, max(-1, dot/sqrt(nx2*ny2)))';
/** Kernels of the kind NTK/NNGP and MMD code will use, with one parameter `ell`. */
const KERNELS: Record<string, string> = {
  rbf: 'exp(-sqdist/(2*ell^2))',
  laplace: 'exp(-sqrt(sqdist)/ell)',
  arccos0: `1 - arccos(${COS})/pi`,
  arccos1: `sqrt(nx2*ny2)/pi*(sqrt(1 - ${COS}^2) + (pi - arccos(${COS}))*${COS})`,
  erfNngp: '2/pi*arcsin(2*dot/sqrt((1 + 2*nx2)*(1 + 2*ny2)))',
  poly: '(dot/ell + 1)^3',
  mixed: 'nx2 + ny2 - 2*dot - sqdist + tanh(dot)*ell',
};

/** f64 values of dot, sqdist, nx2, ny2 for rows i of X and j of Y, summed left to right. */
function pairValues(X: Float64Array, Y: Float64Array, i: number, j: number, d: number) {
  let dot = 0, sqdist = 0, nx2 = 0, ny2 = 0;
  for (let k = 0; k < d; k++) {
    const a = X[i * d + k], b = Y[j * d + k];
    dot += a * b; sqdist += (a - b) * (a - b); nx2 += a * a; ny2 += b * b;
  }
  return { dot, sqdist, nx2, ny2 };
}

const gamma = (n: number, u: number) => (n * u) / (1 - n * u);

/**
 * Error already in dot and sqdist when a kernel accumulates them in f32 from
 * inputs rounded to f32: each product sees two input roundings, its own and
 * at most d−1 additions (γ_{d+2}); a difference x−y is off by ≤ 3u(|x|+|y|)
 * before squaring. Norms are computed in f64 and only rounded.
 */
function f32InputErrors(X: Float64Array, Y: Float64Array, i: number, j: number, d: number, ell: number): number[] {
  const u = F32_WASM_MODEL.u;
  let absDot = 0, sqErr = 0, sqAbs = 0;
  for (let k = 0; k < d; k++) {
    const a = X[i * d + k], b = Y[j * d + k];
    absDot += Math.abs(a * b);
    const e = Math.abs(a - b), delta = 3 * u * (Math.abs(a) + Math.abs(b));
    sqErr += 2 * e * delta + delta * delta;
    sqAbs += (e + delta) ** 2;
  }
  const v = pairValues(X, Y, i, j, d);
  const r = (x: number) => Math.abs(Math.fround(x) - x);
  return [gamma(d + 2, u) * absDot, sqErr + gamma(d + 1, u) * sqAbs, r(v.nx2), r(v.ny2), r(ell)];
}

describe('pairwise twin', () => {
  it('equals the interpreter on the pair values, for every kernel (4× f64 bound)', () => {
    const N = 9, M = 7, d = 5, ell = 1.3;
    const X = randomPoints(1, N, d), Y = randomPoints(2, M, d);
    for (const [name, src] of Object.entries(KERNELS)) {
      const f = parse(src);
      const k = keep(compilePairwise(f, { d, params: ['ell'], backend: 'f64' }));
      const K = k.run(X, Y, new Float64Array([ell]));
      const bound = boundEvaluator([f], { inputs: PAIRWISE_NAMES, params: ['ell'] }, F64_MODEL);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < M; j++) {
          const v = pairValues(X, Y, i, j, d);
          const ref = evaluate(f, { ...v, ell });
          const [{ bound: b }] = bound([v.dot, v.sqdist, v.nx2, v.ny2, ell]);
          expect(Math.abs(K[i * M + j] - ref), `${name} (${i},${j})`).toBeLessThanOrEqual(4 * b);
        }
      }
    }
  });

  it('columns computed side by side have the bits of each column computed alone', () => {
    const N = 5, M = 11, d = 6;
    const X = randomPoints(3, N, d), Y = randomPoints(4, M, d);
    for (const [name, src] of Object.entries(KERNELS)) {
      const k = keep(compilePairwise(parse(src), { d, params: ['ell'], backend: 'f64' }));
      const K = k.run(X, Y, new Float64Array([0.9]));
      for (let j = 0; j < M; j++) {
        const alone = k.run(X, Y.slice(j * d, (j + 1) * d), new Float64Array([0.9]));
        for (let i = 0; i < N; i++) expect(Object.is(K[i * M + j], alone[i]), `${name} (${i},${j}): ${K[i * M + j]} vs ${alone[i]}`).toBe(true);
      }
    }
  });

  it('reads only what f uses', () => {
    expect([...keep(compilePairwise(parse('exp(-sqdist)'), { d: 3 })).uses]).toEqual(['sqdist']);
    const k = keep(compilePairwise(parse(KERNELS.arccos1), { d: 3 }));
    expect([...k.uses].sort()).toEqual(['dot', 'nx2', 'ny2']);
    expect(k.source.js).not.toContain('sq =');
  });
});

describe('f32 pairwise kernels vs the twin, within the derived bound (S = 2, as for compile)', () => {
  for (const [backend, runs] of [['webasm', 12], ['cpu', 4], ['async', 3]] as const) {
    it(`${backend}: every kernel at random sizes and points`, async () => {
      let tested = 0;
      await fc.assert(fc.asyncProperty(
        fc.constantFrom(...Object.keys(KERNELS)), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 24 }), fc.nat(2 ** 30), fc.boolean(),
        async (name, N, M, d, seed, same) => {
          const f = parse(KERNELS[name]);
          const X = randomPoints(seed, N, d), Y = same ? X.slice(0, Math.min(N, M) * d) : randomPoints(seed + 1, M, d);
          const Mrows = Y.length / d, ell = 1.7;
          const k = keep(compilePairwise(f, { d, params: ['ell'], backend }));
          const K32 = backend === 'async' ? await k.runAsync(X, Y, new Float64Array([ell])) : k.run(X, Y, new Float64Array([ell]));
          const K64 = k.f64(X, Y, new Float64Array([ell]));
          const b32 = boundEvaluator([f], { inputs: PAIRWISE_NAMES, params: ['ell'] }, F32_WASM_MODEL);
          const b64 = boundEvaluator([f], { inputs: PAIRWISE_NAMES, params: ['ell'] }, F64_MODEL);
          for (let i = 0; i < N; i++) {
            for (let j = 0; j < Mrows; j++) {
              const v = pairValues(X, Y, i, j, d);
              const point = [v.dot, v.sqdist, v.nx2, v.ny2, ell];
              const [{ bound }] = b32(point, f32InputErrors(X, Y, i, j, d, ell));
              const [{ bound: bound64 }] = b64(point);
              if (!Number.isFinite(bound) || !Number.isFinite(bound64)) continue;
              tested++;
              const got = K32[i * Mrows + j], ref = K64[i * Mrows + j], tol = 2 * (bound + bound64);
              if (!(Math.abs(got - ref) <= tol)) {
                throw new Error(`${backend} ${name} outside its bound at (${i},${j}), d = ${d}\n  values: ${JSON.stringify(v)}\n`
                  + `  f32: ${got}\n  f64: ${ref}\n  |diff|: ${Math.abs(got - ref)}\n  bound: 2·(${bound} + ${bound64}) = ${tol}`);
              }
            }
          }
        }), { numRuns: runs, seed: 99 });
      expect(tested).toBeGreaterThan(0);
    });
  }

  it('loops longer than gpu.js\'s default cap of 1000 run to the end (loopMaxIterations = d)', () => {
    const d = 1500;
    const X = new Float64Array(2 * d).fill(1), Y = new Float64Array(3 * d).fill(0.5);
    const K = keep(compilePairwise(parse('dot'), { d, backend: 'webasm' })).run(X, Y);
    expect(Array.from(K)).toEqual(new Array(6).fill(750));
  });
});

describe('pairwise backends and refusals', () => {
  const d = 16, N = 128;
  const X = randomPoints(3, N, d);

  it('auto: f64 → twin; f32 → threaded kernel for runAsync of ≥ 8192 cells, twin for run', async () => {
    const f = parse(KERNELS.rbf);
    const k64 = keep(compilePairwise(f, { d, params: ['ell'] }));
    await k64.runAsync(X, X, new Float64Array([1]));
    expect(k64.backend).toBe('f64');
    const k32 = keep(compilePairwise(f, { d, params: ['ell'], precision: 'f32' }));
    k32.run(X, X, new Float64Array([1]));
    expect(k32.backend).toBe('f64');
    await k32.runAsync(X, X, new Float64Array([1])); // 16384 cells
    expect(k32.backend).toBe(availableParallelism() >= 2 ? 'webasm' : 'f64');
    expect(k32.threaded).toBe(availableParallelism() >= 2);
  });

  it("'async' over several calls (rows in equal chunks, the last padded): the same bits as one webasm call", async () => {
    const f = parse(KERNELS.mixed), ell = new Float64Array([0.8]);
    const Xb = randomPoints(5, 1027, 3);
    const { rows, parts } = pipelineRows(1027, Math.ceil(261 / 4));
    expect(parts.length).toBe(ASYNC_PIPELINE.calls);
    expect(parts.at(-1)![1] - parts.at(-1)![0]).toBeLessThan(rows);
    for (const M of [261, 260]) {
      const Yb = randomPoints(6, M, 3);
      const threaded = keep(compilePairwise(f, { d: 3, params: ['ell'], backend: 'async' }));
      const one = keep(compilePairwise(f, { d: 3, params: ['ell'], backend: 'webasm' }));
      const a = await threaded.runAsync(Xb, Yb, ell), b = one.run(Xb, Yb, ell);
      expect(threaded.threaded).toBe(availableParallelism() >= 2);
      expect(a.length).toBe(1027 * M);
      let same = 0;
      for (let i = 0; i < a.length; i++) if (Object.is(a[i], b[i])) same++;
      expect(same, `M = ${M}`).toBe(a.length);
    }
  });

  it('no rows on either side: an empty K from every backend, no kernel call', async () => {
    const f = parse(KERNELS.rbf), ell = new Float64Array([1]);
    for (const backend of ['f64', 'webasm', 'async'] as const) {
      const k = keep(compilePairwise(f, { d, params: ['ell'], backend }));
      const call = (A: Float64Array, B: Float64Array) => (backend === 'async' ? k.runAsync(A, B, ell) : k.run(A, B, ell));
      expect((await call(X, new Float64Array(0))).length, backend).toBe(0);
      expect((await call(new Float64Array(0), X)).length, backend).toBe(0);
    }
  });

  it('refuses bad shapes, unknown names and bad d', () => {
    const k = keep(compilePairwise(parse(KERNELS.rbf), { d, params: ['ell'], backend: 'f64' }));
    expect(() => k.run(X.subarray(1), X, new Float64Array([1]))).toThrow(/not a multiple of d = 16/);
    expect(() => k.run(X, X)).toThrow(/ell: expected 1 values/);
    expect(() => compilePairwise(parse('dot*w'), { d })).toThrowError(
      /unknown symbol "w" \(declared pairwise value: dot, sqdist, nx2, ny2\)/);
    expect(() => compilePairwise(parse('dot'), { d: 0 })).toThrowError(CompileError);
    expect(() => compilePairwise(parse('dot'), { d, params: ['dot'] })).toThrowError(/declared twice/);
    expect(() => compilePairwise(parse('dot'), { d, backend: 'async' }).run(X, X)).toThrowError(/call runAsync/);
  });
});
