// Distances between probability distributions, exact where the maths allows:
//   W1 in 1-D between samples (∫|F − G|) and between Gaussians (closed form),
//   W2 between Gaussians (Bures closed form; an upper bound on W1),
//   W1 between two weighted point sets (exact optimal transport by successive
//   shortest paths: the LP's optimum, not an entropic approximation),
//   KL between Gaussians and between members of an exponential family (Bregman
//   divergence of the log-partition function), and a Monte Carlo mean with its
//   standard error for log-density ratios.

import { ArgumentError } from '../core/index.ts';
import { normalCdf, normalPdf } from './special.ts';
import { cholesky, symmetricMatrixFunction } from './linalg.ts';

/** Exact W1 between the empirical measures of two 1-D samples (any sizes): ∫ |F_x(t) − F_y(t)| dt. */
export function w1Samples1d(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length === 0 || y.length === 0) throw new ArgumentError(`w1Samples1d needs two non-empty samples, got ${x.length} and ${y.length}`);
  const a = Float64Array.from(x).sort(), b = Float64Array.from(y).sort();
  const n = a.length, m = b.length;
  let i = 0, j = 0, prev = Math.min(a[0], b[0]), total = 0;
  while (i < n || j < m) {
    const t = j >= m || (i < n && a[i] <= b[j]) ? a[i] : b[j];
    total += Math.abs(i / n - j / m) * (t - prev);
    prev = t;
    while (i < n && a[i] === t) i++;
    while (j < m && b[j] === t) j++;
  }
  return total;
}

/** W1(N(m1, s1²), N(m2, s2²)) = E|Δm + Δs Z| (the quantile coupling is optimal in 1-D). */
export function w1Gaussian1d(m1: number, s1: number, m2: number, s2: number): number {
  if (!(s1 >= 0 && s2 >= 0)) throw new ArgumentError(`w1Gaussian1d: standard deviations must be ≥ 0, got ${s1}, ${s2}`);
  const a = m1 - m2, b = Math.abs(s1 - s2);
  if (b === 0) return Math.abs(a);
  return a * (2 * normalCdf(a / b) - 1) + 2 * b * normalPdf(a / b);
}

function checkGaussian(mu: ArrayLike<number>, S: ArrayLike<number>, d: number, name: string): void {
  if (mu.length !== d || S.length !== d * d) throw new ArgumentError(`${name}: need a mean of length ${d} and a ${d}×${d} covariance, got ${mu.length} and ${S.length} entries`);
}

/** W2(N(μ1, Σ1), N(μ2, Σ2))² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½ (Bures). */
export function w2GaussianSquared(mu1: ArrayLike<number>, S1: ArrayLike<number>, mu2: ArrayLike<number>, S2: ArrayLike<number>, d: number): number {
  checkGaussian(mu1, S1, d, 'w2Gaussian'); checkGaussian(mu2, S2, d, 'w2Gaussian');
  const R = symmetricMatrixFunction(S1, d, (l) => Math.sqrt(Math.max(l, 0)));
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) s += R[i * d + k] * S2[k * d + l] * R[l * d + j];
    M[i * d + j] = s;
  }
  const root = symmetricMatrixFunction(M, d, (l) => Math.sqrt(Math.max(l, 0)));
  let w = 0;
  for (let i = 0; i < d; i++) w += (mu1[i] - mu2[i]) ** 2 + S1[i * d + i] + S2[i * d + i] - 2 * root[i * d + i];
  return Math.max(w, 0);
}

/** W2 between two Gaussians (≥ W1 between them). */
export function w2Gaussian(mu1: ArrayLike<number>, S1: ArrayLike<number>, mu2: ArrayLike<number>, S2: ArrayLike<number>, d: number): number {
  return Math.sqrt(w2GaussianSquared(mu1, S1, mu2, S2, d));
}

/** log det of a positive definite matrix (Cholesky; throws if not positive definite). */
export function logDetPd(S: ArrayLike<number>, d: number): number {
  const L = cholesky(S, d);
  let s = 0;
  for (let i = 0; i < d; i++) s += 2 * Math.log(L[i * d + i]);
  return s;
}

/** KL(N(μ1, Σ1) ‖ N(μ2, Σ2)) = ½[tr Σ2⁻¹Σ1 + Δμᵀ Σ2⁻¹ Δμ − d + log det Σ2 − log det Σ1]. */
export function klGaussian(mu1: ArrayLike<number>, S1: ArrayLike<number>, mu2: ArrayLike<number>, S2: ArrayLike<number>, d: number): number {
  checkGaussian(mu1, S1, d, 'klGaussian'); checkGaussian(mu2, S2, d, 'klGaussian');
  const L = cholesky(S2, d);
  // solve L y = v (forward substitution)
  const fwd = (v: ArrayLike<number>): Float64Array => {
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = v[i];
      for (let k = 0; k < i; k++) s -= L[i * d + k] * y[k];
      y[i] = s / L[i * d + i];
    }
    return y;
  };
  // tr Σ2⁻¹Σ1 = ‖L⁻¹ C1‖_F² with C1 C1ᵀ = Σ1
  const C1 = cholesky(S1, d);
  let tr = 0;
  for (let j = 0; j < d; j++) {
    const col = new Float64Array(d);
    for (let i = 0; i < d; i++) col[i] = C1[i * d + j];
    const y = fwd(col);
    for (let i = 0; i < d; i++) tr += y[i] * y[i];
  }
  const dm = new Float64Array(d);
  for (let i = 0; i < d; i++) dm[i] = mu1[i] - mu2[i];
  const y = fwd(dm);
  let quad = 0;
  for (let i = 0; i < d; i++) quad += y[i] * y[i];
  let logDet2 = 0, logDet1 = 0;
  for (let i = 0; i < d; i++) { logDet2 += 2 * Math.log(L[i * d + i]); logDet1 += 2 * Math.log(C1[i * d + i]); }
  return Math.max(0, 0.5 * (tr + quad - d + logDet2 - logDet1));
}

/**
 * KL(p_θ1 ‖ p_θ2) in an exponential family p_θ ∝ exp⟨θ, T⟩ with log-partition A:
 * the Bregman divergence A(θ2) − A(θ1) − ⟨∇A(θ1), θ2 − θ1⟩.
 */
export function klExponentialFamily(
  logPartition: (theta: ArrayLike<number>) => number, meanParameter: (theta: ArrayLike<number>) => ArrayLike<number>,
  theta1: ArrayLike<number>, theta2: ArrayLike<number>,
): number {
  if (theta1.length !== theta2.length) throw new ArgumentError(`klExponentialFamily: θ1 has ${theta1.length} entries, θ2 has ${theta2.length}`);
  const g = meanParameter(theta1);
  let inner = 0;
  for (let i = 0; i < theta1.length; i++) inner += g[i] * (theta2[i] - theta1[i]);
  return Math.max(0, logPartition(theta2) - logPartition(theta1) - inner);
}

export interface MeanWithError {
  readonly mean: number;
  /** standard error of the mean (sample standard deviation / √n) */
  readonly se: number;
  readonly n: number;
}

/** Monte Carlo mean and its standard error. */
export function meanWithError(values: ArrayLike<number>): MeanWithError {
  const n = values.length;
  if (n < 2) throw new ArgumentError(`meanWithError needs at least 2 values, got ${n}`);
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - mean) ** 2;
  return { mean, se: Math.sqrt(v / (n - 1) / n), n };
}

export interface TransportResult {
  /** the optimal cost Σ π_ij |x_i − y_j| */
  readonly cost: number;
  /** the optimal plan, row-major n×m */
  readonly plan: Float64Array;
  readonly augmentations: number;
}

/**
 * Exact W1 between Σ a_i δ_{x_i} and Σ b_j δ_{y_j} (rows of X: n×d, Y: m×d; the
 * weights are normalised to mass 1) with Euclidean cost: the transportation LP solved
 * by successive shortest paths (Dijkstra with potentials on the residual graph).
 * Each augmentation exhausts a supply, a demand or a reverse arc; the work is
 * O(augmentations · n · m), so use it for point sets up to a few hundred.
 */
export function transportW1(a: ArrayLike<number>, X: ArrayLike<number>, b: ArrayLike<number>, Y: ArrayLike<number>, d: number): TransportResult {
  const n = a.length, m = b.length;
  if (n === 0 || m === 0) throw new ArgumentError('transportW1: empty point set');
  if (X.length !== n * d || Y.length !== m * d) throw new ArgumentError(`transportW1: X must be ${n}×${d} and Y ${m}×${d}, got ${X.length} and ${Y.length} entries`);
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { if (!(a[i] >= 0)) throw new ArgumentError(`transportW1: weight a[${i}] = ${a[i]} is negative`); sa += a[i]; }
  for (let j = 0; j < m; j++) { if (!(b[j] >= 0)) throw new ArgumentError(`transportW1: weight b[${j}] = ${b[j]} is negative`); sb += b[j]; }
  if (!(sa > 0 && sb > 0)) throw new ArgumentError('transportW1: weights must have positive mass');
  const supply = Float64Array.from(a, (v) => v / sa), demand = Float64Array.from(b, (v) => v / sb);
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) { const e = X[i * d + k] - Y[j * d + k]; s += e * e; }
    C[i * m + j] = Math.sqrt(s);
  }
  const flow = new Float64Array(n * m);
  // nodes: sources 0..n-1, sinks n..n+m-1, root R = n+m (feeds sources with supply left), terminal T = n+m+1
  const R = n + m, T = n + m + 1, V = n + m + 2;
  const pot = new Float64Array(V), dist = new Float64Array(V), prev = new Int32Array(V), done = new Uint8Array(V);
  const tiny = 1e-14;
  let augmentations = 0;
  const relax = (u: number, v: number, cost: number) => {
    const nd = dist[u] + cost + pot[u] - pot[v];
    if (nd < dist[v]) { dist[v] = nd; prev[v] = u; }
  };
  for (let guard = 0; ; guard++) {
    let left = 0;
    for (let i = 0; i < n; i++) left += supply[i];
    if (left <= 1e-12) break;
    if (guard > 4 * (n + m) * (n + m) + 100) throw new ArgumentError('transportW1: internal: too many augmentations');
    dist.fill(Infinity); prev.fill(-1); done.fill(0);
    dist[R] = 0;
    for (;;) {
      let u = -1, best = Infinity;
      for (let v = 0; v < V; v++) if (!done[v] && dist[v] < best) { best = dist[v]; u = v; }
      if (u < 0 || u === T) break;
      done[u] = 1;
      if (u === R) {
        for (let i = 0; i < n; i++) if (supply[i] > tiny) relax(R, i, 0);
      } else if (u < n) {
        for (let j = 0; j < m; j++) if (!done[n + j]) relax(u, n + j, C[u * m + j]);
      } else {
        const j = u - n;
        if (demand[j] > tiny) relax(u, T, 0);
        for (let i = 0; i < n; i++) if (!done[i] && flow[i * m + j] > tiny) relax(u, i, -C[i * m + j]);
      }
    }
    if (!Number.isFinite(dist[T])) throw new ArgumentError('transportW1: internal: no augmenting path (mass mismatch)');
    const dT = dist[T];
    for (let v = 0; v < V; v++) pot[v] += Math.min(dist[v], dT);
    // bottleneck along the path T ← sink ← ... ← source ← R
    const sink = prev[T];
    let amount = demand[sink - n];
    let v = sink;
    while (prev[v] !== R) {
      const u = prev[v];
      if (u >= n) amount = Math.min(amount, flow[v * m + (u - n)]);
      v = u;
    }
    const source = v;
    amount = Math.min(amount, supply[source]);
    demand[sink - n] -= amount;
    supply[source] -= amount;
    v = sink;
    while (prev[v] !== R) {
      const u = prev[v];
      if (u < n) flow[u * m + (v - n)] += amount; else flow[v * m + (u - n)] -= amount;
      v = u;
    }
    augmentations++;
  }
  let cost = 0;
  for (let k = 0; k < n * m; k++) cost += flow[k] * C[k];
  return { cost, plan: flow, augmentations };
}

/**
 * Minimum-cost perfect assignment of an n×n cost matrix (row-major): the Hungarian
 * algorithm with potentials (shortest augmenting paths, O(n³)). Returns Σ_i C[i, σ(i)].
 */
export function assignmentCost(C: ArrayLike<number>, n: number): number {
  if (C.length !== n * n) throw new ArgumentError(`assignmentCost: need an n×n matrix, got ${C.length} entries for n = ${n}`);
  // 1-based arrays as in the classical formulation; column 0 is the virtual start
  const u = new Float64Array(n + 1), v = new Float64Array(n + 1), minv = new Float64Array(n + 1);
  const p = new Int32Array(n + 1), way = new Int32Array(n + 1), used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity); used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0], row = (i0 - 1) * n;
      let delta = Infinity, j1 = 0;
      const ui0 = u[i0];
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = C[row + j - 1] - ui0 - v[j];
        if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
        if (minv[j] < delta) { delta = minv[j]; j1 = j; }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) { u[p[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do { const j1 = way[j0]; p[j0] = p[j1]; j0 = j1; } while (j0 !== 0);
  }
  let cost = 0;
  for (let j = 1; j <= n; j++) cost += C[(p[j] - 1) * n + j - 1];
  return cost;
}

/**
 * Exact W1 between the uniform empirical measures of the rows of X (n×d) and Y (m×d):
 * for n = m an optimal plan is a permutation (Birkhoff), found by the Hungarian algorithm;
 * otherwise the transportation LP (`transportW1`).
 */
export function w1Samples(X: ArrayLike<number>, n: number, Y: ArrayLike<number>, m: number, d: number): number {
  if (n !== m) return transportW1(new Float64Array(n).fill(1), X, new Float64Array(m).fill(1), Y, d).cost;
  if (X.length !== n * d || Y.length !== m * d) throw new ArgumentError(`w1Samples: X must be ${n}×${d} and Y ${m}×${d}, got ${X.length} and ${Y.length} entries`);
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) { const e = X[i * d + k] - Y[j * d + k]; s += e * e; }
    C[i * n + j] = Math.sqrt(s);
  }
  return assignmentCost(C, n) / n;
}
