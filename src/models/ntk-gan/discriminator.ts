// The trained discriminator of docs/ntk-gan.md B.3, on the training set S = fake ∪ real
// (fake first: N points x_i with label ȳ = −1 and weight w = 1/N; then M real
// points y_j, ȳ = +1, w = 1/M), f_0 ≡ 0.
//
// Infinite width. Gradient descent with step η on the network parameters becomes
// the kernel gradient flow ∂_t f_t(x) = −η Σ_s k(x, s) ∂L_D/∂f(s), so f_t is
// Σ_s a_s(t) k(x, s) with
//   ȧ_s = −η ∂L_D/∂f(s) = −η w_s ℓ'(f_t(s)),   f_t(S) = K a.
// Writing A = W^{1/2} K W^{1/2} = V Λ Vᵀ (W = diag(w); symmetric, same spectrum
// as K W):
//   IPM      a = η t W ȳ                                   (ℓ' = w·(−ȳ): constant)
//   LSGAN    a = W^{1/2} h(A) W^{1/2} ȳ,  h(λ) = (1 − e^{−2ηtλ})/λ  (→ 2ηt at λ = 0)
//            [ℓ' = 2w(f − ȳ): ȧ = −2ηW(Ka − ȳ); for N = M this is B.3's
//             k(x,S) K⁻¹ (I − e^{−(2ηt/N)K}) ȳ, without forming K⁻¹]
//   vanilla  ȧ = η W ȳ ∘ σ(−ȳ ∘ K a), integrated by dopri5 (rtol 1e-11), or the
//            Lambert-W eigenbasis approximation (GAN(TK)²'s inf_vanilla):
//            f_S ≈ U(ηKW) ȳ with U(s) = s + 1 − W₀(e^{s+1}) the exact solution
//            of u̇ = λσ(−u) at s = λt, i.e. a = W^{1/2} h(A) W^{1/2} ȳ with
//            h(λ) = U(ηλt)/λ (→ ηt/2). Exact when ȳ is an eigenvector of KW,
//            and to first order in t; GAN(TK)²'s own call is this with η = ½
//            (its loss is the mean over all 2N points).
// With `lr` (discrete time) the same maps are the exact counterparts of
// t/lr gradient-descent steps of size lr on the linearised network:
// LSGAN h(λ) = (1 − (1 − 2·lr·ηλ)^K)/λ, vanilla explicit Euler, IPM unchanged.
//
// Finite width. The network f = (f_a − f_b)/√2 with f_a, f_b identical copies
// at initialisation (so f_0 ≡ 0 and its NTK is that of f_a), trained by full-batch
// gradient descent on L_D with step lr for t/lr steps.

import { type Inputs, type Matrix, KernelInputError, toMatrix } from '../../ntk/index.ts';
import { type Architecture } from '../../ntk/index.ts';
import { FiniteNetwork } from '../../ntk/index.ts';
import { dopri5 } from '../../numeric/index.ts';
import { matvec } from '../../numeric/index.ts';
import { sigmoid } from '../../numeric/index.ts';
import { type GanKernel, type KernelField, zeroCounts } from '../../ntk/index.ts';
import { type LossName, INFINITE_WIDTH_LOSSES, LOSSES, lossByName, lossGradientOnS } from './losses.ts';
import { type SymmetricEigenDecomposition, applySpectral, lanczosApply, symmetricEigenQL } from '../../numeric/index.ts';
import { vanillaScalarSolution } from './lambertw.ts';
import { ArgumentError } from '../../core/index.ts';

/** The discriminator's training set: S = fake ∪ real, fake first. */
export interface TrainingSet {
  readonly S: Matrix;
  readonly nFake: number;
  readonly nReal: number;
  /** labels ȳ: −1 on fake, +1 on real */
  readonly ybar: Float64Array;
  /** weights w: 1/N on fake, 1/M on real */
  readonly w: Float64Array;
}

export function trainingSet(fake: Inputs, real: Inputs): TrainingSet {
  const F = toMatrix(fake, 'fake'), R = toMatrix(real, 'real');
  if (F.cols !== R.cols) throw new KernelInputError(`fake points have d = ${F.cols} but real points have d = ${R.cols}`);
  if (F.rows < 1 || R.rows < 1) throw new KernelInputError('the training set needs at least one fake and one real point');
  const n = F.rows + R.rows;
  const data = new Float64Array(n * F.cols);
  data.set(F.data, 0);
  data.set(R.data, F.data.length);
  const ybar = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const fakeSide = i < F.rows;
    ybar[i] = fakeSide ? -1 : 1;
    w[i] = fakeSide ? 1 / F.rows : 1 / R.rows;
  }
  return { S: { data, rows: n, cols: F.cols }, nFake: F.rows, nReal: R.rows, ybar, w };
}

/** A trained discriminator: values and input gradients anywhere. */
export interface Discriminator {
  readonly loss: LossName;
  /** f_t(x_i) */
  value(X: Inputs): Float64Array;
  /** f_t(x_i) and ∇f_t(x_i) (with the non-smooth pairs met, for kernel discriminators) */
  field(X: Inputs): KernelField;
}

export type SpectralMethod = 'auto' | 'eigen' | 'lanczos';

export interface InfiniteDiscriminatorOptions {
  readonly loss: LossName;
  /** training time t ≥ 0 */
  readonly t: number;
  /** kernel-flow rate η (default 1; only ηt matters in continuous time) */
  readonly eta?: number;
  /** discrete time: gradient-descent steps of size lr (t/lr must be an integer) */
  readonly lr?: number;
  /** LSGAN / Lambert-W: how h(A) is applied (auto: eigen for |S| ≤ 128, else Lanczos, which agrees to ~1e-13 and is ~10× faster at |S| = 400) */
  readonly spectral?: SpectralMethod;
  /** vanilla: 'ode' (default, dopri5) or 'lambertw' (the eigenbasis approximation) */
  readonly vanilla?: 'ode' | 'lambertw';
  /** the kernel's Gram matrix on S, if already computed */
  readonly gram?: Matrix;
}

export interface KernelDiscriminator extends Discriminator {
  readonly kernel: GanKernel;
  readonly train: TrainingSet;
  /** f_t(x) = Σ_s coef_s k(x, s) */
  readonly coef: Float64Array;
  /** how the coefficients were obtained */
  readonly method: string;
  /** f_t on S (= K coef) when the method formed K */
  readonly onS?: Float64Array;
}

function checkTime(t: number, lr: number | undefined): number | undefined {
  if (!(t >= 0) || !Number.isFinite(t)) throw new KernelInputError(`t must be a finite number ≥ 0, got ${t}`);
  if (lr === undefined) return undefined;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new KernelInputError(`lr must be a positive number, got ${lr}`);
  const steps = Math.round(t / lr);
  if (Math.abs(steps * lr - t) > 1e-9 * Math.max(t, lr)) throw new KernelInputError(`t / lr must be an integer number of steps, got t = ${t}, lr = ${lr}`);
  return steps;
}

/** The coefficient vector W^{1/2} h(A) W^{1/2} ȳ, A = W^{1/2} K W^{1/2}. */
function spectralCoefficients(K: Matrix, train: TrainingSet, h: (lambda: number) => number, method: SpectralMethod): { coef: Float64Array; how: string } {
  const n = K.rows;
  const sw = Float64Array.from(train.w, Math.sqrt);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = sw[i] * K.data[i * n + j] * sw[j];
  const v = Float64Array.from(train.ybar, (y, i) => y * sw[i]);
  const use = method === 'auto' ? (n <= 128 ? 'eigen' : 'lanczos') : method;
  let y: Float64Array, how: string;
  if (use === 'eigen') {
    const eig: SymmetricEigenDecomposition = symmetricEigenQL(A, n);
    y = applySpectral(eig, h, v);
    how = `eigendecomposition of W^1/2 K W^1/2 (n = ${n})`;
  } else if (use === 'lanczos') {
    const r = lanczosApply(A, n, h, v);
    y = r.y;
    how = `Lanczos, ${r.steps} steps${r.invariant ? ' (invariant subspace)' : `, last relative change ${r.change.toExponential(1)}`}`;
  } else {
    throw new KernelInputError(`unknown spectral method "${String(method)}" (known: auto, eigen, lanczos)`);
  }
  for (let i = 0; i < n; i++) y[i] *= sw[i];
  return { coef: y, how };
}

/** The infinite-width discriminator trained for time t (see the module comment). */
export function infiniteDiscriminator(kernel: GanKernel, train: TrainingSet, opts: InfiniteDiscriminatorOptions): KernelDiscriminator {
  const loss = lossByName(opts.loss).name;
  if (!(INFINITE_WIDTH_LOSSES as readonly string[]).includes(loss)) {
    throw new KernelInputError(`loss ${loss} has no infinite-width discriminator here (known: ${INFINITE_WIDTH_LOSSES.join(', ')}; hinge is finite width only)`);
  }
  const eta = opts.eta ?? 1;
  if (!(eta > 0) || !Number.isFinite(eta)) throw new KernelInputError(`eta must be a positive number, got ${eta}`);
  const steps = checkTime(opts.t, opts.lr);
  const t = opts.t;
  const { S, ybar, w } = train;
  const n = S.rows;
  if (S.cols !== kernel.d) throw new KernelInputError(`the training set has d = ${S.cols} but the kernel takes d = ${kernel.d}`);
  const gram = () => {
    const K = opts.gram ?? kernel.matrix(S);
    if (K.rows !== n || K.cols !== n) throw new KernelInputError(`gram must be ${n}×${n}, got ${K.rows}×${K.cols}`);
    return K;
  };
  let coef: Float64Array, method: string, onS: Float64Array | undefined;
  if (loss === 'ipm') {
    coef = Float64Array.from(w, (wi, i) => eta * t * wi * ybar[i]);
    method = 'closed form (MMD witness)';
  } else if (loss === 'lsgan') {
    const K = gram();
    let h: (l: number) => number;
    if (steps === undefined) {
      const tau = 2 * eta * t;
      h = (l) => (Math.abs(tau * l) < 1e-300 ? tau : -Math.expm1(-tau * l) / l);
    } else {
      const step = 2 * eta * (opts.lr as number);
      h = (l) => {
        const a = step * l;
        if (Math.abs(a) < 1e-300) return step * steps;
        // 1 − (1 − a)^K, accurately for small a
        const decay = a < 1 ? Math.expm1(steps * Math.log1p(-a)) : Math.pow(1 - a, steps) - 1;
        return -decay / l;
      };
    }
    const r = spectralCoefficients(K, train, h, opts.spectral ?? 'auto');
    coef = r.coef;
    method = `${steps === undefined ? 'closed form' : `${steps} discrete steps, closed form`}: ${r.how}`;
    onS = matvec(K.data, coef, n, n, new Float64Array(n));
  } else {
    const K = gram();
    const how = opts.vanilla ?? 'ode';
    if (how === 'lambertw') {
      if (steps !== undefined) throw new KernelInputError('the Lambert-W approximation is continuous-time: drop lr');
      const h = (l: number) => (Math.abs(eta * l * t) < 1e-300 ? (eta * t) / 2 : vanillaScalarSolution(eta * l * t) / l);
      const r = spectralCoefficients(K, train, h, opts.spectral ?? 'auto');
      coef = r.coef;
      method = `Lambert-W eigenbasis approximation: ${r.how}`;
    } else if (how === 'ode') {
      const f = new Float64Array(n);
      const rhs = (_t: number, a: Float64Array, out: Float64Array) => {
        matvec(K.data, a, n, n, f);
        for (let i = 0; i < n; i++) out[i] = eta * w[i] * ybar[i] * sigmoid(-ybar[i] * f[i]);
      };
      if (steps === undefined) {
        const sol = dopri5(rhs, new Float64Array(n), { t0: 0, t1: t, rtol: 1e-11, atol: 1e-14, record: 'final' });
        coef = Float64Array.from(sol.final);
        method = `kernel ODE on S, dopri5 (${sol.stats.steps} steps, rtol 1e-11)`;
      } else {
        const a = new Float64Array(n), da = new Float64Array(n);
        const lr = opts.lr as number;
        for (let s = 0; s < steps; s++) {
          rhs(0, a, da);
          for (let i = 0; i < n; i++) a[i] += lr * da[i];
        }
        coef = a;
        method = `${steps} discrete steps (explicit Euler of the kernel ODE)`;
      }
    } else {
      throw new KernelInputError(`unknown vanilla method "${String(how)}" (known: ode, lambertw)`);
    }
    onS = matvec(K.data, coef, n, n, new Float64Array(n));
  }
  return {
    loss, kernel, train, coef, method, ...(onS ? { onS } : {}),
    value: (X) => kernel.field(X, S, coef).value,
    field: (X) => kernel.field(X, S, coef),
  };
}

// ---------------------------------------------------------------- finite width

export interface FiniteDiscriminatorOptions {
  readonly loss: LossName;
  readonly arch: Architecture;
  readonly width: number;
  /** seed of the initialisation (both copies share it) */
  readonly seed: number;
  /** training time; lr·steps = t */
  readonly t: number;
  /** gradient-descent step η_D */
  readonly lr: number;
}

export interface FiniteDiscriminator extends Discriminator {
  readonly a: FiniteNetwork;
  readonly b: FiniteNetwork;
  readonly steps: number;
  /** f on S after training */
  readonly onS: Float64Array;
}

/** The antisymmetric finite-width discriminator trained by gradient descent (see the module comment). */
export function finiteDiscriminator(train: TrainingSet, opts: FiniteDiscriminatorOptions): FiniteDiscriminator {
  const loss = lossByName(opts.loss);
  const steps = checkTime(opts.t, opts.lr) as number;
  if (steps === undefined) throw new KernelInputError('lr is required');
  const { S } = train;
  const a = new FiniteNetwork(opts.arch, { d: S.cols, width: opts.width, seed: opts.seed });
  const b = a.withParams();
  const r = new Float64Array(S.rows), ra = new Float64Array(S.rows), rb = new Float64Array(S.rows);
  const ga = new Float64Array(a.size), gb = new Float64Array(b.size);
  const f = new Float64Array(S.rows);
  const inv = Math.SQRT1_2;
  const lr = opts.lr;
  for (let s = 0; s <= steps; s++) {
    const ca = a.forwardCache(S), cb = b.forwardCache(S);
    for (let i = 0; i < S.rows; i++) {
      f[i] = (ca.out[i] - cb.out[i]) * inv;
      if (!Number.isFinite(f[i])) throw new ArgumentError(`finite discriminator diverged at step ${s} (lr ${lr}, width ${opts.width}): f(s_${i}) = ${f[i]}`);
    }
    if (s === steps) break;
    lossGradientOnS(loss, f, train.nFake, train.nReal, r);
    for (let i = 0; i < S.rows; i++) { ra[i] = r[i] * inv; rb[i] = -r[i] * inv; }
    a.paramGradient(ca, a.backward(ca, ra), ga);
    b.paramGradient(cb, b.backward(cb, rb), gb);
    const pa = a.params, pb = b.params;
    for (let p = 0; p < pa.length; p++) { pa[p] -= lr * ga[p]; pb[p] -= lr * gb[p]; }
  }
  const value = (X: Inputs) => {
    const fa = a.forward(X), fb = b.forward(X);
    return Float64Array.from(fa, (v, i) => (v - fb[i]) * inv);
  };
  return {
    loss: loss.name, a, b, steps, onS: Float64Array.from(f),
    value,
    field(X) {
      const ga2 = a.gradInput(X), gb2 = b.gradInput(X);
      const grad = Float64Array.from(ga2.data, (v, i) => (v - gb2.data[i]) * inv);
      return { value: value(X), grad: { data: grad, rows: ga2.rows, cols: ga2.cols }, nonSmooth: zeroCounts() };
    },
  };
}

export { LOSSES };
