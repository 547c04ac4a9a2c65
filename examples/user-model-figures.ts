// For each model file in examples/models/ (or --model FILE): the derived overlap ODE
// (lines) with finite-n simulation dots at two sizes, and the derived equations as LaTeX.
// Writes out/user-models/<name>.svg and out/user-models/<name>.tex.
//   npx tsx examples/user-model-figures.ts [--model FILE] [--n 500] [--T 5] [--seed 1]   (--help lists the flags)
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readModelFile, deriveModelOde, defaultInitial, simulateModel } from '../src/models/user-model/index.ts';
import { integrate } from '../src/compile/index.ts';
import { latexSystem, systemExpectations, expectationLatex } from '../src/symbolic/index.ts';
import { type Panel, PALETTE, plotPanels } from '../src/core/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('derived ODE (lines) vs finite-n simulation (dots at n and 4n) for model files; writes out/user-models/', [
  { name: 'model', kind: 'text', placeholder: 'FILE', description: 'one model file (default: every file in examples/models/)' },
  { name: 'n', kind: 'integer', min: 10, max: 100_000, default: '250', placeholder: 'N', description: 'the smaller simulation size (the other is 4N)' },
  { name: 'T', kind: 'number', min: 0, exclusiveMin: true, max: 1000, default: '5', placeholder: 'T', description: 'end time (t = steps / n)' },
  { name: 'seed', kind: 'integer', min: 0, default: '1', placeholder: 'S', description: 'seed of the simulations' },
]);
const n = flags.n as number, T = flags.T as number, seed = flags.seed as number;
const files = flags.model !== undefined ? [flags.model as string]
  : readdirSync('examples/models').filter((f) => f.endsWith('.json')).sort().map((f) => join('examples/models', f));
for (const file of files) {
  const name = basename(file, '.json');
  const model = readModelFile(file);
  const start = performance.now();
  const ode = deriveModelOde(model);
  const params = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
  const init = defaultInitial(model);
  const every = T / 40;
  const times = Array.from({ length: 41 }, (_, i) => i * every);
  const traj = integrate(ode, { params, initial: [Object.fromEntries(ode.state.map((s) => [s, init.get(s)!]))], t1: T, method: 'dopri5', rtol: 1e-10, atol: 1e-12, record: times }).named();
  const sims = [n, 4 * n].map((size) => simulateModel(model, params, init, { n: size, T, every: T / 20, seeds: [seed] }));
  const shown = ode.state.slice(0, 8);
  const panel: Panel = {
    title: model.title, xLabel: 't', yLabel: 'overlap',
    series: shown.flatMap((s, i) => [
      { label: `${s} ODE`, x: traj.t, y: traj.series[s], color: PALETTE[i % PALETTE.length] },
      ...sims.map((sim, j) => ({
        label: `${s} n = ${j === 0 ? n : 4 * n}`, x: sim.t, y: sim.runs[0].map((row) => row[ode.state.indexOf(s)]), color: PALETTE[i % PALETTE.length],
        style: 'dots' as const, radius: j === 0 ? 2 : 3.2, opacity: j === 0 ? 0.45 : 0.9,
      })),
    ]),
  };
  writeFileAtomic(`out/user-models/${name}.svg`, plotPanels([panel], { width: 720, height: 440, title: `${name}: derived ODE (lines), simulation at n = ${n} (small dots) and ${4 * n} (large dots)` }));
  const numeric = systemExpectations(ode);
  writeFileAtomic(`out/user-models/${name}.tex`, `${latexSystem(ode)}\n${numeric.length ? `% numeric expectations (not closed forms)\n${expectationLatex(numeric)}\n` : ''}`);
  console.log(`${name}: ${ode.state.length} equations; wrote out/user-models/${name}.svg and .tex (${((performance.now() - start) / 1000).toFixed(1)} s)`);
}
