// Jacot et al. (2018), the premise of docs/ntk-gan.md B: as the width grows, the empirical
// NTK of a randomly initialised network converges to the deterministic closed form,
// with fluctuations of order width^(-1/2). Checked as a rate over widths and seeds.

import type { CheckOptions, Theorem, Verdict } from '../../../core/index.ts';
import { empiricalNtkWidthRate } from '../../../ntk/index.ts';

const SQRT2 = Math.SQRT2;
export const WIDTH_SETUP = {
  spec: () => `serial(dense(${SQRT2}, 0.1), relu, dense(${SQRT2}, 0.1), relu, dense(${SQRT2}, 0.1))`,
  widths: [64, 128, 256, 512, 1024, 2048],
  band: [-0.75, -0.25] as const,
};

export const theorem: Theorem = {
  id: 'ntk-width-rate',
  title: 'Empirical NTK converges to the closed form',
  source: 'Jacot, Gabriel, Hongler (NeurIPS 2018); docs/ntk-kernels.md F.1',
  statement: String.raw`\frac{\lVert \hat\Theta_{\text{width}} - \Theta_\infty \rVert_F}{\lVert \Theta_\infty\rVert_F} = O_{\mathbb{P}}\!\left(\text{width}^{-1/2}\right)`,
  hypotheses: [
    'ReLU network with two hidden layers, W_std = sqrt(2), b_std = 0.1, NTK parameterization, N(0, 1) initialisation',
    '6 Gaussian inputs in R^4; widths 64 … 2048; the error is averaged over seeds, the slope fitted on a log-log scale',
  ],
  check(opts: CheckOptions = {}): Verdict {
    const start = performance.now();
    const seeds = Math.max(3, Math.round(10 * (opts.effort ?? 1)));
    const r = empiricalNtkWidthRate(WIDTH_SETUP.spec, { widths: WIDTH_SETUP.widths, seeds, seed: 20 + (opts.seed ?? 1) });
    const passed = r.fit.slope >= WIDTH_SETUP.band[0] && r.fit.slope <= WIDTH_SETUP.band[1];
    return {
      id: this.id, passed, seconds: (performance.now() - start) / 1000,
      summary: `fitted slope ${r.fit.slope.toFixed(3)} ± ${r.fit.slopeStdErr.toFixed(3)} over widths ${r.widths.join(', ')} (${seeds} seeds each), theory -0.5`,
      figures: [
        { name: 'slope of log relative error vs log width', value: r.fit.slope, tolerance: WIDTH_SETUP.band[1], note: `band [${WIDTH_SETUP.band.join(', ')}]` },
        ...r.widths.map((w, i) => ({ name: `mean relative error at width ${w}`, value: r.errors[i] })),
      ],
    };
  },
};
