// The effective dynamics of GANs (Durr et al. 2023; docs/effective-dynamics.md C): the
// latent kernel and its two numbers, kernel-coupled particles against a finite or kernel
// critic, order parameters, the collapse diagram, the damped oscillator and λ_c.

export * from './latent-kernel.ts';
export * from './coupling.ts';
export * from './targets.ts';
export * from './order.ts';
export * from './particles.ts';
export * from './critics.ts';
export * from './derive.ts';
export * from './damping.ts';
export * from './phase.ts';
export * from './plots.ts';
export { type EffectiveGanSpec, OPTIONS as EFFECTIVE_GAN_OPTIONS, makeSpec as makeEffectiveGanSpec, runCost, phaseCost, MAX_PHASE_WORK } from './spec.ts';
export { runSpec, kernelOf, criticOf, targetsOf } from './run.ts';
export { effectiveGan, metricsSeries as effectiveGanSeries } from './theory.ts';
export { theorem as kernelConcentrationTheorem } from './theorems/concentration.ts';
export { theorem as criticalDampingTheorem, DAMPING_SETTINGS, DAMPING_TOLERANCE } from './theorems/critical-damping.ts';
export { theorem as eigenmodeTheorem } from './theorems/eigenmodes.ts';
