import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/numeric/index.ts';
import { eulerMaruyama, milstein, type DiagonalSde, type NoiseSource } from '../../src/numeric/index.ts';
import { DivergenceError } from '../../src/numeric/index.ts';
import { logLogFit, moments } from '../../src/numeric/index.ts';
import { normalQuantile } from '../../src/numeric/index.ts';

const Z = normalQuantile(1 - 1e-6 / 2); // two-sided 1e-6 level, ≈ 4.89
/** Allowance for pre-asymptotic curvature of the log-log error curve over the step sizes used. */
const ORDER_BAND = 0.1;

/** Brownian increments of `paths` independent paths on a fine grid, row s = step s. */
function brownianPath(seed: number, paths: number, fineSteps: number, T: number) {
  const fine = new Rng(seed).fillNormal(new Float64Array(fineSteps * paths), 0, Math.sqrt(T / fineSteps));
  const WT = new Float64Array(paths);
  for (let s = 0; s < fineSteps; s++) for (let p = 0; p < paths; p++) WT[p] += fine[s * paths + p];
  /** Increments of the same path on the grid with `steps` steps (sums of fine increments). */
  const noise = (steps: number): NoiseSource => {
    const ratio = fineSteps / steps;
    let s = 0;
    return (_t, _dt, dW) => {
      dW.fill(0);
      for (let j = 0; j < ratio; j++) {
        const base = (s * ratio + j) * paths;
        for (let p = 0; p < paths; p++) dW[p] += fine[base + p];
      }
      s++;
    };
  };
  return { WT, noise };
}

/** Geometric Brownian motion dX = μX dt + σX dW; X_T = X_0 exp((μ − σ²/2)T + σW_T). */
const gbm = (mu: number, sigma: number): DiagonalSde => ({
  drift: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = mu * y[i]; },
  diffusion: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = sigma * y[i]; },
  diffusionDerivative: (_t, _y, out) => { out.fill(sigma); },
});

/**
 * Order fit with its Monte Carlo uncertainty: the slope of log(mean error) on log h, and the
 * standard error of that slope propagated from each point's relative standard error
 * (δ log e ≈ se/e, weights (x_i − x̄)/Sxx, points treated as independent).
 */
function orderFit(hs: number[], errors: number[], stderrs: number[]) {
  const fit = logLogFit(hs, errors);
  const xs = hs.map(Math.log), mx = xs.reduce((a, b) => a + b) / xs.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const mcStdErr = Math.sqrt(xs.reduce((a, x, i) => a + ((x - mx) / sxx) ** 2 * (stderrs[i] / errors[i]) ** 2, 0));
  return { ...fit, mcStdErr, band: ORDER_BAND + Z * mcStdErr };
}

describe('strong and weak order on geometric Brownian motion', () => {
  // Higham (2001): μ = 2, σ = 1, X0 = 1, T = 1; every step size sees the same Brownian paths.
  const mu = 2, sigma = 1, T = 1, paths = 8000, fineSteps = 1024;
  const stepCounts = [16, 32, 64, 128, 256];
  const { WT, noise } = brownianPath(2024, paths, fineSteps, T);
  const exact = Float64Array.from(WT, (w) => Math.exp((mu - sigma * sigma / 2) * T + sigma * w));

  function errorsAtT(method: typeof eulerMaruyama) {
    const strong = { mean: [] as number[], se: [] as number[] };
    const weak = { mean: [] as number[], se: [] as number[] };
    for (const steps of stepCounts) {
      const r = method(gbm(mu, sigma), new Float64Array(paths).fill(1), {
        t0: 0, t1: T, steps, batch: paths, noise: noise(steps), record: 'final',
      });
      const absErr = Float64Array.from(r.final, (x, p) => Math.abs(x - exact[p]));
      const signed = Float64Array.from(r.final, (x, p) => x - exact[p]);
      const ma = moments(absErr), ms = moments(signed);
      strong.mean.push(ma.mean); strong.se.push(Math.sqrt(ma.variance / paths));
      // E[X_T^h] − E[X_T] estimated as the mean of X_T^h − X_T(same path): same expectation, far smaller variance.
      weak.mean.push(ms.mean); weak.se.push(Math.sqrt(ms.variance / paths));
    }
    return { hs: stepCounts.map((n) => T / n), strong, weak };
  }

  const describeFit = (name: string, f: ReturnType<typeof orderFit>, theory: number, errs: number[]) =>
    `${name}: fitted order ${f.slope.toFixed(3)} (LS stderr ${f.slopeStdErr.toFixed(3)}, MC stderr ${f.mcStdErr.toFixed(3)}), ` +
    `theory ${theory}, band ±${f.band.toFixed(3)}; errors ${errs.map((e) => e.toExponential(3)).join(', ')}`;

  it('Euler–Maruyama: strong order ≈ 1/2 and weak order ≈ 1', () => {
    const { hs, strong, weak } = errorsAtT(eulerMaruyama);
    const s = orderFit(hs, strong.mean, strong.se);
    console.log(describeFit('EM strong', s, 0.5, strong.mean));
    expect(Math.abs(s.slope - 0.5), describeFit('EM strong', s, 0.5, strong.mean)).toBeLessThan(s.band);

    // For GBM, E[X_n] = X0 (1 + μh)^n exactly under EM, so the weak error is known in closed form.
    hs.forEach((h, i) => {
      const exactBias = Math.pow(1 + mu * h, T / h) - Math.exp(mu * T);
      const z = Math.abs(weak.mean[i] - exactBias) / weak.se[i];
      expect(z, `h = ${h}: weak error ${weak.mean[i]} vs exact ${exactBias}, |z| = ${z.toFixed(2)}`).toBeLessThan(Z);
      expect(Math.abs(weak.mean[i]), 'the weak bias must dominate its Monte Carlo error').toBeGreaterThan(3 * weak.se[i]);
    });
    const w = orderFit(hs, weak.mean.map(Math.abs), weak.se);
    console.log(describeFit('EM weak', w, 1, weak.mean));
    expect(Math.abs(w.slope - 1), describeFit('EM weak', w, 1, weak.mean)).toBeLessThan(w.band);
  });

  it('Milstein: strong order ≈ 1', () => {
    const { hs, strong } = errorsAtT(milstein);
    const s = orderFit(hs, strong.mean, strong.se);
    console.log(describeFit('Milstein strong', s, 1, strong.mean));
    expect(Math.abs(s.slope - 1), describeFit('Milstein strong', s, 1, strong.mean)).toBeLessThan(s.band);
  });
});

describe('Ornstein–Uhlenbeck', () => {
  // dX = −θX dt + σ dW. EM gives the AR(1) chain X' = (1 − θh)X + σ√h ξ with stationary
  // variance σ²h / (1 − (1 − θh)²) = σ² / (θ(2 − θh)), which tends to σ²/(2θ) as h → 0.
  const theta = 1.5, sigma = 0.8, h = 0.01, paths = 20_000, T = 8;
  const ou: DiagonalSde = {
    drift: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = -theta * y[i]; },
    diffusion: (_t, _y, out) => { out.fill(sigma); },
    diffusionDerivative: (_t, _y, out) => { out.fill(0); },
  };

  it('reaches the stationary variance (EM chain exactly, continuous σ²/2θ up to O(h))', () => {
    const r = eulerMaruyama(ou, new Float64Array(paths), { t0: 0, t1: T, dt: h, batch: paths, rng: new Rng(77), record: 'final' });
    const m = moments(r.final);
    const emVar = (sigma * sigma) / (theta * (2 - theta * h));
    // Left after time T from X0 = 0: variance emVar·(1 − (1 − θh)^{2n}); (1 − θh)^{2n} ≈ e^{−24} here.
    const transient = emVar * Math.pow(1 - theta * h, 2 * Math.round(T / h));
    const se = emVar * Math.sqrt(2 / (paths - 1));
    const z = Math.abs(m.variance - (emVar - transient)) / se;
    expect(z, `sample variance ${m.variance}, EM stationary ${emVar}, stderr ${se}, |z| = ${z.toFixed(2)}`).toBeLessThan(Z);
    const continuous = (sigma * sigma) / (2 * theta);
    expect(Math.abs(m.variance - continuous), `vs σ²/2θ = ${continuous}`).toBeLessThan(Z * se + Math.abs(emVar - continuous));
    expect(Math.abs(m.mean)).toBeLessThan(Z * Math.sqrt(emVar / paths));
  });

  it('Milstein equals Euler–Maruyama for additive noise (∂g/∂y = 0), and the same seed reproduces the run', () => {
    const opts = { t0: 0, t1: 1, steps: 100, batch: 50, record: 'final' as const };
    const a = eulerMaruyama(ou, new Float64Array(50).fill(1), { ...opts, rng: new Rng(5) });
    const b = milstein(ou, new Float64Array(50).fill(1), { ...opts, rng: new Rng(5) });
    const c = eulerMaruyama(ou, new Float64Array(50).fill(1), { ...opts, rng: new Rng(5) });
    expect(Array.from(b.final)).toEqual(Array.from(a.final));
    expect(Array.from(c.final)).toEqual(Array.from(a.final));
    expect(a.stats).toEqual({ steps: 100, rejected: 0, rhsEvals: 200 });
  });
});

describe('options and divergence', () => {
  const noisyBlowUp: DiagonalSde = {
    drift: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = y[i] * y[i]; },
    diffusion: (_t, _y, out) => { out.fill(0.01); },
  };

  it('records on the grid and rejects record times off the grid', () => {
    const r = eulerMaruyama(noisyBlowUp, [0.1], { t0: 0, t1: 1, steps: 10, rng: new Rng(1), record: [0, 0.5, 1] });
    expect(Array.from(r.t)).toEqual([0, 0.5, 1]);
    expect(() => eulerMaruyama(noisyBlowUp, [0.1], { t0: 0, t1: 1, steps: 10, rng: new Rng(1), record: [0.55] })).toThrow(/not on the step grid/);
    expect(() => eulerMaruyama(noisyBlowUp, [0.1], { t0: 0, t1: 1, steps: 10 })).toThrow(/rng/);
    expect(() => milstein(noisyBlowUp, [0.1], { t0: 0, t1: 1, steps: 10, rng: new Rng(1) })).toThrow(/diffusionDerivative/);
  });

  it('blow-up throws DivergenceError naming variable, member, time, step and params, with the partial paths', () => {
    try {
      eulerMaruyama(noisyBlowUp, [0.1, 2, 0.2], {
        t0: 0, t1: 2, steps: 2000, batch: 3, names: ['m'], rng: new Rng(3), params: { sigma: 0.01 }, record: { every: 10 },
      });
      expect.unreachable();
    } catch (e) {
      const err = e as DivergenceError<import('../../src/numeric/sde.ts').Trajectory>;
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err.batchIndex).toBe(1);
      expect(err.variable).toBe('m');
      expect(err.t).toBeGreaterThan(0.4);
      expect(err.t).toBeLessThan(0.6);
      expect(err.message).toMatch(/batch member 1/);
      expect(err.message).toMatch(/params: sigma=0\.01/);
      expect(err.partial.t.length).toBe(Math.floor((err.step - 1) / 10) + 1);
    }
  });
});

describe('noise on some components, steps aligned to record times, mean-field coupling', () => {
  const ou: DiagonalSde = {
    drift: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = -1.5 * y[i]; },
    diffusion: (_t, _y, out) => { out.fill(0.8); },
  };

  it('noisy = every component draws the same numbers as the default (bit for bit); a subset draws for those only', () => {
    const y0 = Float64Array.from({ length: 12 }, (_, i) => 0.1 * i);
    const opts = { t0: 0, t1: 1, steps: 50, batch: 4, dim: 3, record: [0, 0.5, 1] };
    const all = eulerMaruyama(ou, y0, { ...opts, rng: new Rng(8) });
    const listed = eulerMaruyama(ou, y0, { ...opts, rng: new Rng(8), noisy: [0, 1, 2] });
    all.y.forEach((y, r) => expect(Array.from(listed.y[r])).toEqual(Array.from(y)));
    // only component 1 noisy: the others follow the deterministic Euler chain; the draws are member by member
    const half: DiagonalSde = { drift: ou.drift, diffusion: (_t, _y, out) => { for (let i = 0; i < out.length; i++) out[i] = i % 3 === 1 ? 0.8 : 0; } };
    const some = eulerMaruyama(half, y0, { ...opts, rng: new Rng(8), noisy: [1], record: 'final' });
    const rng = new Rng(8), y = Float64Array.from(y0), xi = new Float64Array(4), h = 1 / 50;
    for (let s = 0; s < 50; s++) {
      rng.fillNormal(xi, 0, Math.sqrt(h));
      for (let i = 0; i < 12; i++) y[i] += -1.5 * y[i] * h + (i % 3 === 1 ? 0.8 * xi[(i - 1) / 3] : 0 * 0);
    }
    expect(Array.from(some.final)).toEqual(Array.from(y));
    expect(Array.from(some.endState)).toEqual(Array.from(y));
    expect(() => eulerMaruyama(ou, y0, { ...opts, rng: new Rng(8), noisy: [3] })).toThrow(/noisy must list distinct components in \[0, 3\)/);
    expect(() => eulerMaruyama(ou, y0, { ...opts, rng: new Rng(8), noisy: [1, 1] })).toThrow(/distinct/);
  });

  it("align 'records': each span between record times gets ⌈span/dt⌉ equal steps, so any record times are hit", () => {
    const record = [0, 0.3, 0.7, 1.0, 2.5];
    const r = eulerMaruyama(ou, [1], { t0: 0, t1: 2.5, dt: 0.1, rng: new Rng(4), record, align: 'records' });
    expect(Array.from(r.t)).toEqual(record);
    expect(r.stats.steps).toBe(3 + 4 + 3 + 15);
    // the same steps taken one span at a time, each a grid run from the previous record
    const rng = new Rng(4);
    let y = [1];
    for (let k = 1; k < record.length; k++) {
      const span = record[k] - record[k - 1], steps = Math.max(1, Math.ceil(span / 0.1 - 1e-9));
      y = Array.from(eulerMaruyama(ou, y, { t0: record[k - 1], t1: record[k], steps, rng, record: 'final' }).final);
      expect(r.y[k][0]).toBe(y[0]);
    }
    // t1 = t0: only the initial record; a record time off the grid is refused with align 'grid'
    const none = eulerMaruyama(ou, [1], { t0: 0, t1: 0, dt: 0.1, rng: new Rng(4), record: [0], align: 'records' });
    expect(Array.from(none.t)).toEqual([0]);
    expect(none.stats.steps).toBe(0);
    expect(() => eulerMaruyama(ou, [1], { t0: 0, t1: 1, dt: 0.1, rng: new Rng(4), record: [0.35] })).toThrow(/not on the step grid/);
    expect(() => eulerMaruyama(ou, [1], { t0: 0, t1: 1, steps: 10, rng: new Rng(4), record: [0.35], align: 'records' })).toThrow(/needs a step dt/);
  });

  it('meanField: computed on the initial state and after every step, read by the next step, recorded instead of the state', () => {
    // particles attracted to their own mean: dX_i = −θ(X_i − m) dt + σ dW_i, m = mean(X)
    const theta = 2, sigma = 0.5, M = 400, h = 0.01, steps = 300;
    const shared = { m: 0 };
    const sde: DiagonalSde = {
      drift: (_t, y, out) => { for (let i = 0; i < y.length; i++) out[i] = -theta * (y[i] - shared.m); },
      diffusion: (_t, _y, out) => { out.fill(sigma); },
    };
    const moments = (y: Float64Array, out: Float64Array) => {
      let s = 0, s2 = 0;
      for (let i = 0; i < y.length; i++) s += y[i];
      const m = s / y.length;
      for (let i = 0; i < y.length; i++) s2 += (y[i] - m) ** 2;
      out[0] = m; out[1] = s2 / y.length;
    };
    const y0 = Float64Array.from({ length: M }, (_, i) => 1 + Math.sin(i));
    const calls: number[] = [];
    const run = eulerMaruyama(sde, y0, {
      t0: 0, t1: steps * h, steps, batch: M, rng: new Rng(21), record: { every: 100 },
      meanField: { names: ['m', 'var'], compute: (t, y, out) => { calls.push(t); moments(y, out); shared.m = out[0]; } },
    });
    expect(calls.length).toBe(steps + 1);
    expect(run.names).toEqual(['m', 'var']);
    expect(run.batch).toBe(1);
    expect(Array.from(run.t)).toEqual([0, 1, 2, 3]);
    // the same chain written out
    const rng = new Rng(21), y = Float64Array.from(y0), dW = new Float64Array(M), mv = new Float64Array(2);
    moments(y, mv);
    for (let s = 0; s < steps; s++) {
      const m = mv[0];
      rng.fillNormal(dW, 0, Math.sqrt(h));
      for (let i = 0; i < M; i++) y[i] += -theta * (y[i] - m) * h + sigma * dW[i];
      moments(y, mv);
    }
    expect(Array.from(run.final)).toEqual(Array.from(mv));
    expect(Array.from(run.endState)).toEqual(Array.from(y));
    // the spread settles near σ²/(2θ) (1 − 1/M), its EM value σ²h(1 − 1/M)/(1 − (1 − θh)²) up to sampling error
    const emVar = (sigma * sigma * h * (1 - 1 / M)) / (1 - (1 - theta * h) ** 2);
    expect(Math.abs(run.final[1] - emVar)).toBeLessThan(Z * emVar * Math.sqrt(2 / M) + emVar * Math.exp(-2 * theta * steps * h) * 2);
  });

  it('a non-finite mean-field value stops the run with a DivergenceError naming it, with the records so far', () => {
    const sde: DiagonalSde = { drift: (_t, _y, out) => { out.fill(0); }, diffusion: (_t, _y, out) => { out.fill(0.1); } };
    let calls = 0;
    try {
      eulerMaruyama(sde, [0, 0, 0], {
        t0: 0, t1: 1, steps: 10, batch: 3, rng: new Rng(1), record: 'steps', params: 'test',
        meanField: { names: ['a', 'b'], compute: (_t, _y, out) => { out[0] = 1; out[1] = ++calls > 5 ? NaN : calls; } },
      });
      expect.unreachable();
    } catch (e) {
      const err = e as DivergenceError<import('../../src/numeric/sde.ts').Trajectory>;
      expect(err).toBeInstanceOf(DivergenceError);
      expect(err.variable).toBe('b');
      expect(err.step).toBe(5);
      expect(err.reason).toBe('non-finite');
      expect(Array.from(err.lastState!)).toEqual([1, 5]);
      expect(err.partial.t.length).toBe(5);
      expect(err.partial.names).toEqual(['a', 'b']);
      expect(err.message).toMatch(/params: test/);
    }
  });
});
