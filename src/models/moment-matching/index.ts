// The two-moment critic GAN (docs/method-of-moments.md): the derivation, the SGD on
// samples, its theorem checks and the theory object of the registry.

export * from './quadratic-critic.ts';
export * from './theorems.ts';
export { quadraticCritic, type QuadraticCriticRun } from './theory.ts';
