// Spectral functions h(A)v of a symmetric matrix A acting on one vector (for
// example the kernel-regime discriminators of docs/ntk-gan.md B.3, whose coefficient
// vector is W^{1/2} h(A) W^{1/2} ȳ with A = W^{1/2} K W^{1/2}).
//
// Two ways to apply h(A) v:
// - 'eigen': the full eigendecomposition A = V Λ Vᵀ by Householder reduction to
//   tridiagonal form and the implicit QL algorithm (EISPACK tred2/tql2, as in
//   JAMA), O(n³); the toolkit's one symmetric eigensolver (numeric/linalg.ts's
//   symmetricEigen is this; the cyclic Jacobi it replaced was ~7–10× slower at
//   n = 200). Backward stable: eigenvalues to O(ε‖A‖).
// - 'lanczos': the Krylov approximation ‖v‖ Q_m h(T_m) e₁ with full
//   reorthogonalisation, O(n² m), stopped when two successive approximations
//   (every 4 steps) agree to `tol` relative, or when the Krylov space is
//   invariant (β_m ≤ ε‖A‖, then the result is exact up to rounding). For the
//   entire functions used here the error decays superlinearly once m exceeds
//   ~√(τ λ_max) (Hochbruck & Lubich 1997).
// Both are general: any symmetric matrix, any h.

import { ArgumentError } from '../core/index.ts';

/** Eigen-decomposition of a symmetric n×n matrix (row-major). */
export interface SymmetricEigenDecomposition {
  /** eigenvalues, ascending */
  readonly values: Float64Array;
  /** row-major n×n; column k (entries vectors[i·n + k]) is the unit eigenvector of values[k] */
  readonly vectors: Float64Array;
}

/**
 * Householder tridiagonalisation (tred2) then implicit QL with Wilkinson-type
 * shifts (tql2). Only the lower triangle of `a` is read, after symmetrising.
 */
export function symmetricEigenQL(a: ArrayLike<number>, n: number): SymmetricEigenDecomposition {
  if (!Number.isSafeInteger(n) || n < 1 || a.length !== n * n) throw new ArgumentError(`symmetricEigenQL: need an n×n matrix, got length ${a.length} for n = ${n}`);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) V[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  for (let t = 0; t < V.length; t++) if (!Number.isFinite(V[t])) throw new ArgumentError('symmetricEigenQL: matrix has non-finite entries');
  const d = new Float64Array(n), e = new Float64Array(n);
  tred2(V, d, e, n);
  // tql2 rotates pairs of columns of V; work on Z = Vᵀ so each rotation touches two contiguous rows.
  const Z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Z[j * n + i] = V[i * n + j];
  tql2(Z, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => { for (let k = 0; k < n; k++) vectors[k * n + dst] = Z[src * n + k]; });
  return { values, vectors };
}

function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = V[(n - 1) * n + j]; V[(n - 1) * n + j] = 0; }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e); Z holds the eigenvector basis as ROWS
 * (Z = Vᵀ) and is updated in place. Shared by the tridiagonal solver below.
 */
function tql2(Z: Float64Array | null, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 200) throw new ArgumentError('symmetricEigenQL: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (Z) {
            const ri = i * n, rj = (i + 1) * n;
            for (let k = 0; k < n; k++) {
              const zh = Z[rj + k], zi = Z[ri + k];
              Z[rj + k] = s * zi + c * zh;
              Z[ri + k] = c * zi - s * zh;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal `beta`. */
export function tridiagonalEigenvalues(alpha: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
  const m = alpha.length;
  const d = Float64Array.from(alpha);
  const e = new Float64Array(m);
  for (let i = 1; i < m; i++) e[i] = beta[i - 1];
  tql2(null, d, e, m);
  return d.sort();
}

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `alpha`
 * (m) and off-diagonal `beta` (m − 1): values ascending and the first component
 * of each unit eigenvector (all Lanczos needs), plus the full vectors.
 */
export function tridiagonalEigen(alpha: ArrayLike<number>, beta: ArrayLike<number>): { values: Float64Array; vectors: Float64Array } {
  const m = alpha.length;
  const d = Float64Array.from(alpha);
  const e = new Float64Array(m);
  for (let i = 1; i < m; i++) e[i] = beta[i - 1]; // tql2 expects e shifted by one
  const Z = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Z[i * m + i] = 1;
  tql2(Z, d, e, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => { for (let k = 0; k < m; k++) vectors[k * m + dst] = Z[src * m + k]; });
  return { values, vectors };
}

/** h(A) v from an eigendecomposition of A: V diag(h(λ)) Vᵀ v. */
export function applySpectral(eig: SymmetricEigenDecomposition, h: (lambda: number) => number, v: ArrayLike<number>): Float64Array {
  const n = eig.values.length;
  const { vectors: V, values } = eig;
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const row = i * n;
    for (let k = 0; k < n; k++) c[k] += V[row + k] * vi;
  }
  for (let k = 0; k < n; k++) c[k] *= h(values[k]);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let k = 0; k < n; k++) s += V[row + k] * c[k];
    out[i] = s;
  }
  return out;
}

export interface LanczosOptions {
  /** relative agreement of successive approximations (default 1e-13) */
  readonly tol?: number;
  /** most Krylov steps (default min(n, 400)) */
  readonly maxSteps?: number;
}

export interface LanczosResult {
  readonly y: Float64Array;
  /** Krylov dimension used */
  readonly steps: number;
  /** last relative change between approximations (0 on an invariant subspace) */
  readonly change: number;
  /** whether the Krylov space became invariant (exact result) */
  readonly invariant: boolean;
}

/**
 * h(A) v for a symmetric A given by its n×n row-major matrix, by Lanczos with
 * full reorthogonalisation (twice, "twice is enough"). Throws when it does not
 * reach `tol` within `maxSteps` (the message gives the last change).
 */
export function lanczosApply(A: Float64Array, n: number, h: (lambda: number) => number, v: ArrayLike<number>, opts: LanczosOptions = {}): LanczosResult {
  const tol = opts.tol ?? 1e-13;
  const maxSteps = Math.min(n, opts.maxSteps ?? 400);
  let vnorm = 0;
  for (let i = 0; i < n; i++) vnorm += v[i] * v[i];
  vnorm = Math.sqrt(vnorm);
  if (vnorm === 0) return { y: new Float64Array(n), steps: 0, change: 0, invariant: true };
  let anorm = 0;
  for (let t = 0; t < n * n; t++) anorm = Math.max(anorm, Math.abs(A[t]));
  anorm *= n; // ≥ ‖A‖₂
  const Q: Float64Array[] = [];
  const alpha: number[] = [], beta: number[] = [];
  let q = Float64Array.from(v, (x) => x / vnorm);
  let prev: Float64Array | null = null;
  let change = Infinity;
  const w = new Float64Array(n);
  const approx = (m: number): Float64Array => {
    const { values, vectors } = tridiagonalEigen(alpha.slice(0, m), beta.slice(0, m - 1));
    const c = new Float64Array(m); // h(T) e₁ = U h(Θ) Uᵀ e₁
    for (let k = 0; k < m; k++) {
      const hk = h(values[k]) * vectors[k]; // vectors[0·m + k] = U[0][k]
      for (let i = 0; i < m; i++) c[i] += vectors[i * m + k] * hk;
    }
    const y = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      const cj = c[j] * vnorm, Qj = Q[j];
      for (let i = 0; i < n; i++) y[i] += cj * Qj[i];
    }
    return y;
  };
  for (let j = 0; j < maxSteps; j++) {
    Q.push(q);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let k = 0; k < n; k++) s += A[row + k] * q[k];
      w[i] = s;
    }
    let a = 0;
    for (let i = 0; i < n; i++) a += q[i] * w[i];
    alpha.push(a);
    for (let pass = 0; pass < 2; pass++) {
      for (const Qk of Q) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Qk[i] * w[i];
        for (let i = 0; i < n; i++) w[i] -= s * Qk[i];
      }
    }
    let b = 0;
    for (let i = 0; i < n; i++) b += w[i] * w[i];
    b = Math.sqrt(b);
    const m = j + 1;
    if (b <= 1e-14 * anorm || m === n) {
      return { y: approx(m), steps: m, change: 0, invariant: true };
    }
    if (m % 4 === 0) {
      const y = approx(m);
      if (prev) {
        let dn = 0, yn = 0;
        for (let i = 0; i < n; i++) { dn += (y[i] - prev[i]) ** 2; yn += y[i] * y[i]; }
        change = Math.sqrt(dn / Math.max(yn, 1e-300));
        if (change <= tol) return { y, steps: m, change, invariant: false };
      }
      prev = y;
    }
    beta.push(b);
    q = Float64Array.from(w, (x) => x / b);
  }
  throw new ArgumentError(`lanczosApply: no convergence in ${maxSteps} steps (last relative change ${change.toExponential(2)}, tol ${tol}); use the eigen method`);
}
