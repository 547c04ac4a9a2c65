// The finite critic of the particle model (docs/effective-dynamics.md C.2, C.3b): the
// shared MLP critic of src/ntk (critic.ts), persistent across particle steps and trained
// `steps` times per particle step with SGD/Adam and weight decay on
//   wgan + penalty 'full':  maximise E_P f − E_Q f − λ(E_Q‖∇f‖² − 1)   (the authors' MNIST form)
//   wgan + penalty 'half':  maximise E_P f − E_Q f − (λ/2) E_Q‖∇f‖²
//   bce:                    the logistic loss (with the same penalty options).
// The particles climb f (wgan) or log D = −softplus(−f) (bce, the non-saturating
// generator loss): velocity ∇f or sigmoid(−f)∇f.

import {
  type CriticActivation, type CriticLoss, type CriticPenalty, type Matrix, type MlpCritic, Optimizer, generatorLossGradient, mlpCritic, trainCritic,
} from '../../ntk/index.ts';
import type { Critic } from './particles.ts';

export type PenaltyForm = 'full' | 'half' | 'none';

export interface NetworkCriticOptions {
  readonly d: number;
  readonly activation: CriticActivation;
  readonly width: number;
  readonly depth: number;
  readonly loss: CriticLoss;
  readonly penalty: PenaltyForm;
  readonly lambda: number;
  readonly lrD: number;
  readonly optimizer: 'sgd' | 'adam';
  readonly weightDecay: number;
  readonly steps: number;
  readonly seed: number;
}

export function criticPenalty(form: PenaltyForm, lambda: number): CriticPenalty {
  return form === 'none' ? { kind: 'none' } : { kind: form === 'full' ? 'fake-unit' : 'fake-half', lambda };
}

export class NetworkCritic implements Critic {
  readonly net: MlpCritic;
  private readonly optimizer: Optimizer;
  private round = 0;

  constructor(readonly opts: NetworkCriticOptions) {
    this.net = mlpCritic({ d: opts.d, hidden: Array(opts.depth).fill(opts.width), activation: opts.activation, seed: opts.seed });
    this.optimizer = new Optimizer(this.net.size, { kind: opts.optimizer, learningRate: opts.lrD, weightDecay: opts.weightDecay });
  }

  get label(): string {
    const o = this.opts;
    return `${o.activation} MLP critic ${o.depth}×${o.width}, ${o.loss}${o.penalty === 'none' ? '' : ` + ${o.penalty} penalty λ = ${o.lambda}`}, ${o.optimizer} η_D = ${o.lrD}`;
  }

  train(P: Matrix, Q: Matrix): void {
    trainCritic(this.net, P.data, P.rows, Q.data, Q.rows, {
      objective: { loss: this.opts.loss, penalty: criticPenalty(this.opts.penalty, this.opts.lambda) },
      optimizer: this.optimizer, steps: this.opts.steps, seed: this.opts.seed * 1_000_003 + this.round++,
    });
  }

  gradient(Q: Matrix): Float64Array {
    const g = generatorLossGradient(this.net, this.opts.loss, Q.data, Q.rows).grad;
    for (let i = 0; i < g.length; i++) g[i] *= -Q.rows;
    return g;
  }
}
