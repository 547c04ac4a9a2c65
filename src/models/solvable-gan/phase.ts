// Fixed points, linear stability and phases of the solvable GAN (docs/solvable-gan.md A.6),
// from the derived ODE: every point with q = r = 0 is a fixed point (the
// discriminator is blind there); its stability in the (q_i, r_i) directions
// decides which features are learned.

import { type Expr, ZERO, add, sub, mul, neg, div } from '../../symbolic/index.ts';
import { substitute } from '../../symbolic/index.ts';
import { simplify } from '../../symbolic/index.ts';
import { polyIn } from '../../symbolic/index.ts';
import { evaluate } from '../../symbolic/index.ts';
import type { System } from '../../symbolic/index.ts';
import { jacobian } from '../../symbolic/index.ts';
import { deriveOverlapOde } from './derive.ts';
import {
  type SolvableGanSpec, type Overlaps, entryName, vectorEntryName, paramValues, validateSpec, defaultInit,
} from './spec.ts';

export type Phase = 'success' | 'oscillation' | 'failure' | 'collapse';

/** The linearisation in (q_i, r_i) at q = r = 0, P = diag(P*), S = I, as Exprs in P*_i. */
export interface FeatureLinearisation {
  /** trace of the 2×2 block (independent of P*) */
  trace: Expr;
  /** determinant of the block, a + b·P*² */
  det: Expr;
  /** P_c² = −a/b: the line is stable where P*² > P_c² (given trace < 0) */
  criticalOverlapSquared: Expr;
  /** the symbol standing for P*_i */
  overlap: string;
}

/** Per-feature linearisations of the derived ODE (symbolic; cached per d and normalisation). */
export function linearise(system: System, d: number): FeatureLinearisation[] {
  const J = jacobian(system.drift, system.state);
  const at = new Map<string, Expr>();
  for (let j = 0; j < d; j++) {
    at.set(vectorEntryName('q', j, d), ZERO);
    at.set(vectorEntryName('r', j, d), ZERO);
    for (let l = 0; l < d; l++) {
      if (j !== l) at.set(entryName('P', j, l, d), ZERO);
      if (l > j) at.set(entryName('S', j, l, d), ZERO);
    }
  }
  const index = (name: string) => system.state.indexOf(name);
  return Array.from({ length: d }, (_, i) => {
    const overlap = entryName('P', i, i, d);
    const q = index(vectorEntryName('q', i, d)), r = index(vectorEntryName('r', i, d));
    const block = [[J[q][q], J[q][r]], [J[r][q], J[r][r]]].map((row) => row.map((e) => simplify(substitute(e, at))));
    const trace = simplify(add(block[0][0], block[1][1]));
    const det = simplify(sub(mul(block[0][0], block[1][1]), mul(block[0][1], block[1][0])));
    const coeffs = polyIn(det, [overlap]);
    const byPower = new Map(coeffs.terms.map((t) => [t.exps[0], t.coeff]));
    if ([...byPower.keys()].some((k) => k !== 0 && k !== 2)) {
      throw new Error(`the determinant is not of the form a + b·${overlap}²`);
    }
    const a = byPower.get(0) ?? ZERO, b = byPower.get(2) ?? ZERO;
    const criticalOverlapSquared = simplify(neg(div(a, b)));
    return { trace, det, criticalOverlapSquared, overlap };
  });
}

export interface FeatureVerdict {
  trace: number;
  /** P_c² (negative: the whole line is stable) */
  criticalOverlapSquared: number;
  criticalOverlap: number;
  /** whether the feature is learned: P_c exceeds the initial overlap by at least minGain */
  recovered: boolean;
  /** trace > 0 or P_c ≥ 1: no stable fixed point to settle on */
  oscillates: boolean;
}

export interface PhaseVerdict {
  phase: Phase;
  recovered: boolean[];
  features: FeatureVerdict[];
  /** κ = (τ²/2)(η_T² + η_G²) */
  kappa: number;
}

const cache = new Map<string, { system: System; lin: FeatureLinearisation[] }>();

function linearisationFor(d: number, normalization: SolvableGanSpec['normalization']) {
  const key = `${d}:${normalization}`;
  let hit = cache.get(key);
  if (!hit) {
    const system = deriveOverlapOde(d, normalization);
    hit = { system, lin: linearise(system, d) };
    cache.set(key, hit);
  }
  return hit;
}

/**
 * The phase predicted by the linearisation. The orbit drifts along the fixed line
 * until it reaches its stable part |P*| > P_c, so feature i is learned (its overlap
 * grows by at least `minGain`) when P_c > |P_i(0)| + minGain; when P_c² ≤ P_i(0)²
 * the line is already stable where the run starts and the discriminator's signal
 * decays before P grows. The model oscillates when a learned feature has trace > 0
 * or P_c ≥ 1 (no stable fixed point to settle on).
 */
export function classifyPhase(spec: SolvableGanSpec, init: Overlaps = defaultInit(spec.d), minGain = 0.2): PhaseVerdict {
  validateSpec(spec);
  const d = spec.d;
  const { lin } = linearisationFor(d, spec.normalization);
  const env = paramValues(spec);
  const features = lin.map((f, i): FeatureVerdict => {
    const trace = evaluate(f.trace, env);
    const pc2 = evaluate(f.criticalOverlapSquared, env);
    const p0 = init.P[i][i];
    // trace > 0: no point of the line is stable, the orbit keeps cycling through the feature
    const recovered = trace > 0 || (pc2 > 0 && Math.sqrt(pc2) > Math.abs(p0) + minGain);
    return {
      trace, criticalOverlapSquared: pc2, criticalOverlap: pc2 > 0 ? Math.sqrt(pc2) : 0,
      recovered, oscillates: trace > 0 || (recovered && pc2 >= 1),
    };
  });
  const recovered = features.map((f) => f.recovered);
  let phase: Phase;
  if (features.some((f) => f.oscillates)) phase = 'oscillation';
  else if (recovered.every((r) => !r)) phase = 'failure';
  else if (recovered.every((r) => r)) phase = 'success';
  else phase = 'collapse';
  const kappa = (spec.tau * spec.tau / 2) * (spec.eta_T ** 2 + spec.eta_G ** 2);
  return { phase, recovered, features, kappa };
}
