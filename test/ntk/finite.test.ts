// Finite networks: backprop against central differences, the factorised empirical
// NTK against the explicit Jacobian, convergence of the empirical NTK to the closed
// form at rate width^(-1/2) (fitted over widths 64 … 2048 and several seeds), and
// the Monte-Carlo NNGP against the closed form within its standard error.

import { describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/ntk/index.ts';
import { kernels } from '../../src/ntk/index.ts';
import { finiteNetwork, empiricalNtk, monteCarloNngp, type FiniteNetwork } from '../../src/ntk/index.ts';
import { empiricalNtkWidthRate, gaussianRows } from '../../src/ntk/index.ts';
import { Rng } from '../../src/numeric/index.ts';

const rows = gaussianRows;

describe('backpropagation', () => {
  const specs = [
    'serial(dense(1.5, 0.3), relu, dense(1.2, 0.1), relu, dense(0.9, 0.2))',
    'serial(dense(1.5, 0.3), erf(1.7, 0.6, 0.2), dense(1.2, none), gelu, dense(0.9, 0.2))',
    'serial(dense(1.1, 0.3), sin(1.3, 0.7, 0.4), dense(1.2, 0.1), polynomial(0.1, 1, 0.5), dense(1, none))',
    'serial(dense(1.4, 0.2), elementwise("x*tanh(x)"), dense(1.3, 0.1); parameterization=standard, width=9)',
    'serial(dense(1.4, none), gabor, dense(2, 0.5), hermite(3), dense(1, 0.1); parameterization=standard)',
  ];

  it.each(specs)('gradients w.r.t. all parameters and the input match central differences: %s', (spec) => {
    const arch = parseArchitecture(spec);
    const net = finiteNetwork(arch, { d: 3, width: 9, seed: 17 });
    const X = rows(3, 3, 5);
    // Central differences: truncation h²/6·|f'''| plus rounding ~eps·|f|/h; with h = 1e-5 both are
    // ~1e-10 for these O(1) networks, far below the 1e-6 tolerance (relative to max(1, |g|)).
    const h = 1e-5;
    for (const x of X) {
      const g = net.gradParams(x);
      const rng = new Rng(3);
      for (let probe = 0; probe < 40; probe++) {
        const p = rng.int(net.size);
        const plus = net.withParams(), minus = net.withParams();
        plus.params[p] += h; minus.params[p] -= h;
        const fd = (plus.forward([x])[0] - minus.forward([x])[0]) / (2 * h);
        expect(Math.abs(fd - g[p]), `param ${p}: backprop ${g[p]} vs FD ${fd}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(g[p])));
      }
      const gx = net.gradInput([x]).data;
      for (let k = 0; k < 3; k++) {
        const xp = [...x], xm = [...x];
        xp[k] += h; xm[k] -= h;
        const fd = (net.forward([xp])[0] - net.forward([xm])[0]) / (2 * h);
        expect(Math.abs(fd - gx[k]), `input ${k}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(gx[k])));
      }
    }
  });

  it('the factorised empirical NTK equals J Jᵀ from the explicit Jacobian', () => {
    for (const spec of specs) {
      const arch = parseArchitecture(spec);
      const net = finiteNetwork(arch, { d: 3, width: 9, seed: 2 });
      const X = rows(5, 3, 9), Y = rows(4, 3, 10);
      const J1 = net.jacobian(X), J2 = net.jacobian(Y);
      const ntk = empiricalNtk(net, X, Y);
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 4; j++) {
          let s = 0;
          for (let p = 0; p < J1.cols; p++) s += J1.data[i * J1.cols + p] * J2.data[j * J2.cols + p];
          expect(Math.abs(s - ntk.data[i * 4 + j])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(s)));
        }
      }
    }
  });

  it('initialisation is seeded and follows the parameterization', () => {
    const arch = parseArchitecture('serial(dense(2, 0.5), relu, dense(2, 0.5); parameterization=standard, width=4000)');
    const a = finiteNetwork(arch, { d: 10, seed: 1 }), b = finiteNetwork(arch, { d: 10, seed: 1 }), c = finiteNetwork(arch, { d: 10, seed: 2 });
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(Array.from(a.params.subarray(0, 50))).not.toEqual(Array.from(c.params.subarray(0, 50)));
    // standard: W_ij ~ N(0, W²/n_in): the sample variance of W_1 (40 000 draws) is 4/10 within 4 standard errors
    const W1 = a.params.subarray(0, 40000);
    let s2 = 0;
    for (const w of W1) s2 += w * w;
    const v = s2 / W1.length;
    expect(Math.abs(v - 0.4)).toBeLessThan(4 * 0.4 * Math.sqrt(2 / W1.length));
    expect(a.layers[0].alpha).toBe(1);
    const ntk = finiteNetwork(parseArchitecture('serial(dense(2, 0.5), relu, dense(2, 0.5))'), { d: 10, width: 4000, seed: 1 });
    expect(ntk.layers[0].alpha).toBe(2 / Math.sqrt(10));
    expect(ntk.layers[1].alpha).toBe(2 / Math.sqrt(4000));
    expect(ntk.layers[1].beta).toBe(0.5);
  });

  it('rejects a missing width, a wrong input dimension and a wrong parameter count', () => {
    const arch = parseArchitecture('serial(dense(1, 0), relu, dense(1, 0))');
    expect(() => finiteNetwork(arch, { d: 3, seed: 1 })).toThrow(/width/);
    const net = finiteNetwork(arch, { d: 3, width: 4, seed: 1 });
    expect(() => net.forward([[1, 2]])).toThrow(/2 columns but the network takes d = 3/);
    expect(() => net.withParams(new Float64Array(3))).toThrow(/params has length 3/);
  });
});

describe('finite width → infinite width', () => {
  const WIDTHS = [64, 128, 256, 512, 1024, 2048];
  const SEEDS = 10;

  function rate(spec: (w: number) => string, label: string): { slope: number; errors: number[]; stderr: number } {
    const { errors, fit } = empiricalNtkWidthRate(spec, { widths: WIDTHS, seeds: SEEDS });
    console.log(`${label}: empirical-NTK relative error by width ${WIDTHS.map((w, i) => `${w}: ${errors[i].toFixed(4)}`).join(', ')}; `
      + `fitted slope ${fit.slope.toFixed(3)} ± ${fit.slopeStdErr.toFixed(3)} (theory −0.5)`);
    return { slope: fit.slope, errors, stderr: fit.slopeStdErr };
  }

  // The fluctuation of the empirical NTK around its limit is a sum over width-many
  // weakly dependent terms: its standard deviation, hence the mean relative error, is
  // ∝ width^(-1/2) (Jacot et al.; Hanin & Nica). With 10 seeds per width the mean error
  // has ~10 % noise, i.e. about ±0.06 in a log-log slope over a factor 32 of widths (the
  // fit's own standard error, printed, agrees): the band [−0.75, −0.25] is ±4 of them.
  it('ntk parameterization, ReLU depth 2 with bias: slope of log error vs log width in [−0.75, −0.25]', () => {
    const r = rate(() => 'serial(dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1), relu, dense(1.4142135623730951, 0.1))', 'ReLU ntk');
    expect(r.slope).toBeGreaterThanOrEqual(-0.75);
    expect(r.slope).toBeLessThanOrEqual(-0.25);
    expect(r.errors[5]).toBeLessThan(r.errors[0]);
  });

  it('standard parameterization (closed form at the same width), erf and gelu: slope in [−0.75, −0.25]', () => {
    const r = rate((w) => `serial(dense(1.5, 0.5), erf, dense(1.5, 0.5), gelu, dense(1.5, 0.5); parameterization=standard, width=${w})`, 'erf/gelu standard');
    expect(r.slope).toBeGreaterThanOrEqual(-0.75);
    expect(r.slope).toBeLessThanOrEqual(-0.25);
  });

  it('Monte-Carlo NNGP, depth 1 (unbiased at any width): within 4.5 standard errors of the closed form', () => {
    const arch = parseArchitecture('serial(dense(1.3, 0.4), relu, dense(1.1, 0.2))');
    const X = rows(4, 3, 2);
    const mc = monteCarloNngp(arch, X, null, { width: 64, samples: 2000, seed: 99 });
    const closed = kernels(arch, X).nngp.data;
    let worst = 0;
    for (let t = 0; t < 16; t++) worst = Math.max(worst, Math.abs(mc.mean.data[t] - closed[t]) / mc.stdErr.data[t]);
    console.log(`MC NNGP depth 1, 2000 networks of width 64: max |mean − closed| / SE = ${worst.toFixed(2)}`);
    // 16 entries (10 distinct): Bonferroni at 4.5σ keeps the false-alarm rate below 1e-4
    expect(worst).toBeLessThan(4.5);
  });

  it('Monte-Carlo NNGP, depth 2: within 4.5 SE plus the O(1/width) finite-width bias', () => {
    const arch = parseArchitecture('serial(dense(1.3, 0.4), erf, dense(1.1, 0.2), erf, dense(1, 0.1))');
    const X = rows(3, 3, 4);
    const width = 256;
    const mc = monteCarloNngp(arch, X, rows(2, 3, 5), { width, samples: 800, seed: 5 });
    const closed = kernels(arch, X, rows(2, 3, 5)).nngp.data;
    let worst = 0;
    for (let t = 0; t < 6; t++) {
      const allowance = 4.5 * mc.stdErr.data[t] + 2 / width;
      worst = Math.max(worst, Math.abs(mc.mean.data[t] - closed[t]) / allowance);
    }
    expect(worst).toBeLessThan(1);
  });
});

export type { FiniteNetwork };
