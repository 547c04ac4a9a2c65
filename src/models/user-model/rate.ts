// The rate theorem for any model file: the finite-n simulation approaches the derived
// ODE as n grows, max_t |sim − ODE| ~ n^{-1/2} (fluctuations of the overlaps), so the
// fitted log-log slope of the seed-averaged error against n lies in [−0.75, −0.25].

import { integrate } from '../../compile/index.ts';
import type { Theorem } from '../../core/index.ts';
import type { System } from '../../symbolic/index.ts';
import type { UserModel } from './model-file.ts';
import { simulateModel } from './simulate.ts';
import { deriveModelOde } from './derive.ts';

export interface RateOptions {
  readonly ns: readonly number[];
  readonly T: number;
  readonly every: number;
  readonly seeds: number;
  readonly seed: number;
}

export interface RateResult {
  readonly ns: number[];
  /** Mean over seeds of max_t max_state |sim − ODE|. */
  readonly errors: number[];
  /** Standard error of each mean. */
  readonly standardErrors: number[];
  readonly slope: number;
  readonly passed: boolean;
}

/** Least-squares slope of log y against log x. */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0, den = 0;
  lx.forEach((v, i) => { num += (v - mx) * (ly[i] - my); den += (v - mx) ** 2; });
  return num / den;
}

export function checkRate(
  model: UserModel, params: Readonly<Record<string, number>>, initial: ReadonlyMap<string, number>, o: RateOptions, ode: System = deriveModelOde(model),
): RateResult {
  const records = Math.floor(o.T / o.every + 1e-9) + 1;
  const times = Array.from({ length: records }, (_, i) => i * o.every);
  const traj = integrate(ode, {
    params, initial: [Object.fromEntries(ode.state.map((s) => [s, initial.get(s)!]))], t1: o.T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times,
  }).named();
  const errors: number[] = [], standardErrors: number[] = [];
  o.ns.forEach((n, ni) => {
    const seeds = Array.from({ length: o.seeds }, (_, s) => o.seed * 1000 + ni * 100 + s);
    const sim = simulateModel(model, params, initial, { n, T: o.T, every: o.every, seeds });
    const perSeed = sim.runs.map((run) => {
      let worst = 0;
      run.forEach((row, r) => ode.state.forEach((name, k) => { worst = Math.max(worst, Math.abs(row[k] - traj.series[name][r])); }));
      return worst;
    });
    const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    const sd = Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, perSeed.length - 1));
    errors.push(mean);
    standardErrors.push(sd / Math.sqrt(perSeed.length));
  });
  const slope = logLogSlope(o.ns, errors);
  return { ns: [...o.ns], errors, standardErrors, slope, passed: slope >= -0.75 && slope <= -0.25 };
}

/** The rate theorem for one model at its default parameters and initial state. */
export function rateTheorem(id: string, title: string, model: UserModel, initial: ReadonlyMap<string, number>, opts: RateOptions): Theorem {
  return {
    id,
    title,
    source: 'docs/user-models.md (mean-field limit of online learning; fluctuations O(n^{-1/2}))',
    statement: String.raw`\max_{t \le T} \lvert M^{(n)}(t) - M(t) \rvert \asymp n^{-1/2}:\ \text{the fitted slope of } \log \overline{\mathrm{err}}(n) \text{ against } \log n \in [-0.75, -0.25]`,
    hypotheses: ['online SGD with step η/n and fresh Gaussian inputs each step', 'the derived ODE of the model file (exact expectations)', 'seed-averaged error over a geometric ladder of n'],
    check(o = {}) {
      const t0 = performance.now();
      const params = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
      const seeds = Math.max(6, Math.round(opts.seeds * (o.effort ?? 1)));
      const r = checkRate(model, params, initial, { ...opts, seeds, seed: o.seed ?? opts.seed });
      return {
        id, passed: r.passed,
        figures: [
          { name: 'fitted log-log slope of max_t |sim - ODE| against n', value: r.slope, note: 'held to [-0.75, -0.25] (fluctuations O(n^{-1/2}))' },
          ...r.ns.map((n, i) => ({ name: `mean max error at n = ${n}`, value: r.errors[i], note: `standard error ${r.standardErrors[i].toExponential(2)}` })),
        ],
        summary: `fitted slope ${r.slope.toFixed(3)} over n = ${r.ns.join(', ')} (${seeds} seeds; errors ${r.errors.map((e) => e.toExponential(2)).join(', ')}); expected in [-0.75, -0.25]`,
        seconds: (performance.now() - t0) / 1000,
      };
    },
  };
}
