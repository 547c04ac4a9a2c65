// A phase diagram of 10^4 (eta, tau) points of the solvable GAN (d = 1), each one's
// derived ODE integrated to T = 200 with RK4 (dt = 0.05): as one fused compiled call
// over all points (src/compile/integrator.ts), against looping the compiled f64
// right-hand side (compileRhs + ode.rk4) over the points one at a time. The side-by-side table prints while the file is collected (vitest runs
// no afterAll hooks in bench mode), before vitest's own table.
import { bench, describe } from 'vitest';
import { phaseDiagram } from '../../src/models/solvable-gan/index.ts';
import { defaultSpec } from '../../src/models/solvable-gan/index.ts';

const GRID = 100;
const etas = Array.from({ length: GRID }, (_, i) => 0.5 + (i * 4.5) / (GRID - 1));
const taus = Array.from({ length: GRID }, (_, i) => 0.02 + (i * 0.98) / (GRID - 1));
const opts = { base: defaultSpec(1), etas, taus, T: 200 };

const batched = phaseDiagram({ ...opts, batched: true });
const looped = phaseDiagram({ ...opts, batched: false });
const same = batched.ode.every((row, i) => row.every((p, j) => p === looped.ode[i][j]));
console.table([
  { path: `one fused compiled call (10^4 members): ${batched.path}`, seconds: batched.seconds.toFixed(2), 'M evals/s': (batched.evaluations / batched.seconds / 1e6).toFixed(1) },
  { path: 'compileRhs + rk4 looped over the points', seconds: looped.seconds.toFixed(2), 'M evals/s': (looped.evaluations / looped.seconds / 1e6).toFixed(1) },
]);
console.log(`speed-up ${(looped.seconds / batched.seconds).toFixed(2)}x; identical phases: ${same}; whole diagram ${batched.seconds.toFixed(1)} s (goal < 30 s)`);

describe('phase diagram, 20×20 points to T = 200 (vitest timing)', () => {
  const small = { base: defaultSpec(1), etas: etas.filter((_, i) => i % 5 === 0), taus: taus.filter((_, i) => i % 5 === 0), T: 200 };
  bench('batched', () => { phaseDiagram({ ...small, batched: true }); }, { iterations: 3, time: 0 });
  bench('looped twin', () => { phaseDiagram({ ...small, batched: false }); }, { iterations: 3, time: 0 });
});
