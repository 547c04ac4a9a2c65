// Effective-GAN particles (Durr et al. 2023; docs/effective-dynamics.md C.2–C.3b) for the
// live page, one step at a time with the theory's own pieces: the targets, the critic
// (a finite MLP trained `critic-steps` times per step), the coupling x_i ← x_i + η_G Σ_j Θ_ij ∇f(x_j)
// with the two-number kernel Θ = g1 δ_ij + g2 (1 − δ_ij), and the order parameters.
// Runs in f64 (the theory's code), the same in Node and in the browser.

import { latexSystem } from '../../src/symbolic/index.ts';
import {
  type Critic, type EffectiveGanSpec, type ParticleKernel, couple, criticOf, effectiveGan, initialParticles, kernelOf, orderParameters, targetsOf,
} from '../../src/models/effective-gan/index.ts';

export interface EffectiveControls {
  readonly particles: number;
  /** g2/g1 */
  readonly ratio: number;
  /** critic learning rate η_D */
  readonly lrD: number;
  /** particle learning rate η_G */
  readonly lrG: number;
  readonly seed: number;
}

export const DEFAULT_EFFECTIVE: EffectiveControls = { particles: 100, ratio: 0.05, lrD: 0.01, lrG: 0.01, seed: 1 };

/** The theory's spec for these controls (its own validator, as the CLI's). */
export function effectiveSpec(c: EffectiveControls): EffectiveGanSpec {
  const options = new Map<string, number | string>([
    ['particles', c.particles], ['g2-ratio', c.ratio], ['lr-d', c.lrD], ['lr-g', c.lrG], ['seed', c.seed], ['target', 'ring8'],
  ]);
  return effectiveGan.makeSpec({ options, set: new Map(), init: new Map() });
}

export class EffectiveFlow {
  spec: EffectiveGanSpec;
  readonly x: Float64Array;
  readonly targets: Float64Array;
  step = 0;
  private kernel: ParticleKernel;
  private critic: Critic;
  private readonly u: Float64Array;

  constructor(readonly controls: EffectiveControls = DEFAULT_EFFECTIVE) {
    this.spec = effectiveSpec(controls);
    const t = targetsOf(this.spec);
    this.targets = Float64Array.from(t.points.data);
    this.x = Float64Array.from(initialParticles(this.spec.N, t.d, this.spec.initStd, this.spec.seed).data);
    this.kernel = kernelOf(this.spec);
    this.critic = criticOf(this.spec, t.d);
    this.u = new Float64Array(this.x.length);
  }

  /** New g2/g1, η_D, η_G (the critic restarts from its seeded initialisation when η_D changes). */
  set(c: Partial<EffectiveControls>): void {
    const next = { ...this.controls, ...c };
    const spec = effectiveSpec(next);
    if (next.ratio !== this.controls.ratio) this.kernel = kernelOf(spec);
    if (next.lrD !== this.controls.lrD) this.critic = criticOf(spec, targetsOf(spec).d);
    (this as { controls: EffectiveControls }).controls = next;
    this.spec = spec;
  }

  advance(steps = 1): void {
    const t = targetsOf(this.spec), N = this.spec.N, d = t.d;
    const X = { data: this.x, rows: N, cols: d };
    for (let s = 0; s < steps; s++) {
      this.critic.train(t.points, X);
      const g = this.critic.gradient(X);
      couple(this.kernel, g, N, d, this.spec.coupling, this.u);
      for (let k = 0; k < this.x.length; k++) this.x[k] += this.spec.lrG * this.u[k];
      if (!this.x.every(Number.isFinite)) throw new Error(`effective-gan: particles diverged at step ${this.step + 1}: lower η_G or η_D`);
      this.step++;
    }
  }

  order(): { diversity: number; collapse: number; quality: number; covered: number } {
    const t = targetsOf(this.spec);
    return orderParameters({ data: this.x, rows: this.spec.N, cols: t.d }, t.modes, t.metric);
  }
}

/** The theory's derived eigenmode ODE (damped oscillator), as LaTeX. */
export function effectiveLatex(c: EffectiveControls = DEFAULT_EFFECTIVE): { label: string; latex: string } {
  const d = effectiveGan.derive!(effectiveSpec(c));
  return { label: d.odeLabel, latex: latexSystem(d.ode, { env: 'aligned' }) };
}
