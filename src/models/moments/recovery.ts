// Recovery of a two-layer generator from its empirical moments (docs/method-of-moments.md D.6).
//
// Hypotheses [R]: the rows of B are orthonormal (the hidden units s_i = σ(w_i·z) are then
// independent with the law of σ(g), g ~ N(0,1)), the columns of A are linearly independent
// (m ≤ d), and σ(g) has a nonzero third cumulant κ (an odd σ such as t³ has κ = 0: use
// t³ + t², or the fourth cumulant). Then with v = Var σ(g),
//
//   Cov(x) = v Σ_i a_i a_iᵀ,     κ₃(x) = E[(x − Ex)^{⊗3}] = κ Σ_i a_i^{⊗3}.
//
// Whitening by the top-m eigenpairs (U, Λ) of Cov, W = U Λ^{-1/2}, makes b_i = √v Wᵀ a_i
// orthonormal and κ₃ ×₁Wᵀ×₂Wᵀ×₃Wᵀ = (κ/v^{3/2}) Σ_i b_i^{⊗3}: an orthogonal decomposition,
// found by tensor power iteration with deflation (Anandkumar et al. 2014). Then
// a_i = U Λ^{1/2} b_i / √v, the sign fixed by the sign of κ. B is identifiable only through
// G = B Bᵀ = I (z is isotropic): any matrix with orthonormal rows gives the same generator.

import {
  Rng, symmetricEigen, empiricalMomentTensor, w1Samples1d, expectation1dPiecewise,
} from '../../numeric/index.ts';
import { ArgumentError } from '../../core/index.ts';
import type { TwoLayerGenerator } from './generator.ts';
import { sampleGenerator } from './generator.ts';

/** The rows of B made orthonormal (Gram–Schmidt in row order); needs k ≥ m and independent rows. */
export function orthonormalRows(B: Float64Array, m: number, k: number): Float64Array {
  if (k < m) throw new ArgumentError(`orthonormal rows need k ≥ m, got k = ${k} < m = ${m}`);
  const Q = Float64Array.from(B);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let l = 0; l < k; l++) dot += Q[i * k + l] * Q[j * k + l];
      for (let l = 0; l < k; l++) Q[i * k + l] -= dot * Q[j * k + l];
    }
    let norm = 0;
    for (let l = 0; l < k; l++) norm += Q[i * k + l] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-10)) throw new ArgumentError(`the rows of B are linearly dependent (row ${i + 1})`);
    for (let l = 0; l < k; l++) Q[i * k + l] /= norm;
  }
  return Q;
}

/** v = Var σ(g) and κ = E[(σ(g) − Eσ(g))³] for g ~ N(0, 1), by quadrature. */
export function unitCumulants(g: TwoLayerGenerator): { mean: number; variance: number; kappa3: number } {
  const f = g.activation.f, kinks = g.activation.kinks;
  const mean = expectation1dPiecewise(f, 0, 1, kinks, 30);
  const variance = expectation1dPiecewise((x) => (f(x) - mean) ** 2, 0, 1, kinks, 30);
  const kappa3 = expectation1dPiecewise((x) => (f(x) - mean) ** 3, 0, 1, kinks, 30);
  return { mean, variance, kappa3 };
}

export interface Recovered {
  /** d×m row-major, columns in the order found. */
  readonly A: Float64Array;
  /** The whitened eigenvalues λ_i found (≈ κ/v^{3/2} each). */
  readonly lambdas: number[];
}

/** Tensor power iteration with deflation on a symmetric m×m×m tensor (full). */
export function tensorPowerIteration(T0: Float64Array, m: number, rng: Rng, starts = 10, iterations = 50): { vectors: Float64Array[]; lambdas: number[] } {
  const T = Float64Array.from(T0);
  const apply2 = (t: Float64Array, v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) { const vj = v[j]; for (let l = 0; l < m; l++) s += t[(i * m + j) * m + l] * vj * v[l]; }
      out[i] = s;
    }
    return out;
  };
  const value = (t: Float64Array, v: Float64Array) => { const w = apply2(t, v, new Float64Array(m)); let s = 0; for (let i = 0; i < m; i++) s += w[i] * v[i]; return s; };
  const vectors: Float64Array[] = [], lambdas: number[] = [];
  const tmp = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let best: Float64Array | undefined, bestValue = -Infinity;
    for (let s = 0; s < starts; s++) {
      const v = rng.fillNormal(new Float64Array(m));
      for (let it = 0; it < iterations; it++) {
        apply2(T, v, tmp);
        let n = 0;
        for (let i = 0; i < m; i++) n += tmp[i] * tmp[i];
        n = Math.sqrt(n);
        if (!(n > 0)) break;
        for (let i = 0; i < m; i++) v[i] = tmp[i] / n;
      }
      let lam = value(T, v);
      if (lam < 0) { for (let i = 0; i < m; i++) v[i] = -v[i]; lam = -lam; }
      if (lam > bestValue) { bestValue = lam; best = v; }
    }
    const v = best!;
    for (let it = 0; it < iterations; it++) {
      apply2(T, v, tmp);
      let n = 0;
      for (let i = 0; i < m; i++) n += tmp[i] * tmp[i];
      n = Math.sqrt(n);
      for (let i = 0; i < m; i++) v[i] = tmp[i] / n;
    }
    const lam = value(T, v);
    vectors.push(v);
    lambdas.push(lam);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let l = 0; l < m; l++) T[(i * m + j) * m + l] -= lam * v[i] * v[j] * v[l];
  }
  return { vectors, lambdas };
}

/** Â from n samples (row-major n×d) of a generator with m hidden units, under the hypotheses above. */
export function recoverFromSamples(x: Float64Array, n: number, d: number, m: number, unit: { variance: number; kappa3: number }, rng: Rng): Recovered {
  if (m > d) throw new ArgumentError(`recovery needs m ≤ d, got m = ${m} > d = ${d}`);
  if (!(Math.abs(unit.kappa3) > 1e-12 * unit.variance ** 1.5)) throw new ArgumentError('σ(g) has zero third cumulant (odd σ): the third-order tensor carries no information');
  const mean = new Float64Array(d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) mean[j] += x[s * d + j] / n;
  const c = new Float64Array(n * d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) c[s * d + j] = x[s * d + j] - mean[j];
  const cov = empiricalMomentTensor(c, n, d, 2);
  const k3 = empiricalMomentTensor(c, n, d, 3);
  const eig = symmetricEigen(cov, d);
  // top-m eigenpairs (symmetricEigen: ascending or descending — sort here)
  const order = [...Array(d).keys()].sort((a, b) => eig.values[b] - eig.values[a]).slice(0, m);
  const U = new Float64Array(d * m), sq = new Float64Array(m);
  order.forEach((e, j) => {
    sq[j] = Math.sqrt(Math.max(eig.values[e], 1e-300));
    for (let i = 0; i < d; i++) U[i * m + j] = eig.vectors[i * d + e];
  });
  // whitened tensor: T[a,b,c] = Σ k3[i,j,l] W[i,a] W[j,b] W[l,c], W = U Λ^{-1/2}
  const W = Float64Array.from(U, (v, idx) => v / sq[idx % m]);
  let cur: Float64Array = k3;
  for (let mode = 0; mode < 3; mode++) {
    // contract the leading mode of cur (d × rest) with W (d×m), append the new mode last
    const rest = cur.length / d;
    const next = new Float64Array(rest * m);
    for (let r = 0; r < rest; r++) for (let a = 0; a < m; a++) { let s = 0; for (let i = 0; i < d; i++) s += cur[i * rest + r] * W[i * m + a]; next[r * m + a] = s; }
    cur = next;
  }
  const { vectors, lambdas } = tensorPowerIteration(cur, m, rng);
  const sign = Math.sign(unit.kappa3);
  const A = new Float64Array(d * m);
  vectors.forEach((b, j) => {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += U[i * m + a] * sq[a] * b[a];
      A[i * m + j] = (sign * s) / Math.sqrt(unit.variance);
    }
  });
  return { A, lambdas };
}

/** min over column permutations of ‖Â P − A‖_F / ‖A‖_F (exhaustive for m ≤ 7, greedy above). */
export function columnMatchError(Ahat: Float64Array, A: Float64Array, d: number, m: number): number {
  const cost = (i: number, j: number) => { let s = 0; for (let a = 0; a < d; a++) s += (Ahat[a * m + i] - A[a * m + j]) ** 2; return s; };
  let norm = 0;
  for (const v of A) norm += v * v;
  let best = Infinity;
  if (m <= 7) {
    const perm = [...Array(m).keys()];
    const rec = (k: number, acc: number) => {
      if (acc >= best) return;
      if (k === m) { best = acc; return; }
      for (let i = k; i < m; i++) {
        [perm[k], perm[i]] = [perm[i], perm[k]];
        rec(k + 1, acc + cost(perm[k], k));
        [perm[k], perm[i]] = [perm[i], perm[k]];
      }
    };
    rec(0, 0);
  } else {
    const used = new Set<number>();
    best = 0;
    for (let j = 0; j < m; j++) {
      let bi = -1, bc = Infinity;
      for (let i = 0; i < m; i++) if (!used.has(i) && cost(i, j) < bc) { bc = cost(i, j); bi = i; }
      used.add(bi);
      best += bc;
    }
  }
  return Math.sqrt(best / norm);
}

/** Sliced W1: the mean over `directions` random unit vectors of W1 between 1-D projections of two sample sets. */
export function slicedW1(x: Float64Array, y: Float64Array, n: number, d: number, directions: number, rng: Rng): number {
  const px = new Float64Array(n), py = new Float64Array(n), u = new Float64Array(d);
  let total = 0;
  for (let r = 0; r < directions; r++) {
    rng.fillNormal(u);
    let norm = 0;
    for (const v of u) norm += v * v;
    norm = Math.sqrt(norm);
    for (let s = 0; s < n; s++) { let a = 0, b = 0; for (let j = 0; j < d; j++) { a += x[s * d + j] * u[j]; b += y[s * d + j] * u[j]; } px[s] = a / norm; py[s] = b / norm; }
    total += w1Samples1d(px, py);
  }
  return total / directions;
}

export { sampleGenerator };
