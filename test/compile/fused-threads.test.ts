// The fused f64 twin split over threads (RunOptions.threads on runAsync): the same bits
// as the calling thread alone, for shared and per-member parameters and several records,
// and on divergence the same DivergenceError (earliest step, lowest member).
import { afterAll, describe, expect, it } from 'vitest';
import { compileIntegrator } from '../../src/compile/index.ts';
import { DivergenceError, Rng } from '../../src/numeric/index.ts';
import { parse, type System } from '../../src/symbolic/index.ts';
import { shutdownTwinWorkers } from '../../src/compile/fused/threads.ts';

const lorenz: System = {
  state: ['x', 'y', 'z'], params: ['sigma', 'rho', 'beta'],
  drift: [parse('sigma*(y - x)'), parse('x*(rho - z) - y'), parse('x*y - beta*z')],
};
const B = 1001;
const y0 = new Rng(3).fillUniform(new Float64Array(B * 3), -10, 10);
const Pm = new Float64Array(B * 3);
for (let b = 0; b < B; b++) { Pm[3 * b] = 10 + b * 1e-3; Pm[3 * b + 1] = 28; Pm[3 * b + 2] = 8 / 3; }

afterAll(async () => { await shutdownTwinWorkers(); });

describe('fused f64 twin on threads', () => {
  for (const [label, params] of [['shared', new Float64Array([10, 28, 8 / 3])], ['per member', Pm]] as const) {
    it(`gives the calling thread's bits (${label} parameters, 2 and 3 threads)`, async () => {
      const integ = compileIntegrator(lorenz, { backend: 'f64' });
      const run = { y0, params, t0: 0, dt: 0.01, steps: 300, recordSteps: [10, 150, 300], flushBelow: 1e-100 };
      const one = integ.run(run);
      for (const threads of [2, 3]) {
        const many = await integ.runAsync({ ...run, threads });
        expect(many.threaded).toBe(true);
        expect(many.reason).toMatch(new RegExp(`split over ${threads} threads`));
        expect(Array.from(many.steps)).toEqual(Array.from(one.steps));
        many.y.forEach((y, r) => expect(Array.from(y)).toEqual(Array.from(one.y[r])));
      }
      const single = await integ.runAsync({ ...run, threads: 1 });
      expect(single.threaded).toBe(false);
      integ.dispose();
    });
  }

  it('throws the single-thread DivergenceError when a member in a worker range diverges', async () => {
    const blow: System = { state: ['x'], params: ['a'], drift: [parse('a*x^2')] };
    const integ = compileIntegrator(blow, { backend: 'f64' });
    const n = 400;
    const x = new Float64Array(n).fill(0.1);
    const a = new Float64Array(n).fill(-1);
    a[350] = 50; // only a member of the last range blows up
    const run = { y0: x, params: a, t0: 0, dt: 0.01, steps: 400, recordSteps: [100, 400] };
    let one: unknown, many: unknown;
    try { integ.run(run); } catch (e) { one = e; }
    try { await integ.runAsync({ ...run, threads: 2 }); } catch (e) { many = e; }
    expect(one).toBeInstanceOf(DivergenceError);
    expect(many).toBeInstanceOf(DivergenceError);
    const [e1, e2] = [one as DivergenceError, many as DivergenceError];
    expect(e2.batchIndex).toBe(e1.batchIndex);
    expect(e2.step).toBe(e1.step);
    expect(e2.message).toBe(e1.message);
    integ.dispose();
  });

  it('refuses a bad thread count', async () => {
    const integ = compileIntegrator(lorenz, { backend: 'f64' });
    await expect(integ.runAsync({ y0, params: Pm, dt: 0.01, steps: 2, threads: -1 })).rejects.toThrow(/threads must be a non-negative integer/);
    integ.dispose();
  });
});
