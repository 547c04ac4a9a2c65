// Distances between the particles α̂ = (1/N) Σ δ_{x_i} and the target β̂ = (1/M) Σ δ_{y_j}.
//
// MMD²_k(α̂, β̂) = E_{α⊗α} k + E_{β⊗β} k − 2 E_{α⊗β} k:
//  - biased (V-statistic): all pairs, diagonals included. This is exactly the
//    functional the IPM particle flow descends (see flow.ts).
//  - unbiased (U-statistic): the α⊗α and β⊗β means over i ≠ j; E of it is the
//    population MMD² (it can be slightly negative).
// Energy distance (Székely): 2 E|X − Y| − E|X − X'| − E|Y − Y'|, the MMD² of the
// kernel −|x − y| (conditionally positive definite), V- or U-statistic likewise.

import { type Inputs, type Matrix, KernelInputError, toMatrix } from '../../ntk/index.ts';

/** Something that gives k(X_i, Y_j). */
export interface MatrixKernel {
  matrix(X: Inputs, Y?: Inputs | null): Matrix;
}

export type Estimator = 'biased' | 'unbiased';

function meanOf(K: Matrix, dropDiagonal: boolean): number {
  let s = 0;
  const n = K.rows, m = K.cols;
  for (let t = 0; t < K.data.length; t++) s += K.data[t];
  if (!dropDiagonal) return s / (n * m);
  if (n !== m || n < 2) throw new KernelInputError('the unbiased estimator needs at least 2 points on each side');
  for (let i = 0; i < n; i++) s -= K.data[i * m + i];
  return s / (n * (n - 1));
}

/** The three kernel means of MMD², with the β⊗β one cacheable (targets fixed). */
export interface MmdParts { xx: number; yy: number; xy: number }

export function mmdParts(kernel: MatrixKernel, X: Inputs, Y: Inputs, estimator: Estimator = 'biased', yy?: number): MmdParts {
  const u = estimator === 'unbiased';
  if (estimator !== 'biased' && estimator !== 'unbiased') throw new KernelInputError(`estimator must be biased or unbiased, got ${String(estimator)}`);
  return {
    xx: meanOf(kernel.matrix(X), u),
    yy: yy ?? meanOf(kernel.matrix(Y), u),
    xy: meanOf(kernel.matrix(X, Y), false),
  };
}

/** MMD²_k between the empirical measures of the rows of X and Y. */
export function mmd2(kernel: MatrixKernel, X: Inputs, Y: Inputs, estimator: Estimator = 'biased'): number {
  const p = mmdParts(kernel, X, Y, estimator);
  return p.xx + p.yy - 2 * p.xy;
}

/** A kernel of the squared distance, k(x, y) = g(|x − y|²), as a matrix function. */
function distanceKernelMatrix(g: (sqdist: number) => number): MatrixKernel['matrix'] {
  return (X, Y) => {
    const A = toMatrix(X, 'x1');
    const B = Y === undefined || Y === null ? A : toMatrix(Y, 'x2');
    if (A.cols !== B.cols) throw new KernelInputError(`x1 has d = ${A.cols} but x2 has d = ${B.cols}`);
    const d = A.cols, out = new Float64Array(A.rows * B.rows);
    for (let i = 0; i < A.rows; i++) {
      for (let j = 0; j < B.rows; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) { const e = A.data[i * d + k] - B.data[j * d + k]; s += e * e; }
        out[i * B.rows + j] = g(s);
      }
    }
    return { data: out, rows: A.rows, cols: B.rows };
  };
}

/** k(x, y) = exp(−|x − y|²/(2σ²)). */
export function gaussianKernel(sigma = 1): MatrixKernel & { readonly label: string } {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new KernelInputError(`sigma must be a positive number, got ${sigma}`);
  const c = -1 / (2 * sigma * sigma);
  if (!(c < 0 && Number.isFinite(c))) throw new KernelInputError(`sigma = ${sigma}: 1/(2 sigma^2) over- or underflows`);
  return { label: `gaussian(sigma=${sigma})`, matrix: distanceKernelMatrix((s) => Math.exp(c * s)) };
}

/** The distance kernel −|x − y| (energy distance = MMD² of it). */
export const distanceKernel: MatrixKernel = { matrix: distanceKernelMatrix((s) => -Math.sqrt(s)) };

/** Energy distance 2E|X−Y| − E|X−X'| − E|Y−Y'| (V- or U-statistic). */
export function energyDistance(X: Inputs, Y: Inputs, estimator: Estimator = 'biased'): number {
  return mmd2(distanceKernel, X, Y, estimator);
}
