// Particle simulation of the microscopic McKean–Vlasov SDE of the solvable GAN
// (papers.md A.5). A particle is one coordinate i of the rescaled vectors,
// (û, v̂, ŵ) = √n (U_i·, V_i·, w_i) with û, v̂ ∈ R^d, ŵ ∈ R. For general d (the
// coordinate-wise form of the A.4 limit; d = 1 is A.5 exactly):
//   dû = 0
//   column: dv̂_l = τ̃ λ̃_l r_l (ŵ − r_l v̂_l) dt
//   oja:    dv̂_l = τ̃ λ̃_l r_l (ŵ − v̂ᵀr − e_l v̂_l) dt,   e = r − S r
//   dŵ = { τ[ûᵀΛq − v̂ᵀΛ̃r − (qᵀΛq − rᵀΛ̃r) ŵ] − (τ²/2) Γ ŵ } dt + τ √Γ dB
//   Γ = η_T (qᵀΛq + η_T) + η_G (rᵀΛ̃r + η_G)
// where the coefficients are moments of the law itself, estimated from the M
// particles at every step: q = mean(û ŵ), r = mean(v̂ ŵ), P = mean(û v̂ᵀ),
// S = mean(v̂ v̂ᵀ). Euler–Maruyama with step dt; each particle has its own
// Brownian motion.

import { Rng } from '../../numeric/rng.ts';
import { DivergenceError } from '../../numeric/errors.ts';
import { columnsWithOverlaps } from './simulate.ts';
import {
  paramValues, stateNames, validateOverlaps, validateSpec, SpecError,
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

  const { tau, tau_g, eta_T, eta_G } = spec;
  const lam = Float64Array.from(spec.lambda), lamg = Float64Array.from(spec.lambda_g);
  const oja = spec.normalization === 'oja';
  const names = stateNames(d);
  const result: ParticleResult = {
    t: [],
    series: Object.fromEntries([...names, 'z'].map((k) => [k, [] as number[]])),
    particles: { M, d, u, v, w },
  };
  const paramText = Object.entries({ ...paramValues(spec), normalization: spec.normalization, M, seed: String(seed) })
    .map(([k, val]) => `${k}=${val}`).join(', ');

  const q = new Float64Array(d), r = new Float64Array(d), P = new Float64Array(d * d), S = new Float64Array(d * d);
  const e = new Float64Array(d), Lq = new Float64Array(d), Lr = new Float64Array(d), g = new Float64Array(d);
  let z = 0;
  const invM = 1 / M;

  /** Empirical moments of the particles (P and S only when `all`; the drift needs S for 'oja' only). */
  const moments = (all: boolean) => {
    q.fill(0); r.fill(0); P.fill(0); S.fill(0);
    let zz = 0;
    for (let i = 0; i < M; i++) {
      const wi = w[i], b = i * d;
      zz += wi * wi;
      for (let j = 0; j < d; j++) {
        const uj = u[b + j], vj = v[b + j];
        q[j] += uj * wi;
        r[j] += vj * wi;
        if (all) {
          for (let l = 0; l < d; l++) {
            P[j * d + l] += uj * v[b + l];
            S[j * d + l] += vj * v[b + l];
          }
        }
      }
    }
    for (let j = 0; j < d; j++) {
      q[j] *= invM;
      r[j] *= invM;
      for (let l = 0; l < d; l++) {
        P[j * d + l] *= invM;
        S[j * d + l] *= invM;
      }
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

  moments(true);
  record(0);
  opts.onProgress?.(0);
  const xi = new Float64Array(M);
  let t = 0, step = 0;
  for (const tRecord of recordTimes) {
    const span = tRecord - t;
    const steps = Math.max(1, Math.ceil(span / dt0 - 1e-9));
    const h = span / steps, sqh = Math.sqrt(h);
    for (let s = 0; s < steps; s++) {
      step++;
      // Coefficients from the current empirical law.
      let qLq = 0, rLr = 0;
      for (let j = 0; j < d; j++) {
        Lq[j] = lam[j] * q[j];
        Lr[j] = lamg[j] * r[j];
        qLq += Lq[j] * q[j];
        rLr += Lr[j] * r[j];
        g[j] = tau_g * lamg[j] * r[j];
        let Sr = 0;
        for (let m = 0; m < d; m++) Sr += S[j * d + m] * r[m];
        e[j] = r[j] - Sr;
      }
      const Gamma = eta_T * (qLq + eta_T) + eta_G * (rLr + eta_G);
      if (!Number.isFinite(Gamma)) throw diverged('Gamma', Gamma, step, t + h);
      const wCoef = 1 - h * (tau * (qLq - rLr) + 0.5 * tau * tau * Gamma);
      const noise = tau * Math.sqrt(Gamma) * sqh;
      noiseRng.fillNormal(xi);
      for (let i = 0; i < M; i++) {
        const b = i * d, wi = w[i];
        let drift = 0, vr = 0;
        for (let j = 0; j < d; j++) {
          drift += u[b + j] * Lq[j] - v[b + j] * Lr[j];
          vr += v[b + j] * r[j];
        }
        for (let l = 0; l < d; l++) {
          const vl = v[b + l];
          v[b + l] = oja ? vl + h * g[l] * (wi - vr - e[l] * vl) : vl + h * g[l] * (wi - r[l] * vl);
        }
        w[i] = wCoef * wi + h * tau * drift + noise * xi[i];
      }
      moments(oja || s === steps - 1);
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
  return result;
}
