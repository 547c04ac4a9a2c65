// Particle simulation of the microscopic McKean–Vlasov SDE of the solvable GAN
// (docs/solvable-gan.md A.5). A particle is one coordinate i of the rescaled vectors,
// (û, v̂, ŵ) = √n (U_i·, V_i·, w_i) with û, v̂ ∈ R^d, ŵ ∈ R. Its drift and
// diffusion are the SDE derived from the SGD update (derive.ts,
// deriveCoordinateSde), compiled once; for d = 1 they are A.5:
//   dû = 0,  dv̂ = τ̃ λ̃ r (ŵ − r v̂) dt,
//   dŵ = { τ[λ q û − λ̃ r v̂ − (λq² − λ̃r²) ŵ] − (τ²/2) Γ ŵ } dt + τ √Γ dB.
// The overlaps in the coefficients are moments of the law itself, estimated from
// the M particles at every step: q = mean(û ŵ), r = mean(v̂ ŵ), P = mean(û v̂ᵀ),
// S = mean(v̂ v̂ᵀ). Euler–Maruyama with step dt through simulateSde (the one SDE
// entry; the moments are its mean field, fed into the SDE's parameters after
// every step); each particle has its own Brownian motion in every component
// with a non-zero diffusion.

import { Rng } from '../../numeric/index.ts';
import { DivergenceError } from '../../numeric/index.ts';
import type { MeanField, Trajectory as SdeRecords } from '../../numeric/index.ts';
import { simulateSde } from '../../compile/index.ts';
import type { System } from '../../symbolic/index.ts';
import { columnsWithOverlaps } from './simulate.ts';
import { deriveCoordinateSde } from './derive.ts';
import {
  paramValues, stateNames, validateOverlaps, validateSpec, SpecError, type Overlaps, type SolvableGanSpec, type Trajectory,
} from './spec.ts';

/** Options of `simulateParticles`. */
export interface ParticleOptions {
  /** Number of particles M (integer ≥ 2d + 1). */
  M: number;
  /** End time. */
  T: number;
  /** Euler–Maruyama step; default 0.01. Shrunk so that record times fall on steps. */
  dt?: number;
  /** Seed (initial particles and Brownian increments). */
  seed: number | bigint;
  /** Recording interval in units of t; default 1. */
  recordEvery?: number;
  /** Called after each recorded time. */
  onProgress?: (t: number) => void;
}

/** Final particles: û and v̂ row-major M×d, ŵ of length M. */
export interface Particles {
  M: number;
  d: number;
  u: Float64Array;
  v: Float64Array;
  w: Float64Array;
}

/**
 * Trajectory of the particle moments (series named by `stateNames(d)`, plus `z`
 * = mean(ŵ²), which the SDE keeps at 1 in expectation) and the final particles.
 */
export interface ParticleResult extends Trajectory {
  particles: Particles;
}

/**
 * Simulates M particles of the McKean–Vlasov SDE from particles whose empirical
 * second moments equal the Gram matrix of `init` exactly (to rounding): the
 * √M-scaled coordinates of random vectors with those overlaps. Same seed → same
 * output. Throws a DivergenceError (with `.partial`) on NaN/Inf.
 */
export function simulateParticles(spec: SolvableGanSpec, init: Overlaps, opts: ParticleOptions): ParticleResult {
  validateSpec(spec);
  validateOverlaps(init, spec.d);
  const d = spec.d;
  const { M, T, seed } = opts;
  if (!(Number.isInteger(M) && M >= 2 * d + 1)) throw new SpecError(`M (particles) must be an integer ≥ 2d + 1 = ${2 * d + 1}, got ${M}`);
  if (!(Number.isFinite(T) && T >= 0)) throw new SpecError(`T must be a finite number ≥ 0, got ${T}`);
  const dt0 = opts.dt ?? 0.01;
  if (!(Number.isFinite(dt0) && dt0 > 0)) throw new SpecError(`dt must be a positive number, got ${dt0}`);
  const recordEvery = opts.recordEvery ?? 1;
  if (!(Number.isFinite(recordEvery) && recordEvery > 0)) throw new SpecError(`recordEvery must be a positive number, got ${recordEvery}`);

  const rng = new Rng(seed);
  const initRng = rng.split();
  const noiseRng = rng.split();
  const X = columnsWithOverlaps(init, d, M, initRng);
  const scale = Math.sqrt(M);
  const u = new Float64Array(M * d), v = new Float64Array(M * d), w = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < d; j++) {
      u[i * d + j] = scale * X[j][i];
      v[i * d + j] = scale * X[d + j][i];
    }
    w[i] = scale * X[2 * d][i];
  }

  const sde = coordinateSde(d, spec.normalization);
  const D = 2 * d + 1;
  // the particles in the SDE's state layout: [û_1..û_d, v̂_1..v̂_d, ŵ] per particle
  const Y = new Float64Array(M * D);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < d; j++) { Y[i * D + j] = u[i * d + j]; Y[i * D + d + j] = v[i * d + j]; }
    Y[i * D + 2 * d] = w[i];
  }
  const names = stateNames(d);
  const paramText = Object.entries({ ...paramValues(spec), normalization: spec.normalization, M, seed: String(seed) })
    .map(([k, val]) => `${k}=${val}`).join(', ');
  // the model's parameters of the SDE; its other parameters, the overlaps, are the mean field below
  const params = Object.fromEntries(Object.entries(paramValues(spec)).filter(([k]) => sde.params.includes(k)));

  const P = new Float64Array(d * d), S = new Float64Array(d * d);
  const invM = 1 / M;
  /**
   * Empirical moments of the particles, in the order of `stateNames(d)` then z:
   * P (d×d), q, r, S above the diagonal (all of them parameters of the SDE), z = mean(ŵ²).
   */
  const meanField: MeanField = {
    names: [...names, 'z'],
    compute: (_t, Y, out) => {
      const q = out.subarray(d * d, d * d + d), r = out.subarray(d * d + d, d * d + 2 * d);
      q.fill(0); r.fill(0); P.fill(0); S.fill(0);
      let zz = 0;
      for (let i = 0; i < M; i++) {
        const b = i * D, wi = Y[b + 2 * d];
        zz += wi * wi;
        for (let j = 0; j < d; j++) {
          const uj = Y[b + j], vj = Y[b + d + j];
          q[j] += uj * wi;
          r[j] += vj * wi;
          for (let l = 0; l < d; l++) {
            P[j * d + l] += uj * Y[b + d + l];
            S[j * d + l] += vj * Y[b + d + l];
          }
        }
      }
      for (let j = 0; j < d; j++) { q[j] *= invM; r[j] *= invM; }
      for (let k = 0; k < d * d; k++) out[k] = P[k] * invM;
      let k = d * d + 2 * d;
      for (let l = 0; l < d; l++) for (let m = l + 1; m < d; m++) out[k++] = S[l * d + m] * invM;
      out[k] = zz * invM;
    },
  };

  const recordTimes = Array.from({ length: Math.floor(T / recordEvery + 1e-9) }, (_, k) => (k + 1) * recordEvery);
  if (T - (recordTimes[recordTimes.length - 1] ?? 0) > 1e-9 * Math.max(1, T)) recordTimes.push(T);

  let run: ReturnType<typeof simulateSde>;
  try {
    // non-finite particles or moments stop the run (no finite blow-up bound: large particles are not an error here)
    run = simulateSde(sde, {
      params, initial: Y, t1: recordTimes[recordTimes.length - 1] ?? 0, dt: dt0, seed: noiseRng,
      record: [0, ...recordTimes], align: 'records', meanField, blowUp: Infinity, onRecord: opts.onProgress,
    });
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    // the same error, with the model's description and the moments so far as named series
    throw new DivergenceError<Trajectory>({
      reason: err.reason, variable: err.variable, component: err.component, batchIndex: err.batchIndex,
      t: err.t, step: err.step, value: err.value, bound: err.bound, params: paramText, lastState: err.lastState, lastTime: err.lastTime,
    }, (err.partial as SdeRecords).named());
  }
  const Yend = run.endState;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < d; j++) { u[i * d + j] = Yend[i * D + j]; v[i * d + j] = Yend[i * D + d + j]; }
    w[i] = Yend[i * D + 2 * d];
  }
  return { ...run.named(), particles: { M, d, u, v, w } };
}

const sdeCache = new Map<string, System>();

/** The derived per-coordinate SDE, derived once per (d, normalisation). */
function coordinateSde(d: number, normalization: SolvableGanSpec['normalization']): System {
  const key = `${d}:${normalization}`;
  let sde = sdeCache.get(key);
  if (!sde) { sde = deriveCoordinateSde(d, normalization); sdeCache.set(key, sde); }
  return sde;
}
