// The compiled (f32, gpu.js) NNGP/NTK against the f64 kernels: the f64 twin of the
// same Expr equals the fused f64 kernel (to rounding of the arccos/arcsin forms),
// and every f32 entry lies within the running error bound of compile/bound.ts
// (F32_WASM_MODEL, with the error the f32 dot product already carries).

import { afterAll, describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/ntk/parse.ts';
import { kernels } from '../../src/ntk/kernels.ts';
import { compileKernels, type CompiledKernels } from '../../src/ntk/compiled.ts';
import { boundEvaluator, F32_WASM_MODEL, F64_MODEL } from '../../src/compile/bound.ts';
import { PAIRWISE_NAMES } from '../../src/compile/pairwise.ts';
import { stack } from '../../src/ntk/architecture.ts';
import { relu } from '../../src/ntk/activations.ts';
import { Rng } from '../../src/numeric/rng.ts';

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

  it('refuses elementwise quadrature duals and nets too deep to unroll', () => {
    expect(() => compileKernels(parseArchitecture('serial(dense(1, 0), elementwise("x*tanh(x)"), dense(1, 0))'), 2)).toThrow(/no closed-form dual/);
    expect(() => compileKernels(stack(20, relu(), 1, 0.1), 2)).toThrow(/too deep for the compiled kernel/);
  });
});
