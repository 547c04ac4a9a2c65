// Wang, Hu & Lu: as n → ∞ the overlaps of online SGD converge to the solution of
// the deterministic ODE. Checked as a rate: max_t |simulation − ODE| against n,
// fitted on a log-log scale over several n with several seeds per n.

import type { CheckOptions, Theorem, Verdict } from '../../../core/index.ts';
import { convergenceRate } from '../checks.ts';
import { defaultSpec } from '../spec.ts';

/** A contracting start (P, q, r) = (0.9, 0.5, 0.5): fluctuations are not amplified, so few seeds suffice. */
export const CONVERGENCE_SETUP = {
  spec: defaultSpec(1),
  init: { P: [[0.9]], q: [0.5], r: [0.5], S: [[1]] },
  ns: [500, 1000, 2000, 4000],
  T: 4,
};

export const SLOPE_BAND = [-0.75, -0.25] as const;

export const theorem: Theorem = {
  id: 'solvable-gan-convergence',
  title: 'Macroscopic convergence to the ODE',
  source: 'Wang, Hu, Lu (NeurIPS 2019), main theorem; docs/solvable-gan.md A.1, A.3',
  statement: String.raw`\max_{0\le t\le T}\,\bigl|(P,q,r)^{(n)}_{\lfloor nt\rfloor} - (P,q,r)(t)\bigr| = O_{\mathbb{P}}\!\left(n^{-1/2}\right)`,
  hypotheses: [
    'single-feature GAN of docs/solvable-gan.md A.2, d = 1, column normalisation, tau = 0.2, tau_g = 0.04, lambda = lambda_g = 3, eta_T = eta_G = 2',
    'online SGD with one fresh real and one fresh fake sample per step, learning rates tau/n, tau_g/n, t = k/n',
    'the ODE is the one derived symbolically from the update (src/models/solvable-gan/derive.ts)',
  ],
  check(opts: CheckOptions = {}): Verdict {
    const start = performance.now();
    const seeds = Math.max(4, Math.round(24 * (opts.effort ?? 1)));
    const r = convergenceRate({ ...CONVERGENCE_SETUP, seeds, firstSeed: opts.seed ?? 1 });
    const passed = r.fit.slope >= SLOPE_BAND[0] && r.fit.slope <= SLOPE_BAND[1];
    return {
      id: this.id,
      passed,
      seconds: (performance.now() - start) / 1000,
      summary: `fitted slope ${r.fit.slope.toFixed(3)} ± ${r.fit.slopeStdErr.toFixed(3)} over n = ${r.ns.join(', ')} (${seeds} seeds each), theory -0.5`,
      figures: [
        { name: 'slope of log max_t |sim - ODE| vs log n', value: r.fit.slope, tolerance: SLOPE_BAND[1], note: `band [${SLOPE_BAND.join(', ')}]` },
        ...r.ns.map((n, i) => ({ name: `mean max_t |sim - ODE| at n = ${n}`, value: r.deviations[i], note: `standard error ${r.standardErrors[i].toExponential(1)}` })),
      ],
    };
  },
};
