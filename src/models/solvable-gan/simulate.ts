// Seeded simulator of the finite-n online SGD of the solvable GAN (docs/solvable-gan.md A.2).
//
// Each step k draws one fresh real sample y = U c + √η_T a and one fresh fake
// sample ỹ = V c̃ + √η_G ã (c ~ N(0, Λ), c̃ ~ N(0, Λ̃), a, ã ~ N(0, I_n)) and, with
// s = yᵀw_k and s̃ = ỹᵀw_k,
//   w′ = w_k + (τ/n) (s y − s̃ ỹ),                  w_{k+1} = w′ / ‖w′‖
//   'column': V′ = V_k + (τ̃/n) s̃ w_k c̃ᵀ
//   'oja':    V′ = V_k + (τ̃/n) s̃ (I − V_k V_kᵀ) w_k c̃ᵀ = V_k + (τ̃/n) s̃ (w_k − V_k r_k) c̃ᵀ
//   and in both cases every column of V_{k+1} = that column of V′ / its norm.
// The V update uses the old w_k and the same fake sample as the w update.
// 'oja' is Oja's subspace rule applied to the generator's gradient s̃ w c̃ᵀ: the
// gradient is projected off span(V) before the step, so VᵀV = I is kept to first
// order and the column renormalisation only removes O(1/n²) per step when S = I.
//
// Work per step is O(n·d): y and ỹ are never formed (yᵀw = cᵀq + √η_T aᵀw); one
// fused pass over the coordinates updates w and V and accumulates the norms and
// the overlaps that the next step needs (Uᵀw′, V′ᵀw′); the next step's noise is then
// drawn together with its projections aᵀw′, ãᵀw′ (Rng.fillNormalDot). Normalisation is
// applied lazily as a scale factor at the start of the next pass. The recorded overlaps
// are recomputed from the actual, normalised vectors.

import { Rng } from '../../numeric/index.ts';
import { DivergenceError } from '../../numeric/index.ts';
import {
  gramCholesky, gramMatrix, paramValues, stateNames, validateOverlaps, validateSpec,
  SpecError, type Overlaps, type SolvableGanSpec, type Trajectory,
} from './spec.ts';

/** Options of `simulateSgd`. */
export interface SimulateOptions {
  /** Ambient dimension n (integer, 2d + 1 ≤ n). */
  n: number;
  /** End time; the run makes round(T·n) steps (t = k/n). */
  T: number;
  /** Seed of the run (construction of U, V, w and all samples). */
  seed: number | bigint;
  /** Recording interval in units of t; default 1 (every n steps). Rounded to a whole number of steps. */
  recordEvery?: number;
  /** Called after each recorded time with that time. */
  onProgress?: (t: number) => void;
  /** Called with the current t about every 1 % of the steps (also between recorded times): for progress reports. */
  onTick?: (t: number) => void;
  /** Also return the final vectors U, V, w (row-major n×d for U and V). */
  returnVectors?: boolean;
  /**
   * How the noise vectors are drawn. 'full' (default): a and ã, 2n normals per
   * step, the literal loop. 'projected': the same Markov chain in law with n + 2
   * normals per step: aᵀw and ãᵀw are drawn as scalars and the rest of
   * s√η_T a − s̃√η_G ã, which is Gaussian on w⊥ with variance η_T s² + η_G s̃²
   * given them, as σ(b − (bᵀw)w) from one b ~ N(0, I_n).
   */
  noise?: 'full' | 'projected';
}

/** The final vectors of a run (columns unit; U, V row-major n×d). */
export interface SgdVectors {
  n: number;
  d: number;
  U: Float64Array;
  V: Float64Array;
  w: Float64Array;
}

/** Trajectory of the overlaps (series named by `stateNames(d)`), optionally with the final vectors. */
export interface SimulationResult extends Trajectory {
  vectors?: SgdVectors;
}

/**
 * Orthonormalises the m columns of the column-major n×m matrix `Q` in place
 * (modified Gram–Schmidt, run twice so that QᵀQ = I to rounding).
 */
function orthonormalizeColumns(Q: Float64Array[], n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < Q.length; j++) {
      const qj = Q[j];
      for (let k = 0; k < j; k++) {
        const qk = Q[k];
        let dot = 0;
        for (let i = 0; i < n; i++) dot += qk[i] * qj[i];
        for (let i = 0; i < n; i++) qj[i] -= dot * qk[i];
      }
      let nn = 0;
      for (let i = 0; i < n; i++) nn += qj[i] * qj[i];
      const inv = 1 / Math.sqrt(nn);
      for (let i = 0; i < n; i++) qj[i] *= inv;
    }
  }
}

/**
 * Columns X = Q Lᵀ (column-major, n×(2d+1)) whose Gram matrix is the one of the
 * overlaps: Q has random orthonormal columns, L is the Cholesky factor of the Gram
 * matrix of [U, V, w]. Used by the SGD simulator (as vectors) and the particle
 * simulator (as √n-scaled coordinates).
 */
export function columnsWithOverlaps(init: Overlaps, d: number, n: number, rng: Rng): Float64Array[] {
  const m = 2 * d + 1;
  if (!(Number.isInteger(n) && n >= m)) {
    throw new SpecError(`n must be an integer ≥ 2d + 1 = ${m} (room for U, V and w), got ${n}`);
  }
  const L = gramCholesky(gramMatrix(init, d), d);
  const Q = Array.from({ length: m }, () => rng.fillNormal(new Float64Array(n)));
  orthonormalizeColumns(Q, n);
  const X = Array.from({ length: m }, () => new Float64Array(n));
  for (let j = 0; j < m; j++) {
    const x = X[j];
    for (let k = 0; k <= j; k++) {
      const c = L[j][k];
      if (c === 0) continue;
      const qk = Q[k];
      for (let i = 0; i < n; i++) x[i] += c * qk[i];
    }
  }
  return X;
}

/** Overlaps of the actual (normalised) vectors, in `stateNames(d)` order. */
function measureOverlaps(U: Float64Array, V: Float64Array, w: Float64Array, n: number, d: number, out: Float64Array): void {
  const uw = new Float64Array(d), vw = new Float64Array(d), UV = new Float64Array(d * d), VV = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const wi = w[i], base = i * d;
    for (let j = 0; j < d; j++) {
      const u = U[base + j], v = V[base + j];
      uw[j] += u * wi;
      vw[j] += v * wi;
      for (let l = 0; l < d; l++) {
        UV[j * d + l] += u * V[base + l];
        if (l > j) VV[j * d + l] += v * V[base + l];
      }
    }
  }
  let k = 0;
  for (let j = 0; j < d * d; j++) out[k++] = UV[j];
  for (let j = 0; j < d; j++) out[k++] = uw[j];
  for (let j = 0; j < d; j++) out[k++] = vw[j];
  for (let l = 0; l < d; l++) for (let m = l + 1; m < d; m++) out[k++] = VV[l * d + m];
}

// ------------------------------------------------------------------ fused passes
//
// One pass over the coordinates i = 0..n−1 per step. Stored vectors are w̄ and V̄
// with pending scale factors (w = aW·w̄, column l of V = aV_l·V̄_l). With
// wᵢ = aW·w̄ᵢ and vᵢ = row i of V:
//   w′ᵢ = kw·wᵢ + k1·x1ᵢ + k2·x2ᵢ + Σ_m cu_m Uᵢm − Σ_l cv_l vᵢl
//   V′ᵢl = vᵢl + g_l (wᵢ − Σ_m ρ_m vᵢm)        (ρ = r for 'oja', ρ = 0 for 'column')
// and the sums ‖w′‖², ‖V′_l‖², U_mᵀw′, V′_lᵀw′ are accumulated into `acc` =
// [‖w′‖², ·, ·, ‖V′_1‖²…, U_1ᵀw′…, V′_1ᵀw′…] (slots 1 and 2, y1ᵀw′ and y2ᵀw′ for
// the next step's noise vectors y1, y2, are filled as that noise is drawn).
// x1/x2 are the noise vectors a/ã ('full' noise) or b/b with k2 = 0 ('projected';
// for d = 1 the pass without x2, passD1Projected).

/** Scalars of one pass; arrays have length d. */
interface PassCoefficients {
  aW: number;
  aV: Float64Array;
  kw: number;
  k1: number;
  k2: number;
  cu: Float64Array;
  cv: Float64Array;
  g: Float64Array;
  rho: Float64Array;
}

// The sums of the last d = 1 pass: ‖w′‖², ‖V′‖², Uᵀw′, V′ᵀw′. Module variables rather than
// stores into `acc` after the loop: V8 compiles a pass's loop on the stack (OSR) during its first
// calls, before the code after the loop has ever run, and a typed-array store there has no type
// feedback yet, so that code deoptimised at every exit, about 650–1350 times in each of the first
// three 4000-step runs at n = 10^4 (--trace-deopt). A module variable's store needs no feedback.
// passGeneral returns ‖w′‖² for the same reason.
let d1NormW = 0, d1NormV = 0, d1UW = 0, d1VW = 0;

function passD1(n: number, w: Float64Array, V: Float64Array, U: Float64Array, x: Float64Array, off2: number,
  c: PassCoefficients): void {
  const aW = c.aW, aV = c.aV[0], kw = c.kw * aW, k1 = c.k1, k2 = c.k2, cu = c.cu[0], cv = c.cv[0] * aV;
  const g = c.g[0] * aW, gv = aV * (1 - c.g[0] * c.rho[0]);
  let nw = 0, nv = 0, uw = 0, vw = 0;
  for (let i = 0; i < n; i++) {
    const wb = w[i], vb = V[i], u = U[i];
    const wn = kw * wb + k1 * x[i] + k2 * x[off2 + i] + cu * u - cv * vb;
    const vn = gv * vb + g * wb;
    w[i] = wn;
    V[i] = vn;
    nw += wn * wn;
    nv += vn * vn;
    uw += u * wn;
    vw += vn * wn;
  }
  d1NormW = nw; d1NormV = nv; d1UW = uw; d1VW = vw;
}

/** passD1 for 'projected' noise (x2 = x1, k2 = 0): the same sums without the x2 term. */
function passD1Projected(n: number, w: Float64Array, V: Float64Array, U: Float64Array, x: Float64Array,
  c: PassCoefficients): void {
  const aW = c.aW, aV = c.aV[0], kw = c.kw * aW, k1 = c.k1, cu = c.cu[0], cv = c.cv[0] * aV;
  const g = c.g[0] * aW, gv = aV * (1 - c.g[0] * c.rho[0]);
  let nw = 0, nv = 0, uw = 0, vw = 0;
  for (let i = 0; i < n; i++) {
    const wb = w[i], vb = V[i], u = U[i];
    const wn = kw * wb + k1 * x[i] + cu * u - cv * vb;
    const vn = gv * vb + g * wb;
    w[i] = wn;
    V[i] = vn;
    nw += wn * wn;
    nv += vn * vn;
    uw += u * wn;
    vw += vn * wn;
  }
  d1NormW = nw; d1NormV = nv; d1UW = uw; d1VW = vw;
}

function passD2(n: number, w: Float64Array, V: Float64Array, U: Float64Array, x: Float64Array, off2: number,
  c: PassCoefficients, acc: Float64Array): void {
  const aW = c.aW, aV0 = c.aV[0], aV1 = c.aV[1], kw = c.kw, k1 = c.k1, k2 = c.k2;
  const cu0 = c.cu[0], cu1 = c.cu[1], cv0 = c.cv[0], cv1 = c.cv[1];
  const g0 = c.g[0], g1 = c.g[1], rho0 = c.rho[0], rho1 = c.rho[1];
  let nw = 0, nv0 = 0, nv1 = 0, uw0 = 0, uw1 = 0, vw0 = 0, vw1 = 0;
  for (let i = 0, b = 0; i < n; i++, b += 2) {
    const wi = aW * w[i], v0 = aV0 * V[b], v1 = aV1 * V[b + 1], u0 = U[b], u1 = U[b + 1];
    const wn = kw * wi + k1 * x[i] + k2 * x[off2 + i] + cu0 * u0 + cu1 * u1 - cv0 * v0 - cv1 * v1;
    const dir = wi - rho0 * v0 - rho1 * v1;
    const vn0 = v0 + g0 * dir, vn1 = v1 + g1 * dir;
    w[i] = wn;
    V[b] = vn0;
    V[b + 1] = vn1;
    nw += wn * wn;
    nv0 += vn0 * vn0;
    nv1 += vn1 * vn1;
    uw0 += u0 * wn;
    uw1 += u1 * wn;
    vw0 += vn0 * wn;
    vw1 += vn1 * wn;
  }
  acc[0] = nw;
  acc[3] = nv0; acc[4] = nv1; acc[5] = uw0; acc[6] = uw1; acc[7] = vw0; acc[8] = vw1;
}

/** The pass for any d; returns ‖w′‖² (the other sums go into acc). */
function passGeneral(n: number, d: number, w: Float64Array, V: Float64Array, U: Float64Array, x: Float64Array, off2: number,
  c: PassCoefficients, acc: Float64Array, vRow: Float64Array): number {
  const { aW, aV, kw, k1, k2, cu, cv, g, rho } = c;
  acc.fill(0);
  let nw = 0;
  for (let i = 0; i < n; i++) {
    const wi = aW * w[i], base = i * d;
    let wn = kw * wi + k1 * x[i] + k2 * x[off2 + i], vr = 0;
    for (let l = 0; l < d; l++) {
      const v = aV[l] * V[base + l];
      vRow[l] = v;
      wn += cu[l] * U[base + l] - cv[l] * v;
      vr += rho[l] * v;
    }
    const dir = wi - vr;
    for (let l = 0; l < d; l++) {
      const vn = vRow[l] + g[l] * dir;
      V[base + l] = vn;
      acc[3 + l] += vn * vn;
      acc[3 + d + l] += U[base + l] * wn;
      acc[3 + 2 * d + l] += vn * wn;
    }
    w[i] = wn;
    nw += wn * wn;
  }
  return nw;
}

// ------------------------------------------------------------------ simulator

/**
 * Runs the online SGD of docs/solvable-gan.md A.2 at dimension n from vectors that have
 * exactly the overlaps `init` (to rounding), and records P, q, r, S (series named
 * by `stateNames(d)`) at t = 0 and every `recordEvery` units of t = k/n (and at
 * T). Same seed → same output. Throws a DivergenceError on NaN/Inf, naming the
 * variable, step and parameters, with what was recorded in `.partial`.
 */
export function simulateSgd(spec: SolvableGanSpec, init: Overlaps, opts: SimulateOptions): SimulationResult {
  validateSpec(spec);
  validateOverlaps(init, spec.d);
  const { n, T, seed } = opts;
  const d = spec.d;
  if (!(Number.isInteger(n) && n >= 2 * d + 1)) throw new SpecError(`n must be an integer ≥ 2d + 1 = ${2 * d + 1}, got ${n}`);
  if (!(Number.isFinite(T) && T >= 0)) throw new SpecError(`T must be a finite number ≥ 0, got ${T}`);
  const recordEvery = opts.recordEvery ?? 1;
  if (!(Number.isFinite(recordEvery) && recordEvery > 0)) throw new SpecError(`recordEvery must be a positive number, got ${recordEvery}`);
  const noise = opts.noise ?? 'full';
  if (noise !== 'full' && noise !== 'projected') throw new SpecError(`noise must be 'full' or 'projected', got '${String(noise)}'`);
  const projected = noise === 'projected';
  const totalSteps = Math.round(T * n);
  const stepsPerRecord = Math.max(1, Math.round(recordEvery * n));
  const stepsPerTick = Math.max(1, Math.ceil(totalSteps / 100));

  const rng = new Rng(seed);
  const initRng = rng.split();
  const stepRng = rng.split();

  // Vectors, row-major n×d for U and V.
  const X = columnsWithOverlaps(init, d, n, initRng);
  const U = new Float64Array(n * d), V = new Float64Array(n * d);
  const w = X[2 * d].slice();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      U[i * d + j] = X[j][i];
      V[i * d + j] = X[d + j][i];
    }
  }

  const names = stateNames(d);
  const dim = names.length;
  const state = new Float64Array(dim);
  const result: SimulationResult = { t: [], series: Object.fromEntries(names.map((k) => [k, [] as number[]])) };
  const paramText = Object.entries({ ...paramValues(spec), normalization: spec.normalization, noise, n, seed: String(seed) })
    .map(([key, v]) => `${key}=${v}`).join(', ');

  // Noise of one step, standard normal. 'full': [a (n), ã (n), c (d), c̃ (d)];
  // 'projected': [b (n), c (d), c̃ (d), aᵀw, ãᵀw]. Drawn one step ahead.
  const off2 = projected ? 0 : n;
  const cOff = projected ? n : 2 * n;
  const len = cOff + 2 * d + (projected ? 2 : 0);
  let cur = new Float64Array(len);
  let nxt = new Float64Array(len);
  // the part of each buffer after the noise vectors (latent codes, and the scalars when projected)
  let curTail = cur.subarray(projected ? n : 2 * n);
  let nxtTail = nxt.subarray(projected ? n : 2 * n);
  const sqrtLam = Float64Array.from(spec.lambda, Math.sqrt);
  const sqrtLamG = Float64Array.from(spec.lambda_g, Math.sqrt);
  const sqEtaT = Math.sqrt(spec.eta_T), sqEtaG = Math.sqrt(spec.eta_G);
  const eps = spec.tau / n, epsG = spec.tau_g / n;
  const oja = spec.normalization === 'oja';

  const coef: PassCoefficients = {
    aW: 1, aV: new Float64Array(d).fill(1), kw: 1, k1: 0, k2: 0,
    cu: new Float64Array(d), cv: new Float64Array(d), g: new Float64Array(d), rho: new Float64Array(d),
  };
  const q = new Float64Array(d), r = new Float64Array(d);
  // Projections of the current step's noise vectors on the current (normalised) w.
  let x1w = 0, x2w = 0;
  const acc = new Float64Array(3 + 3 * d);
  const vRow = new Float64Array(d);

  /** Applies the pending scale factors, measures the overlaps from the vectors, records them. */
  const normalizeAndRecord = (k: number): number => {
    for (let i = 0; i < n; i++) w[i] *= coef.aW;
    coef.aW = 1;
    for (let i = 0; i < n; i++) for (let l = 0; l < d; l++) V[i * d + l] *= coef.aV[l];
    coef.aV.fill(1);
    measureOverlaps(U, V, w, n, d, state);
    for (let j = 0; j < d; j++) {
      q[j] = state[d * d + j];
      r[j] = state[d * d + d + j];
    }
    const t = k / n;
    result.t.push(t);
    for (let i = 0; i < dim; i++) result.series[names[i]].push(state[i]);
    return t;
  };
  const projectNoise = () => {
    let s1 = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      s1 += cur[i] * w[i];
      s2 += cur[off2 + i] * w[i];
    }
    x1w = s1;
    x2w = s2;
  };
  const diverged = (variable: string, component: number, value: number, k: number): DivergenceError<Trajectory> => {
    const last = result.t.length - 1;
    return new DivergenceError<Trajectory>(
      {
        reason: 'non-finite', variable, component, batchIndex: 0, t: k / n, step: k, value, bound: Infinity,
        params: paramText,
        lastState: last >= 0 ? Float64Array.from(names, (nm) => result.series[nm][last]) : undefined,
        lastTime: last >= 0 ? result.t[last] : undefined,
      },
      result,
    );
  };

  normalizeAndRecord(0);
  opts.onProgress?.(0);
  stepRng.fillNormal(cur);
  projectNoise();

  for (let k = 0; k < totalSteps; k++) {
    // s = yᵀw and s̃ = ỹᵀw of this step's samples.
    let s = 0, st = 0;
    for (let j = 0; j < d; j++) {
      s += sqrtLam[j] * cur[cOff + j] * q[j];
      st += sqrtLamG[j] * cur[cOff + d + j] * r[j];
    }
    if (projected) {
      // a = (aᵀw) w + a⊥, ã = (ãᵀw) w + ã⊥: given everything else, s√η_T a⊥ − s̃√η_G ã⊥
      // has the law of σ (b − (bᵀw) w), σ² = η_T s² + η_G s̃², b ~ N(0, I_n).
      const alpha = cur[cOff + 2 * d], alphaT = cur[cOff + 2 * d + 1];
      s += sqEtaT * alpha;
      st += sqEtaG * alphaT;
      const sigma = Math.sqrt(spec.eta_T * s * s + spec.eta_G * st * st);
      coef.kw = 1 + eps * (s * sqEtaT * alpha - st * sqEtaG * alphaT - sigma * x1w);
      coef.k1 = eps * sigma;
      coef.k2 = 0;
    } else {
      s += sqEtaT * x1w;
      st += sqEtaG * x2w;
      coef.kw = 1;
      coef.k1 = eps * s * sqEtaT;
      coef.k2 = -eps * st * sqEtaG;
    }
    if (!Number.isFinite(s)) throw diverged('yᵀw (real sample)', 0, s, k + 1);
    if (!Number.isFinite(st)) throw diverged('ỹᵀw (fake sample)', 0, st, k + 1);
    for (let l = 0; l < d; l++) {
      const cl = sqrtLam[l] * cur[cOff + l], ctl = sqrtLamG[l] * cur[cOff + d + l];
      coef.cu[l] = eps * s * cl;
      coef.cv[l] = eps * st * ctl;
      coef.g[l] = epsG * st * ctl;
      coef.rho[l] = oja ? r[l] : 0;
    }
    if (d === 1) {
      if (projected) passD1Projected(n, w, V, U, cur, coef);
      else passD1(n, w, V, U, cur, off2, coef);
      acc[0] = d1NormW; acc[3] = d1NormV; acc[4] = d1UW; acc[5] = d1VW;
    } else if (d === 2) passD2(n, w, V, U, cur, off2, coef, acc);
    else acc[0] = passGeneral(n, d, w, V, U, cur, off2, coef, acc, vRow);
    // The next step's noise, in stream order, with its projections on the stored w′.
    acc[1] = stepRng.fillNormalDot(nxt, 0, w);
    acc[2] = projected ? acc[1] : stepRng.fillNormalDot(nxt, n, w);
    stepRng.fillNormal(nxtTail);

    const nw = acc[0];
    if (!(nw > 0 && nw < Infinity)) throw diverged('w', 0, nw, k + 1);
    const aW = 1 / Math.sqrt(nw);
    coef.aW = aW;
    for (let l = 0; l < d; l++) {
      const nv = acc[3 + l];
      if (!(nv > 0 && nv < Infinity)) throw diverged(`V column ${l + 1}`, l, nv, k + 1);
      const aV = 1 / Math.sqrt(nv);
      coef.aV[l] = aV;
      q[l] = acc[3 + d + l] * aW;
      r[l] = acc[3 + 2 * d + l] * aV * aW;
    }
    x1w = acc[1] * aW;
    x2w = acc[2] * aW;
    const tmp = cur;
    cur = nxt;
    nxt = tmp;
    const tmpTail = curTail;
    curTail = nxtTail;
    nxtTail = tmpTail;

    const done = k + 1;
    if (done % stepsPerRecord === 0 || done === totalSteps) {
      const t = normalizeAndRecord(done);
      for (let i = 0; i < dim; i++) {
        if (!Number.isFinite(state[i])) throw diverged(names[i], i, state[i], done);
      }
      projectNoise();
      opts.onProgress?.(t);
    }
    if (opts.onTick && (done % stepsPerTick === 0 || done === totalSteps)) opts.onTick(done / n);
  }

  if (opts.returnVectors) {
    for (let i = 0; i < n; i++) w[i] *= coef.aW;
    for (let i = 0; i < n; i++) for (let l = 0; l < d; l++) V[i * d + l] *= coef.aV[l];
    result.vectors = { n, d, U, V, w };
  }
  return result;
}
