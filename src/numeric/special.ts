// Special functions in f64, accurate to a few ulps.

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf(x). For |x| < 3 the series erf x = (2/√π) e^{-x²} Σ 2^n x^{2n+1} / (2n+1)!!
 * (all terms positive, no cancellation); beyond, erfc by its continued fraction.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  const r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) = 1 − erf(x), accurate also in the far tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 1.5) return 1 - erf(x);
  return erfcLarge(x);
}

/** erfc for x ≥ 1.5 by the continued fraction (modified Lentz). */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  // erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x, C = x, D = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    D = x + a * D; if (D === 0) D = tiny;
    C = x + a / C; if (C === 0) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Standard normal density and distribution function. */
export const normalPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
export const normalCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
export const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** (n−1)!! for the Gaussian moments E[g^n] (n even), with (−1)!! = 1. */
export function doubleFactorial(n: number): number {
  let r = 1;
  for (let k = n; k > 1; k -= 2) r *= k;
  return r;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized incomplete gamma functions P(a, x) = γ(a, x)/Γ(a) and Q = 1 − P,
 * by the series for x < a + 1 and the continued fraction (Lentz) beyond.
 */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Q(a, x) = 1 − P(a, x), accurate in the upper tail. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

function gammaSeries(a: number, x: number): number {
  let ap = a, term = 1 / a, sum = term;
  for (let n = 0; n < 10000; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Upper tail P(χ²_k > x) of the chi-square distribution with k degrees of freedom. */
export const chiSquareSf = (x: number, k: number) => gammaQ(k / 2, x / 2);

/** The x with P(χ²_k > x) = p (bisection on the exact tail; p in (0, 1)). */
export function chiSquareUpperQuantile(p: number, k: number): number {
  let lo = 0, hi = k + 10 * Math.sqrt(2 * k) + 10;
  while (chiSquareSf(hi, k) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (chiSquareSf(mid, k) > p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Inverse of the standard normal distribution function, Φ⁻¹(p) for p in (0, 1):
 * Acklam's rational approximation polished by one Halley step on erfc.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley step on Φ(x) − p; for x ≥ 0 the residual is formed from the upper tail, which does not cancel.
  const residual = x < 0 ? normalCdf(x) - p : (1 - p) - normalCdf(-x);
  const u = residual * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/**
 * P(K > x) for the Kolmogorov distribution K = lim √n·D_n (the KS statistic's limit):
 * 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²x²}.
 */
export function kolmogorovSf(x: number): number {
  if (x <= 0) return 1;
  if (x < 0.3) {
    // small-x form: P(K ≤ x) = √(2π)/x Σ_{k≥1} e^{−(2k−1)²π²/(8x²)}
    let s = 0;
    for (let k = 1; k < 50; k++) s += Math.exp(-((2 * k - 1) ** 2) * Math.PI * Math.PI / (8 * x * x));
    return 1 - (Math.sqrt(2 * Math.PI) / x) * s;
  }
  let s = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-18) break;
  }
  return Math.min(1, 2 * s);
}
