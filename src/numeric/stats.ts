// Summary statistics, goodness-of-fit statistics and least-squares fits, used by tests and
// theorem checks to turn samples into measured figures with their uncertainties.

import { chiSquareSf, kolmogorovSf } from './special.ts';
import { ArgumentError } from '../core/index.ts';

export interface Moments {
  n: number;
  mean: number;
  /** Unbiased sample variance. */
  variance: number;
  skewness: number;
  /** Excess kurtosis m4/m2² − 3 (0 for a normal). */
  excessKurtosis: number;
}

/** Mean, variance, skewness and excess kurtosis (two passes, so no cancellation). */
export function moments(xs: ArrayLike<number>): Moments {
  const n = xs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i];
  const mean = sum / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - mean, d2 = d * d;
    m2 += d2; m3 += d2 * d; m4 += d2 * d2;
  }
  m2 /= n; m3 /= n; m4 /= n;
  return {
    n, mean,
    variance: (m2 * n) / (n - 1),
    skewness: m3 / m2 ** 1.5,
    excessKurtosis: m4 / (m2 * m2) - 3,
  };
}

/** Sample Pearson correlation of two equally long samples. */
export function correlation(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  if (ys.length !== n) throw new ArgumentError(`correlation: lengths differ (${n} vs ${ys.length})`);
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += xs[i]; my += ys[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx, dy = ys[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

export interface KsResult {
  /** sup |F_n − F|. */
  statistic: number;
  /** √n·D with Stephens' finite-n correction (√n + 0.12 + 0.11/√n)·D, asymptotically Kolmogorov. */
  scaled: number;
  /** P(K > scaled) under the null hypothesis. */
  pValue: number;
}

/** One-sample Kolmogorov–Smirnov test of `xs` against the continuous distribution function `cdf`. */
export function ksTest(xs: ArrayLike<number>, cdf: (x: number) => number): KsResult {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  const sn = Math.sqrt(n);
  const scaled = (sn + 0.12 + 0.11 / sn) * d;
  return { statistic: d, scaled, pValue: kolmogorovSf(scaled) };
}

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
}

/** Pearson's chi-square test of observed counts against expected counts (df = bins − 1 − fittedParameters). */
export function chiSquareTest(observed: ArrayLike<number>, expected: ArrayLike<number>, fittedParameters = 0): ChiSquareResult {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const d = observed[i] - expected[i];
    statistic += (d * d) / expected[i];
  }
  const degreesOfFreedom = observed.length - 1 - fittedParameters;
  return { statistic, degreesOfFreedom, pValue: chiSquareSf(statistic, degreesOfFreedom) };
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Standard error of the slope from the residuals (0 for an exact fit or two points). */
  slopeStdErr: number;
  /** Coefficient of determination. */
  r2: number;
}

/** Ordinary least squares y ≈ intercept + slope·x. */
export function linearFit(xs: ArrayLike<number>, ys: ArrayLike<number>): LinearFit {
  const n = xs.length;
  if (n < 2 || ys.length !== n) throw new ArgumentError(`linearFit: need ≥ 2 points of equal length, got ${n} and ${ys.length}`);
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += xs[i]; my += ys[i]; }
  mx /= n; my /= n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx, dy = ys[i] - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = Math.max(0, syy - slope * sxy);
  const slopeStdErr = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : 0;
  return { slope, intercept, slopeStdErr, r2: syy > 0 ? 1 - sse / syy : 1 };
}

/** Fit of log(error) against log(h): the slope is the observed convergence order. */
export function logLogFit(hs: ArrayLike<number>, errors: ArrayLike<number>): LinearFit {
  return linearFit(Array.from(hs, Math.log), Array.from(errors, Math.log));
}
