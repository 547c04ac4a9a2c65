// Every theorem check run by `npm run proofs` and `gandyn verify`: the general ones
// in this folder (facts of the Gaussian engine), those each registered theory carries,
// and the rate theorem of each shipped example model file (user-model-rate.ts).
import type { Theorem } from '../src/core/index.ts';
import { theoremsOf } from '../src/models/index.ts';
import { theorem as isserlis } from './isserlis.ts';
import { theorem as stein } from './stein.ts';
import { theorem as price } from './price.ts';
import { exampleRateTheorems } from './user-model-rate.ts';

/** Theorems about the toolkit's own machinery, not about one theory. */
export const generalTheorems: Theorem[] = [isserlis, stein, price];

export const theorems: Theorem[] = [...generalTheorems, ...theoremsOf(), ...exampleRateTheorems()];

export { modelFileRateTheorem, exampleRateTheorems } from './user-model-rate.ts';
