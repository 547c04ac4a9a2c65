// Wang, Hu & Lu: noise too strong means no feature recovery, too weak means
// oscillation. The phase predicted by the linearisation of the derived ODE at the
// fixed line q = r = 0 is compared with long ODE runs and with finite-n SGD.

import type { CheckOptions, Theorem, Verdict } from '../../../core/index.ts';
import { comparePhases } from '../checks.ts';
import { disagreements, phaseDiagram } from '../phase-diagram.ts';
import { defaultSpec } from '../spec.ts';

export const PHASE_SETUP = {
  spec: defaultSpec(2),
  etas: [1, 2, 4, 5],
  expected: ['oscillation', 'success', 'collapse', 'failure'],
  n: 2000,
  T: 200,
  odeT: 600,
};

/** The grid: d = 1, lambda = lambda_g = 3, tau_g = 0.04, (eta, tau) in [0.5, 5] × [0.02, 1], ODE runs to T = 3000. */
export const GRID_SETUP = { size: 40, T: 3000, minAgreement: 0.98 };

export const theorem: Theorem = {
  id: 'solvable-gan-phases',
  title: 'Phase boundaries',
  source: 'Wang, Hu, Lu (NeurIPS 2019), abstract and Fig. 1; docs/solvable-gan.md A.4, A.6',
  statement: String.raw`\text{stable}(P^*) \iff \operatorname{Tr}J < 0 \wedge \det J(P^*) > 0,\quad P_c^2 = \frac{(\tau\lambda-\kappa)(\tau\lambda_g-\tilde\tau\lambda_g+\kappa)}{\tau^2\lambda\lambda_g},\quad \kappa = \tfrac{\tau^2}{2}(\eta_T^2+\eta_G^2)`,
  hypotheses: [
    'd = 2, Lambda = Lambda_g = diag(3, 5), tau = 0.2, tau_g = 0.04, eta_T = eta_G = eta in {1, 2, 4, 5}',
    'initial P = 0.1 I, q = 0.1, r = P^T q, S = I',
    'ODE runs to t = 600; SGD at n = 2000 to t = 200; the phase is read from the last quarter of each run',
    'grid: d = 1, lambda = lambda_g = 3, tau_g = 0.04, 40 × 40 points (eta, tau) in [0.5, 5] × [0.02, 1], ODE to T = 3000; agreement ≥ 98 %',
  ],
  check(opts: CheckOptions = {}): Verdict {
    const start = performance.now();
    const rows = comparePhases({ ...PHASE_SETUP, seed: opts.seed ?? 1 });
    const agree = rows.map((r, i) =>
      r.formula.phase === PHASE_SETUP.expected[i] && r.ode.phase === r.formula.phase && r.simulation!.phase === r.formula.phase);
    const g = GRID_SETUP.size;
    const grid = phaseDiagram({
      base: defaultSpec(1), T: GRID_SETUP.T,
      etas: Array.from({ length: g }, (_, i) => 0.5 + (i * 4.5) / (g - 1)),
      taus: Array.from({ length: g }, (_, i) => 0.02 + (i * 0.98) / (g - 1)),
    });
    const dis = disagreements(grid);
    const gridAgreement = 1 - dis.count / dis.total;
    return {
      id: this.id,
      passed: agree.every(Boolean) && gridAgreement >= GRID_SETUP.minAgreement,
      seconds: (performance.now() - start) / 1000,
      summary: rows.map((r) => `eta ${r.eta}: ${r.formula.phase}/${r.ode.phase}/${r.simulation!.phase}`).join('; ')
        + ` (linearisation/ODE/SGD); grid ${dis.total - dis.count}/${dis.total} agree`,
      figures: [
        { name: `grid agreement, linearisation vs ODE to T = ${GRID_SETUP.T}`, value: gridAgreement, tolerance: GRID_SETUP.minAgreement, note: `${dis.count} of ${dis.total} points differ` },
        ...rows.flatMap((r) => [
        { name: `eta ${r.eta}: P_c per feature`, value: r.formula.features[0].criticalOverlap, note: r.formula.features.map((f) => f.criticalOverlap.toFixed(3)).join(', ') },
        { name: `eta ${r.eta}: final P_ii (ODE)`, value: r.ode.finalOverlaps[0], note: r.ode.finalOverlaps.map((v) => v.toFixed(3)).join(', ') },
        { name: `eta ${r.eta}: final P_ii (SGD, n = ${PHASE_SETUP.n})`, value: r.simulation!.finalOverlaps[0], note: r.simulation!.finalOverlaps.map((v) => v.toFixed(3)).join(', ') },
      ])],
    };
  },
};
