// integrate() and simulateSde(): the one ODE and the one SDE entry from a System.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/symbolic/index.ts';
import type { System } from '../../src/symbolic/index.ts';
import { Rng } from '../../src/numeric/index.ts';
import { eulerMaruyama } from '../../src/numeric/index.ts';
import { DivergenceError } from '../../src/numeric/index.ts';
import { Trajectory } from '../../src/numeric/index.ts';
import { compileRhs } from '../../src/compile/index.ts';
import { compileIntegrator } from '../../src/compile/index.ts';
import { CompileError } from '../../src/compile/index.ts';
import { integrate, simulateSde } from '../../src/compile/index.ts';

const sys = (state: string[], params: string[], drift: string[], diffusion?: string[]): System =>
  ({ state, params, drift: drift.map((d) => parse(d)), ...(diffusion ? { diffusion: diffusion.map((g) => parse(g)) } : {}) });

const bits = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i]), `entry ${i}: ${a[i]} vs ${b[i]}`).toBe(true);
};

describe('integrate(): form and flushBelow reach the fused integrator', () => {
  // a polynomial drift whose collected form has fewer operations (so other rounding), decaying towards 0
  const quad = sys(['x', 'y'], ['a', 'b'], ['-a*x - b*x + a*b*x*y - a*x*y - x^3', '-y - a*b*y + b*x*y - a*x*y - y^3']);
  const params = [{ a: 1, b: 0.5 }, { a: 2, b: 0.3 }];
  const initial = [{ x: 1, y: -0.5 }, { x: 0.2, y: 2 }];
  const P = new Float64Array([1, 0.5, 2, 0.3]), y0 = new Float64Array([1, -0.5, 0.2, 2]);

  it("same numbers as compileIntegrator(form).run(flushBelow), records at grid times (repeats and t0 allowed)", () => {
    const steps = 400, T = 8, h = T / steps;
    const recordSteps = [0, 100, 100, 250, 400];
    const traj = integrate(quad, {
      params, initial, t1: T, steps, record: recordSteps.map((s) => (s === steps ? T : s * h)), form: 'collected', flushBelow: 1e-100,
    });
    expect(traj.ran.path).toBe('fused');
    expect(traj.ran.reason).toMatch(/form 'collected', flushBelow 1e-100/);
    const direct = compileIntegrator(quad, { backend: 'f64', form: 'collected' }).run({ y0, params: P, t0: 0, t1: T, steps, recordSteps: [100, 250, 400], flushBelow: 1e-100 });
    bits(traj.y[0], y0);
    bits(traj.y[1], direct.y[0]);
    bits(traj.y[2], direct.y[0]);
    bits(traj.y[3], direct.y[1]);
    bits(traj.y[4], direct.y[2]);
    expect(traj.stats).toEqual({ steps, rejected: 0, rhsEvals: 4 * steps });
    // every step recorded (the default) and 'final' work too
    const all = integrate(quad, { params, initial, t1: T, steps, form: 'collected' });
    expect(all.t.length).toBe(steps + 1);
    bits(all.y[400], compileIntegrator(quad, { backend: 'f64', form: 'collected' }).run({ y0, params: P, t0: 0, t1: T, steps }).y[0]);
    const fin = integrate(quad, { params, initial, t1: T, steps, record: 'final', flushBelow: 1e-100 });
    expect(Array.from(fin.t)).toEqual([0, T]);
    // 'as-written' without flushing is the untuned path: bit-identical to compileRhs + ode.rk4 as before
    const written = integrate(quad, { params, initial, t1: T, steps, record: 'final', form: 'as-written' });
    expect(written.ran.reason).toMatch(/bit-identical/);
    expect(Array.from(written.final)).not.toEqual(Array.from(all.final));
    // flushing: values below the threshold become 0 instead of ending in subnormals
    const late = { params, initial, t1: 400, steps: 4000, record: [200] };
    expect(Array.from(integrate(quad, { ...late, flushBelow: 1e-100 }).final).filter((v) => v !== 0).every((v) => Math.abs(v) >= 1e-100)).toBe(true);
    expect(Array.from(integrate(quad, late).final).some((v) => v !== 0 && Math.abs(v) < 1e-100)).toBe(true);
  });

  it('refuses what the fused integrator cannot do: off-grid records, dopri5', () => {
    expect(() => integrate(quad, { params, initial, t1: 1, steps: 10, record: [0.55], form: 'collected' })).toThrow(CompileError);
    expect(() => integrate(quad, { params, initial, t1: 1, steps: 10, record: [0.55], flushBelow: 1e-100 })).toThrow(/not a point of the step grid/);
    expect(() => integrate(quad, { params, initial, t1: 1, method: 'dopri5', form: 'collected' })).toThrow(/dopri5/);
  });

  it('divergence: a DivergenceError whose partial is a Trajectory of the records before the failing step', () => {
    const blow = sys(['x'], ['c'], ['c*x^2']);
    try {
      integrate(blow, { params: { c: 1 }, initial: [{ x: 0.5 }, { x: 2 }], t1: 3, steps: 300, record: [0, 0.1, 0.2, 3], form: 'collected' });
      expect.unreachable();
    } catch (e) {
      const err = e as DivergenceError<Trajectory>;
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err.batchIndex).toBe(1);
      expect(err.variable).toBe('x');
      expect(err.partial).toBeInstanceOf(Trajectory);
      expect(Array.from(err.partial.t)).toEqual([0, 0.1, 0.2]);
      expect(err.partial.named(1).series.x[0]).toBe(2);
    }
  });
});

describe('simulateSde(): the one SDE entry', () => {
  const osc = sys(['x', 'v'], ['k', 's'], ['v', '-k*x'], ['0', 's']);

  it('compiles drift and diffusion once; components with a literal-0 diffusion draw no random numbers', () => {
    const run = simulateSde(osc, { params: { k: 2, s: 0.3 }, initial: [{ x: 1, v: 0 }, { x: 0, v: 1 }], t1: 1, steps: 50, seed: 5, record: [0, 0.5, 1] });
    const P = new Float64Array([2, 0.3]);
    const ref = eulerMaruyama({ drift: compileRhs(osc, { params: P }), diffusion: compileRhs(osc, { params: P, which: 'diffusion' }) },
      [1, 0, 0, 1], { t0: 0, t1: 1, steps: 50, batch: 2, rng: new Rng(5), record: [0, 0.5, 1], noisy: [1] });
    run.y.forEach((y, r) => bits(y, ref.y[r]));
    expect(run.names).toEqual(['x', 'v']);
    expect(run.named(1).series.v.length).toBe(3);
    // all components noisy: the same draws as before noisy existed (one per component, member by member)
    const both = sys(['x', 'v'], ['k', 's'], ['v', '-k*x'], ['s', 's']);
    const a = simulateSde(both, { params: { k: 2, s: 0.3 }, initial: [{ x: 1, v: 0 }], t1: 1, steps: 50, seed: 5, record: 'final' });
    const b = eulerMaruyama({ drift: compileRhs(both, { params: P }), diffusion: compileRhs(both, { params: P, which: 'diffusion' }) },
      [1, 0], { t0: 0, t1: 1, steps: 50, rng: new Rng(5), record: 'final' });
    bits(a.final, b.final);
    expect(() => simulateSde(sys(['x'], [], ['-x']), { params: {}, initial: [{ x: 1 }], t1: 1, steps: 5, seed: 1 })).toThrow(/no diffusion/);
  });

  it('meanField: moments of the batch fed into the parameters of the same names before every step', () => {
    // particles pulled towards their own mean m, which is a parameter of the System
    const mv = sys(['x'], ['theta', 'm', 'sigma'], ['-theta*(x - m)'], ['sigma']);
    const M = 300, y0 = Float64Array.from({ length: M }, (_, i) => Math.cos(i));
    const stats = (y: Float64Array, out: Float64Array) => {
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i];
      out[0] = s / y.length;
      let v = 0;
      for (let i = 0; i < y.length; i++) v += (y[i] - out[0]) ** 2;
      out[1] = v / y.length;
    };
    const run = simulateSde(mv, {
      params: { theta: 1.5, sigma: 0.4 }, initial: y0, t1: 2, dt: 0.01, seed: new Rng(17), record: [0, 0.25, 1, 2], align: 'records',
      meanField: { names: ['m', 'spread'], compute: (_t, y, out) => stats(y, out) },
    });
    expect(run.names).toEqual(['m', 'spread']);
    expect(Array.from(run.t)).toEqual([0, 0.25, 1, 2]);
    // the same run through the numeric core, with m read from a closure
    const shared = { m: 0 };
    const ref = eulerMaruyama({
      drift: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = -1.5 * (y[i] - shared.m); },
      diffusion: (_t, _y, out) => { out.fill(0.4); },
    }, y0, {
      t0: 0, t1: 2, dt: 0.01, batch: M, rng: new Rng(17), record: [0, 0.25, 1, 2], align: 'records', noisy: [0],
      meanField: { names: ['m', 'spread'], compute: (_t, y, out) => { stats(y, out); shared.m = out[0]; } },
    });
    run.y.forEach((y, r) => bits(y, ref.y[r]));
    bits(run.endState, ref.endState);
    expect(() => simulateSde(mv, { params: { theta: 1, sigma: 1, m: 0 }, initial: y0, t1: 1, steps: 5, seed: 1, meanField: { names: ['m'], compute: () => {} } }))
      .toThrow(/parameter m is computed from the state/);
    expect(() => simulateSde(mv, { params: { theta: 1, sigma: 1 }, initial: y0, t1: 1, steps: 5, seed: 1 })).toThrow(/parameter m needs a value/);
    expect(() => simulateSde(mv, { params: { theta: 1, sigma: 1 }, initial: new Float64Array(0), t1: 1, steps: 5, seed: 1 })).toThrow(/positive multiple/);
  });
});
