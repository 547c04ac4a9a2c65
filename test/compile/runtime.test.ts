// The compile runtime (src/compile/runtime.ts, runtime-cost.ts): gpu.js is
// loaded only when an f32 backend is used (checked in a fresh Node process,
// whose module cache shows what was loaded), a missing gpu.js is a clear
// error, the twin cache compiles each checked source once, batches are
// chunked below MAX_CELLS_PER_CALL cells (pairwise kernels by rows), and
// the one auto rule (pickPath) behind every shape.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import { CompileError } from '../../src/compile/index.ts';
import { compilePairwise, type PairwiseKernel } from '../../src/compile/index.ts';
import { MAX_CELLS_PER_CALL, TWIN_CACHE_SIZE, chunks, twinFunction } from '../../src/compile/runtime.ts';
import {
  KERNEL_MARGIN, THREADING, TWIN_THREADING, chooseFused, choosePairwise, chooseTwinThreads, estimatePairwiseCost,
  estimateStepCost, pickPath,
} from '../../src/compile/runtime-cost.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs an ES module script in a fresh `node --import tsx` at the repository root; its last stdout line, parsed. */
function inFreshNode(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

const LOADED = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const gpuJsLoaded = () => Object.keys(require.cache).filter((k) => /[\\\\/]node_modules[\\\\/](gpu\\.js|webgpu)[\\\\/]/.test(k));
`;

describe('gpu.js is loaded only when an f32 backend runs', () => {
  it('importing the compile layer and running f64 twins (elementwise, rhs, pairwise, fused, NTK) loads no gpu.js', () => {
    const r = inFreshNode(`${LOADED}
const C = await import('./src/compile/index.ts');
const { compileIntegrator } = await import('./src/compile/integrator.ts');
const { parse } = await import('./src/symbolic/parse.ts');
const { kernels } = await import('./src/ntk/kernels.ts');
const { compileKernels } = await import('./src/ntk/compiled.ts');
const { stack } = await import('./src/ntk/architecture.ts');
const { relu } = await import('./src/ntk/activations.ts');
const atImport = gpuJsLoaded();
const sys = { state: ['x', 'y'], params: ['a'], drift: [parse('a*y'), parse('-x + erf(y)')] };
const k = C.compile(sys, { precision: 'f64' });
const y = k.run(new Float64Array([1, 2, 3, 4]), new Float64Array([0.5]));
const auto = C.compile(sys);
auto.run(new Float64Array([1, 2]), new Float64Array([0.5]));
const rhs = C.compileRhs(sys, { params: [0.5] });
const dy = new Float64Array(2); rhs(0, new Float64Array([1, 2]), dy);
const pw = C.compilePairwise(parse('exp(-sqdist)'), { d: 2 });
await pw.runAsync(new Float64Array(2 * 200).fill(0.5), new Float64Array(2 * 200).fill(0.25));
const integ = compileIntegrator(sys);
const res = integ.run({ y0: [1, 2], params: [0.5], dt: 0.01, steps: 10 });
const arch = stack(2, relu(), 1.4, 0.1);
const X = { data: new Float64Array([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
kernels(arch, X);
const ck = compileKernels(arch, 2, { precision: 'f64' });
await ck.run(X);
const afterF64 = gpuJsLoaded();
const w = C.compile(sys, { backend: 'webasm' });
const yw = w.run(new Float64Array([1, 2]), new Float64Array([0.5]));
console.log(JSON.stringify({
  atImport, afterF64, afterWebasm: gpuJsLoaded().length > 0, backends: [k.backend, auto.backend, pw.backend, res.backend, w.backend],
  y: Array.from(y), dy: Array.from(dy), yw: Array.from(yw),
}));
`);
    expect(r.atImport).toEqual([]);
    expect(r.afterF64).toEqual([]);
    expect(r.backends).toEqual(['f64', 'f64', 'f64', 'f64', 'webasm']);
    // the positive control: the same check sees gpu.js once an f32 kernel ran
    expect(r.afterWebasm).toBe(true);
    const y = r.y as number[];
    expect([y[0], y[2]]).toEqual([0.5 * 2, 0.5 * 4]);
    expect(y[1]).toBeCloseTo(-1 + 0.9953222650189527, 12);
    expect(y[3]).toBeCloseTo(-3 + 0.9999999845827421, 12);
    expect((r.yw as number[])[0]).toBeCloseTo(1, 6);
  });

  it('without gpu.js: f64 works, an f32 backend is a CompileError naming the package', () => {
    const r = inFreshNode(`
import Module from 'node:module';
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'gpu.js') { const e = new Error("Cannot find module 'gpu.js'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};
const { compile, CompileError } = await import('./src/compile/index.ts');
const { parse } = await import('./src/symbolic/parse.ts');
const y = compile([parse('2*x')], { inputs: ['x'] }).run(new Float64Array([3]));
const errors = [];
for (const backend of ['webasm', 'async', 'cpu']) {
  try { compile([parse('2*x')], { inputs: ['x'], backend }); errors.push(null); }
  catch (e) { errors.push({ compileError: e instanceof CompileError, token: e.token, message: e.message }); }
}
console.log(JSON.stringify({ y: Array.from(y), errors }));
`);
    expect(r.y).toEqual([6]);
    for (const e of r.errors as { compileError: boolean; token: string; message: string }[]) {
      expect(e).not.toBeNull();
      expect(e.compileError).toBe(true);
      expect(e.token).toBe('gpu.js');
      expect(e.message).toMatch(/need the package 'gpu\.js'.*Cannot find module 'gpu\.js'.*npm install gpu\.js.*backend 'f64'/);
    }
  });
});

describe('the twin cache', () => {
  it('compiles a checked source once and returns the same function; refuses unchecked text without caching it', () => {
    const src = 'return function (X, Y) {\nY[0] = X[0] * 2;\nreturn Y;\n};';
    const f = twinFunction<(X: Float64Array, Y: Float64Array) => Float64Array>(src);
    expect(twinFunction(src)).toBe(f);
    expect(Array.from(f(new Float64Array([4]), new Float64Array(1)))).toEqual([8]);
    const hostile = 'return function (X) {\nreturn X.constructor;\n};';
    expect(() => twinFunction(hostile)).toThrow(CompileError);
    expect(() => twinFunction(hostile)).toThrow(/identifier "constructor"/);
    // a source accepted by the NTK vocabulary is not thereby accepted as a compile source
    const ntkOnly = 'const CW = new Float64Array([1, 2]);\nreturn function rows(X) {\nreturn X[0] > 0 ? CW[0] : CW[1];\n};';
    expect(twinFunction<(X: number[]) => number>(ntkOnly, 'ntk')([1])).toBe(1);
    expect(() => twinFunction(ntkOnly)).toThrow(CompileError);
  });

  it('keeps at most TWIN_CACHE_SIZE entries, least recently used dropped first', () => {
    const make = (i: number) => `return function (X) {\nreturn X[0] + ${i};\n};`;
    const first = twinFunction(make(0));
    for (let i = 1; i <= TWIN_CACHE_SIZE; i++) {
      twinFunction(make(i));
      if (i % 8 === 0) expect(twinFunction(make(0))).toBe(first); // kept alive by use
    }
    const early = twinFunction(make(1)); // dropped long ago: a fresh function, same behaviour
    expect((early as (X: number[]) => number)([1])).toBe(2);
    expect(twinFunction(make(0))).toBe(first);
  });
});

describe('chunking', () => {
  it('splits items so no call exceeds MAX_CELLS_PER_CALL cells (at least one item per call)', () => {
    expect(chunks(10, 3)).toEqual([[0, 10]]);
    const per = Math.floor(MAX_CELLS_PER_CALL / 3);
    expect(chunks(per + 1, 3)).toEqual([[0, per], [per, per + 1]]);
    expect(chunks(3, MAX_CELLS_PER_CALL * 2)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(chunks(0, 5)).toEqual([]);
  });

  const live: PairwiseKernel[] = [];
  afterAll(() => live.forEach((k) => k.dispose()));

  it('pairwise kernels beyond 2^22 cells run in row chunks, each row where it belongs', () => {
    const M = 4096, N = MAX_CELLS_PER_CALL / (M / 4) + 3; // 3 rows past one call's worth
    const X = Float64Array.from({ length: N }, (_, i) => (i % 97) - 48);
    const Y = Float64Array.from({ length: M }, (_, j) => (j % 13) / 4);
    const k = compilePairwise(parse('dot + 1'), { d: 1, backend: 'webasm' });
    live.push(k);
    const K = k.run(X, Y);
    expect(k.backend).toBe('webasm');
    for (const i of [0, 1, N - 4, N - 3, N - 2, N - 1]) {
      for (const j of [0, 1, 2, 3, 4, M - 5, M - 1]) expect(K[i * M + j], `(${i}, ${j})`).toBe(X[i] * Y[j] + 1);
    }
  });
});

describe('one auto rule for every shape', () => {
  it('pickPath: the faster kernel path, only below the margin × the twin', () => {
    expect(pickPath({ twin: 10, webasm: 7, async: Infinity }, 0.8)).toEqual({ kernel: 'webasm', predicted: 7, faster: true });
    expect(pickPath({ twin: 10, webasm: 9, async: 5 }, 0.8)).toEqual({ kernel: 'async', predicted: 5, faster: true });
    expect(pickPath({ twin: 10, webasm: 8, async: 8 }, 0.8).faster).toBe(false);
  });

  it('pairwise: threads pay from THREADING.minCells cells on ≥ 2 cores; the twin otherwise', () => {
    const counts = { exp: 1, mul: 1 };
    const two = estimatePairwiseCost(counts, 64, true, 2), one = estimatePairwiseCost(counts, 64, true, 1);
    const call = (cost: typeof two, cells: number, async: boolean) =>
      choosePairwise({ precision: 'f32', cost, cells, d: 64, async }).backend;
    expect(call(two, THREADING.minCells, true)).toBe('async');
    expect(call(two, THREADING.minCells - 1, true)).toBe('f64');
    expect(call(two, 1e7, false)).toBe('f64');
    expect(call(one, 1e7, true)).toBe('f64');
    expect(choosePairwise({ precision: 'f64', cost: two, cells: 1e7, d: 64, async: true }).backend).toBe('f64');
    expect(two.async).toBeLessThan(KERNEL_MARGIN * two.twin);
  });

  it('fused steps and f64 twins in workers follow the same tables', () => {
    const poly = estimateStepCost({ add: 40, mul: 40 }, 2);
    expect(chooseFused({ precision: 'f32', cost: poly, members: 1e4, steps: 1e3, calls: 1, async: false }).backend).toBe('webasm');
    expect(chooseTwinThreads(TWIN_THREADING.minCells, true, 4)).toBe(4);
    expect(chooseTwinThreads(TWIN_THREADING.minCells, true, 64)).toBe(TWIN_THREADING.maxThreads);
    expect(chooseTwinThreads(TWIN_THREADING.minCells - 1, true, 4)).toBe(0);
    expect(chooseTwinThreads(1e9, false, 4)).toBe(0);
    expect(chooseTwinThreads(1e9, true, 1)).toBe(0);
  });
});
