// Batched ODE integrators: classical RK4 (fixed step) and Dormand–Prince 5(4) with dense output.
// A batch is `batch` independent systems of dimension `dim` in one Float64Array; the right-hand
// side fills the derivative of the whole batch in one call.

import { StepLimitError } from './errors.ts';
import {
  Recorder, Trajectory, batchLayout, divergenceAt, firstBadIndex, fixedSteps, parseRecord,
  type BatchLayout, type BatchOptions, type BatchRhs, type IntegrationStats, type RecordSpec,
} from './trajectory.ts';
import { ArgumentError } from '../core/index.ts';

export { Trajectory, type BatchRhs, type IntegrationStats, type RecordSpec, type BatchOptions } from './trajectory.ts';

export interface Rk4Options extends BatchOptions {
  /** Number of steps, or… */
  steps?: number;
  /** …the step size (shrunk so that an integer number of steps ends at t1). */
  dt?: number;
  /** Default 'steps'. Record times between grid points are filled by cubic Hermite interpolation (error O(h⁴), like RK4). */
  record?: RecordSpec;
}

/** Classical fourth-order Runge–Kutta on a batch, fixed step. Throws DivergenceError (with `.partial`) on NaN/Inf/blow-up. */
export function rk4(rhs: BatchRhs, y0: ArrayLike<number>, opts: Rk4Options): Trajectory {
  const who = 'rk4';
  const layout = batchLayout(y0, opts, who);
  const { steps, h } = fixedSteps(opts.t0, opts.t1, opts.steps, opts.dt, who);
  const record = parseRecord(opts.record, opts.t0, opts.t1, who);
  const n = y0.length;
  const t0 = opts.t0;
  let y = Float64Array.from(y0);
  let yPrev = new Float64Array(n);
  let k1 = new Float64Array(n);
  let kNext = new Float64Array(n);
  const k2 = new Float64Array(n), k3 = new Float64Array(n), k4 = new Float64Array(n), tmp = new Float64Array(n);
  const stats: IntegrationStats = { steps: 0, rejected: 0, rhsEvals: 0 };
  const rec = new Recorder();
  const partial = () => rec.trajectory(layout, stats);

  checkInitial(y, layout, t0, partial);
  const times = record.kind === 'times' ? record.times : undefined;
  let nextTime = 0; // index into `times`
  const tol = 1e-9 * Math.abs(h);
  if (times) {
    while (nextTime < times.length && Math.abs(times[nextTime] - t0) <= tol) rec.push(times[nextTime++], y);
  } else {
    rec.push(t0, y);
  }
  let k1Ready = false;

  for (let s = 0; s < steps; s++) {
    const t = t0 + s * h;
    if (!k1Ready) { rhs(t, y, k1); stats.rhsEvals++; }
    k1Ready = false;
    const half = 0.5 * h;
    for (let i = 0; i < n; i++) tmp[i] = y[i] + half * k1[i];
    rhs(t + half, tmp, k2);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + half * k2[i];
    rhs(t + half, tmp, k3);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * k3[i];
    const tNew = s === steps - 1 ? opts.t1 : t0 + (s + 1) * h;
    rhs(tNew, tmp, k4);
    stats.rhsEvals += 3;
    const swap = yPrev; yPrev = y; y = swap;
    const h6 = h / 6;
    for (let i = 0; i < n; i++) y[i] = yPrev[i] + h6 * (k1[i] + 2 * (k2[i] + k3[i]) + k4[i]);
    stats.steps++;

    const bad = firstBadIndex(y, layout.bound);
    if (bad >= 0) throw divergenceAt(layout, bad, y[bad], tNew, s + 1, partial(), { state: yPrev, t });

    if (times) {
      // Record times in (t, tNew]: exact at the grid point, Hermite inside the step.
      while (nextTime < times.length && (times[nextTime] - tNew) * Math.sign(h) <= tol) {
        const tau = times[nextTime++];
        if (Math.abs(tau - tNew) <= tol) { rec.push(tau, y); continue; }
        if (!k1Ready) { rhs(tNew, y, kNext); stats.rhsEvals++; k1Ready = true; }
        rec.push(tau, hermite(yPrev, k1, y, kNext, h, (tau - t) / h, tmp));
      }
      if (k1Ready) { const swapK = k1; k1 = kNext; kNext = swapK; }
    } else if ((record.kind === 'every' && (s + 1) % record.every === 0) || s === steps - 1) {
      rec.push(tNew, y);
    }
  }
  return rec.trajectory(layout, stats);
}

/** Cubic Hermite interpolant on one step at fraction θ, written into `out`. */
function hermite(y0: Float64Array, f0: Float64Array, y1: Float64Array, f1: Float64Array, h: number, theta: number, out: Float64Array): Float64Array {
  const t2 = theta * theta, t3 = t2 * theta;
  const h00 = 2 * t3 - 3 * t2 + 1, h10 = (t3 - 2 * t2 + theta) * h, h01 = -2 * t3 + 3 * t2, h11 = (t3 - t2) * h;
  for (let i = 0; i < out.length; i++) out[i] = h00 * y0[i] + h10 * f0[i] + h01 * y1[i] + h11 * f1[i];
  return out;
}

function checkInitial(y: Float64Array, layout: BatchLayout, t0: number, partial: () => Trajectory): void {
  const bad = firstBadIndex(y, layout.bound);
  if (bad >= 0) throw divergenceAt(layout, bad, y[bad], t0, 0, partial());
}

// ---------------------------------------------------------------- Dormand–Prince 5(4)

export interface Dopri5Options extends BatchOptions {
  /** Relative tolerance, default 1e-6. */
  rtol?: number;
  /** Absolute tolerance, default 1e-9. */
  atol?: number;
  /** Initial step size; default by Hairer's starting-step heuristic. */
  h0?: number;
  /** Largest step size, default |t1 − t0|. */
  hmax?: number;
  /** Default 100 000. */
  maxSteps?: number;
  /** Default 'steps' (every accepted step). Record times are filled from the dense output. */
  record?: RecordSpec;
  /** Times at which to sample the dense output (the same as `record: tEval`). */
  tEval?: ArrayLike<number>;
  /** Keep the continuous extension of every step so that `solution.at(t)` works. Default false. */
  dense?: boolean;
}

export interface OdeSolution extends Trajectory {
  /** State of the whole batch at any t in [t0, t1] from the order-4 continuous extension (needs `dense: true`). */
  at(t: number, out?: Float64Array): Float64Array;
}

// Dormand & Prince (1980) coefficients, as in Hairer–Nørsett–Wanner's DOPRI5.
const C2 = 1 / 5, C3 = 3 / 10, C4 = 4 / 5, C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
const A71 = 35 / 384, A73 = 500 / 1113, A74 = 125 / 192, A75 = -2187 / 6784, A76 = 11 / 84;
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;
const D1 = -12715105075 / 11282082432, D3 = 87487479700 / 32700410799, D4 = -10690763975 / 1880347072,
  D5 = 701980252875 / 199316789632, D6 = -1453857185 / 822651844, D7 = 69997945 / 29380423;

// PI step-size controller of DOPRI5 (Hairer & Wanner, II.4): fac = err^(1/5 − 0.75β) / errOld^β.
const SAFETY = 0.9, BETA = 0.04, EXPO = 0.2 - BETA * 0.75, FAC_MIN = 0.2, FAC_MAX = 10;
const UROUND = 2.220446049250313e-16;

/**
 * Adaptive Dormand–Prince 5(4) on a batch with one shared step size. The error norm is the
 * largest over batch members of the RMS of e_i / (atol + rtol·max(|y_i|, |y_i,new|)), so each
 * system meets the tolerance on its own. Dense output: the order-4 continuous extension.
 */
export function dopri5(rhs: BatchRhs, y0: ArrayLike<number>, opts: Dopri5Options): OdeSolution {
  const who = 'dopri5';
  const layout = batchLayout(y0, opts, who);
  const { t0, t1 } = opts;
  const rtol = opts.rtol ?? 1e-6, atol = opts.atol ?? 1e-9;
  if (!(rtol >= 0 && atol >= 0 && rtol + atol > 0)) throw new ArgumentError(`${who}: tolerances must be ≥ 0 and not both 0`);
  const hmax = Math.abs(opts.hmax ?? t1 - t0) || Infinity;
  const maxSteps = opts.maxSteps ?? 100_000;
  if (opts.tEval !== undefined && opts.record !== undefined) throw new ArgumentError(`${who}: give record or tEval, not both`);
  const record = parseRecord(opts.tEval ?? opts.record, t0, t1, who);
  const dir = t1 >= t0 ? 1 : -1;
  const n = y0.length, { batch, dim } = layout;

  let y = Float64Array.from(y0);
  let y1 = new Float64Array(n);
  let k1 = new Float64Array(n);
  let k7 = new Float64Array(n);
  const k2 = new Float64Array(n), k3 = new Float64Array(n), k4 = new Float64Array(n), k5 = new Float64Array(n),
    k6 = new Float64Array(n), tmp = new Float64Array(n);
  const stats: IntegrationStats = { steps: 0, rejected: 0, rhsEvals: 0 };
  const rec = new Recorder();
  const denseSteps: { t: number; h: number; coef: Float64Array }[] = [];
  const needDense = opts.dense === true || record.kind === 'times';
  let coef = new Float64Array(needDense ? 5 * n : 0);

  const at = (t: number, out: Float64Array = new Float64Array(n)): Float64Array => {
    if (!opts.dense) throw new Error('dopri5: solution.at(t) needs the option dense: true');
    if (!((t - t0) * dir >= -1e-12 * Math.abs(t1 - t0) && (t - t1) * dir <= 1e-12 * Math.abs(t1 - t0))) {
      throw new ArgumentError(`solution.at(${t}): outside [${t0}, ${t1}]`);
    }
    if (denseSteps.length === 0) { out.set(rec.states[0]); return out; }
    let lo = 0, hi = denseSteps.length - 1; // last step whose start is at or before t
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((denseSteps[mid].t - t) * dir <= 0) lo = mid; else hi = mid - 1;
    }
    const s = denseSteps[lo];
    return evalDense(s.coef, n, (t - s.t) / s.h, out);
  };
  const finish = (): OdeSolution => Object.assign(rec.trajectory(layout, stats), { at }) as OdeSolution;

  checkInitial(y, layout, t0, finish);
  const times = record.kind === 'times' ? record.times : undefined;
  let nextTime = 0;
  const timeTol = 1e-12 * Math.max(1, Math.abs(t0), Math.abs(t1));
  if (times) {
    while (nextTime < times.length && Math.abs(times[nextTime] - t0) <= timeTol) rec.push(times[nextTime++], y);
  } else {
    rec.push(t0, y);
  }
  if (t1 === t0) return finish();

  rhs(t0, y, k1);
  stats.rhsEvals++;

  const memberNorm = (b: number, e: Float64Array, yA: Float64Array, yB: Float64Array) => {
    let s = 0;
    for (let i = b * dim, end = i + dim; i < end; i++) {
      const sk = atol + rtol * Math.max(Math.abs(yA[i]), Math.abs(yB[i]));
      const r = e[i] / sk;
      s += r * r;
    }
    return Math.sqrt(s / dim);
  };

  let h: number;
  if (opts.h0 !== undefined) h = dir * Math.min(Math.abs(opts.h0), hmax);
  else {
    h = initialStep(rhs, t0, y, k1, dir, hmax, batch, dim, atol, rtol, tmp, k2);
    stats.rhsEvals++;
  }

  let t = t0, errOld = 1e-4, reject = false, last = false, attempts = 0;
  for (;;) {
    if (attempts++ >= maxSteps) {
      throw new StepLimitError(`dopri5: ${maxSteps} step attempts did not reach t1 = ${t1} (stopped at t = ${t}); raise maxSteps or check stiffness`, finish());
    }
    if (0.1 * Math.abs(h) <= Math.max(Math.abs(t), Math.abs(t1 - t0)) * UROUND) {
      const bad = firstBadIndex(y1, layout.bound);
      const index = bad >= 0 ? bad : worstComponent(y1, y, atol, rtol);
      throw divergenceAt(layout, index, y1[index], t, stats.steps + 1, finish(), { state: y, t }, 'step-size underflow');
    }
    if ((t + 1.01 * h - t1) * dir > 0) { h = t1 - t; last = true; }

    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * A21 * k1[i];
    rhs(t + C2 * h, tmp, k2);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
    rhs(t + C3 * h, tmp, k3);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
    rhs(t + C4 * h, tmp, k4);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
    rhs(t + C5 * h, tmp, k5);
    for (let i = 0; i < n; i++) tmp[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
    const tNew = last ? t1 : t + h;
    rhs(tNew, tmp, k6);
    for (let i = 0; i < n; i++) y1[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
    rhs(tNew, y1, k7);
    stats.rhsEvals += 6;

    // Error estimate into k2 (free now).
    for (let i = 0; i < n; i++) k2[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
    let err = 0;
    for (let b = 0; b < batch; b++) err = Math.max(err, memberNorm(b, k2, y, y1));
    if (!Number.isFinite(err) || firstBadIndex(y1, Infinity) >= 0) {
      // A non-finite trial step: shrink hard and retry; persistent failure ends in step-size underflow.
      h *= FAC_MIN;
      stats.rejected++;
      reject = true;
      last = false;
      continue;
    }

    const fac11 = Math.pow(err, EXPO);
    if (err <= 1) {
      const fac = Math.max(1 / FAC_MAX, Math.min(1 / FAC_MIN, fac11 / Math.pow(errOld, BETA) / SAFETY));
      let hNew = h / fac;
      errOld = Math.max(err, 1e-4);
      stats.steps++;
      if (needDense) {
        for (let i = 0; i < n; i++) {
          const dy = y1[i] - y[i], bspl = h * k1[i] - dy;
          coef[i] = y[i];
          coef[n + i] = dy;
          coef[2 * n + i] = bspl;
          coef[3 * n + i] = dy - h * k7[i] - bspl;
          coef[4 * n + i] = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
        }
      }
      const tOld = t;
      t = tNew;
      const swapY = y; y = y1; y1 = swapY;
      const swapK = k1; k1 = k7; k7 = swapK;

      const bad = firstBadIndex(y, layout.bound);
      if (bad >= 0) throw divergenceAt(layout, bad, y[bad], t, stats.steps, finish(), { state: y1, t: tOld });

      if (opts.dense) denseSteps.push({ t: tOld, h, coef: coef.slice() });
      if (times) {
        while (nextTime < times.length && (times[nextTime] - t) * dir <= timeTol) {
          const tau = times[nextTime++];
          rec.push(tau, Math.abs(tau - t) <= timeTol ? y : evalDense(coef, n, (tau - tOld) / h, tmp));
        }
      } else if (last || record.kind === 'every' && stats.steps % record.every === 0) {
        rec.push(t, y);
      }
      if (last) break;

      if (Math.abs(hNew) > hmax) hNew = dir * hmax;
      if (reject) hNew = dir * Math.min(Math.abs(hNew), Math.abs(h));
      reject = false;
      h = hNew;
    } else {
      h = h / Math.min(1 / FAC_MIN, fac11 / SAFETY);
      reject = true;
      last = false;
      stats.rejected++;
    }
  }
  return finish();
}

/** y(t_old + θh) from the DOPRI5 continuous extension coefficients. */
function evalDense(coef: Float64Array, n: number, theta: number, out: Float64Array): Float64Array {
  const theta1 = 1 - theta;
  for (let i = 0; i < n; i++) {
    out[i] = coef[i] + theta * (coef[n + i] + theta1 * (coef[2 * n + i] + theta * (coef[3 * n + i] + theta1 * coef[4 * n + i])));
  }
  return out;
}

/** Hairer's starting step: from ‖y0‖, ‖f0‖ and a finite-difference second derivative; smallest over the batch. */
function initialStep(
  rhs: BatchRhs, t0: number, y0: Float64Array, f0: Float64Array, dir: number, hmax: number,
  batch: number, dim: number, atol: number, rtol: number, y1: Float64Array, f1: Float64Array,
): number {
  const dny = new Float64Array(batch), dnf = new Float64Array(batch);
  let h = Infinity;
  for (let b = 0; b < batch; b++) {
    let sy = 0, sf = 0;
    for (let i = b * dim; i < (b + 1) * dim; i++) {
      const sk = atol + rtol * Math.abs(y0[i]);
      sy += (y0[i] / sk) ** 2;
      sf += (f0[i] / sk) ** 2;
    }
    dny[b] = sy / dim; dnf[b] = sf / dim;
    h = Math.min(h, dnf[b] <= 1e-10 || dny[b] <= 1e-10 ? 1e-6 : Math.sqrt(dny[b] / dnf[b]) * 0.01);
  }
  h = Math.min(h, hmax);
  for (let i = 0; i < y0.length; i++) y1[i] = y0[i] + dir * h * f0[i];
  rhs(t0 + dir * h, y1, f1);
  let hNew = Infinity;
  for (let b = 0; b < batch; b++) {
    let s = 0;
    for (let i = b * dim; i < (b + 1) * dim; i++) {
      const sk = atol + rtol * Math.abs(y0[i]);
      s += ((f1[i] - f0[i]) / sk) ** 2;
    }
    const der2 = Math.sqrt(s / dim) / h;
    const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf[b]));
    const h1 = der12 <= 1e-15 ? Math.max(1e-6, h * 1e-3) : Math.pow(0.01 / der12, 1 / 5);
    hNew = Math.min(hNew, 100 * h, h1);
  }
  if (!Number.isFinite(hNew)) hNew = h;
  return dir * Math.min(hNew, hmax);
}

/** Component whose scaled change in the failed step is largest (for the underflow message). */
function worstComponent(yTrial: Float64Array, y: Float64Array, atol: number, rtol: number): number {
  let worst = 0, index = 0;
  for (let i = 0; i < y.length; i++) {
    const r = Math.abs(yTrial[i] - y[i]) / (atol + rtol * Math.abs(y[i]));
    if (!(r <= worst)) { worst = r; index = i; if (!Number.isFinite(r)) break; }
  }
  return index;
}
