// GAN(TK)²'s eight-Gaussians evolution (docs/ntk-gan.md B.6, Fig. 2): 500 particles
// from N(0, I) against 500 targets from 8 Gaussians on the circle of radius 5,
// infinite-width discriminator re-trained for t = 1 at every generator step,
// η_G = 1000 (per-particle step η_G/N = 2), for three kernels: the ReLU NTK with
// bias (σ_b = 1), without bias, and the RBF kernel exp(−|x − y|²/4).
// Rows: kernels; columns: generator steps. Writes out/ntk-gan-eight-gaussians.svg
// and prints the energy distance and the Gaussian-kernel MMD² at the end.
//   npx tsx examples/ntk-gan-eight-gaussians.ts [--loss ipm] [--steps 200] [--particles 500] [--seed 1] [--lr-g 2N]   (--help lists the flags)
import { dataset } from '../src/models/ntk-gan/index.ts';
import { parseGanKernel } from '../src/models/ntk-gan/index.ts';
import { runParticleFlow } from '../src/models/ntk-gan/index.ts';
import type { LossName } from '../src/models/ntk-gan/index.ts';
import { snapshotPanels } from '../src/models/ntk-gan/index.ts';
import { type Panel, PALETTE, plotPanels } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('GAN(TK)² eight Gaussians (Fig. 2): particles under the ReLU NTK with and without bias and under RBF; writes out/ntk-gan-eight-gaussians.svg', [
  { name: 'loss', kind: 'choice', choices: ['ipm', 'lsgan', 'vanilla'], default: 'ipm', placeholder: 'loss', description: 'generator loss (hinge needs a finite discriminator: gandyn ntk-gan --width)' },
  { name: 'steps', kind: 'integer', min: 0, max: 100_000, default: '200', placeholder: 'K', description: 'generator steps' },
  { name: 'particles', kind: 'integer', min: 2, max: 20_000, default: '500', placeholder: 'N', description: 'generated particles (and as many targets)' },
  { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'seed of the particles and targets' },
  { name: 'lr-g', kind: 'number', min: 0, exclusiveMin: true, placeholder: 'eta', defaultText: '2 × particles', description: 'generator learning rate η_G (per-particle step η_G/N)' },
]);
const loss = flags.loss as LossName;
const steps = flags.steps as number;
const N = flags.particles as number;
const seed = flags.seed as number;
const lrG = (flags['lr-g'] as number | undefined) ?? 2 * N;
const snapshots = [0, 5, 20, 50, 100, steps].filter((s, i, a) => s <= steps && a.indexOf(s) === i);
const ds = dataset('eight_gaussians', { particles: N, targets: N, seed });
const kernels: Array<[string, string]> = [['relu', 'ReLU σ_b = 1'], ['relu_nobias', 'ReLU σ_b = 0'], ['rbf', 'RBF']];
const panels: Panel[] = [];
kernels.forEach(([name, label], row) => {
  const r = runParticleFlow(ds.source, ds.target, {
    loss, kernel: parseGanKernel(name, 2), steps, lrG, t: 1, snapshots, metricsEvery: steps,
  });
  const end = r.metrics[r.metrics.length - 1], start = r.metrics[0];
  process.stderr.write(`${label}: energy distance ${start.energy.toFixed(3)} → ${end.energy.toFixed(4)}, `
    + `Gaussian MMD² ${start.mmd2Rbf.toExponential(2)} → ${end.mmd2Rbf.toExponential(2)}, own-kernel MMD² ${start.mmd2.toExponential(2)} → ${end.mmd2.toExponential(2)} `
    + `(${r.seconds.toFixed(1)} s; ${r.nonSmooth.diagonal + r.nonSmooth.ray + r.nonSmooth.origin} cusp pairs)\n`);
  panels.push(...snapshotPanels(r.snapshots, ds.target, {
    range: [-7.5, 7.5], particleColor: PALETTE[[0, 3, 4][row]],
    label: (s) => `${label}: step ${s}${s === steps ? `, E = ${end.energy.toFixed(3)}` : ''}`,
  }));
});
const svg = plotPanels(panels, {
  columns: snapshots.length, width: 390, height: 300,
  title: `Eight Gaussians, ${loss.toUpperCase()}, infinite width, t = 1, η_G = ${lrG}, N = ${N}: rows ReLU NTK σ_b = 1, σ_b = 0, RBF; E = energy distance`,
});
writeFileAtomic(`out/ntk-gan-eight-gaussians${loss === 'ipm' ? '' : `-${loss}`}.svg`, svg);
console.log(`wrote out/ntk-gan-eight-gaussians${loss === 'ipm' ? '' : `-${loss}`}.svg`);
