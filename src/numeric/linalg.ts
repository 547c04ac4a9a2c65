// Small dense linear algebra on row-major Float64Arrays: entry (i, j) of an m×n matrix is a[i·n + j].

import { SingularMatrixError } from './errors.ts';
import { symmetricEigenQL, type SymmetricEigenDecomposition } from './spectral.ts';
import { ArgumentError } from '../core/index.ts';

export { SingularMatrixError } from './errors.ts';

const EPS = 2.220446049250313e-16;

/** A complex number; eigenvalues of real matrices come as conjugate pairs. */
export interface Complex {
  re: number;
  im: number;
}

function checkSquare(a: ArrayLike<number>, n: number, who: string): void {
  if (!(Number.isInteger(n) && n >= 1) || a.length !== n * n) {
    throw new ArgumentError(`${who}: expected an ${n}×${n} matrix (length ${n * n}), got length ${a.length}`);
  }
}

/** n×n identity. */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Transpose of an m×n matrix (gives n×m). */
export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/**
 * (m×k)·(k×n) → m×n. Each entry is summed from +0 over p = 0..k−1 in ascending order,
 * skipping the terms whose a[i, p] is exactly 0 (so 0·∞ and 0·NaN contribute nothing):
 * bit-identical to the plain i-p-j loop, computed in 4×4 register tiles over blocks of
 * KC values of p (a partial sum parked in `out` between blocks is the same double), with
 * each 4-column panel of B copied to a contiguous scratch once per block.
 */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, out = new Float64Array(m * n)): Float64Array {
  if (a.length !== m * k || b.length !== k * n) throw new ArgumentError(`matmul: shapes ${m}×${k} and ${k}×${n} do not match lengths ${a.length}, ${b.length}`);
  if (out.length < m * n) throw new ArgumentError(`matmul: output has length ${out.length}, needs ${m * n}`);
  const m4 = m - (m % 4), n4 = n - (n % 4);
  const panel = PANEL;
  // p0 === 0 runs once even for k = 0, so that every tile is written
  for (let p0 = 0; p0 === 0 || p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    for (let j = 0; j < n4; j += 4) {
      // nonFinite stays 0 exactly when every panel entry is finite (0·±∞ and 0·NaN are NaN)
      let nonFinite = 0;
      for (let p = p0, t = 0; p < p1; p++, t += 4) {
        const bp = p * n + j;
        const b0 = b[bp], b1 = b[bp + 1], b2 = b[bp + 2], b3 = b[bp + 3];
        panel[t] = b0; panel[t + 1] = b1; panel[t + 2] = b2; panel[t + 3] = b3;
        nonFinite += 0 * b0 + 0 * b1 + 0 * b2 + 0 * b3;
      }
      // With a finite panel a skipped term would add ±0 to a partial sum that is never −0
      // (sums from +0 only reach ±0 as +0), which leaves it unchanged: no branch needed.
      const skipZeros = nonFinite !== 0;
      for (let i = 0; i < m4; i += 4) {
        const r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
        const o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        if (p0 > 0) {
          s00 = out[o0]; s01 = out[o0 + 1]; s02 = out[o0 + 2]; s03 = out[o0 + 3];
          s10 = out[o1]; s11 = out[o1 + 1]; s12 = out[o1 + 2]; s13 = out[o1 + 3];
          s20 = out[o2]; s21 = out[o2 + 1]; s22 = out[o2 + 2]; s23 = out[o2 + 3];
          s30 = out[o3]; s31 = out[o3 + 1]; s32 = out[o3 + 2]; s33 = out[o3 + 3];
        }
        if (skipZeros) {
          for (let p = p0, t = 0; p < p1; p++, t += 4) {
            const b0 = panel[t], b1 = panel[t + 1], b2 = panel[t + 2], b3 = panel[t + 3];
            const a0 = a[r0 + p], a1 = a[r1 + p], a2 = a[r2 + p], a3 = a[r3 + p];
            if (a0 !== 0) { s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3; }
            if (a1 !== 0) { s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3; }
            if (a2 !== 0) { s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3; }
            if (a3 !== 0) { s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3; }
          }
        } else {
          for (let p = p0, t = 0; p < p1; p++, t += 4) {
            const b0 = panel[t], b1 = panel[t + 1], b2 = panel[t + 2], b3 = panel[t + 3];
            const a0 = a[r0 + p], a1 = a[r1 + p], a2 = a[r2 + p], a3 = a[r3 + p];
            s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
            s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
            s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
            s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
          }
        }
        out[o0] = s00; out[o0 + 1] = s01; out[o0 + 2] = s02; out[o0 + 3] = s03;
        out[o1] = s10; out[o1 + 1] = s11; out[o1 + 2] = s12; out[o1 + 3] = s13;
        out[o2] = s20; out[o2 + 1] = s21; out[o2 + 2] = s22; out[o2 + 3] = s23;
        out[o3] = s30; out[o3 + 1] = s31; out[o3 + 2] = s32; out[o3 + 3] = s33;
      }
    }
  }
  // edges: the last m mod 4 rows, and the last n mod 4 columns of the tiled rows
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p];
        if (aip !== 0) s += aip * b[p * n + j];
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Values of p per block of matmul: 256 rows of A (256·KC doubles) stay in L2 while the panels of B pass. */
const KC = 128;
const PANEL = new Float64Array(4 * KC);

/**
 * A·Bᵀ for A (m×k) and B (n×k), both row-major: out[i, j] = Σ_p a[i, p]·b[j, p], summed
 * from +0 over p = 0..k−1 in ascending order with every term (no zero skipping) — the
 * plain dot-product loop, bit for bit, in 4×4 register tiles. Column tiles go outermost,
 * so a small A stays in cache while B streams through once. (Blocking over p measured no
 * faster here: both operands are read along rows.)
 */
export function matmulTransB(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, out = new Float64Array(m * n)): Float64Array {
  if (a.length < m * k || b.length < n * k) throw new ArgumentError(`matmulTransB: shapes ${m}×${k} and ${n}×${k} do not fit lengths ${a.length}, ${b.length}`);
  if (out.length < m * n) throw new ArgumentError(`matmulTransB: output has length ${out.length}, needs ${m * n}`);
  dotTiles(a, b, m, k, n, out, false);
  return out;
}

/**
 * The Gram matrix A·Aᵀ of the rows of A (m×k): the tiles on and above the diagonal as in
 * matmulTransB, the rest mirrored (a·b = b·a term by term, so bit-identical to computing it).
 */
export function gramRows(a: ArrayLike<number>, m: number, k: number, out = new Float64Array(m * m)): Float64Array {
  if (a.length < m * k) throw new ArgumentError(`gramRows: shape ${m}×${k} does not fit length ${a.length}`);
  if (out.length < m * m) throw new ArgumentError(`gramRows: output has length ${out.length}, needs ${m * m}`);
  dotTiles(a, a, m, k, m, out, true);
  for (let i = 1; i < m; i++) for (let j = 0; j < i; j++) out[i * m + j] = out[j * m + i];
  return out;
}

/** out[i, j] = Σ_p a[i, p]·b[j, p]; upperOnly: only entries with j ≥ i are guaranteed. */
function dotTiles(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, out: Float64Array, upperOnly: boolean): void {
  const m4 = m - (m % 4), n4 = n - (n % 4);
  for (let j = 0; j < n4; j += 4) {
    const c0 = j * k, c1 = c0 + k, c2 = c1 + k, c3 = c2 + k;
    const iEnd = upperOnly ? Math.min(m4, j + 4) : m4;
    for (let i = 0; i < iEnd; i += 4) {
      const r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const b0 = b[c0 + p], b1 = b[c1 + p], b2 = b[c2 + p], b3 = b[c3 + p];
        const a0 = a[r0 + p], a1 = a[r1 + p], a2 = a[r2 + p], a3 = a[r3 + p];
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
        s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
        s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
      }
      const o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      out[o0] = s00; out[o0 + 1] = s01; out[o0 + 2] = s02; out[o0 + 3] = s03;
      out[o1] = s10; out[o1 + 1] = s11; out[o1 + 2] = s12; out[o1 + 3] = s13;
      out[o2] = s20; out[o2 + 1] = s21; out[o2 + 2] = s22; out[o2 + 3] = s23;
      out[o3] = s30; out[o3 + 1] = s31; out[o3 + 2] = s32; out[o3 + 3] = s33;
    }
  }
  // edges: the last m mod 4 rows, and the last n mod 4 columns of the tiled rows
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : (upperOnly ? i : 0); j < n; j++) {
      const r = i * k, c = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[r + p] * b[c + p];
      out[i * n + j] = s;
    }
  }
}

/** (m×n)·x → length-m vector. */
export function matvec(a: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number, out = new Float64Array(m)): Float64Array {
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
    out[i] = s;
  }
  return out;
}

export interface LU {
  n: number;
  /** L (unit lower, below the diagonal) and U (on and above) packed in one matrix. */
  lu: Float64Array;
  /** Row i of LU is row perm[i] of A. */
  perm: Int32Array;
  /** +1 or −1: the parity of the row permutation. */
  sign: number;
}

/**
 * LU factorisation with partial pivoting, PA = LU. Throws SingularMatrixError when a pivot
 * is below n·ε·max|a_ij| (singular to working precision).
 */
export function luFactor(a: ArrayLike<number>, n: number): LU {
  checkSquare(a, n, 'luFactor');
  const lu = Float64Array.from(a);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1, scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(lu[i]));
  if (!Number.isFinite(scale)) throw new ArgumentError('luFactor: matrix has non-finite entries');
  const tiny = n * EPS * scale;
  for (let k = 0; k < n; k++) {
    let p = k, best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) { best = v; p = i; }
    }
    if (best <= tiny) {
      throw new SingularMatrixError(
        `matrix is singular to working precision: pivot ${best.toExponential(3)} in column ${k} ≤ n·ε·max|a| = ${tiny.toExponential(3)}`, k, best);
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = lu[k * n + j]; lu[k * n + j] = lu[p * n + j]; lu[p * n + j] = t; }
      const t = perm[k]; perm[k] = perm[p]; perm[p] = t;
      sign = -sign;
    }
    const pivot = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  return { n, lu, perm, sign };
}

/** Solves A x = b from an LU factorisation; b has n rows and b.length / n columns (row-major). */
export function luSolve(f: LU, b: ArrayLike<number>): Float64Array {
  const { n, lu, perm } = f;
  const m = b.length / n;
  if (!Number.isInteger(m) || m < 1) throw new ArgumentError(`luSolve: right-hand side length ${b.length} is not a multiple of ${n}`);
  const x = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) x[i * m + c] = b[perm[i] * m + c];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const l = lu[i * n + k];
      if (l !== 0) for (let c = 0; c < m; c++) x[i * m + c] -= l * x[k * m + c];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const u = lu[i * n + k];
      if (u !== 0) for (let c = 0; c < m; c++) x[i * m + c] -= u * x[k * m + c];
    }
    const d = lu[i * n + i];
    for (let c = 0; c < m; c++) x[i * m + c] /= d;
  }
  return x;
}

/** Solves A x = b (b: n-vector or n×m right-hand sides); throws SingularMatrixError for a singular A. */
export function solve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  return luSolve(luFactor(a, n), b);
}

/** Determinant (0 for a matrix singular to working precision). */
export function det(a: ArrayLike<number>, n: number): number {
  let f: LU;
  try {
    f = luFactor(a, n);
  } catch (e) {
    if (e instanceof SingularMatrixError) return 0;
    throw e;
  }
  let d = f.sign;
  for (let i = 0; i < n; i++) d *= f.lu[i * n + i];
  return d;
}

/** Inverse; throws SingularMatrixError for a singular matrix. */
export function inverse(a: ArrayLike<number>, n: number): Float64Array {
  return luSolve(luFactor(a, n), identity(n));
}

// ---------------------------------------------------------------- symmetric eigenproblem

export type { SymmetricEigenDecomposition as SymmetricEigen } from './spectral.ts';

/**
 * Eigen-decomposition A = V diag(λ) Vᵀ of a symmetric matrix (A is symmetrised
 * as (A + Aᵀ)/2): Householder tridiagonalisation and implicit QL, EISPACK
 * tred2/tql2 (numeric/spectral.ts's symmetricEigenQL, the toolkit's one
 * symmetric eigensolver). Eigenvalues ascending; column j of `vectors`
 * (entries vectors[i·n + j]) is the unit eigenvector of values[j].
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigenDecomposition {
  checkSquare(a, n, 'symmetricEigen');
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(a[i])) throw new ArgumentError('symmetricEigen: matrix has non-finite entries');
  return symmetricEigenQL(a, n);
}

/** f(A) = V diag(f(λ)) Vᵀ for a symmetric A. */
export function symmetricMatrixFunction(a: ArrayLike<number>, n: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const fk = f(values[k]);
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * fk;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

/** Matrix exponential e^A of a symmetric matrix via its eigen-decomposition. */
export function expmSymmetric(a: ArrayLike<number>, n: number): Float64Array {
  return symmetricMatrixFunction(a, n, Math.exp);
}

// ---------------------------------------------------------------- general real eigenvalues

/**
 * Eigenvalues of a general real matrix: balancing, reduction to upper Hessenberg form by
 * stabilised elimination, then the shifted (Francis double-shift) QR algorithm. Complex
 * eigenvalues come in conjugate pairs. Sorted by decreasing real part, then decreasing imaginary part.
 */
export function eigenvalues(a: ArrayLike<number>, n: number): Complex[] {
  checkSquare(a, n, 'eigenvalues');
  // 1-based working copy h[i][j] = h[i*(n+1)+j], as in the EISPACK/Numerical Recipes formulation.
  const N = n + 1;
  const h = new Float64Array(N * N);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[(i + 1) * N + j + 1] = a[i * n + j];
  for (let i = 0; i < h.length; i++) if (!Number.isFinite(h[i])) throw new ArgumentError('eigenvalues: matrix has non-finite entries');
  balance(h, n);
  toHessenberg(h, n);
  const wr = new Float64Array(N), wi = new Float64Array(N);
  hessenbergQr(h, n, wr, wi);
  const out: Complex[] = [];
  for (let i = 1; i <= n; i++) out.push({ re: wr[i], im: wi[i] });
  return out.sort((x, y) => y.re - x.re || y.im - x.im);
}

/** Similarity scaling by powers of 2 so that rows and columns have comparable norms. */
function balance(h: Float64Array, n: number): void {
  const N = n + 1, RADIX = 2, SQRDX = RADIX * RADIX;
  let done = false;
  while (!done) {
    done = true;
    for (let i = 1; i <= n; i++) {
      let r = 0, c = 0;
      for (let j = 1; j <= n; j++) {
        if (j !== i) { c += Math.abs(h[j * N + i]); r += Math.abs(h[i * N + j]); }
      }
      if (c !== 0 && r !== 0) {
        let g = r / RADIX, f = 1;
        const s = c + r;
        while (c < g) { f *= RADIX; c *= SQRDX; }
        g = r * RADIX;
        while (c > g) { f /= RADIX; c /= SQRDX; }
        if ((c + r) / f < 0.95 * s) {
          done = false;
          g = 1 / f;
          for (let j = 1; j <= n; j++) h[i * N + j] *= g;
          for (let j = 1; j <= n; j++) h[j * N + i] *= f;
        }
      }
    }
  }
}

/** Upper Hessenberg form by Gaussian elimination with pivoting (similarity transforms). */
function toHessenberg(h: Float64Array, n: number): void {
  const N = n + 1;
  for (let m = 2; m < n; m++) {
    let x = 0, i = m;
    for (let j = m; j <= n; j++) {
      if (Math.abs(h[j * N + m - 1]) > Math.abs(x)) { x = h[j * N + m - 1]; i = j; }
    }
    if (i !== m) {
      for (let j = m - 1; j <= n; j++) { const t = h[i * N + j]; h[i * N + j] = h[m * N + j]; h[m * N + j] = t; }
      for (let j = 1; j <= n; j++) { const t = h[j * N + i]; h[j * N + i] = h[j * N + m]; h[j * N + m] = t; }
    }
    if (x !== 0) {
      for (i = m + 1; i <= n; i++) {
        let y = h[i * N + m - 1];
        if (y !== 0) {
          y /= x;
          h[i * N + m - 1] = y;
          for (let j = m; j <= n; j++) h[i * N + j] -= y * h[m * N + j];
          for (let j = 1; j <= n; j++) h[j * N + m] += y * h[j * N + i];
        }
      }
    }
  }
  for (let i = 3; i <= n; i++) for (let j = 1; j < i - 1; j++) h[i * N + j] = 0;
}

/** Eigenvalues of an upper Hessenberg matrix by the shifted QR algorithm (Francis double shift). */
function hessenbergQr(h: Float64Array, n: number, wr: Float64Array, wi: Float64Array): void {
  const N = n + 1;
  const A = (i: number, j: number) => h[i * N + j];
  let anorm = 0;
  for (let i = 1; i <= n; i++) for (let j = Math.max(i - 1, 1); j <= n; j++) anorm += Math.abs(A(i, j));
  // Subdiagonal entries this small are negligible whatever the diagonal (LAPACK's safmin·n/ulp).
  const smallNum = 2.2250738585072014e-308 * (n / EPS);
  let nn = n, t = 0;
  let p = 0, q = 0, r = 0, s = 0, w = 0, x = 0, y = 0, z = 0;
  while (nn >= 1) {
    let its = 0, l: number;
    do {
      for (l = nn; l >= 2; l--) {
        s = Math.abs(A(l - 1, l - 1)) + Math.abs(A(l, l));
        if (s === 0) s = anorm;
        const sub = Math.abs(A(l, l - 1));
        if (sub + s === s || sub <= smallNum) { h[l * N + l - 1] = 0; break; }
      }
      x = A(nn, nn);
      if (l === nn) {
        wr[nn] = x + t;
        wi[nn--] = 0;
      } else {
        y = A(nn - 1, nn - 1);
        w = A(nn, nn - 1) * A(nn - 1, nn);
        if (l === nn - 1) {
          p = 0.5 * (y - x);
          q = p * p + w;
          z = Math.sqrt(Math.abs(q));
          x += t;
          if (q >= 0) {
            z = p + (p >= 0 ? Math.abs(z) : -Math.abs(z));
            wr[nn - 1] = wr[nn] = x + z;
            if (z !== 0) wr[nn] = x - w / z;
            wi[nn - 1] = wi[nn] = 0;
          } else {
            wr[nn - 1] = wr[nn] = x + p;
            wi[nn - 1] = -(wi[nn] = z);
          }
          nn -= 2;
        } else {
          if (its === 60) throw new Error(`eigenvalues: QR iteration did not converge (block ending at row ${nn})`);
          if (its % 10 === 0 && its > 0) { // exceptional shift
            t += x;
            for (let i = 1; i <= nn; i++) h[i * N + i] -= x;
            s = Math.abs(A(nn, nn - 1)) + Math.abs(A(nn - 1, nn - 2));
            y = x = 0.75 * s;
            w = -0.4375 * s * s;
          }
          ++its;
          let m: number;
          for (m = nn - 2; m >= l; m--) {
            z = A(m, m);
            r = x - z;
            s = y - z;
            p = (r * s - w) / A(m + 1, m) + A(m, m + 1);
            q = A(m + 1, m + 1) - z - r - s;
            r = A(m + 2, m + 1);
            s = Math.abs(p) + Math.abs(q) + Math.abs(r);
            p /= s; q /= s; r /= s;
            if (m === l) break;
            const u = Math.abs(A(m, m - 1)) * (Math.abs(q) + Math.abs(r));
            const v = Math.abs(p) * (Math.abs(A(m - 1, m - 1)) + Math.abs(z) + Math.abs(A(m + 1, m + 1)));
            if (u + v === v) break;
          }
          for (let i = m + 2; i <= nn; i++) {
            h[i * N + i - 2] = 0;
            if (i !== m + 2) h[i * N + i - 3] = 0;
          }
          for (let k = m; k <= nn - 1; k++) {
            if (k !== m) {
              p = A(k, k - 1);
              q = A(k + 1, k - 1);
              r = 0;
              if (k !== nn - 1) r = A(k + 2, k - 1);
              if ((x = Math.abs(p) + Math.abs(q) + Math.abs(r)) !== 0) { p /= x; q /= x; r /= x; }
            }
            const root = Math.sqrt(p * p + q * q + r * r);
            if ((s = p >= 0 ? root : -root) !== 0) {
              if (k === m) {
                if (l !== m) h[k * N + k - 1] = -A(k, k - 1);
              } else {
                h[k * N + k - 1] = -s * x;
              }
              p += s;
              x = p / s;
              y = q / s;
              z = r / s;
              q /= p;
              r /= p;
              for (let j = k; j <= nn; j++) {
                p = A(k, j) + q * A(k + 1, j);
                if (k !== nn - 1) {
                  p += r * A(k + 2, j);
                  h[(k + 2) * N + j] -= p * z;
                }
                h[(k + 1) * N + j] -= p * y;
                h[k * N + j] -= p * x;
              }
              const mmin = nn < k + 3 ? nn : k + 3;
              for (let i = l; i <= mmin; i++) {
                p = x * A(i, k) + y * A(i, k + 1);
                if (k !== nn - 1) {
                  p += z * A(i, k + 2);
                  h[i * N + k + 2] -= p * r;
                }
                h[i * N + k + 1] -= p * q;
                h[i * N + k] -= p;
              }
            }
          }
        }
      }
    } while (l < nn - 1);
  }
}

// ---------- Cholesky ----------

/**
 * A matrix that should be positive (semi)definite is not: `index` is the row whose
 * pivot failed (`pivot` its value), or, with `zeroColumn`, the row that needs a
 * component along a direction the earlier rows do not span.
 */
export class NotPositiveSemidefiniteError extends ArgumentError {
  constructor(message: string, readonly index: number, readonly pivot: number, readonly zeroColumn?: number) {
    super(message);
    this.name = 'NotPositiveSemidefiniteError';
  }
}

/**
 * Lower-triangular L with L Lᵀ = cov, for a positive semidefinite cov (a pivot
 * below `tol`·max diagonal is treated as zero and its column left zero).
 * Throws when cov is not positive semidefinite.
 */
export function choleskyPsd(cov: readonly (readonly number[])[], tol = 1e-12): number[][] {
  const d = cov.length;
  const L = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  let scale = 0;
  for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(cov[i][i]));
  const eps = tol * (scale || 1);
  for (let j = 0; j < d; j++) {
    let s = cov[j][j];
    for (let k = 0; k < j; k++) s -= L[j][k] * L[j][k];
    if (s < -eps) throw new NotPositiveSemidefiniteError(`covariance is not positive semidefinite (pivot ${s} at ${j})`, j, s);
    if (s <= eps) {
      // Degenerate direction: the rest of the column must vanish too.
      for (let i = j + 1; i < d; i++) {
        let t = cov[i][j];
        for (let k = 0; k < j; k++) t -= L[i][k] * L[j][k];
        if (Math.abs(t) > Math.sqrt(eps * Math.max(eps, Math.abs(cov[i][i])))) {
          throw new NotPositiveSemidefiniteError(`covariance is not positive semidefinite (zero pivot at ${j} with off-diagonal ${t})`, i, 0, j);
        }
      }
      continue;
    }
    const ljj = Math.sqrt(s);
    L[j][j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = cov[i][j];
      for (let k = 0; k < j; k++) t -= L[i][k] * L[j][k];
      L[i][j] = t / ljj;
    }
  }
  return L;
}

/** Lower-triangular L (row-major n×n) with L Lᵀ = A for a positive definite A; throws at the first pivot ≤ 0. */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0)) throw new NotPositiveSemidefiniteError(`matrix is not positive definite (pivot ${s} at ${j})`, j, s);
    const l = Math.sqrt(s);
    L[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / l;
    }
  }
  return L;
}
