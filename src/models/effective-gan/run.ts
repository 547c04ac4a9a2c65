// From a spec to a particle run: the targets, the kernel Θ, the critic.

import { Rng } from '../../numeric/index.ts';
import type { Matrix } from '../../ntk/index.ts';
import type { ParticleKernel } from './coupling.ts';
import { NetworkCritic } from './critics.ts';
import { latentKernel, latents } from './latent-kernel.ts';
import { type Critic, KernelCritic, type ParticleResult, runParticles } from './particles.ts';
import type { EffectiveGanSpec } from './spec.ts';
import { type Targets, makeTargets } from './targets.ts';

const targetCache = new Map<string, Targets>();

export function targetsOf(s: EffectiveGanSpec): Targets {
  const key = `${s.target}|${s.M}|${s.modeStd}|${s.seed}`;
  let t = targetCache.get(key);
  if (!t) {
    t = makeTargets(s.target, s.M, s.modeStd, s.seed);
    if (targetCache.size > 8) targetCache.clear();
    targetCache.set(key, t);
  }
  return t;
}

/** Θ for the spec: two-number (g1, g2 = ratio·g1), or the generator's latent NTK scaled to Θ_ii = g1. */
export function kernelOf(s: EffectiveGanSpec, ratio = s.ratio): ParticleKernel {
  if (s.kernelSource === 'two-number') return { kind: 'two-number', g1: s.g1, g2: ratio * s.g1 };
  const Z = latents(s.N, s.latentDim, 'sphere', new Rng(s.seed).split().split().split());
  const th = latentKernel(s.generator, Z);
  const scale = s.g1 / th.data[0];
  const theta: Matrix = { data: th.data.map((v) => v * scale), rows: th.rows, cols: th.cols };
  return { kind: 'gram', theta };
}

export function criticOf(s: EffectiveGanSpec, d: number, lrD = s.lrD, seed = s.seed): Critic {
  if (s.critic === 'kernel') return new KernelCritic(s.criticKernel!, lrD * s.criticSteps);
  return new NetworkCritic({
    d, activation: s.critic, width: s.width, depth: s.depth, loss: s.loss, penalty: s.penalty, lambda: s.lambda, lrD,
    optimizer: s.optimizer, weightDecay: s.weightDecay, steps: s.criticSteps, seed,
  });
}

/**
 * Centre of the initial particle cloud: c·(5, 1)/√26 in 2-D (off the symmetric origin, so the
 * start is one collapsed cloud, not an artificially even assignment), c times the unit
 * mean target image for MNIST.
 */
export function initCentre(s: EffectiveGanSpec, targets: Targets): Float64Array {
  const d = targets.d, c = new Float64Array(d);
  if (s.initCentre === 0) return c;
  if (d === 2) { c[0] = (5 / Math.sqrt(26)) * s.initCentre; c[1] = (1 / Math.sqrt(26)) * s.initCentre; return c; }
  const P = targets.points;
  for (let m = 0; m < P.rows; m++) for (let k = 0; k < d; k++) c[k] += P.data[m * d + k] / P.rows;
  let n = 0; for (let k = 0; k < d; k++) n += c[k] * c[k];
  n = Math.sqrt(n);
  for (let k = 0; k < d; k++) c[k] = n > 0 ? (s.initCentre * c[k]) / n : 0;
  return c;
}

export function runSpec(s: EffectiveGanSpec, opts: {
  ratio?: number; lrD?: number; seed?: number; snapshots?: readonly number[]; onProgress?: (k: number, K: number) => void;
} = {}): ParticleResult {
  const targets = targetsOf(s);
  const seed = opts.seed ?? s.seed;
  return runParticles({
    targets, N: s.N, kernel: kernelOf(s, opts.ratio ?? s.ratio), coupling: s.coupling, lrG: s.lrG, steps: s.steps,
    critic: criticOf(s, targets.d, opts.lrD ?? s.lrD, seed), initStd: s.initStd, initCentre: initCentre(s, targets), seed, every: s.every, blowup: s.blowup,
    snapshots: opts.snapshots, onProgress: opts.onProgress,
  });
}
