// The registry of theorem checks run by `npm run proofs` and `gandyn verify`.
import type { Theorem } from '../src/report/theorem.ts';

export const theorems: Theorem[] = [];
