// (a) The f32 GPU.js kernel agrees with the f64 twin within a forward error
// bound computed for the very operations the kernel performs.
//
// Tolerance: |f32 − twin| ≤ S·(bound32 + bound64), since |f32 − exact| ≤
// bound32 and |twin − exact| ≤ bound64. The bound is rigorous for IEEE f32
// with correctly rounded + − × ÷ √ and Math.* rounded once from f64 (gpu.js
// 'webasm'; 'cpu' computes in f64 and rounds once, which is tighter), with
// our own f32 helpers' measured budgets. S = 2 covers what the analysis
// itself computes in f64: the exact values and interval endpoints carry
// relative errors ~2^-52 (2^-28 of one f32 rounding), and the f64 reference
// functions (special.ts erf, V8 Math) are accurate to a few f64 ulps.

import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from '../../src/symbolic/index.ts';
import { print } from '../../src/symbolic/index.ts';
import { F64_FUNCTIONS } from '../../src/symbolic/index.ts';
import { compile, type Kernel } from '../../src/compile/index.ts';
import { CompileError } from '../../src/compile/index.ts';
import { F32_HELPER_BUDGET, F32_WASM_MODEL, F64_MODEL, boundEvaluator } from '../../src/compile/index.ts';
import { INPUTS, NAMES, PARAMS, exprString, randomPoints } from './arbitraries.ts';

const S = 2;
const u32 = 2 ** -24;
const live: Kernel[] = [];
afterAll(() => live.forEach((k) => k.dispose()));

interface Tally { tested: number; skipped: number }

/** Compiles a batch of expressions once and checks them at B random points. */
async function checkBatch(srcs: string[], seed: number, backend: 'webasm' | 'cpu' | 'async', B: number, tally: Tally) {
  const exprs = srcs.map((s) => parse(s));
  let kernel: Kernel;
  try {
    kernel = compile(exprs, { inputs: INPUTS, params: PARAMS, backend });
  } catch (err) {
    // a folded constant beyond float32's range cannot be a float32 kernel
    if (err instanceof CompileError && /overflows float32/.test(err.message)) return;
    throw err;
  }
  live.push(kernel);
  const X = randomPoints(seed, B, INPUTS.length);
  const P = randomPoints(seed + 1, B, PARAMS.length); // per-member parameters
  const f32 = backend === 'async' ? await kernel.runAsync(X, P) : kernel.run(X, P);
  const f64 = kernel.f64(X, P);
  const bound32 = boundEvaluator(exprs, { inputs: INPUTS, params: PARAMS }, F32_WASM_MODEL);
  const bound64 = boundEvaluator(exprs, { inputs: INPUTS, params: PARAMS }, F64_MODEL);
  const n = exprs.length;
  const values = new Float64Array(NAMES.length);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < INPUTS.length; i++) values[i] = X[b * INPUTS.length + i];
    for (let j = 0; j < PARAMS.length; j++) values[INPUTS.length + j] = P[b * PARAMS.length + j];
    const b32 = bound32(values), b64 = bound64(values);
    for (let k = 0; k < n; k++) {
      const { value, bound } = b32[k];
      if (!Number.isFinite(value) || !Number.isFinite(bound) || !Number.isFinite(b64[k].bound)) {
        tally.skipped++;
        continue;
      }
      tally.tested++;
      const got = f32[b * n + k], ref = f64[b * n + k];
      const tol = S * (bound + b64[k].bound);
      if (!(Math.abs(got - ref) <= tol)) {
        const point = NAMES.map((name, i) => `${name}=${values[i]}`).join(', ');
        throw new Error([
          `${backend} f32 result outside its error bound`,
          `  expression: ${print(exprs[k])}`,
          `  point:      ${point}`,
          `  f32:        ${got}`,
          `  f64 twin:   ${ref}`,
          `  |diff|:     ${Math.abs(got - ref)}`,
          `  bound:      ${S}·(${bound} + ${b64[k].bound}) = ${tol}`,
        ].join('\n'));
      }
    }
  }
}

describe('f32 kernel vs f64 twin within the forward error bound', () => {
  for (const [backend, runs, B] of [['webasm', 40, 48], ['cpu', 10, 48], ['async', 4, 1024]] as const) {
    it(`${backend}: random expressions at random points`, async () => {
      const tally: Tally = { tested: 0, skipped: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(exprString, { minLength: 6, maxLength: 6 }), fc.nat(2 ** 30), async (srcs, seed) => {
          await checkBatch(srcs, seed, backend, B, tally);
        }),
        { numRuns: runs, seed: 20240611 + runs },
      );
      // most points must be checkable (outside a function's domain they are skipped)
      expect(tally.tested).toBeGreaterThan(0.4 * (tally.tested + tally.skipped));
    });
  }

  it('integer powers of negative numbers are products, not NaN (f32 Math.pow would be)', () => {
    const k = compile([parse('x^3'), parse('x^4'), parse('x^(-3)'), parse('(x-y)^2')], { inputs: ['x', 'y'], backend: 'webasm' });
    live.push(k);
    const y = k.run(new Float64Array([-1.5, 0.5]));
    expect(Array.from(y)).toEqual([-3.375, 5.0625, Math.fround(-1 / 3.375), 4]);
    expect(k.source.gpujs).not.toMatch(/Math\.pow/);
  });
});

describe('f32 helper functions stay within their budgets', () => {
  // dense grids of f32 inputs (no input rounding), linear on [-12, 12] and
  // logarithmic towards 0, where relative accuracy is hardest
  const N = 200_001;
  const linear = new Float64Array(N).map((_, i) => Math.fround(-12 + (24 * i) / (N - 1)));
  const towardsZero = new Float64Array(N).map((_, i) => {
    const t = (i - (N - 1) / 2) / ((N - 1) / 2);
    return Math.fround(Math.sign(t) * 10 ** (-12 + 12 * Math.abs(t)));
  });
  for (const fn of ['erf', 'sigmoid', 'softplus'] as const) {
    it(`${fn}: max error ≤ ${F32_HELPER_BUDGET[fn]}u (u = 2^-24) of the f64 value`, () => {
      const k = compile([parse(`${fn}(x)`)], { inputs: ['x'], backend: 'webasm' });
      live.push(k);
      let worst = 0, at = 0;
      for (const grid of [linear, towardsZero]) {
        const y = k.run(grid);
        for (let i = 0; i < grid.length; i++) {
          const ref = F64_FUNCTIONS[fn](grid[i]);
          const err = Math.abs(y[i] - ref) / (u32 * Math.abs(ref) + F32_WASM_MODEL.eta);
          if (err > worst) { worst = err; at = grid[i]; }
        }
      }
      expect(worst, `${fn}: worst error ${worst.toFixed(2)}u at x = ${at}`).toBeLessThanOrEqual(F32_HELPER_BUDGET[fn]);
    });
  }
});
