// Particle simulation of the microscopic McKean–Vlasov SDE of the solvable GAN
// (papers.md A.5). A particle is one coordinate i of the rescaled vectors,
// (û, v̂, ŵ) = √n (U_i·, V_i·, w_i) with û, v̂ ∈ R^d, ŵ ∈ R. Its drift and
// diffusion are the SDE derived from the SGD update (derive.ts,
// deriveCoordinateSde), compiled once; for d = 1 they are A.5:
//   dû = 0,  dv̂ = τ̃ λ̃ r (ŵ − r v̂) dt,
//   dŵ = { τ[λ q û − λ̃ r v̂ − (λq² − λ̃r²) ŵ] − (τ²/2) Γ ŵ } dt + τ √Γ dB.
// The overlaps in the coefficients are moments of the law itself, estimated from
// the M particles at every step: q = mean(û ŵ), r = mean(v̂ ŵ), P = mean(û v̂ᵀ),
// S = mean(v̂ v̂ᵀ). Euler–Maruyama with step dt; each particle has its own
// Brownian motion in every component with a non-zero diffusion.

import { Rng } from '../../numeric/rng.ts';
import { DivergenceError } from '../../numeric/errors.ts';
import { compileRhs } from '../../compile/kernel.ts';
import type { System } from '../../symbolic/system.ts';
import { columnsWithOverlaps } from './simulate.ts';
import { deriveCoordinateSde } from './derive.ts';
import {
  entryName, paramValues, stateNames, validateOverlaps, validateSpec, vectorEntryName, SpecError,
  type Overlaps, type SolvableGanSpec, type Trajectory,
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
  const result: ParticleResult = {
    t: [],
    series: Object.fromEntries([...names, 'z'].map((k) => [k, [] as number[]])),
    particles: { M, d, u, v, w },
  };
  const paramText = Object.entries({ ...paramValues(spec), normalization: spec.normalization, M, seed: String(seed) })
    .map(([k, val]) => `${k}=${val}`).join(', ');

  // SDE parameters: the model's, then the overlaps (filled from the particles at every step)
  const theta = new Float64Array(sde.params.length);
  const fixed = paramValues(spec);
  sde.params.forEach((p, k) => { if (p in fixed) theta[k] = fixed[p]; });
  const slot = (name: string) => sde.params.indexOf(name);
  const qSlot = Array.from({ length: d }, (_, j) => slot(vectorEntryName('q', j, d)));
  const rSlot = Array.from({ length: d }, (_, j) => slot(vectorEntryName('r', j, d)));
  const PSlot = Array.from({ length: d * d }, (_, k) => slot(entryName('P', Math.floor(k / d), k % d, d)));
  const SSlot = Array.from({ length: d * d }, (_, k) => {
    const l = Math.floor(k / d), m = k % d;
    return l === m ? -1 : slot(entryName('S', Math.min(l, m), Math.max(l, m), d));
  });
  const drift = compileRhs(sde, { params: theta });
  const diffusion = compileRhs(sde, { params: theta, which: 'diffusion' });
  const noisy = sde.diffusion!.map((g, i) => (g.kind === 'num' && g.p === 0 ? -1 : i)).filter((i) => i >= 0);

  const q = new Float64Array(d), r = new Float64Array(d), P = new Float64Array(d * d), S = new Float64Array(d * d);
  let z = 0;
  const invM = 1 / M;

  /** Empirical moments of the particles, written into the SDE parameters too. */
  const moments = () => {
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
    for (let j = 0; j < d; j++) {
      q[j] *= invM; r[j] *= invM;
      theta[qSlot[j]] = q[j]; theta[rSlot[j]] = r[j];
    }
    for (let k = 0; k < d * d; k++) {
      P[k] *= invM; S[k] *= invM;
      theta[PSlot[k]] = P[k];
      if (SSlot[k] >= 0) theta[SSlot[k]] = S[k];
    }
    z = zz * invM;
  };

  const record = (t: number) => {
    let k = 0;
    const push = (val: number) => result.series[names[k++]].push(val);
    for (let j = 0; j < d * d; j++) push(P[j]);
    for (let j = 0; j < d; j++) push(q[j]);
    for (let j = 0; j < d; j++) push(r[j]);
    for (let l = 0; l < d; l++) for (let m = l + 1; m < d; m++) push(S[l * d + m]);
    result.series.z.push(z);
    result.t.push(t);
  };

  const diverged = (variable: string, value: number, step: number, t: number) => {
    const last = result.t.length - 1;
    return new DivergenceError<Trajectory>(
      {
        reason: 'non-finite', variable, component: Math.max(0, names.indexOf(variable)), batchIndex: 0, t, step, value,
        bound: Infinity, params: paramText,
        lastState: last >= 0 ? Float64Array.from(names, (nm) => result.series[nm][last]) : undefined,
        lastTime: last >= 0 ? result.t[last] : undefined,
      },
      result,
    );
  };

  const nRecords = Math.floor(T / recordEvery + 1e-9);
  const recordTimes = Array.from({ length: nRecords }, (_, k) => (k + 1) * recordEvery);
  if (T - (recordTimes[recordTimes.length - 1] ?? 0) > 1e-9 * Math.max(1, T)) recordTimes.push(T);

  moments();
  record(0);
  opts.onProgress?.(0);
  const F = new Float64Array(M * D), G = new Float64Array(M * D), xi = new Float64Array(M * noisy.length);
  let t = 0, step = 0;
  for (const tRecord of recordTimes) {
    const span = tRecord - t;
    const steps = Math.max(1, Math.ceil(span / dt0 - 1e-9));
    const h = span / steps, sqh = Math.sqrt(h);
    for (let s = 0; s < steps; s++) {
      step++;
      drift(t, Y, F);
      diffusion(t, Y, G);
      noiseRng.fillNormal(xi);
      for (let i = 0; i < M; i++) {
        const b = i * D;
        for (let c = 0; c < D; c++) Y[b + c] += h * F[b + c];
        for (let k = 0; k < noisy.length; k++) Y[b + noisy[k]] += sqh * G[b + noisy[k]] * xi[i * noisy.length + k];
      }
      moments();
      if (!Number.isFinite(z)) throw diverged('z', z, step, t + h);
      t += h;
    }
    t = tRecord;
    record(t);
    for (let k = 0; k < names.length; k++) {
      const val = result.series[names[k]][result.t.length - 1];
      if (!Number.isFinite(val)) throw diverged(names[k], val, step, t);
    }
    opts.onProgress?.(t);
  }
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < d; j++) { u[i * d + j] = Y[i * D + j]; v[i * d + j] = Y[i * D + d + j]; }
    w[i] = Y[i * D + 2 * d];
  }
  return result;
}

const sdeCache = new Map<string, System>();

/** The derived per-coordinate SDE, derived once per (d, normalisation). */
function coordinateSde(d: number, normalization: SolvableGanSpec['normalization']): System {
  const key = `${d}:${normalization}`;
  let sde = sdeCache.get(key);
  if (!sde) { sde = deriveCoordinateSde(d, normalization); sdeCache.set(key, sde); }
  return sde;
}
