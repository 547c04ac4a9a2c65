import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dopri5, rk4, type BatchRhs } from '../../src/numeric/index.ts';
import { DivergenceError, StepLimitError } from '../../src/numeric/index.ts';
import { logLogFit } from '../../src/numeric/index.ts';

/** x'' = −ω_b² x for each batch member b, state (x, v). */
const oscillator = (omegas: number[]): BatchRhs => (_t, y, out) => {
  for (let b = 0; b < omegas.length; b++) {
    out[2 * b] = y[2 * b + 1];
    out[2 * b + 1] = -omegas[b] * omegas[b] * y[2 * b];
  }
};
/** y' = −λ_b y. */
const decay = (rates: number[]): BatchRhs => (_t, y, out) => {
  for (let b = 0; b < rates.length; b++) out[b] = -rates[b] * y[b];
};
/** Logistic y' = r y (1 − y/K). */
const logistic = (r: number, K: number): BatchRhs => (_t, y, out) => {
  for (let i = 0; i < y.length; i++) out[i] = r * y[i] * (1 - y[i] / K);
};
const logisticExact = (r: number, K: number, y0: number, t: number) => K / (1 + (K / y0 - 1) * Math.exp(-r * t));

describe('rk4', () => {
  it('matches exponential decay, the harmonic oscillator and the logistic curve', () => {
    const d = rk4(decay([0.7]), [2], { t0: 0, t1: 3, steps: 300 });
    for (let k = 0; k < d.t.length; k++) expect(d.y[k][0]).toBeCloseTo(2 * Math.exp(-0.7 * d.t[k]), 8);
    const o = rk4(oscillator([2]), [1, 0], { t0: 0, t1: 5, steps: 1000 });
    expect(o.final[0]).toBeCloseTo(Math.cos(10), 8);
    expect(o.final[1]).toBeCloseTo(-2 * Math.sin(10), 8);
    const l = rk4(logistic(1.5, 3), [0.1], { t0: 0, t1: 8, steps: 400 });
    for (let k = 0; k < l.t.length; k++) expect(l.y[k][0]).toBeCloseTo(logisticExact(1.5, 3, 0.1, l.t[k]), 7);
    expect(d.stats).toEqual({ steps: 300, rejected: 0, rhsEvals: 1200 });
  });

  it('has global order 4 (log-log slope of the error at T over step counts)', () => {
    const steps = [40, 80, 160, 320, 640];
    const T = 10;
    const errors = steps.map((n) => {
      const r = rk4(oscillator([1]), [1, 0], { t0: 0, t1: T, steps: n, record: 'final' });
      return Math.hypot(r.final[0] - Math.cos(T), r.final[1] + Math.sin(T));
    });
    const fit = logLogFit(steps.map((n) => T / n), errors);
    const msg = `RK4 fitted order ${fit.slope.toFixed(3)} ± ${fit.slopeStdErr.toFixed(3)} (errors ${errors.map((e) => e.toExponential(2)).join(', ')})`;
    console.log(msg);
    expect(Math.abs(fit.slope - 4), msg).toBeLessThan(0.1);
  });

  it('records every k-th step, the final state only, or given times (Hermite between grid points)', () => {
    const every = rk4(decay([1]), [1], { t0: 0, t1: 1, steps: 10, record: { every: 3 } });
    expect(Array.from(every.t)).toEqual([0, 0.30000000000000004, 0.6000000000000001, 0.9, 1].map((x, i) => (i === 4 ? 1 : x)));
    const fin = rk4(decay([1]), [1], { t0: 0, t1: 1, steps: 10, record: 'final' });
    expect(Array.from(fin.t)).toEqual([0, 1]);
    const times = [0, 0.05, 0.25, 0.5, 0.77, 1];
    const rec = rk4(oscillator([1]), [1, 0], { t0: 0, t1: 1, steps: 20, record: times });
    expect(Array.from(rec.t)).toEqual(times);
    // Hermite interpolation error is O(h⁴): h = 0.05 gives ≈ h⁴/384·max|y''''| ≈ 2e-8.
    for (let k = 0; k < times.length; k++) expect(Math.abs(rec.y[k][0] - Math.cos(times[k]))).toBeLessThan(1e-7);
  });

  it('integrates backwards in time', () => {
    const r = rk4(decay([1]), [Math.exp(-1)], { t0: 1, t1: 0, steps: 200 });
    expect(r.final[0]).toBeCloseTo(1, 9);
    expect(r.t[r.t.length - 1]).toBe(0);
  });

  it('a batch of different systems equals running them one by one, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }), (omegas) => {
        const y0 = omegas.flatMap((w, b) => [1 + b, -w]);
        const together = rk4(oscillator(omegas), y0, { t0: 0, t1: 2, steps: 50, batch: omegas.length, dim: 2 });
        omegas.forEach((w, b) => {
          const alone = rk4(oscillator([w]), [1 + b, -w], { t0: 0, t1: 2, steps: 50 });
          expect(Array.from(together.series(0, b))).toEqual(Array.from(alone.series(0)));
          expect(Array.from(together.series(1, b))).toEqual(Array.from(alone.series(1)));
        });
      }),
      { numRuns: 30 },
    );
  });
});

describe('dopri5', () => {
  it('meets its tolerance on the oscillator (global error ≤ accepted steps × tolerance)', () => {
    // The flow of x'' = −x is an isometry, so local errors add up without amplification:
    // global error ≤ Σ local errors ≤ steps · √dim · tol (RMS error norm over 2 components).
    for (const tol of [1e-4, 1e-6, 1e-8, 1e-10]) {
      const r = dopri5(oscillator([1]), [1, 0], { t0: 0, t1: 10, rtol: tol, atol: tol });
      let worst = 0;
      for (let k = 0; k < r.t.length; k++) worst = Math.max(worst, Math.hypot(r.y[k][0] - Math.cos(r.t[k]), r.y[k][1] + Math.sin(r.t[k])));
      const bound = r.stats.steps * Math.SQRT2 * tol;
      expect(worst, `tol ${tol}: global error ${worst.toExponential(3)} vs bound ${bound.toExponential(3)}`).toBeLessThan(bound);
      expect(worst, `tol ${tol}: error ${worst.toExponential(3)} should be within 20·tol`).toBeLessThan(20 * tol);
      expect(r.stats.rhsEvals).toBe(2 + 6 * (r.stats.steps + r.stats.rejected));
    }
  });

  it('solves decay and the logistic to tolerance, also with stiff-ish rates that force rejections', () => {
    const l = dopri5(logistic(1.5, 3), [0.1], { t0: 0, t1: 8, rtol: 1e-9, atol: 1e-12 });
    for (let k = 0; k < l.t.length; k++) expect(Math.abs(l.y[k][0] - logisticExact(1.5, 3, 0.1, l.t[k]))).toBeLessThan(3e-8);
    const d = dopri5(decay([50]), [1], { t0: 0, t1: 1, rtol: 1e-8, atol: 1e-12, h0: 0.5 });
    expect(d.stats.rejected).toBeGreaterThan(0);
    expect(Math.abs(d.final[0] - Math.exp(-50))).toBeLessThan(1e-10);
  });

  it('dense output is accurate between steps and exact at the steps', () => {
    for (const tol of [1e-5, 1e-8]) {
      const r = dopri5(oscillator([1]), [1, 0], { t0: 0, t1: 10, rtol: tol, atol: tol, dense: true });
      let atSteps = 0, between = 0;
      for (let k = 0; k < r.t.length; k++) {
        atSteps = Math.max(atSteps, Math.abs(r.y[k][0] - Math.cos(r.t[k])));
        expect(r.at(r.t[k])[0]).toBeCloseTo(r.y[k][0], 13);
      }
      for (let j = 0; j <= 3000; j++) {
        const t = (10 * j) / 3000;
        between = Math.max(between, Math.abs(r.at(t)[0] - Math.cos(t)));
      }
      // The continuous extension is of order 4, its error per step O(h⁵) is of the size of the
      // local error tolerance; allow the global error at the steps plus 2·tol.
      expect(between, `tol ${tol}: dense error ${between.toExponential(3)}, step error ${atSteps.toExponential(3)}`).toBeLessThan(atSteps + 2 * tol);
    }
    const noDense = dopri5(decay([1]), [1], { t0: 0, t1: 1 });
    expect(() => noDense.at(0.5)).toThrow(/dense: true/);
  });

  it('samples the dense output at requested times (record: times equals at(t))', () => {
    const times = Array.from({ length: 41 }, (_, i) => i * 0.25);
    const a = dopri5(oscillator([1.3]), [0, 1], { t0: 0, t1: 10, rtol: 1e-8, atol: 1e-10, record: times });
    const b = dopri5(oscillator([1.3]), [0, 1], { t0: 0, t1: 10, rtol: 1e-8, atol: 1e-10, dense: true });
    const c = dopri5(oscillator([1.3]), [0, 1], { t0: 0, t1: 10, rtol: 1e-8, atol: 1e-10, tEval: times });
    expect(c.y).toEqual(a.y);
    expect(Array.from(a.t)).toEqual(times);
    times.forEach((t, k) => {
      expect(a.y[k][0]).toBeCloseTo(b.at(t)[0], 14);
      expect(Math.abs(a.y[k][0] - Math.sin(1.3 * t) / 1.3)).toBeLessThan(1e-7);
    });
  });

  it('integrates backwards in time', () => {
    const r = dopri5(decay([1]), [Math.exp(-2)], { t0: 2, t1: 0, rtol: 1e-10, atol: 1e-12, dense: true });
    expect(r.final[0]).toBeCloseTo(1, 8);
    expect(r.at(1)[0]).toBeCloseTo(Math.exp(-1), 8);
  });

  it('a batch of different systems: each member meets the tolerance; identical members reproduce a single run', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.2, max: 4, noNaN: true }), { minLength: 2, maxLength: 5 }), (omegas) => {
        const y0 = omegas.flatMap(() => [1, 0]);
        const tol = 1e-8;
        const together = dopri5(oscillator(omegas), y0, { t0: 0, t1: 3, rtol: tol, atol: tol, batch: omegas.length, record: 'final' });
        omegas.forEach((w, b) => {
          const alone = dopri5(oscillator([w]), [1, 0], { t0: 0, t1: 3, rtol: tol, atol: tol, record: 'final' });
          const exact = Math.cos(3 * w);
          const bound = 20 * tol * Math.max(1, w);
          expect(Math.abs(together.final[2 * b] - exact), `member ${b}, ω = ${w}`).toBeLessThan(bound);
          expect(Math.abs(alone.final[0] - exact)).toBeLessThan(bound);
        });
      }),
      { numRuns: 25 },
    );
    const same = dopri5(oscillator([2, 2, 2]), [1, 0, 1, 0, 1, 0], { t0: 0, t1: 4, batch: 3 });
    const one = dopri5(oscillator([2]), [1, 0], { t0: 0, t1: 4 });
    expect(Array.from(same.series(0, 2))).toEqual(Array.from(one.series(0)));
    expect(same.stats).toEqual(one.stats);
  });

  it('stops with StepLimitError after maxSteps, keeping the partial result', () => {
    try {
      dopri5(oscillator([1]), [1, 0], { t0: 0, t1: 100, rtol: 1e-12, atol: 1e-12, maxSteps: 20 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StepLimitError);
      expect((e as StepLimitError<{ t: Float64Array }>).partial.t.length).toBeGreaterThan(1);
    }
  });
});

describe('divergence', () => {
  const blowUpRhs: BatchRhs = (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = y[i] * y[i]; }; // y = 1/(1 − t)

  it('rk4: |y| above the bound throws DivergenceError naming variable, member, time, step and params', () => {
    // Members 0 and 2 stay bounded on [0, 0.5], member 1 starts at 4 and blows up at t = 0.25.
    const opts = { t0: 0, t1: 0.5, steps: 1000, batch: 3, dim: 1, names: ['u'], params: { a: 4, label: 'test' }, blowUp: 1e6 };
    try {
      rk4(blowUpRhs, [1, 4, 0.5], opts);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DivergenceError);
      const err = e as DivergenceError<import('../../src/numeric/ode.ts').Trajectory>;
      expect(err.reason).toBe('blow-up');
      expect(err.variable).toBe('u');
      expect(err.batchIndex).toBe(1);
      expect(err.t).toBeGreaterThan(0.24);
      expect(err.t).toBeLessThan(0.26);
      expect(err.message).toMatch(/\|u\| = .* exceeds the blow-up bound 1\.0e\+6/);
      expect(err.message).toMatch(/batch member 1/);
      expect(err.message).toMatch(new RegExp(`step ${err.step}\\b`));
      expect(err.message).toMatch(/params: a=4, label=test/);
      expect(err.partial.t.length).toBe(err.step); // t0 plus every completed step
      expect(err.partial.y[err.partial.y.length - 1][0]).toBeCloseTo(1 / (1 - err.partial.t[err.partial.t.length - 1]), 6);
      expect(err.lastTime).toBe(err.partial.t[err.partial.t.length - 1]);
    }
  });

  it('rk4: NaN is reported as non-finite with y[i] when no names are given', () => {
    const sqrtRhs: BatchRhs = (_t, y, out) => { out[0] = 1; out[1] = -Math.sqrt(y[1]); }; // hits y[1] < 0 then NaN
    try {
      rk4(sqrtRhs, [0, 0.3], { t0: 0, t1: 2, steps: 200, params: 'sqrt sink' });
      expect.unreachable();
    } catch (e) {
      const err = e as DivergenceError;
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err.reason).toBe('non-finite');
      expect(err.variable).toBe('y[1]');
      expect(err.message).toMatch(/y\[1\] = NaN \(not finite\).*params: sqrt sink/);
    }
  });

  it('dopri5: finite-time blow-up stops with DivergenceError and a partial trajectory', () => {
    try {
      dopri5(blowUpRhs, [1], { t0: 0, t1: 2, names: ['z'], params: { k: 1 } });
      expect.unreachable();
    } catch (e) {
      const err = e as DivergenceError<import('../../src/numeric/ode.ts').OdeSolution>;
      expect(err).toBeInstanceOf(DivergenceError);
      expect(['blow-up', 'step-size underflow']).toContain(err.reason);
      expect(err.variable).toBe('z');
      // The last accepted step may end just past the singularity at t = 1 with a huge finite value.
      expect(Math.abs(err.t - 1)).toBeLessThan(1e-2);
      expect(err.message).toMatch(/params: k=1/);
      const { t, y } = err.partial;
      expect(t.length).toBeGreaterThan(5);
      // u = 1/y solves u' = −1, so its error does not grow towards the singularity.
      let worst = 0;
      for (let k = 0; k < t.length; k++) worst = Math.max(worst, Math.abs(1 / y[k][0] - (1 - t[k])));
      expect(worst, `max |1/y − (1 − t)| over the partial trajectory = ${worst}`).toBeLessThan(1e-5);
    }
  });

  it('rejects a non-finite initial state', () => {
    expect(() => rk4(decay([1]), [NaN], { t0: 0, t1: 1, steps: 2 })).toThrow(DivergenceError);
  });
});
