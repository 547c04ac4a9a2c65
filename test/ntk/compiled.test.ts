// The compiled (f32, gpu.js) NNGP/NTK against the f64 kernels: the f64 twin of the
// same Expr equals the fused f64 kernel (to rounding of the arccos/arcsin forms),
// and every f32 entry lies within the running error bound of compile/bound.ts
// (F32_WASM_MODEL, with the error the f32 dot product already carries).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/ntk/index.ts';
import { kernels, kernelsAsync } from '../../src/ntk/index.ts';
import { compileSource, diagSource, kernelPlan, rowsSource, PREAMBLE } from '../../src/ntk/codegen.ts';
import { assertSafeSource } from '../../src/compile/index.ts';
import { CompileError } from '../../src/compile/index.ts';
import { compileKernels, type CompiledKernels } from '../../src/ntk/index.ts';
import { boundEvaluator, F32_WASM_MODEL, F64_MODEL } from '../../src/compile/index.ts';
import { PAIRWISE_NAMES } from '../../src/compile/index.ts';
import { stack } from '../../src/ntk/index.ts';
import {
  ACTIVATION_SIGNATURES, CLOSED_FORM_NAMES, closedFormActivation, relu, type Activation, type ClosedFormName,
} from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const live: CompiledKernels[] = [];
afterAll(() => live.forEach((k) => k.dispose()));

function points(n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const X = new Float64Array(n * d);
  rng.fillNormal(X);
  return X;
}

const gamma = (n: number, u: number) => (n * u) / (1 - n * u);

const SPECS = [
  'serial(dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1))',
  'serial(dense(1.5, 0.5), erf, dense(1.5, 0.5), gelu, dense(1.5, none))',
  'serial(dense(1.2, 0.2), sin(1.3, 0.7, 0.4), dense(1.1, 0.3), gabor, dense(1, 0.1); parameterization=standard, width=64)',
  'serial(dense(1, 0.3), leaky_relu(0.1), dense(1.3, 0), polynomial(0.1, 1, 0.5), dense(1, 0.2))',
];

describe('compiled NNGP/NTK', () => {
  it.each(SPECS)('f64 twin = fused f64 kernel; f32 (webasm) within the derived bound: %s', async (spec) => {
    const arch = parseArchitecture(spec);
    const d = 6, N = 23, M = 17;
    const X = points(N, d, 1), Y = points(M, d, 2);
    const ref = kernels(arch, { data: X, rows: N, cols: d }, { data: Y, rows: M, cols: d });
    const twin = compileKernels(arch, d, { backend: 'f64', precision: 'f64' });
    const f32 = compileKernels(arch, d, { backend: 'webasm' });
    live.push(twin, f32);
    const t = await twin.run({ data: X, rows: N, cols: d }, { data: Y, rows: M, cols: d });
    const s = await f32.run({ data: X, rows: N, cols: d }, { data: Y, rows: M, cols: d });
    expect(s.backend).toBe('webasm');
    const u = F32_WASM_MODEL.u;
    let tested = 0, worstRatio = 0;
    for (const g of ['nngp', 'ntk'] as const) {
      const b32 = boundEvaluator([f32.exprs[g]], { inputs: PAIRWISE_NAMES }, F32_WASM_MODEL);
      const b64 = boundEvaluator([f32.exprs[g]], { inputs: PAIRWISE_NAMES }, F64_MODEL);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < M; j++) {
          const k = i * M + j;
          const r = ref[g]!.data[k];
          expect(Math.abs(t[g]!.data[k] - r), `${g} twin vs fused (${i},${j})`).toBeLessThanOrEqual(1e-11 * Math.max(1, Math.abs(r)));
          let dot = 0, absDot = 0, nx2 = 0, ny2 = 0;
          for (let c = 0; c < d; c++) {
            const a = X[i * d + c], b = Y[j * d + c];
            dot += a * b; absDot += Math.abs(a * b); nx2 += a * a; ny2 += b * b;
          }
          // f32 dot from f32-rounded inputs: γ_{d+2} Σ|x y|; norms are f64, rounded once
          const inErr = [gamma(d + 2, u) * absDot, 0, Math.abs(Math.fround(nx2) - nx2), Math.abs(Math.fround(ny2) - ny2)];
          const [{ bound }] = b32([dot, 0, nx2, ny2], inErr);
          const [{ bound: bound64 }] = b64([dot, 0, nx2, ny2]);
          if (!Number.isFinite(bound)) continue;
          tested++;
          const diff = Math.abs(s[g]!.data[k] - t[g]!.data[k]);
          const tol = 2 * (bound + bound64);
          worstRatio = Math.max(worstRatio, diff / tol);
          expect(diff, `${g} f32 (${i},${j}): f32 ${s[g]!.data[k]} f64 ${t[g]!.data[k]} bound ${tol}`).toBeLessThanOrEqual(tol);
        }
      }
    }
    expect(tested).toBeGreaterThan(0.9 * 2 * N * M);
    console.log(`${arch.spec}: ${tested} entries, max |f32 − f64| / bound = ${worstRatio.toFixed(3)}`);
  });

  it('the threaded f32 kernel gives the Gram matrix of a depth-3 ReLU net to ~1e-4 (diagonal: arccos at ρ = 1)', async () => {
    const arch = stack(3, relu(), Math.SQRT2, 0.1);
    const d = 16, N = 200;
    const X = points(N, d, 3);
    const ref = kernels(arch, { data: X, rows: N, cols: d });
    const c = compileKernels(arch, d, { backend: 'async' });
    live.push(c);
    const r = await c.run({ data: X, rows: N, cols: d });
    let off = 0, diag = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const e = Math.abs(r.ntk!.data[i * N + j] - ref.ntk!.data[i * N + j]) / Math.abs(ref.ntk!.data[i * N + j]);
        if (i === j) diag = Math.max(diag, e); else off = Math.max(off, e);
      }
    }
    console.log(`f32 ${r.backend}: NTK relative error off-diagonal ${off.toExponential(2)}, diagonal ${diag.toExponential(2)}`);
    // √(2u) for the angle at ρ = 1 (u = 2^-24) is 3.5e-4, and off the diagonal the condition is O(1)
    expect(diag).toBeLessThan(1e-3);
    expect(off).toBeLessThan(3e-4);
  });

  it.each(SPECS)('f64: NNGP and NTK from one twin of both Exprs, the same bits as each pairwise twin alone: %s', async (spec) => {
    const arch = parseArchitecture(spec);
    const d = 5, N = 37, M = 4101; // M beyond one block of entries
    const X = { data: points(N, d, 4), rows: N, cols: d }, Y = { data: points(M, d, 5), rows: M, cols: d };
    const c = compileKernels(arch, d, { backend: 'f64', precision: 'f64' });
    live.push(c);
    for (const [a, b] of [[X, Y], [X, null]] as const) {
      const r = await c.run(a, b);
      expect(r.backend).toBe('f64');
      const B = b ?? a;
      for (const g of ['nngp', 'ntk'] as const) {
        const alone = c[g]!.f64(a.data, B.data) as Float64Array;
        const got = r[g]!;
        expect([got.rows, got.cols]).toEqual([a.rows, B.rows]);
        let first = -1;
        for (let k = 0; k < alone.length && first < 0; k++) if (!Object.is(got.data[k], alone[k])) first = k;
        expect(first, `${g} entry ${first}: ${got.data[first]} vs ${alone[first]}`).toBe(-1);
      }
    }
  });

  it('refuses elementwise quadrature duals and nets too deep to unroll', () => {
    expect(() => compileKernels(parseArchitecture('serial(dense(1, 0), elementwise("x*tanh(x)"), dense(1, 0))'), 2)).toThrow(/no closed-form dual/);
    expect(() => compileKernels(stack(20, relu(), 1, 0.1), 2)).toThrow(/too deep for the compiled kernel/);
  });
});

describe('the recursion\'s source goes through the compile runtime\'s check', () => {
  const CANARY = '__gdNtkCanary';
  const g = globalThis as Record<string, unknown>;
  const compiled: string[] = [];
  const RealFunction = globalThis.Function;
  beforeAll(() => {
    g[CANARY] = 'intact';
    globalThis.Function = new Proxy(RealFunction, {
      construct(target, args) { compiled.push(String(args[args.length - 1])); return Reflect.construct(target, args); },
      apply(target, self, args) { compiled.push(String(args[args.length - 1])); return Reflect.apply(target, self, args); },
    });
  });
  afterAll(() => { globalThis.Function = RealFunction; });

  const SAMPLE_ARGS: Partial<Record<ClosedFormName, number[]>> = {
    leaky_relu: [0.1], abrelu: [-0.3, 2], monomial: [3], polynomial: [0.1, 1, 0.5], hermite: [4],
  };
  const X = { data: points(5, 3, 7).map((v) => 0.3 * v), rows: 5, cols: 3 };

  it('every closed-form activation, both parameterizations: sources pass the ntk vocabulary and run', () => {
    for (const name of CLOSED_FORM_NAMES) {
      const act = closedFormActivation(name, SAMPLE_ARGS[name] ?? ACTIVATION_SIGNATURES[name].defaults as number[]);
      for (const parameterization of ['ntk', 'standard'] as const) {
        const arch = stack(2, act, 0.9, 0.1, { parameterization, width: 64 });
        const plan = kernelPlan(arch, 3, true);
        for (const src of [diagSource(plan), rowsSource(plan)]) expect(() => assertSafeSource(src, 'ntk'), `${name} ${parameterization}`).not.toThrow();
        const r = kernels(arch, X);
        expect(r.nngp.data.every(Number.isFinite), `${name} ${parameterization}`).toBe(true);
      }
    }
    // an elementwise activation: no template, its dual called through EXT
    const ew = parseArchitecture('serial(dense(1, 0.1), elementwise("x*tanh(x)"), dense(1, 0.1))');
    const plan = kernelPlan(ew, 3, true);
    for (const src of [diagSource(plan), rowsSource(plan)]) expect(() => assertSafeSource(src, 'ntk')).not.toThrow();
    expect(kernels(ew, X).ntk!.data.every(Number.isFinite)).toBe(true);
  });

  const HOSTILE = [
    `globalThis.${CANARY} = 'pwned';`,
    `K = S;\nKd = this.constructor.constructor("globalThis.${CANARY} = 1")();`,
    'K = S;\nKd = X1.constructor;', 'K = `x`;', "K = 'x';", 'K = S; // comment', 'K = S; /* c */ Kd = 1;',
    'K = process.exit(1);', 'K = require("node:fs");', 'K = eval("1");', 'K = new Function("return 1")();',
    'K = S;\nKd = \\u0061;', 'K = S;\nKd = $;', 'K = S;\nKd = globalThis;', 'K = S;\nKd = import.meta;', 'K = S;\nKd = а;',
    'K = S;\nKd = X1.__proto__;', 'K = S;\nKd = OUT.buffer;',
  ];

  it('a hostile template never compiles: kernels and kernelsAsync refuse it with a CompileError before running anything', async () => {
    for (const text of HOSTILE) {
      for (const where of ['pair', 'diag'] as const) {
        const act: Activation = { ...relu(), template: { pair: where === 'pair' ? text : relu().template!.pair, diag: where === 'diag' ? text : 'k = q;' } };
        const arch = stack(1, act, 1.1, 0.1);
        expect(() => kernels(arch, X), `${where}: ${text}`).toThrow(CompileError);
        await expect(kernelsAsync(arch, X, null, { threads: 2 }), `${where}: ${text}`).rejects.toThrow(CompileError);
      }
      expect(() => compileSource(`${PREAMBLE}\nreturn function dual(S, s1, s2) {\nlet K, Kd;\n${text}\nreturn [K, Kd];\n};`)).toThrow(CompileError);
    }
    expect(g[CANARY]).toBe('intact');
  });

  it('the compile vocabulary still refuses what only the ntk one allows', () => {
    expect(() => assertSafeSource('const CW = new Float64Array([1]);')).toThrow(CompileError);
    expect(() => assertSafeSource('return x > 0 ? 1 : 0;')).toThrow(CompileError);
    expect(() => assertSafeSource('return this.thread.x;', 'ntk')).toThrow(CompileError);
    expect(() => assertSafeSource('return H.erf;', 'ntk')).toThrow(CompileError);
  });

  it('every source that reached the Function constructor passed a vocabulary; the canary is intact', () => {
    expect(compiled.length).toBeGreaterThan(0);
    for (const src of compiled) {
      const ok = [undefined, 'ntk'].some((v) => { try { assertSafeSource(src, v as 'ntk' | undefined); return true; } catch { return false; } });
      expect(ok, src.slice(0, 200)).toBe(true);
    }
    expect(g[CANARY]).toBe('intact');
  });
});
