// The synthetic experiment of docs/approximability.md E.3 (b): invertible-network generators,
// test IPM against exact KL, with (a) the restricted-approximability class (Lemma 4.1
// log-density networks, F = {f_φ1 − f_φ2}) and (b) a vanilla MLP critic (src/ntk critic).
//
//   across pairs:   q_k = p perturbed by size s_k; KL(p‖q_k) by change of variables (Monte
//                   Carlo with standard error); test IPMs of fresh discriminators.
//   along training: a generator q_θ (same architecture, random start) trained by WGAN-GP
//                   against p with the MLP critic (interpolate gradient penalty λ = 10,
//                   5 critic steps per generator step, Adam — the paper cites RMSProp [R]);
//                   at checkpoints, KL(p‖q_θ) + KL(q_θ‖p) and both test IPMs.
// The "test IPM" [R]: a fresh discriminator of each kind is trained by WGAN-GP (λ = 10) on
// training samples (restricted class: projected Adam on the parameter box from a random φ pair;
// MLP: Adam) and E_p f − E_q f is evaluated on held-out samples. Pearson correlations of IPM against KL are reported per dimension.

import type { Series, RunContext, FigureFile } from '../theory.ts';
import { plotPanels, PALETTE, IntegrationError } from '../../core/index.ts';
import { Rng, correlation } from '../../numeric/index.ts';
import { mlpCritic, trainCritic, Optimizer, generatorLossGradient, criticObjective } from '../../ntk/index.ts';
import {
  randomGenerator, perturbGenerator, sampleGenerator, generatorKl, logDensityNet, projectNet, act, actPrime, trainRestrictedCritic, restrictedValues,
  type InvertibleGenerator, type ParameterBox, type SmoothLeakyRelu, type LogDensityNet,
} from './invertible.ts';

export interface ExperimentSpec {
  readonly kind: 'simulate';
  readonly dims: readonly number[];
  readonly layers: number;
  readonly iterations: number;
  readonly pairs: number;
  readonly box: ParameterBox;
  readonly sigma: SmoothLeakyRelu;
  readonly seed: number;
  /** sizes of the evaluation (defaults in EVAL) */
  readonly eval?: Readonly<Partial<EvalSizes>>;
}

export interface EvalSizes {
  /** samples for the KL Monte Carlo */
  klSamples: number;
  /** training / test samples of the test-IPM discriminators */
  train: number;
  test: number;
  /** optimiser steps of the restricted-class and MLP test discriminators */
  restrictedSteps: number;
  mlpSteps: number;
  /** WGAN-GP: batch, critic steps per generator step, checkpoints */
  batch: number;
  criticSteps: number;
  checkpoints: number;
}

export const EVAL: EvalSizes = { klSamples: 4000, train: 500, test: 4000, restrictedSteps: 300, mlpSteps: 300, batch: 64, criticSteps: 5, checkpoints: 8 };

const MLP_HIDDEN = [32, 32];

function sizes(spec: ExperimentSpec): EvalSizes {
  return { ...EVAL, ...(spec.eval ?? {}) };
}

/** Test IPM of the restricted class: a fresh f_φ1 − f_φ2 trained by WGAN-GP on training samples, evaluated on test samples. */
function restrictedTestIpm(p: InvertibleGenerator, q: InvertibleGenerator, box: ParameterBox, z: EvalSizes, rng: Rng): number {
  const [r1, r2, r3] = rng.splitMany(3);
  const XP = sampleGenerator(p, z.train, r1).x, XQ = sampleGenerator(q, z.train, r1).x;
  const TP = sampleGenerator(p, z.test, r2).x, TQ = sampleGenerator(q, z.test, r2).x;
  // φ1 = φ2 at the start (a random member of the box): the critic starts at f ≡ 0
  const init = logDensityNet(randomGenerator(r3, p.d, p.layers.length, { box, sigma: p.sigma, scale: 0.5 }));
  const critic = trainRestrictedCritic({ plus: init, minus: init }, XP, XQ, { box, steps: z.restrictedSteps, lr: 3e-3, lambda: 10, batch: z.batch, rng: r3 });
  const fp = restrictedValues(critic, TP), fq = restrictedValues(critic, TQ);
  let s = 0;
  for (let i = 0; i < z.test; i++) s += (fp[i] - fq[i]) / z.test;
  return Math.abs(s);
}

/** Test IPM of a vanilla MLP critic trained by WGAN-GP on training samples, evaluated on test samples. */
function mlpTestIpm(p: InvertibleGenerator, q: InvertibleGenerator, z: EvalSizes, rng: Rng): number {
  const [r1, r2] = rng.splitMany(2);
  const XP = sampleGenerator(p, z.train, r1).x, XQ = sampleGenerator(q, z.train, r1).x;
  const TP = sampleGenerator(p, z.test, r2).x, TQ = sampleGenerator(q, z.test, r2).x;
  const critic = mlpCritic({ d: p.d, hidden: MLP_HIDDEN, activation: 'relu', seed: Math.floor(r1.uniform() * 2 ** 31) });
  trainCritic(critic, XP, z.train, XQ, z.train, {
    objective: { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 10 } },
    optimizer: new Optimizer(critic.size, { kind: 'adam', learningRate: 1e-3, beta1: 0.5, beta2: 0.9 }),
    steps: z.mlpSteps, batch: Math.min(z.batch, z.train), seed: Math.floor(r1.uniform() * 2 ** 31),
  });
  const fp = critic.forward(TP, z.test), fq = critic.forward(TQ, z.test);
  let s = 0;
  for (let i = 0; i < z.test; i++) s += (fp[i] - fq[i]) / z.test;
  return Math.abs(s);
}

function klSym(p: InvertibleGenerator, q: InvertibleGenerator, n: number, rng: Rng): number {
  return generatorKl(p, q, n, rng).mean + generatorKl(q, p, n, rng).mean;
}

/** Flat parameters of a generator (W_k, b_k, γ) and back. */
function toNet(g: InvertibleGenerator): LogDensityNet {
  return { d: g.d, sigma: g.sigma, V: g.layers.map((L) => Float64Array.from(L.W)), b: g.layers.map((L) => Float64Array.from(L.b)), gamma: Float64Array.from(g.gamma) };
}
function fromNet(n: LogDensityNet): InvertibleGenerator {
  return { d: n.d, sigma: n.sigma, gamma: n.gamma, layers: n.V.map((W, k) => ({ W, b: n.b[k] })) };
}

/**
 * Samples of G(z) for given standard normal z (n×d) and, with `gx` (∂loss/∂x per row),
 * the gradient with respect to (W_k, b_k, γ) accumulated into `grad`.
 */
export function generatorForwardBackward(g: InvertibleGenerator, Z: Float64Array, gx?: Float64Array, grad?: LogDensityNet): Float64Array {
  const { d, layers, sigma } = g;
  const n = Z.length / d, L = layers.length;
  const X = new Float64Array(n * d);
  const acts: Float64Array[] = Array.from({ length: L }, () => new Float64Array(d));
  const pres: Float64Array[] = Array.from({ length: L }, () => new Float64Array(d));
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < d; i++) acts[0][i] = g.gamma[i] * Z[s * d + i];
    for (let k = 0; k < L; k++) {
      const W = layers[k].W, b = layers[k].b, inp = acts[k], t = pres[k];
      for (let i = 0; i < d; i++) { let v = b[i]; for (let j = 0; j < d; j++) v += W[i * d + j] * inp[j]; t[i] = v; }
      if (k < L - 1) for (let i = 0; i < d; i++) acts[k + 1][i] = act(sigma, t[i]);
    }
    for (let i = 0; i < d; i++) X[s * d + i] = pres[L - 1][i];
    if (!gx || !grad) continue;
    let dt = Float64Array.from({ length: d }, (_, i) => gx[s * d + i]);
    for (let k = L - 1; k >= 0; k--) {
      const W = layers[k].W, inp = acts[k];
      for (let i = 0; i < d; i++) { grad.b[k][i] += dt[i]; for (let j = 0; j < d; j++) grad.V[k][i * d + j] += dt[i] * inp[j]; }
      const da = new Float64Array(d);
      for (let j = 0; j < d; j++) { let v = 0; for (let i = 0; i < d; i++) v += W[i * d + j] * dt[i]; da[j] = v; }
      if (k === 0) { for (let i = 0; i < d; i++) grad.gamma[i] += da[i] * Z[s * d + i]; break; }
      dt = Float64Array.from(da, (v, i) => v * actPrime(sigma, pres[k - 1][i]));
    }
  }
  return X;
}

export interface DimensionResult {
  readonly d: number;
  readonly pairs: { size: number[]; kl: number[]; restricted: number[]; mlp: number[] };
  readonly training: { iteration: number[]; kl: number[]; restricted: number[]; mlp: number[] };
  /** Pearson correlations of the test IPMs with KL_sym */
  readonly correlation: { pairsRestricted: number; pairsMlp: number; trainingRestricted: number; trainingMlp: number };
  /** Spearman (rank) correlations, insensitive to the non-linear IPM–KL relation */
  readonly rankCorrelation: { pairsRestricted: number; pairsMlp: number; trainingRestricted: number; trainingMlp: number };
}

function ranks(a: readonly number[]): number[] {
  const idx = a.map((_, i) => i).sort((i, j) => a[i] - a[j]);
  const r = new Array<number>(a.length);
  for (let k = 0; k < idx.length;) {
    let e = k;
    while (e + 1 < idx.length && a[idx[e + 1]] === a[idx[k]]) e++;
    for (let t = k; t <= e; t++) r[idx[t]] = (k + e) / 2;
    k = e + 1;
  }
  return r;
}

function runDimension(spec: ExperimentSpec, d: number, rng: Rng, progress: (f: number) => void): DimensionResult {
  const z = sizes(spec);
  const [rp, rPairs, rTrain, rEval] = rng.splitMany(4);
  const p = randomGenerator(rp, d, spec.layers, { box: spec.box, sigma: spec.sigma, scale: 0.8 });
  const pairs = { size: [] as number[], kl: [] as number[], restricted: [] as number[], mlp: [] as number[] };
  for (let k = 0; k < spec.pairs; k++) {
    const size = 0.01 + (0.2 * (k + 0.5)) / spec.pairs;
    const q = perturbGenerator(p, size, rPairs, spec.box);
    pairs.size.push(size);
    pairs.kl.push(klSym(p, q, z.klSamples, rEval));
    pairs.restricted.push(restrictedTestIpm(p, q, spec.box, z, rEval));
    pairs.mlp.push(mlpTestIpm(p, q, z, rEval));
    progress((0.5 * (k + 1)) / spec.pairs);
  }
  // WGAN-GP training of q_θ against p with the MLP critic
  const qNet = toNet(randomGenerator(rTrain, d, spec.layers, { box: spec.box, sigma: spec.sigma, scale: 0.8 }));
  const critic = mlpCritic({ d, hidden: MLP_HIDDEN, activation: 'relu', seed: Math.floor(rTrain.uniform() * 2 ** 31) });
  const cOpt = new Optimizer(critic.size, { kind: 'adam', learningRate: 1e-3, beta1: 0.5, beta2: 0.9 });
  const flat = (n: LogDensityNet) => [...n.V, ...n.b, n.gamma];
  const gM = flat(toNet(fromNet(qNet))).map((a) => new Float64Array(a.length)), gV = gM.map((a) => new Float64Array(a.length));
  const training = { iteration: [] as number[], kl: [] as number[], restricted: [] as number[], mlp: [] as number[] };
  const every = Math.max(1, Math.floor(spec.iterations / z.checkpoints));
  const cGrad = new Float64Array(critic.size);
  const B = z.batch;
  const record = (it: number) => {
    const q = fromNet(qNet);
    training.iteration.push(it);
    training.kl.push(klSym(p, q, z.klSamples, rEval));
    training.restricted.push(restrictedTestIpm(p, q, spec.box, z, rEval));
    training.mlp.push(mlpTestIpm(p, q, z, rEval));
  };
  record(0);
  for (let it = 1; it <= spec.iterations; it++) {
    const q = fromNet(qNet);
    for (let c = 0; c < z.criticSteps; c++) {
      const P = sampleGenerator(p, B, rTrain).x, Q = sampleGenerator(q, B, rTrain).x;
      const r = criticObjective(critic, { loss: 'wgan', penalty: { kind: 'interpolate-gp', lambda: 10 } }, P, B, Q, B, { grad: cGrad, rng: rTrain });
      if (!Number.isFinite(r.loss)) throw new IntegrationError(`WGAN-GP critic diverged at generator iteration ${it}`, { d, training });
      cOpt.step(critic.params, cGrad);
    }
    const Z = new Float64Array(B * d);
    rTrain.fillNormal(Z);
    const X = generatorForwardBackward(q, Z);
    const { grad: gx } = generatorLossGradient(critic, 'wgan', X, B);
    const grad: LogDensityNet = { d, sigma: spec.sigma, V: qNet.V.map((v) => new Float64Array(v.length)), b: qNet.b.map((v) => new Float64Array(v.length)), gamma: new Float64Array(d) };
    generatorForwardBackward(q, Z, gx, grad);
    const params = flat(qNet), grads = flat(grad);
    for (let r = 0; r < params.length; r++) for (let i = 0; i < params[r].length; i++) {
      const g = grads[r][i];
      gM[r][i] = 0.5 * gM[r][i] + 0.5 * g;
      gV[r][i] = 0.9 * gV[r][i] + 0.1 * g * g;
      params[r][i] -= (1e-3 * (gM[r][i] / (1 - 0.5 ** it))) / (Math.sqrt(gV[r][i] / (1 - 0.9 ** it)) + 1e-8);
      if (!Number.isFinite(params[r][i])) throw new IntegrationError(`generator parameters diverged at iteration ${it}`, { d, training });
    }
    projectNet(qNet, spec.box);
    if (it % every === 0 || it === spec.iterations) {
      if (training.iteration[training.iteration.length - 1] !== it) record(it);
    }
    progress(0.5 + (0.5 * it) / spec.iterations);
  }
  const corr = (a: number[], b: number[]) => (a.length >= 3 ? correlation(a, b) : NaN);
  const rank = (a: number[], b: number[]) => corr(ranks(a), ranks(b));
  return {
    d, pairs, training,
    rankCorrelation: {
      pairsRestricted: rank(pairs.kl, pairs.restricted), pairsMlp: rank(pairs.kl, pairs.mlp),
      trainingRestricted: rank(training.kl, training.restricted), trainingMlp: rank(training.kl, training.mlp),
    },
    correlation: {
      pairsRestricted: corr(pairs.kl, pairs.restricted), pairsMlp: corr(pairs.kl, pairs.mlp),
      trainingRestricted: corr(training.kl, training.restricted), trainingMlp: corr(training.kl, training.mlp),
    },
  };
}

export function runExperiment(spec: ExperimentSpec, ctx: RunContext = {}): Series {
  const rng = new Rng(spec.seed);
  const streams = rng.splitMany(spec.dims.length);
  const results = spec.dims.map((d, i) => runDimension(spec, d, streams[i], (f) => ctx.onProgress?.((i + f) / spec.dims.length, `d = ${d}`)));
  const t = results[0].training.iteration;
  const series: Record<string, number[]> = {};
  for (const r of results) {
    series[`klSym_d${r.d}`] = r.training.kl;
    series[`ipmRestricted_d${r.d}`] = r.training.restricted;
    series[`ipmMlp_d${r.d}`] = r.training.mlp;
  }
  return { t, series, extra: { dims: spec.dims, results } };
}

/** Work estimate in elementary operations. */
export function experimentCost(spec: ExperimentSpec): number {
  const z = sizes(spec);
  let total = 0;
  for (const d of spec.dims) {
    const genEval = spec.layers * d * (d * 4 + 100);
    const evalOne = 2 * z.klSamples * genEval + z.restrictedSteps * z.batch * (4 + 8 * d) * genEval * 2 + 8 * z.test * genEval
      + z.mlpSteps * z.batch * 4 * 32 * (d + 32) * 6;
    const evals = spec.pairs + z.checkpoints + 1;
    const train = spec.iterations * (z.criticSteps * z.batch * 4 * 32 * (d + 32) * 6 + z.batch * genEval * 4);
    total += evals * evalOne + train;
  }
  return total;
}

/** IPM against KL_sym, along training and across pairs, per dimension. */
export function experimentFigure(series: Series): FigureFile {
  const results = (series.extra as { results: DimensionResult[] }).results;
  const c2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  const panel = (title: string, kl: number[], restricted: number[], mlp: number[], r: number[], s: number[]) => ({
    title: `${title} (r, ρs: restricted ${c2(r[0])}, ${c2(s[0])}; MLP ${c2(r[1])}, ${c2(s[1])})`, xLabel: 'KL(p‖q) + KL(q‖p)', yLabel: 'test IPM',
    series: [
      { label: 'restricted', x: kl, y: restricted, color: PALETTE[0], style: 'dots' as const },
      { label: 'MLP', x: kl, y: mlp, color: PALETTE[1], style: 'dots' as const },
    ],
  });
  const panels = results.flatMap((r) => {
    const c = r.correlation, k = r.rankCorrelation;
    return [
      panel(`d = ${r.d}, perturbed pairs`, r.pairs.kl, r.pairs.restricted, r.pairs.mlp, [c.pairsRestricted, c.pairsMlp], [k.pairsRestricted, k.pairsMlp]),
      panel(`d = ${r.d}, along training`, r.training.kl, r.training.restricted, r.training.mlp, [c.trainingRestricted, c.trainingMlp], [k.trainingRestricted, k.trainingMlp]),
    ];
  });
  return { name: 'approximability-e3.svg', caption: 'E.3: test IPM against exact KL(p‖q) + KL(q‖p) for invertible generators (restricted class vs vanilla MLP critic)', svg: plotPanels(panels, { columns: 2, width: 620 }) };
}
