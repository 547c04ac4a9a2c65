// classifyPhases (the linearisation compiled once, evaluated for many members, a rounding
// margin and classifyPhase inside it) gives classifyPhase's phase member by member: on
// grids with tau = 0, tiny and huge values, d = 1, 2, 3, both normalisations, and at
// points bisected to the last double where a comparison of classifyPhase flips.
import { describe, expect, it } from 'vitest';
import {
  type SolvableGanSpec, ODE_THRESHOLDS, SGD_THRESHOLDS, classifyPhase, classifyPhases, defaultInit, defaultSpec, overlapSystem,
  overlapsRecord, paramValues, phaseOfTrajectory, phasesOfRecords,
} from '../../../src/models/solvable-gan/index.ts';
import { compileIntegrator } from '../../../src/compile/index.ts';
import { Trajectory } from '../../../src/numeric/index.ts';

const one = (specs: SolvableGanSpec[]) => specs.map((s) => classifyPhase(s).phase);

/** Specs over a grid of (eta, tau, tau_g) for a base. */
function grid(base: SolvableGanSpec, etas: number[], taus: number[], tauGs: number[]): SolvableGanSpec[] {
  const out: SolvableGanSpec[] = [];
  for (const tau_g of tauGs) for (const tau of taus) for (const eta of etas) out.push({ ...base, tau, tau_g, eta_T: eta, eta_G: eta });
  return out;
}

const EDGE = [0, 1e-300, 2 ** -70, 1e-8, 1e8, 2 ** 70, 1e200, 1e300, Number.MAX_VALUE];

/**
 * The double where f(eta) flips (f(lo) !== f(hi), lo and hi adjacent doubles), by bisection;
 * with its neighbours, the points where classifyPhase's comparisons are closest to a tie.
 */
function flip(f: (eta: number) => unknown, lo: number, hi: number): number[] {
  const at = f(lo);
  expect(f(hi)).not.toBe(at);
  for (;;) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    if (f(mid) === at) lo = mid; else hi = mid;
  }
  return [lo, hi, lo - (hi - lo), hi + (hi - lo)];
}

describe('classifyPhases', () => {
  for (const normalization of ['column', 'oja'] as const) {
    for (const d of [1, 2, 3]) {
      it(`equals classifyPhase member by member: d = ${d}, ${normalization}, ordinary and extreme values`, () => {
        const base = { ...defaultSpec(d), normalization };
        const etas = [...Array.from({ length: 25 }, (_, i) => 0.25 * i), ...EDGE];
        const taus = [...Array.from({ length: 12 }, (_, i) => 0.02 + 0.09 * i), ...EDGE];
        const specs = grid(base, etas, taus, [0, 0.04, 0.5, ...EDGE.slice(1)]);
        const batch = classifyPhases(specs);
        expect(batch.phases).toEqual(one(specs));
        // the compiled values decide the ordinary members (they are not all sent to classifyPhase)
        const ordinary = grid(base, etas.slice(0, 25), taus.slice(0, 12), [0.04]);
        expect(classifyPhases(ordinary).viaClassifyPhase).toBeLessThan(ordinary.length / 20);
        // every phase occurs, so the comparison covers all four
        if (d > 1) expect(new Set(batch.phases)).toEqual(new Set(['success', 'oscillation', 'failure', 'collapse']));
      });
    }
  }

  it('equals classifyPhase at the last double before and after each comparison flips (trace = 0, P_c = |P(0)| + minGain, P_c = 1)', () => {
    const specs: SolvableGanSpec[] = [];
    for (const d of [1, 2]) {
      for (const normalization of ['column', 'oja'] as const) {
        const base = { ...defaultSpec(d), normalization };
        const at = (eta: number) => ({ ...base, eta_T: eta, eta_G: eta });
        const f = (eta: number) => classifyPhase(at(eta)).features[0];
        const edges = [
          flip((eta) => f(eta).trace > 0, 0.1, 2), // the oscillation boundary
          flip((eta) => f(eta).recovered, 1.5, 20), // P_c = 0.3 (the failure boundary)
        ];
        const pc2 = (eta: number) => f(eta).criticalOverlapSquared;
        // P_c = 1 (with tau_g = 0 and lambda > lambda_g: P_c² ≥ 1 for kappa ≤ tau (lambda − lambda_g), where the trace is ≤ 0 from kappa = tau (lambda − lambda_g)/2)
        const wide = { ...base, lambda: base.lambda.map((l) => l + 2), tau_g: 0 };
        const g = (eta: number) => classifyPhase({ ...wide, eta_T: eta, eta_G: eta }).features[0].criticalOverlapSquared >= 1;
        for (const eta of flip(g, 2.5, 3.5)) specs.push({ ...wide, eta_T: eta, eta_G: eta });
        expect(pc2(edges[1][0])).toBeGreaterThan(0);
        for (const eta of edges.flat()) specs.push(at(eta));
      }
    }
    expect(specs.length).toBe(2 * 2 * 3 * 4);
    const batch = classifyPhases(specs.filter((s) => s.d === 1));
    expect(batch.phases).toEqual(one(specs.filter((s) => s.d === 1)));
    expect(classifyPhases(specs.filter((s) => s.d === 2)).phases).toEqual(one(specs.filter((s) => s.d === 2)));
  });

  it('takes a non-default initial overlap and minGain as classifyPhase does', () => {
    const base = defaultSpec(2);
    const init = defaultInit(2);
    init.P[0][0] = -0.4;
    init.P[1][1] = 0.05;
    const specs = grid(base, Array.from({ length: 30 }, (_, i) => 0.2 * i), [0.05, 0.2, 0.5, 1], [0.04]);
    for (const minGain of [0, 0.2, 0.5]) {
      expect(classifyPhases(specs, init, minGain).phases).toEqual(specs.map((s) => classifyPhase(s, init, minGain).phase));
    }
  });

  it('refuses a bad member as classifyPhase does', () => {
    const specs = grid(defaultSpec(1), [1, 2, -1], [0.2], [0.04]);
    expect(() => classifyPhase(specs[2])).toThrow(/eta_T/);
    expect(() => classifyPhases(specs)).toThrow(/eta_T/);
    expect(() => classifyPhases([...specs.slice(0, 2), { ...specs[0], tau: Number.NaN }])).toThrow(/tau/);
  });
});

describe('phasesOfRecords', () => {
  it("reads phaseOfTrajectory's phase of every member straight off batched records (d = 1, 2; both thresholds; statistics)", () => {
    for (const d of [1, 2]) {
      const system = overlapSystem(d, 'column');
      const specs = grid(defaultSpec(d), Array.from({ length: 12 }, (_, i) => 0.5 + 0.4 * i), [0.05, 0.2, 0.5, 0.9], [0.04]);
      const B = specs.length, D = system.state.length;
      const P = Float64Array.from(specs.flatMap((s) => system.params.map((p) => paramValues(s)[p])));
      const x0 = overlapsRecord(defaultInit(d), d);
      const y0 = Float64Array.from({ length: B * D }, (_, k) => x0[system.state[k % D]]);
      const res = compileIntegrator(system, { backend: 'f64' }).run({ y0, params: P, t0: 0, t1: 100, steps: 2000, recordEvery: 50 });
      const records = [y0, ...res.y];
      const traj = new Trajectory(Float64Array.from([0, ...res.t]), records, B, D, [...system.state], { steps: 2000, rejected: 0, rhsEvals: 8000 });
      for (const [thresholds, tailStart] of [[ODE_THRESHOLDS, 1], [SGD_THRESHOLDS, 30]] as const) {
        const S = 2 * d + 2, statistics = new Float64Array(B * S);
        const phases = phasesOfRecords(records, B, system.state, d, thresholds, tailStart, statistics);
        for (let b = 0; b < B; b++) {
          const one = phaseOfTrajectory(traj.named(b), d, thresholds, tailStart);
          expect(phases[b], `member ${b}`).toBe(one.phase);
          expect(Array.from(statistics.subarray(b * S, b * S + d))).toEqual(one.finalOverlaps);
          expect(statistics[b * S + 2 * d]).toBe(one.lateDiscriminatorOverlap);
        }
        expect(new Set(phases).size).toBeGreaterThanOrEqual(2);
      }
    }
  });
});
