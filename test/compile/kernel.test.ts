// Batched kernels: layout, backends and what they report, the auto rule,
// and the System right-hand side in the numeric layer's layout.

import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { GPU } from 'gpu.js';
import { parse } from '../../src/symbolic/index.ts';
import { evaluate } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import { rk4 } from '../../src/numeric/index.ts';
import {
  COST_NS, KERNEL_MARGIN, THREADING, chooseBackend, compile, compileRhs, estimateCost, type Kernel,
} from '../../src/compile/index.ts';
import { CompileError, countOps, Lowering, declare } from '../../src/compile/lower.ts';
import { randomPoints } from './arbitraries.ts';

const live: Kernel[] = [];
const keep = (k: Kernel) => { live.push(k); return k; };
afterAll(() => live.forEach((k) => k.dispose()));

const lorenz: System = {
  state: ['x', 'y', 'z'],
  params: ['sigma', 'rho', 'beta'],
  drift: [parse('sigma*(y - x)'), parse('x*(rho - z) - y'), parse('x*y - beta*z')],
};
const LORENZ_P = [10, 28, 8 / 3];

/** Reference: the interpreter, member by member. */
function interpret(sys: { state: readonly string[]; params: readonly string[]; drift: readonly ReturnType<typeof parse>[] },
  X: ArrayLike<number>, P: ArrayLike<number>, B: number): Float64Array {
  const D = sys.state.length, nP = sys.params.length, n = sys.drift.length;
  const perMember = P.length === B * nP && B > 1;
  const out = new Float64Array(B * n);
  for (let b = 0; b < B; b++) {
    const env: Record<string, number> = {};
    sys.state.forEach((s, i) => { env[s] = X[b * D + i]; });
    sys.params.forEach((s, j) => { env[s] = P[(perMember ? b * nP : 0) + j]; });
    sys.drift.forEach((e, k) => { out[b * n + k] = evaluate(e, env); });
  }
  return out;
}

describe('batched layout', () => {
  const B = 7;
  const X = randomPoints(1, B, 3, 5);
  const Pm = randomPoints(2, B, 3, 5);

  it('shared and per-member parameters; out is filled and returned; Float32Array inputs', () => {
    const k = keep(compile(lorenz, { backend: 'f64' }));
    expect(k.inputs).toEqual(['x', 'y', 'z']);
    expect(k.params).toEqual(['sigma', 'rho', 'beta']);
    expect(k.nOut).toBe(3);
    expect(Array.from(k.run(X, new Float64Array(LORENZ_P)))).toEqual(Array.from(interpret(lorenz, X, LORENZ_P, B)));
    expect(Array.from(k.run(X, Pm))).toEqual(Array.from(interpret(lorenz, X, Pm, B)));
    const out = new Float64Array(B * 3);
    expect(k.run(X, Pm, out)).toBe(out);
    const X32 = Float32Array.from(X);
    expect(Array.from(k.run(X32, Pm))).toEqual(Array.from(interpret(lorenz, X32, Pm, B)));
  });

  it('gpu.js backends use the same layout (f32: equal to the twin within 1e-5 relative)', async () => {
    const twin = keep(compile(lorenz, { backend: 'f64' })).run(X, Pm);
    for (const backend of ['cpu', 'webasm', 'async'] as const) {
      const k = keep(compile(lorenz, { backend }));
      const y = backend === 'async' ? await k.runAsync(X, Pm) : k.run(X, Pm);
      y.forEach((v, i) => expect(Math.abs(v - twin[i]), `${backend} [${i}]`).toBeLessThanOrEqual(1e-5 * (Math.abs(twin[i]) + 100)));
    }
  });

  it('refuses inconsistent shapes with the sizes in the message', () => {
    const k = keep(compile(lorenz, { backend: 'f64' }));
    expect(() => k.run(new Float64Array(8), new Float64Array(LORENZ_P))).toThrow(/length 8, not a multiple of 3/);
    expect(() => k.run(X, new Float64Array(5))).toThrow(/expected 3 \(shared\) or 7×3 = 21 \(per member\)/);
    expect(() => k.run(X)).toThrow(/sigma, rho, beta need values/);
    expect(() => k.run(X, Pm, new Float64Array(3))).toThrow(/out has length 3/);
  });

  it('splits batches beyond 2^22 cells into several gpu.js calls', () => {
    const k = keep(compile([parse('2*x + 1'), parse('x*x')], { inputs: ['x'], backend: 'webasm' }));
    const B = 2 ** 21 + 3; // 2^22 + 6 cells
    const X = new Float64Array(B).map((_, i) => (i % 1000) / 8);
    const y = k.run(X);
    for (const b of [0, 1, 2 ** 21 - 1, 2 ** 21, 2 ** 21 + 1, B - 1]) {
      expect(y[2 * b]).toBe(2 * X[b] + 1);
      expect(y[2 * b + 1]).toBe(X[b] * X[b]);
    }
  });
});

describe('backends say what ran', () => {
  const X = randomPoints(3, 4096, 3);
  const P = new Float64Array(LORENZ_P);

  it('f64, cpu, webasm', () => {
    expect(keep(compile(lorenz, { backend: 'f64' })).backend).toBe('f64');
    for (const backend of ['cpu', 'webasm'] as const) {
      const k = keep(compile(lorenz, { backend }));
      k.run(X, P);
      expect(k.backend).toBe(backend);
      expect(k.precision).toBe('f32');
      expect(k.threaded).toBe(false);
    }
  });

  it("'async' runs threaded webasm for large batches and needs runAsync", async () => {
    const k = keep(compile(lorenz, { backend: 'async' }));
    expect(() => k.run(X, P)).toThrowError(/call runAsync/);
    await k.runAsync(X, P); // 12288 cells ≥ 4096: gpu.js threads it
    expect(k.backend).toBe('webasm');
    expect(k.threaded).toBe(true);
  });

  it("'gpu' needs a GL context and says so", () => {
    if (GPU.isHeadlessGLSupported) {
      expect(['headlessgl', 'webgl2', 'webgl']).toContain(keep(compile(lorenz, { backend: 'gpu' })).backend);
    } else {
      expect(() => compile(lorenz, { backend: 'gpu' })).toThrowError(/needs a GL context .* none is available here/);
    }
  });

  it('refuses unknown backends and f64 on float32 backends', () => {
    expect(() => compile(lorenz, { backend: 'cuda' as never })).toThrowError(CompileError);
    expect(() => compile(lorenz, { backend: 'webasm', precision: 'f64' })).toThrowError(/computes in float32/);
    expect(() => compile(lorenz, { precision: 'f16' as never })).toThrowError(/unknown precision/);
    expect(() => compile([], { inputs: [] })).toThrowError(/nothing to compile/);
  });
});

describe('the auto rule', () => {
  const cost = (src: string, names: string[]) => {
    const lw = new Lowering(declare([{ role: 'input', names }]));
    return estimateCost(countOps([lw.lower(parse(src))]), 1, 2);
  };

  it("precision 'f64' always takes the twin", () => {
    const k = keep(compile([parse('erf(x)+erf(y)')], { inputs: ['x', 'y'] }));
    k.run(new Float64Array(2e4));
    expect(k.backend).toBe('f64');
    expect(k.reason).toMatch(/precision 'f64'/);
  });

  it('f32 light per-element work (Lorenz) stays on the twin, sync or async', async () => {
    const k = keep(compile(lorenz, { precision: 'f32' }));
    const X = randomPoints(4, 1e5, 3);
    k.run(X, new Float64Array(LORENZ_P));
    expect(k.backend).toBe('f64');
    await k.runAsync(X, new Float64Array(LORENZ_P));
    expect(k.backend).toBe('f64');
    expect(k.reason).toMatch(/the twin is faster/);
  });

  it('f32 erf-heavy work goes to the kernel: webasm for run, threaded for runAsync', async () => {
    const k = keep(compile([parse('erf(x) + erf(y) + erf(x*y) + erf(x - y)')], { inputs: ['x', 'y'], precision: 'f32' }));
    const X = randomPoints(5, 2e4, 2);
    k.run(X);
    expect(k.backend).toBe('webasm');
    expect(k.threaded).toBe(false);
    await k.runAsync(X);
    expect(k.backend).toBe('webasm');
    expect(k.threaded).toBe(availableParallelism() >= 2); // one core: threads cannot pay
    expect(k.reason).toMatch(/the kernel is faster/);
  });

  it('chooseBackend follows the predicted costs with the margin', () => {
    const light = cost('x*(y - 1) + y*y', ['x', 'y']);
    const erf = cost('erf(x)', ['x']);
    expect(light.twin).toBeLessThan(KERNEL_MARGIN * light.webasm);
    expect(erf.webasm).toBeLessThan(KERNEL_MARGIN * erf.twin);
    expect(chooseBackend({ precision: 'f32', cost: light, cells: 1e6, async: true }).backend).toBe('f64');
    expect(chooseBackend({ precision: 'f32', cost: erf, cells: 1e6, async: false }).backend).toBe('webasm');
    expect(chooseBackend({ precision: 'f32', cost: erf, cells: 1e6, async: true }).backend).toBe('async');
    expect(chooseBackend({ precision: 'f32', cost: erf, cells: THREADING.minCells - 1, async: true }).backend).toBe('webasm');
    expect(chooseBackend({ precision: 'f64', cost: erf, cells: 1e6, async: true }).backend).toBe('f64');
    expect(erf.twin).toBeCloseTo(COST_NS.twin.cell + COST_NS.twin.erf, 10);
  });
});

describe('compileRhs', () => {
  const B = 5;
  const y0 = randomPoints(6, B, 3, 10);

  it('equals the interpreter, shared and per-member parameters; dydt may alias y', () => {
    const rhs = compileRhs(lorenz, { params: LORENZ_P });
    expect(rhs.dimension).toBe(3);
    const d = new Float64Array(3 * B);
    rhs(0, y0, d);
    expect(Array.from(d)).toEqual(Array.from(interpret(lorenz, y0, LORENZ_P, B)));
    const Pm = randomPoints(7, B, 3, 10);
    const member = rhs.withParams(Pm);
    member(0, y0, d);
    expect(Array.from(d)).toEqual(Array.from(interpret(lorenz, y0, Pm, B)));
    const y = Float64Array.from(y0);
    member(0, y, y);
    expect(Array.from(y)).toEqual(Array.from(d));
  });

  it('reads time by name, compiles the diffusion, and checks shapes', () => {
    const sys: System = {
      state: ['u'], params: ['k'], drift: [parse('-k*u + sin(t)')], diffusion: [parse('k*sqrt(abs(u))')],
    };
    const drift = compileRhs(sys, { params: [2] });
    const d = new Float64Array(2);
    drift(1.5, new Float64Array([1, -2]), d);
    expect(Array.from(d)).toEqual([-2 + Math.sin(1.5), 4 + Math.sin(1.5)]);
    compileRhs(sys, { params: [2], which: 'diffusion' })(0, new Float64Array([4, -9]), d);
    expect(Array.from(d)).toEqual([4, 6]);
    expect(() => compileRhs({ ...sys, diffusion: undefined }, { which: 'diffusion' })).toThrowError(/no diffusion/);
    expect(() => compileRhs(sys)).toThrowError(/parameters k need values/);
    expect(() => drift(0, new Float64Array(3), d)).toThrowError(/length 2 < 3/);
    expect(() => drift.withParams([1, 2, 3])(0, new Float64Array(2), d)).toThrowError(/params have length 3/);
    expect(() => compileRhs({ ...sys, drift: [] })).toThrowError(/0 components for 1 state/);
  });

  it('drives the numeric rk4 bit for bit like a hand-written right-hand side', () => {
    const batch = 64;
    const start = randomPoints(8, batch, 3, 10);
    const P = randomPoints(9, batch, 3, 1).map((v, i) => LORENZ_P[i % 3] * (1 + 0.1 * v));
    const hand = (_t: number, y: Float64Array, dy: Float64Array) => {
      for (let b = 0, o = 0; b < batch; b++, o += 3) {
        const s = P[3 * b], r = P[3 * b + 1], be = P[3 * b + 2];
        const x0 = y[o], x1 = y[o + 1], x2 = y[o + 2];
        dy[o] = s * (x1 - x0);
        dy[o + 1] = x0 * (r - x2) - x1;
        dy[o + 2] = x0 * x1 - be * x2;
      }
    };
    const opts = { t0: 0, t1: 0.5, steps: 100, batch, record: 'final' as const };
    const a = rk4(compileRhs(lorenz, { params: P }), start, opts).final;
    const b = rk4(hand, start, opts).final;
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
