// `gandyn simulate moments` / `figures moments`: the training experiment over the chosen
// critics, as series (discrepancy per degree over generator steps) and SVG panels.

import { plotPanels, PALETTE, type Panel } from '../../core/index.ts';
import type { FigureFile, RunContext, Series } from '../theory.ts';
import type { TwoLayerGenerator } from './generator.ts';
import { parseGenerator } from './generator.ts';
import { type CriticSpec, type TrainingConfig, type TrainingRun, trainMoments } from './training.ts';

/** Hermite order of the logged moments for non-polynomial σ (ReLU pair moments: bound ~1e-7 at this order). */
const LOG_HERMITE_ORDER = 12;

export const CRITIC_CHOICES = ['poly2', 'poly3', 'poly4', 'mlp', 'all'] as const;
export type CriticChoice = (typeof CRITIC_CHOICES)[number];

/** The CLI's spec: the training settings shared by every critic, plus which critics and how far the start is. */
export type ExperimentSpec = Pick<TrainingConfig,
  'target' | 'constraint' | 'clip' | 'gpLambda' | 'steps' | 'batch' | 'criticSteps' | 'lrGenerator' | 'lrCritic'
  | 'every' | 'gradient' | 'criticScale' | 'seed'> & {
  readonly critic: CriticChoice;
  readonly initDistance: number;
  readonly hidden: number;
};

export function criticsOf(choice: CriticChoice, hidden: number): Array<{ name: string; critic: CriticSpec }> {
  const all: Array<{ name: string; critic: CriticSpec }> = [
    { name: 'poly2', critic: { kind: 'poly', degree: 2 } },
    { name: 'poly3', critic: { kind: 'poly', degree: 3 } },
    { name: 'poly4', critic: { kind: 'poly', degree: 4 } },
    { name: 'mlp', critic: { kind: 'mlp', hidden: [hidden], activation: 'relu' } },
  ];
  return choice === 'all' ? all : all.filter((c) => c.name === choice);
}

/**
 * The generator at step 0: target + δ·(an independent generator of the same shape, drawn
 * from the seed) in A and B. [R] (init-distance).
 */
export function initialGenerator(target: TwoLayerGenerator, delta: number, seed: number): TwoLayerGenerator {
  const noise = parseGenerator({ d: target.d, m: target.m, k: target.k, activation: 't', seed: seed + 1_000_003 });
  return { ...target, A: target.A.map((v, i) => v + delta * noise.A[i]), B: target.B.map((v, i) => v + delta * noise.B[i]) };
}

export interface ExperimentResult {
  readonly spec: ExperimentSpec;
  readonly runs: ReadonlyArray<{ name: string; run: TrainingRun }>;
  readonly series: Series;
}

export function experimentCost(s: ExperimentSpec): number {
  const { d, m, k } = s.target;
  const perSample = d * m + m * k + 40 * d * (s.critic === 'all' ? 4 : 1) + 4 * s.hidden * d;
  const logs = (s.steps / s.every) * (s.target.activation.polynomial ? 2e4 : 1e6);
  const critics = s.critic === 'all' ? 4 : 1;
  return critics * (s.steps * (s.criticSteps + 1) * s.batch * perSample + logs);
}

export function runExperiment(s: ExperimentSpec, ctx: RunContext = {}): ExperimentResult {
  const critics = criticsOf(s.critic, s.hidden);
  const init = initialGenerator(s.target, s.initDistance, s.seed);
  const runs = critics.map((c, i) => {
    ctx.onProgress?.(i / critics.length, c.name);
    const gradient = c.critic.kind === 'mlp' ? 'sampled' : s.gradient;
    return {
      name: c.name,
      run: trainMoments({
        target: s.target, init, critic: c.critic, constraint: s.constraint, clip: s.clip, gpLambda: s.gpLambda, steps: s.steps,
        batch: s.batch, criticSteps: s.criticSteps, lrGenerator: s.lrGenerator, lrCritic: s.lrCritic, every: s.every,
        orders: 4, seed: s.seed, gradient, criticScale: s.criticScale, hermiteOrder: LOG_HERMITE_ORDER,
      }),
    };
  });
  ctx.onProgress?.(1, 'done');
  const series: Record<string, number[]> = {};
  for (const { name, run } of runs) run.discrepancy.forEach((v, k) => { series[`${name}_m${k + 1}`] = v; });
  return { spec: s, runs, series: { t: runs[0].run.steps, series, extra: { critics: runs.map((r) => r.name), gradient: s.gradient, constraint: s.constraint } } };
}

export function experimentFigures(r: ExperimentResult): FigureFile[] {
  const panels: Panel[] = r.runs.map(({ name, run }) => ({
    title: `critic ${name}`,
    xLabel: 'generator step',
    yLabel: 'log10 ‖Δ_k‖_F / ‖m_k(target)‖_F',
    series: [
      ...run.discrepancy.map((v, k) => ({
        label: `k = ${k + 1}`,
        x: run.steps,
        y: v.map((x) => Math.log10(Math.max(x, 1e-300) / Math.max(run.targetNorms[k], 1e-300))),
        color: PALETTE[k],
      })),
      { label: 'ε = 0.2', x: [run.steps[0], run.steps[run.steps.length - 1]], y: [Math.log10(0.2), Math.log10(0.2)], color: '#888888', dash: '4 3' },
    ],
  }));
  return [{
    name: 'moments-discrepancy.svg',
    svg: plotPanels(panels, { columns: Math.min(2, panels.length), title: `moment discrepancies during WGAN training (σ = ${r.spec.target.activation.text})` }),
    caption: 'moment discrepancy relative to the target moment, ‖m_k(G_t) − m_k(target)‖_F / ‖m_k(target)‖_F, k = 1..4, per critic (dashed: the ε = 0.2 level of the low-degree-first theorem)',
  }];
}
