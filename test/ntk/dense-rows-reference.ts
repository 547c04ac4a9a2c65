// Reference batch kernels of a dense layer (row-major rows of inputs): the plain row-block
// loops that src/ntk/dense-rows.ts's register-blocked kernels must reproduce bit for bit
// (the tests compare the two). They were the production kernels before the blocking.

import type { DenseParams } from '../../src/ntk/finite.ts';

/** H[i, o] = α Σ_k W[o, k] A[i, k] (+ β b[o] when withBias and the layer has biases). */
export function affineRows(P: Float64Array, p: DenseParams, A: Float64Array, n: number, H: Float64Array, withBias: boolean): void {
  const { nIn, nOut, w, b, alpha, beta } = p;
  const hasBias = withBias && b >= 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a0 = i * nIn, a1 = a0 + nIn, a2 = a1 + nIn, a3 = a2 + nIn;
    const h0 = i * nOut;
    for (let o = 0; o < nOut; o++) {
      const wo = w + o * nIn;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < nIn; k++) {
        const wk = P[wo + k];
        s0 += wk * A[a0 + k]; s1 += wk * A[a1 + k]; s2 += wk * A[a2 + k]; s3 += wk * A[a3 + k];
      }
      const bias = hasBias ? beta * P[b + o] : 0;
      H[h0 + o] = alpha * s0 + bias;
      H[h0 + nOut + o] = alpha * s1 + bias;
      H[h0 + 2 * nOut + o] = alpha * s2 + bias;
      H[h0 + 3 * nOut + o] = alpha * s3 + bias;
    }
  }
  for (; i < n; i++) {
    const ai = i * nIn;
    for (let o = 0; o < nOut; o++) {
      const wo = w + o * nIn;
      let s = 0;
      for (let k = 0; k < nIn; k++) s += P[wo + k] * A[ai + k];
      H[i * nOut + o] = alpha * s + (hasBias ? beta * P[b + o] : 0);
    }
  }
}

/** E[i, k] = α Σ_o D[i, o] W[o, k] (E: n × nIn, overwritten). */
export function backRows(P: Float64Array, p: DenseParams, D: Float64Array, n: number, E: Float64Array): void {
  const { nIn, nOut, w, alpha } = p;
  E.fill(0, 0, n * nIn);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * nIn, r1 = r0 + nIn, r2 = r1 + nIn, r3 = r2 + nIn;
    const d0 = i * nOut;
    for (let o = 0; o < nOut; o++) {
      const g0 = alpha * D[d0 + o], g1 = alpha * D[d0 + nOut + o], g2 = alpha * D[d0 + 2 * nOut + o], g3 = alpha * D[d0 + 3 * nOut + o];
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const wo = w + o * nIn;
      for (let k = 0; k < nIn; k++) {
        const wk = P[wo + k];
        E[r0 + k] += g0 * wk; E[r1 + k] += g1 * wk; E[r2 + k] += g2 * wk; E[r3 + k] += g3 * wk;
      }
    }
  }
  for (; i < n; i++) {
    const r = i * nIn;
    for (let o = 0; o < nOut; o++) {
      const g = alpha * D[i * nOut + o];
      if (g === 0) continue;
      const wo = w + o * nIn;
      for (let k = 0; k < nIn; k++) E[r + k] += g * P[wo + k];
    }
  }
}

/** grad_W[o, k] += α Σ_i D[i, o] A[i, k]; grad_b[o] += β Σ_i D[i, o] when withBias. */
export function accumulateWeightGrad(grad: Float64Array, p: DenseParams, D: Float64Array, A: Float64Array, n: number, withBias = true): void {
  const { nIn, nOut, w, b, alpha, beta } = p;
  if (withBias && b >= 0) {
    for (let i = 0; i < n; i++) for (let o = 0; o < nOut; o++) grad[b + o] += beta * D[i * nOut + o];
  }
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a0 = i * nIn, a1 = a0 + nIn, a2 = a1 + nIn, a3 = a2 + nIn;
    const d0 = i * nOut;
    for (let o = 0; o < nOut; o++) {
      const c0 = alpha * D[d0 + o], c1 = alpha * D[d0 + nOut + o], c2 = alpha * D[d0 + 2 * nOut + o], c3 = alpha * D[d0 + 3 * nOut + o];
      if (c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
      const wo = w + o * nIn;
      for (let k = 0; k < nIn; k++) grad[wo + k] += c0 * A[a0 + k] + c1 * A[a1 + k] + c2 * A[a2 + k] + c3 * A[a3 + k];
    }
  }
  for (; i < n; i++) {
    const ai = i * nIn;
    for (let o = 0; o < nOut; o++) {
      const c = alpha * D[i * nOut + o];
      if (c === 0) continue;
      const wo = w + o * nIn;
      for (let k = 0; k < nIn; k++) grad[wo + k] += c * A[ai + k];
    }
  }
}

/**
 * grad_W[o, k] += α Σ_i (D[i, o] A[i, k] + F[i, o] B[i, k]) and grad_b[o] += β Σ_i D[i, o]:
 * both terms of the penalised objective in one pass over grad_W.
 */
export function accumulateWeightGrad2(grad: Float64Array, p: DenseParams, D: Float64Array, A: Float64Array, F: Float64Array, B: Float64Array, n: number): void {
  const { nIn, nOut, w, b, alpha, beta } = p;
  if (b >= 0) {
    for (let i = 0; i < n; i++) for (let o = 0; o < nOut; o++) grad[b + o] += beta * D[i * nOut + o];
  }
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = i * nIn, a1 = a0 + nIn;
    const d0 = i * nOut;
    for (let o = 0; o < nOut; o++) {
      const c0 = alpha * D[d0 + o], c1 = alpha * D[d0 + nOut + o];
      const e0 = alpha * F[d0 + o], e1 = alpha * F[d0 + nOut + o];
      const wo = w + o * nIn;
      for (let k = 0; k < nIn; k++) grad[wo + k] += c0 * A[a0 + k] + c1 * A[a1 + k] + e0 * B[a0 + k] + e1 * B[a1 + k];
    }
  }
  for (; i < n; i++) {
    const ai = i * nIn;
    for (let o = 0; o < nOut; o++) {
      const c = alpha * D[i * nOut + o], e = alpha * F[i * nOut + o];
      const wo = w + o * nIn;
      for (let k = 0; k < nIn; k++) grad[wo + k] += c * A[ai + k] + e * B[ai + k];
    }
  }
}
