// Order parameters of mode collapse (docs/effective-dynamics.md C.1, confirmed from the
// authors' notebook): assign every particle to its nearest mode (cosine distance in
// high dimension, Euclidean in 2-D), p_m = fraction assigned to mode m (M modes),
//   diversity = log M + Σ_m p_m log(p_m + 1e-8)   (0: full coverage, log M: total collapse),
//   quality   = mean distance of a particle to its nearest mode.

import type { Matrix } from '../../ntk/index.ts';

export interface OrderParameters {
  readonly occupancy: Float64Array;
  /** KL(p ‖ uniform) as the notebook writes it */
  readonly diversity: number;
  /** diversity / log M ∈ [0, 1] */
  readonly collapse: number;
  /** mean nearest-mode distance (cosine distance 1 − cos, or Euclidean) */
  readonly quality: number;
  /** number of modes holding at least one particle */
  readonly covered: number;
}

export function orderParameters(X: Matrix, modes: Matrix, metric: 'euclidean' | 'cosine'): OrderParameters {
  const N = X.rows, M = modes.rows, d = X.cols;
  const counts = new Float64Array(M);
  const mnorm = new Float64Array(M);
  for (let m = 0; m < M; m++) { let s = 0; for (let k = 0; k < d; k++) s += modes.data[m * d + k] ** 2; mnorm[m] = Math.sqrt(s); }
  let total = 0;
  for (let i = 0; i < N; i++) {
    let xn = 0;
    for (let k = 0; k < d; k++) xn += X.data[i * d + k] ** 2;
    xn = Math.sqrt(xn);
    let best = Infinity, arg = 0;
    for (let m = 0; m < M; m++) {
      let dist: number;
      if (metric === 'cosine') {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += X.data[i * d + k] * modes.data[m * d + k];
        const den = xn * mnorm[m];
        dist = den > 0 ? 1 - dot / den : 1;
      } else {
        let s = 0;
        for (let k = 0; k < d; k++) { const e = X.data[i * d + k] - modes.data[m * d + k]; s += e * e; }
        dist = Math.sqrt(s);
      }
      if (dist < best) { best = dist; arg = m; }
    }
    counts[arg]++;
    total += best;
  }
  let diversity = Math.log(M), covered = 0;
  for (let m = 0; m < M; m++) {
    counts[m] /= N;
    diversity += counts[m] * Math.log(counts[m] + 1e-8);
    if (counts[m] > 0) covered++;
  }
  return { occupancy: counts, diversity, collapse: diversity / Math.log(M), quality: total / N, covered };
}
