import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/numeric/rng.ts';
import { eulerMaruyama, milstein, type DiagonalSde, type NoiseSource } from '../../src/numeric/sde.ts';
import { DivergenceError } from '../../src/numeric/errors.ts';
import { logLogFit, moments } from '../../src/numeric/stats.ts';
import { normalQuantile } from '../../src/numeric/special.ts';

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
