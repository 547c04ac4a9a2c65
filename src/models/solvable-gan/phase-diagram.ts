// A phase diagram over (eta, tau): every grid point's derived ODE integrated to T
// in one batched call of the compiled right-hand side, the phase read off each
// trajectory, and the linearisation's prediction at the same points.

import { compileRhs } from '../../compile/kernel.ts';
import { compileIntegrator } from '../../compile/integrator.ts';
import { rk4 } from '../../numeric/ode.ts';
import { deriveOverlapOde } from './derive.ts';
import { type Phase, classifyPhase } from './phase.ts';
import { type Overlaps, type SolvableGanSpec, defaultInit, overlapsToState, paramValues, stateNames } from './spec.ts';
import { ODE_THRESHOLDS, phaseOfTrajectory } from './checks.ts';

export const PHASES: Phase[] = ['success', 'oscillation', 'failure', 'collapse'];

export interface PhaseDiagramOptions {
  base: SolvableGanSpec;
  etas: number[];
  taus: number[];
  T: number;
  /** RK4 step (default 0.05) */
  dt?: number;
  init?: Overlaps;
  /** integrate all points in one fused compiled call (default) or loop compileRhs + rk4 over them one at a time */
  batched?: boolean;
}

export interface PhaseDiagram {
  etas: number[];
  taus: number[];
  /** [iTau][iEta] phase read from the ODE run */
  ode: Phase[][];
  /** [iTau][iEta] phase predicted by the linearisation */
  predicted: Phase[][];
  seconds: number;
  evaluations: number;
  /** which integration path ran, and why */
  path: string;
}

/** Integrates the ODE at every (eta_T = eta_G = eta, tau) grid point and classifies it. */
export function phaseDiagram(opts: PhaseDiagramOptions): PhaseDiagram {
  const { base, etas, taus, T } = opts;
  const d = base.d;
  const init = opts.init ?? defaultInit(d);
  const system = deriveOverlapOde(d, base.normalization);
  const D = system.state.length;
  const specs: SolvableGanSpec[] = [];
  for (const tau of taus) for (const eta of etas) specs.push({ ...base, tau, eta_T: eta, eta_G: eta });
  const B = specs.length, nP = system.params.length;
  const P = new Float64Array(B * nP);
  specs.forEach((s, b) => { const v = paramValues(s); system.params.forEach((p, j) => { P[b * nP + j] = v[p]; }); });
  const x0 = overlapsToState(init, d);
  const order = stateNames(d).map((n) => system.state.indexOf(n));
  const y0 = new Float64Array(B * D);
  for (let b = 0; b < B; b++) for (let i = 0; i < D; i++) y0[b * D + order[i]] = x0[i];
  const dt = opts.dt ?? 0.05;
  const steps = Math.round(T / dt);
  const record = Array.from({ length: 41 }, (_, i) => T * 0.75 + (T * 0.25 * i) / 40);
  const start = performance.now();
  const rhs = compileRhs(system, { params: P });
  const phases: Phase[] = [];
  let path = 'compileRhs + ode.rk4, one member at a time';
  const classify = (ys: Float64Array[], b: number) => {
    const series: Record<string, number[]> = {};
    system.state.forEach((name, i) => { series[name] = [x0[order.indexOf(i)], ...ys.map((y) => y[b * D + i])]; });
    // the first sample is the initial state (for the gain in P); the rest is the last quarter
    return phaseOfTrajectory({ t: [0, ...record], series }, d, ODE_THRESHOLDS, 1);
  };
  if (opts.batched ?? true) {
    // one emitted function integrates every member (step loop inside, state in locals); the
    // drift's polynomials collected once per member; values below 1e-100 flushed to 0 so that
    // decaying overlaps do not end in slow subnormal arithmetic (a change of at most 1e-100 per step)
    const integrator = compileIntegrator(system, { backend: 'f64', form: 'collected' });
    const recordSteps = record.map((t) => Math.round(t / dt));
    const run = integrator.run({ y0, params: P, t0: 0, t1: T, steps, recordSteps, flushBelow: 1e-100 });
    for (let b = 0; b < B; b++) phases.push(classify(run.y, b).phase);
    path = run.reason;
  } else {
    for (let b = 0; b < B; b++) {
      const one = rhs.withParams(P.subarray(b * nP, (b + 1) * nP));
      const traj = rk4(one, y0.subarray(b * D, (b + 1) * D), { t0: 0, t1: T, steps, batch: 1, dim: D, record });
      phases.push(classify(traj.y, 0).phase);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const grid = <X>(flat: X[]) => taus.map((_, i) => flat.slice(i * etas.length, (i + 1) * etas.length));
  return {
    etas, taus, ode: grid(phases), predicted: grid(specs.map((s) => classifyPhase(s, init).phase)),
    seconds, evaluations: B * steps * 4, path,
  };
}

/** Cells where the ODE run and the prediction disagree, and whether each lies next to a predicted boundary. */
export function disagreements(diagram: PhaseDiagram): { count: number; total: number; awayFromBoundary: Array<[number, number]> } {
  const { ode, predicted } = diagram;
  let count = 0;
  const away: Array<[number, number]> = [];
  for (let i = 0; i < ode.length; i++) {
    for (let j = 0; j < ode[i].length; j++) {
      if (ode[i][j] === predicted[i][j]) continue;
      count++;
      const neighbours = [[i - 1, j], [i + 1, j], [i, j - 1], [i, j + 1]]
        .filter(([a, b]) => a >= 0 && b >= 0 && a < ode.length && b < ode[i].length);
      if (!neighbours.some(([a, b]) => predicted[a][b] !== predicted[i][j])) away.push([i, j]);
    }
  }
  return { count, total: ode.length * ode[0].length, awayFromBoundary: away };
}
