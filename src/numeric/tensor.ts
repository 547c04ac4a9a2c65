// Dense symmetric tensors of order ≤ 4 over R^d, stored full (d^p entries, row-major,
// index (i1, ..., ip) at ((i1·d + i2)·d + ...)·d + ip): empirical moment tensors of
// samples, multilinear (Tucker) products with a matrix, Frobenius norms.

import { ArgumentError } from '../core/index.ts';
import { matmulTransB } from './linalg.ts';

/** The largest number of entries a full tensor may have here (8·10^6 doubles = 64 MB). */
export const MAX_TENSOR_ENTRIES = 8_000_000;

function checkShape(d: number, order: number): number {
  if (!Number.isInteger(d) || d < 1) throw new ArgumentError(`tensor dimension must be a positive integer, got ${d}`);
  if (!Number.isInteger(order) || order < 1 || order > 4) throw new ArgumentError(`tensor order must be 1..4, got ${order}`);
  const size = d ** order;
  if (size > MAX_TENSOR_ENTRIES) throw new ArgumentError(`a tensor of order ${order} over R^${d} has ${size} entries, above the limit ${MAX_TENSOR_ENTRIES}`);
  return size;
}

/** Multi-indices i1 ≤ i2 ≤ ... ≤ ip over 0..d-1 (one per symmetric orbit), in lexicographic order. */
export function sortedIndices(d: number, order: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (start: number): void => {
    if (cur.length === order) { out.push(cur.slice()); return; }
    for (let i = start; i < d; i++) { cur.push(i); rec(i); cur.pop(); }
  };
  rec(0);
  return out;
}

/** Writes value at every permutation of idx in a full tensor over R^d. */
export function setSymmetric(t: Float64Array, d: number, idx: readonly number[], value: number): void {
  const p = idx.length;
  const perm = idx.slice();
  const visit = (k: number): void => {
    if (k === p) {
      let flat = 0;
      for (let j = 0; j < p; j++) flat = flat * d + perm[j];
      t[flat] = value;
      return;
    }
    const seen = new Set<number>();
    for (let j = k; j < p; j++) {
      if (seen.has(perm[j])) continue;
      seen.add(perm[j]);
      [perm[k], perm[j]] = [perm[j], perm[k]];
      visit(k + 1);
      [perm[k], perm[j]] = [perm[j], perm[k]];
    }
  };
  visit(0);
}

/**
 * The empirical moment tensor (1/n) Σ_s x_s^{⊗order} of n samples in R^d (row-major
 * n×d), full. Only the sorted entries are accumulated (a packed upper simplex), then
 * copied to their permutations.
 */
export function empiricalMomentTensor(x: ArrayLike<number>, n: number, d: number, order: number): Float64Array {
  const size = checkShape(d, order);
  if (x.length < n * d) throw new ArgumentError(`expected ${n}×${d} samples, got ${x.length} numbers`);
  const idx = sortedIndices(d, order);
  const packed = new Float64Array(idx.length);
  const row = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < d; j++) row[j] = x[s * d + j];
    let q = 0;
    if (order === 1) {
      for (let i = 0; i < d; i++) packed[q++] += row[i];
    } else if (order === 2) {
      for (let i = 0; i < d; i++) { const xi = row[i]; for (let j = i; j < d; j++) packed[q++] += xi * row[j]; }
    } else if (order === 3) {
      for (let i = 0; i < d; i++) {
        const xi = row[i];
        for (let j = i; j < d; j++) { const v = xi * row[j]; for (let k = j; k < d; k++) packed[q++] += v * row[k]; }
      }
    } else {
      for (let i = 0; i < d; i++) {
        const xi = row[i];
        for (let j = i; j < d; j++) {
          const v = xi * row[j];
          for (let k = j; k < d; k++) { const w = v * row[k]; for (let l = k; l < d; l++) packed[q++] += w * row[l]; }
        }
      }
    }
  }
  const t = new Float64Array(size);
  for (let q = 0; q < idx.length; q++) setSymmetric(t, d, idx[q], packed[q] / n);
  return t;
}

/**
 * The multilinear product core ×₁ A ×₂ A ⋯ ×_p A of a full tensor over R^m with a
 * d×m matrix A (row-major): T[i1..ip] = Σ_j core[j1..jp] A[i1,j1] ⋯ A[ip,jp], one mode at a
 * time (Σ_r d^{r+1} m^{p−r} multiply-adds instead of (dm)^p). Each step contracts the last
 * axis and puts the new one first, so after p steps the axes are back in order and every
 * step reads contiguous rows of length m.
 */
export function multilinearProduct(core: ArrayLike<number>, m: number, A: ArrayLike<number>, d: number, order: number): Float64Array {
  checkShape(Math.max(d, m), order);
  if (core.length !== m ** order) throw new ArgumentError(`core must have ${m}^${order} entries, got ${core.length}`);
  if (A.length !== d * m) throw new ArgumentError(`A must be ${d}×${m}, got ${A.length} numbers`);
  const a = Float64Array.from(A);
  let cur: Float64Array = Float64Array.from(core);
  for (let r = 0; r < order; r++) {
    const rest = cur.length / m;
    // next[i, q] = Σ_j A[i, j]·cur[q, j], the rows of cur read once each
    cur = matmulTransB(a, cur, d, m, rest);
  }
  return cur;
}

/** ‖a − b‖_F (‖a‖_F when b is omitted). */
export function frobenius(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  if (b && b.length !== a.length) throw new ArgumentError(`tensors of different sizes: ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) { const v = a[i] - (b ? b[i] : 0); s += v * v; }
  return Math.sqrt(s);
}

/** ⟨a, b⟩ = Σ a_i b_i over all entries. */
export function tensorInner(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (b.length !== a.length) throw new ArgumentError(`tensors of different sizes: ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ⟨T, x^{⊗order}⟩ for a full tensor T over R^d. */
export function tensorPolynomial(t: ArrayLike<number>, x: ArrayLike<number>, d: number, order: number): number {
  let acc: Float64Array = Float64Array.from(t as ArrayLike<number>);
  let len = acc.length;
  for (let r = 0; r < order; r++) {
    len /= d;
    const next = new Float64Array(len);
    for (let i = 0; i < len; i++) { let s = 0; for (let j = 0; j < d; j++) s += acc[i * d + j] * x[j]; next[i] = s; }
    acc = next;
  }
  return acc[0];
}
