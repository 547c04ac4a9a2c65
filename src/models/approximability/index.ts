// Approximability of discriminators (docs/approximability.md E): distances, the designed
// discriminator classes and their IPMs, the bound checks, the dilemma and the E.3 experiment.

export * from './gaussian-class.ts';
export * from './expfamily.ts';
export * from './mixture.ts';
export * from './invertible.ts';
export * from './parse.ts';
export * from './ipm.ts';
export * from './dilemma.ts';
export * from './experiment.ts';
export * from './theorems.ts';
export { approximability, type ApproximabilitySpec } from './theory.ts';
