// The WebAssembly SIMD tile kernel (src/ntk/wasm-kernel.ts) against the generated JS
// kernel (codegen.ts), entry by entry: both run the same IEEE operations in the same
// order, so they agree bit for bit (largest relative difference 0), on tile edges,
// x1 × x2 both ways, duplicate and zero rows, and rows scaled by 2^±500 (variance
// products outside the f64 range); the block driver as the one checked text that every
// thread runs; the pool's warm-up; kernelsAsync's default thread count; and the engine
// selection and its report.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kernels, kernelsAsync, shutdownKernelWorkers, warmKernelWorkers, parseArchitecture, stack, relu, KernelInputError } from '../../src/ntk/index.ts';
import { WASM_THREADING } from '../../src/ntk/kernels.ts';
import { availableParallelism } from 'node:os';
import type { Architecture, KernelResult } from '../../src/ntk/index.ts';
import { Code, encodeModule, F64, V128, wasmApi } from '../../src/ntk/wasm-encoder.ts';
import { driverSource, wasmRowsThreaded } from '../../src/ntk/wasm-kernel.ts';
import { type DiagFn, compileSource, diagSource, kernelPlan } from '../../src/ntk/codegen.ts';
import { assertSafeSource } from '../../src/compile/index.ts';

function randomRows(n: number, d: number, seed: number): number[][] {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  return Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * u() - 1));
}

/** Rows with duplicates (every 7th row repeats an earlier one, every 11th is its negative) and, when asked, zero rows. */
function awkwardRows(n: number, d: number, seed: number, zeros: boolean): number[][] {
  const rows = randomRows(n, d, seed);
  for (let i = 1; i < n; i++) {
    if (i % 7 === 0) rows[i] = [...rows[Math.floor(i / 2)]];
    else if (i % 11 === 0) rows[i] = rows[i - 1].map((v) => -v);
    else if (zeros && i % 13 === 0) rows[i] = rows[i].map(() => 0);
  }
  return rows;
}

/** Largest relative difference of the wasm kernel's entries from the JS kernel's (0 where the bits agree, NaN for zeros of other signs). */
function worstWasmVsJs(arch: Architecture, x1: number[][], x2: number[][] | undefined, get?: ('nngp' | 'ntk')[]): number {
  const js = kernels(arch, x1, x2, { engine: 'js', ...(get ? { get } : {}) });
  const wasm = kernels(arch, x1, x2, { engine: 'wasm', ...(get ? { get } : {}) });
  expect(js.engine.ran).toBe('js');
  expect(wasm.engine.ran).toBe('wasm-simd');
  expect(wasm.cov1).toEqual(js.cov1);
  const pairs: Array<[KernelResult['nngp'] | undefined, KernelResult['nngp'] | undefined]> = [[js.nngp, wasm.nngp], [js.ntk, wasm.ntk]];
  let worst = 0;
  for (const [a, b] of pairs) {
    if (!a || !b) { expect(a).toBe(b); continue; }
    expect(b.data.length).toBe(a.data.length);
    for (let t = 0; t < a.data.length; t++) {
      const u = a.data[t], v = b.data[t];
      expect(Number.isFinite(v)).toBe(true);
      worst = Math.max(worst, Object.is(u, v) ? 0 : Math.abs(u - v) / Math.abs(u)); // ±0 apart: NaN
    }
  }
  return worst;
}

/** Entries of NNGP and NTK whose bits differ between the JS and the wasm kernel (infinities and NaN included). */
function bitDifferences(arch: Architecture, x1: number[][], x2: number[][] | undefined): number {
  const js = kernels(arch, x1, x2, { engine: 'js' }), wasm = kernels(arch, x1, x2, { engine: 'wasm' });
  expect(wasm.engine.ran).toBe('wasm-simd');
  let differ = 0;
  for (const k of ['nngp', 'ntk'] as const) {
    const a = js[k]!.data, b = wasm[k]!.data;
    for (let t = 0; t < a.length; t++) if (!Object.is(a[t], b[t])) differ++;
  }
  return differ;
}

const ARCHS = [
  'serial(dense(1.4, 0.2), relu, dense(1.4, 0.2), relu, dense(1.4, 0.2), relu, dense(1.4, 0.2))',
  'serial(dense(1.5), relu, dense(1.5), relu, dense(1.5))',
  'serial(dense(1.2, 0.5), abs, dense(1.2, 0.5), leaky_relu(0.2), dense(1.2, 0.5); parameterization=standard, width=64)',
  'serial(dense(1.1, 0.3), abrelu(-0.4, 1.3), dense(0.9, 0.1))',
  'serial(dense(1.4, 0.2), erf, dense(1.4, 0.2), erf, dense(1.4))',
  'serial(dense(1.5), erf(1.7, 0.6, 0.2), dense(1.5), relu, dense(1.5), sigmoid_like, dense(2))',
  'serial(dense(1.1, 0.3), erf(2, 3, -1), dense(0.9), abs, dense(1.2); parameterization=standard, width=64)',
];

describe('wasm kernel against the JS kernel, entry by entry', () => {
  for (const spec of ARCHS) {
    const arch = parseArchitecture(spec);
    const zeros = !spec.includes(', 0.');
    it(`${spec}: Gram matrices across tile edges and x1 × x2 both ways, bit for bit`, () => {
      for (const n of [1, 2, 63, 64, 65, 150]) {
        expect(worstWasmVsJs(arch, awkwardRows(n, 5, 100 + n, zeros), undefined)).toBe(0);
      }
      const X = awkwardRows(150, 5, 7, zeros), Y = awkwardRows(67, 5, 8, zeros);
      Y[3] = [...X[70]]; // a duplicate across the two sets
      expect(worstWasmVsJs(arch, X, Y)).toBe(0);
      expect(worstWasmVsJs(arch, Y, X)).toBe(0);
      expect(worstWasmVsJs(arch, X, Y, ['nngp'])).toBe(0);
      expect(worstWasmVsJs(arch, X, undefined, ['nngp'])).toBe(0); // the mirror tiles without Θ
    });
  }

  it('rows scaled by 2^−500 and 2^500 (s1·s2 under- and overflows) and odd input dimensions', () => {
    const arch = stack(3, relu(), Math.SQRT2, 0);
    for (const d of [1, 4, 17]) {
      const X = awkwardRows(130, d, 9 + d, true).map((r, i) => r.map((v) => v * 2 ** (i % 3 === 0 ? -500 : i % 3 === 1 ? 500 : 0)));
      expect(worstWasmVsJs(arch, X, undefined)).toBe(0);
      expect(worstWasmVsJs(arch, X.slice(0, 70), X.slice(60))).toBe(0);
    }
  });

  it('erf layers bit for bit on rows scaled by 2^−500, 2^−30, 2^30 and 2^150 (atan2 of tiny, huge and ±0 arguments), zero and antiparallel rows', () => {
    for (const spec of ARCHS.slice(4)) {
      const arch = parseArchitecture(spec);
      const X = awkwardRows(130, 3, 21, true).map((r, i) => r.map((v) => v * 2 ** [-500, -30, 0, 30, 150][i % 5]));
      for (const [x1, x2] of [[X, undefined], [X.slice(0, 70), X.slice(60)]] as const) {
        expect(bitDifferences(arch, x1, x2)).toBe(0);
      }
    }
  });

  it('bit for bit on near-parallel and antiparallel rows (ρ on and past ±1 before the clamp, both branches of the wasm clamp)', () => {
    let s = 7;
    const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
    // For each sign, rows r and q = ±r·(1 + O(1e-15)) whose first-layer ρ (S, s1, s2 as the kernels
    // compute them: the depth-0 Gram of the architecture's first dense layer) rounds past ±1 while
    // S² < s1·s2. Each r lies six rows before its q, so that (r, q) shares an f64x2 pair with an
    // ordinary entry (beside the Gram diagonal the wasm kernel takes the general branch for both lanes).
    const cases = [{ spec: ARCHS[0], first: 'serial(dense(1.4, 0.2))', sign: 1 }, { spec: ARCHS[1], first: 'serial(dense(1.5))', sign: -1 }];
    for (const { spec, first, sign } of cases) {
      const firstLayer = parseArchitecture(first);
      const pairs: number[][][] = [];
      for (let draws = 0; pairs.length < 6 && draws < 100000; draws++) {
        const r = Array.from({ length: 6 }, () => 2 * u() - 1), q = r.map((v) => sign * v * (1 + 1e-15 * (u() - 0.5)));
        const [s1, S, , s2] = kernels(firstLayer, [r, q], undefined, { get: ['nngp'] }).nngp.data;
        if (S * S < s1 * s2 && sign * S * (1 / Math.sqrt(s1)) * (1 / Math.sqrt(s2)) > 1) pairs.push([r, q]);
      }
      expect(pairs.length).toBe(6);
      const rows = [...randomRows(20, 6, 11), ...pairs.map(([r]) => r), ...pairs.map(([, q]) => q),
        ...pairs.map(([, q]) => q.map((v) => -v)), ...pairs.map(([r]) => r.map((v) => 3 * v))];
      for (const [x1, x2] of [[rows, undefined], [rows.slice(0, 30), rows.slice(30)]] as const) {
        const arch = parseArchitecture(spec);
        expect(bitDifferences(arch, x1, x2)).toBe(0);
      }
    }
  });

  it('writes into reused output buffers the values of a fresh call', () => {
    const arch = stack(2, relu(), 1.3, 0.2);
    const X = randomRows(90, 3, 4);
    const fresh = kernels(arch, X);
    const out = { nngp: new Float64Array(90 * 90).fill(NaN), ntk: new Float64Array(90 * 90).fill(NaN) };
    const again = kernels(arch, X, undefined, { out });
    expect(again.engine.ran).toBe('wasm-simd');
    expect(out.nngp).toEqual(fresh.nngp.data);
    expect(out.ntk).toEqual(fresh.ntk!.data);
  });
});

describe('wasm kernel on worker threads (shared wasm memory)', () => {
  afterAll(() => shutdownKernelWorkers());

  /** Largest relative difference of a result's entries from the JS kernel's on the calling thread. */
  const worstVs = (js: KernelResult, r: KernelResult): number => {
    let worst = 0;
    for (const k of ['nngp', 'ntk'] as const) {
      const a = js[k]!.data, b = r[k]!.data;
      for (let t = 0; t < a.length; t++) worst = Math.max(worst, a[t] === b[t] ? 0 : Math.abs(a[t] - b[t]) / Math.abs(a[t]));
    }
    return worst;
  };

  it('2 and 3 threads give the entries of the JS kernel, Gram and x1 × x2, fresh and into shared buffers', async () => {
    for (const spec of [ARCHS[0], ARCHS[2], ARCHS[5]]) {
      const arch = parseArchitecture(spec);
      const X = awkwardRows(200, 5, 31, false), Y = awkwardRows(130, 5, 32, false);
      for (const [x2, n2] of [[undefined, 200], [Y, 130]] as const) {
        const js = kernels(arch, X, x2, { engine: 'js' });
        for (const threads of [2, 3]) {
          const r = await kernelsAsync(arch, X, x2, { threads });
          expect(r.engine.ran).toBe('wasm-simd');
          expect(r.threads).toBe(threads);
          expect(worstVs(js, r)).toBe(0);
        }
        const sab = () => new Float64Array(new SharedArrayBuffer(200 * n2 * 8)).fill(NaN);
        const out = { nngp: sab(), ntk: sab() };
        const r = await kernelsAsync(arch, X, x2, { threads: 2, out });
        expect(r.nngp.data).toBe(out.nngp);
        expect(worstVs(js, r)).toBe(0);
      }
    }
  });

  it('overlapping calls (each its own wasm memory while another holds the kept one) stay correct', async () => {
    const arch = stack(3, relu(), Math.SQRT2, 0.1);
    const X = randomRows(180, 6, 41), Y = randomRows(150, 6, 42);
    const [a, b] = await Promise.all([kernelsAsync(arch, X, undefined, { threads: 2 }), kernelsAsync(arch, Y, undefined, { threads: 2 })]);
    expect(worstVs(kernels(arch, X, undefined, { engine: 'js' }), a)).toBe(0);
    expect(worstVs(kernels(arch, Y, undefined, { engine: 'js' }), b)).toBe(0);
    const js = await kernelsAsync(arch, X, undefined, { threads: 2, engine: 'js' });
    expect(js.engine.ran).toBe('js');
    expect(worstVs(js, a)).toBe(0);
  });
});

describe('the wasm block driver: one checked text for every thread', () => {
  it('passes the ntk source check for every depth and input dimension it is built for', () => {
    for (const [d, depth] of [[1, 1], [5, 2], [16, 3], [17, 6]] as const) {
      const src = driverSource(kernelPlan(stack(depth, relu(), 1.3, 0.1), d, true));
      expect(() => assertSafeSource(src, 'ntk')).not.toThrow();
    }
  });

  it('is the source every worker job is sent (and the only text in the message), and the blocks it runs give the JS kernel entries', async () => {
    const arch = parseArchitecture(ARCHS[2]);
    const X = awkwardRows(150, 5, 51, false);
    const plan = kernelPlan(arch, 5, true);
    const x = Float64Array.from(X.flat()), n = X.length, DS = plan.depth + 1;
    const D = new Float64Array(n * DS), R = new Float64Array(n * DS);
    expect(compileSource<DiagFn>(diagSource(plan))(x, n, D, R, null)).toBe(-1);
    const sab = () => new Float64Array(new SharedArrayBuffer(n * n * 8)).fill(NaN);
    const nngp = sab(), ntk = sab();
    const order = Int32Array.from({ length: Math.ceil(n / 64) }, (_, b) => b * 64);
    const messages: Record<string, unknown>[] = [];
    // the posted jobs do nothing (no worker runs them): the calling thread claims every block
    await wasmRowsThreaded(plan, x, x, n, n, D, R, D, R, nngp, ntk, true, 3, order, async (_k, m) => { messages.push(m); });
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m.source).toBe(driverSource(plan));
      expect(Object.entries(m).filter(([, v]) => typeof v === 'string').map(([k]) => k)).toEqual(['source']);
    }
    const js = kernels(arch, X, undefined, { engine: 'js' });
    expect(Array.from(nngp)).toEqual(Array.from(js.nngp.data));
    expect(Array.from(ntk)).toEqual(Array.from(js.ntk!.data));
  });
});

describe('kernel worker pool', () => {
  it('an awaited warmKernelWorkers alone keeps the process alive until its workers are up', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      "import { warmKernelWorkers } from './src/ntk/index.ts'; await warmKernelWorkers(2); console.log('up');"],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('up');
  });
});

describe('kernelsAsync default thread count (WASM_THREADING)', () => {
  afterAll(() => shutdownKernelWorkers());
  const arch = stack(3, relu(), Math.SQRT2, 0.1);
  const all = Math.min(availableParallelism(), 8) >= 2 ? Math.min(availableParallelism(), 8) : 0;
  /** Gram sizes whose N·N/2 entries lie just below, resp. above, an entry count. */
  const below = (cells: number) => Math.floor(Math.sqrt(2 * cells)) - 2, above = (cells: number) => Math.ceil(Math.sqrt(2 * cells)) + 1;

  it('with the workers not running: the cold count; running: the fresh count, or the out count into shared buffers', async () => {
    await shutdownKernelWorkers();
    const n = above(WASM_THREADING.fresh);
    expect((await kernelsAsync(arch, randomRows(n, 4, 1))).threads).toBe(0); // below cold
    await warmKernelWorkers(all);
    expect((await kernelsAsync(arch, randomRows(below(WASM_THREADING.fresh), 4, 2))).threads).toBe(0);
    const fresh = await kernelsAsync(arch, randomRows(n, 4, 3));
    expect(fresh.engine.ran).toBe('wasm-simd');
    expect(fresh.threads).toBe(all);
    const sab = () => new Float64Array(new SharedArrayBuffer(n * n * 8));
    expect((await kernelsAsync(arch, randomRows(n, 4, 3), null, { out: { nngp: sab(), ntk: sab() } })).threads).toBe(0); // below out
    // the JS kernel keeps the compile runtime's 2^18 entries
    expect((await kernelsAsync(arch, randomRows(below(2 ** 18), 4, 4), null, { engine: 'js' })).threads).toBe(0);
    expect((await kernelsAsync(arch, randomRows(above(2 ** 18), 4, 4), null, { engine: 'js' })).threads).toBe(all);
  });
});

describe('engine selection', () => {
  it('auto runs the wasm kernel for the ABReLU and erf families and the JS kernel elsewhere, saying why', () => {
    const X = randomRows(10, 3, 1);
    const r = kernels(stack(2, relu(), 1.4, 0.1), X);
    expect(r.engine.ran).toBe('wasm-simd');
    const e = kernels(parseArchitecture('serial(dense(1.3, 0.1), erf, dense(1.1, 0.4), relu, dense(1, 0.2))'), X);
    expect(e.engine).toEqual({ ran: 'wasm-simd', reason: expect.stringContaining('erf') });
    const g = kernels(parseArchitecture('serial(dense(1.3, 0.1), erf, dense(1.1, 0.4), gelu, dense(1, 0.2))'), X);
    expect(g.engine).toEqual({ ran: 'js', reason: expect.stringContaining('activation gelu is outside') });
    expect(kernels(stack(2, relu(), 1.4, 0.1), X, undefined, { engine: 'js' }).engine.ran).toBe('js');
  });

  it("refuses engine 'wasm' where it does not apply and unknown engines", () => {
    const X = randomRows(4, 2, 2);
    expect(() => kernels(parseArchitecture('serial(dense(1), gelu, dense(1))'), X, undefined, { engine: 'wasm' }))
      .toThrow(KernelInputError);
    expect(() => kernels(stack(1, relu(), 1, 0), X, undefined, { engine: 'gpu' as 'js' })).toThrow(/engine: unknown kernel 'gpu'/);
  });
});

describe('wasm encoder', () => {
  it('encodes f64x2 arithmetic that runs: (a, b) ↦ lane sum of a·(a, b) + √(b, b)', () => {
    const c = new Code([F64, F64], [F64]);
    const v = c.local(V128);
    c.get(0).simd('f64x2.splat').get(1).simd('f64x2.splat').simd('f64x2.mul')
      .get(1).simd('f64x2.splat').simd('f64x2.sqrt').simd('f64x2.add').set(v);
    c.get(v).simd('f64x2.extract_lane', 0).get(v).simd('f64x2.extract_lane', 1).op('f64.add');
    const bytes = encodeModule([{ name: 'f', code: c }], 1);
    const api = wasmApi()!;
    expect(api.validate(bytes)).toBe(true);
    const memory = new api.Memory({ initial: 1 });
    const f = new api.Instance(new api.Module(bytes), { env: { memory } }).exports.f as (a: number, b: number) => number;
    expect(f(3, 4)).toBe(2 * (3 * 4 + 2));
  });

  it('refuses names outside its fixed identifiers', () => {
    expect(() => encodeModule([{ name: 'x"; evil', code: new Code([]) }], 1)).toThrow(RangeError);
  });
});
