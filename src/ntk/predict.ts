// Infinite-width gradient-descent MSE predictions, neural-tangents'
// predict.gradient_descent_mse_ensemble. Loss L = 1/(2n) Σ (f − y)², n = number of
// training targets, step η. With K the NTK (get 'ntk') or NNGP (get 'nngp') on the
// training set, eigenpairs (λ_i, v_i) (λ clamped at 0) and
//   g_t(λ) = (1 − e^{−ηλt/n}) / λ          (→ ηt/n as λ → 0),
// the mean and covariance over initialisations of the outputs on test points are
//   mean(t)      = K_td V g_t(Λ) Vᵀ y                         mean(∞) = K_td K⁻¹ y
//   cov_nngp(t)  = K_tt − K_td V g_{2t}(Λ) Vᵀ K_dt           (K, K_td the NNGP)
//   cov_ntk(t)   = T₁ᵀ 𝒦 T₁ − (T₂ + T₂ᵀ) + 𝒦_tt,   T₁ = V g_t(Λ) Vᵀ Θ_dt,   T₂ = Θ_td V g_t(Λ) Vᵀ 𝒦_dt
// (Θ the NTK, 𝒦 the NNGP); t = ∞ uses Cholesky solves in place of V g Vᵀ.
// `steps` instead of t gives discrete gradient descent: 1 − e^{−ηλt/n} becomes
// 1 − (1 − ηλ/n)^steps (exact for the linearised network).

import { cholesky as choleskyFactor, NotPositiveSemidefiniteError, matmul, symmetricEigen, transpose } from '../numeric/index.ts';
import type { Architecture } from './architecture.ts';
import { type Inputs, type Matrix, KernelInputError, kernels, toMatrix } from './kernels.ts';
import { ArgumentError } from '../core/index.ts';

/** Kernel matrices for a prediction (row-major Matrix values). */
export interface PredictionKernels {
  /** n×n train–train kernel of the regime (NTK for 'ntk', NNGP for 'nngp') */
  readonly trainTrain: Matrix;
  /** m×n test–train kernel of the regime */
  readonly testTrain: Matrix;
  /** for covariances: the n×n NNGP train–train, m×n NNGP test–train and m×m NNGP test–test */
  readonly nngpTrainTrain?: Matrix;
  readonly nngpTestTrain?: Matrix;
  readonly nngpTestTest?: Matrix;
}

export interface PredictOptions {
  /** 'ntk' (gradient descent on all layers) or 'nngp' (only the readout trained) */
  readonly get: 'ntk' | 'nngp';
  /** time (∞ allowed); or give `steps` */
  readonly t?: number;
  /** discrete gradient-descent steps (instead of t) */
  readonly steps?: number;
  /** step size η (default 1) */
  readonly learningRate?: number;
  /** also return the covariance (needs the NNGP matrices) */
  readonly computeCov?: boolean;
}

export interface Prediction {
  /** m test means */
  readonly mean: Float64Array;
  /** m×m covariance (computeCov) */
  readonly cov?: Matrix;
}

function checkSquare(m: Matrix, n: number, what: string): void {
  if (m.rows !== n || m.cols !== n) throw new KernelInputError(`${what} must be ${n}×${n}, got ${m.rows}×${m.cols}`);
}

/** Lower Cholesky factor of a symmetric positive definite n×n matrix; a clear error otherwise. */
function cholesky(A: Float64Array, n: number, what: string): Float64Array {
  try {
    return choleskyFactor(A, n);
  } catch (err) {
    if (err instanceof NotPositiveSemidefiniteError) {
      throw new ArgumentError(`${what} is not positive definite (pivot ${err.pivot} at ${err.index}); use a finite t or a regularised kernel`);
    }
    throw err;
  }
}

/** Solves (L Lᵀ) X = B for B with `cols` columns (n×cols, row-major). */
function choSolve(L: Float64Array, n: number, B: Float64Array, cols: number): Float64Array {
  const X = Float64Array.from(B);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < n; i++) {
      let s = X[i * cols + c];
      for (let k = 0; k < i; k++) s -= L[i * n + k] * X[k * cols + c];
      X[i * cols + c] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * cols + c];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * X[k * cols + c];
      X[i * cols + c] = s / L[i * n + i];
    }
  }
  return X;
}

/** The operator B ↦ f(K) B for f(λ) = g(λ) on the clamped eigenvalues, or K⁻¹ B at t = ∞. */
type Apply = (B: Float64Array, cols: number) => Float64Array;

function spectralApply(K: Matrix, n: number, g: (lambda: number) => number): Apply {
  const { values, vectors } = symmetricEigen(K.data, n);
  const gl = Float64Array.from(values, (v) => g(Math.max(v, 0)));
  const Vt = transpose(vectors, n, n);
  return (B, cols) => {
    // V diag(g) Vᵀ B
    const VtB = matmul(Vt, B, n, n, cols);
    for (let a = 0; a < n; a++) for (let c = 0; c < cols; c++) VtB[a * cols + c] *= gl[a];
    return matmul(vectors, VtB, n, n, cols);
  };
}

/**
 * g(λ) = (1 − e^{−ηλt/n})/λ (continuous time) or (1 − (1 − ηλ/n)^steps)/λ (discrete),
 * with their λ → 0 limits ηt/n and η·steps/n.
 */
function flowFunction(eta: number, n: number, t: number | undefined, steps: number | undefined, timeFactor: number): (lambda: number) => number {
  if (steps !== undefined) {
    const k = steps * timeFactor;
    return (lambda) => {
      const a = eta * lambda / n;
      if (a * k < 1e-12) return eta * k / n;
      // 1 − (1 − a)^k, accurately for small a; for a ≥ 1 the sign of (1 − a)^k matters (GD oscillates or diverges)
      const decay = a < 1 ? Math.expm1(k * Math.log1p(-a)) : Math.pow(1 - a, k) - 1;
      return -decay / lambda;
    };
  }
  const tt = (t as number) * timeFactor;
  return (lambda) => {
    const a = eta * lambda * tt / n;
    if (a < 1e-12) return eta * tt / n;
    return -Math.expm1(-a) / lambda;
  };
}

/**
 * Mean (and covariance) of the infinite ensemble of infinite-width networks
 * trained by gradient descent on MSE, from kernel matrices (see the module comment).
 */
export function predictFromKernels(k: PredictionKernels, yTrain: ArrayLike<number>, opts: PredictOptions): Prediction {
  const n = k.trainTrain.rows;
  checkSquare(k.trainTrain, n, 'trainTrain');
  if (yTrain.length !== n) throw new KernelInputError(`yTrain has ${yTrain.length} values for ${n} training points`);
  const m = k.testTrain.rows;
  if (k.testTrain.cols !== n) throw new KernelInputError(`testTrain must be m×${n}, got ${k.testTrain.rows}×${k.testTrain.cols}`);
  const eta = opts.learningRate ?? 1;
  if (!(eta > 0)) throw new KernelInputError(`learningRate must be > 0, got ${eta}`);
  if ((opts.t === undefined) === (opts.steps === undefined)) throw new KernelInputError('give exactly one of t and steps');
  if (opts.t !== undefined && !(opts.t >= 0)) throw new KernelInputError(`t must be ≥ 0 (or Infinity), got ${opts.t}`);
  if (opts.steps !== undefined && (!Number.isSafeInteger(opts.steps) || opts.steps < 0)) throw new KernelInputError(`steps must be a non-negative integer, got ${opts.steps}`);
  const infinite = opts.t === Infinity;
  const y = Float64Array.from(yTrain);
  let apply: Apply, apply2: Apply;
  if (infinite) {
    const L = cholesky(k.trainTrain.data, n, `the ${opts.get} train–train kernel`);
    apply = (B, cols) => choSolve(L, n, B, cols);
    apply2 = apply;
  } else {
    apply = spectralApply(k.trainTrain, n, flowFunction(eta, n, opts.t, opts.steps, 1));
    apply2 = spectralApply(k.trainTrain, n, flowFunction(eta, n, opts.t, opts.steps, 2));
  }
  const Ktd = k.testTrain.data;
  const mean = matmul(Ktd, apply(y, 1), m, n, 1);
  if (!opts.computeCov) return { mean };
  const { nngpTrainTrain, nngpTestTrain, nngpTestTest } = k;
  if (!nngpTestTest || (opts.get === 'ntk' && (!nngpTrainTrain || !nngpTestTrain))) {
    throw new KernelInputError(`the ${opts.get} covariance needs nngpTestTest${opts.get === 'ntk' ? ', nngpTrainTrain and nngpTestTrain' : ''}`);
  }
  checkSquare(nngpTestTest, m, 'nngpTestTest');
  const Kdt = transpose(Ktd, m, n);
  let cov: Float64Array;
  if (opts.get === 'nngp') {
    const P = matmul(Ktd, apply2(Kdt, m), m, n, m);
    cov = Float64Array.from(nngpTestTest.data, (v, t) => v - P[t]);
  } else {
    checkSquare(nngpTrainTrain!, n, 'nngpTrainTrain');
    const T1 = apply(Kdt, m); // n×m
    const KdtN = transpose(nngpTestTrain!.data, m, n);
    const T2 = matmul(Ktd, apply(KdtN, m), m, n, m); // m×m
    const A = matmul(transpose(T1, n, m), matmul(nngpTrainTrain!.data, T1, n, n, m), m, n, m);
    cov = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) cov[i * m + j] = A[i * m + j] - (T2[i * m + j] + T2[j * m + i]) + nngpTestTest.data[i * m + j];
    }
  }
  return { mean, cov: { data: cov, rows: m, cols: m } };
}

/** Predictions of one architecture trained on (xTrain, yTrain). */
export interface MseEnsemble {
  /** the kernels on the training set */
  readonly trainTrain: { readonly nngp: Matrix; readonly ntk: Matrix };
  /** mean (and covariance) on xTest at time t (or after `steps` discrete steps) */
  predict(xTest: Inputs, opts: PredictOptions): Prediction;
}

/**
 * neural-tangents' gradient_descent_mse_ensemble: the infinite-width networks of
 * `arch` trained on (xTrain, yTrain) by gradient descent on 1/(2n) Σ (f − y)².
 */
export function gradientDescentMseEnsemble(arch: Architecture, xTrain: Inputs, yTrain: ArrayLike<number>, opts: { learningRate?: number } = {}): MseEnsemble {
  const X = toMatrix(xTrain, 'xTrain');
  if (yTrain.length !== X.rows) throw new KernelInputError(`yTrain has ${yTrain.length} values for ${X.rows} training rows`);
  const dd = kernels(arch, X);
  const trainTrain = { nngp: dd.nngp, ntk: dd.ntk! };
  return {
    trainTrain,
    predict(xTest, p) {
      const T = toMatrix(xTest, 'xTest');
      const td = kernels(arch, T, X);
      const tt = p.computeCov ? kernels(arch, T, undefined, { get: ['nngp'] }).nngp : undefined;
      const regime = p.get === 'ntk' ? td.ntk! : td.nngp;
      return predictFromKernels({
        trainTrain: p.get === 'ntk' ? trainTrain.ntk : trainTrain.nngp,
        testTrain: regime,
        nngpTrainTrain: trainTrain.nngp,
        nngpTestTrain: td.nngp,
        ...(tt ? { nngpTestTest: tt } : {}),
      }, yTrain, { learningRate: opts.learningRate, ...p });
    },
  };
}
