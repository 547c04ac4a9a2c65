// Phase diagram of the solvable GAN (d = 1, lambda = lambda_g = 3, tau_g = 0.04) over
// the noise level eta = eta_T = eta_G and the discriminator rate tau: each of the
// grid points' derived ODE is integrated to T = 1000 in one fused compiled call,
// the phase read off the run, and the linearisation's boundaries drawn on top.
// (At T = 200 slowly damped spirals near the boundaries are still oscillating.)
// Writes out/solvable-gan-phase-diagram.svg.
//   npx tsx examples/solvable-gan-phase-diagram.ts [--grid 100] [--T 1000]   (--help lists the flags)
import { PHASES, disagreements, phaseDiagram } from '../src/models/solvable-gan/index.ts';
import { defaultSpec } from '../src/models/solvable-gan/index.ts';
import { plotHeatMap } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags("phase diagram over (η, τ): grid² ODE runs in one batched call, with the linearisation's boundaries; writes out/solvable-gan-phase-diagram.svg", [
  { name: 'grid', kind: 'integer', min: 2, max: 1000, default: '100', placeholder: 'G', description: 'points per axis' },
  { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 100_000, default: '1000', placeholder: 'T', description: 'end time of each ODE run' },
]);
const grid = flags.grid as number;
const T = flags.T as number;
const etas = Array.from({ length: grid }, (_, i) => 0.5 + (i * 4.5) / (grid - 1));
const taus = Array.from({ length: grid }, (_, i) => 0.02 + (i * 0.98) / (grid - 1));
const base = defaultSpec(1);
const diagram = phaseDiagram({ base, etas, taus, T });
const dis = disagreements(diagram);
console.log(`${grid * grid} points integrated to T = ${T} in ${diagram.seconds.toFixed(1)} s `
  + `(${(diagram.evaluations / diagram.seconds / 1e6).toFixed(1)} M right-hand-side evaluations/s; ${diagram.path})`);
console.log(`ODE run and linearisation agree on ${dis.total - dis.count} of ${dis.total} points `
  + `(${dis.count - dis.awayFromBoundary.length} of the ${dis.count} disagreements are next to a predicted boundary)`);

// The linearisation's boundaries, per eta: oscillation where Tr = tau_g*lambda - 2 kappa > 0
// with kappa = tau^2 eta^2, i.e. tau < sqrt(tau_g lambda / 2)/eta; failure where P_c <= P(0) + 0.2.
const lambda = base.lambda[0];
const oscillationBoundary = etas.map((eta) => Math.sqrt((base.tau_g * lambda) / 2) / eta);
const colors: Record<string, string> = { success: '#8fd18f', oscillation: '#f2c46d', failure: '#e88a8a', collapse: '#b39ddb' };
const cats = PHASES.filter((p) => p !== 'collapse').map((p) => ({ label: p, color: colors[p] }));
const predictedFailure = etas.map((_, j) => {
  const i = diagram.predicted.findIndex((row) => row[j] === 'failure');
  return i < 0 ? NaN : taus[i] - (taus[1] - taus[0]) / 2;
});
const svg = plotHeatMap({
  title: `Solvable GAN phases (d = 1, λ = λ̃ = 3, τ̃ = 0.04): ODE runs to T = ${T}`,
  xLabel: 'noise level η = η_T = η_G',
  yLabel: 'discriminator learning rate τ',
  xs: etas, ys: taus,
  cells: diagram.ode.map((row) => row.map((p) => cats.findIndex((c) => c.label === p))),
  categories: cats,
  overlay: [
    { label: 'Tr J = 0 (linearisation)', x: etas, y: oscillationBoundary, color: '#333', dash: '6 3' },
    { label: 'P_c = P(0) + 0.2', x: etas, y: predictedFailure, color: '#000' },
  ],
});
writeFileAtomic('out/solvable-gan-phase-diagram.svg', svg);
console.log('wrote out/solvable-gan-phase-diagram.svg');
