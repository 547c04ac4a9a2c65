// The training experiment (docs/method-of-moments.md D.5): a WGAN whose generator has
// the target's architecture, x = A σ(B z), against a polynomial critic of degree K
// (linear in its monomial features, coefficients kept bounded by clipping or a gradient
// penalty) or a small MLP critic (src/ntk/critic.ts). Logged along training: the exact
// moment discrepancies ‖m_k(G_t) − m_k(target)‖_F, k = 1..4 (symbolic moments, no
// sampling noise).

import { Rng, frobenius } from '../../numeric/index.ts';
import { IntegrationError } from '../../core/index.ts';
import {
  MlpCritic, Optimizer, criticObjective, generatorLossGradient, type CriticActivation, type OptimizerOptions,
} from '../../ntk/index.ts';
import type { TwoLayerGenerator } from './generator.ts';
import { generatorMoments } from './moments.ts';

export type CriticSpec =
  | { readonly kind: 'poly'; readonly degree: number }
  | { readonly kind: 'mlp'; readonly hidden: readonly number[]; readonly activation: CriticActivation };

export interface TrainingConfig {
  readonly target: TwoLayerGenerator;
  /** The generator at step 0 (same d, m, k, σ as the target). */
  readonly init: TwoLayerGenerator;
  readonly critic: CriticSpec;
  /** 'clip': weight clipping at ±clip; 'gp': interpolate gradient penalty λ (Gulrajani et al.). */
  readonly constraint: 'clip' | 'gp';
  readonly clip: number;
  readonly gpLambda: number;
  readonly steps: number;
  readonly batch: number;
  readonly criticSteps: number;
  readonly lrGenerator: number;
  readonly lrCritic: number;
  /** Log the discrepancies every `every` generator steps. */
  readonly every: number;
  /** Highest moment order logged (≤ 4). */
  readonly orders: number;
  readonly seed: number;
  /**
   * 'sampled': batches from both generators (the WGAN as trained in practice);
   * 'exact': the population objective from the symbolic moments (infinite batch; polynomial
   * critic with clipping only). [R] docs/method-of-moments.md D.5.
   */
  readonly gradient: 'sampled' | 'exact';
  /**
   * 'target-rms': the critic sees x/s, s the RMS of the target's coordinates (so monomials
   * of every degree are O(1)); 'none': raw x. [R] docs/method-of-moments.md D.5.
   */
  readonly criticScale: 'target-rms' | 'none';
  /** Hermite order of the logged moments for non-polynomial σ (default 24). */
  readonly hermiteOrder?: number;
  /** Optimizer of the critic (default adam; sgd = plain gradient ascent). */
  readonly criticOptimizer?: 'adam' | 'sgd';
  /**
   * How the critic is trained (exact gradients only): 'ascent' — optimizer steps with
   * clipping; 'best-response' — the exact maximiser over the per-degree Frobenius ball of
   * the tensors of f (the IPM's witness, so the generator descends the moment distance). [R]
   */
  readonly criticSolver?: 'ascent' | 'best-response';
  /** Optimizer of the generator (default adam; sgd = plain gradient descent). */
  readonly generatorOptimizer?: 'adam' | 'sgd';
}

export interface TrainingRun {
  /** Generator steps at which the discrepancies were logged. */
  readonly steps: number[];
  /** discrepancy[k-1][i] = ‖m_k(G) − m_k(target)‖_F at steps[i]. */
  readonly discrepancy: number[][];
  /** Critic gap E_target f − E_G f on the last batch of each logged step. */
  readonly gap: number[];
  /** ‖m_k(target)‖_F, k = 1..orders (index k-1). */
  readonly targetNorms: number[];
}

// ---------------------------------------------------------------- polynomial critic

/** Exponent vectors α with 1 ≤ |α| ≤ K over d variables (graded lexicographic). */
export function monomialExponents(d: number, K: number): number[][] {
  const out: number[][] = [];
  for (let deg = 1; deg <= K; deg++) {
    const cur = new Array<number>(d).fill(0);
    const rec = (j: number, left: number) => {
      if (j === d - 1) { cur[j] = left; out.push(cur.slice()); return; }
      for (let e = left; e >= 0; e--) { cur[j] = e; rec(j + 1, left - e); }
    };
    rec(0, deg);
  }
  return out;
}

/** f(x) = Σ_α c_α x^α over monomials of degree 1..K: features and their x-Jacobian. */
export class PolynomialCritic {
  readonly exps: number[][];
  readonly coeffs: Float64Array;
  private readonly pw: Float64Array;

  /** `scale`: the critic is a polynomial in x/scale. */
  constructor(readonly d: number, readonly degree: number, readonly scale = 1) {
    this.exps = monomialExponents(d, degree);
    this.coeffs = new Float64Array(this.exps.length);
    this.pw = new Float64Array(d * (degree + 1));
  }

  private powers(x: ArrayLike<number>, off: number): void {
    const { d, degree, pw } = this;
    for (let j = 0; j < d; j++) {
      pw[j * (degree + 1)] = 1;
      const xj = x[off + j] / this.scale;
      for (let e = 1; e <= degree; e++) pw[j * (degree + 1) + e] = pw[j * (degree + 1) + e - 1] * xj;
    }
  }

  /** φ(x) into phi (length F) for the row at x[off..]. */
  features(x: ArrayLike<number>, off: number, phi: Float64Array): void {
    this.powers(x, off);
    const K1 = this.degree + 1;
    this.exps.forEach((a, f) => { let v = 1; for (let j = 0; j < this.d; j++) v *= this.pw[j * K1 + a[j]]; phi[f] = v; });
  }

  /** ∇_x f at the row x[off..] into g (length d); also φ(x) into phi when given. */
  inputGradient(x: ArrayLike<number>, off: number, g: Float64Array, jac?: Float64Array): void {
    this.powers(x, off);
    const { d, pw } = this;
    const K1 = this.degree + 1;
    g.fill(0);
    this.exps.forEach((a, f) => {
      for (let j = 0; j < d; j++) {
        if (a[j] === 0) { if (jac) jac[f * d + j] = 0; continue; }
        let v = (a[j] * pw[j * K1 + a[j] - 1]) / this.scale;
        for (let l = 0; l < d; l++) if (l !== j) v *= pw[l * K1 + a[l]];
        if (jac) jac[f * d + j] = v;
        g[j] += this.coeffs[f] * v;
      }
    });
  }
}

// ---------------------------------------------------------------- generator backprop

function generatorParams(g: TwoLayerGenerator): Float64Array {
  const p = new Float64Array(g.A.length + g.B.length);
  p.set(g.A, 0);
  p.set(g.B, g.A.length);
  return p;
}

function withParams(g: TwoLayerGenerator, p: Float64Array): TwoLayerGenerator {
  return { ...g, A: p.slice(0, g.A.length), B: p.slice(g.A.length) };
}

interface Batch { z: Float64Array; u: Float64Array; h: Float64Array; x: Float64Array }

function forward(g: TwoLayerGenerator, p: Float64Array, n: number, rng: Rng, out: Batch): void {
  const { d, m, k } = g;
  const A = p.subarray(0, d * m), B = p.subarray(d * m);
  rng.fillNormal(out.z.subarray(0, n * k));
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < m; i++) { let v = 0; for (let l = 0; l < k; l++) v += B[i * k + l] * out.z[s * k + l]; out.u[s * m + i] = v; }
  }
  g.activation.fill(out.u, out.h);
  for (let s = 0; s < n; s++) {
    for (let a = 0; a < d; a++) { let v = 0; for (let i = 0; i < m; i++) v += A[a * m + i] * out.h[s * m + i]; out.x[s * d + a] = v; }
  }
}

/** ∂L/∂θ from ∂L/∂x (n×d) through x = A σ(B z). */
function backward(g: TwoLayerGenerator, p: Float64Array, b: Batch, gx: Float64Array, n: number, grad: Float64Array): void {
  const { d, m, k } = g;
  const A = p.subarray(0, d * m);
  grad.fill(0);
  const dh = new Float64Array(m);
  for (let s = 0; s < n; s++) {
    dh.fill(0);
    for (let a = 0; a < d; a++) {
      const ga = gx[s * d + a];
      if (ga === 0) continue;
      for (let i = 0; i < m; i++) { grad[a * m + i] += ga * b.h[s * m + i]; dh[i] += A[a * m + i] * ga; }
    }
    for (let i = 0; i < m; i++) {
      const du = dh[i] * g.activation.df(b.u[s * m + i]);
      if (du === 0) continue;
      for (let l = 0; l < k; l++) grad[d * m + i * k + l] += du * b.z[s * k + l];
    }
  }
}

// ---------------------------------------------------------------- the loop

function criticOptions(cfg: TrainingConfig, clip: number | undefined): OptimizerOptions {
  return cfg.criticOptimizer === 'sgd'
    ? { kind: 'sgd', learningRate: cfg.lrCritic, clip }
    : { kind: 'adam', learningRate: cfg.lrCritic, beta1: 0.5, beta2: 0.999, clip };
}

/** Trains the generator against the critic; throws IntegrationError (with .partial) on divergence. */
export function trainMoments(cfg: TrainingConfig): TrainingRun {
  const { target, batch: n, orders } = cfg;
  const { d, m, k } = target;
  const rng = new Rng(cfg.seed);
  const rngData = rng.split(), rngGen = rng.split(), rngCritic = rng.split(), rngPen = rng.split();
  const hermiteOrder = cfg.hermiteOrder;
  const targetMoments = generatorMoments(target, Math.max(orders, 2), { hermiteOrder }).tensors.map((t) => t.tensor);
  let trace = 0;
  for (let j = 0; j < d; j++) trace += targetMoments[1][j * d + j];
  const scale = cfg.criticScale === 'target-rms' && trace > 0 ? Math.sqrt(trace / d) : 1;
  targetMoments.length = orders;
  const params = generatorParams(cfg.init);
  const genOpt = new Optimizer(params.length, cfg.generatorOptimizer === 'sgd'
    ? { kind: 'sgd', learningRate: cfg.lrGenerator }
    : { kind: 'adam', learningRate: cfg.lrGenerator, beta1: 0.5, beta2: 0.999 });
  const clip = cfg.constraint === 'clip' ? cfg.clip : undefined;
  const alloc = (): Batch => ({ z: new Float64Array(n * k), u: new Float64Array(n * m), h: new Float64Array(n * m), x: new Float64Array(n * d) });
  const real = alloc(), fake = alloc();
  const gx = new Float64Array(n * d), ggrad = new Float64Array(params.length);

  // critic state
  let poly: PolynomialCritic | undefined, mlp: MlpCritic | undefined;
  let criticOpt: Optimizer;
  if (cfg.critic.kind === 'poly') {
    poly = new PolynomialCritic(d, cfg.critic.degree, scale);
    criticOpt = new Optimizer(poly.coeffs.length, criticOptions(cfg, clip));
  } else {
    mlp = new MlpCritic({ d, hidden: cfg.critic.hidden, activation: cfg.critic.activation, seed: rngCritic.int(2 ** 31) });
    criticOpt = new Optimizer(mlp.size, criticOptions(cfg, clip));
  }
  const F = poly?.exps.length ?? 0;
  const phi = new Float64Array(F), cgrad = new Float64Array(poly ? F : mlp!.size);
  const jac = new Float64Array(F * d), gvec = new Float64Array(d), xhat = new Float64Array(d);
  const targetParams = generatorParams(target);

  const polyCriticStep = (): number => {
    cgrad.fill(0);
    let gap = 0;
    for (let s = 0; s < n; s++) {
      poly!.features(real.x, s * d, phi);
      for (let f = 0; f < F; f++) cgrad[f] -= phi[f] / n;
      poly!.features(fake.x, s * d, phi);
      for (let f = 0; f < F; f++) cgrad[f] += phi[f] / n;
    }
    for (let f = 0; f < F; f++) gap -= cgrad[f] * poly!.coeffs[f];
    if (cfg.constraint === 'gp') {
      for (let s = 0; s < n; s++) {
        const eps = rngPen.uniform();
        for (let j = 0; j < d; j++) xhat[j] = eps * real.x[s * d + j] + (1 - eps) * fake.x[s * d + j];
        poly!.inputGradient(xhat, 0, gvec, jac);
        let norm = 0;
        for (let j = 0; j < d; j++) norm += gvec[j] * gvec[j];
        norm = Math.sqrt(norm);
        if (norm === 0) continue;
        const scale = (2 * cfg.gpLambda * (norm - 1)) / (norm * n);
        for (let f = 0; f < F; f++) { let v = 0; for (let j = 0; j < d; j++) v += jac[f * d + j] * gvec[j]; cgrad[f] += scale * v; }
      }
    }
    criticOpt.step(poly!.coeffs, cgrad);
    return gap;
  };

  const mlpCriticStep = (): number => {
    const r = criticObjective(mlp!, { loss: 'wgan', penalty: cfg.constraint === 'gp' ? { kind: 'interpolate-gp', lambda: cfg.gpLambda } : { kind: 'none' } },
      real.x, n, fake.x, n, { grad: cgrad, rng: rngPen });
    criticOpt.step(mlp!.params, cgrad);
    return r.gap;
  };

  const run: TrainingRun = { steps: [], discrepancy: Array.from({ length: orders }, () => []), gap: [], targetNorms: targetMoments.map((t) => frobenius(t)) };
  const log = (step: number, gap: number) => {
    const cur = generatorMoments(withParams(cfg.init, params), orders, { hermiteOrder }).tensors;
    const disc = cur.map((t, i) => frobenius(t.tensor, targetMoments[i]));
    if (!disc.every(Number.isFinite)) throw new IntegrationError(`moments training diverged at generator step ${step} (non-finite moments)`, run);
    run.steps.push(step);
    disc.forEach((v, i) => run.discrepancy[i].push(v));
    run.gap.push(gap);
  };

  if (cfg.gradient === 'exact') return trainExact(cfg, poly, criticOpt, params, genOpt, run, log);
  let gap = 0;
  log(0, 0);
  for (let step = 1; step <= cfg.steps; step++) {
    for (let c = 0; c < cfg.criticSteps; c++) {
      forward(target, targetParams, n, rngData, real);
      forward(cfg.init, params, n, rngGen, fake);
      gap = poly ? polyCriticStep() : mlpCriticStep();
    }
    forward(cfg.init, params, n, rngGen, fake);
    if (poly) {
      for (let s = 0; s < n; s++) {
        poly.inputGradient(fake.x, s * d, gvec);
        for (let j = 0; j < d; j++) gx[s * d + j] = -gvec[j] / n;
      }
    } else {
      generatorLossGradient(mlp!, 'wgan', fake.x, n, gx);
    }
    backward(cfg.init, params, fake, gx, n, ggrad);
    genOpt.step(params, ggrad);
    if (!params.every(Number.isFinite)) throw new IntegrationError(`moments training diverged at generator step ${step} (non-finite parameters)`, run);
    if (step % cfg.every === 0 || step === cfg.steps) log(step, gap);
  }
  return run;
}

/** Moment entries m_α = E x^α of the generator with parameters p, for the critic's monomials. */
function monomialMoments(g: TwoLayerGenerator, p: Float64Array, exps: readonly number[][], K: number, out: Float64Array): Float64Array {
  const tensors = generatorMoments(withParams(g, p), K).tensors;
  const d = g.d;
  exps.forEach((a, f) => {
    let flat = 0;
    for (let j = 0; j < d; j++) for (let e = 0; e < a[j]; e++) flat = flat * d + j;
    out[f] = tensors[a.reduce((x, y) => x + y, 0) - 1].tensor[flat];
  });
  return out;
}

function multinomial(a: readonly number[]): number {
  let k = 0, r = 1;
  for (const e of a) for (let j = 1; j <= e; j++) { k++; r = (r * k) / j; }
  return r;
}

/** ‖w ⊙ m_k‖_F of the target per degree k (tensor Frobenius norm from monomial entries). */
function targetDegreeNorms(poly: PolynomialCritic, weight: Float64Array, mt: Float64Array): number[] {
  const sq = new Array<number>(poly.degree).fill(0);
  poly.exps.forEach((a, f) => { const k = a.reduce((x, y) => x + y, 0); sq[k - 1] += multinomial(a) * (weight[f] * mt[f]) ** 2; });
  return sq.map(Math.sqrt);
}

/**
 * Sets the critic to the maximiser of E_target f − E_G f over ‖T_k‖_F ≤ 1 per degree
 * (c_α = (k!/α!) T_α): T_k = Δ_k/‖Δ_k‖_F, Δ_k the scaled moment difference; returns the
 * maximum, Σ_k ‖Δ_k‖_F. A degree whose ‖Δ_k‖ is below tiny[k-1] gets T_k = 0.
 */
function bestResponse(poly: PolynomialCritic, weight: Float64Array, mt: Float64Array, mg: Float64Array, tiny: readonly number[]): number {
  const sq = new Array<number>(poly.degree).fill(0);
  const deg = poly.exps.map((a) => a.reduce((x, y) => x + y, 0));
  poly.exps.forEach((a, f) => { sq[deg[f] - 1] += multinomial(a) * (weight[f] * (mt[f] - mg[f])) ** 2; });
  const norms = sq.map(Math.sqrt);
  poly.exps.forEach((a, f) => {
    const n = norms[deg[f] - 1];
    poly.coeffs[f] = n > tiny[deg[f] - 1] ? (multinomial(a) * weight[f] * (mt[f] - mg[f])) / n : 0;
  });
  return norms.reduce((x, y, k) => x + (y > tiny[k] ? y : 0), 0);
}

/** The population (exact-moment) WGAN: critic c·m, generator gradient by central differences of c·m(θ). */
function trainExact(
  cfg: TrainingConfig, poly: PolynomialCritic | undefined, criticOpt: Optimizer, params: Float64Array, genOpt: Optimizer,
  run: TrainingRun, log: (step: number, gap: number) => void,
): TrainingRun {
  if (!poly || cfg.constraint !== 'clip') throw new IntegrationError('exact gradients need a polynomial critic with clipping', run);
  const K = poly.degree, F = poly.exps.length;
  const mt = monomialMoments(cfg.target, generatorParams(cfg.target), poly.exps, K, new Float64Array(F));
  const weight = Float64Array.from(poly.exps, (a) => poly.scale ** -a.reduce((x, y) => x + y, 0));
  // discrepancies at rounding level (1e-12 of the target moment) count as zero for the best response
  const tiny = targetDegreeNorms(poly, weight, mt).map((v) => 1e-12 * v);
  const mg = new Float64Array(F), mp = new Float64Array(F), cgrad = new Float64Array(F), ggrad = new Float64Array(params.length);
  const value = (p: Float64Array) => { monomialMoments(cfg.init, p, poly.exps, K, mp); let v = 0; for (let f = 0; f < F; f++) v += poly.coeffs[f] * weight[f] * mp[f]; return v; };
  let gap = 0;
  log(0, 0);
  for (let step = 1; step <= cfg.steps; step++) {
    monomialMoments(cfg.init, params, poly.exps, K, mg);
    if (cfg.criticSolver === 'best-response') gap = bestResponse(poly, weight, mt, mg, tiny);
    else for (let c = 0; c < cfg.criticSteps; c++) {
      gap = 0;
      for (let f = 0; f < F; f++) { cgrad[f] = weight[f] * (mg[f] - mt[f]); gap -= cgrad[f] * poly.coeffs[f]; }
      criticOpt.step(poly.coeffs, cgrad);
    }
    for (let i = 0; i < params.length; i++) {
      const keep = params[i], h = 1e-6 * Math.max(1, Math.abs(keep));
      params[i] = keep + h; const up = value(params);
      params[i] = keep - h; const down = value(params);
      params[i] = keep;
      ggrad[i] = -(up - down) / (2 * h);
    }
    genOpt.step(params, ggrad);
    if (!params.every(Number.isFinite)) throw new IntegrationError(`moments training diverged at generator step ${step} (non-finite parameters)`, run);
    if (step % cfg.every === 0 || step === cfg.steps) log(step, gap);
  }
  return run;
}

/**
 * When each moment counts as matched [R]: 'fraction-of-start': ‖Δ_k(t)‖ ≤ level·‖Δ_k(0)‖;
 * 'relative-to-target': ‖Δ_k(t)‖ ≤ level·‖m_k(target)‖.
 */
export type MatchCriterion = 'fraction-of-start' | 'relative-to-target';

/**
 * The first logged step at which discrepancy k counts as matched (and the run's length + 1
 * when it never does), k = 1..orders.
 */
export function crossingSteps(run: TrainingRun, level: number, criterion: MatchCriterion = 'fraction-of-start'): number[] {
  const last = run.steps[run.steps.length - 1] + 1;
  return run.discrepancy.map((series, k) => {
    const ref = criterion === 'fraction-of-start' ? series[0] : run.targetNorms[k];
    const i = series.findIndex((v) => v <= level * ref);
    return i < 0 ? last : run.steps[i];
  });
}
