// Batch kernels of a dense layer (row-major rows of inputs), shared by the finite networks
// (finite.ts) and the MLP critic (critic.ts). They are blocked so that each loaded weight or
// input serves several rows or outputs, yet every entry is the same sum as the plain
// row-block loops (test/ntk/dense-rows-reference.ts): the same terms, the same grouping, the
// same order, so the numbers are the same to the last bit (tested in
// test/ntk/critic-kernels.test.ts). A block that runs past the last output or input column
// repeats the last one (the same sum again, stored twice).

import type { DenseParams } from './finite.ts';

/** H[i, o] = α Σ_k W[o, k] A[i, k] (+ β b[o] when withBias): as affineRows, outputs in pairs. */
export function affineBlocked(P: Float64Array, p: DenseParams, A: Float64Array, n: number, H: Float64Array, withBias: boolean): void {
  const { nIn, nOut, w, b, alpha, beta } = p;
  const hasBias = withBias && b >= 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a0 = i * nIn, a1 = a0 + nIn, a2 = a1 + nIn, a3 = a2 + nIn;
    const h0 = i * nOut, h1 = h0 + nOut, h2 = h1 + nOut, h3 = h2 + nOut;
    for (let o = 0; o < nOut; o += 2) {
      const ob = o + 1 < nOut ? o + 1 : o;
      const wa = w + o * nIn, wb = w + ob * nIn;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let k = 0; k < nIn; k++) {
        const va = P[wa + k], vb = P[wb + k];
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        s0 += va * x0; s1 += va * x1; s2 += va * x2; s3 += va * x3;
        t0 += vb * x0; t1 += vb * x1; t2 += vb * x2; t3 += vb * x3;
      }
      const ba = hasBias ? beta * P[b + o] : 0, bb = hasBias ? beta * P[b + ob] : 0;
      H[h0 + o] = alpha * s0 + ba; H[h1 + o] = alpha * s1 + ba; H[h2 + o] = alpha * s2 + ba; H[h3 + o] = alpha * s3 + ba;
      H[h0 + ob] = alpha * t0 + bb; H[h1 + ob] = alpha * t1 + bb; H[h2 + ob] = alpha * t2 + bb; H[h3 + ob] = alpha * t3 + bb;
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

/** Scratch of the blocked kernels (grown as needed). */
export interface KernelScratch {
  /** Wᵀ of one layer (n_in × n_out) */
  wt: Float64Array;
  /** indices of the outputs a row block uses */
  idx: Int32Array;
  /** the block's coefficients α D[i, o], four (or one) per used output */
  coef: Float64Array;
}

function kernelScratch(s: KernelScratch, weights: number, outputs: number): KernelScratch {
  if (s.wt.length < weights) s.wt = new Float64Array(weights);
  if (s.idx.length < outputs) { s.idx = new Int32Array(outputs); s.coef = new Float64Array(4 * outputs); }
  return s;
}

/**
 * E[i, k] = α Σ_o D[i, o] W[o, k] (E: n × nIn, overwritten): as backRows (the same
 * outputs left out: those whose coefficients are all zero in the row block), but each
 * sum kept in a register and read along a row of Wᵀ, two inputs at a time.
 */
export function backBlocked(P: Float64Array, p: DenseParams, D: Float64Array, n: number, E: Float64Array, scratch: KernelScratch): void {
  const { nIn, nOut, w, alpha } = p;
  const s = kernelScratch(scratch, nIn * nOut, nOut);
  const wt = s.wt, idx = s.idx, coef = s.coef;
  for (let o = 0; o < nOut; o++) for (let k = 0, wo = w + o * nIn; k < nIn; k++) wt[k * nOut + o] = P[wo + k];
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const d0 = i * nOut;
    let m = 0;
    for (let o = 0; o < nOut; o++) {
      const g0 = alpha * D[d0 + o], g1 = alpha * D[d0 + nOut + o], g2 = alpha * D[d0 + 2 * nOut + o], g3 = alpha * D[d0 + 3 * nOut + o];
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      idx[m] = o; coef[4 * m] = g0; coef[4 * m + 1] = g1; coef[4 * m + 2] = g2; coef[4 * m + 3] = g3; m++;
    }
    const r0 = i * nIn, r1 = r0 + nIn, r2 = r1 + nIn, r3 = r2 + nIn;
    for (let k = 0; k < nIn; k += 2) {
      const kb = k + 1 < nIn ? k + 1 : k;
      const ta = k * nOut, tb = kb * nOut;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      if (m === nOut) { // every output used (idx[j] = j): read Wᵀ directly
        for (let j = 0; j < m; j++) {
          const va = wt[ta + j], vb = wt[tb + j];
          const g0 = coef[4 * j], g1 = coef[4 * j + 1], g2 = coef[4 * j + 2], g3 = coef[4 * j + 3];
          s0 += g0 * va; s1 += g1 * va; s2 += g2 * va; s3 += g3 * va;
          t0 += g0 * vb; t1 += g1 * vb; t2 += g2 * vb; t3 += g3 * vb;
        }
      } else {
        for (let j = 0; j < m; j++) {
          const o = idx[j], va = wt[ta + o], vb = wt[tb + o];
          const g0 = coef[4 * j], g1 = coef[4 * j + 1], g2 = coef[4 * j + 2], g3 = coef[4 * j + 3];
          s0 += g0 * va; s1 += g1 * va; s2 += g2 * va; s3 += g3 * va;
          t0 += g0 * vb; t1 += g1 * vb; t2 += g2 * vb; t3 += g3 * vb;
        }
      }
      E[r0 + k] = s0; E[r1 + k] = s1; E[r2 + k] = s2; E[r3 + k] = s3;
      E[r0 + kb] = t0; E[r1 + kb] = t1; E[r2 + kb] = t2; E[r3 + kb] = t3;
    }
  }
  for (; i < n; i++) {
    const di = i * nOut, r = i * nIn;
    let m = 0;
    for (let o = 0; o < nOut; o++) {
      const g = alpha * D[di + o];
      if (g === 0) continue;
      idx[m] = o; coef[m] = g; m++;
    }
    for (let k = 0; k < nIn; k++) {
      const t = k * nOut;
      let sum = 0;
      for (let j = 0; j < m; j++) sum += coef[j] * wt[t + idx[j]];
      E[r + k] = sum;
    }
  }
}

/** grad_b[o] += β Σ_i D[i, o], rows in order (the layer's biases start at grad[b]). */
function accumulateBiasGrad(grad: Float64Array, b: number, beta: number, D: Float64Array, n: number, nOut: number): void {
  for (let i = 0; i < n; i++) for (let o = 0; o < nOut; o++) grad[b + o] += beta * D[i * nOut + o];
}

/** ct[o·n + i] = α D[i, o]: a layer's coefficients, one output's rows contiguous. */
function scaledTranspose(D: Float64Array, n: number, nOut: number, alpha: number, ct: Float64Array): void {
  for (let i = 0; i < n; i++) for (let o = 0, r = i * nOut; o < nOut; o++) ct[o * n + i] = alpha * D[r + o];
}

/**
 * grad_W[o, k] += α Σ_i D[i, o] A[i, k]; grad_b[o] += β Σ_i D[i, o]: as
 * accumulateWeightGrad (rows in fours, a four left out when its coefficients are all
 * zero), with grad_W[o, k] in a register for two outputs × four inputs.
 */
export function weightGradBlocked(grad: Float64Array, p: DenseParams, D: Float64Array, A: Float64Array, n: number, ct: Float64Array): void {
  const { nIn, nOut, w, b, alpha, beta } = p;
  if (b >= 0) accumulateBiasGrad(grad, b, beta, D, n, nOut);
  scaledTranspose(D, n, nOut, alpha, ct);
  const n4 = n - (n % 4);
  for (let oa = 0; oa < nOut; oa += 2) {
    const ob = oa + 1 < nOut ? oa + 1 : oa;
    const ca = oa * n, cb = ob * n, wa = w + oa * nIn, wb = w + ob * nIn;
    for (let k0 = 0; k0 < nIn; k0 += 4) {
      const k1 = k0 + 1 < nIn ? k0 + 1 : k0, k2 = k0 + 2 < nIn ? k0 + 2 : k1, k3 = k0 + 3 < nIn ? k0 + 3 : k2;
      let ga0 = grad[wa + k0], ga1 = grad[wa + k1], ga2 = grad[wa + k2], ga3 = grad[wa + k3];
      let gb0 = grad[wb + k0], gb1 = grad[wb + k1], gb2 = grad[wb + k2], gb3 = grad[wb + k3];
      for (let i = 0; i < n4; i += 4) {
        const a0 = ct[ca + i], a1 = ct[ca + i + 1], a2 = ct[ca + i + 2], a3 = ct[ca + i + 3];
        const b0 = ct[cb + i], b1 = ct[cb + i + 1], b2 = ct[cb + i + 2], b3 = ct[cb + i + 3];
        const onA = !(a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0), onB = !(b0 === 0 && b1 === 0 && b2 === 0 && b3 === 0);
        if (!onA && !onB) continue;
        const r0 = i * nIn, r1 = r0 + nIn, r2 = r1 + nIn, r3 = r2 + nIn;
        let x0 = A[r0 + k0], x1 = A[r1 + k0], x2 = A[r2 + k0], x3 = A[r3 + k0];
        if (onA) ga0 += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        if (onB) gb0 += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
        x0 = A[r0 + k1]; x1 = A[r1 + k1]; x2 = A[r2 + k1]; x3 = A[r3 + k1];
        if (onA) ga1 += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        if (onB) gb1 += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
        x0 = A[r0 + k2]; x1 = A[r1 + k2]; x2 = A[r2 + k2]; x3 = A[r3 + k2];
        if (onA) ga2 += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        if (onB) gb2 += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
        x0 = A[r0 + k3]; x1 = A[r1 + k3]; x2 = A[r2 + k3]; x3 = A[r3 + k3];
        if (onA) ga3 += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        if (onB) gb3 += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
      }
      for (let i = n4; i < n; i++) {
        const a = ct[ca + i], bc = ct[cb + i], r = i * nIn;
        if (a !== 0) { ga0 += a * A[r + k0]; ga1 += a * A[r + k1]; ga2 += a * A[r + k2]; ga3 += a * A[r + k3]; }
        if (bc !== 0) { gb0 += bc * A[r + k0]; gb1 += bc * A[r + k1]; gb2 += bc * A[r + k2]; gb3 += bc * A[r + k3]; }
      }
      grad[wa + k0] = ga0; grad[wa + k1] = ga1; grad[wa + k2] = ga2; grad[wa + k3] = ga3;
      grad[wb + k0] = gb0; grad[wb + k1] = gb1; grad[wb + k2] = gb2; grad[wb + k3] = gb3;
    }
  }
}

/**
 * grad_W[o, k] += α Σ_i (D[i, o] A[i, k] + F[i, o] B[i, k]) and grad_b[o] += β Σ_i D[i, o]:
 * as accumulateWeightGrad2 (rows in pairs), with grad_W[o, k] in a register for two
 * outputs × two inputs.
 */
export function weightGrad2Blocked(grad: Float64Array, p: DenseParams, D: Float64Array, A: Float64Array, F: Float64Array, B: Float64Array, n: number, ct: Float64Array, ft: Float64Array): void {
  const { nIn, nOut, w, b, alpha, beta } = p;
  if (b >= 0) accumulateBiasGrad(grad, b, beta, D, n, nOut);
  scaledTranspose(D, n, nOut, alpha, ct);
  scaledTranspose(F, n, nOut, alpha, ft);
  const n2 = n - (n % 2);
  for (let oa = 0; oa < nOut; oa += 2) {
    const ob = oa + 1 < nOut ? oa + 1 : oa;
    const ca = oa * n, cb = ob * n, wa = w + oa * nIn, wb = w + ob * nIn;
    for (let k0 = 0; k0 < nIn; k0 += 2) {
      const k1 = k0 + 1 < nIn ? k0 + 1 : k0;
      let ga0 = grad[wa + k0], ga1 = grad[wa + k1], gb0 = grad[wb + k0], gb1 = grad[wb + k1];
      for (let i = 0; i < n2; i += 2) {
        const ca0 = ct[ca + i], ca1 = ct[ca + i + 1], ea0 = ft[ca + i], ea1 = ft[ca + i + 1];
        const cb0 = ct[cb + i], cb1 = ct[cb + i + 1], eb0 = ft[cb + i], eb1 = ft[cb + i + 1];
        const r0 = i * nIn, r1 = r0 + nIn;
        let x0 = A[r0 + k0], x1 = A[r1 + k0], y0 = B[r0 + k0], y1 = B[r1 + k0];
        ga0 += ca0 * x0 + ca1 * x1 + ea0 * y0 + ea1 * y1;
        gb0 += cb0 * x0 + cb1 * x1 + eb0 * y0 + eb1 * y1;
        x0 = A[r0 + k1]; x1 = A[r1 + k1]; y0 = B[r0 + k1]; y1 = B[r1 + k1];
        ga1 += ca0 * x0 + ca1 * x1 + ea0 * y0 + ea1 * y1;
        gb1 += cb0 * x0 + cb1 * x1 + eb0 * y0 + eb1 * y1;
      }
      if (n2 < n) {
        const r = n2 * nIn, c = ct[ca + n2], e = ft[ca + n2], cB = ct[cb + n2], eB = ft[cb + n2];
        ga0 += c * A[r + k0] + e * B[r + k0]; ga1 += c * A[r + k1] + e * B[r + k1];
        gb0 += cB * A[r + k0] + eB * B[r + k0]; gb1 += cB * A[r + k1] + eB * B[r + k1];
      }
      grad[wa + k0] = ga0; grad[wa + k1] = ga1; grad[wb + k0] = gb0; grad[wb + k1] = gb1;
    }
  }
}
