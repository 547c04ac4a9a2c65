// Figure 1 of Wang, Hu & Lu: d = 2 features, eta_T = eta_G = 2, 1, 4 (success,
// oscillation, collapse of the weaker feature). Curves: the derived ODE; dots:
// finite-n online SGD. Writes out/solvable-gan-figure1.svg.
//   npx tsx examples/solvable-gan-figure1.ts [--n 1000] [--T 300] [--seed 1]   (--help lists the flags)
import { odeTrajectory } from '../src/models/solvable-gan/index.ts';
import { simulateSgd } from '../src/models/solvable-gan/index.ts';
import { classifyPhase } from '../src/models/solvable-gan/index.ts';
import { defaultInit, defaultSpec } from '../src/models/solvable-gan/index.ts';
import { type Panel, PALETTE, plotPanels } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('Fig. 1 of Wang–Hu–Lu: d = 2, η = 2, 1, 4; derived-ODE curves with online-SGD dots; writes out/solvable-gan-figure1.svg', [
  { name: 'n', kind: 'integer', min: 5, max: 1_000_000, default: '1000', placeholder: 'N', description: 'dimension of the SGD runs (at least 2d + 1 = 5)' },
  { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 100_000, default: '300', placeholder: 'T', description: 'end time (t = steps / n)' },
  { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'seed of the SGD runs' },
]);
const n = flags.n as number;
const T = flags.T as number;
const seed = flags.seed as number;
const d = 2;
const init = defaultInit(d);
const panels: Panel[] = [];
for (const eta of [2, 1, 4]) {
  const spec = { ...defaultSpec(d), eta_T: eta, eta_G: eta };
  const phase = classifyPhase(spec, init);
  const ode = odeTrajectory(spec, init, T, 0.5);
  const start = performance.now();
  const sim = simulateSgd(spec, init, { n, T, seed, recordEvery: 5 });
  process.stderr.write(`eta = ${eta}: simulated n = ${n} to t = ${T} in ${((performance.now() - start) / 1000).toFixed(1)} s; predicted phase ${phase.phase}\n`);
  const names = ['P11', 'P22', 'q1', 'q2'];
  panels.push({
    title: `eta = ${eta}: ${phase.phase}`,
    xLabel: 't',
    yLabel: 'overlap (cosine)',
    yRange: [-1, 1],
    series: names.flatMap((name, i) => [
      { label: `${name} ODE`, x: ode.t, y: ode.series[name], color: PALETTE[i] },
      { label: `${name} SGD`, x: sim.t, y: sim.series[name], color: PALETTE[i], style: 'dots' as const },
    ]),
  });
}
const svg = plotPanels(panels, { columns: 3, width: 470, height: 340, title: `Solvable GAN, d = 2, Λ = Λ̃ = diag(3, 5), τ = 0.2, τ̃ = 0.04: derived ODE (lines) vs online SGD at n = ${n} (dots)` });
writeFileAtomic('out/solvable-gan-figure1.svg', svg);
console.log('wrote out/solvable-gan-figure1.svg');
