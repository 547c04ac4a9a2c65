// The registry of theorem checks run by `npm run proofs` and `gandyn verify`.
import type { Theorem } from '../src/report/theorem.ts';
import { theorem as isserlis } from './isserlis.ts';
import { theorem as stein } from './stein.ts';
import { theorem as price } from './price.ts';
import { theorem as solvableGanConvergence } from './solvable-gan-convergence.ts';
import { theorem as solvableGanPhases } from './solvable-gan-phases.ts';
import { theorem as ntkWidthRate } from './ntk-width-rate.ts';
import { theorem as ipmMmdFlow } from './ipm-mmd-flow.ts';

export const theorems: Theorem[] = [isserlis, stein, price, solvableGanConvergence, solvableGanPhases, ntkWidthRate, ipmMmdFlow];
