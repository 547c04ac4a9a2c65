// A test oracle (not part of the package): the ODEs of docs/solvable-gan.md A.3/A.4 transcribed by hand, to check the derived ones against.
// Hand-written right-hand sides of the macroscopic ODE (docs/solvable-gan.md A.3, A.4 and the
// A.4 caveat), transcribed entry by entry as plain f64 functions over the state
// vector in `stateNames(d)` order. These are the formulas the symbolic derivation
// is tested against; they are not used to derive anything.

import { rk4 } from '../../../src/numeric/index.ts';
import {
  overlapsToState, paramValues, stateNames, validateOverlaps, validateSpec,
  type Overlaps, type SolvableGanSpec, type Trajectory,
} from '../../../src/models/solvable-gan/index.ts';
import { ArgumentError } from '../../../src/core/index.ts';

/** dx/dt = f(t, x): writes the drift of state `x` into `out` (both in `stateNames(d)` order). */
export type Drift = (t: number, x: Float64Array, out: Float64Array) => void;

/** Index helpers for the state layout of `stateNames(d)`. */
export function stateLayout(d: number): { P: (j: number, l: number) => number; q: (j: number) => number; r: (l: number) => number; S: (l: number, m: number) => number; size: number } {
  const offQ = d * d, offR = offQ + d, offS = offR + d;
  // Strict upper triangle of S, row by row: index of (l, m), l < m.
  const sIndex = (l: number, m: number) => offS + l * d - (l * (l + 1)) / 2 + (m - l - 1);
  return {
    P: (j, l) => j * d + l,
    q: (j) => offQ + j,
    r: (l) => offR + l,
    S: (l, m) => (l === m ? -1 : l < m ? sIndex(l, m) : sIndex(m, l)),
    size: offS + (d * (d - 1)) / 2,
  };
}

/**
 * docs/solvable-gan.md A.3 (d = 1), transcribed literally; state [P, q, r]:
 *   Γ = η_T(λq² + η_T) + η_G(λ̃r² + η_G)
 *   dP/dt = τ̃ λ̃ r (q − P r)
 *   dq/dt = τ[λq(1 − q²) − λ̃ r (P − q r)] − (τ²/2) q Γ
 *   dr/dt = τ̃ λ̃ r (1 − r²) + τ[λ q (P − q r) − λ̃ r (1 − r²)] − (τ²/2) r Γ
 */
export function driftA3(spec: SolvableGanSpec): Drift {
  validateSpec(spec);
  if (spec.d !== 1) throw new ArgumentError(`driftA3 is the d = 1 ODE; got d = ${spec.d}`);
  const { tau, tau_g, eta_T, eta_G } = spec;
  const lam = spec.lambda[0], lamg = spec.lambda_g[0];
  return (_t, x, out) => {
    const P = x[0], q = x[1], r = x[2];
    const Gamma = eta_T * (lam * q * q + eta_T) + eta_G * (lamg * r * r + eta_G);
    out[0] = tau_g * lamg * r * (q - P * r);
    out[1] = tau * (lam * q * (1 - q * q) - lamg * r * (P - q * r)) - 0.5 * tau * tau * q * Gamma;
    out[2] = tau_g * lamg * r * (1 - r * r) + tau * (lam * q * (P - q * r) - lamg * r * (1 - r * r)) - 0.5 * tau * tau * r * Gamma;
  };
}

/**
 * docs/solvable-gan.md A.4 (any d, column-normalised generator), entry by entry:
 *   Γ = η_T(qᵀΛq + η_T) + η_G(rᵀΛ̃r + η_G),   A = qᵀΛq − rᵀΛ̃r
 *   dP_jl = τ̃ λ̃_l r_l (q_j − P_jl r_l)
 *   dq_j  = τ[λ_j q_j − Σ_l P_jl λ̃_l r_l − q_j A] − (τ²/2) Γ q_j
 *   dr_l  = τ̃ λ̃_l r_l (1 − r_l²) + τ[Σ_j P_jl λ_j q_j − Σ_m S_lm λ̃_m r_m − r_l A] − (τ²/2) Γ r_l
 *   dS_lm = τ̃[(λ̃_l + λ̃_m) r_l r_m − S_lm(λ̃_l r_l² + λ̃_m r_m²)]   (l < m; S_ll ≡ 1)
 */
export function driftA4Column(spec: SolvableGanSpec): Drift {
  return generalDrift(spec, 'column');
}

/**
 * The 'oja' generator step of simulate.ts (V′ = V + (τ̃/n)(ỹᵀw)(I − VVᵀ)w c̃ᵀ, then
 * each column of V renormalised), in the n → ∞ limit. With g_l = τ̃ λ̃_l r_l and
 * e_l = r_l − (S r)_l (e = 0 whenever S = I):
 *   dP_jl = g_l [q_j − (P r)_j − P_jl e_l]
 *   dq_j  = as in A.4
 *   dr_l  = g_l [1 − rᵀr − r_l e_l] + τ[(PᵀΛq)_l − (SΛ̃r)_l − r_l A] − (τ²/2) Γ r_l
 *   dS_lm = g_l (e_m − S_lm e_l) + g_m (e_l − S_lm e_m)
 * For S = I the P equation is the caveat's "P r rᵀΛ̃" term exactly, and S stays I.
 * The r equation has Λ̃ r (rᵀr) where the caveat writes r (rᵀΛ̃ r): no single
 * generator step gives both the caveat's P term and its r term unless Λ̃ ∝ I (see
 * `driftOjaCaveatLiteral`). For d = 1 all of these equal A.3.
 */
export function driftOja(spec: SolvableGanSpec): Drift {
  return generalDrift(spec, 'oja');
}

/**
 * The A.4 caveat read literally (the follow-up code's ode.py with L = r rᵀΛ̃):
 * A.4 with P diag(r∘r)Λ̃ → P r rᵀΛ̃ in dP and Λ̃ r∘r∘r → r (rᵀΛ̃ r) in dr; for S
 * (which the caveat does not state, and which ode.py writes non-symmetrically) the
 * symmetric form implied by its P term, dS = τ̃[Λ̃ r (r − S r)ᵀ + (r − S r) rᵀΛ̃].
 * Kept for comparison only: it is not the limit of any one generator step when
 * Λ̃ is not a multiple of I.
 */
export function driftOjaCaveatLiteral(spec: SolvableGanSpec): Drift {
  return generalDrift(spec, 'caveat');
}

/** The reference drift for the spec's normalisation: A.3 for d = 1, A.4 or the 'oja' limit for d > 1. */
export function referenceDrift(spec: SolvableGanSpec): Drift {
  validateSpec(spec);
  if (spec.d === 1) return driftA3(spec);
  return spec.normalization === 'oja' ? driftOja(spec) : driftA4Column(spec);
}

function generalDrift(spec: SolvableGanSpec, variant: 'column' | 'oja' | 'caveat'): Drift {
  validateSpec(spec);
  const d = spec.d;
  const { tau, tau_g, eta_T, eta_G } = spec;
  const lam = Float64Array.from(spec.lambda), lamg = Float64Array.from(spec.lambda_g);
  const L = stateLayout(d);
  const P = new Float64Array(d * d), S = new Float64Array(d * d);
  const q = new Float64Array(d), r = new Float64Array(d), Sr = new Float64Array(d), Pr = new Float64Array(d), e = new Float64Array(d);
  return (_t, x, out) => {
    for (let j = 0; j < d; j++) {
      q[j] = x[L.q(j)];
      r[j] = x[L.r(j)];
      for (let l = 0; l < d; l++) {
        P[j * d + l] = x[L.P(j, l)];
        S[j * d + l] = j === l ? 1 : x[L.S(j, l)];
      }
    }
    let qLq = 0, rLr = 0, rr = 0;
    for (let j = 0; j < d; j++) {
      qLq += lam[j] * q[j] * q[j];
      rLr += lamg[j] * r[j] * r[j];
      rr += r[j] * r[j];
    }
    const Gamma = eta_T * (qLq + eta_T) + eta_G * (rLr + eta_G);
    const A = qLq - rLr;
    const ito = 0.5 * tau * tau * Gamma;
    for (let j = 0; j < d; j++) {
      let s = 0, p = 0;
      for (let m = 0; m < d; m++) {
        s += S[j * d + m] * r[m];
        p += P[j * d + m] * r[m];
      }
      Sr[j] = s;
      Pr[j] = p;
      e[j] = r[j] - s;
    }
    // dP
    for (let j = 0; j < d; j++) {
      for (let l = 0; l < d; l++) {
        const Pjl = P[j * d + l];
        let v: number;
        if (variant === 'column') v = tau_g * lamg[l] * r[l] * (q[j] - Pjl * r[l]);
        else if (variant === 'oja') v = tau_g * lamg[l] * r[l] * (q[j] - Pr[j] - Pjl * e[l]);
        else v = tau_g * (q[j] * r[l] * lamg[l] - Pr[j] * r[l] * lamg[l]); // q rᵀΛ̃ − P r rᵀΛ̃
        out[L.P(j, l)] = v;
      }
    }
    // dq
    for (let j = 0; j < d; j++) {
      let PLr = 0;
      for (let l = 0; l < d; l++) PLr += P[j * d + l] * lamg[l] * r[l];
      out[L.q(j)] = tau * (lam[j] * q[j] - PLr - q[j] * A) - ito * q[j];
    }
    // dr
    for (let l = 0; l < d; l++) {
      let PtLq = 0, SLr = 0;
      for (let j = 0; j < d; j++) {
        PtLq += P[j * d + l] * lam[j] * q[j];
        SLr += S[l * d + j] * lamg[j] * r[j];
      }
      let gen: number;
      if (variant === 'column') gen = tau_g * lamg[l] * r[l] * (1 - r[l] * r[l]);
      else if (variant === 'oja') gen = tau_g * lamg[l] * r[l] * (1 - rr - r[l] * e[l]);
      else gen = tau_g * (lamg[l] * r[l] - r[l] * rLr); // Λ̃r − r rᵀΛ̃r
      out[L.r(l)] = gen + tau * (PtLq - SLr - r[l] * A) - ito * r[l];
    }
    // dS (l < m)
    for (let l = 0; l < d; l++) {
      for (let m = l + 1; m < d; m++) {
        const Slm = S[l * d + m];
        let v: number;
        if (variant === 'column') {
          v = tau_g * ((lamg[l] + lamg[m]) * r[l] * r[m] - Slm * (lamg[l] * r[l] * r[l] + lamg[m] * r[m] * r[m]));
        } else if (variant === 'oja') {
          const gl = tau_g * lamg[l] * r[l], gm = tau_g * lamg[m] * r[m];
          v = gl * (e[m] - Slm * e[l]) + gm * (e[l] - Slm * e[m]);
        } else {
          v = tau_g * (lamg[l] * r[l] * e[m] + e[l] * r[m] * lamg[m]);
        }
        out[L.S(l, m)] = v;
      }
    }
  };
}

/** Options of `integrateReference`. */
export interface ReferenceOptions {
  /** End time. */
  T: number;
  /** RK4 step; default 0.01 (shrunk so that a whole number of steps ends at T). */
  dt?: number;
  /** Recording interval in units of t; default 1. */
  recordEvery?: number;
  /** Use this drift instead of `referenceDrift(spec)`. */
  drift?: Drift;
}

/**
 * Integrates the reference ODE from `init` with classical RK4 (src/numeric/ode.ts)
 * and records the state at t = 0, recordEvery, 2·recordEvery, … (and T). Same
 * output shape as the simulators. Throws the integrator's DivergenceError on NaN/Inf.
 */
export function integrateReference(spec: SolvableGanSpec, init: Overlaps, opts: ReferenceOptions): Trajectory {
  validateSpec(spec);
  validateOverlaps(init, spec.d);
  const { T } = opts;
  const every = opts.recordEvery ?? 1;
  if (!(Number.isFinite(T) && T >= 0)) throw new ArgumentError(`T must be a finite number ≥ 0, got ${T}`);
  if (!(every > 0)) throw new ArgumentError(`recordEvery must be positive, got ${every}`);
  const names = stateNames(spec.d);
  const x0 = overlapsToState(init, spec.d);
  const out: Trajectory = { t: [0], series: Object.fromEntries(names.map((n, i) => [n, [x0[i]]])) };
  if (T === 0) return out;
  const nRecords = Math.floor(T / every + 1e-9);
  const recordTimes: number[] = [0];
  for (let k = 1; k <= nRecords; k++) recordTimes.push(k * every);
  if (T - recordTimes[recordTimes.length - 1] > 1e-9 * Math.max(1, T)) recordTimes.push(T);
  const traj = rk4(opts.drift ?? referenceDrift(spec), x0, {
    t0: 0, t1: T, dt: opts.dt ?? 0.01, record: recordTimes, names,
    params: { ...paramValues(spec), normalization: spec.normalization },
  });
  out.t = Array.from(traj.t);
  names.forEach((n, i) => { out.series[n] = Array.from(traj.series(i)); });
  return out;
}

/** Largest |a − b| over the series both trajectories share and the times of `a` (b linearly interpolated in t). */
export interface Deviation {
  /** max over names and times. */
  max: number;
  /** Where the maximum is attained. */
  at: { name: string; t: number };
  /** max over times, per series name. */
  byName: Record<string, number>;
}

/**
 * Maximum deviation of a simulated trajectory from an ODE trajectory: for every
 * series in both and every recorded time of `sim` inside the ODE's time range,
 * |sim − ode(t)| with ode(t) linearly interpolated (exact when the ODE was
 * recorded at the same times). Restrict to some series with `names`.
 */
export function maxDeviation(sim: Trajectory, ode: Trajectory, names?: string[]): Deviation {
  const keys = (names ?? Object.keys(sim.series)).filter((k) => k in ode.series && k in sim.series);
  if (keys.length === 0) throw new ArgumentError('maxDeviation: the trajectories share no series');
  const res: Deviation = { max: 0, at: { name: keys[0], t: sim.t[0] }, byName: {} };
  for (const k of keys) res.byName[k] = 0;
  const to = ode.t;
  let j = 0;
  for (let i = 0; i < sim.t.length; i++) {
    const t = sim.t[i];
    if (t < to[0] - 1e-9 || t > to[to.length - 1] + 1e-9) continue;
    while (j + 1 < to.length && to[j + 1] < t - 1e-12) j++;
    const exact = Math.abs(to[j] - t) <= 1e-9 ? j : j + 1 < to.length && Math.abs(to[j + 1] - t) <= 1e-9 ? j + 1 : -1;
    for (const k of keys) {
      const ys = ode.series[k];
      let y: number;
      if (exact >= 0) y = ys[exact];
      else {
        const w = (t - to[j]) / (to[j + 1] - to[j]);
        y = ys[j] + w * (ys[j + 1] - ys[j]);
      }
      const dev = Math.abs(sim.series[k][i] - y);
      if (dev > res.byName[k]) res.byName[k] = dev;
      if (dev > res.max) res.max = dev, res.at = { name: k, t };
    }
  }
  return res;
}

/** Per-series statistics of an ensemble of runs (different seeds) against an ODE trajectory. */
export interface EnsembleDeviation {
  /** Number of runs. */
  runs: number;
  /** Per series name. */
  byName: Record<string, {
    /** Spread: max over t of the standard deviation across runs (n − 1 normalisation). */
    spread: number;
    /** max over t of |mean over runs − ode|. */
    meanDeviation: number;
    /** max over runs and t of |run − ode|. */
    maxDeviation: number;
  }>;
}

/**
 * Compares several runs recorded at the same times with an ODE trajectory (ODE
 * values taken at the runs' times, linearly interpolated if needed): per series,
 * the spread across runs, the deviation of the ensemble mean and the worst single
 * deviation. Series missing from the ODE (like the particles' `z`) are skipped.
 */
export function ensembleDeviation(runs: Trajectory[], ode: Trajectory, names?: string[]): EnsembleDeviation {
  if (runs.length < 2) throw new ArgumentError('ensembleDeviation: need at least two runs');
  const t = runs[0].t;
  for (const run of runs) {
    if (run.t.length !== t.length || run.t.some((x, i) => Math.abs(x - t[i]) > 1e-9)) {
      throw new ArgumentError('ensembleDeviation: the runs must be recorded at the same times');
    }
  }
  const keys = (names ?? Object.keys(runs[0].series)).filter((k) => k in ode.series);
  // ODE values at the runs' times.
  const odeAt = (k: string, time: number): number => {
    const to = ode.t, ys = ode.series[k];
    let j = 0;
    while (j + 1 < to.length && to[j + 1] <= time + 1e-12) j++;
    if (Math.abs(to[j] - time) <= 1e-9 || j + 1 >= to.length) return ys[j];
    return ys[j] + ((time - to[j]) / (to[j + 1] - to[j])) * (ys[j + 1] - ys[j]);
  };
  const K = runs.length;
  const out: EnsembleDeviation = { runs: K, byName: {} };
  for (const k of keys) {
    let spread = 0, meanDeviation = 0, maxDev = 0;
    for (let i = 0; i < t.length; i++) {
      if (t[i] > ode.t[ode.t.length - 1] + 1e-9) continue;
      const ref = odeAt(k, t[i]);
      let m = 0;
      for (const run of runs) m += run.series[k][i] - ref;
      m /= K;
      let v = 0;
      for (const run of runs) {
        const dev = run.series[k][i] - ref;
        v += (dev - m) ** 2;
        maxDev = Math.max(maxDev, Math.abs(dev));
      }
      spread = Math.max(spread, Math.sqrt(v / (K - 1)));
      meanDeviation = Math.max(meanDeviation, Math.abs(m));
    }
    out.byName[k] = { spread, meanDeviation, maxDeviation: maxDev };
  }
  return out;
}
